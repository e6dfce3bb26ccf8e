"""The one ``KEY=VALUE`` option parser: every spec family's errors read the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibcomplexity._options import parse_options
from ibcomplexity._validation import InputError

KEYS = ("alpha", "beta", "gamma", "flag")
values = st.text("abcxyz0123456789.-", min_size=1, max_size=6)


@given(st.dictionaries(st.sampled_from(KEYS[:3]), values, max_size=3))
def test_round_trip_in_order(d):
    text = ",".join(f"{k}={v}" for k, v in d.items())
    assert parse_options(text, what="x", allowed=KEYS) == d
    assert list(parse_options(text, what="x", allowed=KEYS)) == list(d)


def test_flags_aliases_case_and_empty_items():
    got = parse_options(
        " alpha = 1 ,, flag, n=3,",
        what="x",
        allowed=KEYS + ("max_examples",),
        flags=("flag",),
        aliases={"n": "max_examples"},
    )
    assert got == {"alpha": "1", "flag": "", "max_examples": "3"}
    assert parse_options("ALPHA=1", what="x", allowed=KEYS, lower=True) == {"alpha": "1"}
    assert parse_options("", what="x", allowed=()) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("delta=1", "spec 'q': unknown key 'delta'; valid keys: alpha, beta, gamma, flag"),
        ("alpha", "spec 'q': 'alpha' is not KEY=VALUE; valid keys: alpha"),
        ("alpha=", "'alpha=' is not KEY=VALUE"),
        ("=3", "'=3' is not KEY=VALUE"),
        ("alpha=1,alpha=2", "spec 'q': key 'alpha' given twice"),
        ("n=1,beta=2", "key 'beta' given twice \\(also as 'n'\\)"),
    ],
)
def test_one_error_style(text, message):
    with pytest.raises(InputError, match=message):
        parse_options(text, what="spec 'q'", allowed=KEYS, aliases={"n": "beta"})


def test_a_family_without_options():
    with pytest.raises(InputError, match="takes no options, got 'x'"):
        parse_options("x", what="architecture spec 'linear:x'", allowed=())
    with pytest.raises(InputError, match="unknown key 'width'; valid keys: none"):
        parse_options("width=3", what="architecture spec 'linear:width=3'", allowed=())


@pytest.mark.parametrize(
    "call",
    [
        lambda: __import__("ibcomplexity").make_kernel("rbf:depth=2"),
        lambda: __import__("ibcomplexity.tasks", fromlist=["load_dataset"]).load_dataset(
            "sphere:m=3,D=20,colour=red"
        ),
        lambda: __import__("ibcomplexity.tasks", fromlist=["load_dataset"]).load_dataset(
            "digits@blur=3"
        ),
    ],
)
def test_every_family_uses_it(call):
    with pytest.raises(InputError, match=r": unknown key '\w+'; valid keys: "):
        call()
