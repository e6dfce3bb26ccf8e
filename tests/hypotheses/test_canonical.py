"""Same key, same GP samples, whichever eigensolver diagonalised the posterior (issue 13).

A solver returns eigenvectors up to sign and degenerate eigenspaces in any basis; CPU, GPU and
TPU solvers choose differently. These tests feed the canonicalisation other solvers' outputs
(scipy's four LAPACK drivers), random sign flips and random rotations inside degenerate
eigenspaces, and require the same rotated residuals and the same sampled losses.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from ibcomplexity.hypotheses import GPSpace, gp_posterior, sample_losses
from ibcomplexity.hypotheses._canonical import CLUSTER_RTOL, canonical_basis, clusters
from ibcomplexity.tasks import load_dataset
from ibcomplexity.tasks.regression import make_regression_task

KEY = jax.random.key(11)


@pytest.fixture(scope="module")
def posterior():
    task = make_regression_task(load_dataset("digits"), n_train=120, n_test=60, seed=3)
    return gp_posterior(GPSpace("rbf"), task)


def _resolve(post, lam, u):
    """The posterior as another solver would give it: its eigenvectors, then canonicalised."""
    order = np.argsort(-lam, kind="stable")
    u = u[:, order]
    resid = u.T @ (post.mu - post.y_test)
    u, resid = canonical_basis(post.eigenvalues, u, resid, post.rank)
    return dataclasses.replace(post, eigenvectors=u, residuals=resid)


@pytest.mark.parametrize("driver", ["ev", "evd", "evr", "evx"])
def test_every_lapack_driver_gives_the_same_samples(posterior, driver):
    sigma = posterior.covariance
    lam, u = scipy.linalg.eigh(sigma, driver=driver)
    other = _resolve(posterior, lam, u)
    r = posterior.rank
    np.testing.assert_allclose(other.residuals[:r], posterior.residuals[:r], atol=1e-9)
    want = sample_losses(KEY, posterior, 4096)
    got = sample_losses(KEY, other, 4096)
    np.testing.assert_allclose(got, want, rtol=2e-6)


def test_sign_flips_do_not_change_the_samples(posterior):
    rng = np.random.default_rng(0)
    u = posterior.eigenvectors * rng.choice([-1.0, 1.0], posterior.n_test)
    other = _resolve(posterior, posterior.eigenvalues.copy(), u)
    # without the canonical basis the flipped solver output is a different stream
    flipped = dataclasses.replace(
        posterior, eigenvectors=u, residuals=u.T @ (posterior.mu - posterior.y_test)
    )
    base = sample_losses(KEY, posterior, 2048)
    assert np.max(np.abs(sample_losses(KEY, flipped, 2048) - base)) > 1e-3
    np.testing.assert_allclose(sample_losses(KEY, other, 2048), base, rtol=1e-6)


def _degenerate(m, k, blocks, seed):
    """Eigenvalues with exactly repeated blocks, a random eigenbasis and a random mean error."""
    rng = np.random.default_rng(seed)
    lam = np.repeat(np.arange(len(blocks), 0, -1, dtype=np.float64), blocks)
    lam = np.concatenate([lam, np.zeros(m - lam.size)])
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    err = rng.standard_normal((m, k))
    return lam, u, err


def _rotate_blocks(u, blocks, rng):
    """Random sign flips, and a random rotation inside every degenerate block."""
    u = u.copy()
    a = 0
    for b in blocks:
        g, _ = np.linalg.qr(rng.standard_normal((b, b)))
        u[:, a : a + b] = u[:, a : a + b] @ g
        a += b
    return u * rng.choice([-1.0, 1.0], u.shape[1])


@settings(max_examples=25, deadline=None)
@given(
    blocks=st.lists(st.integers(1, 6), min_size=1, max_size=5),
    k=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_rotations_inside_degenerate_eigenspaces_are_undone(blocks, k, seed):
    m = sum(blocks) + 3
    lam, u, err = _degenerate(m, k, blocks, seed)
    rank = int(np.count_nonzero(lam))
    u1, r1 = canonical_basis(lam, u, u.T @ err, rank)
    v = _rotate_blocks(u, blocks, np.random.default_rng(seed + 1))
    u2, r2 = canonical_basis(lam, v, v.T @ err, rank)
    # the rows the sampler uses are the same, so every sample's loss is the same
    np.testing.assert_allclose(r2[:rank], r1[:rank], atol=1e-10)
    # still an orthonormal eigenbasis of the same covariance, and R = U^T (mu - Y)
    cov = (u * lam) @ u.T
    np.testing.assert_allclose((u2 * lam) @ u2.T, cov, atol=1e-10)
    np.testing.assert_allclose(u2.T @ u2, np.eye(m), atol=1e-10)
    np.testing.assert_allclose(u2.T @ err, r2, atol=1e-10)
    # only directions of a block orthogonal to the whole mean error may differ: rows beyond the
    # error's rank in each block are zero
    a = 0
    for b in blocks:
        assert np.all(np.abs(r1[a + min(b, k) : a + b]) < 1e-10)
        a += b


def test_near_degenerate_clusters_are_grouped_and_split():
    lam = np.array([2.0, 1.0 + 1e-12, 1.0, 1.0 - 1e-12, 0.5, 0.0])
    assert clusters(lam, 5) == [slice(0, 1), slice(1, 4), slice(4, 5)]
    # a gap just above the tolerance separates
    lam = np.array([1.0, 1.0 - 2 * CLUSTER_RTOL, 0.0])
    assert clusters(lam, 2) == [slice(0, 1), slice(1, 2)]
    assert clusters(np.zeros(3), 0) == []


def test_near_degenerate_rotation_changes_losses_only_at_rounding_level():
    rng = np.random.default_rng(5)
    m, k = 12, 3
    lam = np.array([3.0, 2.0, 2.0 - 1e-11, 2.0 - 2e-11, 1.0, 0.5, 0.25] + [0.0] * 5)
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    err = rng.standard_normal((m, k))
    rank = 7
    _, r1 = canonical_basis(lam, u, u.T @ err, rank)
    v = _rotate_blocks(u, [1, 3, 1, 1, 1, 5], rng)
    _, r2 = canonical_basis(lam, v, v.T @ err, rank)
    np.testing.assert_allclose(r2[:rank], r1[:rank], atol=1e-10)
