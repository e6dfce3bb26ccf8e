"""One JSON convention for everything the library and the CLI write.

Strict JSON (RFC 8259) has no infinity and no NaN, and a result may hold either: infinite bits
(a target below the smallest reachable loss), an unbounded interval end (``ci_bits`` of a
lower bound), a bound too large for a float. Every JSON payload of ibcomplexity, library
``as_dict`` methods, CLI ``--json``, batch rows and manifests, experiment outputs, follows one
rule:

* ``+inf`` is written as the string ``"inf"`` and ``-inf`` as ``"-inf"``: unbounded, or infinite;
* ``null`` means *not available* (e.g. ``bits`` in the ``lower-bound`` regime, where only a bound
  is stated); NaN, which no finished result should hold, is also written as ``null``;
* numpy scalars and arrays become Python numbers and lists, tuples become lists, frozen result
  dataclasses become objects of their fields.

:func:`number` reads such a value back (``"inf"`` -> ``float("inf")``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["jsonable", "number"]


def jsonable(value: Any) -> Any:
    """``value`` with every non-finite float replaced by the convention of this module."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def number(value: Any) -> float | None:
    """A JSON number written by :func:`jsonable` as a float (``"inf"`` -> inf, null -> None)."""
    if value is None:
        return None
    if isinstance(value, str):
        if value in ("inf", "-inf"):
            return float(value)
        raise ValueError(f"not a number of the ibcomplexity JSON convention: {value!r}")
    return float(value)
