"""Loss samples -> bits: fitted loss model with bootstrap interval, empirical count, reference.

See :mod:`ibcomplexity.estimate.loss_fit` (with :mod:`~ibcomplexity.estimate.ncx2_fit` and
:mod:`~ibcomplexity.estimate.cumulant_fit`) and :mod:`ibcomplexity.estimate.reference`.
"""

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
from ibcomplexity.estimate.provided import PROVIDED_DEFINITION, ProvidedBias, provided_bias
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
    "provided_bias",
    "ReferenceBits",
    "reference_bits",
    "sankaran_z",
]
