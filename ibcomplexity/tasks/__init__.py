"""Tasks, the data layer: datasets and their specs, loaders, preprocessing, splits, data cards.

Nothing here computes a statistic, a bound or an estimate (those live one layer up: ``stats``,
``bound``, ``hypotheses``, ``estimate``, and ``workflows`` for the bound from a card, few-shot
analyses and the RL form's inputs).
"""

from ibcomplexity.tasks._idx import read_idx, write_idx
from ibcomplexity.tasks.cards import Card, card_names, load_card
from ibcomplexity.tasks.cifar import load_cifar
from ibcomplexity.tasks.datasets import (
    Dataset,
    DatasetSpec,
    dataset_specs_help,
    load_dataset,
    load_digits,
    load_idx,
    load_mnist,
    load_npz,
    split_spec,
)
from ibcomplexity.tasks.image_folder import load_image_folder
from ibcomplexity.tasks.mdp import (
    MDPData,
    cartpole_dataset,
    mdp_dataset,
    pendulum_dataset,
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
    "card_names",
    "load_card",
    "Dataset",
    "DatasetSpec",
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
    "Episodes",
    "OmniglotImages",
    "classification_episodes",
    "load_omniglot",
    "load_one_shot_runs",
    "sample_episodes",
    "MDPData",
    "cartpole_dataset",
    "mdp_dataset",
    "pendulum_dataset",
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
