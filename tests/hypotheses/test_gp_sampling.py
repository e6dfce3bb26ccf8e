"""Sampled GP test losses: moments against the closed form, fast vs direct formulation, chunk-size
independence, determinism, float32 vs float64, bounded memory, no recompilation, input errors."""

from __future__ import annotations

import math
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _gp_helpers import task_from_indices
from scipy import stats

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses import sampling
from ibcomplexity.hypotheses.gp import GPSpace, gp_posterior
from ibcomplexity.hypotheses.kernels import Kernel
from ibcomplexity.hypotheses.sampling import (
    default_chunk_size,
    direct_loss_terms,
    loss_from_normal,
    loss_from_normal_direct,
    loss_one,
    loss_terms,
    sample_losses,
    standard_normal,
)

KEY = jax.random.key(0)
# One chunk size for most tests: each (chunk, shapes, dtype) compiles once (~1-2 s on CPU).
CHUNK = 4096


@pytest.fixture(scope="module")
def post(digits):
    """m = 8 test points, k = 10, rank 8: cheap to sample a million times."""
    idx = np.random.default_rng(0).permutation(digits.n)
    return gp_posterior(
        GPSpace(Kernel("rbf", 2.0)), task_from_indices(digits, idx[:40], idx[40:48])
    )


@pytest.fixture(scope="module")
def post_offset(digits):
    """A posterior with a zero-variance direction carrying a residual (c0 > 0): a training input
    repeated with another label, and that input in the test set."""
    idx = np.random.default_rng(3).permutation(digits.n)
    rows = np.concatenate([idx[:30], idx[:1]])
    y = np.eye(10, dtype=np.float32)[digits.y[rows]]
    y[-1] = np.roll(y[0], 1)
    test = np.concatenate([idx[:1], idx[30:37]])
    task = task_from_indices(digits, rows, test, y_train=y)
    p = gp_posterior(GPSpace(Kernel("rbf", 3.0)), task)
    assert p.rank == 7 and p.loss_components()["offset"] > 1e-3
    return p


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_standard_normal_is_standard_normal(dtype):
    """KS test against N(0, 1) (fixed key: p-value above 1e-3), the odd-size tail of the
    Box-Muller pairs included, and no correlation between the cos and sin halves."""
    with jax.enable_x64(dtype == jnp.float64):
        z = np.asarray(standard_normal(jax.random.key(7), (20_001,), dtype))
    assert z.dtype == dtype and z.shape == (20_001,)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    half = z[:10_000], z[10_001:20_001]
    assert abs(np.corrcoef(*half)[0, 1]) < 4 / math.sqrt(10_000)
    assert np.asarray(standard_normal(KEY, (3, 5))).shape == (3, 5)


def _variance(p) -> float:
    """Var[MSE] of the generalized chi-square: sum_j w_j^2 * 2 (k + 2 delta_j)."""
    c = p.loss_components()
    return float(np.sum(c["weights"] ** 2 * 2 * (c["dofs"] + 2 * c["noncentralities"])))


@pytest.mark.parametrize("which", ["post", "post_offset"])
def test_moments_match_closed_form(which, request):
    """Sample mean within 4 standard errors of mean_mse; sample variance within 4 standard errors
    of the exact variance (SE of the variance from the sample fourth central moment)."""
    p = request.getfixturevalue(which)
    s = 200_000
    losses = sample_losses(KEY, p, s, chunk_size=CHUNK).astype(np.float64)
    se_mean = losses.std() / math.sqrt(s)
    assert abs(losses.mean() - p.mean_mse) < 4 * se_mean
    dev = losses - losses.mean()
    var, m4 = np.mean(dev**2), np.mean(dev**4)
    se_var = math.sqrt((m4 - var**2) / s)
    assert abs(var - _variance(p)) < 4 * se_var
    assert losses.min() >= p.loss_components()["offset"] * (1 - 1e-6)


@pytest.mark.parametrize("which", ["post", "post_offset"])
def test_fast_equals_direct_for_the_same_normals(which, request):
    p = request.getfixturevalue(which)
    z = np.random.default_rng(1).normal(size=(16, p.rank, p.classes))
    with jax.enable_x64(True):
        fast = jax.vmap(loss_from_normal, in_axes=(0, None))(
            jnp.asarray(z), loss_terms(p, jnp.float64)
        )
        direct = jax.vmap(loss_from_normal_direct, in_axes=(0, None))(
            jnp.asarray(z), direct_loss_terms(p, jnp.float64)
        )
        np.testing.assert_allclose(np.asarray(fast), np.asarray(direct), rtol=1e-12)


def test_fast_equals_direct_through_the_sampler(post):
    """Same keys, same draws: the two formulations agree up to float32 rounding."""
    a = sample_losses(KEY, post, 500, chunk_size=CHUNK)
    b = sample_losses(KEY, post, 500, chunk_size=CHUNK, direct=True)
    np.testing.assert_allclose(a, b, rtol=2e-5)


def test_independent_of_chunk_size(post):
    a = sample_losses(KEY, post, 3000, chunk_size=256)  # 12 chunks, the last one padded
    b = sample_losses(KEY, post, 3000)  # the default chunk: 4096, one padded chunk
    assert default_chunk_size(post, 3000) == CHUNK
    np.testing.assert_array_equal(a, b)
    # Sample i only depends on fold_in(key, i): a prefix is a prefix.
    np.testing.assert_array_equal(sample_losses(KEY, post, 700, chunk_size=256), a[:700])
    manual = jax.vmap(loss_one, in_axes=(0, None))(
        jax.vmap(jax.random.fold_in, in_axes=(None, 0))(KEY, jnp.arange(5, dtype=jnp.uint32)),
        loss_terms(post),
    )
    np.testing.assert_allclose(np.asarray(manual), a[:5], rtol=1e-6)


def test_deterministic_per_key(post):
    a = sample_losses(KEY, post, 1000, chunk_size=CHUNK)
    b = sample_losses(jax.random.key(0), post, 1000, chunk_size=CHUNK)
    c = sample_losses(jax.random.key(1), post, 1000, chunk_size=CHUNK)
    np.testing.assert_array_equal(a, b)
    assert not np.any(a == c)
    raw = sample_losses(jax.random.PRNGKey(0), post, 1000, chunk_size=CHUNK)  # legacy keys
    assert raw.shape == (1000,) and np.all(np.isfinite(raw))


def test_float32_close_to_float64(post):
    z = np.random.default_rng(2).normal(size=(64, post.rank, post.classes))
    with jax.enable_x64(True):
        l64 = jax.vmap(loss_from_normal, in_axes=(0, None))(
            jnp.asarray(z), loss_terms(post, jnp.float64)
        )
        l64 = np.asarray(l64)
    l32 = jax.vmap(loss_from_normal, in_axes=(0, None))(
        jnp.asarray(z, jnp.float32), loss_terms(post, jnp.float32)
    )
    np.testing.assert_allclose(np.asarray(l32), l64, rtol=1e-5)
    s64 = sample_losses(KEY, post, 20_000, chunk_size=CHUNK, dtype=jnp.float64)
    assert s64.dtype == np.float64
    assert abs(s64.mean() - post.mean_mse) < 4 * s64.std() / math.sqrt(s64.size)


def test_a_million_samples_in_bounded_chunks(post):
    """1e6 samples, 4096 at a time: the largest array is one chunk's (4096, 8, 10) normals (1.3 MiB
    in float32), whatever the number of samples."""
    calls = []
    n, chunk = 1_000_000, CHUNK
    losses = sample_losses(KEY, post, n, chunk_size=chunk, progress=lambda d, t: calls.append(d))
    assert losses.shape == (n,) and losses.dtype == np.float32 and np.all(np.isfinite(losses))
    assert calls == [min((i + 1) * chunk, n) for i in range(math.ceil(n / chunk))]
    assert abs(losses.mean() - post.mean_mse) < 4 * losses.std() / math.sqrt(n)


def test_no_recompilation_across_calls(post):
    sample_losses(KEY, post, 1000, chunk_size=256)
    before = sampling._chunk_losses_jit._cache_size()
    sample_losses(KEY, post, 777, chunk_size=256)  # a different padded last chunk
    sample_losses(jax.random.key(5), post, 2000, chunk_size=256)
    assert sampling._chunk_losses_jit._cache_size() == before


def test_default_chunk_size_bounds_memory():
    big = SimpleNamespace(num_entries=100_000 * 10, rank=100_000, classes=10)
    chunk = default_chunk_size(big, 10**6)
    assert chunk * big.num_entries * 4 <= sampling.CHUNK_BYTES and chunk >= 1
    small = SimpleNamespace(num_entries=80, rank=8, classes=10)
    assert default_chunk_size(small, 100) == 128  # next power of two
    assert default_chunk_size(small, 10**9) <= sampling.MAX_CHUNK
    if jax.default_backend() == "cpu":
        assert default_chunk_size(small, 10**9) * 80 * 4 <= sampling.CPU_CHUNK_BYTES


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"key": 0}, "key must be a JAX PRNG key"),
        ({"num_samples": 0}, "num_samples must be >= 1"),
        ({"num_samples": 2**32 + 1}, "num_samples must be <= 2"),
        ({"dtype": jnp.float16}, "dtype must be float32 or float64"),
        ({"chunk_size": 0}, "chunk_size must be >= 1"),
        ({"progress": 3}, "progress must be a callable"),
        ({"posterior": "post"}, "posterior must be a GPPosterior"),
    ],
)
def test_input_errors(post, kwargs, match):
    args = {"key": KEY, "posterior": post, "num_samples": 10} | kwargs
    key, p, n = args.pop("key"), args.pop("posterior"), args.pop("num_samples")
    with pytest.raises(InputError, match=match):
        sample_losses(key, p, n, **args)
