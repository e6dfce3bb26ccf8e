"""``start``: a call with ``start=a, num=n`` returns hypotheses a .. a+n-1 of the job, exactly the
slice of a bigger run; bad starts raise InputError."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from _sampling_jobs import NN_KW, NN_SPEC, gp_posterior_small, nn_task

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses.sampling import sample_losses
from ibcomplexity.hypotheses.training import train_hypotheses

KEY = jax.random.key(3)


@pytest.fixture(scope="module")
def post():
    return gp_posterior_small()


@pytest.fixture(scope="module")
def task():
    return nn_task()


@pytest.mark.parametrize(("start", "num", "chunk"), [(0, 100, 48), (37, 50, 256), (90, 10, 48)])
def test_gp_slices_equal_runs_with_start(post, start, num, chunk):
    full = sample_losses(KEY, post, 100, chunk_size=48)
    part = sample_losses(KEY, post, num, start=start, chunk_size=chunk)
    # Another chunk width may vectorise the sum differently: equal to float32 rounding.
    np.testing.assert_allclose(part, full[start : start + num], rtol=1e-6)


def test_gp_start_near_the_index_limit(post):
    """The last valid indices 2^32 - 3 .. 2^32 - 1 work (the padded tail wraps, then is trimmed),
    and a one-sample call at the very last index equals the slice."""
    top = 2**32 - 3
    losses = sample_losses(KEY, post, 3, start=top, chunk_size=48)
    assert losses.shape == (3,) and np.all(np.isfinite(losses))
    again = sample_losses(KEY, post, 1, start=top + 2, chunk_size=48)
    np.testing.assert_array_equal(again, losses[2:])


def test_nn_slices_equal_runs_with_start(task):
    """Networks 3 .. 7 of an 8-network job (chunks of 4, the same compilation for both runs)."""
    full = train_hypotheses(KEY, NN_SPEC, task, num=8, chunk=4, **NN_KW)
    part = train_hypotheses(KEY, NN_SPEC, task, num=5, start=3, chunk=4, **NN_KW)
    for name in ("train_mse", "test_mse", "train_accuracy", "test_accuracy", "epoch_loss"):
        np.testing.assert_array_equal(getattr(part, name), getattr(full, name)[3:])
    np.testing.assert_array_equal(part.fits, full.fits[3:])


@pytest.mark.parametrize(
    ("start", "num", "match"),
    [(-1, 4, "start must be >= 0"), (1.5, 4, "start must be an integer"), (2**32 - 2, 3, "2\\^32")],
)
def test_bad_start(post, task, start, num, match):
    with pytest.raises(InputError, match=match):
        sample_losses(KEY, post, num, start=start)
    with pytest.raises(InputError, match=match):
        train_hypotheses(KEY, NN_SPEC, task, num=num, start=start, **NN_KW)
