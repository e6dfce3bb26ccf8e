"""Tasks: datasets and their specs, data cards."""

from ibcomplexity.tasks._idx import read_idx, write_idx
from ibcomplexity.tasks.cards import (
    Card,
    bound_from_card,
    card_names,
    load_card,
    product_bound_from_cards,
)
from ibcomplexity.tasks.datasets import (
    Dataset,
    dataset_specs_help,
    load_dataset,
    load_digits,
    load_idx,
    load_mnist,
    load_npz,
)
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task

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
    "RegressionTask",
    "make_regression_task",
    "read_idx",
    "write_idx",
]
