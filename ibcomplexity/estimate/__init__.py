"""Loss samples -> bits: one quotable answer per sample (empirical, extrapolated with a calibrated
interval, or a lower bound), the fitted loss models behind it, the exact GP estimate, and the bias
an architecture provides.

See :mod:`ibcomplexity.estimate.loss_fit` (with :mod:`~ibcomplexity.estimate.calibration`,
:mod:`~ibcomplexity.estimate.ncx2_fit` and :mod:`~ibcomplexity.estimate.cumulant_fit`),
:mod:`ibcomplexity.estimate.exact`, :mod:`ibcomplexity.estimate.provided` and
:mod:`ibcomplexity.estimate.reference`.
"""

from ibcomplexity.estimate.calibration import Calibration, calibration, resolvable_bits
from ibcomplexity.estimate.cumulant_fit import (
    CUMULANT_MODELS,
    CumulantFit,
    fit_cumulants,
    sample_cumulants,
)
from ibcomplexity.estimate.exact import (
    GPInductiveBias,
    inductive_bias,
    inductive_bias_from_posterior,
    loss_distribution,
)
from ibcomplexity.estimate.loss_fit import (
    MIN_SAMPLES,
    BitsEstimate,
    GoodnessOfFit,
    NcxFit,
    NcxParams,
    TailCheck,
    estimate_bits,
    estimate_bits_at,
    fit_ncx2,
    ncx2_moment_match,
)
from ibcomplexity.estimate.provided import (
    PROVIDED_DEFINITION,
    ProvidedBias,
    ProvidedDifference,
    provided_bias,
    provided_difference,
)
from ibcomplexity.estimate.reference import ReferenceBits, reference_bits, sankaran_z

__all__ = [
    "CUMULANT_MODELS",
    "CumulantFit",
    "fit_cumulants",
    "sample_cumulants",
    "GPInductiveBias",
    "inductive_bias",
    "inductive_bias_from_posterior",
    "loss_distribution",
    "MIN_SAMPLES",
    "BitsEstimate",
    "GoodnessOfFit",
    "NcxFit",
    "NcxParams",
    "TailCheck",
    "estimate_bits",
    "estimate_bits_at",
    "fit_ncx2",
    "ncx2_moment_match",
    "PROVIDED_DEFINITION",
    "ProvidedBias",
    "ProvidedDifference",
    "provided_bias",
    "provided_difference",
    "Calibration",
    "calibration",
    "resolvable_bits",
    "ReferenceBits",
    "reference_bits",
    "sankaran_z",
]
