"""``ibc.compare_architectures`` is ``ibc compare``: the same numbers, from one library call."""

from __future__ import annotations

import json

import pytest

import ibcomplexity as ibc
from ibcomplexity.cli import main

TIMING = ("seconds", "networks_per_second")


def _untimed(payload):
    rows = [
        {**r, "training": {k: v for k, v in r["training"].items() if k not in TIMING}}
        for r in payload["architectures"]
    ]
    return {**payload, "architectures": rows}


@pytest.mark.integration
def test_compare_architectures_equals_the_command(capsys, command_json):
    archs = ["mlp:width=16", "mlp:width=32"]
    got = ibc.compare_architectures(
        "digits",
        archs,
        samples=20,
        epochs=2,
        batch_size=50,
        lr=1e-3,
        n_train=100,
        n_test=50,
        fit_threshold=0.5,
    )
    argv = ["compare", *(f"--arch={a}" for a in archs)]
    argv += "--samples 20 --epochs 2 --n-train 100 --n-test 50 --fit-threshold 0.5".split()
    assert main([*argv, "--json", "--quiet"]) == 0
    want = command_json()
    assert want.pop("plot") is None
    assert want["inputs"].pop("argv") == [*argv, "--json", "--quiet"]
    # the CLI adds the remedy's command line; the library names the scale and why
    remedy = want["base_gp"]["remedy"]
    assert remedy is not None and remedy.pop("command").endswith(
        f"--base-scale {remedy['base_scale']:g}"
    )
    assert _untimed(json.loads(ibc.to_json(got))) == _untimed(want)
    assert [r.num for r in got.trained] == [20, 20]
    assert [d.arch for d in got.differences] == [got.architectures[1]["arch"]]


def test_bad_comparisons_fail_before_training(monkeypatch):
    import ibcomplexity.hypotheses.training as training

    monkeypatch.setattr(training, "train_hypotheses", lambda *a, **k: pytest.fail("trained"))
    opts = dict(samples=20, epochs=1, batch_size=8, lr=1e-3, n_train=50, n_test=20)
    with pytest.raises(ibc.InputError, match="at least one architecture"):
        ibc.compare_architectures("digits", [], **opts)
    with pytest.raises(ibc.InputError, match="given twice"):
        ibc.compare_architectures("digits", ["mlp", "mlp"], **opts)
    with pytest.raises(ibc.InputError, match="base-scale"):
        ibc.compare_architectures("digits", ["mlp"], base_scale=0.0, **opts)
    with pytest.raises(ibc.InputError, match="real-valued targets"):
        ibc.compare_architectures("cartpole", ["mlp"], **opts)
    with pytest.raises(ibc.InputError, match="unknown|architecture"):
        ibc.compare_architectures("digits", ["mlp", "transformerz"], **opts)
