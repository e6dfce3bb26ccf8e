"""Hypothesis spaces: kernels, the exact GP posterior and sampled test losses."""

from ibcomplexity.hypotheses.gp import GPPosterior, GPSpace, gp_posterior
from ibcomplexity.hypotheses.kernels import (
    KERNELS,
    PREPROCESSING_MODES,
    Kernel,
    Preprocessing,
    kernel_specs_help,
    laplace,
    make_kernel,
    matern32,
    matern52,
    median_bandwidth,
    nngp_relu,
    rbf,
    scale_inputs,
)
from ibcomplexity.hypotheses.networks import (
    ARCHITECTURES,
    Architecture,
    arch_specs_help,
    parse_arch,
)
from ibcomplexity.hypotheses.sampling import (
    loss_one,
    loss_terms,
    sample_losses,
)
from ibcomplexity.hypotheses.training import (
    TrainConfig,
    TrainedHypotheses,
    train_hypotheses,
    train_network,
)

__all__ = [
    "GPPosterior",
    "GPSpace",
    "gp_posterior",
    "KERNELS",
    "PREPROCESSING_MODES",
    "Kernel",
    "Preprocessing",
    "kernel_specs_help",
    "laplace",
    "make_kernel",
    "matern32",
    "matern52",
    "median_bandwidth",
    "nngp_relu",
    "scale_inputs",
    "rbf",
    "loss_one",
    "loss_terms",
    "sample_losses",
    "ARCHITECTURES",
    "Architecture",
    "arch_specs_help",
    "parse_arch",
    "TrainConfig",
    "TrainedHypotheses",
    "train_hypotheses",
    "train_network",
]
