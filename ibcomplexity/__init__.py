"""ibcomplexity: inductive-bias complexity of machine-learning tasks."""

from ibcomplexity._validation import InputError
from ibcomplexity.bound import (
    CONVENTIONS,
    DEFAULT_CONVENTION,
    ClassificationTask,
    Convention,
    cartpole_bound,
    classification_bound,
    general_bound,
    meta_learning_bound,
    product_bound,
    rl_bound,
)
from ibcomplexity.results import (
    BoundResult,
    BoundTerms,
    IntrinsicDimension,
    Resolution,
    TaskStatistics,
)

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "ClassificationTask",
    "Convention",
    "cartpole_bound",
    "classification_bound",
    "general_bound",
    "meta_learning_bound",
    "product_bound",
    "rl_bound",
    "BoundResult",
    "BoundTerms",
    "IntrinsicDimension",
    "Resolution",
    "TaskStatistics",
]
