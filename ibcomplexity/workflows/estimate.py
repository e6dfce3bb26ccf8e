r"""The main job, ``ibc estimate``, as one library call: the bound and the exact GP result.

:func:`estimate_task` takes a dataset spec and returns a :class:`TaskEstimate` holding both of the
published measures of inductive-bias complexity for that task, side by side:

1. the **model-agnostic upper bound** (Boopathy et al., ICML 2023) from the task statistics
   (n, intrinsic dimension m, radius R, resolution delta, classes) at a target error rate, in the
   default convention and in the paper's ``reference`` convention; for a regression source (an
   expert policy on an MDP, ``cartpole``) the RL form from the source's computed card;
2. the **exact GP inductive bias** (Boopathy et al., IJCAI 2024),
   :math:`-\log_2 P(\text{test MSE} \le \epsilon)` over posterior samples of a Gaussian process
   with the given kernel, computed from the generalized chi-square law without sampling.

The data are loaded once: the statistics and the seeded train/test split come from the same
:class:`~ibcomplexity.tasks.Dataset`. The CLI (``ibc estimate``) checks its options, calls this
function and renders the result (:meth:`TaskEstimate.as_dict` is its JSON, less the plot path).

    >>> import ibcomplexity as ibc
    >>> r = ibc.estimate_task("digits", n_train=200, n_test=100)
    >>> sorted(r.bounds), r.gp.bits > 0
    (['integer-degree', 'reference'], True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ibcomplexity._validation import check_error_rate, check_int, check_positive
from ibcomplexity.results import BoundResult, TaskStatistics

__all__ = ["TaskEstimate", "estimate_task"]

#: Progress callbacks: ``factory(description) -> callback(done, total)`` (or ``None``).
ProgressFactory = Callable[[str], Callable[[int, int], None] | None]


@dataclass(frozen=True)
class TaskEstimate:
    """The bound and the exact GP inductive bias of one task (what ``ibc estimate`` reports).

    Attributes:
      dataset: the task's name (its spec).
      seed: seed of the statistics (the intrinsic-dimension queries, random delta pairs).
      split_seed: seed of the train/test split.
      target_error: the bound's target error (a rate; an RL policy's error for a source).
      target_mse: the GP's target per-entry test MSE on one-hot targets.
      statistics: the :class:`~ibcomplexity.results.TaskStatistics` of the data, or for a
        regression source its computed :class:`~ibcomplexity.tasks.cards.Card`.
      bounds: the bound by convention (``"integer-degree"``, ``"reference"``), or
        ``{"RL form": ...}`` for a regression source.
      gp: the exact :class:`~ibcomplexity.estimate.GPInductiveBias`.
      n_train, n_test: sizes of the split the GP saw.
      distribution: the GP's exact test-loss law (a generalized chi-square; for plots).
    """

    dataset: str
    seed: int
    split_seed: int
    target_error: float
    target_mse: float
    statistics: Any
    bounds: Mapping[str, BoundResult]
    gp: Any
    n_train: int
    n_test: int
    distribution: Any = field(default=None, repr=False, compare=False)

    @property
    def is_source(self) -> bool:
        """Whether the task is a regression source (the bound is the RL form)."""
        return not isinstance(self.statistics, TaskStatistics)

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc estimate --json`` less ``plot`` (written by ``to_json``)."""
        return {
            "dataset": self.dataset,
            "seed": self.seed,
            "split_seed": self.split_seed,
            "target_error": self.target_error,
            "target_mse": self.target_mse,
            "statistics": self.statistics.as_dict(),
            "bound": {conv: r.as_dict() for conv, r in self.bounds.items()},
            "gp": self.gp.as_dict(),
        }


def estimate_task(
    dataset: str = "digits",
    *,
    target_error: float = 0.01,
    target_mse: float = 0.01,
    kernel: Any = "rbf",
    bandwidth: float | str | None = None,
    preprocess: str = "none",
    n_train: int = 1000,
    n_test: int = 500,
    split_seed: int = 0,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    progress: ProgressFactory | None = None,
) -> TaskEstimate:
    """The model-agnostic bound and the exact GP inductive bias of the task named by ``dataset``.

    Args:
      dataset: a dataset spec (``digits``, ``mnist:DIR``, ``npz:FILE``, ..., see
        :func:`~ibcomplexity.tasks.dataset_specs_help`) or a regression source (``cartpole``).
      target_error: the bound's target error rate, in (0, 1) (any positive number for a source).
      target_mse: the GP's target per-entry test MSE (> 0).
      kernel: a kernel spec (``"rbf"``, ``"nngp:depth=2"``) or a kernel object.
      bandwidth: a number, ``"median"``, or ``None`` for the kernel's own default.
      preprocess: ``"none"``, ``"unit"`` or ``"standardize"`` (inputs, before the kernel).
      n_train, n_test: the split's sizes; split_seed its seed.
      seed, k, num_queries, delta_method: the statistics' options
        (:func:`~ibcomplexity.stats.task_statistics`; ``delta_method`` ``exact``, ``subset`` or
        ``extreme_value``, hyphens accepted).
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.

    Returns:
      A :class:`TaskEstimate`; the same numbers as ``ibc estimate`` with the same options.
    """
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION, bound_from_statistics
    from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
    from ibcomplexity.hypotheses import GPSpace, gp_posterior, make_kernel
    from ibcomplexity.tasks import DatasetSpec

    spec = DatasetSpec.parse(dataset)  # parsed once; every loader below takes the parsed spec
    source = spec.is_task_source
    # checked before any data is read: a rate for classification, a policy's error for a source
    target_error = (check_positive if source else check_error_rate)("target_error", target_error)
    target_mse = check_positive("target_mse", target_mse)
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    delta_method = delta_method.replace("-", "_")
    bar = progress or (lambda description: None)
    kernel = make_kernel(kernel)
    if bandwidth is not None:
        kernel = make_kernel(dataclasses.replace(kernel, bandwidth=bandwidth))
    space = GPSpace(kernel=kernel, preprocessing=preprocess)
    bounds: dict[str, BoundResult] = {}
    if source:
        # A regression source (an expert policy on an MDP): the RL form from its card, whose n is
        # the GP's n_train (one form, no conventions).
        from ibcomplexity.tasks import load_task
        from ibcomplexity.workflows.card_builder import card_from_spec
        from ibcomplexity.workflows.cards import bound_from_card

        statistics = card_from_spec(
            spec,
            seed=seed,
            k=k,
            num_queries=num_queries,
            delta_method=delta_method,
            target_error=target_error,
            n_train=n_train,
            progress=bar("statistics"),
        )
        bounds["RL form"] = bound_from_card(statistics, target_error=target_error)
        task = load_task(spec, n_train=n_train, n_test=n_test, seed=split_seed)
    else:
        from ibcomplexity.stats import task_statistics
        from ibcomplexity.tasks import load_dataset
        from ibcomplexity.tasks.regression import make_regression_task

        data = load_dataset(spec)  # once: the statistics and the split share it
        statistics = task_statistics(
            data.x,
            data.y,
            seed=seed,
            k=k,
            num_queries=num_queries,
            delta_method=delta_method,
            dataset=data.name,
            progress=bar("statistics"),
        )
        for conv in dict.fromkeys((DEFAULT_CONVENTION, "reference")):
            assert conv in CONVENTIONS
            bounds[conv] = bound_from_statistics(
                statistics, target_error=target_error, convention=conv
            )
        task = make_regression_task(data, n_train=n_train, n_test=n_test, seed=split_seed)
    posterior = gp_posterior(space, task)
    gp = inductive_bias_from_posterior(posterior, target_mse)
    return TaskEstimate(
        dataset=task.name,
        seed=seed,
        split_seed=split_seed,
        target_error=target_error,
        target_mse=target_mse,
        statistics=statistics,
        bounds=bounds,
        gp=gp,
        n_train=task.n_train,
        n_test=task.n_test,
        distribution=loss_distribution(posterior),
    )
