"""Input validation shared by the library and the CLI.

Every user-facing entry point checks its inputs here, *before* any JAX code runs, so that bad input
produces one clear sentence naming the offending argument instead of a traceback from deep inside
JAX
or a silent NaN.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["InputError", "check_finite_array", "check_int", "check_positive", "check_probability"]


class InputError(ValueError):
    """Raised for bad user input. The message names the argument and says what was wrong."""


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite positive real number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{name} must be finite, got {value!r}")
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {bound}, got {value!r}")
    return v


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Floats that are exactly integral (``60000.0``, ``1e6``) are accepted, since cards and the CLI
    often write counts that way.
    """
    if isinstance(value, bool):
        raise InputError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, Integral):
        v = int(value)
    elif isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        v = int(float(value))
    else:
        raise InputError(f"{name} must be an integer, got {value!r}")
    if v < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {v}")
    return v


def check_probability(name: str, value, *, open_interval: bool = True) -> float:
    """Return ``value`` as a float in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    v = check_positive(name, value, allow_zero=not open_interval)
    if v > 1 or (open_interval and v == 1):
        raise InputError(
            f"{name} must be in {'(0, 1)' if open_interval else '[0, 1]'}, got {value!r}"
        )
    return v


def check_finite_array(name: str, x) -> np.ndarray:
    """Return ``x`` as a numpy array after checking that it has no NaN or infinite entries."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            flat = bad.reshape(bad.shape[0], -1).any(axis=1) if arr.ndim > 1 else bad
            rows = np.flatnonzero(flat)
            raise InputError(
                f"{name} has {int(bad.sum())} NaN/inf entries in {rows.size} rows "
                f"(first at row {int(rows[0])}); clean the data first"
            )
    return arr
