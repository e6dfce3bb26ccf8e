r"""Inductive-bias complexity from a sample of test losses: fitted loss models and a count.

Given losses :math:`L_1, \dots, L_S` of hypotheses drawn from a hypothesis space and a target
loss :math:`\varepsilon`, the inductive-bias complexity is

.. math:: I(\varepsilon) = -\log_2 P(L \le \varepsilon)\ \text{bits}.

:func:`estimate_bits` reads it off three estimates of the lower tail:

1. **A scaled noncentral chi-square** :math:`s\,\chi'^2_k(\lambda)` fitted by maximum likelihood
   (:mod:`ibcomplexity.estimate.ncx2_fit`: moment-matched start, damped Newton on a compressed
   likelihood, log-space tail). Its bootstrap percentile interval is ``ci_low_bits`` ..
   ``ci_high_bits``. This is the headline ``bits``: the most efficient estimate when the family
   holds (it is the exact law of a GP loss with equal posterior variances).
2. **A generalized chi-square matched to four cumulants**
   (:mod:`ibcomplexity.estimate.cumulant_fit`: two central components by Gauss quadrature of
   the weight measure), which can represent the
   extra skewness of unequal weights that the first family cannot. ``cumulant_bits`` and its
   bootstrap interval ``cumulant_ci_bits`` come from the *same* resamples as the first model's.
3. **The empirical count** with its Clopper-Pearson interval, when the target is within the
   sample.

**The reported interval** ``robust_ci_bits`` is the union of the two models' bootstrap intervals.
The first model's interval alone measures only sampling noise *within* its family and, on GP
losses more skewed than any noncentral chi-square, stops covering the exact value beyond ~1e4
samples (``experiments/gp_convergence.py``); the second model is nearly unbiased there but noisy
(fourth cumulants). The union covers the exact value where each alone does not; the convergence
experiment measures how often. When the sample's skewness exceeds the noncentral chi-square's
range, the message says so.

**Empirical estimate.** With c of the S losses at or below :math:`\varepsilon`,
:math:`-\log_2(c/S)` with the Clopper-Pearson interval
:math:`[B^{-1}(\alpha/2; c, S-c+1),\ B^{-1}(1-\alpha/2; c+1, S-c)]` on P, converted to bits. It
needs :math:`\varepsilon \ge \min_i L_i`; when c = 0 only the Clopper-Pearson upper bound on P
exists, which is a *lower bound* on the bits (reported as the interval's low end, the high end
being ``inf``).

**Goodness of fit near the sample minimum.** The lower tail is what the bits depend on, so the
fit is checked there: at the sample quantiles of levels 0.1%, 1% and 10% (each only when at
least :data:`_GOF_MIN_COUNT` losses lie below it) the ratio of the fitted to the empirical
probability (1 is perfect; a ratio of 2 is one bit), and the Kolmogorov-Smirnov distance
:math:`\sup_{x \le q_{0.1}} |F(x) - F_S(x)|` over the lowest 10% of the sample, also divided by
0.1 (the mass in that region), so that 0.05 reads as "5% of the tail mass off" (this one uses
scipy's ``ncx2.cdf``: the lowest 10% of a sample is bulk enough for it, and it is vectorised).

Inputs: a 1-D sample of at least :data:`MIN_SAMPLES` finite, positive losses. Fewer are refused
(three parameters and a third moment cannot be estimated from a handful). An exact zero loss is
refused by the fit (the density of the model at 0 is 0 or infinite); a target of exactly 0 is
accepted and gives infinite bits (the model has no mass at or below 0).


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

import numpy as np
from scipy import stats

from ibcomplexity._numerics import LN2
from ibcomplexity._validation import InputError, check_probability
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf
from ibcomplexity.estimate._samples import MIN_SAMPLES, _check_losses, _check_target
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

__all__ = [
    "MIN_SAMPLES",
    "BitsEstimate",
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
# Beyond this many sample standard deviations below the mean (and no sample below the target)
# the result warns that it is an extrapolation with measured under-coverage.
_DEEP_EXTRAPOLATION_SD = 4.0


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

    Attributes:
      bits: from the fitted model (``inf`` when ``infinite``).
      nats: the same in nats.
      ci_low_bits, ci_high_bits: bootstrap percentile interval of ``bits`` (``None`` without
        bootstrap or for ``method="reference"``).
      confidence: level of both intervals.
      bootstrap: number of bootstrap resamples.
      fit: the fitted model.
      empirical_bits: :math:`-\log_2(c/S)` when the target is within the sample (c >= 1), else
        ``None``.
      empirical_ci_bits: Clopper-Pearson interval on the empirical bits, ``(low, high)``; with
        c = 0 it is ``(lower bound, inf)``.
      count_below: c, the number of losses at or below the target.
      num_samples: S.
      target: :math:`\varepsilon`.
      goodness_of_fit: lower-tail diagnostics of the fit.
      method: ``"fit"`` or ``"reference"``.
      seed: the integer seed of the bootstrap generator.
      message: notes (fallbacks, extrapolation, convergence); empty when there is nothing to say.
      infinite: the target is 0, where the model (location 0) has no mass: infinite bits.
      cumulant_fit: the four-cumulant generalized chi-square (``None`` for ``"reference"``).
      cumulant_bits: its bits at the target.
      cumulant_ci_bits: its bootstrap percentile interval, on the same resamples as
        ``ci_low_bits`` .. ``ci_high_bits`` (``None`` without bootstrap).
      robust_ci_bits: the union of both bootstrap intervals, ``(low, high)``: the interval to
        report (see the module docstring); ``None`` without bootstrap.
      target_sd_below_mean: :math:`(\bar L - \varepsilon) / s_L`, how far below the sample mean the
        target lies in sample standard deviations (how far the models extrapolate).
      skew_excess: :math:`\kappa_1\kappa_3 / (2\kappa_2^2)` of the sample; above 1 the sample is
        more skewed than any scaled noncentral chi-square of its mean and variance can be.
    """

    bits: float
    nats: float
    ci_low_bits: float | None
    ci_high_bits: float | None
    confidence: float
    bootstrap: int
    fit: NcxFit
    empirical_bits: float | None
    empirical_ci_bits: tuple[float, float]
    count_below: int
    num_samples: int
    target: float
    goodness_of_fit: GoodnessOfFit
    method: str
    seed: int
    message: str
    infinite: bool
    cumulant_fit: CumulantFit | None = None
    cumulant_bits: float | None = None
    cumulant_ci_bits: tuple[float, float] | None = None
    robust_ci_bits: tuple[float, float] | None = None
    skew_excess: float | None = None
    target_sd_below_mean: float | None = None

    @property
    def unit(self) -> str:
        """The unit of ``bits`` and the intervals."""
        return "bits"

    @property
    def log_prob(self) -> float:
        r"""Natural log of the fitted :math:`P(L \le \varepsilon)` (``-inf`` when infinite)."""
        return -self.nats


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
    r"""Bits :math:`-\log_2 P(L \le \varepsilon)` from a sample of losses, with intervals.

    Fits :math:`L \sim s\,\chi'^2_k(\lambda)` (moment-matched start, then maximum likelihood),
    evaluates the lower tail in log space, bootstraps a percentile interval, and, when the target
    lies within the sample, reports the direct count estimate with its Clopper-Pearson interval and
    lower-tail goodness-of-fit diagnostics (see the module docstring for every step).

    Args:
      losses: 1-D sample of at least ``MIN_SAMPLES`` finite, positive losses (e.g. per-entry test
        MSEs of sampled hypotheses).
      target: target loss :math:`\varepsilon \ge 0` (0 gives infinite bits).
      confidence: level of the bootstrap and Clopper-Pearson intervals, in (0, 1).
      bootstrap: number of bootstrap resamples (0: no interval).
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
      >>> est = estimate_bits(x, 0.12, bootstrap=100, seed=1)
      >>> round(est.bits, 1), est.count_below
      (9.4, 6)

    References:
      Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
    """
    x = _check_losses(losses, allow_zero=False)
    eps = _check_target(target)
    confidence = check_probability("confidence", confidence)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, Integral) or bootstrap < 0:
        raise InputError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise InputError(f"seed must be an integer, got {seed!r}")
    if method not in _METHODS:
        raise InputError(f"method must be one of {_METHODS}, got {method!r}")
    n = x.size
    notes = []
    ci_low = ci_high = None
    cum_fit = cum_bits = cum_ci = robust_ci = skew_excess = None

    if method == "reference":
        # Imported here: reference.py imports the input checks of this module.
        from ibcomplexity.estimate.reference import reference_bits

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
        nats = ref.nats
        infinite = False
        if ref.used_fallback:
            notes.append("reference: logcdf underflowed; Sankaran's normal approximation z^2/2")
    else:
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
                f"variance (kappa1 kappa3 / 2 kappa2^2 = {skew_excess:.3g} > 1): that family is "
                "misspecified here; the robust interval includes the four-cumulant model"
            )
        infinite = eps == 0.0
        if infinite:
            nats = math.inf
            cum_bits = math.inf
            notes.append(
                "target 0: the model has location 0 and no mass at 0, so the bits are infinite"
            )
        else:
            nats = -float(ncx2_log_cdf(eps, fit.df, fit.nc, fit.scale))
            cum_bits = float(_bits_rows(kappa[None], eps / mean)[0][0])
            if math.isinf(cum_bits):
                notes.append(
                    f"the four-cumulant model ({cum_fit.model}) has no mass at or below the target "
                    f"(its smallest value is {cum_fit.offset:.6g}): infinite bits under it"
                )
            if bootstrap > 0:
                rng = np.random.default_rng(int(seed))
                thetas, unconverged, sums = _bootstrap_thetas(
                    y, theta, lik, rng, int(bootstrap), basis=basis
                )
                if unconverged:
                    notes.append(
                        f"{unconverged} of {bootstrap} bootstrap refits did not converge within "
                        f"{_BOOT_MAXITER} Newton iterations (their last iterate is used)"
                    )
                boot = np.array([_bits_at(eps / mean, t) for t in thetas])
                cum_boot, models = _bits_rows(_cumulants_from_sums(sums, n), eps / mean)
                alpha = 1.0 - confidence
                levels = [alpha / 2, 1 - alpha / 2]
                ci_low, ci_high = (float(v) for v in np.quantile(boot, levels))
                cum_ci = _percentiles(cum_boot, levels)
                robust_ci = (min(ci_low, cum_ci[0]), max(ci_high, cum_ci[1]))
                other = len(models) - models.count("two-point")
                if other and cum_fit.model == "two-point":
                    notes.append(
                        f"{other} of {bootstrap} resamples admit no two-point cumulant model "
                        "(a fallback of cumulant_fit was used for them)"
                    )
    emp_bits, emp_ci, count = _empirical(x, eps, confidence)
    depth = float((np.mean(x) - eps) / np.std(x))
    if count == 0 and depth > _DEEP_EXTRAPOLATION_SD and method == "fit" and not infinite:
        notes.append(
            f"the target is {depth:.3g} sample standard deviations below the mean with no loss "
            "below it: both models extrapolate, and on GP losses their intervals were measured to "
            "cover the exact value only 40-90% of the time 5-10 sd out (experiments/"
            "gp_convergence.py); for a GP space use the exact inductive_bias instead"
        )
    if count == 0:
        notes.append(
            "the empirical estimate needs the target within the sample range (target >= min "
            f"loss = {float(x.min()):.6g}); no loss is at or below it, so only the Clopper-Pearson "
            f"upper bound on P is given: at least {emp_ci[0]:.4g} bits; the fitted value "
            "extrapolates"
        )
    return BitsEstimate(
        bits=nats / LN2,
        nats=nats,
        ci_low_bits=ci_low,
        ci_high_bits=ci_high,
        confidence=confidence,
        bootstrap=int(bootstrap) if method == "fit" and not infinite else 0,
        fit=fit,
        empirical_bits=emp_bits,
        empirical_ci_bits=emp_ci,
        count_below=count,
        num_samples=n,
        target=eps,
        goodness_of_fit=_goodness_of_fit(x, fit),
        method=method,
        seed=int(seed),
        message="; ".join(notes),
        infinite=infinite,
        cumulant_fit=cum_fit,
        cumulant_bits=cum_bits,
        cumulant_ci_bits=cum_ci,
        robust_ci_bits=robust_ci,
        skew_excess=skew_excess,
        target_sd_below_mean=depth,
    )
