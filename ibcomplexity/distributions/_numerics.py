r"""Float64 NumPy helpers shared by the generalized chi-square modules.

Private: used by :mod:`ibcomplexity.distributions.generalized_chi2` and its private helper modules
:mod:`~ibcomplexity.distributions._saddlepoint` and :mod:`~ibcomplexity.distributions._imhof`.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

__all__ = ["BLOCK_ELEMENTS", "ComponentsLike", "blend", "log1m_exp", "row_blocks"]


class ComponentsLike(Protocol):
    """What the saddlepoint and Imhof helpers read of a generalized chi-square.

    :class:`~ibcomplexity.distributions.generalized_chi2.GeneralizedChiSquare` satisfies it; the
    helpers depend on this shape, not on that class, so the modules import in one direction.
    """

    weights: np.ndarray
    dofs: np.ndarray
    noncentralities: np.ndarray
    offset: float
    num_components: int
    mean: float
    variance: float
    t_max: float


# Rows of x processed at once, so that the (rows, components) temporaries stay ~ 16 MiB.
BLOCK_ELEMENTS = 2**21


def row_blocks(rows: np.ndarray, width: int):
    """Split row indices into blocks of at most ``BLOCK_ELEMENTS / width`` rows.

    Exists so that the ``(rows, components)`` temporaries of the vectorised CGF and saddlepoint
    sums stay bounded for many points and many components.
    """
    size = max(1, BLOCK_ELEMENTS // max(width, 1))
    for start in range(0, rows.size, size):
        yield rows[start : start + size]


def blend(frac: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``frac * a + (1 - frac) * b``, exactly ``b`` where ``frac == 0`` even if ``a`` is -inf."""
    with np.errstate(invalid="ignore"):
        mixed = frac * a + (1.0 - frac) * b
    return np.where(frac == 0.0, b, np.where(frac == 1.0, a, mixed))


def log1m_exp(a: np.ndarray) -> np.ndarray:
    r""":math:`\ln(1 - e^a)` for :math:`a \le 0`, accurate at both ends (Maechler 2012 switch at
    :math:`-\ln 2`); ``-inf`` at ``a = 0``."""
    with np.errstate(divide="ignore"):
        return np.where(a > -math.log(2.0), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))
