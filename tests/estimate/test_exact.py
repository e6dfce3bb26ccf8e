"""Exact GP inductive bias: the whole pipeline (posterior -> generalized chi-square -> bits) against
Monte Carlo from the independent sampler, and its contract (Chernoff, N, infinite case)."""

import dataclasses
import math

import jax
import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.estimate import inductive_bias, inductive_bias_from_posterior, loss_distribution
from ibcomplexity.hypotheses import GPSpace, gp_posterior, sample_losses
from ibcomplexity.tasks import load_digits, make_regression_task


@pytest.fixture(scope="module")
def posterior():
    task = make_regression_task(load_digits(), n_train=200, n_test=40, seed=1)
    return gp_posterior(GPSpace(kernel="rbf"), task)


@pytest.fixture(scope="module")
def losses(posterior):
    # 400,000 float64 samples from the sampler (which never uses the chi-square decomposition's CDF)
    import jax.numpy as jnp

    return sample_losses(jax.random.key(7), posterior, 400_000, dtype=jnp.float64)


@pytest.mark.integration
@pytest.mark.parametrize("q", [0.5, 0.1, 0.01, 0.001])
def test_exact_bits_match_monte_carlo(posterior, losses, q):
    """At the empirical q-quantile, P = q up to the binomial standard error of the count."""
    target = float(np.quantile(losses, q))
    r = inductive_bias_from_posterior(posterior, target)
    p_exact = math.exp(r.log_p)
    se = math.sqrt(q * (1 - q) / losses.size)
    assert abs(p_exact - q) < 4.5 * se, (p_exact, q, se)
    assert r.bits == pytest.approx(-math.log2(p_exact), rel=1e-12)


def test_result_contract(posterior):
    dist = loss_distribution(posterior)
    r = inductive_bias_from_posterior(posterior, 0.5 * dist.mean)
    assert not r.infinite and r.bits > 0
    assert r.chernoff_bits <= r.bits + 1e-9  # a guaranteed lower bound
    assert r.bits_per_test_point == pytest.approx(r.bits / posterior.n_test)
    assert r.nats == pytest.approx(r.bits * math.log(2))
    assert r.N == posterior.classes * posterior.rank
    assert r.mean_mse == pytest.approx(posterior.mean_mse, rel=1e-12)
    assert r.space["kernel_name"] == "rbf" and r.space["kernel_params"]["bandwidth"] > 0
    assert r.task["n_train"] == 200 and r.task["n_test"] == 40
    # deterministic: no sampling anywhere
    assert inductive_bias_from_posterior(posterior, 0.5 * dist.mean).bits == r.bits


def test_bits_grow_as_the_target_tightens(posterior):
    dist = loss_distribution(posterior)
    bits = [
        inductive_bias_from_posterior(posterior, f * dist.mean).bits for f in (0.9, 0.6, 0.3, 0.1)
    ]
    assert bits == sorted(bits)
    # deep tail (thousands of nats) stays finite
    assert math.isfinite(inductive_bias_from_posterior(posterior, 1e-4 * dist.mean).bits)


def test_target_below_offset_is_infinite(posterior):
    # Zero the smallest eigenvalues: those directions are fixed by the posterior, and their residual
    # becomes an offset no hypothesis can go below.
    lam = posterior.eigenvalues.copy()
    lam[posterior.rank - 5 :] = 0.0
    fixed = dataclasses.replace(posterior, eigenvalues=lam, rank=posterior.rank - 5)
    offset = loss_distribution(fixed).offset
    assert offset > 0
    r = inductive_bias_from_posterior(fixed, 0.5 * offset)
    assert r.infinite and r.bits == math.inf and "infinite" in r.message
    assert r.as_dict()["bits"] == "inf"
    assert not inductive_bias_from_posterior(
        fixed, 2 * offset + loss_distribution(fixed).mean
    ).infinite


def test_inductive_bias_entry_point_and_errors():
    task = make_regression_task(load_digits(), n_train=60, n_test=20, seed=0)
    r = inductive_bias(GPSpace(kernel="matern52"), task, 0.02)
    assert r.space["kernel_name"] == "matern52"
    with pytest.raises(InputError, match="target_mse must be > 0"):
        inductive_bias(GPSpace(), task, 0.0)
    with pytest.raises(InputError, match="space must be a GPSpace"):
        inductive_bias("rbf", task, 0.01)
