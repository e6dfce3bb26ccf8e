"""Log-space noncentral chi-square CDF, survival function and density against scipy and mpmath.

Oracles: scipy in the bulk (where ``ncx2.logcdf = log(cdf)`` is accurate: log P between -600 and
log(1/2)); an independent 40-digit mpmath Poisson mixture (regularized ``mpmath.gammainc``, lower
or upper, with a quadrature where the upper one fails to converge; summed from the mode found by
a search of its own) in the far tails, down to log P = -2.8e5; ``scipy.special.gammainc`` and
``mpmath`` for the central case; ``mpmath.besseli`` for the density where scipy underflows.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from ibcomplexity._validation import InputError
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf, ncx2_log_pdf, ncx2_log_sf

DPS = 40


def _mp_log_q(b, z):
    """log Q(b, z): mpmath's upper incomplete gamma, or (where its series fail to converge) the
    quadrature Q = z^(b-1) e^(-z) / Gamma(b) * int_0^inf exp((b-1) log1p(u/z) - u) du."""
    try:
        return mp.log(mp.gammainc(b, z, mp.inf, regularized=True))
    except (ValueError, mp.libmp.NoConvergence):
        pass
    decay = 1 - (b - 1) / z if z > b - 1 else 1 / mp.sqrt(b)
    s = 1 / max(decay, 1 / mp.sqrt(b))
    integral = mp.quad(
        lambda u: mp.exp((b - 1) * mp.log1p(u / z) - u), [0, s, 5 * s, 30 * s, 200 * s, mp.inf]
    )
    return -z + (b - 1) * mp.log(z) - mp.loggamma(b) + mp.log(integral)


def mp_log_mixture(x, df, nc, scale=1.0, upper=False):
    """log of the Poisson mixture sum_i Pois(i; nc/2) P(df/2 + i, x/(2 scale)) at DPS digits."""
    with mp.workdps(DPS):
        z = mp.mpf(x) / (2 * mp.mpf(scale))
        a = mp.mpf(df) / 2
        lam = mp.mpf(nc) / 2

        def log_term(i):
            if upper:
                g = _mp_log_q(a + i, z)
            else:
                g = mp.log(mp.gammainc(a + i, 0, z, regularized=True))
            if lam == 0:
                return g
            return -lam + i * mp.log(lam) - mp.loggamma(i + 1) + g

        if lam == 0:
            return float(log_term(0))
        # the terms are unimodal in i: bracket the mode, then ternary search on the integers
        lo, hi = 0, max(2, int(lam))
        while log_term(hi + 1) > log_term(hi):
            lo, hi = hi, 2 * hi
        while hi - lo > 2:
            m1, m2 = lo + (hi - lo) // 3, hi - (hi - lo) // 3
            if log_term(m1) < log_term(m2):
                lo = m1
            else:
                hi = m2
        mode = max(range(lo, hi + 1), key=log_term)
        peak = log_term(mode)
        total = mp.mpf(1)
        for step in (1, -1):
            i = mode + step
            while i >= 0:
                t = log_term(i) - peak
                total += mp.exp(t)
                i += step
                if t < -80:
                    break
        return float(peak + mp.log(total))


def _bulk_points(df, nc):
    mean, sd = df + nc, math.sqrt(2 * (df + 2 * nc))
    return np.concatenate(
        [mean + sd * np.linspace(-6, 12, 19), mean * np.array([1e-3, 0.01, 0.1, 0.5])]
    )


GRID = [(df, nc) for df in (1.0, 3.5, 20.0, 300.0, 1e4) for nc in (0.0, 0.5, 15.0, 1e3, 1e4)]


@pytest.mark.parametrize(("df", "nc"), GRID)
def test_log_cdf_and_sf_match_scipy_in_the_bulk(df, nc):
    x = _bulk_points(df, nc)
    x = x[x > 0]
    for ours, ref in (
        (ncx2_log_cdf(x, df, nc), stats.ncx2.logcdf(x, df, nc)),
        (ncx2_log_sf(x, df, nc), stats.ncx2.logsf(x, df, nc)),
    ):
        # scipy's log(cdf) keeps relative accuracy only while the value is neither tiny nor ~1
        trusted = (ref > -600) & (ref < math.log(0.5))
        assert trusted.sum() >= 3
        np.testing.assert_allclose(ours[trusted], ref[trusted], rtol=1e-10, atol=0)


@pytest.mark.parametrize("scale", [1e-6, 0.37, 1e3])
def test_scale_is_a_change_of_units(scale):
    x = np.array([0.5, 20.0, 60.0])
    np.testing.assert_allclose(
        ncx2_log_cdf(x * scale, 20.0, 15.0, scale), ncx2_log_cdf(x, 20.0, 15.0), rtol=1e-13
    )
    np.testing.assert_allclose(
        ncx2_log_pdf(x * scale, 20.0, 15.0, scale),
        ncx2_log_pdf(x, 20.0, 15.0) - math.log(scale),
        rtol=1e-12,
    )


# (x, df, nc, scale): lower tail from log P ~ -5e2 to -2.8e5, where scipy returns -inf or 0
FAR_LOWER = [
    (1e-3, 100.0, 50.0, 1.0),
    (1e-100, 3.0, 1e3, 1.0),
    (1e-8, 1.0, 1e4, 1.0),
    (1.0, 1.0, 1e4, 1.0),
    (1.0, 1e4, 1e4, 1.0),
    (1e-6, 1e4, 1e4, 1.0),
    (1e-20, 1e4, 1e4, 1.0),
    (2e-7, 1e4, 1e4, 0.01),
    (900.0, 100.0, 1000.0, 1.0),
    (1e3, 1e4, 0.0, 1.0),
]


@pytest.mark.parametrize(("x", "df", "nc", "scale"), FAR_LOWER)
def test_log_cdf_far_lower_tail_matches_mpmath(x, df, nc, scale):
    expected = mp_log_mixture(x, df, nc, scale)
    got = float(ncx2_log_cdf(x, df, nc, scale))
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-12)


def test_log_cdf_reaches_below_minus_1e5():
    # the brief's requirement: no underflow at log P = -1e5 and beyond
    got = ncx2_log_cdf(np.array([1e-6, 1e-20]), 1e4, 1e4)
    assert np.all(np.isfinite(got)) and np.all(got < -1e5)


# (x, df, nc): upper tail, log Q ~ -10 to -1.8e4
FAR_UPPER = [
    (1e4, 10.0, 20.0),
    (2.1e4, 1e4, 1e4),
    (200.0, 3.0, 5.0),
    (1e5, 1e4, 1e4),
    (5e3, 5.0, 1e3),
]


@pytest.mark.parametrize(("x", "df", "nc"), FAR_UPPER)
def test_log_sf_far_upper_tail_matches_mpmath(x, df, nc):
    expected = mp_log_mixture(x, df, nc, upper=True)
    assert float(ncx2_log_sf(x, df, nc)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("df", [0.3, 1.0, 7.0, 150.0, 1e4])
def test_central_case_matches_gammainc(df):
    x = df * np.array([1e-3, 0.1, 0.5, 0.9, 1.0, 1.2, 3.0])
    p = special.gammainc(df / 2, x / 2)
    q = special.gammaincc(df / 2, x / 2)
    good = (p > 1e-300) & (p < 0.5)
    np.testing.assert_allclose(ncx2_log_cdf(x[good], df, 0.0), np.log(p[good]), rtol=1e-12)
    good = (q > 1e-300) & (q < 0.5)
    np.testing.assert_allclose(ncx2_log_sf(x[good], df, 0.0), np.log(q[good]), rtol=1e-12)


@pytest.mark.parametrize(("x", "df"), [(1e-300, 2.0), (1e-200, 1.0), (10.0, 1e4), (1e-5, 500.0)])
def test_central_case_underflow_matches_mpmath(x, df):
    with mp.workdps(DPS):
        expected = float(mp.log(mp.gammainc(mp.mpf(df) / 2, 0, mp.mpf(x) / 2, regularized=True)))
    assert float(ncx2_log_cdf(x, df, 0.0)) == pytest.approx(expected, rel=1e-12)


def test_near_one_keeps_relative_accuracy():
    # CDF = 1 - 1e-20-ish: log CDF = -SF, which log(cdf) would round to 0
    x, df, nc = 400.0, 10.0, 20.0
    sf = math.exp(mp_log_mixture(x, df, nc, upper=True))
    assert float(ncx2_log_cdf(x, df, nc)) == pytest.approx(-sf, rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    df=st.floats(0.05, 2e3),
    nc=st.one_of(st.just(0.0), st.floats(1e-3, 2e3)),
    u=st.floats(-8.0, 3.0),
    du=st.floats(1e-6, 2.0),
)
def test_log_cdf_is_monotone_and_complements_log_sf(df, nc, u, du):
    mean = df + nc
    x1, x2 = mean * 10.0**u, mean * 10.0 ** (u + du)
    c1, c2 = ncx2_log_cdf([x1, x2], df, nc)
    s1, s2 = ncx2_log_sf([x1, x2], df, nc)
    assert c1 <= c2 + 1e-12 * abs(c2)
    assert s2 <= s1 + 1e-12 * abs(s1)
    # P + Q = 1 (the larger of the two carries the check)
    assert np.logaddexp(c1, s1) == pytest.approx(0.0, abs=1e-13)


def test_edges_and_broadcasting():
    assert ncx2_log_cdf(0.0, 3.0, 1.0) == -np.inf
    assert ncx2_log_cdf(-1.0, 3.0, 1.0) == -np.inf
    assert ncx2_log_sf(0.0, 3.0, 1.0) == 0.0
    assert ncx2_log_cdf(np.inf, 3.0, 1.0) == 0.0
    assert ncx2_log_sf(np.inf, 3.0, 1.0) == -np.inf
    assert np.isnan(ncx2_log_cdf(np.nan, 3.0, 1.0))
    out = ncx2_log_cdf(np.ones((2, 1)), np.array([1.0, 2.0, 3.0]), 0.5)
    assert out.shape == (2, 3)
    assert isinstance(ncx2_log_cdf(1.0, 2.0, 3.0), float)


@pytest.mark.parametrize(
    ("df", "nc", "scale"), [(0.0, 1.0, 1.0), (-1.0, 1.0, 1.0), (2.0, -0.1, 1.0), (2.0, 1.0, 0.0)]
)
def test_bad_parameters_raise(df, nc, scale):
    for f in (ncx2_log_cdf, ncx2_log_sf, ncx2_log_pdf):
        with pytest.raises(InputError):
            f(1.0, df, nc, scale)
    with pytest.raises(InputError):
        ncx2_log_cdf(1.0, np.nan, 1.0)


def test_log_pdf_matches_scipy_where_scipy_is_finite():
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(300):
        df, nc = 10 ** rng.uniform(-1, 4), 10 ** rng.uniform(-3, 4) * (rng.random() > 0.1)
        scale = 10 ** rng.uniform(-3, 2)
        x = scale * stats.ncx2.rvs(df, nc, random_state=rng, size=5) * 10 ** rng.uniform(-1, 0.3)
        ref = stats.ncx2.logpdf(x, df, nc, scale=scale)
        got = ncx2_log_pdf(x, df, nc, scale)
        ok = np.isfinite(ref)
        if not ok.any():
            continue
        worst = max(worst, float(np.max(np.abs(got[ok] - ref[ok]) / (1 + np.abs(ref[ok])))))
    assert worst < 1e-10


@pytest.mark.parametrize(
    ("x", "df", "nc"),
    [(1000.0, 2000.0, 1.0), (1e-3, 100.0, 50.0), (5.0, 61.0, 1e-4), (60.0, 61.0, 2.0),
     (1e-9, 0.5, 3.0), (3.0, 0.2, 1e-6), (2.0e4, 2.0e4, 500.0)],
)  # fmt: skip
def test_log_pdf_matches_mpmath_including_where_scipy_underflows(x, df, nc):
    with mp.workdps(DPS):
        xm, k, lam = mp.mpf(x), mp.mpf(df), mp.mpf(nc)
        nu = k / 2 - 1
        expected = float(
            -mp.log(2) - (xm + lam) / 2 + nu / 2 * mp.log(xm / lam)
            + mp.log(mp.besseli(nu, mp.sqrt(lam * xm)))
        )  # fmt: skip
    got = float(ncx2_log_pdf(x, df, nc))
    assert abs(got - expected) <= 1e-11 * max(1.0, abs(expected))


def test_log_pdf_edges():
    assert ncx2_log_pdf(-1.0, 3.0, 1.0) == -np.inf
    assert ncx2_log_pdf(0.0, 3.0, 1.0) == -np.inf
    assert ncx2_log_pdf(0.0, 2.0, 1.0) == pytest.approx(-0.5 - math.log(2.0))
    assert ncx2_log_pdf(0.0, 1.0, 1.0) == np.inf
    np.testing.assert_allclose(
        ncx2_log_pdf([0.5, 3.0], 4.0, 0.0), stats.chi2.logpdf([0.5, 3.0], 4.0), rtol=1e-13
    )
