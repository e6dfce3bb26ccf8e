"""``ibcomplexity.to_json``: one rule for infinities and missing values, strict JSON text."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import ibcomplexity as ibc
from ibcomplexity import _json


def _strict(text: str):
    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


@given(
    st.recursive(
        st.floats() | st.integers() | st.none() | st.text(max_size=4),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
        max_leaves=20,
    )
)
def test_to_json_is_strict_json_and_numbers_read_back(value):
    back = _strict(ibc.to_json(value))

    def same(a, b):
        if isinstance(a, float):
            if math.isnan(a):
                return b is None
            return _json.number(b) == a
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b

    assert same(value, back)


def test_numpy_values_results_and_the_doctest():
    d = _strict(ibc.to_json({"a": np.float32(np.inf), "b": np.arange(3), "c": (1, -math.inf)}))
    assert d == {"a": "inf", "b": [0, 1, 2], "c": [1, "-inf"]}
    r = ibc.classification_bound(n=10, m=3, delta=0.1, radius=1.0, classes=2, target_error=0.01)
    assert _strict(ibc.to_json(r)) == _strict(ibc.to_json(r.as_dict()))
    assert doctest.testmod(_json).failed == 0
