"""One entry point from a spec string to a task: :func:`load_task`.

Labelled datasets (``digits``, ``mnist:``, ``cifar:``, ...) are split by
:func:`~ibcomplexity.tasks.regression.make_regression_task` into one-hot regression tasks;
regression sources (``cartpole``, ``pendulum``: expert state -> action data) build their task
directly, with real-valued targets. Either way the result is a
:class:`~ibcomplexity.tasks.regression.RegressionTask` that both estimators accept.
"""

from __future__ import annotations

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.tasks.datasets import (
    DatasetSpec,
    _adapter,
    is_task_source,
    load_dataset,
)
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task

__all__ = ["load_task", "is_task_source"]


def load_task(
    spec: str | DatasetSpec, *, n_train: int, n_test: int, seed: int = 0, stratified: bool = True
) -> RegressionTask:
    """The task named by ``spec``, with ``n_train`` training and ``n_test`` test examples.

    Args:
      spec: a dataset spec (see :func:`~ibcomplexity.tasks.datasets.dataset_specs_help`) or a
        regression source (``cartpole:history=3``, ``pendulum``), as a string or a parsed
        :class:`~ibcomplexity.tasks.datasets.DatasetSpec`.
      n_train, n_test: sizes of the disjoint training and test sets (>= 1).
      seed: seed of the split (and of a regression source's data).
      stratified: stratify a labelled dataset's split by class (ignored by regression sources).

    Returns:
      The :class:`~ibcomplexity.tasks.regression.RegressionTask`; its ``name`` is the spec.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    parsed = DatasetSpec.parse(spec)
    if parsed.is_task_source:
        scheme = parsed.scheme
        if parsed.knobs:
            raise InputError(
                f"task spec {parsed.text!r}: '@' preprocessing applies to labelled datasets; a "
                f"{scheme} source takes its options after ':' (e.g. {scheme}:noise=0.01)"
            )
        make = _adapter(scheme)
        return make(parsed.text, parsed.rest, n_train=n_train, n_test=n_test, seed=seed)
    dataset = load_dataset(parsed)
    return make_regression_task(
        dataset, n_train=n_train, n_test=n_test, seed=seed, stratified=stratified
    )
