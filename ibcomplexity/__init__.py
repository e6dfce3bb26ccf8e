"""ibcomplexity: inductive-bias complexity of machine-learning tasks.

The curated public API, by use (each name also lives in the subpackage that owns it):

- **The main job:** :func:`estimate_task` -> :class:`TaskEstimate` (what ``ibc estimate`` does);
  one GP space: :func:`gp_space_estimate` -> :class:`GPSpaceEstimate` (``ibc kernel``); one
  network space: :func:`nn_space_estimate` -> :class:`NNSpaceEstimate` (``ibc nn``); the bias
  architectures provide: :func:`compare_architectures` -> :class:`ArchitectureComparison`
  (``ibc compare``).
- **The model-agnostic bound** (Boopathy et al., ICML 2023): :func:`classification_bound`,
  :func:`bound_from_statistics`, :func:`general_bound`, :func:`rl_bound`, :func:`cartpole_bound`,
  :func:`meta_learning_bound`, :func:`product_bound` (with :class:`ClassificationTask`),
  :data:`CONVENTIONS`, :data:`DEFAULT_CONVENTION`, :class:`Convention` -> :class:`BoundResult`
  (:class:`BoundTerms`).
- **Data and task statistics:** :func:`load_dataset` -> :class:`Dataset`, :func:`load_task` ->
  :class:`RegressionTask`, :func:`dataset_specs_help`, :func:`task_statistics` ->
  :class:`TaskStatistics` (:class:`IntrinsicDimension`, :class:`Resolution`), data cards
  :func:`load_card` / :func:`bound_from_card`.
- **The direct estimate** (Boopathy et al., IJCAI 2024): Gaussian-process spaces
  :func:`make_kernel`, :class:`Kernel` (your own: :meth:`Kernel.from_function`),
  :class:`GPSpace`, :func:`gp_posterior`, the exact :func:`inductive_bias` ->
  :class:`GPInductiveBias`; sampled hypotheses :func:`sample_losses`, networks
  :func:`parse_arch`, :class:`Architecture` (your own Flax module:
  :meth:`Architecture.from_module`), :class:`TrainConfig`, :func:`train_hypotheses`; any sample
  of losses :func:`estimate_bits` -> :class:`BitsEstimate`.
- **Batch jobs:** :func:`load_job`, :func:`run_job`.
- **Plumbing every user meets:** :func:`to_json` (the one JSON rule), :class:`InputError`,
  ``__version__``.

Names are loaded on first use, so ``import ibcomplexity`` stays light (no JAX until needed).
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata
from typing import TYPE_CHECKING

from ibcomplexity._json import to_json
from ibcomplexity._validation import InputError

try:  # one place for the version: pyproject.toml, read back from the installed metadata
    __version__ = _metadata.version("ibcomplexity")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

#: Public name -> the module that defines it (imported on first access).
_LAZY = {
    # the main job
    "estimate_task": "ibcomplexity.workflows",
    "TaskEstimate": "ibcomplexity.workflows",
    "gp_space_estimate": "ibcomplexity.workflows",
    "GPSpaceEstimate": "ibcomplexity.workflows",
    "nn_space_estimate": "ibcomplexity.workflows",
    "NNSpaceEstimate": "ibcomplexity.workflows",
    "compare_architectures": "ibcomplexity.workflows",
    "ArchitectureComparison": "ibcomplexity.workflows",
    # the model-agnostic bound
    "CONVENTIONS": "ibcomplexity.bound",
    "DEFAULT_CONVENTION": "ibcomplexity.bound",
    "Convention": "ibcomplexity.bound",
    "ClassificationTask": "ibcomplexity.bound",
    "bound_from_statistics": "ibcomplexity.bound",
    "cartpole_bound": "ibcomplexity.bound",
    "classification_bound": "ibcomplexity.bound",
    "general_bound": "ibcomplexity.bound",
    "meta_learning_bound": "ibcomplexity.bound",
    "product_bound": "ibcomplexity.bound",
    "rl_bound": "ibcomplexity.bound",
    "BoundResult": "ibcomplexity.results",
    "BoundTerms": "ibcomplexity.results",
    # data, statistics, cards
    "Dataset": "ibcomplexity.tasks",
    "RegressionTask": "ibcomplexity.tasks",
    "dataset_specs_help": "ibcomplexity.tasks",
    "load_dataset": "ibcomplexity.tasks",
    "load_task": "ibcomplexity.tasks",
    "load_card": "ibcomplexity.tasks",
    "bound_from_card": "ibcomplexity.workflows",
    "task_statistics": "ibcomplexity.stats",
    "TaskStatistics": "ibcomplexity.results",
    "IntrinsicDimension": "ibcomplexity.results",
    "Resolution": "ibcomplexity.results",
    # the direct estimate
    "GPSpace": "ibcomplexity.hypotheses",
    "Kernel": "ibcomplexity.hypotheses",
    "make_kernel": "ibcomplexity.hypotheses",
    "gp_posterior": "ibcomplexity.hypotheses",
    "sample_losses": "ibcomplexity.hypotheses",
    "parse_arch": "ibcomplexity.hypotheses",
    "Architecture": "ibcomplexity.hypotheses",
    "TrainConfig": "ibcomplexity.hypotheses",
    "train_hypotheses": "ibcomplexity.hypotheses",
    "inductive_bias": "ibcomplexity.estimate",
    "GPInductiveBias": "ibcomplexity.estimate",
    "estimate_bits": "ibcomplexity.estimate",
    "BitsEstimate": "ibcomplexity.estimate",
    # batch jobs
    "load_job": "ibcomplexity.batch",
    "run_job": "ibcomplexity.batch",
}

# Literal, so tools read it; tests/test_api.py checks it against _LAZY.
__all__ = [
    "InputError",
    "__version__",
    "to_json",
    "estimate_task",
    "TaskEstimate",
    "gp_space_estimate",
    "GPSpaceEstimate",
    "nn_space_estimate",
    "NNSpaceEstimate",
    "compare_architectures",
    "ArchitectureComparison",
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "Convention",
    "ClassificationTask",
    "bound_from_statistics",
    "cartpole_bound",
    "classification_bound",
    "general_bound",
    "meta_learning_bound",
    "product_bound",
    "rl_bound",
    "BoundResult",
    "BoundTerms",
    "Dataset",
    "RegressionTask",
    "dataset_specs_help",
    "load_dataset",
    "load_task",
    "load_card",
    "bound_from_card",
    "task_statistics",
    "TaskStatistics",
    "IntrinsicDimension",
    "Resolution",
    "GPSpace",
    "Kernel",
    "make_kernel",
    "gp_posterior",
    "sample_losses",
    "parse_arch",
    "Architecture",
    "TrainConfig",
    "train_hypotheses",
    "inductive_bias",
    "GPInductiveBias",
    "estimate_bits",
    "BitsEstimate",
    "load_job",
    "run_job",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ibcomplexity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cached: the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static checkers and IDEs see the names eagerly
    from ibcomplexity.batch import load_job, run_job
    from ibcomplexity.bound import (
        CONVENTIONS,
        DEFAULT_CONVENTION,
        ClassificationTask,
        Convention,
        bound_from_statistics,
        cartpole_bound,
        classification_bound,
        general_bound,
        meta_learning_bound,
        product_bound,
        rl_bound,
    )
    from ibcomplexity.estimate import BitsEstimate, GPInductiveBias, estimate_bits, inductive_bias
    from ibcomplexity.hypotheses import (
        Architecture,
        GPSpace,
        Kernel,
        TrainConfig,
        gp_posterior,
        make_kernel,
        parse_arch,
        sample_losses,
        train_hypotheses,
    )
    from ibcomplexity.results import (
        BoundResult,
        BoundTerms,
        IntrinsicDimension,
        Resolution,
        TaskStatistics,
    )
    from ibcomplexity.stats import task_statistics
    from ibcomplexity.tasks import (
        Dataset,
        RegressionTask,
        dataset_specs_help,
        load_card,
        load_dataset,
        load_task,
    )
    from ibcomplexity.workflows import (
        ArchitectureComparison,
        GPSpaceEstimate,
        NNSpaceEstimate,
        TaskEstimate,
        bound_from_card,
        compare_architectures,
        estimate_task,
        gp_space_estimate,
        nn_space_estimate,
    )
