"""Invariants of the bound (hypothesis), vacuity, units and input validation."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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

tasks = st.fixed_dictionaries(
    dict(
        n=st.integers(10, 10**7),
        m=st.integers(1, 120),
        radius=st.floats(1.0, 1e3),
        delta=st.floats(1e-2, 10.0),
        classes=st.integers(2, 1000),
        target_error=st.floats(1e-6, 0.5),
    )
)
conventions = st.sampled_from(["reference", "integer-degree", "one-hot", "integer-degree+one-hot"])


@settings(max_examples=200, deadline=None)
@given(tasks, conventions, st.floats(1.01, 100.0))
def test_tighter_target_needs_more_bits(t, conv, factor):
    a = classification_bound(**t, convention=conv)
    b = classification_bound(**{**t, "target_error": t["target_error"] / factor}, convention=conv)
    assume(not a.vacuous)
    assert not b.vacuous and b.log10_bits > a.log10_bits
    # bits are linear in -log2(eps) at fixed dim_q
    assert b.terms.bracket - a.terms.bracket == pytest.approx(math.log2(factor), rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(tasks, conventions, st.integers(2, 100))
def test_more_data_never_increases_bits(t, conv, factor):
    a = classification_bound(**t, convention=conv)
    b = classification_bound(**{**t, "n": t["n"] * factor}, convention=conv)
    assume(not a.vacuous and not b.vacuous)
    assert b.log10_bits < a.log10_bits


@settings(max_examples=200, deadline=None)
@given(tasks, st.floats(1e-3, 1e3))
def test_only_R_over_delta_matters(t, scale):
    """R cancels except through R/delta (method.md 1.1)."""
    a = classification_bound(**t, convention="reference")
    b = classification_bound(
        **{**t, "radius": t["radius"] * scale, "delta": t["delta"] * scale}, convention="reference"
    )
    assert a.vacuous == b.vacuous
    if not a.vacuous:
        assert b.log10_bits == pytest.approx(a.log10_bits, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(tasks)
def test_integer_degree_never_exceeds_reference(t):
    ref = classification_bound(**t, convention="reference")
    integer = classification_bound(**t, convention="integer-degree")
    assert integer.terms.K <= ref.terms.K
    assert integer.terms.log10_E <= ref.terms.log10_E + 1e-12
    if not ref.vacuous and not integer.vacuous:
        assert integer.log10_bits <= ref.log10_bits + 1e-12


@settings(max_examples=200, deadline=None)
@given(tasks, conventions)
def test_result_is_consistent(t, conv):
    r = classification_bound(**t, convention=conv)
    assert r.vacuous == (r.terms.dim_q <= 0 or r.terms.bracket <= 0)
    if r.vacuous:
        assert r.log10_bits is None and math.isnan(r.bits) and r.message.startswith("vacuous")
        assert r.as_dict()["bits"] is None
    else:
        assert r.bits > 0 and r.message == ""
        expected = math.log10(r.terms.bracket) + r.terms.log10_dim_q
        assert r.log10_bits == pytest.approx(expected, rel=1e-12)
        assert r.terms.bracket == pytest.approx(math.fsum(r.terms.bracket_parts.values()), abs=1e-9)


def test_units():
    r = classification_bound(n=60000, m=14, radius=17.18, delta=2.4, classes=10, target_error=1e-3)
    nats = r.to_unit("nats")
    assert nats.unit == "nats" and nats.value == pytest.approx(r.bits * math.log(2), rel=1e-12)
    assert nats.log10_value == pytest.approx(math.log10(r.bits * math.log(2)), rel=1e-12)
    assert r.value == r.bits
    with pytest.raises(ValueError):
        r.to_unit("bytes")


def test_vacuous_when_training_data_pin_everything_down():
    r = classification_bound(n=10**9, m=2, radius=1.0, delta=1.0, classes=2, target_error=1e-3)
    assert r.vacuous and "dim_q <= 0" in r.message and r.terms.dim_q < 0


def test_vacuous_when_target_is_loose():
    # the general form takes any positive loss target (classification refuses rates >= 1)
    r = general_bound(n=10, m=3, radius=1.0, delta=0.1, P=2, D=1, target_error=1e6)
    assert r.terms.dim_q > 0 and r.terms.bracket <= 0
    assert r.vacuous and "bracket" in r.message


def test_vacuous_when_integer_degree_is_zero():
    r = classification_bound(n=10, m=50, radius=1.0, delta=5.0, classes=2, target_error=1e-3)
    assert r.terms.K == 0 and r.vacuous


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(target_error=0.0), r"target_error must be an error rate strictly between 0 and 1"),
        (dict(target_error=-1), r"target_error must be an error rate .*, got -1"),
        (dict(target_error=math.nan), r"target_error must be an error rate .*, got nan"),
        (dict(target_error=1.0), r"strictly between 0 and 1, got 1\.0"),
        (dict(target_error=1.5), r"strictly between 0 and 1, got 1\.5"),
        (dict(target_error=math.inf), r"strictly between 0 and 1, got inf"),
        (dict(target_error=10**400), r"got an integer of 401 digits"),
        (dict(n=0), "n must be >= 1"),
        (dict(n=2.5), "n must be an integer"),
        (dict(m=0.5), "m .* must be >= 1"),
        (dict(radius=-1.0), "radius must be > 0"),
        (dict(delta=0.0), "delta must be > 0"),
        (dict(classes=1), "classes must be >= 2"),
        (dict(classes="ten"), "classes must be an integer"),
        (dict(convention="exact"), "unknown convention 'exact'"),
        (dict(unit="bytes"), "unit must be"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, match):
    base = dict(n=60000, m=14, radius=17.18, delta=2.4, classes=10, target_error=1e-3)
    with pytest.raises(InputError, match=match):
        classification_bound(**{**base, **kwargs})


def test_other_families_validate_input():
    with pytest.raises(InputError, match="observations must be >= 1"):
        cartpole_bound(0)
    with pytest.raises(InputError, match="action_dim"):
        rl_bound(obs_dim=3, action_dim=0, n=10, delta=1e-3, target_error=1e-3)
    with pytest.raises(InputError, match="no alphabet has at least ways=20"):
        meta_learning_bound(alphabet_sizes=[5, 10])
    with pytest.raises(InputError, match="B must be > 0"):
        general_bound(target_error=0.1, n=10, m=2, radius=1, delta=0.1, P=2, D=1, B=0)
    with pytest.raises(InputError, match="mnist.delta must be > 0"):
        ClassificationTask(n=10, m=2, radius=1, delta=0, classes=2, target_error=0.1, name="mnist")


def test_partially_observed_cartpole_needs_more_bits():
    bits = [cartpole_bound(T).log10_bits for T in range(1, 6)]
    assert bits == sorted(bits)


def test_product_is_asymmetric_and_combines_statistics():
    a = ClassificationTask(
        n=60000, m=14, radius=17.179, delta=2.3987, classes=10, target_error=1e-3, name="a"
    )
    b = ClassificationTask(
        n=50000, m=27, radius=54.916, delta=2.7506, classes=10, target_error=1e-2, name="b"
    )
    ab, ba = (
        product_bound(a, b, convention="reference"),
        product_bound(b, a, convention="reference"),
    )
    assert ab.log10_bits != ba.log10_bits
    direct = general_bound(
        target_error=1e-3,
        n=60000 * 50000,
        m=41,
        radius=math.hypot(17.179, 54.916),
        delta=2.3987,
        P=100,
        D=10,
        B=1,
        convention="reference",
    )
    assert ab.bits == pytest.approx(direct.bits, rel=1e-12)
    assert ab.log10_bits > max(
        classification_bound(
            n=a.n, m=a.m, radius=a.radius, delta=a.delta, classes=10, target_error=1e-3
        ).log10_bits,
        classification_bound(
            n=b.n, m=b.m, radius=b.radius, delta=b.delta, classes=10, target_error=1e-2
        ).log10_bits,
    )
