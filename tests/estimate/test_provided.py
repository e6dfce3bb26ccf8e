"""provided_bias / provided_difference: bits an architecture provides, with intervals, the
minimum-fit rule, saturation of the base space and its remedy.

Most tests build TrainedHypotheses from chosen test MSEs (no training), so the medians, order
statistics and differences are known exactly; one test trains real networks end to end.
"""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest
from scipy import stats

from ibcomplexity._validation import InputError
from ibcomplexity.bound import classification_bound
from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution, provided_bias
from ibcomplexity.estimate.provided import (
    SATURATION_PROBABILITY,
    _median_ci_ranks,
    provided_difference,
    suggested_prior_scale,
)
from ibcomplexity.hypotheses import GPSpace, gp_posterior
from ibcomplexity.hypotheses.training import TrainConfig, TrainedHypotheses, train_hypotheses
from ibcomplexity.stats import task_statistics
from ibcomplexity.tasks import load_task


@pytest.fixture(scope="module")
def base():
    task = load_task("digits", n_train=120, n_test=60, seed=0)
    posterior = gp_posterior(GPSpace(), task)
    stats_ = task_statistics(task.x_train, task.labels_train, seed=0)
    return task, posterior, stats_


def fake(test_mse, *, fits=None, arch="fake", accuracy=0.9, n_train=120, n_test=60):
    """TrainedHypotheses with the given test MSEs (no training)."""
    test_mse = np.asarray(test_mse, dtype=float)
    n = test_mse.size
    fits = np.ones(n, bool) if fits is None else np.asarray(fits)
    acc = np.full(n, accuracy) if np.ndim(accuracy) == 0 else np.asarray(accuracy, dtype=float)
    return TrainedHypotheses(
        train_mse=np.where(fits, 0.001, 0.5),
        test_mse=test_mse,
        train_accuracy=np.ones(n),
        test_accuracy=acc,
        fits=fits,
        epoch_loss=np.zeros((n, 1)),
        arch=arch,
        config=TrainConfig(epochs=1, batch_size=10),
        fit_threshold=0.01,
        key_data=(0, 0),
        task_name="digits",
        task_seed=0,
        n_train=n_train,
        n_test=n_test,
        classes=10,
    )


def test_median_interval_ranks_are_the_exact_order_statistic_interval():
    """Coverage P(X_(j) <= median <= X_(k)) = P(j <= Bin(n, 1/2) < k) >= 95%, and one rank
    narrower on either side would fall below it."""
    for n in range(20, 200, 7):
        lo, hi = _median_ci_ranks(n, 0.95)  # 0-based
        j, k = lo + 1, hi + 1
        assert j == n + 1 - k  # symmetric
        coverage = stats.binom.cdf(k - 1, n, 0.5) - stats.binom.cdf(j - 1, n, 0.5)
        assert coverage >= 0.95
        narrower = stats.binom.cdf(k - 2, n, 0.5) - stats.binom.cdf(j, n, 0.5)
        assert narrower < 0.95


def test_provided_bias_matches_its_definition(base):
    task, posterior, stats_ = base
    rng = np.random.default_rng(0)
    mse = rng.uniform(0.02, 0.03, 41)
    acc = rng.uniform(0.85, 0.95, 41)
    p = provided_bias(fake(mse, accuracy=acc), posterior=posterior, statistics=stats_)
    eps = float(np.median(mse))
    assert p.achieved_test_mse == eps
    assert p.bits_gp == pytest.approx(inductive_bias_from_posterior(posterior, eps).bits, rel=1e-9)
    lo, hi = _median_ci_ranks(41, 0.95)
    s = np.sort(mse)
    assert p.achieved_test_mse_ci == (s[lo], s[hi])
    # the bits decrease with the error: the interval's ends come from the opposite order stats
    assert p.bits_gp_ci[0] == pytest.approx(inductive_bias_from_posterior(posterior, s[hi]).bits)
    assert p.bits_gp_ci[1] == pytest.approx(inductive_bias_from_posterior(posterior, s[lo]).bits)
    assert p.bits_gp_ci[0] <= p.bits_gp <= p.bits_gp_ci[1]
    assert p.base_probability == pytest.approx(2.0**-p.bits_gp)
    err = float(np.median(1.0 - acc))
    b = classification_bound(
        n=stats_.n,
        m=stats_.intrinsic_dimension.rounded,
        radius=stats_.radius,
        delta=stats_.resolution.delta,
        classes=stats_.classes,
        target_error=err,
    )
    assert p.achieved_test_error == err
    assert p.bound_log10_bits == pytest.approx(b.log10_bits, rel=1e-12)
    assert p.bound_log10_bits_ci[0] <= p.bound_log10_bits <= p.bound_log10_bits_ci[1]
    q = provided_bias(fake(mse), posterior=posterior)
    assert q.bound_log10_bits is None and "no statistics" in q.bound_message
    assert q.as_dict()["bits_gp"] == p.bits_gp


def test_the_minimum_fit_rule_is_the_same_as_ibc_nn(base):
    _, posterior, _ = base
    fits = np.arange(30) < 19  # 19 of 30 fit: one short of MIN_SAMPLES = 20
    with pytest.raises(InputError, match="only 19 of 30 networks fit"):
        provided_bias(fake(np.linspace(0.02, 0.03, 30), fits=fits), posterior=posterior)
    fits[19] = True
    p = provided_bias(fake(np.linspace(0.02, 0.03, 30), fits=fits), posterior=posterior)
    assert p.fit == 20 and p.networks == 30
    assert p.achieved_test_mse == float(np.median(np.linspace(0.02, 0.03, 30)[:20]))


def test_provided_bias_needs_the_same_split(base):
    _, posterior, _ = base
    with pytest.raises(InputError, match="use the same split"):
        provided_bias(fake(np.linspace(0.02, 0.03, 25), n_test=50), posterior=posterior)


def test_difference_resolves_separated_architectures(base):
    _, posterior, _ = base
    dist = loss_distribution(posterior)
    sd = math.sqrt(dist.variance)
    rng = np.random.default_rng(1)
    good = fake(dist.mean - 3 * sd + 0.2 * sd * rng.standard_normal(40), arch="good")
    bad = fake(dist.mean - 1 * sd + 0.2 * sd * rng.standard_normal(40), arch="bad")
    d = provided_difference(good, bad, posterior=posterior, bootstrap=1000, seed=0)
    pa, pb = provided_bias(good, posterior=posterior), provided_bias(bad, posterior=posterior)
    assert d.bits_gp == pytest.approx(pa.bits_gp - pb.bits_gp)
    assert d.bits_gp_ci[0] <= d.bits_gp <= d.bits_gp_ci[1]
    assert d.bits_gp_ci[0] > 0 and d.resolved and not d.saturated
    assert d.message.startswith("resolved: good provides") and "more than bad" in d.message
    # the same seed gives the same interval
    again = provided_difference(good, bad, posterior=posterior, bootstrap=1000, seed=0)
    assert again.bits_gp_ci == d.bits_gp_ci


def test_difference_of_identical_laws_is_unresolved(base):
    _, posterior, _ = base
    dist = loss_distribution(posterior)
    sd = math.sqrt(dist.variance)
    rng = np.random.default_rng(2)
    a = fake(dist.mean - 2 * sd + sd * rng.standard_normal(30), arch="a")
    b = fake(dist.mean - 2 * sd + sd * rng.standard_normal(30), arch="b")
    d = provided_difference(a, b, posterior=posterior, bootstrap=1000, seed=0)
    assert d.bits_gp_ci[0] < 0 < d.bits_gp_ci[1]
    assert not d.resolved and d.message.startswith("unresolved: the 95% interval")


def test_saturated_base_space_says_so_and_offers_a_remedy_that_works(base):
    """Both architectures far above the base space's errors: ~0 bits each, an 'unresolved:
    saturates' verdict, and a prior scale at which the base mean equals the worse error."""
    _, posterior, _ = base
    dist = loss_distribution(posterior)
    sd = math.sqrt(dist.variance)
    a = fake(np.linspace(dist.mean + 20 * sd, dist.mean + 21 * sd, 25), arch="a")
    b = fake(np.linspace(dist.mean + 30 * sd, dist.mean + 31 * sd, 25), arch="b")
    pa = provided_bias(a, posterior=posterior)
    assert pa.saturated and pa.base_probability >= SATURATION_PROBABILITY and pa.bits_gp < 0.0145
    d = provided_difference(a, b, posterior=posterior, bootstrap=500)
    assert d.saturated and not d.resolved
    assert "saturates" in d.message and "--base-scale" in d.message
    scale = suggested_prior_scale(posterior, [pa.achieved_test_mse, float(np.median(b.test_mse))])
    assert scale > 1
    broad = loss_distribution(posterior, prior_scale=scale)
    worst = float(np.median(b.test_mse))
    assert broad.mean >= worst and broad.mean == pytest.approx(worst, rel=0.02)
    # in the broader base space neither saturates and the better one provides more
    d2 = provided_difference(a, b, posterior=posterior, bootstrap=500, prior_scale=scale)
    assert not d2.saturated and d2.resolved and d2.bits_gp > 0


def test_prior_scale_law_matches_monte_carlo(base):
    """loss_distribution(prior_scale=a): the law of mean((mu + sqrt(a) Sigma^1/2 Z - Y)^2)."""
    _, posterior, _ = base
    a = 3.7
    rng = np.random.default_rng(3)
    root = posterior.eigenvectors * np.sqrt(posterior.eigenvalues)[None, :]
    z = rng.standard_normal((4000, posterior.n_test, posterior.classes))
    f = posterior.mu[None] + math.sqrt(a) * np.einsum("ij,sjk->sik", root, z)
    losses = np.mean((f - posterior.y_test[None]) ** 2, axis=(1, 2))
    law = loss_distribution(posterior, prior_scale=a)
    cdf = lambda x: np.exp(law.log_cdf(x))  # noqa: E731
    assert stats.kstest(losses, cdf).pvalue > 0.01
    with pytest.raises(InputError, match="prior_scale"):
        loss_distribution(posterior, prior_scale=0.0)


@pytest.mark.integration
def test_trained_networks_end_to_end(base):
    task, posterior, stats_ = base
    res = train_hypotheses(
        jax.random.key(0), "mlp:width=64,depth=1", task, num=24, epochs=60, batch_size=40, lr=3e-3
    )
    assert res.num_fit >= 20
    p = provided_bias(res, posterior=posterior, statistics=stats_)
    assert p.fit == res.num_fit
    assert p.achieved_test_mse == float(np.median(res.test_mse_fit.astype(np.float64)))
    assert p.bits_gp_ci[0] <= p.bits_gp <= p.bits_gp_ci[1]


def test_difference_in_the_bound_base_space(base):
    """Equal test MSEs but different accuracies: unresolved in the GP space, resolved in the
    bound's (which works on the classification error), and the message says both."""
    _, posterior, stats_ = base
    dist = loss_distribution(posterior)
    sd = math.sqrt(dist.variance)
    rng = np.random.default_rng(5)
    mse = dist.mean - 2 * sd + 0.5 * sd * rng.standard_normal(30)
    good = fake(mse, arch="good", accuracy=rng.uniform(0.94, 0.96, 30))
    bad = fake(mse[::-1], arch="bad", accuracy=rng.uniform(0.84, 0.86, 30))
    d = provided_difference(good, bad, posterior=posterior, statistics=stats_, bootstrap=500)
    assert not d.resolved and d.bits_gp_ci[0] < 0 < d.bits_gp_ci[1]
    assert d.bound_resolved and d.bound_log10_ci[0] > 0
    assert "In the bound's base space" in d.message and "log10 bits more" in d.message
    assert provided_difference(good, bad, posterior=posterior, bootstrap=50).bound_resolved is None
