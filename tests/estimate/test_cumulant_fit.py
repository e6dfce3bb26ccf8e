"""The four-cumulant generalized chi-square model and the robust interval of estimate_bits.

Oracles: exact cumulants of known generalized chi-square laws (closed form
kappa_r = 2^(r-1) (r-1)! sum_j w_j^r (k_j + r lambda_j)), scipy.stats.moment for the sample
moments, and GeneralizedChiSquare.log_cdf (itself tested against Monte Carlo, gx2, scipy and
mpmath in tests/distributions) for the truth in bits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ibcomplexity._validation import InputError
from ibcomplexity.distributions.generalized_chi2 import GeneralizedChiSquare
from ibcomplexity.estimate import CumulantFit, estimate_bits, fit_cumulants, sample_cumulants
from ibcomplexity.estimate.cumulant_fit import _components, _cumulants_from_sums, _power_basis


def exact_cumulants(w, k, lam=None):
    w, k = np.asarray(w, float), np.asarray(k, float)
    lam = np.zeros_like(w) if lam is None else np.asarray(lam, float)
    return np.array(
        [2 ** (r - 1) * math.factorial(r - 1) * np.sum(w**r * (k + r * lam)) for r in (1, 2, 3, 4)]
    )


@settings(max_examples=60, deadline=None)
@given(
    w1=st.floats(0.01, 1.0),
    ratio=st.floats(1.5, 50.0),
    k1=st.floats(0.5, 500.0),
    k2=st.floats(0.5, 500.0),
)
def test_two_point_model_recovers_two_central_components_exactly(w1, ratio, k1, k2):
    w = np.array([w1, w1 * ratio])
    k = np.array([k1, k2])
    nodes, dofs, lam, c, model, why = _components(exact_cumulants(w, k))
    assert model == "two-point" and why == ""
    np.testing.assert_allclose(nodes, w, rtol=1e-7)
    np.testing.assert_allclose(dofs, k, rtol=1e-6)
    assert np.all(lam == 0) and c == 0.0


@settings(max_examples=40, deadline=None)
@given(
    w=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=12),
    k=st.floats(0.5, 50.0),
    lam=st.floats(0.0, 50.0),
)
def test_any_law_gives_a_valid_model_matching_two_or_more_cumulants(w, k, lam):
    """Whatever the four cumulants of a generalized chi-square, the model is a valid law with the
    same mean and variance (the quadrature matches four, the fallbacks three or two)."""
    kappa = exact_cumulants(w, np.full(len(w), k), np.full(len(w), lam))
    nodes, dofs, nc, c, model, _ = _components(kappa)
    g = GeneralizedChiSquare(nodes, dofs, nc, c)
    assert model in ("two-point", "ncx2", "shifted")
    np.testing.assert_allclose([g.mean, g.variance], kappa[:2], rtol=1e-9)
    got = exact_cumulants(nodes, dofs, nc)  # the offset only moves the mean
    np.testing.assert_allclose(got[2], kappa[2], rtol=1e-7)
    if model == "two-point":
        np.testing.assert_allclose(exact_cumulants(nodes, dofs)[3], kappa[3], rtol=1e-6)


def test_fallbacks_are_chosen_by_the_hankel_determinants():
    # a noncentral chi-square is less skewed than the central one of its mean and variance
    _, _, nc, _, model, why = _components(exact_cumulants([0.1], [10.0], [5.0]))
    assert model == "ncx2" and "at most as skewed" in why
    np.testing.assert_allclose(nc, [5.0], rtol=1e-9)
    # more skewed than central but a fourth cumulant below any two-point law's
    kappa = exact_cumulants([0.1, 1.0], [20.0, 5.0])
    kappa[3] = 0.5 * kappa[2] ** 2 / kappa[1]  # D1 = nu1 nu3 - nu2^2 < 0
    w, k, _, c, model, why = _components(kappa)
    assert model == "shifted" and "too small a fourth cumulant" in why
    got = exact_cumulants(w, k)
    np.testing.assert_allclose([got[0] + c, *got[1:3]], kappa[:3], rtol=1e-9)


def test_the_fallbacks_join_the_two_point_family_continuously():
    """As the fourth cumulant falls to the D1 = 0 boundary the two-point bits approach the shifted
    model's: no jump when a bootstrap resample crosses it."""
    kappa = exact_cumulants([0.002, 0.01], [50.0, 10.0])
    nu = kappa / np.array([1.0, 2.0, 8.0, 48.0])
    k4_boundary = 48.0 * nu[2] ** 2 / nu[1]
    eps = kappa[0] - 6.0 * math.sqrt(kappa[1])
    bits = []
    for f in (1.0 + 1e-5, 1.0 - 1e-5):
        kk = kappa.copy()
        kk[3] = f * k4_boundary
        w, k, lam, c, model, _ = _components(kk)
        bits.append((model, -float(GeneralizedChiSquare(w, k, lam, c).log_cdf(eps))))
    assert [m for m, _ in bits] == ["two-point", "shifted"]
    assert bits[0][1] == pytest.approx(bits[1][1], rel=1e-3)


def test_sample_cumulants_match_scipy_moments():
    x = np.random.default_rng(0).gamma(3.0, 0.2, size=50_000)
    m2, m3, m4 = (stats.moment(x, r) for r in (2, 3, 4))
    np.testing.assert_allclose(sample_cumulants(x), [x.mean(), m2, m3, m4 - 3 * m2**2], rtol=1e-9)


def test_resample_cumulants_from_count_sums_equal_direct_ones():
    rng = np.random.default_rng(1)
    x = rng.gamma(2.0, 1.0, size=500)
    y = x / x.mean()
    idx = rng.integers(0, y.size, size=(3, y.size))
    counts = np.stack([np.bincount(i, minlength=y.size) for i in idx]).astype(float)
    got = _cumulants_from_sums(counts @ _power_basis(y).T, y.size)
    for row, i in zip(got, idx, strict=True):
        np.testing.assert_allclose(row, sample_cumulants(y[i]), rtol=1e-9, atol=1e-15)


def test_fit_cumulants_on_a_two_component_sample():
    rng = np.random.default_rng(0)
    x = 0.5 * rng.chisquare(20, 400_000) + 2.0 * rng.chisquare(5, 400_000)
    f = fit_cumulants(x)
    assert isinstance(f, CumulantFit) and f.model == "two-point"
    # fourth sample cumulants are noisy: ~5% on the components at 4e5 samples
    np.testing.assert_allclose(f.weights, [0.5, 2.0], rtol=0.1)
    np.testing.assert_allclose(f.dofs, [20.0, 5.0], rtol=0.15)
    np.testing.assert_allclose(f.cumulants[:2], [20.0, 2 * (0.25 * 20 + 4 * 5)], rtol=0.01)
    assert isinstance(f.distribution(), GeneralizedChiSquare)


def test_fit_cumulants_rejects_bad_samples():
    with pytest.raises(InputError, match="all equal"):
        fit_cumulants(np.full(50, 0.3))
    with pytest.raises(InputError, match="at least"):
        fit_cumulants([0.1, 0.2, 0.3])


def test_misspecified_family_is_flagged_and_the_robust_interval_covers_the_truth():
    """Two unequal weights: more skewed than any noncentral chi-square. The MLE's own interval
    misses the truth far below the mean, the four-cumulant model and the union cover it."""
    w, k = [0.002, 0.01], [50.0, 10.0]
    law = GeneralizedChiSquare(w, k)
    eps = law.mean - 4.0 * math.sqrt(law.variance)
    truth = -float(law.log_cdf(eps)) / math.log(2.0)
    rng = np.random.default_rng(3)
    x = w[0] * rng.chisquare(k[0], 100_000) + w[1] * rng.chisquare(k[1], 100_000)
    est = estimate_bits(x, eps, bootstrap=100, seed=0)
    assert est.skew_excess > 1.0 and "more skewed" in est.message
    assert est.cumulant_fit.model == "two-point"
    fit_lo, fit_hi = est.fit_ci_bits
    assert not (fit_lo <= truth <= fit_hi)  # the MLE alone: misspecified
    assert est.cumulant_ci_bits[0] <= truth <= est.cumulant_ci_bits[1]
    assert est.models_ci_bits[0] <= truth <= est.models_ci_bits[1]
    assert est.ci_bits[0] <= truth <= est.ci_bits[1]  # the quoted (widened) interval too
    assert abs(est.cumulant_bits - truth) < abs(est.fit_bits - truth)
    lo, hi = est.models_ci_bits
    assert lo == min(fit_lo, est.cumulant_ci_bits[0])
    assert hi == max(fit_hi, est.cumulant_ci_bits[1])


def test_well_specified_sample_keeps_both_models_close():
    x = stats.ncx2.rvs(30, 10, scale=0.01, size=20_000, random_state=4)
    eps = float(stats.ncx2.ppf(1e-4, 30, 10, scale=0.01))
    est = estimate_bits(x, eps, bootstrap=60, seed=0)
    assert est.skew_excess < 1.0 and "more skewed" not in est.message
    assert est.cumulant_fit.model == "ncx2"
    assert abs(est.cumulant_bits - est.fit_bits) / est.fit_bits < 0.1
    lo, hi = est.models_ci_bits
    assert lo <= est.fit_ci_bits[0] and est.fit_ci_bits[1] <= hi


def test_no_bootstrap_gives_point_estimates_only():
    x = stats.ncx2.rvs(30, 10, scale=0.01, size=2_000, random_state=5)
    est = estimate_bits(x, 0.2, bootstrap=0)
    assert est.cumulant_bits is not None and est.cumulant_ci_bits is None
    assert est.models_ci_bits is None
    ref = estimate_bits(x, 0.2, method="reference")
    assert ref.cumulant_fit is None and ref.models_ci_bits is None


def test_deep_extrapolation_is_flagged():
    x = stats.ncx2.rvs(400, 10, scale=0.01, size=2_000, random_state=6)  # mean 4.1, sd 0.29
    far = float(x.mean() - 6 * x.std())
    est = estimate_bits(x, far, bootstrap=50)
    assert est.target_sd_below_mean == pytest.approx(6.0)
    assert est.count_below == 0 and est.regime == "extrapolated"
    assert est.message.startswith("extrapolated") and "assumption" in est.message
    assert est.extrapolation > 0
    near = estimate_bits(x, float(np.quantile(x, 0.05)), bootstrap=50)
    assert 0 < near.target_sd_below_mean < 3 and near.regime == "empirical"
    assert "extrapolated" not in near.message
