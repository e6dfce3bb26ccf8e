r"""Classification datasets as regression tasks: a seeded train/test split with one-hot targets.

The direct estimate of inductive-bias complexity (Boopathy et al., IJCAI 2024) treats every task
as regression with mean-squared error on one-hot targets: a hypothesis :math:`f` maps an input to
:math:`\mathbb{R}^k` and its test loss is the per-entry MSE

.. math:: \mathrm{MSE}(f) = \frac{1}{m k} \sum_{i=1}^{m} \sum_{c=1}^{k} (f_c(x^*_i) - Y^*_{ic})^2 .

:func:`make_regression_task` turns a :class:`~ibcomplexity.tasks.datasets.Dataset` into such a
task: ``n_train`` training and ``n_test`` test examples drawn without replacement (disjoint), by
default stratified by class, with one-hot targets over the dataset's classes.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.tasks._apportion import apportion
from ibcomplexity.tasks.dataset import Dataset

__all__ = ["RegressionTask", "make_regression_task"]


@dataclass(frozen=True, eq=False)
class RegressionTask:
    """A train/test task: inputs, targets, output dimension and metadata.

    This is the one task interface every adapter produces and both estimators accept. Targets are
    one-hot class indicators for classification tasks (built by :func:`make_regression_task`) or
    real-valued outputs for regression sources such as expert policies on MDPs (built by
    :meth:`from_arrays`, ``labels_*`` then ``None``).

    Equality and hashing are by identity (``eq=False``): the fields hold arrays. Arrays are
    read-only.

    Attributes:
      x_train: float32 ``(n, d)`` training inputs (as scaled by the dataset).
      y_train: float32 ``(n, k)`` training targets (one-hot for classification).
      x_test: float32 ``(m, d)`` test inputs.
      y_test: float32 ``(m, k)`` test targets.
      labels_train: int64 ``(n,)`` original class labels of the training examples, or ``None``
        for real-valued targets.
      labels_test: int64 ``(m,)`` original class labels of the test examples, or ``None``.
      classes: k, the output dimension: the number of one-hot columns (distinct labels in the
        whole dataset) or of real-valued target columns.
      name: the dataset's name/spec.
      seed: the seed of the split.
      class_values: the label value of each one-hot column (``column c`` is label
        ``class_values[c]``), sorted ascending.
      stratified: whether the split was stratified by class.
      train_indices: int64 ``(n,)`` rows of the dataset used for training.
      test_indices: int64 ``(m,)`` rows of the dataset used for testing.
      metadata: JSON-serialisable facts: name, source, format, provenance, preprocessing (the
        dataset's metadata plus the split), or an adapter's own (e.g. an MDP's observation model).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_train: np.ndarray
    labels_test: np.ndarray
    classes: int
    name: str
    seed: int
    class_values: tuple[int, ...] = ()
    stratified: bool = True
    train_indices: np.ndarray | None = None
    test_indices: np.ndarray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> int:
        """Output dimension k (same as ``classes``)."""
        return int(self.classes)

    @property
    def is_classification(self) -> bool:
        """Whether the targets are one-hot class indicators (``labels_*`` present)."""
        return self.labels_train is not None

    @classmethod
    def from_arrays(
        cls,
        x_train,
        y_train,
        x_test,
        y_test,
        *,
        name: str = "arrays",
        seed: int = 0,
        metadata: Mapping[str, Any] | None = None,
    ) -> RegressionTask:
        """A task with real-valued targets from arrays (no class labels).

        Args:
          x_train, x_test: ``(n, d)`` / ``(m, d)`` finite inputs (cast to float32).
          y_train, y_test: ``(n, k)`` / ``(m, k)`` finite targets (a 1-D target becomes k = 1).
          name: the task's name (its spec).
          seed: the seed that produced the data/split, recorded.
          metadata: recorded as ``metadata``.

        Raises:
          InputError: mismatched shapes, empty or non-finite arrays.
        """
        arrays = {}
        for what, a, ref in (
            ("x_train", x_train, None),
            ("y_train", y_train, "x_train"),
            ("x_test", x_test, None),
            ("y_test", y_test, "x_test"),
        ):
            a = np.asarray(a)
            if a.dtype.kind not in "biuf":
                raise InputError(f"{what} must be numeric, got dtype {a.dtype}")
            if what.startswith("y") and a.ndim == 1:
                a = a[:, None]
            if a.ndim != 2 or 0 in a.shape:
                raise InputError(f"{what} must be a non-empty 2-D array, got shape {a.shape}")
            if not np.isfinite(a).all():
                raise InputError(f"{what} has non-finite values (NaN or inf)")
            if ref is not None and a.shape[0] != arrays[ref].shape[0]:
                raise InputError(
                    f"{what} has {a.shape[0]} rows but {ref} has {arrays[ref].shape[0]}; they "
                    "must match one to one"
                )
            a = np.ascontiguousarray(a, dtype=np.float32)
            a.flags.writeable = False
            arrays[what] = a
        if arrays["x_train"].shape[1] != arrays["x_test"].shape[1]:
            raise InputError(
                f"x_train has {arrays['x_train'].shape[1]} features but x_test has "
                f"{arrays['x_test'].shape[1]}"
            )
        if arrays["y_train"].shape[1] != arrays["y_test"].shape[1]:
            raise InputError(
                f"y_train has {arrays['y_train'].shape[1]} outputs but y_test has "
                f"{arrays['y_test'].shape[1]}"
            )
        return cls(
            **arrays,
            labels_train=None,
            labels_test=None,
            classes=int(arrays["y_train"].shape[1]),
            name=str(name),
            seed=check_int("seed", seed, minimum=0),
            stratified=False,
            metadata=dict(metadata or {}),
        )

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test examples."""
        return int(self.x_test.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension d."""
        return int(self.x_train.shape[1])


def make_regression_task(
    dataset: Dataset, *, n_train: int, n_test: int, seed: int = 0, stratified: bool = True
) -> RegressionTask:
    r"""Split a dataset into disjoint random training and test sets with one-hot targets.

    With ``stratified=True`` the number of examples of class :math:`c` in the training set is the
    largest-remainder apportionment of ``n_train`` in proportion to the class frequencies
    :math:`n_c / n` (capped by :math:`n_c`), and likewise for ``n_test`` among the examples left;
    within a class the examples are a uniformly random subset. Otherwise both sets are uniformly
    random. The order of the examples inside each set is a random permutation (classes are not
    grouped). Every random choice comes from ``numpy.random.default_rng(seed)``.

    The one-hot columns are the distinct labels of the whole dataset, in ascending order, so a
    class that happens to be absent from a split still has its column.

    Args:
      dataset: the :class:`~ibcomplexity.tasks.datasets.Dataset` to split (at least 2 classes).
      n_train: training examples (>= 1).
      n_test: test examples (>= 1); ``n_train + n_test <= dataset.n``.
      seed: seed of the split (>= 0).
      stratified: stratify by class (default) or draw uniformly.

    Returns:
      The :class:`RegressionTask`.

    Raises:
      InputError: for a non-dataset, bad sizes, a negative seed or fewer than 2 classes.

    Example:
      >>> from ibcomplexity.tasks.datasets import load_digits
      >>> task = make_regression_task(load_digits(), n_train=100, n_test=50, seed=0)
      >>> task.y_train.shape, task.classes
      ((100, 10), 10)
    """
    if not isinstance(dataset, Dataset):
        raise InputError(
            f"dataset must be an ibcomplexity Dataset (see load_dataset), got "
            f"{type(dataset).__name__}"
        )
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(stratified, (bool, np.bool_)):
        raise InputError(f"stratified must be True or False, got {stratified!r}")
    if n_train + n_test > dataset.n:
        raise InputError(
            f"n_train + n_test = {n_train + n_test} exceeds the {dataset.n} examples of dataset "
            f"{dataset.name!r}; the training and test sets must be disjoint"
        )
    class_values, inverse = np.unique(dataset.y, return_inverse=True)
    k = int(class_values.size)
    if k < 2:
        raise InputError(
            f"dataset {dataset.name!r} has {k} class; a regression task on one-hot targets needs "
            "at least 2"
        )
    rng = np.random.default_rng(seed)
    if stratified:
        counts = np.bincount(inverse, minlength=k)
        per_train = apportion(n_train, counts, counts.astype(np.float64), rng)
        per_test = apportion(n_test, counts - per_train, counts.astype(np.float64), rng)
        train_parts, test_parts = [], []
        for c in range(k):
            members = rng.permutation(np.flatnonzero(inverse == c))
            train_parts.append(members[: per_train[c]])
            test_parts.append(members[per_train[c] : per_train[c] + per_test[c]])
        train_idx = rng.permutation(np.concatenate(train_parts))
        test_idx = rng.permutation(np.concatenate(test_parts))
    else:
        order = rng.permutation(dataset.n)
        train_idx, test_idx = order[:n_train], order[n_train : n_train + n_test]
    eye = np.eye(k, dtype=np.float32)

    def frozen(a: np.ndarray) -> np.ndarray:
        a = np.ascontiguousarray(a)
        a.flags.writeable = False
        return a

    return RegressionTask(
        x_train=frozen(dataset.x[train_idx]),
        y_train=frozen(eye[inverse[train_idx]]),
        x_test=frozen(dataset.x[test_idx]),
        y_test=frozen(eye[inverse[test_idx]]),
        labels_train=frozen(dataset.y[train_idx]),
        labels_test=frozen(dataset.y[test_idx]),
        classes=k,
        name=dataset.name,
        seed=seed,
        class_values=tuple(int(v) for v in class_values),
        stratified=bool(stratified),
        train_indices=frozen(train_idx.astype(np.int64)),
        test_indices=frozen(test_idx.astype(np.int64)),
        metadata={
            "name": dataset.name,
            "source": dataset.source,
            "scaling": dataset.scaling,
            "shape": list(dataset.shape),
            **dataset.metadata,
            "split": {
                "n_train": n_train,
                "n_test": n_test,
                "seed": seed,
                "stratified": bool(stratified),
            },
        },
    )
