"""The bound library refuses hostile statistics with one clear InputError (issue 16): error rates
outside (0, 1), integers past float range, and statistics whose arithmetic would overflow, and it
does so at once (no hour spent counting 20^(10^15) episodes)."""

from __future__ import annotations

import math
import time

import pytest

from ibcomplexity import InputError
from ibcomplexity.bound import (
    ClassificationTask,
    cartpole_bound,
    classification_bound,
    general_bound,
    meta_learning_bound,
    product_bound,
    rl_bound,
)

MNIST = dict(n=60000, m=14, radius=17.18, delta=2.4, classes=10, target_error=1e-3)
RATE = r"target_error must be an error rate strictly between 0 and 1"
BAD_RATES = [0, 0.0, -0.5, 1, 1.0, 1.5, 2, math.nan, math.inf, -math.inf, 10**400]


@pytest.mark.parametrize("eps", BAD_RATES)
def test_error_rate_bounds_refuse_targets_outside_0_1(eps):
    with pytest.raises(InputError, match=RATE):
        classification_bound(**{**MNIST, "target_error": eps})
    with pytest.raises(InputError, match=RATE):
        meta_learning_bound(target_error=eps)
    with pytest.raises(InputError, match=r"mnist\.target_error must be an error rate"):
        ClassificationTask(**{**MNIST, "target_error": eps}, name="mnist")


def test_product_bound_takes_its_rate_from_validated_tasks():
    a = ClassificationTask(**MNIST, name="a")
    assert product_bound(a, a).log10_bits > 0
    with pytest.raises(InputError, match=RATE.replace("target_error", r"b\.target_error")):
        ClassificationTask(**{**MNIST, "target_error": 1.5}, name="b")


@pytest.mark.parametrize("eps", [0, -1.0, math.nan, math.inf])
def test_loss_targets_must_be_positive_and_finite(eps):
    with pytest.raises(InputError, match="target_error must be"):
        rl_bound(obs_dim=6, action_dim=2, n=10**6, delta=1e-3, target_error=eps)
    with pytest.raises(InputError, match="target_error must be"):
        cartpole_bound(target_error=eps)
    with pytest.raises(InputError, match="target_error must be"):
        general_bound(target_error=eps, n=10, m=2, radius=1.0, delta=0.1, P=2, D=1)


def test_loss_targets_above_1_are_valid():
    """A regression (RL) or general-loss target is an error, not a rate: 1.5 is a loose target."""
    r = rl_bound(obs_dim=6, action_dim=2, n=10**6, delta=1e-3, target_error=1.5)
    assert r.inputs["target_error"] == 1.5 and r.log10_bits is not None
    assert cartpole_bound(target_error=1.5).log10_bits < cartpole_bound().log10_bits
    g = general_bound(target_error=1.5, n=10, m=3, radius=1.0, delta=0.1, P=2, D=1)
    assert g.inputs["target_error"] == 1.5


def test_any_training_set_size_is_a_bound():
    """n enters through its logarithm only: a 400-digit n gives a (vacuous) bound."""
    r = classification_bound(**{**MNIST, "n": 10**400})
    assert r.vacuous and "dim_q <= 0" in r.message
    assert rl_bound(obs_dim=6, action_dim=2, n=10**400, delta=1e-3, target_error=1e-3).vacuous


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: classification_bound(**{**MNIST, "classes": 10**30}), "classes must be at most"),
        (lambda: classification_bound(**{**MNIST, "m": 10**400}), "m must be finite, got an int"),
        (lambda: classification_bound(**{**MNIST, "radius": 10**400}), "radius must be finite"),
        (lambda: classification_bound(**{**MNIST, "delta": 5e-324}), "cutoff frequency 2"),
        (lambda: classification_bound(**{**MNIST, "radius": 1e308}), "cutoff frequency"),
        (
            lambda: general_bound(target_error=0.1, n=10, m=2, radius=1, delta=0.1, P=10**30, D=1),
            "P must be at most",
        ),
        (lambda: meta_learning_bound(ways=10**15), "ways must be at most 10,000"),
        (lambda: meta_learning_bound(drawers=2**60), "drawers must be at most"),
        (lambda: meta_learning_bound(alphabet_sizes=[2**60]), "alphabet_sizes entry must be at"),
        (lambda: meta_learning_bound(delta=1e-300), "cutoff frequency|beyond floating-point"),
        (
            lambda: meta_learning_bound(m_inner=1e5, delta=1e-100),
            r"inner 20-way hypothesis space would have 10\^.* beyond floating-point range",
        ),
        (
            lambda: rl_bound(obs_dim=10**20, action_dim=2, n=10, delta=1e-3, target_error=1e-3),
            "obs_dim must be at most",
        ),
        (lambda: cartpole_bound(10**20), "observations must be at most"),
        (lambda: cartpole_bound(delta=5e-324), r"cutoff frequency 2\*pi/delta overflows"),
    ],
)
def test_statistics_past_float_range_are_one_clear_error(call, match):
    t = time.perf_counter()
    with pytest.raises(InputError, match=match) as info:
        call()
    assert time.perf_counter() - t < 2.0
    assert len(str(info.value)) < 600  # a 400-digit number is described, not printed


def test_ways_beyond_every_alphabet_fail_before_counting_episodes():
    """d^W is never formed for a W no alphabet has: the refusal is immediate."""
    t = time.perf_counter()
    with pytest.raises(InputError, match="no alphabet has at least ways=5000"):
        meta_learning_bound(ways=5000, drawers=2**50)
    assert time.perf_counter() - t < 1.0
