"""``ibc.estimate_task`` is ``ibc estimate``: the same numbers, from one library call."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

import ibcomplexity as ibc
from ibcomplexity.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _cli(capsys, tmp_path, argv):
    assert main(["estimate", *argv, "--out", str(tmp_path / "out"), "--json", "--quiet"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d.pop("plot") == str(tmp_path / "out" / "loss_distribution.png")
    saved = json.loads((tmp_path / "out" / "estimate.json").read_text())
    assert saved["gp"] == d["gp"] and saved["platform"] == d.pop("platform")
    return d


@pytest.fixture
def small_npz(tmp_path):
    rng = np.random.default_rng(1)
    p = tmp_path / "small.npz"
    np.savez(p, x=rng.random((150, 5)).astype(np.float32), y=np.arange(150) % 3)
    return p


def test_estimate_task_equals_the_command_on_digits(capsys, tmp_path):
    got = ibc.estimate_task("digits", n_train=200, n_test=100, target_error=0.02)
    want = _cli(capsys, tmp_path, "--n-train 200 --n-test 100 --target-error 0.02".split())
    assert json.loads(ibc.to_json(got)) == want
    assert not got.is_source and set(got.bounds) == {"integer-degree", "reference"}
    assert got.gp.bits == want["gp"]["bits"] and got.gp.bits > 0


@pytest.mark.integration
def test_every_option_reaches_the_same_numbers(capsys, tmp_path, small_npz):
    opts = dict(
        kernel="matern52",
        bandwidth=1.5,
        preprocess="standardize",
        n_train=60,
        n_test=40,
        split_seed=3,
        seed=2,
        k=4,
        num_queries=50,
        delta_method="extreme-value",
        target_mse=0.05,
    )
    got = ibc.estimate_task(f"npz:{small_npz}", **opts)
    argv = [f"--dataset=npz:{small_npz}"]
    for key, value in opts.items():
        if key == "kernel":
            argv += ["--kernel", "matern52"]
        else:
            argv += ["--" + key.replace("_", "-"), str(value)]
    assert json.loads(ibc.to_json(got)) == _cli(capsys, tmp_path, argv)
    assert got.statistics.intrinsic_dimension.k == 4 and got.split_seed == 3


def test_the_bound_comes_from_the_statistics():
    r = ibc.estimate_task("digits", n_train=50, n_test=30)
    s = r.statistics
    for conv, b in r.bounds.items():
        direct = ibc.classification_bound(
            n=s.n,
            m=s.intrinsic_dimension.rounded,
            radius=s.radius,
            delta=s.resolution.delta,
            classes=s.classes,
            target_error=0.01,
            convention=conv,
        )
        assert b.log10_bits == direct.log10_bits


def test_bad_options_are_one_clear_error():
    with pytest.raises(ibc.InputError, match="target_mse"):
        ibc.estimate_task("digits", target_mse=0)
    with pytest.raises(ibc.InputError, match="error rate"):
        ibc.estimate_task("digits", target_error=1.5, n_train=20, n_test=10)


def test_readme_example_prints_what_it_says():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "estimate_task" in b)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), {})
    printed = buf.getvalue().strip()
    assert printed == re.search(r"# prints: (.*)", code).group(1)
