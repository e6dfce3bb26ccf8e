r"""Inductive bias *provided* by an architecture, measured in fixed base spaces, with intervals.

An architecture A reaches, with its trained networks, a test error :math:`\epsilon_A`. The
inductive bias it provides is the information a designer would have to supply in a fixed base
space to reach that same error:

.. math::

    I_\text{provided}(A) = I_\text{base}(\epsilon_A) = -\log_2 P_\text{base}(L \le \epsilon_A),

with :math:`\epsilon_A` the median test MSE of A's networks that fit the training data.

**The constant offset.** Because :math:`\epsilon_A` is A's *median*, A itself needs
:math:`-\log_2 P_A(L \le \epsilon_A) = 1` bit to reach it: a base space whose hypotheses were
distributed exactly like A's networks would give A 1 bit, not 0. The zero point of this scale is
therefore 1 bit; differences between architectures in the same base space cancel it.

Two base spaces:

* the exact Gaussian-process space on the same split, at test MSE :math:`\epsilon_A`
  (:func:`~ibcomplexity.estimate.exact.loss_distribution`, no sampling), optionally with its
  prior scaled by ``prior_scale`` (a broader space);
* the model-agnostic bound from the training set's statistics, at test classification error =
  the median error of A's fitting networks (:func:`~ibcomplexity.bound.classification_bound`).

**Intervals.** :math:`\epsilon_A` is a sample median of the fitting networks. Its
distribution-free interval is the pair of order statistics :math:`[L_{(j)}, L_{(n-j+1)}]` with
j the largest index for which :math:`P(\mathrm{Bin}(n, 1/2) < j) \le \alpha/2` (coverage at
least :math:`1-\alpha` for any continuous law). The base space's bits are monotone decreasing in
the error, so the bits interval is :math:`[I(L_{(n-j+1)}), I(L_{(j)})]`. The difference between
two architectures is *paired* in the base space (the same exact function :math:`I_\text{base}`
is applied to both) and bootstrapped over the two independent sets of networks: each resample
draws A's and B's networks with replacement, takes both medians and the difference of their
base-space bits; the interval is the percentile interval.

**Saturation.** When an architecture's error lies above almost every base-space hypothesis's
(:math:`P_\text{base}(L \le \epsilon_A) \ge` :data:`SATURATION_PROBABILITY`, i.e. fewer than
:math:`-\log_2 0.99 = 0.0145` bits), the base space cannot resolve it: it reaches that error
with near certainty and every such architecture gets :math:`\approx 0` bits (1e-136 against
1e-156 says nothing). A comparison in which both architectures saturate is reported as
unresolved, with a remedy: the prior scale :math:`a^*` at which the base space's mean test MSE
equals the worse architecture's error (the posterior mean is unchanged and the covariance scales
by a, so the mean MSE is :math:`m_\mu + a(m_1 - m_\mu)`, with :math:`m_\mu` the posterior mean's
MSE and :math:`m_1` the mean at a = 1), or the bound's base space.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023.
  David & Nagaraja, *Order Statistics*, 3rd ed., 2003, Sec. 7.1 (distribution-free interval for
  a quantile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ibcomplexity._json import jsonable
from ibcomplexity._numerics import LN2
from ibcomplexity._validation import InputError, check_positive, check_probability
from ibcomplexity.estimate._samples import MIN_SAMPLES

__all__ = [
    "PROVIDED_DEFINITION",
    "SATURATION_PROBABILITY",
    "ProvidedBias",
    "ProvidedDifference",
    "provided_bias",
    "provided_difference",
    "suggested_prior_scale",
]

# An architecture whose error the base space reaches with at least this probability is below the
# base space's resolution: -log2(0.99) = 0.0145 bits or fewer.
SATURATION_PROBABILITY = 0.99

PROVIDED_DEFINITION = (
    "inductive bias provided by an architecture A = the bits required in a fixed base space to "
    "reach the error A reaches: I_base(eps_A), with eps_A the median test MSE of A's networks that "
    "fit the training data. A itself needs -log2 P_A(L <= eps_A) = 1 bit to reach its own median, "
    "so the scale's zero point is 1 bit (a base space distributed like A gives A 1 bit); "
    "differences between architectures cancel it. Base spaces: the exact GP space on the same "
    "split (at test MSE eps_A) and the model-agnostic bound (at test classification error = the "
    "median error of A's fitting networks)."
)


@dataclass(frozen=True)
class ProvidedBias:
    """The inductive bias one architecture provides (see the module docstring).

    Attributes:
      arch: the architecture's spec.
      achieved_test_mse: :math:`\\epsilon_A`, the median test MSE of the fitting networks.
      achieved_test_mse_ci: its distribution-free order-statistic interval.
      achieved_test_error: the median test classification error of the same networks.
      bits_gp: bits required in the exact GP base space at ``achieved_test_mse``.
      bits_gp_ci: the interval of ``bits_gp`` (from ``achieved_test_mse_ci``).
      base_probability: :math:`P_\\text{base}(L \\le \\epsilon_A) = 2^{-\\text{bits\\_gp}}`.
      saturated: ``base_probability >= SATURATION_PROBABILITY``: the base space cannot resolve
        this architecture.
      prior_scale: the base GP's prior scale (1: the posterior as computed).
      bound_log10_bits: log10 of the bound's bits at ``achieved_test_error``, or ``None`` when
        the error is 0 (no target) or the bound is vacuous (``bound_message`` says which).
      bound_log10_bits_ci: its interval from the order-statistic interval of the error (``None``
        where either end has no bound).
      bound_message: why ``bound_log10_bits`` is missing, else ``""``.
      networks: networks trained; fit: how many fit the training data.
      confidence: level of the intervals.
    """

    arch: str
    achieved_test_mse: float
    achieved_test_mse_ci: tuple[float, float]
    achieved_test_error: float
    bits_gp: float
    bits_gp_ci: tuple[float, float]
    base_probability: float
    saturated: bool
    prior_scale: float
    bound_log10_bits: float | None
    bound_log10_bits_ci: tuple[float, float] | None
    bound_message: str
    networks: int
    fit: int
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        """JSON view (:mod:`ibcomplexity._json`)."""
        return jsonable(self)


@dataclass(frozen=True)
class ProvidedDifference:
    """How much more inductive bias architecture ``arch`` provides than ``versus``.

    Attributes:
      arch, versus: the two specs.
      bits_gp: ``bits_gp(arch) - bits_gp(versus)`` in the shared GP base space.
      bits_gp_ci: paired bootstrap percentile interval of the difference.
      bound_log10: the difference of the bound's log10 bits (``None`` where either is missing).
      bound_log10_ci: its bootstrap interval (``None`` likewise).
      resolved: the GP difference's interval excludes 0 and not both architectures saturate
        the base space.
      saturated: both architectures are below the base space's resolution.
      bound_resolved: the bound difference's interval excludes 0 (``None`` without a bound).
      message: the comparison in words, in both base spaces (resolved, or why not, with a
        remedy).
      bootstrap, seed, confidence: how the interval was made.
    """

    arch: str
    versus: str
    bits_gp: float
    bits_gp_ci: tuple[float, float]
    bound_log10: float | None
    bound_log10_ci: tuple[float, float] | None
    resolved: bool
    saturated: bool
    bound_resolved: bool | None
    message: str
    bootstrap: int
    seed: int
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        """JSON view (:mod:`ibcomplexity._json`)."""
        return jsonable(self)


def _check_split(trained, posterior) -> None:
    if (trained.n_train, trained.n_test) != (posterior.n_train, posterior.n_test):
        raise InputError(
            f"the networks were trained/tested on {trained.n_train}/{trained.n_test} points but "
            f"the base GP posterior has {posterior.n_train}/{posterior.n_test}: use the same split"
        )


def check_fits(trained) -> None:
    """The minimum-fit rule of ``ibc nn`` and ``ibc compare``: at least ``MIN_SAMPLES`` networks
    must fit the training data, else a one-line :class:`InputError` with the remedies."""
    if trained.num_fit < MIN_SAMPLES:
        raise InputError(
            f"{trained.arch}: only {trained.num_fit} of {trained.num} networks fit the training "
            f"data (train MSE < {trained.fit_threshold:g}; median train MSE "
            f"{float(np.median(trained.train_mse)):.4g}); at least {MIN_SAMPLES} are needed: "
            "train longer (--epochs), use more --samples, or raise --fit-threshold"
        )


def _median_ci_ranks(n: int, confidence: float) -> tuple[int, int]:
    """0-based ranks (lo, hi) of the distribution-free interval for the median of n values."""
    alpha = 1.0 - confidence
    # the largest j with P(Bin(n, 1/2) <= j - 1) <= alpha/2, 1-based; at least 1
    j = int(stats.binom.ppf(alpha / 2, n, 0.5))
    while j >= 1 and stats.binom.cdf(j - 1, n, 0.5) > alpha / 2:
        j -= 1
    j = max(j, 1)
    return j - 1, n - j


def _gp_bits(dist, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    bits = (0.0 - np.asarray(dist.log_cdf(x), dtype=float)) / LN2
    return np.where(x <= dist.offset, np.inf, bits) + 0.0


def _bound_log10(statistics, error: float, convention: str | None):
    from ibcomplexity.bound import DEFAULT_CONVENTION, classification_bound

    if error <= 0:
        return None, "test error 0: no target for the bound"
    bound = classification_bound(
        n=statistics.n,
        m=statistics.intrinsic_dimension.rounded,
        radius=statistics.radius,
        delta=statistics.resolution.delta,
        classes=statistics.classes,
        target_error=min(error, 1.0),
        convention=DEFAULT_CONVENTION if convention is None else convention,
    )
    return (None, bound.message) if bound.vacuous else (bound.log10_bits, "")


def provided_bias(
    trained,
    *,
    posterior,
    statistics=None,
    convention: str | None = None,
    confidence: float = 0.95,
    prior_scale: float = 1.0,
) -> ProvidedBias:
    """The inductive bias provided by the trained networks of one architecture.

    Args:
      trained: :class:`~ibcomplexity.hypotheses.training.TrainedHypotheses` of the architecture on
        the task of ``posterior``; at least ``MIN_SAMPLES`` of its networks must fit.
      posterior: the base GP posterior (:func:`~ibcomplexity.hypotheses.gp_posterior`) on the same
        split.
      statistics: optional :class:`~ibcomplexity.results.TaskStatistics` of the training set for
        the bound base space (``None``: no bound).
      convention: the bound's convention (default: the library's default).
      confidence: level of the intervals.
      prior_scale: multiplies the base GP's kernel (a broader base space for a > 1).

    Returns:
      :class:`ProvidedBias`.

    Raises:
      InputError: different splits, or fewer than ``MIN_SAMPLES`` fitting networks.
    """
    from ibcomplexity.estimate.exact import loss_distribution

    _check_split(trained, posterior)
    check_fits(trained)
    confidence = check_probability("confidence", confidence)
    prior_scale = check_positive("prior_scale", prior_scale)
    dist = loss_distribution(posterior, prior_scale=prior_scale)
    mse = np.sort(np.asarray(trained.test_mse_fit, dtype=float))
    err = np.sort(1.0 - np.asarray(trained.test_accuracy[trained.fits], dtype=float))
    lo, hi = _median_ci_ranks(mse.size, confidence)
    eps = float(np.median(mse))
    e = float(np.median(err))
    bits, b_hi, b_lo = (float(v) for v in _gp_bits(dist, [eps, mse[lo], mse[hi]]))
    log10, message, log10_ci = None, "no statistics given: no bound", None
    if statistics is not None:
        log10, message = _bound_log10(statistics, e, convention)
        ends = [_bound_log10(statistics, float(err[r]), convention)[0] for r in (hi, lo)]
        if log10 is not None and None not in ends:
            log10_ci = (ends[0], ends[1])
    return ProvidedBias(
        arch=str(trained.arch),
        achieved_test_mse=eps,
        achieved_test_mse_ci=(float(mse[lo]), float(mse[hi])),
        achieved_test_error=e,
        bits_gp=bits,
        bits_gp_ci=(b_lo, b_hi),
        base_probability=2.0**-bits,
        saturated=2.0**-bits >= SATURATION_PROBABILITY,
        prior_scale=prior_scale,
        bound_log10_bits=log10,
        bound_log10_bits_ci=log10_ci,
        bound_message=message,
        networks=int(trained.num),
        fit=int(trained.num_fit),
        confidence=confidence,
    )


def suggested_prior_scale(posterior, errors) -> float:
    r"""The prior scale :math:`a^*` at which the base space's mean test MSE equals the largest of
    ``errors`` (module docstring), rounded up to two significant digits; at least 1."""
    from ibcomplexity.estimate.exact import loss_distribution

    m1 = float(loss_distribution(posterior).mean)
    m_mu = float(np.mean((np.asarray(posterior.mu) - np.asarray(posterior.y_test)) ** 2))
    worst = float(np.max(errors))
    if worst <= m1 or m1 <= m_mu:
        return 1.0
    a = (worst - m_mu) / (m1 - m_mu)
    digits = 10.0 ** (math.floor(math.log10(a)) - 1)
    return float(math.ceil(a / digits) * digits)


def provided_difference(
    a,
    b,
    *,
    posterior,
    statistics=None,
    convention: str | None = None,
    confidence: float = 0.95,
    bootstrap: int = 2000,
    seed: int = 0,
    prior_scale: float = 1.0,
) -> ProvidedDifference:
    """How much more inductive bias the networks ``a`` provide than ``b``, with a paired interval.

    Args:
      a, b: :class:`~ibcomplexity.hypotheses.training.TrainedHypotheses` of two architectures on
        the same split (at least ``MIN_SAMPLES`` fitting networks each).
      posterior: the shared base GP posterior.
      statistics: optional training-set statistics for the bound base space.
      convention: the bound's convention.
      confidence: level of the interval.
      bootstrap: resamples of the two sets of networks.
      seed: seed of the ``numpy.random.default_rng`` that draws them (reported).
      prior_scale: multiplies the base GP's kernel.

    Returns:
      :class:`ProvidedDifference`.
    """
    from ibcomplexity.estimate.exact import loss_distribution

    pa = provided_bias(
        a,
        posterior=posterior,
        statistics=statistics,
        convention=convention,
        confidence=confidence,
        prior_scale=prior_scale,
    )
    pb = provided_bias(
        b,
        posterior=posterior,
        statistics=statistics,
        convention=convention,
        confidence=confidence,
        prior_scale=prior_scale,
    )
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 1:
        raise InputError(f"bootstrap must be an integer >= 1, got {bootstrap!r}")
    dist = loss_distribution(posterior, prior_scale=prior_scale)
    xa = np.asarray(a.test_mse_fit, dtype=float)
    xb = np.asarray(b.test_mse_fit, dtype=float)
    grid = np.unique(np.concatenate([xa, xb]))
    grid_bits = _gp_bits(dist, grid)
    rng = np.random.default_rng(int(seed))
    ma = np.median(xa[rng.integers(0, xa.size, (bootstrap, xa.size))], axis=1)
    mb = np.median(xb[rng.integers(0, xb.size, (bootstrap, xb.size))], axis=1)
    # Medians of resamples are sample values or midpoints of two: interpolate between them.
    if not np.all(np.isfinite(grid_bits)):
        raise InputError(
            "a fitting network's test MSE is below the smallest MSE the base GP space reaches "
            f"({dist.offset:.6g}): the base space cannot measure it; use a broader base space"
        )
    diff = np.interp(ma, grid, grid_bits) - np.interp(mb, grid, grid_bits)
    alpha = 1.0 - confidence
    ci = _finite_percentiles(diff, alpha)
    bound, bound_ci = None, None
    if pa.bound_log10_bits is not None and pb.bound_log10_bits is not None:
        bound = pa.bound_log10_bits - pb.bound_log10_bits
        ea = 1.0 - np.asarray(a.test_accuracy[a.fits], dtype=float)
        eb = 1.0 - np.asarray(b.test_accuracy[b.fits], dtype=float)
        errs = np.unique(np.concatenate([ea, eb]))
        vals = [_bound_log10(statistics, float(v), convention)[0] for v in errs]
        if None not in vals:
            va = np.median(ea[rng.integers(0, ea.size, (bootstrap, ea.size))], axis=1)
            vb = np.median(eb[rng.integers(0, eb.size, (bootstrap, eb.size))], axis=1)
            bd = np.interp(va, errs, vals) - np.interp(vb, errs, vals)
            bound_ci = _finite_percentiles(bd, alpha)
    saturated = pa.saturated and pb.saturated
    excludes_zero = ci[0] > 0 or ci[1] < 0
    resolved = excludes_zero and not saturated
    pct = round(100 * confidence)
    if saturated:
        scale = suggested_prior_scale(posterior, [pa.achieved_test_mse, pb.achieved_test_mse])
        message = (
            f"unresolved: the GP base space saturates: it reaches both architectures' errors "
            f"({pa.achieved_test_mse:.4g} and {pb.achieved_test_mse:.4g}) with probability >= "
            f"{SATURATION_PROBABILITY:g} (its mean test MSE is {float(dist.mean):.4g}), so both "
            f"get ~0 bits ({pa.bits_gp:.3g} and {pb.bits_gp:.3g}) and their difference means "
            f"nothing. Remedy: a broader base space, prior scale {scale:g} x the current one "
            f"(ibc compare ... --base-scale {scale * prior_scale:g}), or read the bound's base "
            "space"
        )
    elif resolved:
        more = "more" if ci[0] > 0 else "less"
        message = (
            f"resolved: {pa.arch} provides {abs(pa.bits_gp - pb.bits_gp):.4g} bits {more} than "
            f"{pb.arch} in the GP base space ({pct}% interval [{ci[0]:.4g}, {ci[1]:.4g}] "
            "excludes 0)"
        )
    else:
        message = (
            f"unresolved: the {pct}% interval of the difference, [{ci[0]:.4g}, {ci[1]:.4g}] "
            f"bits, includes 0: the median test MSEs, {pa.achieved_test_mse:.4g} "
            f"[{pa.achieved_test_mse_ci[0]:.4g}, {pa.achieved_test_mse_ci[1]:.4g}] and "
            f"{pb.achieved_test_mse:.4g} [{pb.achieved_test_mse_ci[0]:.4g}, "
            f"{pb.achieved_test_mse_ci[1]:.4g}], are too close for {pa.fit} and {pb.fit} "
            "networks; more networks per architecture (--samples) narrow it"
        )
    bound_resolved = None
    if bound_ci is not None:
        bound_resolved = bound_ci[0] > 0 or bound_ci[1] < 0
        if bound_resolved:
            more = "more" if bound_ci[0] > 0 else "less"
            message += (
                f". In the bound's base space (median classification error "
                f"{pa.achieved_test_error:.4g} against {pb.achieved_test_error:.4g}) it provides "
                f"{abs(bound):.3g} log10 bits {more} ({pct}% interval [{bound_ci[0]:.3g}, "
                f"{bound_ci[1]:.3g}] excludes 0)"
            )
        else:
            message += (
                f". In the bound's base space the difference, {bound:.3g} log10 bits "
                f"[{bound_ci[0]:.3g}, {bound_ci[1]:.3g}], is unresolved too"
            )
    return ProvidedDifference(
        arch=pa.arch,
        versus=pb.arch,
        bits_gp=pa.bits_gp - pb.bits_gp,
        bits_gp_ci=ci,
        bound_log10=bound,
        bound_log10_ci=bound_ci,
        resolved=resolved,
        saturated=saturated,
        bound_resolved=bound_resolved,
        message=message,
        bootstrap=int(bootstrap),
        seed=int(seed),
        confidence=confidence,
    )


def _finite_percentiles(values: np.ndarray, alpha: float) -> tuple[float, float]:
    method = "linear" if np.all(np.isfinite(values)) else "inverted_cdf"
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2], method=method)
    return float(lo), float(hi)
