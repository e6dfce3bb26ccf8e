"""Tasks: datasets and their specs, data cards."""

from ibcomplexity.tasks._idx import read_idx, write_idx
from ibcomplexity.tasks.cards import (
    Card,
    bound_from_card,
    card_names,
    load_card,
    product_bound_from_cards,
)
from ibcomplexity.tasks.cifar import load_cifar
from ibcomplexity.tasks.datasets import (
    Dataset,
    dataset_specs_help,
    load_dataset,
    load_digits,
    load_idx,
    load_mnist,
    load_npz,
    split_spec,
)
from ibcomplexity.tasks.fewshot import (
    EpisodeInductiveBias,
    EpisodeLossLaws,
    FewShotComparison,
    MetaStatistics,
    episode_loss_laws,
    fewshot_vs_classification,
    meta_statistics,
)
from ibcomplexity.tasks.image_folder import load_image_folder
from ibcomplexity.tasks.mdp import (
    MDPData,
    cartpole_dataset,
    mdp_dataset,
    pendulum_dataset,
    rl_bound_inputs,
)
from ibcomplexity.tasks.omniglot import (
    Episodes,
    OmniglotImages,
    classification_episodes,
    load_omniglot,
    load_one_shot_runs,
    sample_episodes,
)
from ibcomplexity.tasks.preprocessing import apply_spec, preprocess
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task
from ibcomplexity.tasks.synthetic import (
    SyntheticProblem,
    haar_orthogonal,
    sphere_dataset,
    synthetic_dataset,
    synthetic_problem,
    torus_dataset,
)
from ibcomplexity.tasks.task import is_task_source, load_task

__all__ = [
    "Card",
    "bound_from_card",
    "card_names",
    "load_card",
    "product_bound_from_cards",
    "Dataset",
    "dataset_specs_help",
    "load_dataset",
    "load_digits",
    "load_idx",
    "load_mnist",
    "load_npz",
    "load_cifar",
    "load_image_folder",
    "apply_spec",
    "preprocess",
    "EpisodeInductiveBias",
    "EpisodeLossLaws",
    "Episodes",
    "FewShotComparison",
    "MetaStatistics",
    "OmniglotImages",
    "classification_episodes",
    "episode_loss_laws",
    "fewshot_vs_classification",
    "load_omniglot",
    "load_one_shot_runs",
    "meta_statistics",
    "sample_episodes",
    "MDPData",
    "cartpole_dataset",
    "mdp_dataset",
    "pendulum_dataset",
    "rl_bound_inputs",
    "SyntheticProblem",
    "haar_orthogonal",
    "sphere_dataset",
    "synthetic_dataset",
    "synthetic_problem",
    "torus_dataset",
    "RegressionTask",
    "is_task_source",
    "load_task",
    "make_regression_task",
    "split_spec",
    "read_idx",
    "write_idx",
]
