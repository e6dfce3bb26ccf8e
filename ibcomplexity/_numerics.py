"""Log-space helpers and unit conversions.

The model-agnostic bound spans 1e9 to beyond 1e300 bits and is the product of a hypothesis-space
dimension (a ratio of gamma functions) and a bracket of logarithms. Evaluated naively in float64 the
gamma functions overflow already at intrinsic dimension ~170; everything here therefore works with
natural logarithms and only exponentiates at the very end, when the result is representable.
"""

from __future__ import annotations

import math

from scipy import special

__all__ = [
    "LN2",
    "LN10",
    "log_binom",
    "log_sub_exp",
    "log_add_exp",
    "nats_to_bits",
    "bits_to_nats",
    "exp_or_inf",
    "format_log10",
]

LN2 = math.log(2.0)
LN10 = math.log(10.0)


def nats_to_bits(x: float) -> float:
    """Convert an information quantity from nats to bits (divide by ln 2)."""
    return x / LN2


def bits_to_nats(x: float) -> float:
    """Convert an information quantity from bits to nats (multiply by ln 2)."""
    return x * LN2


def log_binom(a: float, m: float) -> float:
    r"""Natural log of the real-valued binomial coefficient :math:`\binom{a}{m}` for ``a >= m - 1``.

    .. math:: \ln\binom{a}{m} = -\ln(a + 1) - \ln B(a - m + 1, m + 1)

    The beta-function form is used instead of a difference of three ``lgamma`` values because
    ``scipy.special.betaln`` switches to an asymptotic expansion for large arguments and keeps
    relative accuracy where the lgamma differences cancel (degrees of several hundred).
    Returns ``-inf`` when ``a - m + 1 == 0`` (the coefficient is exactly zero, e.g.
    :math:`\binom{m-1}{m}`).
    """
    lower = a - m + 1.0
    if lower < 0:
        raise ValueError(f"log_binom needs a >= m - 1, got a={a}, m={m}")
    if lower == 0:
        return -math.inf
    return -math.log(a + 1.0) - float(special.betaln(lower, m + 1.0))


def log_add_exp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = (a, b) if a >= b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def log_sub_exp(a: float, b: float) -> float:
    """``log(exp(a) - exp(b))`` for ``a > b`` without overflow or cancellation.

    Raises ``ValueError`` when ``a <= b`` (the difference is not positive): callers use that case
    to detect a vacuous bound and must handle it explicitly.
    """
    if not a > b:
        raise ValueError(f"log_sub_exp needs a > b, got a={a}, b={b}")
    if b == -math.inf:
        return a
    return a + math.log(-math.expm1(b - a))


def exp_or_inf(x: float) -> float:
    """``exp(x)``, returning ``inf`` instead of raising ``OverflowError`` beyond float range."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def format_log10(log10_value: float, digits: int = 4) -> str:
    """Scientific notation for a positive number given by its base-10 log (works past 1e308).

    >>> format_log10(16.17166)
    '1.4848e+16'
    """
    if not math.isfinite(log10_value):
        return "inf" if log10_value > 0 else "0"
    exponent = math.floor(log10_value)
    mantissa = 10.0 ** (log10_value - exponent)
    if round(mantissa, digits) >= 10.0:
        mantissa /= 10.0
        exponent += 1
    return f"{mantissa:.{digits}f}e{exponent:+03d}"
