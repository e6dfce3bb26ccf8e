"""estimate_bits / fit_ncx2 / ncx2_moment_match on samples drawn from known scaled ncx2 laws.

Truth: -log2 of the exact CDF of the law the sample was drawn from (scipy in the bulk; the
log-space ncx2_log_cdf, itself tested against mpmath, in the far tail). Coverage is counted over
independent seeds; the thresholds leave room for the binomial noise of 20 trials (at a true
coverage of 95%, 15 or more hits out of 20 has probability 0.9997).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import optimize, stats

from ibcomplexity._validation import InputError
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf, ncx2_log_pdf
from ibcomplexity.estimate import (
    MIN_SAMPLES,
    BitsEstimate,
    estimate_bits,
    fit_ncx2,
    ncx2_moment_match,
)

K, NC, SCALE = 30.0, 10.0, 0.01  # a GP-like loss law: positive, right-skewed, loc 0


def true_bits(eps, df=K, nc=NC, scale=SCALE):
    return -float(ncx2_log_cdf(eps, df, nc, scale)) / math.log(2.0)


def sample(seed, size, df=K, nc=NC, scale=SCALE):
    return stats.ncx2.rvs(df, nc, scale=scale, size=size, random_state=seed)


@pytest.mark.integration
def test_bootstrap_and_clopper_pearson_intervals_cover_the_truth():
    eps = float(stats.ncx2.ppf(0.005, K, NC, scale=SCALE))  # ~5 of 1000 losses below it
    truth = true_bits(eps)
    fit_hits = emp_hits = 0
    for seed in range(20):
        est = estimate_bits(sample(seed, 1000), eps, bootstrap=50, seed=seed)
        lo, hi = est.fit_ci_bits
        assert lo <= est.fit_bits <= hi
        fit_hits += lo <= truth <= hi
        if est.count_below > 0:
            lo, hi = est.empirical_ci_bits
            emp_hits += lo <= truth <= hi
    assert fit_hits >= 15
    assert emp_hits >= 15


def test_result_fields_and_units():
    x = sample(0, 2000)
    eps = float(np.quantile(x, 0.01))
    est = estimate_bits(x, eps, bootstrap=40, seed=7)
    assert isinstance(est, BitsEstimate)
    assert est.unit == "bits" and est.method == "fit" and est.seed == 7
    assert est.num_samples == 2000 and est.target == eps and est.bootstrap == 40
    assert est.nats == pytest.approx(est.bits * math.log(2.0))
    assert -est.fit_bits * math.log(2.0) == pytest.approx(
        float(ncx2_log_cdf(eps, est.fit.df, est.fit.nc, est.fit.scale))
    )
    assert est.count_below == int(np.sum(x <= eps))
    assert est.empirical_bits == pytest.approx(-math.log2(est.count_below / 2000))
    # 20 losses expected below the target (>= 10): the quotable answer is the count's
    assert est.regime == "empirical" and est.bits == est.empirical_bits
    assert est.ci_bits == est.empirical_ci_bits and "converge" not in est.message
    assert est.fit.converged and est.fit.start_method == "moments3"
    with pytest.raises(AttributeError):
        est.bits = 0.0  # frozen


def test_empirical_interval_is_clopper_pearson():
    x = sample(1, 500)
    eps = float(np.sort(x)[6])  # 7 losses at or below
    est = estimate_bits(x, eps, bootstrap=0, confidence=0.9)
    ci = stats.binomtest(7, 500).proportion_ci(confidence_level=0.9, method="exact")
    assert est.count_below == 7
    assert est.empirical_ci_bits[0] == pytest.approx(-math.log2(ci.high), rel=1e-9)
    assert est.empirical_ci_bits[1] == pytest.approx(-math.log2(ci.low), rel=1e-9)
    assert est.fit_ci_bits is None and est.models_ci_bits is None


def test_target_below_the_sample_gives_only_a_lower_bound():
    x = sample(2, 400)
    est = estimate_bits(x, 0.5 * float(x.min()), bootstrap=0)
    assert est.count_below == 0 and est.empirical_bits is None
    lower, upper = est.empirical_ci_bits
    # c = 0: the two-sided Clopper-Pearson interval on P is [0, 1 - (alpha/2)^(1/S)]
    assert lower == pytest.approx(-math.log2(1.0 - 0.025 ** (1 / 400)), rel=1e-9)
    assert upper == math.inf
    # no bootstrap: no model interval, so only the Clopper-Pearson bound is stated
    assert est.regime == "lower-bound" and est.bits is None
    assert est.ci_bits == (lower, math.inf) and est.lower_bound_bits == lower
    assert est.message.startswith("lower bound only")
    assert est.fit_bits > lower  # the fitted tail lies beyond the sample


def test_far_tail_target_is_finite_and_covered():
    eps = optimize.brentq(lambda e: math.log(true_bits(e) / 1000.0), 1e-40, 0.1, xtol=1e-60)
    assert eps < 1e-20  # 1000 bits: 20 orders of magnitude below the losses
    for seed in (0, 1):
        est = estimate_bits(sample(seed, 3000), eps, bootstrap=100, seed=seed)
        assert math.isfinite(est.fit_bits) and 10.0 < est.fit_bits < 1e4
        # extrapolating 1000 bits from 3000 losses is uncertain (df is; the bits scale with it),
        # and the answer says so: an interval of more than an order of magnitude, or (when some
        # resamples' model has no mass that far out) only a lower bound
        assert est.regime in ("extrapolated", "lower-bound")
        assert est.ci_bits[0] <= 1000.0 <= est.ci_bits[1]
    # ~10,000 bits: scipy's log(cdf) is -inf, the log-space tail is not
    eps = 1e-200
    assert true_bits(eps) > 9e3
    est = estimate_bits(sample(0, 3000), eps, bootstrap=20)
    assert stats.ncx2.logcdf(eps, est.fit.df, est.fit.nc, scale=est.fit.scale) == -np.inf
    assert math.isfinite(est.fit_bits) and math.isfinite(est.fit_ci_bits[0])
    assert est.fit_bits > 5e3


def test_moment_start_recovers_the_parameters():
    p = ncx2_moment_match(sample(4, 200_000))
    assert p.df == pytest.approx(K, rel=0.25)
    assert p.nc == pytest.approx(NC, rel=0.5)
    assert p.scale == pytest.approx(SCALE, rel=0.15)
    assert p.scale * (p.df + p.nc) == pytest.approx(SCALE * (K + NC), rel=0.01)


def test_moment_start_falls_back_outside_the_feasible_skewness():
    rng = np.random.default_rng(5)
    too_skewed = rng.lognormal(0.0, 1.0, 5000)  # skewness / cv = 3 + cv^2 > 2
    p = ncx2_moment_match(too_skewed)
    assert p.nc == 0.0
    assert p.scale == pytest.approx(np.var(too_skewed) / (2 * np.mean(too_skewed)))
    fit = fit_ncx2(too_skewed)
    assert fit.start_method == "moments2-central" and "nc < 0" in fit.message
    symmetric = rng.uniform(1.0, 2.0, 5000)  # too little skew for any ncx2
    fit = fit_ncx2(symmetric)
    assert fit.start_method == "moments2-small-df" and "df <= 0" in fit.message
    assert fit.start.scale * (fit.start.df + fit.start.nc) == pytest.approx(np.mean(symmetric))


def test_mle_is_the_maximum_of_the_exact_likelihood():
    x = sample(6, 5000)
    fit = fit_ncx2(x)
    assert fit.converged
    assert fit.scale * (fit.df + fit.nc) == pytest.approx(SCALE * (K + NC), rel=0.02)
    # df and nc trade off against each other and are poorly identified (for this seed the maximum
    # has df = 1.25, nc = 65: 6 log-likelihood units above the truth); the shape is what matters
    loglik = float(np.sum(ncx2_log_pdf(x, fit.df, fit.nc, fit.scale)))
    assert fit.log_likelihood == pytest.approx(loglik, rel=1e-12)

    def negll(log_params):  # the exact likelihood, independent of the compressed one
        s, k, c = np.exp(log_params)
        return -float(np.sum(stats.ncx2.logpdf(x, k, c, scale=s)))

    best = optimize.minimize(
        negll,
        np.log([SCALE, K, NC]),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 5000},
    )
    assert fit.log_likelihood >= -best.fun - 1e-5
    assert fit.log_likelihood >= float(np.sum(stats.ncx2.logpdf(x, K, NC, scale=SCALE)))


def test_large_df_where_scipy_logpdf_underflows():
    df, nc, scale = 2000.0, 1.0, 1e-4  # many-output GP losses: nearly normal, k in the thousands
    x = sample(7, 5000, df, nc, scale)
    assert np.all(stats.ncx2.logpdf(x, df, nc, scale=scale) == -np.inf)
    eps = float(stats.ncx2.ppf(1e-3, df, nc, scale=scale))
    est = estimate_bits(x, eps, bootstrap=40, seed=1)
    assert est.fit.converged
    assert est.fit.scale * (est.fit.df + est.fit.nc) == pytest.approx(scale * (df + nc), rel=0.01)
    assert est.fit_ci_bits[0] - 1.0 <= true_bits(eps, df, nc, scale) <= est.fit_ci_bits[1] + 1.0
    assert est.ci_bits[0] <= true_bits(eps, df, nc, scale) <= est.ci_bits[1]


def test_goodness_of_fit_diagnostics():
    good = estimate_bits(sample(8, 10_000), 0.1, bootstrap=0).goodness_of_fit
    assert [c.level for c in good.tail_checks] == [0.001, 0.01, 0.1]
    for check in good.tail_checks:
        assert check.empirical_prob >= check.level
        assert 0.5 < check.ratio < 2.0
    assert good.num_lower == 1000 and good.lower_fraction == 0.1
    assert good.ks_lower_relative < 0.1
    # a shifted law (loc = 0.2) cannot be matched near its minimum by a loc-0 model
    shifted = 0.2 + sample(8, 10_000)
    bad = estimate_bits(shifted, 0.3, bootstrap=0).goodness_of_fit
    assert bad.ks_lower_relative > 2 * good.ks_lower_relative
    assert max(abs(math.log(c.ratio)) for c in bad.tail_checks) > max(
        abs(math.log(c.ratio)) for c in good.tail_checks
    )
    small = estimate_bits(sample(9, 300), 0.2, bootstrap=0).goodness_of_fit
    assert [c.level for c in small.tail_checks] == [0.1]  # 0.3 and 3 losses are too few


def test_target_zero_is_a_lower_bound():
    """No model has mass at 0, and the count can only bound the bits: the lower-bound regime."""
    est = estimate_bits(sample(10, 200), 0.0, bootstrap=20)
    assert est.fit_bits == math.inf and est.cumulant_bits == math.inf
    assert est.regime == "lower-bound" and est.bits is None and est.nats is None
    assert est.ci_bits == (est.empirical_ci_bits[0], math.inf) and est.bootstrap == 0
    assert "a target of 0" in est.message


def test_seed_reproducibility():
    x = sample(11, 800)
    a = estimate_bits(x, 0.25, bootstrap=30, seed=3)
    b = estimate_bits(x, 0.25, bootstrap=30, seed=3)
    c = estimate_bits(x, 0.25, bootstrap=30, seed=4)
    assert a.fit_ci_bits == b.fit_ci_bits and a.ci_bits == b.ci_bits
    assert a.fit_ci_bits != c.fit_ci_bits
    assert a.fit_bits == c.fit_bits


def test_reference_method():
    x = sample(12, 500)
    est = estimate_bits(x, 0.15, method="reference")
    params = stats.ncx2.fit(x, floc=0)
    assert (est.fit.df, est.fit.nc, est.fit.scale) == (params[0], params[1], params[3])
    assert est.method == "reference" and est.fit.start_method == "scipy-default"
    assert est.nats == pytest.approx(-stats.ncx2.logcdf(0.15, *params), rel=1e-12)
    assert est.regime == "reference" and est.ci_bits is None


def test_speed_200_refits_of_10000_losses():
    x = sample(13, 10_000)
    start = time.perf_counter()
    est = estimate_bits(x, float(np.quantile(x, 0.001)), bootstrap=200, seed=0)
    elapsed = time.perf_counter() - start
    assert "converge" not in est.message and est.fit_ci_bits[0] < est.fit_ci_bits[1]
    assert elapsed < 20.0  # ~0.5 s on one core; generous for loaded CI machines


GOOD = np.linspace(0.1, 2.0, 50)


@pytest.mark.parametrize(
    ("losses", "target", "match"),
    [
        ([], 0.1, "empty"),
        (np.r_[GOOD, np.nan], 0.1, "NaN"),
        (np.r_[GOOD, np.inf], 0.1, "NaN/inf"),
        (np.r_[GOOD, -0.1], 0.1, "negative"),
        (np.r_[GOOD, 0.0], 0.1, "exact zeros"),
        (GOOD.reshape(5, 10), 0.1, "1-D"),
        (GOOD[: MIN_SAMPLES - 1], 0.1, "at least"),
        (np.full(50, 0.3), 0.1, "all equal"),
        (["a"] * 50, 0.1, "numeric"),
        (GOOD, float("nan"), "target"),
        (GOOD, -0.1, "target"),
        (GOOD, float("inf"), "target"),
        (GOOD, "0.1", "target"),
    ],
)
def test_bad_input_raises(losses, target, match):
    with pytest.raises(InputError, match=match):
        estimate_bits(losses, target, bootstrap=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confidence": 1.0},
        {"confidence": 0.0},
        {"bootstrap": -1},
        {"bootstrap": 2.5},
        {"seed": 1.5},
        {"method": "magic"},
    ],
)
def test_bad_options_raise(kwargs):
    with pytest.raises(InputError):
        estimate_bits(GOOD, 0.5, **kwargs)
