"""The exact GP posterior: against scikit-learn and a direct float64 solve, PSD covariance, zero
variance at training inputs, the jitter retry path, the generalized chi-square components."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest
from _gp_helpers import task_from_indices
from scipy.spatial.distance import cdist
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses.gp import GPPosterior, GPSpace, gp_posterior
from ibcomplexity.hypotheses.kernels import Kernel, median_bandwidth


def _replace(task, **changes):
    return dataclasses.replace(task, **changes)


def test_against_scikit_learn(small_task):
    ell = 2.0
    post = gp_posterior(GPSpace(Kernel("rbf", ell)), small_task)
    xtr = small_task.x_train.astype(np.float64)
    xte = small_task.x_test.astype(np.float64)
    gpr = GaussianProcessRegressor(kernel=RBF(ell), alpha=1e-10, optimizer=None)
    gpr.fit(xtr, small_task.y_train.astype(np.float64))
    mean, cov = gpr.predict(xte, return_cov=True)
    cov = cov[..., 0] if cov.ndim == 3 else cov  # one covariance, shared by the outputs
    np.testing.assert_allclose(post.mu, mean, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(post.covariance, cov, rtol=1e-6, atol=1e-9)
    assert post.kernel == Kernel("rbf", ell) and post.jitter == 1e-10 and post.retries == 0


def test_against_direct_float64_solve(small_task):
    space = GPSpace(Kernel("matern52", "median"), preprocessing="standardize")
    post = gp_posterior(space, small_task)
    xtr = small_task.x_train.astype(np.float64)
    xte = small_task.x_test.astype(np.float64)
    mean, std = xtr.mean(0), xtr.std(0)
    keep = xtr.max(0) > xtr.min(0)
    xtr = np.where(keep, (xtr - mean) / np.where(keep, std, 1), 0.0)
    xte = np.where(keep, (xte - mean) / np.where(keep, std, 1), 0.0)
    ell = median_bandwidth(xtr)
    assert post.kernel.bandwidth == pytest.approx(ell, rel=1e-12)

    def m52(a, b):
        s = np.sqrt(5) * cdist(a, b) / ell
        return (1 + s + s * s / 3) * np.exp(-s)

    kxx = m52(xtr, xtr) + 1e-10 * np.eye(len(xtr))
    kxs, kss = m52(xtr, xte), m52(xte, xte)
    mu = kxs.T @ np.linalg.solve(kxx, small_task.y_train)
    sigma = kss - kxs.T @ np.linalg.solve(kxx, kxs)
    np.testing.assert_allclose(post.mu, mu, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(post.covariance, sigma, rtol=1e-7, atol=1e-10)
    assert post.preprocessing.mode == "standardize"
    assert post.preprocessing.constant_features == int((~keep).sum())


def test_covariance_psd_eigenbasis_and_sorted(small_task):
    post = gp_posterior(GPSpace(Kernel("laplace", 3.0)), small_task)
    lam, u = post.eigenvalues, post.eigenvectors
    assert np.all(lam >= 0) and np.all(np.diff(lam) <= 0)
    assert post.rank == np.count_nonzero(lam) and np.all(lam[: post.rank] > post.eig_tol)
    np.testing.assert_allclose(u.T @ u, np.eye(post.n_test), atol=1e-12)
    np.testing.assert_allclose(post.residuals, u.T @ (post.mu - post.y_test), atol=1e-12)
    assert post.min_raw_eigenvalue > -post.eig_tol
    assert (post.n_train, post.n_test, post.classes) == (60, 25, 10)


def test_training_points_are_pinned(digits):
    rng = np.random.default_rng(1)
    idx = rng.permutation(digits.n)
    train, new = idx[:50], idx[50:70]
    test = np.concatenate([train[:6], new])
    task = task_from_indices(digits, train, test)
    post = gp_posterior(GPSpace(Kernel("rbf", 3.0)), task)
    cov = post.covariance
    assert np.abs(cov[:6, :]).max() < 1e-9  # no variance at training inputs
    np.testing.assert_allclose(post.mu[:6], task.y_test[:6], atol=1e-6)  # interpolation
    assert post.rank == 20  # the 6 pinned directions count as exactly 0
    assert post.loss_components()["offset"] < 1e-12


def test_jitter_retry_on_duplicated_training_points(digits):
    rng = np.random.default_rng(2)
    idx = rng.permutation(digits.n)
    base, test = idx[:40], idx[40:60]
    dup = np.concatenate([base, base[:5]])
    # Default jitter: the duplicate rows are handled without a retry.
    post0 = gp_posterior(GPSpace(Kernel("rbf", 3.0)), task_from_indices(digits, dup, test))
    assert post0.retries == 0
    # A jitter far below rounding level: the factor of the singular matrix fails, and is retried.
    space = GPSpace(Kernel("rbf", 3.0), jitter=1e-18, max_jitter_tries=8)
    post = gp_posterior(space, task_from_indices(digits, dup, test))
    assert post.retries >= 1
    assert post.jitter == pytest.approx(1e-18 * 10**post.retries, rel=1e-12)
    assert post.jitter_abs == pytest.approx(post.jitter, rel=1e-12)  # RBF: mean diagonal 1
    ref = gp_posterior(GPSpace(Kernel("rbf", 3.0)), task_from_indices(digits, base, test))
    np.testing.assert_allclose(post.mu, ref.mu, atol=1e-5)
    np.testing.assert_allclose(post.covariance, ref.covariance, atol=1e-5)
    with pytest.raises(InputError, match=r"Cholesky.*'rbf:bandwidth=3.0'.*2 tries"):
        gp_posterior(
            GPSpace(Kernel("rbf", 3.0), jitter=1e-18, max_jitter_tries=2),
            task_from_indices(digits, dup, test),
        )


def test_loss_components_and_mean(small_task):
    post = gp_posterior(GPSpace(Kernel("rbf", 2.0)), small_task)
    c = post.loss_components()
    m, k, r = post.n_test, post.classes, post.rank
    assert c["weights"].shape == c["dofs"].shape == c["noncentralities"].shape == (r,)
    np.testing.assert_array_equal(c["dofs"], k)
    np.testing.assert_allclose(c["weights"], post.eigenvalues[:r] / (m * k), rtol=1e-15)
    # E[MSE] = (k tr(Sigma) + |mu - Y|^2) / (m k)
    expected = (k * np.trace(post.covariance) + np.sum((post.mu - post.y_test) ** 2)) / (m * k)
    assert post.mean_mse == pytest.approx(expected, rel=1e-10)


def test_conflicting_duplicate_labels_give_an_offset(digits):
    """A training input repeated with a different label: the posterior mean there is the average
    of the two one-hot targets, with zero variance, so the residual lands in the offset c0."""
    rng = np.random.default_rng(3)
    idx = rng.permutation(digits.n)
    train, test = idx[:30], np.concatenate([idx[:1], idx[30:45]])
    rows = np.concatenate([train, train[:1]])
    y = np.eye(10, dtype=np.float32)[digits.y[rows]]
    y[-1] = np.roll(y[0], 1)  # same input, another class
    task = task_from_indices(digits, rows, test, y_train=y)
    post = gp_posterior(GPSpace(Kernel("rbf", 3.0)), task)
    np.testing.assert_allclose(post.mu[0], 0.5 * (y[0] + y[-1]), atol=1e-6)
    c = post.loss_components()
    assert post.rank == 15
    assert c["offset"] == pytest.approx(0.5 / (16 * 10), rel=1e-5)  # (0.5^2 + 0.5^2) / (m k)


def test_pytree_and_float64(small_task):
    post = gp_posterior(GPSpace(Kernel("rbf", 2.0)), small_task)
    leaves = jax.tree_util.tree_leaves(post)
    assert len(leaves) == 5 and all(leaf.dtype == np.float64 for leaf in leaves)
    assert isinstance(jax.tree_util.tree_map(lambda a: a, post), GPPosterior)
    assert post.task_name == small_task.name


def test_nngp_posterior_runs(small_task):
    post = gp_posterior(GPSpace("nngp:depth=2,sigma_b2=0.1", preprocessing="unit"), small_task)
    assert post.kernel.bandwidth is None and np.all(np.isfinite(post.mu))
    assert 0 < post.rank <= post.n_test


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kernel": "gauss"}, "unknown kernel"),
        ({"preprocessing": "minmax"}, "unknown preprocessing"),
        ({"jitter": 0.0}, "jitter must be > 0"),
        ({"max_jitter_tries": 0}, "max_jitter_tries must be >= 1"),
        ({"eig_rtol": -1.0}, "eig_rtol must be >= 0"),
    ],
)
def test_space_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        GPSpace(**kwargs)


def test_posterior_input_errors(small_task):
    with pytest.raises(InputError, match="space must be a GPSpace"):
        gp_posterior("rbf", small_task)
    with pytest.raises(InputError, match="has no x_train"):
        gp_posterior(GPSpace(), object())
    x = small_task.x_train.copy()
    x[3, 5] = np.nan
    with pytest.raises(InputError, match="x_train has 1 NaN/inf"):
        gp_posterior(GPSpace(), _replace(small_task, x_train=x))
    with pytest.raises(InputError, match="x_train and x_test must have shapes"):
        gp_posterior(GPSpace(), _replace(small_task, x_test=small_task.x_test[:, :10]))
    with pytest.raises(InputError, match="one row per example"):
        gp_posterior(GPSpace(), _replace(small_task, y_train=small_task.y_train[:5]))
