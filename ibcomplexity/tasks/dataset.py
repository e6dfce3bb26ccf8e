"""The labelled-dataset type every loader returns (:class:`Dataset`), and its validation.

Kept apart from the loaders (:mod:`ibcomplexity.tasks.datasets`) so that preprocessing and the
train/test split can use the type without importing the loaders: the package imports one way.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ibcomplexity._limits import check_memory
from ibcomplexity._validation import InputError, check_finite_array

__all__ = ["Dataset"]

# Labels index count arrays (``class_counts`` is a bincount), so one absurd label would allocate a
# huge array; a million is far above any classification task in scope (ImageNet-21k has ~21,800).
_MAX_LABEL = 999_999
_SCALING_BYTE = "pixels / 255 -> [0, 1]"
_SCALING_NONE = "none"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled dataset with flattened float32 features.

    Equality and hashing are by identity (``eq=False``): the fields hold arrays, which have no
    single truth value. ``x`` and ``y`` are read-only views.

    Attributes:
        x: float32 array of shape ``(n, d)``: each example flattened, already scaled (see
            ``scaling``).
        y: int64 array of shape ``(n,)`` of non-negative class labels.
        name: the spec the dataset came from, e.g. ``"mnist:data/mnist"`` or ``"digits"``.
        shape: the per-example shape before flattening, e.g. ``(28, 28)`` or ``(32, 32, 3)``.
        scaling: the preprocessing applied to the raw values, e.g. ``"pixels / 255 -> [0, 1]"``.
        source: the file(s) read, or ``"scikit-learn load_digits"``.
        metadata: JSON-serialisable facts about the data beyond the fields above, carried into
            every task made from it. Conventional keys: ``"format"`` (the file format read),
            ``"provenance"`` (citation / licence), ``"preprocessing"`` (a list of the steps
            applied, in order, see :mod:`ibcomplexity.tasks.preprocessing`); adapters add their own.

    Example:
        >>> ds = load_digits()
        >>> ds.n, ds.dim, ds.shape, ds.classes
        (1797, 64, (8, 8), 10)
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    shape: tuple
    scaling: str
    source: str
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        x, y = self.x, self.y
        if not isinstance(self.metadata, Mapping):
            raise InputError(f"Dataset.metadata must be a mapping, got {type(self.metadata)}")
        if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim != 2:
            raise InputError(
                "Dataset.x must be a float32 array of shape (n, d); use Dataset.from_arrays to "
                "convert other arrays"
            )
        if not isinstance(y, np.ndarray) or y.dtype != np.int64 or y.shape != (x.shape[0],):
            raise InputError(
                f"Dataset.y must be an int64 array of shape ({x.shape[0]},); use "
                "Dataset.from_arrays to convert other arrays"
            )
        shape = tuple(int(s) for s in self.shape)
        if math.prod(shape) != x.shape[1]:
            raise InputError(
                f"Dataset.shape {shape} has {math.prod(shape)} entries but x has {x.shape[1]} "
                "features per example"
            )
        # Read-only views keep the dataset immutable without freezing the caller's own arrays.
        x, y = x.view(), y.view()
        x.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def n(self) -> int:
        """Number of examples."""
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        """Number of features per example (the product of ``shape``)."""
        return int(self.x.shape[1])

    @property
    def classes(self) -> int:
        """Number of distinct labels present."""
        return int(np.unique(self.y).size)

    @property
    def class_counts(self) -> np.ndarray:
        """Examples per label, indexed by label value (``np.bincount(y)``: absent labels get 0)."""
        return np.bincount(self.y)

    def subset(self, indices) -> Dataset:
        """Return the dataset restricted to ``indices`` (integer positions or a boolean mask).

        Positions must lie in ``[0, n)``; repeats are allowed (bootstrap samples). Name, shape,
        scaling and source are kept.
        """
        idx = np.asarray(indices)
        if idx.dtype == np.bool_:
            if idx.shape != (self.n,):
                raise InputError(
                    f"subset mask must have shape ({self.n},) to match the dataset, got {idx.shape}"
                )
            idx = np.flatnonzero(idx)
        elif idx.dtype.kind not in "iu" and idx.size > 0:
            raise InputError(f"subset indices must be integers or a boolean mask, got {idx.dtype}")
        idx = idx.astype(np.int64).reshape(-1)
        if idx.size == 0:
            raise InputError("subset indices select no examples; a dataset needs at least 1")
        bad = (idx < 0) | (idx >= self.n)
        if bad.any():
            first = int(idx[np.flatnonzero(bad)[0]])
            raise InputError(
                f"subset indices must lie in [0, {self.n}), got {int(bad.sum())} outside "
                f"(first: {first})"
            )
        return dataclasses.replace(self, x=self.x[idx], y=self.y[idx])

    @classmethod
    def from_arrays(
        cls,
        x,
        y,
        *,
        name: str = "arrays",
        scale: float | None = None,
        source: str = "arrays",
        metadata: Mapping[str, Any] | None = None,
    ) -> Dataset:
        """Build a dataset from arrays in memory.

        Args:
            x: features of shape ``(n, ...)``, e.g. ``(n, 28, 28)`` or ``(n, d)``; finite numbers.
            y: labels of shape ``(n,)``: non-negative integers (integer-valued floats accepted).
            name: recorded as ``Dataset.name``.
            scale: if given, ``x`` is divided by it (e.g. ``255`` for 8-bit pixels); ``None`` keeps
                the values as they are.
            source: recorded as ``Dataset.source`` (the file(s) the arrays came from).
            metadata: recorded as ``Dataset.metadata``.

        Returns:
            The :class:`Dataset`.

        Example:
            >>> Dataset.from_arrays(np.zeros((4, 2, 2), np.uint8), [0, 1, 0, 1], scale=255).shape
            (2, 2)
        """
        if scale is not None:
            if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)):
                raise InputError(f"scale must be a positive number or None, got {scale!r}")
            if not (math.isfinite(float(scale)) and float(scale) > 0):
                raise InputError(f"scale must be a positive finite number or None, got {scale!r}")
        divisor = None if scale is None else float(scale)
        scaling = _SCALING_NONE if divisor is None else f"x / {scale:g}"
        dataset = _make_dataset(
            x,
            y,
            divisor=divisor,
            scaling=scaling,
            name=str(name),
            source=str(source),
            x_what="x",
            y_what="y",
        )
        if metadata is None:
            return dataset
        return dataclasses.replace(dataset, metadata=dict(metadata))


def _make_dataset(
    x, y, *, divisor: float | None, scaling: str, name: str, source: str, x_what: str, y_what: str
) -> Dataset:
    """Validate raw arrays and build a Dataset; ``x_what``/``y_what`` name them in messages."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise InputError(f"{x_what} must be numeric, got dtype {x.dtype}")
    if x.ndim < 2:
        raise InputError(
            f"{x_what} must have shape (n, ...) with one row per example, got shape {x.shape}; "
            "reshape 1-D features to (n, 1)"
        )
    if x.shape[0] < 1:
        raise InputError(f"{x_what} has no examples; a dataset needs at least 1")
    if 0 in x.shape[1:]:
        raise InputError(f"{x_what} has an empty feature axis: shape {x.shape}")
    labels = _check_labels(y, y_what)
    if labels.shape[0] != x.shape[0]:
        raise InputError(
            f"{x_what} has {x.shape[0]} examples but {y_what} has {labels.shape[0]} labels; "
            "they must match one to one"
        )
    check_memory(
        x.size * 4 * (1 if x.dtype == np.float32 else 2),
        f"{x_what} as float32 features ({x.shape[0]} examples x {x.size // x.shape[0]} values)",
    )
    check_finite_array(x_what, x)
    shape = tuple(int(s) for s in x.shape[1:])
    flat = x.reshape(x.shape[0], -1)
    with np.errstate(over="ignore", invalid="ignore"):
        if divisor is None:
            features = flat.astype(np.float32)
        else:
            # Divide uint8 images in float32 (no float64 temporary the size of MNIST-train); wider
            # inputs are divided in float64 and rounded once.
            work = np.result_type(flat.dtype, np.float32)
            features = np.divide(flat, divisor, dtype=work).astype(np.float32, copy=False)
    if not np.isfinite(features).all():
        raise InputError(
            f"{x_what} has values too large for float32 (|x| > 3.4e38 after scaling); rescale it"
        )
    return Dataset(x=features, y=labels, name=name, shape=shape, scaling=scaling, source=source)


def _check_labels(y, y_what: str) -> np.ndarray:
    """Return labels as int64 after checking they are 1-D, integral, finite and in 0.._MAX_LABEL."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise InputError(f"{y_what} must be a 1-D array of class labels, got shape {y.shape}")
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{y_what} must hold integer class labels, got {int(bad.sum())} non-integer "
                f"values (first: {y[row]!r} at row {row})"
            )
    elif y.dtype.kind not in "iu":
        raise InputError(
            f"{y_what} must hold integer class labels, got dtype {y.dtype}; encode other labels "
            "with np.unique(y, return_inverse=True)"
        )
    if y.size == 0:
        return np.zeros(0, dtype=np.int64)
    bad = (y < 0) | (y > _MAX_LABEL)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{y_what} has {int(bad.sum())} labels outside 0..{_MAX_LABEL} (first: {y[row]} at "
            f"row {row}); labels must be non-negative class indices"
        )
    return y.astype(np.int64)
