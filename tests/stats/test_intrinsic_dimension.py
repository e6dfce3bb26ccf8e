"""Intrinsic dimension: known answers on spheres and tori, a brute-force oracle, invariances."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ibcomplexity.stats import intrinsic_dimension_mle, intrinsic_dimension_twonn

N_POINTS = 4000
AMBIENT = 128

# Tolerances on value/m - 1, measured for N_POINTS=4000 points rotated into AMBIENT=128 dimensions
# over 8 seeds (0..7; see the table in each row's comment: observed min..max of value/m - 1).
# The bands below contain every observed value with margin. At low m both estimators are within a
# few percent. At high m they are biased at finite n, in opposite directions on the two manifolds:
# the round sphere is *under*-estimated (curvature folds far neighbours closer), the flat torus
# embedded as a product of circles is *over*-estimated (chord distances saturate at 2 per circle,
# so neighbour distances look more concentrated). These are properties of the estimators with
# 4000 points, not of the implementation (the oracle test below checks the formula exactly).
KNOWN = [
    # manifold, m, MLE band, TwoNN band
    ("sphere", 2, (-0.04, 0.04), (-0.05, 0.03)),  # MLE -0.022..0.015, TwoNN -0.032..0.009
    ("sphere", 5, (-0.04, 0.03), (-0.06, 0.03)),  # MLE -0.017..0.008, TwoNN -0.038..0.008
    ("sphere", 10, (-0.10, -0.03), (-0.11, -0.02)),  # MLE -0.073..-0.053, TwoNN -0.082..-0.046
    ("sphere", 20, (-0.21, -0.13), (-0.21, -0.09)),  # MLE -0.177..-0.160, TwoNN -0.175..-0.120
    ("torus", 2, (-0.03, 0.02), (-0.07, 0.07)),  # MLE -0.014..0.005, TwoNN -0.044..0.047
    ("torus", 5, (-0.01, 0.08), (-0.03, 0.07)),  # MLE 0.008..0.052, TwoNN -0.005..0.046
    ("torus", 10, (0.15, 0.25), (0.10, 0.25)),  # MLE 0.185..0.219, TwoNN 0.138..0.211
    ("torus", 20, (0.17, 0.28), (0.17, 0.28)),  # MLE 0.204..0.240, TwoNN 0.209..0.248
]


@pytest.mark.parametrize("manifold, m, mle_band, twonn_band", KNOWN)
def test_known_manifolds(manifold, m, mle_band, twonn_band, sphere, torus):
    sample = sphere if manifold == "sphere" else torus
    x = sample(N_POINTS, m, AMBIENT, seed=m)
    key = jax.random.key(m)
    mle = intrinsic_dimension_mle(key, x)
    twonn = intrinsic_dimension_twonn(key, x)
    assert mle_band[0] <= mle.value / m - 1 <= mle_band[1], mle.value
    assert twonn_band[0] <= twonn.value / m - 1 <= twonn_band[1], twonn.value
    assert (mle.method, mle.k, mle.num_points, mle.num_queries) == ("mle", 5, N_POINTS, N_POINTS)
    assert (twonn.method, twonn.k) == ("twonn", 2)


def test_estimates_grow_with_dimension(sphere):
    values = [
        intrinsic_dimension_mle(jax.random.key(0), sphere(2000, m, 64, seed=m)).value
        for m in (2, 5, 10)
    ]
    assert values[0] < values[1] < values[2]


def _reference_neighbours(x: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Sorted distances to the k nearest other points, from the full float64 cdist matrix."""
    dist = cdist(x[queries], x)
    dist[np.arange(queries.size), queries] = np.inf
    return np.sort(dist, axis=1)[:, :k]


@pytest.mark.parametrize("k", [2, 5, 9])
def test_mle_matches_bruteforce_formula(k, sphere):
    x = sphere(700, 4, 40, seed=1)
    t = _reference_neighbours(x, np.arange(700), k)
    expected = 1.0 / np.mean(np.log(t[:, -1:] / t[:, :-1]))
    got = intrinsic_dimension_mle(jax.random.key(0), x, k=k, chunk_size=128)
    np.testing.assert_allclose(got.value, expected, rtol=1e-10)


@pytest.mark.parametrize("discard_fraction", [0.0, 0.1, 0.3])
def test_twonn_matches_censored_mle(discard_fraction, torus):
    x = torus(600, 3, 20, seed=2)
    t = _reference_neighbours(x, np.arange(600), 2)
    logs = np.sort(np.log(t[:, 1] / t[:, 0]))
    kept = 600 - int(np.floor(discard_fraction * 600))
    expected = kept / (logs[:kept].sum() + (600 - kept) * logs[kept - 1])
    got = intrinsic_dimension_twonn(
        jax.random.key(0), x, discard_fraction=discard_fraction, chunk_size=64
    )
    np.testing.assert_allclose(got.value, expected, rtol=1e-10)


def test_query_subset_is_deterministic_and_matches_oracle(sphere):
    x = sphere(900, 3, 30, seed=3)
    key = jax.random.key(7)
    a = intrinsic_dimension_mle(key, x, num_queries=200)
    b = intrinsic_dimension_mle(key, x, num_queries=200)
    assert a == b and a.num_queries == 200 and a.num_points == 900
    queries = np.asarray(jax.random.choice(key, 900, (200,), replace=False))
    t = _reference_neighbours(x, queries, 5)
    np.testing.assert_allclose(a.value, 1.0 / np.mean(np.log(t[:, -1:] / t[:, :-1])), rtol=1e-10)
    c = intrinsic_dimension_mle(jax.random.key(8), x, num_queries=200)
    assert c.value != a.value


def test_chunk_size_does_not_change_estimates(sphere):
    x = sphere(500, 3, 24, seed=4)
    key = jax.random.key(0)
    for estimator in (intrinsic_dimension_mle, intrinsic_dimension_twonn):
        small = estimator(key, x, chunk_size=16).value
        large = estimator(key, x, chunk_size=1024).value
        np.testing.assert_allclose(small, large, rtol=1e-12)


def test_constant_features_and_permutation_do_not_change_estimates(torus):
    x = torus(600, 3, 16, seed=5)
    key = jax.random.key(0)
    with_constants = np.concatenate([x, np.full((600, 5), 3.25)], axis=1)
    perm = np.random.default_rng(0).permutation(600)
    for estimator in (intrinsic_dimension_mle, intrinsic_dimension_twonn):
        base = estimator(key, x).value
        np.testing.assert_allclose(estimator(key, with_constants).value, base, rtol=1e-10)
        np.testing.assert_allclose(estimator(key, x[perm]).value, base, rtol=1e-10)


def test_duplicates_are_dropped_and_reported(sphere):
    x = sphere(400, 2, 10, seed=6)
    doubled = np.concatenate([x, x[:50]])
    result = intrinsic_dimension_mle(jax.random.key(0), doubled)
    assert result.duplicates_dropped == 50 and result.num_points == 400
    np.testing.assert_allclose(result.value, intrinsic_dimension_mle(jax.random.key(0), x).value)
    assert np.isfinite(intrinsic_dimension_twonn(jax.random.key(0), doubled).value)


def test_image_shaped_input_is_flattened(sphere):
    x = sphere(300, 2, 16, seed=7)
    flat = intrinsic_dimension_mle(jax.random.key(0), x).value
    images = intrinsic_dimension_mle(jax.random.key(0), x.reshape(300, 4, 4)).value
    assert flat == images


def test_progress_reports_every_chunk(sphere):
    x = sphere(100, 2, 8, seed=8)
    calls = []
    intrinsic_dimension_mle(
        jax.random.key(0), x, chunk_size=32, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(32, 100), (64, 100), (96, 100), (100, 100)]
