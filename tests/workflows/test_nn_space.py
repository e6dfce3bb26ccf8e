"""``ibc.nn_space_estimate`` is ``ibc nn``: the same numbers, from one library call."""

from __future__ import annotations

import json

import pytest

import ibcomplexity as ibc
from ibcomplexity.cli import main

TIMING = ("seconds", "networks_per_second")


def _untimed(d):
    return {**d, "training": {k: v for k, v in d["training"].items() if k not in TIMING}}


def test_nn_space_estimate_equals_the_command(capsys, command_json):
    opts = dict(
        arch="mlp:width=32,depth=1", samples=24, epochs=3, batch_size=32, lr=1e-2, fit_threshold=0.2
    )
    got = ibc.nn_space_estimate("digits", n_train=100, n_test=50, target_mse=0.02, **opts)
    argv = "nn --arch mlp:width=32,depth=1 --samples 24 --epochs 3 --batch-size 32 --lr 0.01"
    argv += " --n-train 100 --n-test 50 --target-mse 0.02 --fit-threshold 0.2 --json --quiet"
    assert main(argv.split()) == 0
    want = command_json()
    assert want.pop("plot") is None
    assert _untimed(json.loads(ibc.to_json(got))) == _untimed(want)
    assert got.losses.shape == (got.training["fit"],) and got.arch.spec == want["training"]["arch"]


def test_bad_options_fail_before_training(monkeypatch):
    import ibcomplexity.hypotheses.training as training

    monkeypatch.setattr(training, "train_hypotheses", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(ibc.InputError, match="target_mse"):
        ibc.nn_space_estimate(arch="mlp", target_mse=0, samples=20, epochs=1, batch_size=8, lr=1)
    with pytest.raises(ibc.InputError, match="cross_entropy needs class labels"):
        ibc.nn_space_estimate(
            "cartpole",
            arch="mlp",
            target_mse=0.1,
            samples=20,
            epochs=1,
            batch_size=8,
            lr=1,
            n_train=50,
            n_test=20,
            loss="cross_entropy",
        )
