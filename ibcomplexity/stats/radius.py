r"""The data radius R: the largest Euclidean norm of a (flattened) point.

.. math:: R = \max_i \|x_i\|_2

The bound of Boopathy et al. places the data in a ball of radius R around the origin, so R is
measured from the origin, not from the mean: scale or centre the data before if that is intended.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034.
"""

from __future__ import annotations

import math

import numpy as np

from ibcomplexity.stats._prepare import as_points

__all__ = ["radius"]

# Rows per block, so that the float64 temporaries stay a few MiB whatever n is.
_ROWS = 4096


def radius(x) -> float:
    r"""Maximum L2 norm of the rows of ``x`` (flattened), computed in float64.

    Args:
      x: data of shape ``(n, ...)``; each row is flattened to a vector.

    Returns:
      :math:`R = \max_i \|x_i\|_2` as a float.

    Raises:
      InputError: ``x`` is empty, non-numeric or has NaN/inf entries.

    Example:
      >>> radius([[3.0, 4.0], [1.0, 0.0]])
      5.0
    """
    arr = as_points(x)
    best = 0.0
    for s in range(0, arr.shape[0], _ROWS):
        block = arr[s : s + _ROWS]
        best = max(best, float(np.max(np.einsum("ij,ij->i", block, block, dtype=np.float64))))
    return math.sqrt(best)
