"""ibcomplexity: inductive-bias complexity of machine-learning tasks."""

from importlib import metadata as _metadata

from ibcomplexity._json import to_json
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
from ibcomplexity.workflows import TaskEstimate, estimate_task

try:  # one place for the version: pyproject.toml, read back from the installed metadata
    __version__ = _metadata.version("ibcomplexity")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "InputError",
    "to_json",
    "estimate_task",
    "TaskEstimate",
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
