r"""Input checks and duplicate handling shared by every task statistic.

Every public function in :mod:`ibcomplexity.stats` starts here, before any JAX code runs:

* ``x`` may be any numeric array-like of shape ``(n, ...)``; each row is flattened, so a point is a
  vector in :math:`\mathbb{R}^d` with ``d = prod(shape[1:])``. NaN or infinite entries raise
  :class:`~ibcomplexity._validation.InputError` naming how many there are and the first bad row.
  Rows are kept in float32 when that is exact (float32 input, or integers of magnitude at most
  :math:`2^{24}`) and in float64 otherwise; the fast kernels then round to float32 and the answers
  that must be exact are recomputed from these values in float64.
* ``y`` must be a 1-D array of ``n`` integer labels (integral floats such as ``3.0`` are accepted).
* **Exact duplicate rows.** Two identical rows have distance 0, which breaks the log-ratios of the
  intrinsic-dimension estimators and, with different labels, makes the resolution
  :math:`\delta = 0`. For the intrinsic dimension every duplicate is dropped (the first occurrence
  is kept) and the count is reported. For :math:`\delta`, duplicates with the same label are
  dropped; identical rows with *different* labels raise, since then :math:`\delta = 0` and the
  bound is infinite: relabel or remove them first.
* Constant features need no handling: they add nothing to any distance.

Indices reported to the user (the closest pair, the first duplicate) are always rows of the
original ``x``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ibcomplexity._validation import InputError, check_finite_array, check_int

__all__ = [
    "Points",
    "LabelledPoints",
    "ProgressFn",
    "as_points",
    "as_labels",
    "distinct_points",
    "distinct_labelled_points",
    "require_distinct",
    "require_two_classes",
    "check_progress",
    "check_chunk_size",
]

ProgressFn = Callable[[int, int], object]

# Integers up to 2**24 in magnitude are exact in float32's 24-bit significand.
_FLOAT32_EXACT_INT = 2**24
# Rows per block when hashing rows for the duplicate search (bounds the float64 temporaries).
_HASH_ROWS = 2048


@dataclass(frozen=True)
class Points:
    """Distinct rows of a data set.

    Attributes:
      x: ``(num_points, d)`` float32 or float64 array of distinct rows.
      rows: ``(num_points,)`` index of each kept row in the original data.
      duplicates_dropped: rows removed because an identical earlier row was kept.
    """

    x: np.ndarray
    rows: np.ndarray
    duplicates_dropped: int

    @property
    def num_points(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class LabelledPoints:
    """Distinct labelled rows, with the classes renumbered ``0..C-1``.

    Attributes:
      points: the distinct rows (see :class:`Points`).
      labels: ``(num_points,)`` class index of each row, in ``0..C-1``.
      classes: the original label of each class index.
    """

    points: Points
    labels: np.ndarray
    classes: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(self.classes.size)


def as_points(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a C-contiguous ``(n, d)`` float32/float64 array after checking it.

    Args:
      x: array-like of shape ``(n, ...)``; a 1-D array is ``n`` points in one dimension.
      name: the argument name used in error messages.

    Raises:
      InputError: ``x`` is not numeric, has no rows or no features, or has NaN/inf entries.
    """
    arr = check_finite_array(name, x)
    if arr.ndim == 0:
        raise InputError(f"{name} must be an array of shape (n, ...), got a scalar")
    if arr.shape[0] == 0:
        raise InputError(f"{name} must have at least one row, got shape {arr.shape}")
    arr = arr.reshape(arr.shape[0], -1)
    if arr.shape[1] == 0:
        raise InputError(f"{name} must have at least one feature, got shape {arr.shape}")
    if arr.dtype == np.float32:
        out = arr
    elif arr.dtype.kind in "biu" and max(abs(int(arr.min())), abs(int(arr.max()))) <= (
        _FLOAT32_EXACT_INT
    ):
        out = arr.astype(np.float32)
    else:
        out = arr.astype(np.float64, copy=False)
    return np.ascontiguousarray(out)


def as_labels(y, n: int, name: str = "y") -> np.ndarray:
    """Return ``y`` as an ``(n,)`` int64 array after checking it holds integer class labels.

    Raises:
      InputError: wrong shape, non-numeric, non-finite or non-integral labels.
    """
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InputError(f"{name} must have shape ({n},) to match x, got shape {arr.shape}")
    if arr.dtype.kind in "biu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if not bad.any():
            return arr.astype(np.int64)
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} must hold integer class labels, got {float(arr[first])!r} at position {first}"
        )
    raise InputError(f"{name} must hold integer class labels, got dtype {arr.dtype}")


def _unique_rows_exact(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-occurrence index of each distinct row (ascending) and each row's group id, by an
    exact byte-wise sort; groups are numbered in order of first occurrence."""
    canon = np.ascontiguousarray(rows + rows.dtype.type(0.0))  # -0.0 -> +0.0
    keys = canon.view(np.dtype((np.void, canon.dtype.itemsize * canon.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[inverse.ravel()]


def _unique_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""First-occurrence index of each distinct row (ascending) and each row's group id.

    Two rows are duplicates when they are equal value by value (``-0.0 == 0.0``; NaN was excluded
    by :func:`as_points`). To avoid sorting whole rows, each row is first reduced to
    :math:`h = x \cdot r` for a fixed random vector r, in float64 and in row blocks. Identical rows
    give values that differ at most by rounding, :math:`2 \gamma_d\, |x| \cdot |r|` (Higham,
    *Accuracy and Stability of Numerical Algorithms*, Sec. 3.1), so after sorting h, every group of
    duplicates lies inside a run of neighbours closer than that bound; only rows in such runs are
    compared exactly (byte-wise sort). Memory stays a few MiB beyond the data.
    """
    n, d = x.shape
    r = np.random.default_rng(0x1BC).standard_normal(d)
    h = np.empty(n)
    scale = np.empty(n)
    for s in range(0, n, _HASH_ROWS):
        block = x[s : s + _HASH_ROWS].astype(np.float64)
        h[s : s + _HASH_ROWS] = block @ r
        scale[s : s + _HASH_ROWS] = np.abs(block) @ np.abs(r)
    # 4 d eps covers twice the dot-product error bound gamma_d = d eps / (1 - d eps).
    tol = 4.0 * d * np.finfo(np.float64).eps * scale
    order = np.argsort(h, kind="stable")
    hs, ts = h[order], tol[order]
    close = np.flatnonzero(hs[1:] - hs[:-1] <= np.maximum(ts[1:], ts[:-1]))
    ids = np.arange(n)
    if close.size == 0:
        return ids, ids
    suspect = np.zeros(n, bool)
    suspect[order[close]] = True
    suspect[order[close + 1]] = True
    sub = np.flatnonzero(suspect)
    first_sub, group_sub = _unique_rows_exact(x[sub])
    representative = ids.copy()
    representative[sub] = sub[first_sub[group_sub]]
    first = np.flatnonzero(representative == ids)
    return first, np.searchsorted(first, representative)


def _take_rows(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """``x[first]``, without a copy when every row is kept."""
    return x if first.size == x.shape[0] else x[first]


def distinct_points(x) -> Points:
    """Check ``x`` and drop exact duplicate rows, keeping the first occurrence of each.

    Example:
      >>> distinct_points([[0.0, 1.0], [0.0, 1.0], [2.0, 2.0]]).duplicates_dropped
      1
    """
    arr = as_points(x)
    first, _ = _unique_rows(arr)
    return Points(
        x=_take_rows(arr, first), rows=first, duplicates_dropped=int(arr.shape[0] - first.size)
    )


def distinct_labelled_points(x, y) -> LabelledPoints:
    """Check ``x`` and ``y``, drop same-label duplicates and refuse cross-label duplicates.

    Raises:
      InputError: identical rows carry different labels (then :math:`\\delta = 0`).
    """
    arr = as_points(x)
    labels = as_labels(y, arr.shape[0])
    first, group = _unique_rows(arr)
    group_label = labels[first]
    conflict = group_label[group] != labels
    if conflict.any():
        bad_groups = np.unique(group[conflict])
        row_b = int(np.flatnonzero(conflict)[0])
        row_a = int(first[group[row_b]])
        raise InputError(
            f"x has {bad_groups.size} distinct points that appear with different labels in y "
            f"(first: rows {row_a} and {row_b} are identical but labelled {labels[row_a]} and "
            f"{labels[row_b]}), so the resolution delta would be 0; remove or relabel them"
        )
    classes, codes = np.unique(group_label, return_inverse=True)
    points = Points(
        x=_take_rows(arr, first), rows=first, duplicates_dropped=int(arr.shape[0] - first.size)
    )
    return LabelledPoints(points=points, labels=codes.ravel(), classes=classes)


def require_distinct(num_points: int, k: int, *, what: str = "neighbours") -> None:
    """Raise unless ``num_points >= k + 1`` (each query needs ``k`` others)."""
    if num_points < k + 1:
        raise InputError(f"k={k} {what} need at least {k + 1} distinct points, got {num_points}")


def require_two_classes(data: LabelledPoints) -> None:
    """Raise unless the data hold at least two classes (else there is no cross-class pair)."""
    if data.num_classes < 2:
        raise InputError(
            f"delta needs at least two classes, got one (label {data.classes[0]!r}) in y"
        )


def check_progress(progress) -> ProgressFn | None:
    """Return ``progress`` after checking it is ``None`` or a callable ``progress(done, total)``."""
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be None or a callable(done, total), got {progress!r}")
    return progress


def check_chunk_size(chunk_size) -> int:
    """Return ``chunk_size`` as a positive int."""
    return check_int("chunk_size", chunk_size, minimum=1)
