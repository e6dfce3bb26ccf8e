"""Frozen result objects returned by every estimator.

A result carries the answer (bits and its base-10 log), the unit, every intermediate quantity that
produced it, the convention used, a status (``vacuous``) with a human-readable message, and the
inputs, so that a number printed anywhere can be traced back to how it was made (in the spirit of
diffrax's ``Solution``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ibcomplexity._json import jsonable
from ibcomplexity._numerics import LN2, LN10, exp_or_inf, format_log10

__all__ = [
    "BoundTerms",
    "BoundResult",
    "IntrinsicDimension",
    "Resolution",
    "TaskStatistics",
]


@dataclass(frozen=True)
class BoundTerms:
    r"""Every intermediate quantity of the model-agnostic bound (Boopathy et al., ICML 2023).

    Large quantities are stored as base-10 logarithms (``log10_*``) because they overflow float64
    for high intrinsic dimension; the plain value is available as a property (``inf`` past 1e308).
    Terms that do not apply to a task family (``K`` for the torus form, say) are ``None``.

    Attributes:
      M: cutoff frequency :math:`2\pi R/\delta` (torus: :math:`2\pi/\delta`).
      K: maximum eigenfunction degree actually used (real-valued or floored, per convention).
      log10_E: number of eigenfunctions up to degree K (torus: the ball-volume count V).
      dim_m: intrinsic dimension m used in the formula.
      D: output dimension.
      P: number of discrete-feature combinations (classes).
      log10_dim: hypothesis-space dimension ``2 D P E`` (torus: ``2 D V``).
      dim_q: ``dim - n D`` as a float (``inf`` when it exceeds float range); may be <= 0.
      log10_dim_q: base-10 log of ``dim_q`` when positive, else ``None``.
      L_f: Lipschitz constant ``K sqrt(D) / R`` (``None`` for the torus form).
      log_W: natural log of the Wasserstein term W (``None`` for the torus form).
      bracket: the per-dimension bits, the sum of base-2 logs multiplying ``dim_q``.
      bracket_parts: the named summands of the bracket, in bits.
    """

    M: float
    K: float | None
    log10_E: float
    dim_m: float
    D: float
    P: float
    log10_dim: float
    dim_q: float
    log10_dim_q: float | None
    L_f: float | None
    log_W: float | None
    bracket: float
    bracket_parts: Mapping[str, float] = field(default_factory=dict)

    @property
    def E(self) -> float:
        return exp_or_inf(self.log10_E * LN10)

    @property
    def dim(self) -> float:
        return exp_or_inf(self.log10_dim * LN10)

    @property
    def W(self) -> float | None:
        return None if self.log_W is None else exp_or_inf(self.log_W)

    def as_dict(self) -> dict[str, Any]:
        """Plain-python view including the derived plain values (for JSON)."""
        d = jsonable(self)
        d.update(E=jsonable(self.E), dim=jsonable(self.dim), W=jsonable(self.W))
        return d


@dataclass(frozen=True)
class BoundResult:
    r"""The model-agnostic upper bound on inductive-bias complexity of one task.

    The bound is ``bits = dim_q * bracket`` (see :mod:`ibcomplexity.bound`). It is *vacuous* when
    ``dim_q <= 0`` (the training data already pin down every hypothesis dimension the bound counts)
    or ``bracket <= 0`` (the target error is loose enough that the volume argument gives nothing);
    then ``bits`` is NaN, ``log10_bits`` is None and ``message`` says which case occurred. A
    vacuous bound is not "zero bits": it is no statement at all.

    Attributes:
      log10_bits: base-10 log of the bound in bits (``None`` when vacuous).
      unit: the unit of :attr:`value` (``"bits"`` or ``"nats"``).
      task: the task family (``classification``, ``general``, ``rl``, ``cartpole``, ``meta``,
        ``product``).
      convention: name of the convention used (see :class:`ibcomplexity.bound.Convention`).
      vacuous: whether the bound is vacuous.
      message: why it is vacuous, or an empty string.
      terms: every intermediate quantity.
      inputs: the inputs as given (n, m, R, delta, classes, target_error, ...).
    """

    log10_bits: float | None
    unit: str
    task: str
    convention: str
    vacuous: bool
    message: str
    terms: BoundTerms
    inputs: Mapping[str, Any]

    @property
    def bits(self) -> float:
        """The bound in bits (``inf`` past float range; NaN when vacuous, see ``vacuous``)."""
        if self.log10_bits is None:
            return math.nan
        return exp_or_inf(self.log10_bits * LN10)

    @property
    def nats(self) -> float:
        """The bound in nats."""
        return self.bits * LN2

    @property
    def log10_nats(self) -> float | None:
        return None if self.log10_bits is None else self.log10_bits + math.log10(LN2)

    @property
    def log10_value(self) -> float | None:
        """Base-10 log of the bound in :attr:`unit`."""
        return self.log10_nats if self.unit == "nats" else self.log10_bits

    @property
    def value(self) -> float:
        """The bound in :attr:`unit`."""
        return self.nats if self.unit == "nats" else self.bits

    def formatted(self, digits: int = 4) -> str:
        """The value in scientific notation, correct beyond float range; 'vacuous' when vacuous."""
        if self.vacuous:
            return "vacuous"
        return f"{format_log10(self.log10_value, digits)} {self.unit}"

    def to_unit(self, unit: str) -> BoundResult:
        """The same result reported in ``unit`` (``"bits"`` or ``"nats"``)."""
        if unit not in ("bits", "nats"):
            raise ValueError(f"unit must be 'bits' or 'nats', got {unit!r}")
        return dataclasses.replace(self, unit=unit)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``ibc bound --json``."""
        return {
            "bits": None if self.vacuous else jsonable(self.bits),
            "log10_bits": self.log10_bits,
            "value": None if self.vacuous else jsonable(self.value),
            "log10_value": self.log10_value,
            "scientific": self.formatted(),
            "unit": self.unit,
            "task": self.task,
            "convention": self.convention,
            "vacuous": self.vacuous,
            "message": self.message,
            "inputs": jsonable(dict(self.inputs)),
            "terms": self.terms.as_dict(),
        }


@dataclass(frozen=True)
class IntrinsicDimension:
    """An intrinsic-dimension estimate.

    Attributes:
      value: the raw (real-valued) estimate.
      method: ``"mle"`` (Levina-Bickel, average-inverse form) or ``"twonn"`` (Facco et al.).
      num_points: number of distinct points searched as neighbours.
      num_queries: number of query points averaged over.
      k: neighbours used (``2`` for TwoNN).
      duplicates_dropped: exact duplicate rows removed before the search.
    """

    value: float
    method: str
    num_points: int
    num_queries: int
    k: int
    duplicates_dropped: int = 0

    @property
    def rounded(self) -> int:
        """The estimate rounded to the nearest integer (>= 1), as the bound uses it."""
        return max(1, int(round(self.value)))


@dataclass(frozen=True)
class Resolution:
    """An estimate of the resolution delta: the minimum distance between classes.

    Attributes:
      delta: the estimate.
      method: ``"exact"``, ``"subset"`` or ``"extreme_value"``.
      num_points: points considered.
      num_pairs: cross-class pairs whose distance was computed (all of them for ``exact``).
      pair: the row indices (into the original data) of the closest pair found, when known.
      details: method-specific diagnostics (e.g. the extreme-value fit's k, u, gamma, M1, M2).
    """

    delta: float
    method: str
    num_points: int
    num_pairs: int
    pair: tuple[int, int] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskStatistics:
    """The task statistics the model-agnostic bound needs, computed from data.

    Attributes:
      dataset: the dataset's name/spec.
      n: number of points the statistics were computed on.
      classes: number of classes present.
      radius: R, the maximum L2 norm of a (flattened, scaled) point.
      intrinsic_dimension: the m estimate.
      resolution: the delta estimate.
      seed: the seed every random choice was derived from.
      duplicates_dropped: exact duplicates removed.
    """

    dataset: str
    n: int
    classes: int
    radius: float
    intrinsic_dimension: IntrinsicDimension
    resolution: Resolution
    seed: int
    duplicates_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = jsonable(self)
        d["intrinsic_dimension"]["rounded"] = self.intrinsic_dimension.rounded
        return d
