"""Exact and subset resolution delta: constructed answers, brute-force oracle, invariances."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ibcomplexity._validation import InputError
from ibcomplexity.stats import min_class_distance, min_class_distance_subset


def separated_classes(
    separation: float,
    *,
    n: int = 300,
    dim: int = 6,
    ambient: int = 128,
    offset: float = 5.0,
    seed: int = 0,
):
    """Two classes whose unique closest pair is at distance exactly ``separation`` (before the
    rotation): class 0 fills the cube [0, 1)^dim with one point at x1 = 1, class 1 the cube shifted
    by 1 + separation along x1 with one point at x1 = 1 + separation and the same other
    coordinates. Every other cross pair differs by more than ``separation`` in x1 alone. The data
    are shifted by ``offset`` and rotated into ``ambient`` dimensions."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.0, 1.0, size=(n, dim))
    b = rng.uniform(0.0, 1.0, size=(n, dim))
    b[:, 0] += 1.0 + separation
    a[0, 0] = 1.0
    b[0] = a[0]
    b[0, 0] = 1.0 + separation
    z = np.concatenate([a, b]) + offset
    q, _ = np.linalg.qr(rng.normal(size=(ambient, ambient)))
    x = np.pad(z, ((0, 0), (0, ambient - dim))) @ q.T
    y = np.repeat([0, 1], n)
    return x, y


@pytest.mark.parametrize("separation", [1e-3, 0.05, 0.7])
def test_constructed_separation_is_exact(separation, delta_oracle):
    x, y = separated_classes(separation)
    result = min_class_distance(x, y, chunk_size=128)
    # The rotation moves the distance by float64 rounding only (~1e-15 relative to |x| ~ 60).
    np.testing.assert_allclose(result.delta, separation, rtol=1e-9)
    np.testing.assert_allclose(result.delta, delta_oracle(x, y), rtol=1e-9)
    assert result.pair == (0, 300)
    assert result.method == "exact" and result.num_points == 600
    assert result.num_pairs == 300 * 300
    # The float32 GEMM alone cannot resolve 1e-3 at |x|^2 ~ 3500: the refinement is what is exact.
    assert result.details["refined_rows"] >= 1


@pytest.mark.parametrize("chunk_size", [16, 64, 1024])
def test_many_blocks_and_classes_match_oracle(chunk_size, delta_oracle):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(333, 7))
    y = rng.integers(0, 5, size=333)
    result = min_class_distance(x, y, chunk_size=chunk_size)
    np.testing.assert_allclose(result.delta, delta_oracle(x, y), rtol=1e-12)
    i, j = result.pair
    assert y[i] != y[j]
    np.testing.assert_allclose(np.linalg.norm(x[i] - x[j]), result.delta, rtol=1e-12)


@st.composite
def labelled_data(draw):
    n = draw(st.integers(2, 40))
    d = draw(st.sampled_from([1, 3, 8]))
    # Coarse grids make ties and duplicates common; wide floats exercise the float32 bound.
    elements = draw(
        st.sampled_from(
            [
                st.integers(-3, 3).map(float),
                # Squared distances below ~1e-308 underflow (in the oracle too): keep values
                # either 0 or far above that.
                st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False).filter(
                    lambda v: v == 0 or abs(v) > 1e-100
                ),
            ]
        )
    )
    x = draw(hnp.arrays(np.float64, (n, d), elements=elements))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 2)))
    return x, y


# The oracle fixture is stateless, so reusing it across examples is safe.
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=labelled_data(), rnd=st.randoms(use_true_random=False))
def test_property_equals_bruteforce_and_invariances(data, rnd, delta_oracle):
    x, y = data
    expected = delta_oracle(x, y)
    if len(np.unique(y)) < 2:
        with pytest.raises(InputError, match="at least two classes"):
            min_class_distance(x, y)
        return
    if expected == 0.0:
        with pytest.raises(InputError, match="different labels"):
            min_class_distance(x, y)
        return
    result = min_class_distance(x, y, chunk_size=16)
    np.testing.assert_allclose(result.delta, expected, rtol=1e-12)
    perm = np.array(rnd.sample(range(len(y)), len(y)))
    np.testing.assert_allclose(min_class_distance(x[perm], y[perm]).delta, expected, rtol=1e-12)
    constant = np.concatenate([x, np.full((len(y), 2), -7.5)], axis=1)
    np.testing.assert_allclose(min_class_distance(constant, y).delta, expected, rtol=1e-12)


def test_same_label_duplicates_are_dropped(delta_oracle):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 4))
    y = rng.integers(0, 3, 50)
    xx = np.concatenate([x, x[:10]])
    yy = np.concatenate([y, y[:10]])
    result = min_class_distance(xx, yy)
    assert result.details["duplicates_dropped"] == 10 and result.num_points == 50
    np.testing.assert_allclose(result.delta, delta_oracle(x, y), rtol=1e-12)


def test_subset_is_exact_on_the_subset_and_an_upper_bound(delta_oracle):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 5))
    y = rng.integers(0, 3, 400)
    key = jax.random.key(4)
    result = min_class_distance_subset(key, x, y, num_points=100)
    subset = np.sort(np.asarray(jax.random.choice(key, 400, (100,), replace=False)))
    np.testing.assert_allclose(result.delta, delta_oracle(x[subset], y[subset]), rtol=1e-12)
    assert result.delta >= delta_oracle(x, y)
    assert result.method == "subset" and result.num_points == 100
    assert result == min_class_distance_subset(key, x, y, num_points=100)
    everything = min_class_distance_subset(key, x, y, num_points=10_000)
    np.testing.assert_allclose(everything.delta, delta_oracle(x, y), rtol=1e-12)


def test_far_from_origin_data_stay_exact(delta_oracle):
    # |x| ~ 1e4 with distances ~ 1: float32 alone would be off by ~1e-2 relative.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 20)) + 1e4
    y = rng.integers(0, 2, 200)
    np.testing.assert_allclose(min_class_distance(x, y).delta, delta_oracle(x, y), rtol=1e-12)


def test_integer_and_float32_inputs(delta_oracle):
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, size=(150, 30), dtype=np.uint8)
    y = rng.integers(0, 4, 150)
    np.testing.assert_allclose(min_class_distance(x, y).delta, delta_oracle(x, y), rtol=1e-12)
    x32 = rng.normal(size=(150, 30)).astype(np.float32)
    np.testing.assert_allclose(min_class_distance(x32, y).delta, delta_oracle(x32, y), rtol=1e-12)


def test_progress_reports_row_blocks():
    rng = np.random.default_rng(7)
    calls = []
    min_class_distance(
        rng.normal(size=(70, 3)),
        rng.integers(0, 2, 70),
        chunk_size=32,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(32, 70), (64, 70), (70, 70)]
