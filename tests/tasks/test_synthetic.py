"""Synthetic sphere/torus tasks: geometry, band limit, separation guarantee, specs, estimators."""

from __future__ import annotations

import itertools
import math

import jax
import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from ibcomplexity._validation import InputError
from ibcomplexity.stats import intrinsic_dimension_mle, min_class_distance, radius
from ibcomplexity.tasks.datasets import load_dataset
from ibcomplexity.tasks.synthetic import (
    dataset_from_spec,
    haar_orthogonal,
    sphere_dataset,
    synthetic_problem,
    torus_dataset,
)

MAKERS = {"sphere": sphere_dataset, "torus": torus_dataset}


def _problem(kind, seed, ds):
    """Rebuild the seed-determined problem of a dataset from its recorded parameters."""
    p = ds.metadata["parameters"]
    return synthetic_problem(
        kind,
        seed,
        m=p["m"],
        D=p["D"],
        classes=p["classes"],
        cutoff=p["cutoff"],
        radius=p["radius"],
        warp=p["warp"],
        terms=p["terms"],
    )


def _coordinates(problem, x):
    """Intrinsic coordinates recovered from unwarped points by the inverse rotation alone."""
    z = np.asarray(x, np.float64) @ problem.rotation
    if problem.kind == "sphere":
        return z / problem.radius
    return np.arctan2(z[:, 1::2], z[:, 0::2]) % (2 * math.pi)


@pytest.mark.parametrize("kind", ["sphere", "torus"])
def test_shapes_dtypes_and_truth_in_metadata(kind):
    ds = MAKERS[kind](3, m=3, D=11, n=257, classes=4, cutoff=2, radius=2.0)
    assert ds.x.shape == (257, 11) and ds.x.dtype == np.float32
    assert ds.y.shape == (257,) and ds.y.dtype == np.int64
    assert set(np.unique(ds.y)) <= set(range(4))
    md = ds.metadata
    assert md["true_m"] == 3 and md["cutoff"] == 2 and md["manifold"] == kind
    expected_radius = 2.0 if kind == "sphere" else 2.0 * math.sqrt(3)
    assert md["radius"] == pytest.approx(expected_radius, rel=1e-15)
    assert md["embedding"]["ambient_dim"] == (4 if kind == "sphere" else 6)
    assert sum(md["class_counts"]) == 257
    assert md["min_separation"] == 0.0  # no margin: no separation promised
    # The recorded name is itself a spec that rebuilds the same data.
    again = load_dataset(ds.name)
    np.testing.assert_array_equal(again.x, ds.x)
    np.testing.assert_array_equal(again.y, ds.y)


def test_haar_orthogonal_is_orthogonal_and_unbiased():
    q = haar_orthogonal(np.random.default_rng(1), 17)
    np.testing.assert_allclose(q.T @ q, np.eye(17), atol=1e-13)
    # Under Haar measure on O(3), Q[0,0] has mean 0 and variance 1/3. Without the sign fix numpy's
    # QR makes Q[0,0] one-signed, so the mean test fails by ~20 standard errors.
    rng = np.random.default_rng(2)
    corner = np.array([haar_orthogonal(rng, 3)[0, 0] for _ in range(2000)])
    se = math.sqrt(1 / 3 / corner.size)
    assert abs(corner.mean()) < 4 * se
    assert corner.var() == pytest.approx(1 / 3, rel=0.1)


@pytest.mark.parametrize("kind", ["sphere", "torus"])
def test_points_lie_on_the_manifold_after_inverse_rotation(kind):
    ds = MAKERS[kind](5, m=4, D=13, n=400, radius=2.5)
    problem = _problem(kind, 5, ds)
    q = problem.rotation
    np.testing.assert_allclose(q.T @ q, np.eye(q.shape[1]), atol=1e-13)
    x = ds.x.astype(np.float64)
    z = x @ q
    # Nothing outside the d-dimensional subspace, and the right radius inside it.
    np.testing.assert_allclose(x - z @ q.T, 0.0, atol=1e-5)
    if kind == "sphere":
        np.testing.assert_allclose(np.linalg.norm(z, axis=1), 2.5, rtol=1e-6)
    else:
        circles = np.hypot(z[:, 0::2], z[:, 1::2])
        np.testing.assert_allclose(circles, 2.5, rtol=1e-6)
    assert radius(ds.x) == pytest.approx(ds.metadata["radius"], rel=1e-6)


@pytest.mark.parametrize("kind", ["sphere", "torus"])
def test_labels_are_argmax_of_the_label_functions_with_the_margin(kind):
    ds = MAKERS[kind](7, m=2, D=6, n=300, classes=3, cutoff=4, margin=0.05)
    problem = _problem(kind, 7, ds)
    f = problem.label_functions(_coordinates(problem, ds.x))
    np.testing.assert_array_equal(ds.y, np.argmax(f, axis=1))
    top2 = np.sort(f, axis=1)[:, -2:]
    assert np.all(top2[:, 1] - top2[:, 0] >= 0.05 - 1e-5)  # float32 rounding of x
    assert np.all(np.abs(f) <= 1.0 + 1e-12)


@pytest.mark.parametrize("kind", ["sphere", "torus"])
def test_reproducible_per_seed_and_seeds_differ(kind):
    a = MAKERS[kind](11, m=3, D=9, n=300, margin=0.02)
    b = MAKERS[kind](11, m=3, D=9, n=300, margin=0.02)
    c = MAKERS[kind](12, m=3, D=9, n=300, margin=0.02)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.x, c.x)
    assert not np.array_equal(a.y, c.y)
    # The manifold and labels do not depend on n: a smaller draw is a prefix of a larger one.
    small = MAKERS[kind](11, m=3, D=9, n=120, margin=0.02)
    np.testing.assert_array_equal(small.x, a.x[:120])
    np.testing.assert_array_equal(small.y, a.y[:120])


def test_default_name_is_an_exact_spec():
    ds = torus_dataset(2, m=2, D=5, n=50, margin=0.0123456789, radius=1 / 3, warp=0.1)
    assert "margin=0.0123456789" in ds.name
    again = load_dataset(ds.name)
    np.testing.assert_array_equal(again.x, ds.x)
    assert again.metadata["min_separation"] == ds.metadata["min_separation"]


@pytest.mark.parametrize("m, cutoff", [(1, 5), (2, 3), (3, 2)])
def test_torus_label_functions_are_band_limited_fft(m, cutoff):
    problem = synthetic_problem("torus", 4, m=m, D=2 * m, classes=3, cutoff=cutoff, terms=40)
    grid = 16 if m < 3 else 10
    axes = [np.arange(grid) * 2 * math.pi / grid] * m
    theta = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, m)
    f = problem.label_functions(theta).reshape((grid,) * m + (3,))
    spectrum = np.abs(np.fft.fftn(f, axes=tuple(range(m)))) ** 2
    k = np.stack(np.meshgrid(*[np.fft.fftfreq(grid, 1 / grid)] * m, indexing="ij"), -1)
    knorm = np.linalg.norm(k, axis=-1)
    total = spectrum.sum()
    assert spectrum[knorm > cutoff + 1e-9].sum() < 1e-24 * total
    # The cutoff is reached: energy in the outer shell (cutoff - 1, cutoff].
    assert spectrum[(knorm > cutoff - 1) & (knorm <= cutoff + 1e-9)].sum() > 1e-3 * total
    assert spectrum[knorm == 0].sum() < 1e-24 * total  # no constant term


@pytest.mark.parametrize("m, cutoff", [(1, 4), (2, 3), (5, 3)])
def test_sphere_label_functions_are_trig_polynomials_on_great_circles(m, cutoff):
    # On a great circle t -> cos(t) u + sin(t) v, a spherical polynomial of degree <= K is a
    # trigonometric polynomial of degree <= K in t.
    problem = synthetic_problem("sphere", 8, m=m, D=m + 1, classes=2, cutoff=cutoff)
    rng = np.random.default_rng(0)
    t = np.arange(64) * 2 * math.pi / 64
    top = 0.0
    for _ in range(5):
        u, v = np.linalg.qr(rng.standard_normal((m + 1, 2)))[0].T
        path = np.cos(t)[:, None] * u + np.sin(t)[:, None] * v
        spectrum = np.abs(np.fft.rfft(problem.label_functions(path), axis=0)) ** 2
        assert spectrum[cutoff + 1 :].sum() < 1e-24 * spectrum.sum()
        top = max(top, spectrum[cutoff].sum() / spectrum.sum())
    assert top > 1e-4  # degree K itself is present


@pytest.mark.parametrize("m", [1, 2])
def test_sphere_label_functions_are_polynomials_of_degree_cutoff(m):
    cutoff = 3
    problem = synthetic_problem("sphere", 9, m=m, D=m + 1, classes=2, cutoff=cutoff)
    rng = np.random.default_rng(1)
    u = rng.standard_normal((400, m + 1))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    f = problem.label_functions(u)

    def residual(degree):
        powers = [p for p in itertools.product(range(degree + 1), repeat=m + 1) if sum(p) <= degree]
        design = np.stack([np.prod(u ** np.array(p), axis=1) for p in powers], axis=1)
        coef = np.linalg.lstsq(design, f, rcond=None)[0]
        return np.abs(design @ coef - f).max()

    assert residual(cutoff) < 1e-10
    assert residual(cutoff - 1) > 1e-3


@pytest.mark.parametrize(
    "kind, warp", [("sphere", 0.0), ("torus", 0.0), ("sphere", 0.4), ("torus", 0.4)]
)
def test_minimum_class_separation_guarantee_holds_exactly(kind, warp):
    ds = MAKERS[kind](13, m=2, D=7, n=600, classes=3, cutoff=3, margin=0.1, warp=warp)
    bound = ds.metadata["min_separation"]
    assert bound == pytest.approx((1 - warp) * 2 * 0.1 / (math.pi * 3), rel=1e-12)
    x = ds.x.astype(np.float64)
    cross = cdist(x, x)[ds.y[:, None] != ds.y[None, :]]
    assert cross.min() >= bound
    assert min_class_distance(ds.x, ds.y).delta >= bound


def _slopes(problem, rng, num=4000, step=1e-4):
    """|f(z) - f(z')| / |z - z'| for nearby random pairs: the derivative along random directions."""
    c = problem.sample_coordinates(rng, num)
    c2 = c + step * rng.standard_normal(c.shape)
    if problem.kind == "sphere":
        c2 /= np.linalg.norm(c2, axis=1, keepdims=True)
    f, f2 = problem.label_functions(c), problem.label_functions(c2)
    chord = np.linalg.norm(problem.flat_points(c) - problem.flat_points(c2), axis=1)
    return np.abs(f - f2) / chord[:, None]


@pytest.mark.parametrize("kind, m", [("sphere", 1), ("sphere", 3), ("torus", 1), ("torus", 3)])
def test_bernstein_constant_behind_the_separation_bound(kind, m):
    # The separation bound rests on |grad f_c| <= K ||f_c||_inf / r <= K / r on the manifold
    # (Bernstein). A single term cos(k . theta + beta) with |k|_2 = K, or the Chebyshev T_K on the
    # circle, attains it, so with many one-term functions the largest slope must come close.
    cutoff, r = 4, 0.7
    # One term per torus function; on the sphere one term would have degree 1 (degrees cycle from
    # 1), so use K terms there and degree K appears in each function.
    terms = 1 if kind == "torus" else cutoff
    problem = synthetic_problem(
        kind, 14, m=m, D=2 * m, classes=40, cutoff=cutoff, radius=r, terms=terms
    )
    slopes = _slopes(problem, np.random.default_rng(3))
    assert slopes.max() <= cutoff / r * (1 + 1e-3)
    # Measured: torus 1.000 (m=1) and 0.93 (m=3) of K/r; sphere m=1 0.79 (mixed degrees).
    if kind == "torus":
        assert slopes.max() > 0.9 * cutoff / r
    elif m == 1:
        assert slopes.max() > 0.5 * cutoff / r


@pytest.mark.parametrize("kind", ["sphere", "torus"])
def test_warp_is_bi_lipschitz_and_keeps_labels(kind):
    flat = MAKERS[kind](15, m=3, D=10, n=200)
    warped = MAKERS[kind](15, m=3, D=10, n=200, warp=0.5)
    np.testing.assert_array_equal(flat.y, warped.y)
    ratio = pdist(warped.x.astype(np.float64)) / pdist(flat.x.astype(np.float64))
    assert ratio.min() >= 0.5 - 1e-5 and ratio.max() <= 1.5 + 1e-5
    assert np.ptp(ratio) > 0.05  # the map is not an isometry
    lo, hi = warped.metadata["radius_bounds"]
    norms = np.linalg.norm(warped.x, axis=1)
    assert norms.min() >= lo * (1 - 1e-6) and norms.max() <= hi * (1 + 1e-6)


def test_noise_moves_points_off_the_manifold_and_drops_the_guarantee():
    ds = sphere_dataset(16, m=2, D=12, n=300, noise=0.01, margin=0.1)
    assert ds.metadata["min_separation"] is None
    clean = sphere_dataset(16, m=2, D=12, n=300, margin=0.1)
    np.testing.assert_array_equal(ds.y, clean.y)
    diff = (ds.x - clean.x).astype(np.float64)
    assert np.std(diff) == pytest.approx(0.01, rel=0.05)


@pytest.mark.parametrize(
    "rest, match",
    [
        ("m=3", "missing D"),
        ("D=5", "missing m"),
        ("m=3,D=20,colour=red", "unknown key 'colour'"),
        ("m=3,D=20,n=1.5", "n='1.5' must be an integer"),
        ("m=3,D=20,noise=abc", "not a number"),
        ("m=3,D=20,m=4", "given twice"),
        ("m=3,D=20,n", "'n' is not KEY=VALUE"),
        ("m=3,D=3", "D=3 is too small"),
        ("m=3,D=20,warp=1", "warp must be in"),
        ("m=3,D=20,classes=1", "classes must be >= 2"),
        ("m=0,D=20", "m must be >= 1"),
        ("m=3,D=20,margin=-0.1", "margin must be >= 0"),
        ("m=2,D=5,margin=1.9", "margin=1.9 keeps only"),
    ],
)
def test_bad_specs_name_the_problem(rest, match):
    with pytest.raises(InputError, match=match):
        load_dataset(f"sphere:{rest}")


def test_spec_defaults_and_errors_for_unknown_manifold():
    ds = dataset_from_spec("torus: m=2, D=4", " m=2, D=4")
    assert ds.n == 1000 and ds.metadata["parameters"]["seed"] == 0
    assert ds.name == "torus: m=2, D=4"
    with pytest.raises(InputError, match="unknown synthetic manifold"):
        dataset_from_spec("klein:m=2,D=4", "m=2,D=4")
    with pytest.raises(InputError, match="needs arguments"):
        load_dataset("sphere")


@pytest.mark.parametrize("kind", ["sphere", "torus"])
@pytest.mark.parametrize("m", [2, 4, 6])
def test_statistics_estimators_recover_the_truth(kind, m):
    # Tolerance: the MLE is biased low at higher m for finite n (curvature, boundary); 25% of m is
    # the brief's validation tolerance, measured here at n = 2000 in D = 20.
    ds = MAKERS[kind](m, m=m, D=20, n=2000, classes=2, cutoff=3, margin=0.05)
    m_hat = intrinsic_dimension_mle(jax.random.key(0), ds.x).value
    assert abs(m_hat - m) < 0.25 * m
    assert radius(ds.x) == pytest.approx(ds.metadata["radius"], rel=1e-6)
    assert min_class_distance(ds.x, ds.y).delta >= ds.metadata["min_separation"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sphere", "torus"])
@pytest.mark.parametrize("m", [3, 5])
def test_statistics_estimators_recover_the_truth_warped(kind, m):
    ds = MAKERS[kind](m, m=m, D=32, n=4000, classes=2, cutoff=3, margin=0.05, warp=0.5)
    m_hat = intrinsic_dimension_mle(jax.random.key(0), ds.x).value
    assert abs(m_hat - m) < 0.25 * m
    lo, hi = ds.metadata["radius_bounds"]
    assert lo * (1 - 1e-6) <= radius(ds.x) <= hi * (1 + 1e-6)
    assert min_class_distance(ds.x, ds.y).delta >= ds.metadata["min_separation"]
