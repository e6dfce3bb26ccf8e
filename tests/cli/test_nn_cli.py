"""`ibc nn` and `ibc compare` end to end on digits (tiny networks), and their errors."""

import json
import math

import numpy as np
import pytest

from ibcomplexity._json import number
from ibcomplexity.cli import main
from ibcomplexity.estimate.calibration import calibration

SMALL = ["--n-train", "100", "--n-test", "100", "--epochs", "40", "--batch-size", "25"]
FITS = ["--lr", "0.003"]  # width 64-128 MLPs fit 100 digits (train MSE ~0.003) in 40 epochs


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.integration
def test_nn_json_plot_and_consistency(capsys, tmp_path):
    plot = tmp_path / "nn.png"
    argv = ["nn", "--arch", "mlp:width=128,depth=1", "--samples", "24", *SMALL, *FITS]
    argv += ["--target-mse", "0.03", "--bootstrap", "20", "--json", "--quiet", "--plot", str(plot)]
    d = _json(capsys, argv)
    tr, est = d["training"], d["estimate"]
    assert tr["networks"] == 24 and tr["fit"] >= 20 and tr["arch"].startswith("mlp:width=128")
    assert est["num_samples"] == tr["fit"]  # the estimate uses the fitting networks only
    assert est["target"] == 0.03 and est["seed"] == 0 and est["unit"] == "bits"
    assert "per-entry test MSE" in d["loss"]
    # the payload leads with the quotable answer, the same as the estimate's
    assert list(d)[:4] == ["bits", "ci_bits", "regime", "resolvable_bits"]
    assert (d["bits"], d["ci_bits"], d["regime"]) == (est["bits"], est["ci_bits"], est["regime"])
    assert d["regime"] in ("empirical", "extrapolated", "lower-bound")
    if d["regime"] == "lower-bound":
        assert d["bits"] is None and d["ci_bits"][1] == "inf"
    else:
        assert d["ci_bits"][0] <= d["bits"] <= number(d["ci_bits"][1])
    c_min = calibration().empirical_min_count
    assert d["resolvable_bits"] == pytest.approx(math.log2(tr["fit"] / c_min))
    assert tr["test_mse_fit"]["min"] <= tr["test_mse_fit"]["median"] <= tr["test_mse_fit"]["max"]
    assert d["inputs"]["split_seed"] == 0 and d["inputs"]["seed"] == 0
    assert plot.exists() and plot.stat().st_size > 10_000
    # same seeds, same answer
    again = _json(capsys, [a for a in argv if a not in ("--plot", str(plot))])
    assert again["estimate"] == est
    assert again["training"]["test_mse_fit"] == tr["test_mse_fit"]


@pytest.mark.integration
def test_split_seed_and_seed_are_separate(capsys):
    """--seed resamples the networks on the same task; --split-seed changes the task."""
    argv = ["nn", "--arch", "mlp:width=64,depth=1", "--samples", "20", *SMALL, *FITS]
    argv += ["--epochs", "5", "--fit-threshold", "1", "--bootstrap", "5", "--json", "--quiet"]
    base = _json(capsys, argv)
    other_nets = _json(capsys, [*argv, "--seed", "1"])
    other_task = _json(capsys, [*argv, "--split-seed", "1"])
    assert other_nets["inputs"]["split_seed"] == 0 and other_nets["inputs"]["seed"] == 1
    assert other_task["inputs"]["split_seed"] == 1 and other_task["inputs"]["seed"] == 0
    assert other_nets["training"]["test_mse_fit"] != base["training"]["test_mse_fit"]
    assert other_task["training"]["test_mse_fit"] != base["training"]["test_mse_fit"]
    # the same split: the GP base space (a function of the task only) is unchanged
    from ibcomplexity.tasks import load_task

    a, b = (load_task("digits", n_train=100, n_test=100, seed=s) for s in (0, 1))
    assert not np.array_equal(a.x_train, b.x_train)


def test_nn_table_output(capsys):
    argv = ["nn", "--arch", "mlp:width=128,depth=1", "--samples", "24", *SMALL, *FITS, "--quiet"]
    argv += ["--target-mse", "0.02", "--bootstrap", "10"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "bits (95% interval)" in out and "regime" in out and "networks fitting" in out
    assert "model: noncentral chi-square fit" in out and "seeds" in out


@pytest.mark.integration
def test_compare_intervals_and_the_minimum_fit_rule(capsys, tmp_path):
    plot = tmp_path / "compare.png"
    argv = ["compare", "--arch", "mlp:width=128,depth=1", "--arch", "mlp:width=64,depth=1"]
    argv += ["--samples", "24", *SMALL, *FITS, "--json", "--quiet", "--plot", str(plot)]
    d = _json(capsys, argv)
    assert "bits required in a fixed base space" in d["definition"]
    assert "zero point is 1 bit" in d["definition"]
    rows = d["architectures"]
    assert [r["arch"].split(",")[0] for r in rows] == ["mlp:width=128", "mlp:width=64"]
    for r in rows:
        p = r["provided"]
        assert r["training"]["fit"] >= 20 and p["fit"] == r["training"]["fit"]
        assert p["bits_gp_ci"][0] <= p["bits_gp"] <= p["bits_gp_ci"][1]
        assert p["achieved_test_mse"] == r["training"]["test_mse_fit"]["median"]
    (diff,) = d["differences_vs_first"]
    assert diff["arch"] == rows[1]["arch"] and diff["versus"] == rows[0]["arch"]
    assert diff["bits_gp"] == pytest.approx(
        rows[1]["provided"]["bits_gp"] - rows[0]["provided"]["bits_gp"]
    )
    assert diff["bits_gp_ci"][0] <= diff["bits_gp"] <= diff["bits_gp_ci"][1]
    assert diff["message"].startswith(("resolved", "unresolved"))
    assert d["inputs"]["split_seed"] == 0 and plot.exists()
    # a linear model cannot fit 100 one-hot targets in 64 dimensions: refused, like ibc nn
    argv = ["compare", "--arch", "mlp:width=128,depth=1", "--arch", "linear", "--samples", "20"]
    assert main([*argv, *SMALL, *FITS, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: linear") and "only 0 of 20 networks fit" in err


@pytest.mark.integration
def test_compare_says_when_the_base_space_saturates_and_the_remedy_runs(capsys):
    """Networks barely trained (accepted by a loose --fit-threshold) reach errors far above every
    GP posterior sample's: both get ~0 bits, the comparison says it cannot resolve them, and the
    suggested --base-scale gives a base space that can."""
    argv = ["compare", "--arch", "mlp:width=32,depth=1", "--arch", "mlp:width=8,depth=1"]
    argv += ["--samples", "20", *SMALL, "--epochs", "1", "--lr", "1e-4", "--fit-threshold", "1"]
    argv += ["--bootstrap", "10", "--json", "--quiet"]
    d = _json(capsys, argv)
    base = d["base_gp"]
    assert len(base["saturated"]) == 2
    for r in d["architectures"]:
        p = r["provided"]
        assert p["saturated"] and p["bits_gp"] < 0.0145
        assert p["achieved_test_mse"] > base["mean_test_mse"]
    (diff,) = d["differences_vs_first"]
    assert diff["saturated"] and not diff["resolved"]
    assert "saturates" in diff["message"] and "--base-scale" in diff["message"]
    remedy = base["remedy"]
    assert (
        remedy["base_scale"] > 1 and f"--base-scale {remedy['base_scale']:g}" in remedy["command"]
    )
    fixed = _json(capsys, [*argv, "--base-scale", str(remedy["base_scale"])])
    assert fixed["base_gp"]["saturated"] == [] and fixed["base_gp"]["remedy"] is None
    assert not fixed["differences_vs_first"][0]["saturated"]
    assert all(r["provided"]["bits_gp"] > 0.1 for r in fixed["architectures"])


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["nn", "--arch", "resnet"], "unknown architecture"),
        (["nn", "--arch", "mlp:width=0"], "width"),
        (["nn", "--arch", "mlp:width=-3"], "width"),
        (["nn", "--arch", "mlp:width=64", "--dataset", "npz:/nonexistent/x.npz"], "nonexistent"),
        (["nn", "--arch", "mlp:width=64", "--optimizer", "lbfgs"], "optimizer"),
        (["nn", "--arch", "mlp:width=64", "--samples", "0"], "--samples must be >= 20"),
        (
            ["nn", "--arch", "mlp:width=8,depth=1", "--samples", "20", "--epochs", "1", *SMALL[:4]],
            "fit the training data",
        ),
        (["nn", "--arch", "mlp:width=64", "--samples", "5"], ">= 20"),
        (["compare", "--arch", "linear", "--arch", "linear"], "twice"),
        (["compare", "--arch", "linear", "--base-scale", "0"], "--base-scale"),
    ],
)
def test_nn_errors_are_one_line(capsys, argv, match):
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1
    assert match in err
