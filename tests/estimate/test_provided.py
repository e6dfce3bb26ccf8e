"""provided_bias: bits an architecture provides, in the exact GP and the bound base spaces."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.bound import classification_bound
from ibcomplexity.estimate import inductive_bias_from_posterior, provided_bias
from ibcomplexity.hypotheses import GPSpace, gp_posterior
from ibcomplexity.hypotheses.training import train_hypotheses
from ibcomplexity.stats import task_statistics
from ibcomplexity.tasks import load_task


@pytest.fixture(scope="module")
def setup():
    task = load_task("digits", n_train=120, n_test=60, seed=0)
    posterior = gp_posterior(GPSpace(), task)
    stats = task_statistics(task.x_train, task.labels_train, seed=0)
    res = train_hypotheses(
        jax.random.key(0), "mlp:width=32,depth=1", task, num=6, epochs=30, batch_size=32, lr=3e-3
    )
    return task, posterior, stats, res


def test_provided_bias_matches_its_definition(setup):
    task, posterior, stats, res = setup
    p = provided_bias(res, posterior=posterior, statistics=stats)
    used = res.fits if res.num_fit else np.ones(res.num, bool)
    eps = float(np.median(res.test_mse[used]))
    err = float(np.median(1.0 - res.test_accuracy[used]))
    assert p.achieved_test_mse == eps and p.achieved_test_error == err
    assert p.bits_gp == pytest.approx(inductive_bias_from_posterior(posterior, eps).bits, rel=0)
    assert p.networks == 6 and p.fit == res.num_fit
    if err > 0:
        b = classification_bound(
            n=stats.n,
            m=stats.intrinsic_dimension.rounded,
            radius=stats.radius,
            delta=stats.resolution.delta,
            classes=stats.classes,
            target_error=err,
        )
        assert p.bound_log10_bits == pytest.approx(b.log10_bits, rel=1e-12)
    # Without statistics there is no bound, and it says so.
    q = provided_bias(res, posterior=posterior)
    assert q.bound_log10_bits is None and "no statistics" in q.bound_message
    assert q.bits_gp == p.bits_gp


def test_a_better_architecture_provides_more_bits(setup):
    """Monotonicity: a lower achieved error needs more bits in the same base space."""
    task, posterior, stats, res = setup
    worse = train_hypotheses(
        jax.random.key(0), "mlp:width=32,depth=1", task, num=6, epochs=1, batch_size=32, lr=3e-3
    )
    good = provided_bias(res, posterior=posterior)
    bad = provided_bias(worse, posterior=posterior)
    assert bad.achieved_test_mse > good.achieved_test_mse
    assert good.bits_gp > bad.bits_gp
    assert bad.fit == 0 and "no network fits" in bad.note


def test_provided_bias_needs_the_same_split(setup):
    task, posterior, stats, res = setup
    other = gp_posterior(GPSpace(), load_task("digits", n_train=120, n_test=50, seed=0))
    with pytest.raises(InputError, match="use the same split"):
        provided_bias(res, posterior=other)
