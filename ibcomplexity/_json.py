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

:func:`to_json` writes a value as strict JSON text by this rule (the CLI's ``--json``, batch
records and experiment outputs all go through it); :func:`jsonable` gives the JSON-ready Python
value; :func:`number` reads such a value back (``"inf"`` -> ``float("inf")``).

    >>> import math
    >>> print(to_json({"bits": math.inf, "ci_bits": [2.5, math.inf], "p": math.nan}, indent=None))
    {"bits": "inf", "ci_bits": [2.5, "inf"], "p": null}
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["jsonable", "number", "to_json"]


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


def to_json(value: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """``value`` (a result object, its ``as_dict()``, or plain data) as strict JSON text.

    Result dataclasses with an ``as_dict`` method are written through it; everything then follows
    the module's rule (``inf`` -> ``"inf"``, NaN -> ``null``), and the text never contains the
    non-standard ``Infinity`` or ``NaN`` tokens (``allow_nan=False`` enforces it).
    """
    if hasattr(value, "as_dict") and callable(value.as_dict):
        value = value.as_dict()
    return json.dumps(jsonable(value), indent=indent, sort_keys=sort_keys, allow_nan=False)
