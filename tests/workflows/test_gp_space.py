"""``ibc.gp_space_estimate`` is ``ibc kernel``: the same numbers, from one library call."""

from __future__ import annotations

import json

import pytest

import ibcomplexity as ibc
from ibcomplexity.cli import main


@pytest.mark.parametrize(
    ("kwargs", "argv"),
    [
        (dict(n_train=120, n_test=60), "--n-train 120 --n-test 60"),
        (
            dict(
                n_train=100,
                n_test=40,
                kernel="matern32",
                bandwidth=2.5,
                preprocess="unit",
                split_seed=4,
                samples=100,
                dtype="float64",
                seed=7,
                target_mse=0.05,
            ),
            "--n-train 100 --n-test 40 --kernel matern32 --bandwidth 2.5 --preprocess unit "
            "--split-seed 4 --samples 100 --dtype float64 --seed 7 --target-mse 0.05",
        ),
    ],
)
def test_gp_space_estimate_equals_the_command(capsys, command_json, kwargs, argv):
    got = ibc.gp_space_estimate("digits", **kwargs)
    assert main(["kernel", *argv.split(), "--json", "--quiet"]) == 0
    want = command_json()
    assert want.pop("plot") is None
    assert json.loads(ibc.to_json(got)) == want
    if "samples" in kwargs:
        assert got.losses.shape == (100,) and got.sampled.regime in (
            "empirical",
            "extrapolated",
            "lower-bound",
        )
    else:
        assert got.sampled is None and got.losses is None


@pytest.mark.integration
def test_sampled_and_exact_agree_in_the_bulk():
    """At a target near the median loss the sampled estimate's interval covers the exact bits."""
    exact = ibc.gp_space_estimate("digits", n_train=80, n_test=40, target_mse=1.0).exact
    target = float(exact.mean_mse)
    r = ibc.gp_space_estimate(
        "digits", n_train=80, n_test=40, target_mse=target, samples=2000, seed=3
    )
    lo, hi = r.sampled.ci_bits
    assert r.sampled.regime == "empirical" and lo <= r.exact.bits <= hi


def test_bad_options():
    with pytest.raises(ibc.InputError, match="target_mse"):
        ibc.gp_space_estimate("digits", target_mse=-1)
    with pytest.raises(ibc.InputError, match="samples"):
        ibc.gp_space_estimate("digits", samples=0)
