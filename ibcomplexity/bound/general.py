r"""The general form of the model-agnostic bound, and its classification preset.

Boopathy et al. bound the inductive-bias complexity of a task by counting the dimensions of a
band-limited hypothesis space on the data manifold (Laplace-Beltrami eigenfunctions of the m-sphere
up to the degree set by the resolution delta) that the training data leave unconstrained, and the
bits needed to pin each of them down to the precision that reaches test error eps:

.. math::

    M &= 2\pi R / \delta, \qquad
    K = \tfrac12\left(\sqrt{(m-1)^2 + 4M^2} - (m-1)\right), \\
    E &= \binom{m+K}{m} + \binom{m+K-1}{m}, \qquad L_f = K \sqrt{D} / R, \\
    \ln W &= \tfrac12 \ln\tfrac{m}{6}
        + \tfrac1m\left[\ln 2 + \tfrac{m+1}{2}\ln\pi + \ln P
        - \ln\Gamma\!\left(\tfrac{m+1}{2}\right)\right]
        + \ln R - \tfrac1m \ln n, \\
    \dim &= 2 D P E, \qquad \dim_q = \dim - n D, \\
    \text{bits} &= \dim_q \left[\log_2 B + \tfrac12\log_2 D + \tfrac12 \log_2 P - \log_2\epsilon
        + \log_2 L_f + \ln W/\ln 2\right].

Symbols: eps target error, n training points, m intrinsic dimension, R data radius, delta
resolution, P number of discrete-feature combinations (classes), D output dimension, B bound on
:math:`\|f\|_\infty`. Everything is evaluated in log space: E overflows float64 for m ~ 170, and the
bound itself can exceed 1e308.

References:
  Boopathy et al. *Model-agnostic Measure of Generalization Difficulty*. ICML 2023.
  arXiv:2305.01034.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scipy import special

from ibcomplexity._numerics import LN2, LN10, exp_or_inf, log_add_exp, log_binom, log_sub_exp
from ibcomplexity._validation import (
    InputError,
    check_error_rate,
    check_int,
    check_positive,
    show_value,
)
from ibcomplexity.bound._convention import DEFAULT_CONVENTION, Convention, get_convention
from ibcomplexity.results import BoundResult, BoundTerms, TaskStatistics

__all__ = ["general_bound", "classification_bound", "bound_from_statistics", "eigenfunction_count"]

#: Counts that enter the formula as floats (classes, output and observation dimensions, ways,
#: drawers) must be at most 2^53, the largest range in which a float64 holds every integer.
#: Training-set sizes n may be any Python int: they only enter through their logarithm.
MAX_COUNT = 2**53


def _max_degree(m: float, M: float) -> float:
    r"""Real-valued maximum degree :math:`K = (\sqrt{(m-1)^2 + 4M^2} - (m-1))/2`.

    Written as :math:`K = M \cdot 2M / (\sqrt{(m-1)^2 + (2M)^2} + (m-1))`, which is algebraically
    identical but has no cancellation when :math:`M \ll m` and no overflow of :math:`M^2`.
    """
    a = m - 1.0
    return M * (2.0 * M / (math.hypot(a, 2.0 * M) + a))


def eigenfunction_count(m: float, M: float, *, integer_degree: bool) -> tuple[float, float]:
    r"""Maximum degree K and natural log of the number of eigenfunctions E on :math:`S^m` up to K.

    .. math:: E = \binom{m+K}{m} + \binom{m+K-1}{m}

    (the dimension of the space of spherical harmonics of degree at most K on the m-sphere).

    Args:
      m: intrinsic dimension.
      M: cutoff frequency :math:`2\pi R/\delta`.
      integer_degree: floor K before counting (see :class:`~ibcomplexity.bound.Convention`).

    Returns:
      ``(K, log_E)``.
    """
    K = _max_degree(m, M)
    if integer_degree:
        K = float(math.floor(K))
    log_E = log_add_exp(log_binom(m + K, m), log_binom(m + K - 1.0, m))
    return K, log_E


def _log_wasserstein(m: float, log_P: float, radius: float, log_n: float) -> float:
    """Natural log of the W term (Wasserstein distance between train and test samples)."""
    lgam = float(special.gammaln(0.5 * (m + 1.0)))
    inner = math.log(2.0) + 0.5 * (m + 1.0) * math.log(math.pi) + log_P - lgam
    return 0.5 * math.log(m / 6.0) + inner / m + math.log(radius) - log_n / m


def _positive_float(name: str, value: Any) -> float:
    """A positive count (int <= :data:`MAX_COUNT`, or float) as a float, with a clear error
    otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return float(check_int(name, value, maximum=MAX_COUNT))
    return check_positive(name, value)


def _cutoff(radius: float, delta: float, *, what: str = "2*pi*R/delta") -> float:
    """The cutoff frequency ``2 pi R / delta``, refused when it overflows a float."""
    M = 2.0 * math.pi * radius / delta
    if not math.isfinite(M):
        given = f"delta = {delta:g}" if "R" not in what else f"R = {radius:g}, delta = {delta:g}"
        raise InputError(
            f"the cutoff frequency {what} overflows floating point ({given}): the resolution "
            "delta is too small" + ("" if "R" not in what else " or the radius too large")
        )
    return M


def _log(name: str, value: Any) -> float:
    """Natural log of a positive count given as a (possibly huge) Python int or a float."""
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
        return math.log(value)
    v = check_positive(name, value)
    return math.log(v)


def _finish(
    *,
    log_dim: float,
    log_nD: float,
    bracket_parts: Mapping[str, float],
    terms: dict[str, Any],
    task: str,
    convention: str,
    inputs: Mapping[str, Any],
    unit: str,
) -> BoundResult:
    """Form dim_q and the bracket, decide vacuity, and pack the result."""
    bracket = math.fsum(bracket_parts.values())  # -inf when the degree K is 0 (L_f = 0)
    if any(math.isnan(v) for v in (log_dim, log_nD, bracket)) or math.inf in (log_dim, log_nD):
        shown = ", ".join(f"{k}={show_value(v)}" for k, v in inputs.items())
        raise InputError(
            f"the bound is not computable in floating point for these statistics ({shown}): "
            "a term overflows; check the statistics for absurd values"
        )
    messages = []
    if log_dim > log_nD:
        log_dim_q = log_sub_exp(log_dim, log_nD)
        dim_q = exp_or_inf(log_dim_q)
    else:
        log_dim_q = None
        dim_q = exp_or_inf(log_dim) - exp_or_inf(log_nD)
        if math.isnan(dim_q):  # both overflow
            dim_q = -math.inf
        messages.append(
            f"the hypothesis space has dim = 10^{log_dim / LN10:.4g} dimensions, no more than the "
            f"n*D = 10^{log_nD / LN10:.4g} constraints from the training data (dim_q <= 0)"
        )
    if not bracket > 0:
        messages.append(
            f"the per-dimension bracket is {bracket:.6g} bits <= 0 (target error too loose, or the "
            "resolution is coarser than the data radius)"
        )
    vacuous = bool(messages)
    log10_bits = None if vacuous else (log_dim_q + math.log(bracket)) / LN10
    if unit not in ("bits", "nats"):
        raise InputError(f"unit must be 'bits' or 'nats', got {unit!r}")
    result_terms = BoundTerms(
        log10_dim=log_dim / LN10,
        dim_q=dim_q,
        log10_dim_q=None if log_dim_q is None else log_dim_q / LN10,
        bracket=bracket,
        bracket_parts=dict(bracket_parts),
        **terms,
    )
    return BoundResult(
        log10_bits=log10_bits,
        unit=unit,
        task=task,
        convention=convention,
        vacuous=vacuous,
        message="vacuous bound: " + "; ".join(messages) if vacuous else "",
        terms=result_terms,
        inputs=dict(inputs),
    )


def _general(
    *,
    log_eps: float,
    log_n: float,
    m: float,
    radius: float,
    delta: float,
    P: float,
    D: float,
    B: float,
    integer_degree: bool,
    task: str,
    convention: str,
    inputs: Mapping[str, Any],
    unit: str,
) -> BoundResult:
    """The general form; n is given by its natural log (it may exceed float range)."""
    log_P, log_D, log_B = math.log(P), math.log(D), math.log(B)
    M = _cutoff(radius, delta)
    K, log_E = eigenfunction_count(m, M, integer_degree=integer_degree)
    log_L_f = math.log(K) + 0.5 * log_D - math.log(radius) if K > 0 else -math.inf
    log_W = _log_wasserstein(m, log_P, radius, log_n)
    parts = {
        "log2_B": log_B / LN2,
        "half_log2_D": 0.5 * log_D / LN2,
        "half_log2_P": 0.5 * log_P / LN2,
        "minus_log2_eps": -log_eps / LN2,
        "log2_L_f": log_L_f / LN2,
        "log2_W": log_W / LN2,
    }
    terms = dict(
        M=M,
        K=K,
        log10_E=log_E / LN10,
        dim_m=m,
        D=float(D),
        P=float(P),
        L_f=exp_or_inf(log_L_f) if log_L_f > -math.inf else 0.0,
        log_W=log_W,
    )
    return _finish(
        log_dim=LN2 + log_D + log_P + log_E,
        log_nD=log_n + log_D,
        bracket_parts=parts,
        terms=terms,
        task=task,
        convention=convention,
        inputs=inputs,
        unit=unit,
    )


def general_bound(
    *,
    target_error: float,
    n: int | float,
    m: float,
    radius: float,
    delta: float,
    P: int | float,
    D: int | float,
    B: float = 1.0,
    convention: str | Convention = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    r"""The model-agnostic bound in its general form (module docstring has the formula).

    Args:
      target_error: eps, the target test error (the loss's Lipschitz constant folded in): any
        finite positive number, since a general loss need not be a rate (the classification,
        meta-learning and product forms take an error rate in (0, 1)).
      n: number of training points (a Python int may be arbitrarily large).
      m: intrinsic dimension of the data manifold (>= 1; need not be an integer).
      radius: R, the maximum norm of a training point.
      delta: the resolution (minimum distance between differently labelled points).
      P: number of combinations of discrete features (classes for classification).
      D: output dimension.
      B: bound on the sup-norm of the hypotheses.
      convention: a :class:`~ibcomplexity.bound.Convention` or its name; only
        ``integer_degree`` matters here since D is given explicitly.
      unit: ``"bits"`` (default) or ``"nats"`` for :attr:`BoundResult.value`.

    Returns:
      A :class:`~ibcomplexity.results.BoundResult`.

    Example:
      >>> r = general_bound(target_error=1e-3, n=60000, m=14, radius=17.179045827183984,
      ...                   delta=2.3987084824335305, P=10, D=9, convention="reference")
      >>> r.formatted()
      '1.4848e+16 bits'
    """
    conv = get_convention(convention)
    eps = check_positive("target_error", target_error)
    m_ = check_positive("m", m)
    if m_ < 1:
        raise InputError(f"m (intrinsic dimension) must be >= 1, got {m!r}")
    R = check_positive("radius", radius)
    d = check_positive("delta", delta)
    B_ = check_positive("B", B)
    inputs = dict(n=n, m=m, R=R, delta=d, P=P, D=D, B=B_, target_error=eps)
    return _general(
        log_eps=math.log(eps),
        log_n=_log("n", n),
        m=m_,
        radius=R,
        delta=d,
        P=_positive_float("P", P),
        D=_positive_float("D", D),
        B=B_,
        integer_degree=conv.integer_degree,
        task="general",
        convention=conv.name,
        inputs=inputs,
        unit=unit,
    )


def classification_bound(
    *,
    n: int,
    m: float,
    radius: float,
    delta: float,
    classes: int,
    target_error: float,
    convention: str | Convention = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    r"""The bound for C-class classification: the general form with P = C, B = 1 and D = C - 1
    (``D = C`` under the ``one-hot`` conventions).

    ``target_error`` is an error rate and must lie strictly between 0 and 1; ``classes`` is at
    most :data:`MAX_COUNT`.

    Example:
      >>> r = classification_bound(n=60000, m=14, radius=17.179045827183984,
      ...     delta=2.3987084824335305, classes=10, target_error=1e-3, convention="reference")
      >>> round(r.log10_bits, 4)
      16.1717
    """
    conv = get_convention(convention)
    C = check_int("classes", classes, minimum=2, maximum=MAX_COUNT)
    n_ = check_int("n", n)
    eps = check_error_rate("target_error", target_error)
    m_ = check_positive("m", m)
    if m_ < 1:
        raise InputError(f"m (intrinsic dimension) must be >= 1, got {m!r}")
    R = check_positive("radius", radius)
    d = check_positive("delta", delta)
    D = conv.output_dimension(C)
    inputs = dict(n=n_, m=m_, R=R, delta=d, classes=C, target_error=eps)
    return _general(
        log_eps=math.log(eps),
        log_n=math.log(n_),
        m=m_,
        radius=R,
        delta=d,
        P=float(C),
        D=float(D),
        B=1.0,
        integer_degree=conv.integer_degree,
        task="classification",
        convention=conv.name,
        inputs=inputs,
        unit=unit,
    )


def bound_from_statistics(
    stats: TaskStatistics,
    *,
    target_error: float,
    convention: str | Convention = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    r"""The classification bound from measured :class:`~ibcomplexity.results.TaskStatistics`.

    Uses n (distinct points), the intrinsic dimension rounded to an integer (the bound counts
    eigenfunctions of an integer-dimensional manifold), the radius R, the resolution delta and the
    number of classes: exactly :func:`classification_bound` with those arguments.

    Example:
      >>> import numpy as np
      >>> from ibcomplexity.stats import task_statistics
      >>> rng = np.random.default_rng(0)
      >>> s = task_statistics(rng.random((200, 3)), np.arange(200) % 2)
      >>> r = bound_from_statistics(s, target_error=0.01)
      >>> r.inputs["m"] == s.intrinsic_dimension.rounded and r.inputs["n"] == s.n
      True
    """
    return classification_bound(
        n=stats.n,
        m=stats.intrinsic_dimension.rounded,
        radius=stats.radius,
        delta=stats.resolution.delta,
        classes=stats.classes,
        target_error=target_error,
        convention=convention,
        unit=unit,
    )
