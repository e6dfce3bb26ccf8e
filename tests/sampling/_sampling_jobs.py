"""Small GP and network jobs shared by the sampling-core tests (imported by name; also run as a
script in subprocesses with a simulated device count, see ``test_devices.py``)."""

from __future__ import annotations

import numpy as np

from ibcomplexity.tasks.datasets import load_digits
from ibcomplexity.tasks.regression import RegressionTask, make_regression_task

# A tiny MLP trained briefly: one compilation of a few seconds on CPU.
NN_SPEC = "mlp:width=8,depth=1"
NN_KW = {"epochs": 2, "batch_size": 10, "lr": 1e-2}


def nn_task() -> RegressionTask:
    """20 training and 10 test digits."""
    return make_regression_task(load_digits(), n_train=20, n_test=10, seed=0)


def gp_posterior_small():
    """A GP posterior on 30 training and 8 test digits (rank 8, k = 10)."""
    from ibcomplexity.hypotheses.gp import GPSpace, gp_posterior
    from ibcomplexity.hypotheses.kernels import Kernel

    ds = load_digits()
    idx = np.random.default_rng(0).permutation(ds.n)
    eye = np.eye(10, dtype=np.float32)
    train, test = idx[:30], idx[30:38]
    task = RegressionTask(
        x_train=ds.x[train],
        y_train=eye[ds.y[train]],
        x_test=ds.x[test],
        y_test=eye[ds.y[test]],
        labels_train=ds.y[train],
        labels_test=ds.y[test],
        classes=10,
        name="digits-rows",
        seed=0,
    )
    return gp_posterior(GPSpace(Kernel("rbf", 2.0)), task)
