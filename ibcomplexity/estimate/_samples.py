"""Input checks shared by the loss-sample estimators (a sample of losses, a target loss)."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ibcomplexity._validation import InputError, check_finite_array

# Fewest losses accepted: three parameters and a third moment need at least a few tens of points.
MIN_SAMPLES = 20


def _check_losses(losses, *, allow_zero: bool = True) -> np.ndarray:
    arr = check_finite_array("losses", losses)
    if arr.ndim != 1:
        raise InputError(f"losses must be a 1-D sample, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError("losses is empty")
    arr = arr.astype(float)
    if np.any(arr < 0):
        raise InputError(
            f"losses must be >= 0 (a loss is non-negative); {int(np.sum(arr < 0))} are negative, "
            f"the smallest {float(arr.min())!r}"
        )
    if not allow_zero and np.any(arr == 0):
        raise InputError(
            f"losses has {int(np.sum(arr == 0))} exact zeros; the scaled noncentral chi-square "
            "(location 0) has density 0 or infinity there and cannot be fitted"
        )
    if arr.size < MIN_SAMPLES:
        raise InputError(
            f"losses has {arr.size} samples; at least {MIN_SAMPLES} are needed to fit three "
            "parameters"
        )
    if np.all(arr == arr[0]):
        raise InputError("losses are all equal; a distribution cannot be fitted to one value")
    return arr


def _check_target(target) -> float:
    if isinstance(target, bool) or not isinstance(target, Real):
        raise InputError(f"target must be a number, got {target!r}")
    eps = float(target)
    if math.isnan(eps) or eps < 0 or eps == math.inf:
        raise InputError(f"target must be a finite loss >= 0, got {target!r}")
    return eps
