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

__all__ = [
    "InputError",
    "check_error_rate",
    "check_finite_array",
    "check_int",
    "check_positive",
    "check_probability",
    "check_target_error",
    "show_value",
]

# Integers with more digits than this are shown by their size (Python refuses to print an int of
# more than 4300 digits, and a 300-digit number in an error message helps nobody).
_SHOW_DIGITS = 30


class InputError(ValueError):
    """Raised for bad user input. The message names the argument and says what was wrong."""


def show_value(value) -> str:
    """``repr(value)`` for an error message; a huge integer is shown as ``an integer of N digits``.

    >>> show_value(10**40)
    'an integer of 41 digits'
    """
    if isinstance(value, Integral) and not isinstance(value, bool):
        v = abs(int(value))
        if v.bit_length() > _SHOW_DIGITS * 3.33:
            digits = int(v.bit_length() * math.log10(2)) + 1  # exact or one too many
            if v < 10 ** (digits - 1):
                digits -= 1
            return f"{'a negative' if int(value) < 0 else 'an'} integer of {digits} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite positive real number.

    An integer too large for a float (beyond about 1.8e308) is refused as not finite.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name} must be a number, got {show_value(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf if value > 0 else -math.inf
    if not math.isfinite(v):
        raise InputError(f"{name} must be finite, got {show_value(value)}")
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {bound}, got {show_value(value)}")
    return v


def check_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum`` (and <=
    ``maximum`` when given).

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
        raise InputError(f"{name} must be an integer, got {show_value(value)}")
    if v < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {show_value(v)}")
    if maximum is not None and v > maximum:
        raise InputError(f"{name} must be at most {maximum:,}, got {show_value(v)}")
    return v


def check_probability(name: str, value, *, open_interval: bool = True) -> float:
    """Return ``value`` as a float in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    v = check_positive(name, value, allow_zero=not open_interval)
    if v > 1 or (open_interval and v == 1):
        raise InputError(
            f"{name} must be in {'(0, 1)' if open_interval else '[0, 1]'}, got {show_value(value)}"
        )
    return v


def check_error_rate(name: str, value) -> float:
    """Return an error rate (a classification error, a probability of a mistake) in (0, 1).

    0 is unreachable for the bound (it needs infinitely many bits), and a rate of 1 or more asks
    for nothing; NaN and infinities are refused. The message names the valid range.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name} must be an error rate in (0, 1), got {show_value(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    if not 0.0 < v < 1.0:
        raise InputError(
            f"{name} must be an error rate strictly between 0 and 1, got {show_value(value)}"
        )
    return v


def check_target_error(value, *, rate: bool, option: str = "--target-error") -> None:
    """``--target-error``: an error rate in (0, 1) for classification and meta-learning; any
    finite positive number for a regression (RL) source, whose target is a regression error."""
    if value is None:
        return
    if rate:
        check_error_rate(option, value)
    else:
        check_positive(f"{option} (a regression target error)", value)


def check_finite_array(name: str, x) -> np.ndarray:
    """Return ``x`` as a numpy array after checking that it has no NaN or infinite entries."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        # checked in row blocks: a whole-array mask would cost a byte per entry (0.6 GB for
        # 2e5 x 784 points, a large share of the memory the statistics need)
        rows = max(1, (1 << 24) // max(1, arr[:1].size))
        if arr.ndim and all(np.isfinite(arr[s : s + rows]).all() for s in range(0, len(arr), rows)):
            return arr
        bad = ~np.isfinite(arr)
        if bad.any():
            flat = bad.reshape(bad.shape[0], -1).any(axis=1) if arr.ndim > 1 else bad
            rows = np.flatnonzero(flat)
            raise InputError(
                f"{name} has {int(bad.sum())} NaN/inf entries in {rows.size} rows "
                f"(first at row {int(rows[0])}); clean the data first"
            )
    return arr
