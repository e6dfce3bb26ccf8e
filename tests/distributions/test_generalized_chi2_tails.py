"""GeneralizedChiSquare in the far lower tail: 1e5 nats, the Chernoff bound, the small-x asymptote.

Oracles: the Poisson-mixture CDF and the exact contour integral in mpmath (``_chi2_oracle.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _chi2_oracle import contour_log_cdf_mp, ncx2_log_cdf_mp

from ibcomplexity.distributions import GeneralizedChiSquare


def _model(seed: int, n: int = 50, dof: float = 10.0, offset: float = 0.0):
    rng = np.random.default_rng(seed)
    return GeneralizedChiSquare(
        10.0 ** rng.uniform(-2.0, 0.0, n), dof, rng.exponential(1.0, n), offset
    )


def _lower_grid(q: GeneralizedChiSquare, decades: float, num: int = 300) -> np.ndarray:
    """``num`` points from just below the mean down to ``offset + (mean - offset) 10^-decades``."""
    return q.offset + (q.mean - q.offset) * 10.0 ** np.linspace(-decades, -1e-3, num)


@pytest.mark.parametrize("seed", [0, 1])
def test_deep_tail_is_finite_monotone_and_reaches_1e5_nats(seed):
    q = _model(seed)
    x = _lower_grid(q, 280.0)
    for method in ("saddlepoint", "auto"):
        lp = q.log_cdf(x, method)
        assert np.all(np.isfinite(lp)) and np.all(lp <= 0.0)
        assert np.all(np.diff(lp) > 0.0)
        assert lp[0] < -1e5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chernoff_bound_is_below_the_saddlepoint_information(seed):
    """-bound <= -log P everywhere, and the gap tends to (1/2) log(pi N) in the far tail."""
    q = _model(seed, n=20 + 15 * seed, dof=2.0 + 4.0 * seed, offset=0.1 * seed)
    decades = 200.0 if seed == 0 else 12.0  # offset != 0 limits how close to it x can get
    x = _lower_grid(q, decades)
    chern = q.chernoff_log_cdf(x)
    for method in ("saddlepoint", "auto"):
        lp = q.log_cdf(x, method)
        gap = chern.log_cdf_bound - lp  # = (-log P) - (Chernoff lower bound on -log P)
        assert np.all(gap >= -1e-12 * np.abs(lp))
        # Lugannani-Rice in the tail: gap = (1/2) log(2 pi) - log(1/|u|) -> (1/2) log(pi N),
        # since u^2 -> N/2; measured max gap within 1e-3 of that limit.
        assert np.all(gap <= 0.5 * math.log(math.pi * q.total_dof) + 0.01)
    assert np.all(chern.t < 0.0)
    sp = q.saddlepoint(x)
    np.testing.assert_array_equal(chern.t, sp.t)
    if seed == 0:
        assert gap[0] == pytest.approx(0.5 * math.log(math.pi * q.total_dof), abs=0.02)


def test_chernoff_bound_edges_and_exactness_of_the_bound():
    q = _model(3, n=5, dof=3.0, offset=1.0)
    chern = q.chernoff_log_cdf([0.5, 1.0, q.mean, q.mean + 5.0])
    np.testing.assert_array_equal(chern.log_cdf_bound, [-np.inf, -np.inf, 0.0, 0.0])
    np.testing.assert_array_equal(chern.t, [-np.inf, -np.inf, 0.0, 0.0])
    # The bound is K(t) - t x at the returned t, and no other t < 0 gives a smaller value.
    x = q.offset + 0.3 * (q.mean - q.offset)
    b = q.chernoff_log_cdf(x)
    assert b.log_cdf_bound == pytest.approx(q.cgf(b.t) - b.t * x, rel=1e-12)
    ts = b.t * np.array([0.5, 0.9, 0.99, 1.01, 1.1, 2.0])
    assert np.all(q.cgf(ts) - ts * x >= b.log_cdf_bound)


@pytest.mark.parametrize(("dof", "nc", "w"), [(1.0, 0.0, 1.0), (10.0, 3.0, 0.5), (60.0, 30.0, 2.0)])
def test_small_x_asymptote_against_the_exact_equal_weight_cdf(dof, nc, w):
    """-log P - asymptote = O(y): the relative correction to P is a power series in y."""
    q = GeneralizedChiSquare([w], dof, nc, offset=-2.0)
    ys = w * np.array([1e-2, 1e-4, 1e-6])
    exact = np.array([-ncx2_log_cdf_mp(y / w, dof, nc) for y in ys])
    asym = q.small_x_asymptote(q.offset + ys)
    diff = np.abs(exact - asym)
    assert np.all(diff[1:] < diff[:-1] / 50.0)  # shrinking about linearly in y
    assert diff[-1] < 1e-4 * (1.0 + nc)
    # The saddlepoint's -log P approaches the asymptote up to its own 1/(6N) error.
    sp = -q.log_cdf(q.offset + ys, "saddlepoint")
    assert np.all(np.abs(sp - exact) < 1.0 / (6.0 * dof) + 1e-12)


def test_small_x_asymptote_with_unequal_weights():
    q = GeneralizedChiSquare([0.3, 1.0, 4.0], [2.0, 3.5, 5.0], [0.5, 4.0, 1.0])
    ys = np.array([1e-3, 1e-6, 1e-30, 1e-200])
    asym = q.small_x_asymptote(ys)
    exact = contour_log_cdf_mp(1e-6, q.weights, q.dofs, q.noncentralities)
    assert abs(-exact - asym[1]) < 1e-5  # O(y / min w)
    sp = -q.log_cdf(ys, "saddlepoint")
    rel = np.abs(sp - asym) / asym
    assert np.all(np.diff(rel) < 0.0) and rel[-1] < 2e-5
    # In the limit only the saddlepoint's Stirling-type error remains.
    assert abs(sp[-1] - asym[-1]) < 1.0 / (6.0 * q.total_dof)
    assert q.small_x_asymptote(0.0) == np.inf and q.small_x_asymptote(-1.0) == np.inf


def test_small_x_asymptote_formula():
    q = GeneralizedChiSquare([0.5, 2.0], [3.0, 4.0], [1.0, 2.0], offset=1.0)
    y = 1e-3
    n_dof = 7.0
    expected = (
        -0.5 * n_dof * math.log(y)
        + 1.5 * math.log(1.0)
        + 2.0 * math.log(4.0)
        + math.lgamma(4.5)
        + 1.5
    )
    assert q.small_x_asymptote(1.0 + y) == pytest.approx(expected, rel=1e-14)
