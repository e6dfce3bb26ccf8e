"""The bound reproduces the paper's numbers (method.md section 1.5) in the reference convention.

Two oracles: the published values at the precision they are printed with, and an independent
60-digit mpmath evaluation of the same formulas (tests/bound/_oracle.py) at 1e-9 relative.
"""

import math

import pytest
from _oracle import cartpole, classification, general, omniglot, rl

from ibcomplexity.bound import (
    MUJOCO_DIMS,
    OMNIGLOT_BACKGROUND_ALPHABETS,
    cartpole_bound,
    classification_bound,
    general_bound,
    meta_learning_bound,
    rl_bound,
)

REL = 1e-9

# (n, m, R, delta, C, eps) and the published bits (method.md 1.5).
IMAGE_TASKS = {
    "mnist": ((60000, 14, 17.179045827183984, 2.3987084824335305, 10, 0.001), 1.4848e16),
    "svhn": ((73257, 19, 53.86932485133339, 1.5766998174969105, 10, 0.01), 1.2129e31),
    "cifar10": ((50000, 27, 54.9156786783691, 2.7506414616587023, 10, 0.01), 3.4377e32),
    "imagenet": ((1280901, 48, 943.5923, 65, 1000, 0.1), 3.5833e41),
}


def _rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("name", IMAGE_TASKS)
def test_image_classification_reference(name):
    (n, m, R, d, C, eps), published = IMAGE_TASKS[name]
    r = classification_bound(
        n=n, m=m, radius=R, delta=d, classes=C, target_error=eps, convention="reference"
    )
    assert not r.vacuous
    assert _rel(r.bits, float(classification(n, m, R, d, C, eps))) < REL
    # Published to 5 significant digits.
    assert _rel(r.bits, published) < 0.5e-4 * 1.0001
    assert r.log10_bits == pytest.approx(math.log10(published), abs=3e-5)


@pytest.mark.parametrize("name", IMAGE_TASKS)
def test_integer_degree_convention_against_oracle(name):
    (n, m, R, d, C, eps), _ = IMAGE_TASKS[name]
    r = classification_bound(
        n=n, m=m, radius=R, delta=d, classes=C, target_error=eps, convention="integer-degree"
    )
    assert _rel(r.bits, float(classification(n, m, R, d, C, eps, integer_degree=True))) < REL
    ref = classification_bound(
        n=n, m=m, radius=R, delta=d, classes=C, target_error=eps, convention="reference"
    )
    assert r.bits < ref.bits  # the integer degree counts fewer eigenfunctions
    assert r.terms.K == math.floor(ref.terms.K)


def test_one_hot_convention_uses_D_equals_C():
    (n, m, R, d, C, eps), _ = IMAGE_TASKS["mnist"]
    r = classification_bound(
        n=n, m=m, radius=R, delta=d, classes=C, target_error=eps, convention="one-hot"
    )
    assert r.terms.D == C
    assert _rel(r.bits, float(general(eps, n, m, R, C, d, C, 1))) < REL


@pytest.mark.parametrize(
    "T,published", [(1, 4.415e9), (2, 3.326e17), (3, 1.464e25), (4, 4.689e32), (5, 1.187e40)]
)
def test_cartpole(T, published):
    r = cartpole_bound(T)
    assert _rel(r.bits, float(cartpole(T))) < REL
    assert _rel(r.bits, published) < 0.5e-3 * 1.0001  # published to 4 digits
    assert r.terms.dim_m == 2 * T and r.terms.D == 1


@pytest.mark.parametrize(
    "name,published", [("reacher", 2.914e25), ("hopper", 7.613e58), ("halfcheetah", 1.718e66)]
)
def test_mujoco(name, published):
    obs, act = MUJOCO_DIMS[name]
    r = rl_bound(obs_dim=obs, action_dim=act, n=10**6, delta=1e-3, target_error=1e-3)
    assert _rel(r.bits, float(rl(obs, act, 10**6, "0.001", "0.001"))) < REL
    assert _rel(r.bits, published) < 0.5e-3 * 1.0001


def test_omniglot():
    sizes = list(OMNIGLOT_BACKGROUND_ALPHABETS.values())
    assert len(sizes) == 30 and sum(sizes) == 964
    r = meta_learning_bound(convention="reference")
    assert _rel(r.bits, float(omniglot(sizes))) < REL
    assert _rel(r.bits, 1.79e145) < 0.005  # "about 1.79e145"


@pytest.mark.parametrize("m", [100, 171, 300, 1000])
def test_high_dimension_stays_finite_and_exact(m):
    """Naive float64 gamma(m + K + 1) overflows from m ~ 170; the log-space result must not."""
    (n, _, R, d, C, eps), _ = IMAGE_TASKS["mnist"]
    r = classification_bound(
        n=n, m=m, radius=R * 40, delta=d, classes=C, target_error=eps, convention="reference"
    )
    oracle = classification(n, m, R * 40, d, C, eps)
    assert r.log10_bits is not None and math.isfinite(r.log10_bits)
    assert abs(r.log10_bits - float(log10(oracle))) < 1e-9 * abs(float(log10(oracle)))
    with pytest.raises(OverflowError):
        math.gamma(m + r.terms.K + 1)  # what a naive implementation would have to evaluate


def log10(x):
    from mpmath import log10 as _l

    return _l(x)


def test_bits_beyond_float_range_are_reported_in_log10():
    r = classification_bound(
        n=60000,
        m=300,
        radius=1e4,
        delta=1e-3,
        classes=10,
        target_error=1e-3,
        convention="reference",
    )
    assert r.log10_bits > 308
    assert r.bits == math.inf
    assert r.formatted().endswith("bits") and "e+" in r.formatted()
    assert (
        abs(r.log10_bits - float(log10(classification(60000, 300, 1e4, 1e-3, 10, 1e-3))))
        < 1e-9 * r.log10_bits
    )


def test_general_bound_equals_classification_preset():
    (n, m, R, d, C, eps), _ = IMAGE_TASKS["svhn"]
    a = classification_bound(
        n=n, m=m, radius=R, delta=d, classes=C, target_error=eps, convention="reference"
    )
    b = general_bound(
        target_error=eps, n=n, m=m, radius=R, delta=d, P=C, D=C - 1, B=1, convention="reference"
    )
    assert a.bits == b.bits
