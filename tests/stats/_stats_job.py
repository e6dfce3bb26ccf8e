"""Subprocess body of ``test_stats_devices.py``: the statistics of one fixed data set on every
device the process has (set by ``XLA_FLAGS`` before JAX starts), saved to an ``.npz``."""

from __future__ import annotations

import sys

import jax
import numpy as np

from ibcomplexity.stats import (
    intrinsic_dimension_mle,
    intrinsic_dimension_twonn,
    min_class_distance,
    min_class_distance_subset,
)


def data():
    """1,500 points in 12 dimensions, 4 classes around a 3-dimensional subspace."""
    rng = np.random.default_rng(7)
    basis = rng.standard_normal((3, 12))
    x = rng.standard_normal((1500, 3)) @ basis + 0.05 * rng.standard_normal((1500, 12))
    y = rng.integers(0, 4, 1500)
    return x.astype(np.float32), y


def run() -> dict:
    x, y = data()
    key = jax.random.key(3)
    exact = min_class_distance(x, y, chunk_size=64)
    subset = min_class_distance_subset(key, x, y, num_points=700, chunk_size=64)
    mle = intrinsic_dimension_mle(key, x, k=5, chunk_size=64)
    twonn = intrinsic_dimension_twonn(key, x, chunk_size=64)
    return {
        "devices": np.array(jax.device_count()),
        "delta": np.array(exact.delta),
        "pair": np.array(exact.pair),
        "refined": np.array(exact.details["refined_rows"]),
        "subset": np.array(subset.delta),
        "mle": np.array(mle.value),
        "twonn": np.array(twonn.value),
    }


if __name__ == "__main__":
    np.savez(sys.argv[1], **run())
