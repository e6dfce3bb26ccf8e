"""Noncentral and generalized chi-square distributions, with log CDFs computed in log space.

See :mod:`ibcomplexity.distributions.generalized_chi2` for the formulas and references.
"""

from ibcomplexity.distributions.generalized_chi2 import (
    AUTO_IMHOF_MIN_TAIL,
    ChernoffBound,
    GeneralizedChiSquare,
    Saddlepoint,
)
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf, ncx2_log_pdf, ncx2_log_sf

__all__ = [
    "ncx2_log_cdf",
    "ncx2_log_pdf",
    "ncx2_log_sf",
    "GeneralizedChiSquare",
    "Saddlepoint",
    "ChernoffBound",
    "AUTO_IMHOF_MIN_TAIL",
]
