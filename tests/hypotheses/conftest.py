"""Small regression tasks shared by the hypothesis-space tests."""

from __future__ import annotations

import pytest

from ibcomplexity.tasks.datasets import load_digits
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task


@pytest.fixture(scope="session")
def digits():
    return load_digits()


@pytest.fixture(scope="session")
def small_task(digits) -> RegressionTask:
    """60 training and 25 test digits (8x8, pixels in [0, 1])."""
    return make_regression_task(digits, n_train=60, n_test=25, seed=0)
