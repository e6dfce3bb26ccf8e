"""GeneralizedChiSquare against Monte Carlo, its JAX sampler against the exact law, and properties.

Monte-Carlo tolerances come from the sampling distribution of an order statistic: at the empirical
p-quantile of n draws, P(x) ~ Beta(pn, (1-p)n + 1), whose standard deviation is the binomial
sqrt(p(1-p)/n); the tests allow 4 of them (a false alarm 6e-5 of the time per check, and the
seeds are fixed).
"""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ibcomplexity.distributions import GeneralizedChiSquare

#: Training-heavy or large statistical checks: CI runs them (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

SIGMAS = 4.0


def _random_model(seed: int, n: int = 50, dof: float = 10.0):
    """Weights log-uniform over two decades, exponential noncentralities, a random offset."""
    rng = np.random.default_rng(seed)
    w = 10.0 ** rng.uniform(-2.0, 0.0, n)
    return GeneralizedChiSquare(w, dof, rng.exponential(2.0, n), rng.uniform(-1.0, 1.0))


def _numpy_draws(q: GeneralizedChiSquare, n: int, seed: int) -> np.ndarray:
    """``n`` draws with NumPy's own noncentral chi-square (independent of ``q.sample``)."""
    rng = np.random.default_rng(seed)
    rows = 50_000
    out = np.empty(n)
    for start in range(0, n, rows):
        size = min(rows, n - start)
        x = rng.noncentral_chisquare(
            q.dofs, np.maximum(q.noncentralities, 1e-300), (size, len(q.dofs))
        )
        out[start : start + size] = x @ q.weights + q.offset
    return out


def _check_quantiles(q: GeneralizedChiSquare, draws: np.ndarray, method: str):
    n = draws.size
    for p in (1e-3, 1e-2, 0.1):
        r = int(p * n)
        lower = np.partition(draws, [r - 1, n - r])
        # P(Q <= Q_(r)) and P(Q > Q_(n-r+1)) both have mean ~ r / n.
        for got in (
            np.exp(q.log_cdf(lower[r - 1], method)),
            np.exp(q.log_sf(lower[n - r], method)),
        ):
            tol = SIGMAS * math.sqrt(p * (1.0 - p) / n)
            assert abs(got - r / n) < tol, (method, p, got, r / n, tol)


SLOW = pytest.mark.slow


@pytest.mark.parametrize("seed", [0, 2, *(pytest.param(s, marks=SLOW) for s in range(10, 18))])
def test_quantiles_against_a_million_draws(seed):
    q = _random_model(seed)
    draws = _numpy_draws(q, 1_000_000, seed + 100)
    for method in ("auto", "saddlepoint"):
        _check_quantiles(q, draws, method)


@pytest.mark.parametrize("seed", [3, *(pytest.param(s, marks=SLOW) for s in range(20, 26))])
def test_quantiles_against_a_million_draws_of_few_components(seed):
    """Four components with 1.5 degrees of freedom each: auto uses Imhof's Fourier-tail path."""
    q = _random_model(seed, n=4, dof=1.5)
    _check_quantiles(q, _numpy_draws(q, 1_000_000, seed + 100), "auto")


# ------------------------------------------------------------------------------ the JAX sampler
SAMPLE_SIZE = 50_000
SAMPLED = GeneralizedChiSquare([0.5, 1.0, 2.0], [0.5, 3.0, 7.7], [2.0, 0.0, 1.0], offset=0.2)


def test_sampler_matches_the_exact_law():
    """Chi-square goodness of fit on 20 equiprobable-ish bins with exact (Imhof) probabilities."""
    q = SAMPLED
    n = SAMPLE_SIZE
    draws = np.asarray(q.sample(jax.random.key(0), n), dtype=np.float64)
    assert draws.shape == (n,) and np.all(draws > q.offset)
    edges = np.quantile(draws, np.linspace(0, 1, 21)[1:-1])  # data-driven edges only set bins
    cdf = np.exp(q.log_cdf(edges))
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    counts = np.bincount(np.searchsorted(edges, draws), minlength=20)
    chi2 = np.sum((counts - n * probs) ** 2 / (n * probs))
    # Edges from the same data cost at most a few degrees of freedom; 19 is conservative and
    # the statistic is compared against the 1e-4 upper quantile.
    assert chi2 < stats.chi2.ppf(1 - 1e-4, 19)
    se_mean = math.sqrt(q.variance / n)
    assert abs(draws.mean() - q.mean) < SIGMAS * se_mean


def test_sampler_is_deterministic_and_jittable():
    q = SAMPLED
    key = jax.random.key(0)
    a = q.sample(key, SAMPLE_SIZE)  # same shape as above: JAX's compiled kernels are reused
    np.testing.assert_array_equal(a, q.sample(key, SAMPLE_SIZE))
    jitted = jax.jit(q.sample, static_argnums=1)(key, SAMPLE_SIZE)
    np.testing.assert_allclose(jitted, a, rtol=1e-6)  # XLA may fuse float32 ops differently
    assert q.sample(key, 0).shape == (0,)
    point = GeneralizedChiSquare([0.0], 1.0, offset=3.0)
    np.testing.assert_array_equal(point.sample(key, 3), [3.0, 3.0, 3.0])


# ------------------------------------------------------------------------------ properties
components = st.integers(1, 5).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.05, 20.0), min_size=n, max_size=n),
        st.lists(st.floats(0.5, 30.0), min_size=n, max_size=n),
        st.lists(st.floats(0.0, 20.0), min_size=n, max_size=n),
        st.floats(-10.0, 10.0),
    )
)
SETTINGS = settings(max_examples=20, deadline=None)
# Relative agreement expected between two evaluations that differ only in rounding: the
# saddlepoint's linear bridge over the mean inherits ~ eps (scale/sd) / 1e-6 from its end points
# (module constant _LR_CENTER_CUTOFF), up to ~5e-8 here; Imhof (auto in the bulk) is ~1e-14.
RTOL = {"saddlepoint": 1e-7, "auto": 1e-9}


def _grid(q: GeneralizedChiSquare) -> np.ndarray:
    """Points from near the offset to 8 standard deviations above the mean."""
    sd = math.sqrt(q.variance)
    low = q.offset + (q.mean - q.offset) * 10.0 ** np.linspace(-6, -0.01, 8)
    return np.unique(np.concatenate([low, q.mean + sd * np.linspace(-1.0, 8.0, 10)]))


@SETTINGS
@given(components)
def test_log_cdf_is_monotone_nonpositive_and_consistent_with_log_sf(params):
    q = GeneralizedChiSquare(*params)
    x = _grid(q)
    for method in ("saddlepoint", "auto"):
        lc, ls = q.log_cdf(x, method), q.log_sf(x, method)
        assert np.all(lc <= 0.0) and np.all(ls <= 0.0)
        assert np.all(np.diff(lc) >= -1e-12 * np.abs(lc[1:]))
        assert np.all(np.diff(ls) <= 1e-12 * np.abs(ls[:-1]))
        bulk = (lc > math.log(1e-3)) & (ls > math.log(1e-3))
        np.testing.assert_allclose(np.logaddexp(lc, ls)[bulk], 0.0, atol=1e-12)


def _bulk(q: GeneralizedChiSquare) -> np.ndarray:
    """Four points within two standard deviations of the mean (where auto is Imhof)."""
    return np.maximum(
        q.mean + math.sqrt(q.variance) * np.array([-2.0, -0.5, 0.7, 2.0]),
        q.offset + 0.5 * (q.mean - q.offset),
    )


@SETTINGS
@given(components, st.randoms(use_true_random=False))
def test_invariant_under_permuting_components(params, rnd):
    w, k, lam, c0 = params
    order = list(range(len(w)))
    rnd.shuffle(order)
    q = GeneralizedChiSquare(w, k, lam, c0)
    p = GeneralizedChiSquare(*(np.asarray(a)[order] for a in (w, k, lam)), c0)
    for method, x in (("saddlepoint", _grid(q)), ("auto", _bulk(q))):
        got, want = p.log_cdf(x, method), q.log_cdf(x, method)
        np.testing.assert_allclose(got, want, rtol=RTOL[method], atol=1e-12)


@SETTINGS
@given(components, st.floats(1e-3, 1e3))
def test_scaling(params, a):
    """log P(Q <= x) = log P(aQ <= ax) for a > 0."""
    w, k, lam, c0 = params
    q = GeneralizedChiSquare(w, k, lam, c0)
    s = GeneralizedChiSquare(a * np.asarray(w), k, lam, a * c0)
    for method, x in (("saddlepoint", _grid(q)), ("auto", _bulk(q))):
        got, want = s.log_cdf(a * x, method), q.log_cdf(x, method)
        np.testing.assert_allclose(got, want, rtol=RTOL[method], atol=1e-12)
