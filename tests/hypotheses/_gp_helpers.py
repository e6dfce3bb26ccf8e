"""Helpers shared by the hypothesis-space tests (imported by name, like tests/bound/_oracle.py)."""

from __future__ import annotations

import numpy as np

from ibcomplexity.tasks.regression import RegressionTask


def task_from_indices(ds, train, test, name="digits-rows", y_train=None) -> RegressionTask:
    """A RegressionTask on chosen rows of a dataset (repeats allowed), one-hot over 10 classes;
    ``y_train`` overrides the training targets."""
    eye = np.eye(10, dtype=np.float32)
    return RegressionTask(
        x_train=ds.x[train],
        y_train=eye[ds.y[train]] if y_train is None else y_train,
        x_test=ds.x[test],
        y_test=eye[ds.y[test]],
        labels_train=ds.y[train],
        labels_test=ds.y[test],
        classes=10,
        name=name,
        seed=0,
    )
