"""Trained-network hypotheses: keys, chunking, loss normalisation, fit filter, validation.

Every distinct (architecture, config, chunk) costs one XLA compilation (a few seconds on CPU), so
the tests share a few module-scoped runs of one tiny MLP.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses import training
from ibcomplexity.hypotheses.networks import parse_arch
from ibcomplexity.hypotheses.training import (
    DEFAULT_FIT_THRESHOLD,
    TrainConfig,
    TrainedHypotheses,
    _check_key,
    _objective,
    default_chunk,
    network_key,
    predict,
    train_hypotheses,
    train_network,
)
from ibcomplexity.tasks.datasets import load_digits
from ibcomplexity.tasks.regression import make_regression_task

#: Training-heavy or large statistical checks: CI runs them (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

SPEC = "mlp:width=16,depth=1"
NUM = 6
# 40 training examples in batches of 16: 3 steps per epoch, the last one 8 real + 8 masked rows.
KW = {"num": NUM, "epochs": 6, "batch_size": 16, "lr": 1e-2}


@pytest.fixture(scope="module")
def task():
    return make_regression_task(load_digits(), n_train=40, n_test=30, seed=0)


@pytest.fixture(scope="module")
def arch(task):
    return parse_arch(SPEC, input_shape=(task.dim,), outputs=task.classes)


@pytest.fixture(scope="module")
def runs(task, arch):
    """The same job in chunks of 2, 4 (last chunk padded) and 6, with progress reports."""
    out = {}
    for chunk in (2, 4, 6):
        calls = []
        res = train_hypotheses(
            jax.random.key(0),
            arch,
            task,
            chunk=chunk,
            progress=lambda done, total, calls=calls: calls.append((done, total)),
            **KW,
        )
        out[chunk] = (res, calls)
    return out


def test_result_record(runs, task, arch):
    res, _ = runs[2]
    assert isinstance(res, TrainedHypotheses)
    assert res.num == NUM
    for a in (res.train_mse, res.test_mse, res.train_accuracy, res.test_accuracy):
        assert a.shape == (NUM,)
        assert a.dtype == np.float32
        assert np.all(np.isfinite(a))
    assert res.fits.dtype == bool
    assert res.epoch_loss.shape == (NUM, KW["epochs"])
    assert res.arch == arch.spec
    assert res.config == TrainConfig(epochs=6, batch_size=16, lr=1e-2)
    assert res.config.optimizer == "adam" and res.config.loss == "mse"
    assert res.fit_threshold == DEFAULT_FIT_THRESHOLD
    assert res.key_data == tuple(int(v) for v in jax.random.key_data(jax.random.key(0)))
    assert (res.task_name, res.task_seed) == (task.name, task.seed)
    assert (res.n_train, res.n_test, res.classes) == (40, 30, 10)
    assert res.steps_per_epoch == 3
    # Accuracies are fractions of examples.
    assert np.all(np.isin(np.round(res.test_accuracy * 30, 4), np.arange(31)))


def test_chunk_size_invariance(runs):
    ref, _ = runs[6]
    for chunk in (2, 4):
        res, _ = runs[chunk]
        for field in ("train_mse", "test_mse", "train_accuracy", "test_accuracy", "epoch_loss"):
            np.testing.assert_allclose(
                getattr(res, field), getattr(ref, field), rtol=1e-5, atol=1e-7, err_msg=field
            )


def test_progress_reports(runs):
    assert runs[2][1] == [(2, 6), (4, 6), (6, 6)]
    assert runs[4][1] == [(4, 6), (6, 6)]
    assert runs[6][1] == [(6, 6)]


def test_determinism_per_seed(runs, task, arch):
    first, _ = runs[2]
    again = train_hypotheses(jax.random.key(0), arch, task, chunk=2, **KW)
    np.testing.assert_array_equal(again.test_mse, first.test_mse)
    np.testing.assert_array_equal(again.epoch_loss, first.epoch_loss)
    other = train_hypotheses(jax.random.key(1), arch, task, chunk=2, **KW)
    assert np.all(other.test_mse != first.test_mse)
    # Networks of one job differ from each other (own init and data order).
    assert np.unique(first.test_mse).size == NUM


def test_spec_string_and_fewer_networks_give_same_results(runs, task):
    """Network i depends on (key, i) only: a job of 4 networks is a prefix of the job of 6."""
    ref, _ = runs[4]
    res = train_hypotheses(jax.random.key(0), SPEC, task, chunk=4, **{**KW, "num": 4})
    np.testing.assert_array_equal(res.test_mse, ref.test_mse[:4])
    assert res.arch == ref.arch


@pytest.fixture(scope="module")
def one_network(task, arch):
    """Network 3 of the job, trained on its own (no vmap, no chunk)."""
    config = TrainConfig(epochs=6, batch_size=16, lr=1e-2)
    fn = jax.jit(lambda k, x, y: train_network(k, arch, x, y, config))
    return fn(network_key(jax.random.key(0), 3), task.x_train, task.y_train)


def test_loss_normalisation_per_entry_mean(runs, task, arch, one_network):
    """Test MSE = numpy mean of (prediction - one-hot)^2 over all m*k entries (not / batch)."""
    res, _ = runs[6]
    variables, epoch_loss = one_network
    for x, y, mse, acc in [
        (task.x_test, task.y_test, res.test_mse[3], res.test_accuracy[3]),
        (task.x_train, task.y_train, res.train_mse[3], res.train_accuracy[3]),
    ]:
        pred = np.asarray(predict(arch, variables, x), dtype=np.float64)
        assert pred.shape == y.shape
        np.testing.assert_allclose(mse, np.mean((pred - y) ** 2), rtol=1e-5)
        np.testing.assert_allclose(acc, np.mean(pred.argmax(1) == y.argmax(1)), rtol=1e-6)
    np.testing.assert_allclose(res.epoch_loss[3], np.asarray(epoch_loss), rtol=1e-5)


def test_training_reduces_train_loss(runs, task, arch):
    res, _ = runs[6]
    init_key = jax.random.split(network_key(jax.random.key(0), 3))[0]
    initial = jax.jit(arch.init)(init_key)
    pred0 = np.asarray(predict(arch, initial, task.x_train), dtype=np.float64)
    assert res.train_mse[3] < 0.5 * np.mean((pred0 - task.y_train) ** 2)
    assert np.all(res.epoch_loss[:, -1] < 0.5 * res.epoch_loss[:, 0])
    # Better than predicting the class frequencies (the best constant), on train and test.
    freq = task.y_train.mean(0)
    assert np.all(res.train_mse < np.mean((freq - task.y_train) ** 2))


def test_fit_filter_and_blocked_evaluation(runs, task, arch, monkeypatch):
    res, _ = runs[2]
    np.testing.assert_array_equal(res.fits, res.train_mse < DEFAULT_FIT_THRESHOLD)
    threshold = float(np.median(res.train_mse))
    # Evaluate in blocks of 8 rows (5 train blocks; 4 test blocks, the last with 2 padded rows):
    # the same losses up to summation order.
    monkeypatch.setattr(training, "EVAL_ROWS", 8)
    cut = train_hypotheses(jax.random.key(0), arch, task, chunk=2, fit_threshold=threshold, **KW)
    for field in ("train_mse", "test_mse", "train_accuracy", "test_accuracy"):
        np.testing.assert_allclose(getattr(cut, field), getattr(res, field), rtol=1e-5)
    np.testing.assert_array_equal(cut.fits, cut.train_mse < threshold)
    assert cut.num_fit == NUM // 2
    assert cut.fit_fraction == 0.5
    np.testing.assert_array_equal(cut.test_mse_fit, cut.test_mse[cut.fits])
    assert cut.fit_threshold == threshold


def test_cross_entropy_with_adamw(task, arch):
    """Cross-entropy training; the recorded MSE and accuracy are of the softmax probabilities."""
    res = train_hypotheses(
        jax.random.key(0),
        arch,
        task,
        **{**KW, "num": 2},
        loss="cross_entropy",
        optimizer="adamw",
        weight_decay=1e-3,
    )
    assert res.config.loss == "cross_entropy" and res.config.optimizer == "adamw"
    # Probabilities in [0, 1] summing to 1: each example's squared error is at most 2.
    assert np.all(res.test_mse <= 2 / task.classes)
    # From about ln(10) = 2.3 nats at initialisation.
    assert np.all(res.epoch_loss[:, -1] < 0.8 * res.epoch_loss[:, 0])
    assert np.all(res.train_accuracy > 0.5)


def test_masked_last_batch_equals_smaller_batch(arch, task):
    """Padding rows with weight 0 give the loss and gradient of the real rows alone."""
    v = jax.jit(arch.init)(jax.random.key(5))
    params = v["params"]
    x, y = jnp.asarray(task.x_train[:16]), jnp.asarray(task.y_train[:16])
    w = (jnp.arange(16) < 5).astype(jnp.float32)
    for loss in ("mse", "cross_entropy"):
        f = jax.jit(jax.value_and_grad(_objective), static_argnums=(2, 6))
        padded = f(params, {}, arch, x, y, w, loss)
        small = f(params, {}, arch, x[:5], y[:5], jnp.ones(5), loss)
        np.testing.assert_allclose(padded[0], small[0], rtol=1e-6)
        for a, b in zip(jax.tree.leaves(padded[1]), jax.tree.leaves(small[1]), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # MSE objective: mean over examples and outputs (torch.nn.MSELoss).
    out = arch.apply(v, x[:5])
    np.testing.assert_allclose(
        _objective(params, {}, arch, x[:5], y[:5], jnp.ones(5), "mse"),
        jnp.mean((out - y[:5]) ** 2),
        rtol=1e-6,
    )


def test_optimizers_and_keys():
    assert TrainConfig(1, 1, optimizer="sgd", weight_decay=0.1).transform() is not None
    assert TrainConfig(1, 1, optimizer="adamw").transform() is not None
    # Typed keys and raw uint32[2] keys are both accepted.
    assert _check_key(jax.random.key(7)) == _check_key(jax.random.PRNGKey(7))


def test_default_chunk(arch):
    config = TrainConfig(epochs=1, batch_size=16)
    assert default_chunk(arch, config, 5) == 5
    assert 1 <= default_chunk(arch, config, 10**6) <= 256
    big = parse_arch("mlp:width=4096,depth=4", input_shape=(3072,), outputs=10)
    assert default_chunk(big, TrainConfig(epochs=1, batch_size=128), 1000) < 10


# --- validation: every bad input is an InputError, raised before any compilation ------------


def _bad_task(task, **fields):
    base = {a: getattr(task, a) for a in ("x_train", "y_train", "x_test", "y_test")}
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": 0}, r"key must be a JAX PRNG key such as jax.random.key\(0\), got int"),
        ({"key": np.zeros(2, np.uint32)}, r"key must be a JAX PRNG key"),
        ({"key": jnp.zeros(2, jnp.float32)}, r"key must be a JAX PRNG key.*float32"),
        ({"key": jax.random.split(jax.random.key(0))}, r"single PRNG key.*shape \(2,\)"),
        ({"arch": 3}, r"arch must be an Architecture \(see parse_arch\) or a spec string"),
        ({"arch": "mlp:width=0"}, r"width of architecture 'mlp' must be a positive integer"),
        ({"arch": "cnn"}, r"architecture 'cnn' needs the image shape"),
        ({"arch": "cnn:image=28x28x1"}, r"expects inputs of 784 = 28x28x1 values.*64"),
        ({"task": object()}, r"task must be a RegressionTask.*object has no x_train"),
        ({"num": 0}, r"num must be >= 1, got 0"),
        ({"num": 2.5}, r"num must be an integer, got 2.5"),
        ({"epochs": 0}, r"epochs must be >= 1, got 0"),
        ({"batch_size": 0}, r"batch_size must be >= 1, got 0"),
        ({"batch_size": 41}, r"batch_size=41 exceeds the 40 training examples"),
        ({"lr": -1.0}, r"lr must be > 0, got -1.0"),
        ({"lr": float("nan")}, r"lr must be finite"),
        ({"optimizer": "rmsprop"}, r"unknown optimizer 'rmsprop'; valid: adam, adamw, sgd"),
        ({"loss": "hinge"}, r"unknown loss 'hinge'; valid: mse, cross_entropy"),
        ({"weight_decay": 1e-4}, r"weight_decay=0.0001 needs optimizer='adamw'"),
        ({"weight_decay": -1.0, "optimizer": "adamw"}, r"weight_decay must be >= 0"),
        ({"chunk": 0}, r"chunk must be >= 1, got 0"),
        ({"fit_threshold": 0.0}, r"fit_threshold must be > 0"),
        ({"progress": "bar"}, r"progress must be a callable progress\(done, total\)"),
    ],
)
def test_bad_arguments(task, arch, change, message):
    args = {"key": jax.random.key(0), "arch": arch, "task": task, **KW, **change}
    with pytest.raises(InputError, match=message):
        train_hypotheses(args.pop("key"), args.pop("arch"), args.pop("task"), **args)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"x_test": None}, r"task must be a RegressionTask.*has no x_test"),
        ({"x_train": np.zeros((0, 64), np.float32)}, r"task.x_train is empty"),
        ({"y_test": np.zeros((0, 10), np.float32)}, r"task.y_test is empty"),
        ({"x_train": np.zeros(64, np.float32)}, r"task.x_train must be a 2-D array"),
        ({"y_train": np.zeros((39, 10), np.float32)}, r"one row per example.*\(39, 10\)"),
        ({"y_train": np.zeros((40, 3), np.float32)}, r"has 10 outputs, but the task's targets"),
        ({"x_test": np.zeros((30, 63), np.float32)}, r"expects inputs of 64 values"),
        ({"x_train": np.full((40, 64), np.nan, np.float32)}, r"x_train has 2560 NaN/inf"),
        ({"y_test": np.full((30, 10), "a")}, r"y_test must be numeric"),
    ],
)
def test_bad_task_data(task, arch, fields, message):
    with pytest.raises(InputError, match=message):
        train_hypotheses(jax.random.key(0), arch, _bad_task(task, **fields), **KW)


def test_regression_task_with_empty_split_is_rejected(task, arch):
    empty = replace(task, x_test=np.zeros((0, 64), np.float32))
    with pytest.raises(InputError, match=r"task.x_test is empty"):
        train_hypotheses(jax.random.key(0), arch, empty, **KW)
