"""Shared data generators and oracles for the task-statistics tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist


def _rotate(z: np.ndarray, ambient: int, rng: np.random.Generator) -> np.ndarray:
    """Embed rows of ``z`` in ``ambient`` dimensions by zero-padding and a random rotation (QR of
    a Gaussian matrix)."""
    q, _ = np.linalg.qr(rng.normal(size=(ambient, ambient)))
    return np.pad(z, ((0, 0), (0, ambient - z.shape[1]))) @ q.T


def sample_sphere(n: int, m: int, ambient: int, seed: int) -> np.ndarray:
    """``n`` points uniform on the unit m-sphere (in R^{m+1}), randomly rotated into R^ambient."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, m + 1))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    return _rotate(z, ambient, rng)


def sample_torus(n: int, m: int, ambient: int, seed: int) -> np.ndarray:
    """``n`` points uniform on the flat m-torus (product of m unit circles in R^{2m}), randomly
    rotated into R^ambient."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 2.0 * np.pi, size=(n, m))
    return _rotate(np.concatenate([np.cos(t), np.sin(t)], axis=1), ambient, rng)


def brute_delta(x: np.ndarray, y: np.ndarray) -> float:
    """Float64 brute-force minimum distance between points of different classes (scipy cdist)."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    y = np.asarray(y)
    dist = cdist(x, x)
    dist[y[:, None] == y[None, :]] = np.inf
    return float(dist.min())


@pytest.fixture
def sphere():
    return sample_sphere


@pytest.fixture
def torus():
    return sample_torus


@pytest.fixture
def delta_oracle():
    return brute_delta
