"""The model-agnostic upper bound on inductive-bias complexity (Boopathy et al., ICML 2023)."""

from ibcomplexity.bound._convention import (
    CONVENTIONS,
    DEFAULT_CONVENTION,
    Convention,
    get_convention,
)
from ibcomplexity.bound.general import (
    bound_from_statistics,
    classification_bound,
    eigenfunction_count,
    general_bound,
)
from ibcomplexity.bound.meta import (
    OMNIGLOT_BACKGROUND_ALPHABETS,
    episode_count,
    meta_learning_bound,
)
from ibcomplexity.bound.product import ClassificationTask, product_bound
from ibcomplexity.bound.rl import MUJOCO_DIMS, cartpole_bound, rl_bound

__all__ = [
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "Convention",
    "get_convention",
    "general_bound",
    "classification_bound",
    "bound_from_statistics",
    "eigenfunction_count",
    "rl_bound",
    "cartpole_bound",
    "MUJOCO_DIMS",
    "meta_learning_bound",
    "episode_count",
    "OMNIGLOT_BACKGROUND_ALPHABETS",
    "ClassificationTask",
    "product_bound",
]
