"""GeneralizedChiSquare: construction, moments and CGF, and the CDF against exact references.

Oracles: scipy.stats.ncx2 (equal weights, bulk), the Poisson-mixture CDF in mpmath (equal
weights, any tail; ``_chi2_oracle.py``), the exact contour integral in mpmath (unequal weights,
tails), and the independent ``gx2`` package (Imhof and Ruben's series; Das & Geisler 2021).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest
from _chi2_oracle import contour_log_cdf_mp, ncx2_log_cdf_mp
from scipy import stats

from ibcomplexity import InputError
from ibcomplexity.distributions import GeneralizedChiSquare


def _random_model(seed: int, n: int = 50, dof: float = 10.0, offset: float = 0.3):
    """``n`` components, weights log-uniform over two decades, exponential noncentralities."""
    rng = np.random.default_rng(seed)
    w = 10.0 ** rng.uniform(-2.0, 0.0, n)
    return GeneralizedChiSquare(w, dof, rng.exponential(1.0, n), offset)


MIXED = GeneralizedChiSquare([0.2, 1.0, 3.0], [2.0, 3.0, 5.0], [0.5, 4.0, 1.0], offset=0.5)


# ------------------------------------------------------------------------------ construction
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(weights=[1.0, -0.5], dofs=1.0), "weights must be >= 0"),
        (dict(weights=[1.0, np.nan], dofs=1.0), "weights must be finite"),
        (dict(weights=[1.0, np.inf], dofs=1.0), "weights must be finite"),
        (dict(weights=[[1.0, 2.0]], dofs=1.0), "1-D"),
        (dict(weights=[1.0, 2.0], dofs=[1.0, 2.0, 3.0]), "shape of weights"),
        (dict(weights=[1.0, 2.0], dofs=[1.0, 0.0]), "dofs must be > 0"),
        (dict(weights=[1.0, 2.0], dofs=[1.0, np.nan]), "dofs must be finite"),
        (dict(weights=[1.0, 2.0], dofs=1.0, noncentralities=[0.0, -1.0]), "noncentralities"),
        (dict(weights=[1.0, 2.0], dofs=1.0, noncentralities=[1.0]), "shape of weights"),
        (dict(weights=[1.0], dofs=1.0, noncentralities=np.nan), "noncentralities must be"),
        (dict(weights=[1.0], dofs=1.0, offset=np.nan), "offset must be finite"),
        (dict(weights=[1.0], dofs=1.0, offset="a"), "offset must be a real number"),
        (dict(weights=["a"], dofs=1.0), "weights must be an array of real numbers"),
    ],
)
def test_bad_parameters_raise_input_error(kwargs, match):
    with pytest.raises(InputError, match=match):
        GeneralizedChiSquare(**kwargs)


def test_bad_arguments_raise_input_error():
    q = GeneralizedChiSquare([1.0], 2.0)
    with pytest.raises(InputError, match="NaN"):
        q.log_cdf([1.0, np.nan])
    with pytest.raises(InputError, match="method"):
        q.log_cdf(1.0, method="exact")
    with pytest.raises(InputError, match="n must be"):
        q.sample(None, -1)


def test_zero_weights_are_dropped_and_scalars_broadcast():
    q = GeneralizedChiSquare([1.0, 0.0, 2.0], [3.0, 4.0, 5.0], [0.0, 7.0, 2.0], 1.5)
    ref = GeneralizedChiSquare([1.0, 2.0], [3.0, 5.0], [0.0, 2.0], 1.5)
    assert q == ref and hash(q) == hash(ref)
    assert q.num_components == 2 and q.total_dof == 8.0
    np.testing.assert_array_equal(q.log_cdf([2.0, 9.0]), ref.log_cdf([2.0, 9.0]))
    b = GeneralizedChiSquare([1.0, 2.0], 10, 0)
    np.testing.assert_array_equal(b.dofs, [10.0, 10.0])
    np.testing.assert_array_equal(b.noncentralities, [0.0, 0.0])


def test_frozen_and_hashable():
    q = GeneralizedChiSquare([1.0, 2.0], 3.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.offset = 1.0
    with pytest.raises(ValueError):
        q.weights[0] = 5.0
    assert len({q, GeneralizedChiSquare([1.0, 2.0], [3.0, 3.0])}) == 1
    assert q != GeneralizedChiSquare([1.0, 2.0], 3.0, offset=1.0)


def test_point_mass_when_all_weights_are_zero():
    q = GeneralizedChiSquare([0.0, 0.0], 3.0, 1.0, offset=2.0)
    assert q.num_components == 0 and q.mean == 2.0 and q.variance == 0.0
    np.testing.assert_array_equal(q.log_cdf([1.0, 2.0, 3.0]), [-np.inf, 0.0, 0.0])
    np.testing.assert_array_equal(q.log_sf([1.0, 2.0, 3.0]), [0.0, -np.inf, -np.inf])
    assert float(q.small_x_asymptote(3.0)) == 0.0
    np.testing.assert_array_equal(q.chernoff_log_cdf([1.0, 3.0]).log_cdf_bound, [-np.inf, 0.0])


def test_shapes_and_scalars():
    q = MIXED
    assert isinstance(q.log_cdf(3.0), np.float64)
    assert q.log_cdf(np.full((2, 3), 4.0)).shape == (2, 3)
    assert q.saddlepoint(np.ones(4)).t.shape == (4,)
    assert q.log_sf([]).shape == (0,)


# ------------------------------------------------------------------------------ moments, CGF
def test_moments_match_scipy_and_cgf_derivatives():
    q = GeneralizedChiSquare([2.5], 7.0, 3.0, offset=1.0)
    mean, var = stats.ncx2.stats(7.0, 3.0, loc=1.0, scale=2.5, moments="mv")
    assert q.mean == pytest.approx(mean, rel=1e-14)
    assert q.variance == pytest.approx(var, rel=1e-14)
    assert q.min_value == 1.0
    m = MIXED
    k1, k2, k3 = m.cgf_derivatives(0.0)
    assert k1 == pytest.approx(m.mean, rel=1e-14)
    assert k2 == pytest.approx(m.variance, rel=1e-14)
    w, k, lam = m.weights, m.dofs, m.noncentralities
    assert k3 == pytest.approx(np.sum(8 * w**3 * (k + 3 * lam)), rel=1e-14)  # third cumulant
    assert m.cgf(0.0) == 0.0


@pytest.mark.parametrize("t", [-30.0, -1.0, -0.01, 0.05, 0.15])
def test_cgf_derivatives_match_finite_differences(t):
    q = MIXED
    h = 1e-4 * min(max(1.0, abs(t)), q.t_max - t)  # steps well inside the pole at t_max
    k1, k2, k3 = q.cgf_derivatives(t)
    d1 = (q.cgf(t + h) - q.cgf(t - h)) / (2 * h)
    kp, km = q.cgf_derivatives(t + h), q.cgf_derivatives(t - h)
    assert k1 == pytest.approx(d1, rel=1e-6)
    assert k2 == pytest.approx((kp[0] - km[0]) / (2 * h), rel=1e-6)
    assert k3 == pytest.approx((kp[1] - km[1]) / (2 * h), rel=1e-6)


def test_cgf_is_infinite_from_t_max_on():
    q = MIXED
    assert q.t_max == pytest.approx(1.0 / 6.0)
    assert q.cgf(q.t_max) == np.inf and q.cgf(1.0) == np.inf
    assert all(d == np.inf for d in q.cgf_derivatives(0.2))
    assert np.isfinite(q.cgf(0.99 * q.t_max))


def test_saddlepoint_solves_the_saddlepoint_equation():
    q = _random_model(0)
    x = q.mean + math.sqrt(q.variance) * np.array([-5.0, -1.0, -0.01, 0.01, 1.0, 5.0])
    x = np.concatenate([x, q.offset + q.mean * np.array([1e-12, 1e-6, 1e-2])])
    sp = q.saddlepoint(x)
    np.testing.assert_allclose(q.cgf_derivatives(sp.t)[0], x, rtol=1e-13)
    # t x - K(t) cancels in float64 (to ~1e-8 relative at 6000 nats); the rate does not.
    np.testing.assert_allclose(sp.rate, sp.t * x - q.cgf(sp.t), rtol=1e-7, atol=1e-12)
    assert np.all(np.sign(sp.t) == np.sign(x - q.mean))
    edge = q.saddlepoint([q.offset, np.inf, q.mean])
    np.testing.assert_array_equal(edge.t, [-np.inf, q.t_max, 0.0])
    np.testing.assert_array_equal(edge.rate, [np.inf, np.inf, 0.0])


# ------------------------------------------------------------------------------ special values
@pytest.mark.parametrize("method", ["auto", "saddlepoint", "imhof"])
def test_special_values(method):
    q = MIXED
    below = [q.offset - 10.0, q.offset, np.nextafter(q.offset, -np.inf), -np.inf]
    assert np.all(q.log_cdf(below, method) == -np.inf)
    assert np.all(q.log_sf(below, method) == 0.0)
    assert q.log_cdf(np.inf, method) == 0.0 and q.log_sf(np.inf, method) == -np.inf
    assert np.isfinite(q.log_cdf(np.nextafter(q.offset, np.inf), "saddlepoint"))


# ------------------------------------------------------------------------------ equal weights
EQUAL = [(1.0, 0.0), (4.0, 0.0), (10.0, 3.0), (50.0, 20.0)]


@pytest.mark.parametrize(("dof", "nc"), EQUAL)
def test_bulk_matches_scipy_ncx2(dof, nc):
    w, c0 = 0.7, -1.3
    q = GeneralizedChiSquare(np.full(3, w), dof / 3, nc / 3, c0)
    y = stats.ncx2.ppf(np.array([1e-5, 1e-3, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999]), dof, nc)
    x = c0 + w * y
    y = (x - c0) / w  # the y that x represents (x - c0 is exact; rounding x moves P(1e-5) by 1e-12)
    exact_c, exact_s = stats.ncx2.logcdf(y, dof, nc), stats.ncx2.logsf(y, dof, nc)
    # auto is Imhof here: measured absolute error <= 3e-14 in P.
    np.testing.assert_allclose(np.exp(q.log_cdf(x)), np.exp(exact_c), rtol=0, atol=2e-13)
    np.testing.assert_allclose(q.log_cdf(x), exact_c, rtol=1e-8)
    np.testing.assert_allclose(q.log_sf(x), exact_s, rtol=1e-8)
    # Lugannani-Rice: |error of log P| stays below Stirling's remainder 1/(6N) of
    # lgamma(N/2 + 1), the limit it reaches in the far lower tail (see the tail tests), plus
    # 1/N^2 for the bulk (measured max ratio 0.95 of the first term for N >= 4).
    tol = 1.0 / (6.0 * dof) + 1.0 / dof**2
    assert np.max(np.abs(q.log_cdf(x, "saddlepoint") - exact_c)) < tol
    assert np.max(np.abs(q.log_sf(x, "saddlepoint") - exact_s)) < tol


@pytest.mark.parametrize(("dof", "nc"), [(4.0, 0.0), (10.0, 3.0), (50.0, 20.0), (500.0, 100.0)])
def test_saddlepoint_far_lower_tail_against_mpmath(dof, nc):
    """Relative error of -log P shrinks into the tail; the absolute error tends to 1/(6N)."""
    q = GeneralizedChiSquare([1.0], dof, nc)
    fractions = 10.0 ** np.array([-1.0, -4.0, -30.0, -100.0, -300.0])
    x = (dof + nc) * fractions
    exact = np.array([ncx2_log_cdf_mp(v, dof, nc) for v in x])
    sp = q.log_cdf(x, "saddlepoint")
    err = np.abs(sp - exact)
    assert np.all(err < 1.05 / (6.0 * dof))
    assert err[-1] == pytest.approx(1.0 / (6.0 * dof), rel=0.02)
    rel = err / np.abs(exact)
    assert np.all(np.diff(rel[1:]) < 0)  # shrinking once past the bulk
    if dof >= 10:
        assert np.all(rel[exact < -10] < 1e-3)
    np.testing.assert_array_equal(q.log_cdf(x[-3:]), sp[-3:])  # auto is the saddlepoint here


def test_saddlepoint_reaches_1e5_nats_with_equal_weights():
    q = GeneralizedChiSquare(np.full(50, 2.0), 10.0, 2.0)  # = 2 chi'^2_500(100)
    x = 2.0 * 600.0 * 10.0 ** np.array([-120.0, -180.0])
    exact = np.array([ncx2_log_cdf_mp(v / 2.0, 500.0, 100.0) for v in x])
    assert exact[-1] < -1e5
    np.testing.assert_allclose(q.log_cdf(x), exact, rtol=5e-9)


@pytest.mark.parametrize(("dof", "nc"), [(4.0, 0.0), (10.0, 3.0), (50.0, 20.0)])
def test_saddlepoint_far_upper_tail_against_mpmath(dof, nc):
    q = GeneralizedChiSquare([1.0], dof, nc)
    x = (dof + nc) * np.array([2.0, 5.0, 20.0, 600.0])
    exact = np.array([ncx2_log_cdf_mp(v, dof, nc, upper=True) for v in x])
    sp = q.log_sf(x, "saddlepoint")
    # In the upper tail the error in log P tends to a constant too (measured <= 0.05/N... here
    # bounded by the same Stirling-type 1/(6N)).
    assert np.all(np.abs(sp - exact) < 1.0 / (6.0 * dof))
    assert exact[-1] < -1000


# ------------------------------------------------------------------------------ unequal weights
def test_tails_of_unequal_weights_against_the_contour_integral():
    # N = 500 in 20 components (the mpmath oracle's cost grows with their number); offset 0,
    # because float64 x resolves y = x - c0 down to 1e-308 only at c0 = 0.
    q = _random_model(1, n=20, dof=25.0, offset=0.0)
    # Points where -log P is about 10, 1e2, 1e3, 1e4 and 1e5 nats.
    log_y = np.log(q.mean - q.offset) + np.linspace(-600.0, -0.1, 80)
    log_p = q.log_cdf(q.offset + np.exp(log_y))
    x = q.offset + np.exp(np.interp([-10.0, -1e2, -1e3, -1e4, -1e5], log_p, log_y))
    w, k, lam = q.weights, q.dofs, q.noncentralities
    exact = np.array([contour_log_cdf_mp(v, w, k, lam, q.offset, dps=20) for v in x])
    got = q.log_cdf(x)
    assert exact[-1] < -5e4
    # Measured: 7e-16 at 10 nats (auto is Imhof there), then the saddlepoint: 1.5e-5 at 100 nats
    # falling to 3e-9 at 1e5 nats.
    rel = np.abs(got - exact) / np.abs(exact)
    assert rel[0] < 1e-10
    assert np.all(rel < 3e-5)
    assert np.all(np.diff(rel[1:]) < 0)
    assert np.all(np.abs(got - exact) < 1.0 / (6.0 * q.total_dof) + 1e-3)


def test_bulk_against_gx2():
    gx2 = pytest.importorskip("gx2")
    q = _random_model(2)
    x = q.mean + math.sqrt(q.variance) * np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])
    w, k, lam = q.weights, q.dofs, q.noncentralities
    tol = dict(method="imhof", AbsTol=1e-15, RelTol=1e-13)
    p_lower = gx2.cdf(x, w, k, lam, 0.0, q.offset, **tol)
    p_upper = gx2.cdf(x, w, k, lam, 0.0, q.offset, side="upper", **tol)
    # Imhof against Imhof (independent codes): agreement to ~1e-13 in P.
    np.testing.assert_allclose(q.log_cdf(x, "imhof"), np.log(p_lower), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(q.log_sf(x, "imhof"), np.log(p_upper), rtol=1e-10, atol=1e-12)
    # auto blends in the saddlepoint for P in (1e-8, 1e-6) (x[0]: P = 7e-7) and is Imhof above.
    np.testing.assert_allclose(q.log_cdf(x[1:]), np.log(p_lower[1:]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(q.log_cdf(x[0]), np.log(p_lower[0]), rtol=1e-5)
    # The saddlepoint is within its O(1/N) error (N = 500) of the exact values.
    np.testing.assert_allclose(q.log_cdf(x, "saddlepoint"), np.log(p_lower), rtol=1e-3, atol=1e-5)


def test_small_model_against_gx2_ruben_series():
    gx2 = pytest.importorskip("gx2")
    q = MIXED
    x = q.offset + np.array([0.05, 0.5, 2.0, q.mean - q.offset, 30.0, 60.0])
    w, k, lam = q.weights, q.dofs, q.noncentralities
    p_lower = gx2.cdf(x, w, k, lam, 0.0, q.offset, method="ruben")
    p_upper = gx2.cdf(x, w, k, lam, 0.0, q.offset, side="upper", method="ruben")
    # Imhof where P >= 1e-6 (x[2:]): agreement to ~1e-13. x[:2] (P = 2e-12, 1e-7) use the
    # saddlepoint, within its Stirling-type error 1/(6N) (N = 10; measured 0.011, 0.004).
    np.testing.assert_allclose(q.log_cdf(x[2:]), np.log(p_lower[2:]), rtol=1e-10)
    np.testing.assert_allclose(q.log_sf(x[2:]), np.log(p_upper[2:]), rtol=1e-10)
    np.testing.assert_allclose(q.log_sf(x[:2]), np.log(p_upper[:2]), rtol=1e-2)
    assert np.all(np.abs(q.log_cdf(x[:2]) - np.log(p_lower[:2])) < 1.0 / (6.0 * q.total_dof))
    np.testing.assert_allclose(q.log_cdf(x, "imhof")[1:], np.log(p_lower[1:]), rtol=1e-8)


# ------------------------------------------------------------------------------ performance
def test_saddlepoint_is_fast_for_ten_thousand_components():
    rng = np.random.default_rng(3)
    n = 10_000
    q = GeneralizedChiSquare(10.0 ** rng.uniform(-3, 0, n) / (10 * n), 10.0, rng.exponential(2, n))
    xs = q.offset + q.mean * np.array([0.999, 0.9, 0.5, 1e-3, 1e-30])
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for x in xs:
            q.log_cdf(x, "saddlepoint")
        best = min(best, (time.perf_counter() - start) / xs.size)
    assert best < 0.1  # measured ~2 ms


def test_imhof_is_fast_for_a_thousand_components():
    rng = np.random.default_rng(4)
    n = 1000
    q = GeneralizedChiSquare(10.0 ** rng.uniform(-2, 0, n), 10.0, rng.exponential(1, n))
    x = q.mean + math.sqrt(q.variance) * np.array([-2.0, 0.3, 2.0])
    start = time.perf_counter()
    for v in x:
        q.log_cdf(v, "imhof")
    assert (time.perf_counter() - start) / x.size < 1.0  # measured ~10 ms


# ------------------------------------------------------------------------------ robustness
@pytest.mark.parametrize("dof", [0.05, 0.5])
def test_auto_is_exact_for_fewer_than_one_degree_of_freedom(dof):
    """N < 1: the saddlepoint fails, so auto uses Imhof and the small-x expansion near 0."""
    q = GeneralizedChiSquare([1.0], dof)
    y = np.array([1e-300, 1e-100, 1e-30, 1e-5, 0.01, 0.5, 2.0, 10.0])
    np.testing.assert_allclose(q.log_cdf(y), stats.chi2.logcdf(y, dof), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(q.log_sf(y), stats.chi2.logsf(y, dof), rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(q.log_cdf(np.logspace(-300, 1, 25))) > 0)


def test_extreme_weight_scales_are_handled_by_exact_power_of_two_rescaling():
    base = MIXED
    x = base.offset + np.array([1e-3, 0.5, 5.0, 15.0, 40.0])
    for scale in (2.0**-990, 2.0**-40, 2.0**30, 2.0**900):
        q = GeneralizedChiSquare(
            scale * base.weights, base.dofs, base.noncentralities, scale * base.offset
        )
        for method in ("saddlepoint", "auto"):
            np.testing.assert_array_equal(q.log_cdf(scale * x, method), base.log_cdf(x, method))
        np.testing.assert_array_equal(q.saddlepoint(scale * x).t, base.saddlepoint(x).t / scale)
        assert q.mean == pytest.approx(scale * base.mean, rel=1e-15)
    q = GeneralizedChiSquare([1e-300], 2.0)
    assert q.variance == 0.0  # underflows, but the probabilities do not need it
    assert q.log_cdf(1e-300) == pytest.approx(stats.chi2.logcdf(1.0, 2.0), rel=1e-12)


def test_absurdly_far_points_give_finite_or_infinite_logs_without_warnings():
    q = MIXED
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        far = q.log_sf(q.offset + np.array([1e10, 1e100, 1e300]))
        zero = GeneralizedChiSquare(q.weights, q.dofs, q.noncentralities)  # offset 0
        near = zero.log_cdf(np.array([1e-300, 1e-310]))  # a normal and a subnormal x
    assert np.all(np.diff(far) < 0) and far[-1] < -1e299
    assert np.all(np.isfinite(near)) and near[1] < near[0]
    assert np.isnan(q.log_sf(q.offset + 1e100, "imhof"))  # out of Imhof's reach: says so
