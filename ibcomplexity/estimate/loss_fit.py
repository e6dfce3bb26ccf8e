r"""Inductive-bias complexity from a sample of test losses: one quotable answer, and its models.

Given losses :math:`L_1, \dots, L_S` of hypotheses drawn from a hypothesis space and a target
loss :math:`\varepsilon`, the inductive-bias complexity is

.. math:: I(\varepsilon) = -\log_2 P(L \le \varepsilon)\ \text{bits}.

:func:`estimate_bits` leads with **one quotable answer**, ``bits`` and ``ci_bits``, in one of
three ``regime`` s (the rule and its measured constants: :mod:`ibcomplexity.estimate.calibration`):

* ``"empirical"``: the loss models expect at least :math:`c_\text{min}` of the S losses at or
  below the target, at least one is, and the count agrees with the models (it lies in the 99.9%
  binomial range of their expectation). Bits from the count, :math:`-\log_2(c/S)`, with the
  exact Clopper-Pearson interval :math:`[B^{-1}(\alpha/2; c, S-c+1),\ B^{-1}(1-\alpha/2; c+1,
  S-c)]` on P converted to bits, valid for any hypothesis space. The regime is chosen by the
  models' *expected* count, not the observed one: choosing by the observed count would keep
  only the samples whose count happened to be high, and bias the bits low near the boundary (by
  an amount computed exactly from the binomial law in ``experiments/sampled_coverage.py`` and
  recorded in ``calibration.json``). When the count
  contradicts the models, the count alone decides: empirical if it is at least
  :math:`c_\text{min}`, else a lower bound.
* ``"extrapolated"``: the models expect fewer. The value is the geometric mean of two
  fitted loss models' bits, and the interval is the union of their bootstrap intervals widened
  by a misspecification term calibrated on Gaussian-process spaces, which grows with the
  distance extrapolated (beyond :math:`b_\text{res} = \log_2(S/c_\text{min})`, the deepest bits
  the sample resolves empirically); its low end is at least the Clopper-Pearson bound of the
  count (valid everywhere).
* ``"lower-bound"``: nothing supports more than a bound (too few losses for the calibration,
  a target of 0, a model with no mass at the target): ``bits`` is ``None`` and ``ci_bits`` is
  ``(bound, inf)``.

The two loss models stay available as secondary fields:

1. **A scaled noncentral chi-square** :math:`s\,\chi'^2_k(\lambda)` fitted by maximum likelihood
   (:mod:`ibcomplexity.estimate.ncx2_fit`: moment-matched start, damped Newton on a compressed
   likelihood, log-space tail), ``fit_bits`` with its bootstrap percentile interval
   ``fit_ci_bits``. It is the exact law of a GP loss with equal posterior variances, and is
   biased low when the losses are more skewed than any member of its family.
2. **A generalized chi-square matched to four cumulants**
   (:mod:`ibcomplexity.estimate.cumulant_fit`), ``cumulant_bits`` and ``cumulant_ci_bits``,
   bootstrapped on the *same* resamples.

``models_ci_bits`` is the union of the two bootstrap intervals before the calibrated widening.

**Goodness of fit near the sample minimum.** The lower tail is what the bits depend on, so the
first model is checked there: at the sample quantiles of levels 0.1%, 1% and 10% (each only when
at least :data:`_GOF_MIN_COUNT` losses lie below it) the ratio of the fitted to the empirical
probability (1 is perfect; a ratio of 2 is one bit), and the Kolmogorov-Smirnov distance
:math:`\sup_{x \le q_{0.1}} |F(x) - F_S(x)|` over the lowest 10% of the sample, also divided by
0.1 (the mass in that region), so that 0.05 reads as "5% of the tail mass off" (this one uses
scipy's ``ncx2.cdf``: the lowest 10% of a sample is bulk enough for it, and it is vectorised).

Inputs: a 1-D sample of at least :data:`MIN_SAMPLES` finite, positive losses. Fewer are refused
(three parameters and a third moment cannot be estimated from a handful). An exact zero loss is
refused by the fit (the density of the model at 0 is 0 or infinite); a target of exactly 0 is
accepted and gives the ``lower-bound`` regime.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Clopper & Pearson, *The use of confidence or fiducial limits illustrated in the case of the
  binomial*, Biometrika 26 (1934).
  Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13 (percentile interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from scipy import stats

from ibcomplexity._json import jsonable
from ibcomplexity._numerics import LN2
from ibcomplexity._validation import InputError, check_probability
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf
from ibcomplexity.estimate._samples import MIN_SAMPLES, _check_losses, _check_target
from ibcomplexity.estimate.calibration import calibration
from ibcomplexity.estimate.cumulant_fit import (
    CumulantFit,
    _bits_rows,
    _cumulants_from_sums,
    _fit_row,
    _power_basis,
)
from ibcomplexity.estimate.ncx2_fit import (
    _BOOT_MAXITER,
    NcxFit,
    NcxParams,
    _bits_at,
    _bootstrap_thetas,
    _fit,
    fit_ncx2,
    ncx2_moment_match,
)
from ibcomplexity.estimate.reference import reference_bits

__all__ = [
    "MIN_SAMPLES",
    "BitsEstimate",
    "estimate_bits_at",
    "GoodnessOfFit",
    "TailCheck",
    "estimate_bits",
    # re-exported from ncx2_fit for backwards compatibility
    "NcxFit",
    "NcxParams",
    "fit_ncx2",
    "ncx2_moment_match",
]

# Quantile levels of the lower-tail check, and the fewest losses below a level to report it.
_GOF_LEVELS = (0.001, 0.01, 0.1)
_GOF_MIN_COUNT = 5
_GOF_LOWER_FRACTION = 0.1
_METHODS = ("fit", "reference")


@dataclass(frozen=True)
class TailCheck:
    """Fitted against empirical probability at one lower sample quantile.

    Attributes:
      level: nominal quantile level (0.001, 0.01, 0.1).
      quantile: the sample quantile (the ceil(level S)-th smallest loss).
      empirical_prob: fraction of the sample at or below ``quantile``.
      fitted_prob: fitted CDF at ``quantile``.
      ratio: ``fitted_prob / empirical_prob`` (log2 of it is the error in bits at that loss).
    """

    level: float
    quantile: float
    empirical_prob: float
    fitted_prob: float
    ratio: float


@dataclass(frozen=True)
class GoodnessOfFit:
    """Diagnostics of the fitted CDF in the lower tail of the sample.

    Attributes:
      tail_checks: one :class:`TailCheck` per reported level (levels with fewer than 5 losses
        below them are left out).
      ks_lower: :math:`\\sup_{x \\le q} |F(x) - F_S(x)|` over the lowest ``lower_fraction`` of the
        sample (q its largest point).
      ks_lower_relative: ``ks_lower`` divided by the empirical mass in that region.
      lower_fraction: the fraction of the sample examined (0.1).
      num_lower: number of losses examined.
    """

    tail_checks: tuple[TailCheck, ...]
    ks_lower: float
    ks_lower_relative: float
    lower_fraction: float
    num_lower: int


@dataclass(frozen=True)
class BitsEstimate:
    r"""Inductive-bias complexity :math:`-\log_2 P(L \le \varepsilon)` estimated from losses.

    The first fields are the quotable answer; the rest are the models and diagnostics behind it
    (see the module docstring).

    Attributes:
      bits: the value to quote; ``None`` in the ``"lower-bound"`` regime.
      ci_bits: its interval ``(low, high)`` at ``confidence``; ``high`` may be ``inf``
        (unbounded). In the ``"lower-bound"`` regime ``low`` is the bound and ``high`` is ``inf``.
        ``None`` only for ``method="reference"``.
      regime: ``"empirical"``, ``"extrapolated"``, ``"lower-bound"`` (or ``"reference"`` for the
        published procedure, which has no interval).
      confidence: level of every interval.
      target: :math:`\varepsilon`.
      num_samples: S.
      count_below: c, the number of losses at or below the target.
      resolvable_bits: :math:`\log_2(S/c_\text{min})`, the deepest bits this many losses
        resolve empirically (beyond it the answer is extrapolated).
      seed: the integer seed of the bootstrap generator.
      message: why the regime was chosen, and notes (fallbacks, convergence); empty when there
        is nothing to say.
      empirical_bits: :math:`-\log_2(c/S)` when c >= 1, else ``None``.
      empirical_ci_bits: Clopper-Pearson interval on the empirical bits; with c = 0 it is
        ``(lower bound, inf)``.
      fit: the fitted scaled noncentral chi-square.
      fit_bits: its bits at the target (``inf`` at a target of 0).
      fit_ci_bits: its bootstrap percentile interval (``None`` without bootstrap).
      cumulant_fit: the four-cumulant generalized chi-square (``None`` for ``"reference"``).
      cumulant_bits: its bits at the target.
      cumulant_ci_bits: its bootstrap percentile interval, on the same resamples.
      models_ci_bits: the union of both models' bootstrap intervals, before the calibrated
        widening.
      extrapolation: g, the log-distance extrapolated beyond ``resolvable_bits`` that set the
        widening (``None`` outside the ``"extrapolated"`` regime).
      bootstrap: number of bootstrap resamples.
      goodness_of_fit: lower-tail diagnostics of the noncentral chi-square fit.
      method: ``"fit"`` or ``"reference"``.
      skew_excess: :math:`\kappa_1\kappa_3 / (2\kappa_2^2)` of the sample; above 1 the sample is
        more skewed than any scaled noncentral chi-square of its mean and variance can be.
      target_sd_below_mean: :math:`(\bar L - \varepsilon) / s_L`, how far below the sample mean
        the target lies in sample standard deviations.
    """

    bits: float | None
    ci_bits: tuple[float, float] | None
    regime: str
    confidence: float
    target: float
    num_samples: int
    count_below: int
    resolvable_bits: float
    seed: int
    message: str
    empirical_bits: float | None
    empirical_ci_bits: tuple[float, float]
    fit: NcxFit
    fit_bits: float
    fit_ci_bits: tuple[float, float] | None
    cumulant_fit: CumulantFit | None
    cumulant_bits: float | None
    cumulant_ci_bits: tuple[float, float] | None
    models_ci_bits: tuple[float, float] | None
    extrapolation: float | None
    bootstrap: int
    goodness_of_fit: GoodnessOfFit
    method: str
    skew_excess: float | None
    target_sd_below_mean: float

    @property
    def unit(self) -> str:
        """The unit of ``bits`` and the intervals."""
        return "bits"

    @property
    def nats(self) -> float | None:
        """``bits`` in nats (``None`` in the ``"lower-bound"`` regime)."""
        return None if self.bits is None else self.bits * LN2

    @property
    def lower_bound_bits(self) -> float | None:
        """The stated bound in the ``"lower-bound"`` regime, else ``None``."""
        return self.ci_bits[0] if self.regime == "lower-bound" else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON view (one convention: :mod:`ibcomplexity._json`; unbounded ends ``"inf"``)."""
        d = jsonable(self)
        d["unit"] = self.unit
        return d


# ------------------------------------------------------------------------------------------------
# Empirical estimate and diagnostics


def _empirical(x: np.ndarray, eps: float, confidence: float):
    n = x.size
    c = int(np.sum(x <= eps))
    alpha = 1.0 - confidence
    p_lo = 0.0 if c == 0 else float(stats.beta.ppf(alpha / 2, c, n - c + 1))
    p_hi = 1.0 if c == n else float(stats.beta.ppf(1 - alpha / 2, c + 1, n - c))
    ci = (0.0 - math.log2(p_hi), math.inf if p_lo == 0.0 else -math.log2(p_lo))  # no "-0"
    bits = -math.log2(c / n) + 0.0 if c > 0 else None  # + 0.0: no "-0" at c = n
    return bits, ci, c


def _goodness_of_fit(x: np.ndarray, fit: NcxFit) -> GoodnessOfFit:
    xs = np.sort(x)
    n = xs.size
    checks = []
    for level in _GOF_LEVELS:
        rank = math.ceil(level * n)
        if rank < _GOF_MIN_COUNT:
            continue
        q = float(xs[rank - 1])
        emp = float(np.searchsorted(xs, q, side="right")) / n
        fitted = math.exp(float(ncx2_log_cdf(q, fit.df, fit.nc, fit.scale)))
        checks.append(TailCheck(level, q, emp, fitted, fitted / emp))
    m = max(1, math.ceil(_GOF_LOWER_FRACTION * n))
    # The lower 10% is bulk enough for scipy's (non-log) CDF, which is vectorised and fast.
    cdf = stats.ncx2.cdf(xs[:m], fit.df, fit.nc, scale=fit.scale)
    i = np.arange(1, m + 1)
    ks = float(np.max(np.maximum(cdf - (i - 1) / n, i / n - cdf)))
    return GoodnessOfFit(tuple(checks), ks, ks / (m / n), _GOF_LOWER_FRACTION, m)


def _percentiles(values: np.ndarray, levels) -> tuple[float, float]:
    """Percentile interval; with infinite values (a shifted cumulant model whose offset exceeds the
    target has no mass below it) the order statistic itself, which needs no interpolation."""
    method = "linear" if np.all(np.isfinite(values)) else "inverted_cdf"
    lo, hi = np.quantile(values, levels, method=method)
    return float(lo), float(hi)


# ------------------------------------------------------------------------------------------------
# Public entry point


def estimate_bits(
    losses,
    target,
    *,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    method: str = "fit",
) -> BitsEstimate:
    r"""Bits :math:`-\log_2 P(L \le \varepsilon)` from a sample of losses: one quotable answer.

    Counts the losses at or below the target, fits both loss models (moment-matched start, then
    maximum likelihood for the noncentral chi-square; four cumulants for the generalized one),
    bootstraps both on the same resamples, and reports ``bits`` and ``ci_bits`` in the regime
    the sample supports (module docstring; constants in
    :mod:`ibcomplexity.estimate.calibration`).

    Args:
      losses: 1-D sample of at least ``MIN_SAMPLES`` finite, positive losses (e.g. per-entry test
        MSEs of sampled hypotheses).
      target: target loss :math:`\varepsilon \ge 0` (0 gives the ``"lower-bound"`` regime).
      confidence: level of every interval, in (0, 1). The extrapolation widening was calibrated
        at 0.95; other levels change the models' bootstrap percentiles only.
      bootstrap: number of bootstrap resamples (0: no model intervals; an answer beyond the
        empirical regime is then only a lower bound).
      seed: integer seed of the ``numpy.random.default_rng`` that draws the resamples (reported).
      method: ``"fit"`` (this procedure) or ``"reference"`` (the published procedure of
        :func:`~ibcomplexity.estimate.reference.reference_bits`, for comparison: no interval).

    Returns:
      :class:`BitsEstimate`.

    Raises:
      InputError: empty, non-1-D, NaN/inf, negative or zero losses, fewer than ``MIN_SAMPLES``,
        all-equal losses; a NaN, infinite or negative target; bad options.

    Example:
      >>> from scipy import stats
      >>> x = stats.ncx2.rvs(20, 15, scale=0.01, size=5000, random_state=0)
      >>> est = estimate_bits(x, 0.2, bootstrap=100, seed=1)
      >>> est.regime, est.count_below, round(est.bits, 2)
      ('empirical', 245, 4.35)

    References:
      Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
    """
    (est,) = estimate_bits_at(
        losses, [target], confidence=confidence, bootstrap=bootstrap, seed=seed, method=method
    )
    return est


def estimate_bits_at(
    losses,
    targets,
    *,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    method: str = "fit",
) -> tuple[BitsEstimate, ...]:
    """:func:`estimate_bits` at several targets, fitting and bootstrapping the sample once.

    Each result equals ``estimate_bits(losses, target, ...)`` with the same options: the models
    and the bootstrap resamples do not depend on the target.

    Args:
      losses: as for :func:`estimate_bits`.
      targets: a non-empty sequence of target losses.
      confidence, bootstrap, seed, method: as for :func:`estimate_bits`.

    Returns:
      One :class:`BitsEstimate` per target, in order.
    """
    x = _check_losses(losses, allow_zero=False)
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__iter__"):
        raise InputError(f"targets must be a sequence of target losses, got {targets!r}")
    eps_all = [_check_target(t) for t in targets]
    if not eps_all:
        raise InputError("targets is empty")
    confidence = check_probability("confidence", confidence)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, Integral) or bootstrap < 0:
        raise InputError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise InputError(f"seed must be an integer, got {seed!r}")
    if method not in _METHODS:
        raise InputError(f"method must be one of {_METHODS}, got {method!r}")
    if method == "reference":
        return tuple(_reference_estimate(x, eps, confidence, int(seed)) for eps in eps_all)
    fitted = _fit_sample(x, int(bootstrap), int(seed))
    return tuple(_read_at(fitted, x, eps, confidence, int(seed)) for eps in eps_all)


def _common(x: np.ndarray, eps: float, confidence: float, seed: int, method: str):
    n = x.size
    emp_bits, emp_ci, count = _empirical(x, eps, confidence)
    return dict(
        confidence=confidence,
        target=eps,
        num_samples=n,
        count_below=count,
        resolvable_bits=calibration().resolvable_bits(n),
        seed=seed,
        empirical_bits=emp_bits,
        empirical_ci_bits=emp_ci,
        method=method,
        target_sd_below_mean=float((np.mean(x) - eps) / np.std(x)),
    )


def _reference_estimate(x, eps, confidence, seed) -> BitsEstimate:
    fit, nats, note = _reference(x, eps)
    return BitsEstimate(
        bits=nats / LN2,
        ci_bits=None,
        regime="reference",
        message="the published procedure (scipy's ncx2.fit, no interval)" + note,
        fit=fit,
        fit_bits=nats / LN2,
        fit_ci_bits=None,
        cumulant_fit=None,
        cumulant_bits=None,
        cumulant_ci_bits=None,
        models_ci_bits=None,
        extrapolation=None,
        bootstrap=0,
        goodness_of_fit=_goodness_of_fit(x, fit),
        skew_excess=None,
        **_common(x, eps, confidence, seed, "reference"),
    )


def _reference(x: np.ndarray, eps: float) -> tuple[NcxFit, float, str]:
    ref = reference_bits(x, eps)
    nll = float(np.sum(stats.ncx2.logpdf(x, ref.df, ref.nc, loc=0, scale=ref.scale)))
    fit = NcxFit(
        scale=ref.scale,
        df=ref.df,
        nc=ref.nc,
        log_likelihood=nll,
        converged=True,
        start=NcxParams(math.nan, 1.0, 1.0),  # scipy's default shape guess; scale its own
        start_method="scipy-default",
        iterations=0,
        message="scipy.stats.ncx2.fit(losses, floc=0)",
    )
    note = (
        "; reference: logcdf underflowed; Sankaran's normal approximation z^2/2"
        if ref.used_fallback
        else ""
    )
    return fit, ref.nats, note


@dataclass(frozen=True)
class _Fitted:
    """Both loss models of a sample and their bootstrap replicates (target-independent)."""

    fit: NcxFit
    mean: float
    kappa: np.ndarray
    cumulant_fit: CumulantFit
    skew_excess: float
    thetas: np.ndarray | None
    boot_kappas: np.ndarray | None
    bootstrap: int
    notes: tuple[str, ...]
    goodness_of_fit: GoodnessOfFit


@dataclass(frozen=True)
class _Models:
    fit_bits: float
    fit_ci: tuple[float, float] | None
    cumulant_bits: float
    cumulant_ci: tuple[float, float] | None
    union_ci: tuple[float, float] | None


def _fit_sample(x: np.ndarray, bootstrap: int, seed: int) -> _Fitted:
    """Fit both loss models and draw the bootstrap refits (the same resamples for both)."""
    n = x.size
    notes = []
    fit, theta, y, mean, lik = _fit(x)
    if not fit.converged:
        notes.append(f"the likelihood maximisation did not converge: {fit.message}")
    elif fit.start_method != "moments3" or "end of the family" in fit.message:
        notes.append(fit.message)
    basis = _power_basis(y)
    kappa = _cumulants_from_sums(basis.sum(axis=1)[None], n)[0]
    cum_fit = _fit_row(kappa, mean)
    skew_excess = float(kappa[0] * kappa[2] / (2.0 * kappa[1] ** 2))
    if skew_excess > 1.0:
        notes.append(
            f"the sample is more skewed than any scaled noncentral chi-square of its mean and "
            f"variance (kappa1 kappa3 / 2 kappa2^2 = {skew_excess:.3g} > 1): that model is "
            "misspecified and biased low; the interval includes the four-cumulant model"
        )
    thetas = boot_kappas = None
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        thetas, unconverged, sums = _bootstrap_thetas(y, theta, lik, rng, bootstrap, basis=basis)
        boot_kappas = _cumulants_from_sums(sums, n)
        if unconverged:
            notes.append(
                f"{unconverged} of {bootstrap} bootstrap refits did not converge within "
                f"{_BOOT_MAXITER} Newton iterations (their last iterate is used)"
            )
    return _Fitted(
        fit,
        mean,
        kappa,
        cum_fit,
        skew_excess,
        thetas,
        boot_kappas,
        bootstrap,
        tuple(notes),
        _goodness_of_fit(x, fit),
    )


def _models_at(f: _Fitted, eps: float, confidence: float, notes: list[str]) -> _Models:
    """Both models' bits at the target, with their bootstrap percentile intervals."""
    if eps == 0.0:
        return _Models(math.inf, None, math.inf, None, None)
    fit = f.fit
    fit_bits = -float(ncx2_log_cdf(eps, fit.df, fit.nc, fit.scale)) / LN2
    cum_bits = float(_bits_rows(f.kappa[None], eps / f.mean)[0][0])
    if math.isinf(cum_bits):
        notes.append(
            f"the four-cumulant model ({f.cumulant_fit.model}) has no mass at or below the target "
            f"(its smallest value is {f.cumulant_fit.offset:.6g})"
        )
    if f.thetas is None:
        return _Models(fit_bits, None, cum_bits, None, None)
    boot = np.array([_bits_at(eps / f.mean, t) for t in f.thetas])
    cum_boot, models = _bits_rows(f.boot_kappas, eps / f.mean, fast=True)
    alpha = 1.0 - confidence
    levels = [alpha / 2, 1 - alpha / 2]
    fit_ci = _percentiles(boot, levels)
    cum_ci = _percentiles(cum_boot, levels)
    union = (min(fit_ci[0], cum_ci[0]), max(fit_ci[1], cum_ci[1]))
    other = len(models) - models.count("two-point")
    if other and f.cumulant_fit.model == "two-point":
        notes.append(
            f"{other} of {f.bootstrap} resamples admit no two-point cumulant model "
            "(a fallback of cumulant_fit was used for them)"
        )
    return _Models(fit_bits, fit_ci, cum_bits, cum_ci, union)


def _read_at(f: _Fitted, x: np.ndarray, eps: float, confidence: float, seed: int) -> BitsEstimate:
    common = _common(x, eps, confidence, seed, "fit")
    notes = list(f.notes)
    m = _models_at(f, eps, confidence, notes)
    regime, bits, ci, g = _choose(
        m,
        common["count_below"],
        x.size,
        eps,
        common["empirical_bits"],
        common["empirical_ci_bits"],
        calibration(),
        notes,
    )
    return BitsEstimate(
        bits=bits,
        ci_bits=ci,
        regime=regime,
        message="; ".join(notes),
        fit=f.fit,
        fit_bits=m.fit_bits,
        fit_ci_bits=m.fit_ci,
        cumulant_fit=f.cumulant_fit,
        cumulant_bits=m.cumulant_bits,
        cumulant_ci_bits=m.cumulant_ci,
        models_ci_bits=m.union_ci,
        extrapolation=g,
        bootstrap=f.bootstrap if eps > 0 else 0,
        goodness_of_fit=f.goodness_of_fit,
        skew_excess=f.skew_excess,
        **common,
    )


def _choose(m: _Models, count, n, eps, emp_bits, emp_ci, cal, notes):
    """(regime, bits, ci_bits, extrapolation distance g) by the rule of the module docstring."""
    c_min = cal.empirical_min_count
    models = eps > 0 and math.isfinite(m.fit_bits) and math.isfinite(m.cumulant_bits)
    point = math.sqrt(m.fit_bits * m.cumulant_bits) if models else math.inf
    expected = n * 2.0**-point if models else 0.0
    consistent = models and _count_consistent(count, n, 2.0**-point)
    counted = f"{count} of {n} losses at or below the target"
    if models and not consistent:
        # The models contradict the count beyond chance: only the count is evidence.
        disagree = (
            f"the loss models expect {expected:.3g} losses at or below the target and the sample "
            f"has {count}, outside the 99.9% binomial range of that expectation: the models "
            "disagree with the data"
        )
        if count >= c_min:
            notes.insert(0, f"empirical: {disagree}; bits from the count, exact binomial interval")
            return "empirical", emp_bits, emp_ci, None
        notes.insert(0, f"lower bound only: {disagree}; at least {emp_ci[0]:.4g} bits")
        return "lower-bound", None, (emp_ci[0], math.inf), None
    if (consistent and expected >= c_min and count >= 1) or (not models and count >= c_min):
        why = (
            f"the loss models expect {expected:.3g} losses at or below the target (>= {c_min})"
            if models
            else "no loss model reaches the target"
        )
        notes.insert(
            0, f"empirical: {why}; {counted}: bits from the count, exact binomial interval"
        )
        return "empirical", emp_bits, emp_ci, None
    g = max(0.0, math.log(point / cal.resolvable_bits(n))) if models and point > 0 else 0.0
    why = None
    if eps == 0.0:
        why = "a target of 0: no loss model has mass at or below it"
    elif n < cal.min_extrapolation_samples:
        why = (
            f"{n} losses, fewer than the {cal.min_extrapolation_samples} the extrapolation was "
            "calibrated for: sample more hypotheses for a value"
        )
    elif m.union_ci is None:
        why = "no bootstrap (bootstrap=0), so the models carry no interval"
    elif not models:
        why = "a loss model has no mass at or below the target"
    elif not math.isfinite(m.union_ci[1]):
        why = (
            "the models' interval is unbounded above (some resamples' four-cumulant model has no "
            "mass at the target)"
        )
    if why is not None:
        bound = emp_ci[0]
        if models and m.union_ci is not None and n >= cal.min_extrapolation_samples:
            # The calibrated lower end holds where the models exist and agree with the count.
            bound = max(bound, cal.widened(m.union_ci[0], m.union_ci[1], g)[0])
        notes.insert(0, f"lower bound only: {why}; {counted}; at least {bound:.4g} bits")
        return "lower-bound", None, (bound, math.inf), None
    lo, hi = cal.widened(m.union_ci[0], m.union_ci[1], g)
    # The count's exact lower end holds for any space (with c = 0 it is log2(S / 3.7)). Its upper
    # end is not used: a count of 1 where the models (rightly) expect 0.002 is a 0.2% event that
    # would otherwise cut the interval below the truth; counts that contradict the models beyond
    # chance were handled above.
    lo = max(lo, emp_ci[0])
    point = min(max(point, lo), hi)
    notes.insert(
        0,
        f"extrapolated: {counted}, the loss models expect {expected:.3g} (< {c_min}); the sample "
        f"resolves {cal.resolvable_bits(n):.3g} bits empirically; value = geometric mean of the "
        "two loss models, interval = their bootstrap intervals widened for the distance "
        f"extrapolated (calibrated on GP spaces: {cal.coverage_summary()}; for other spaces "
        "that calibration is an assumption)",
    )
    return "extrapolated", point, (lo, hi), g


# The count agrees with the models when it lies in the central 99.9% of Binomial(S, P_model).
_CONSISTENCY_LEVEL = 0.999


def _count_consistent(count: int, n: int, p: float) -> bool:
    lo, hi = stats.binom.interval(_CONSISTENCY_LEVEL, n, min(max(p, 0.0), 1.0))
    return bool(lo <= count <= hi)
