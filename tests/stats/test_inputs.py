"""Input checks, duplicates, radius, task_statistics and the real-data check on MNIST."""

from __future__ import annotations

import gzip
from pathlib import Path

import jax
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.stats import (
    intrinsic_dimension_mle,
    intrinsic_dimension_twonn,
    min_class_distance,
    min_class_distance_extreme_value,
    min_class_distance_subset,
    radius,
    task_statistics,
)

KEY = jax.random.key(0)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = np.arange(40) % 2

DELTA_FUNCTIONS = [
    lambda x, y: min_class_distance(x, y),
    lambda x, y: min_class_distance_subset(KEY, x, y),
    lambda x, y: min_class_distance_extreme_value(KEY, x, y, num_pairs=1000, k=10),
]
ID_FUNCTIONS = [
    lambda x, **kw: intrinsic_dimension_mle(KEY, x, **kw),
    lambda x, **kw: intrinsic_dimension_twonn(KEY, x, **kw),
]


@pytest.mark.parametrize("delta", DELTA_FUNCTIONS)
def test_delta_needs_two_classes(delta):
    with pytest.raises(InputError, match="delta needs at least two classes"):
        delta(X, np.zeros(40, int))


@pytest.mark.parametrize("delta", DELTA_FUNCTIONS)
def test_cross_label_duplicates_raise_with_rows(delta):
    x = X.copy()
    x[7] = x[2]
    x[9] = x[4]
    y = Y.copy()
    y[9] = 1 - y[4]  # rows 2 and 7 share a label (2, 7: 0 and 1), rows 4 and 9 differ
    with pytest.raises(InputError, match=r"2 distinct points .* rows 2 and 7 are identical"):
        delta(x, y)


def test_nan_and_inf_are_reported_with_count_and_row():
    x = X.copy()
    x[5, 1] = np.nan
    x[8, 0] = np.inf
    for call in (lambda: radius(x), lambda: min_class_distance(x, Y), lambda: ID_FUNCTIONS[0](x)):
        with pytest.raises(
            InputError, match=r"x has 2 NaN/inf entries in 2 rows \(first at row 5\)"
        ):
            call()


def test_label_checks():
    with pytest.raises(InputError, match=r"y must have shape \(40,\)"):
        min_class_distance(X, Y[:30])
    with pytest.raises(InputError, match=r"y must hold integer class labels, got 0.5"):
        min_class_distance(X, np.where(Y == 1, 0.5, 2.0))
    with pytest.raises(InputError, match="y must hold integer class labels"):
        min_class_distance(X, np.array(["a", "b"] * 20))
    np.testing.assert_allclose(
        min_class_distance(X, Y.astype(float) * 3).delta, min_class_distance(X, Y).delta
    )


def test_too_few_distinct_points():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(InputError, match="k=5 neighbours need at least 6 distinct points, got 4"):
        intrinsic_dimension_mle(KEY, x)
    with pytest.raises(InputError, match="k=2 neighbours need at least 3 distinct points, got 2"):
        intrinsic_dimension_twonn(KEY, x[:2])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_queries=41), "num_queries=41 exceeds the number of distinct points"),
        (dict(num_queries=0), "num_queries must be >= 1"),
        (dict(chunk_size=0), "chunk_size must be >= 1"),
        (dict(progress=3), "progress must be None or a callable"),
    ],
)
@pytest.mark.parametrize("estimator", ID_FUNCTIONS)
def test_intrinsic_dimension_argument_checks(estimator, kwargs, message):
    with pytest.raises(InputError, match=message):
        estimator(X, **kwargs)


def test_other_argument_checks():
    with pytest.raises(InputError, match="k must be >= 2"):
        intrinsic_dimension_mle(KEY, X, k=1)
    with pytest.raises(InputError, match=r"discard_fraction must be in \[0, 1\)"):
        intrinsic_dimension_twonn(KEY, X, discard_fraction=1.0)
    with pytest.raises(InputError, match="x must have at least one row"):
        radius(np.zeros((0, 3)))
    with pytest.raises(InputError, match="x must be numeric"):
        radius(np.array([["a"]]))
    with pytest.raises(InputError, match="num_points must be >= 2"):
        min_class_distance_subset(KEY, X, Y, num_points=1)
    with pytest.raises(InputError, match="delta_method must be one of"):
        task_statistics(X, Y, delta_method="fast")
    with pytest.raises(InputError, match="seed must be >= 0"):
        task_statistics(X, Y, seed=-1)


def test_radius():
    x = RNG.normal(size=(30, 2, 3))
    assert radius(x) == pytest.approx(np.linalg.norm(x.reshape(30, -1), axis=1).max(), rel=1e-15)
    assert radius([[3.0, 4.0]]) == 5.0
    assert radius(np.array([[3, 4], [0, 1]], dtype=np.uint8)) == 5.0


def test_task_statistics_is_deterministic_and_consistent():
    x = np.concatenate([X, X[:4]])
    y = np.concatenate([Y, Y[:4]])
    stats = task_statistics(x, y, seed=3, dataset="toy")
    assert stats == task_statistics(x, y, seed=3, dataset="toy")
    assert (stats.dataset, stats.n, stats.classes, stats.seed, stats.duplicates_dropped) == (
        "toy",
        40,
        2,
        3,
        4,
    )
    assert stats.radius == radius(X)
    exact = min_class_distance(X, Y)
    assert (stats.resolution.delta, stats.resolution.pair) == (exact.delta, exact.pair)
    assert stats.resolution.details["duplicates_dropped"] == 4
    key_m, key_delta = jax.random.split(jax.random.key(3))
    assert stats.intrinsic_dimension.value == intrinsic_dimension_mle(key_m, X).value
    assert stats.intrinsic_dimension.duplicates_dropped == 4
    sub = task_statistics(x, y, seed=3, num_queries=10, delta_method="subset")
    assert sub.resolution.method == "subset" and sub.intrinsic_dimension.num_queries == 10
    assert sub.resolution.delta == min_class_distance_subset(key_delta, X, Y).delta
    assert stats.as_dict()["intrinsic_dimension"]["rounded"] == stats.intrinsic_dimension.rounded


def _read_idx(path: Path, header: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def test_mnist_subset_matches_bruteforce(delta_oracle, shared_data):
    folder = shared_data / "mnist"
    images = folder / "t10k-images-idx3-ubyte.gz"
    if not images.exists():
        pytest.skip(f"MNIST test set not found at {images}")
    x = _read_idx(images, 16).reshape(-1, 784) / 255.0
    y = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 8)
    rows = np.random.default_rng(0).choice(len(y), 2000, replace=False)
    x, y = x[rows], y[rows]
    result = min_class_distance(x, y)
    np.testing.assert_allclose(result.delta, delta_oracle(x, y), rtol=1e-12)
    i, j = result.pair
    assert y[i] != y[j]


@pytest.mark.slow
def test_full_mnist_test_set_matches_bruteforce(delta_oracle, shared_data):
    folder = shared_data / "mnist"
    images = folder / "t10k-images-idx3-ubyte.gz"
    if not images.exists():
        pytest.skip(f"MNIST test set not found at {images}")
    x = _read_idx(images, 16).reshape(-1, 784) / 255.0
    y = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 8)
    result = min_class_distance(x, y)
    np.testing.assert_allclose(result.delta, delta_oracle(x, y), rtol=1e-12)
    assert result.num_points == 10_000
