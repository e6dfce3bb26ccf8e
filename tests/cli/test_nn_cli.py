"""`ibc nn` and `ibc compare` end to end on digits (tiny networks), and their errors."""

import json

import numpy as np
import pytest

from ibcomplexity.cli import main

SMALL = ["--n-train", "100", "--n-test", "100", "--epochs", "40", "--batch-size", "25"]
FITS = ["--lr", "0.003"]  # width 64-128 MLPs fit 100 digits (train MSE ~0.003) in 40 epochs


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_nn_json_plot_and_consistency(capsys, tmp_path):
    plot = tmp_path / "nn.png"
    argv = ["nn", "--arch", "mlp:width=128,depth=1", "--samples", "24", *SMALL, *FITS]
    argv += ["--target-mse", "0.03", "--bootstrap", "20", "--json", "--quiet", "--plot", str(plot)]
    d = _json(capsys, argv)
    tr, est = d["training"], d["estimate"]
    assert tr["networks"] == 24 and tr["fit"] >= 20 and tr["arch"].startswith("mlp:width=128")
    assert est["num_samples"] == tr["fit"]  # the estimate uses the fitting networks only
    assert est["target"] == 0.03 and est["seed"] == 0 and est["unit"] == "bits"
    assert est["bits"] >= 0 and "per-entry test MSE" in d["loss"]
    lo, hi = est["robust_ci_bits"]
    assert lo <= est["ci_low_bits"] and est["ci_high_bits"] <= hi
    # the empirical count is consistent with the recorded test MSEs
    assert tr["test_mse_fit"]["min"] <= tr["test_mse_fit"]["median"] <= tr["test_mse_fit"]["max"]
    assert plot.exists() and plot.stat().st_size > 10_000
    # same seed, same answer
    again = _json(capsys, [a for a in argv if a not in ("--plot", str(plot))])
    assert again["estimate"]["bits"] == est["bits"]
    assert again["training"]["test_mse_fit"] == tr["test_mse_fit"]


def test_nn_table_output(capsys):
    argv = ["nn", "--arch", "mlp:width=128,depth=1", "--samples", "24", *SMALL, *FITS, "--quiet"]
    argv += ["--target-mse", "0.02", "--bootstrap", "10"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "bits (noncentral chi-square fit)" in out and "networks fitting" in out


def test_compare_json_definition_and_rows(capsys, tmp_path):
    plot = tmp_path / "compare.png"
    argv = ["compare", "--arch", "mlp:width=128,depth=1", "--arch", "linear", "--samples", "8"]
    argv += [*SMALL, *FITS, "--json", "--quiet", "--plot", str(plot)]
    d = _json(capsys, argv)
    assert "bits required in a fixed base space" in d["definition"]
    rows = d["architectures"]
    assert [r["arch"].split(":")[0] for r in rows] == ["mlp", "linear"]
    mlp, lin = rows
    assert mlp["difference_gp_bits_vs_first"] == 0.0
    # a linear model cannot fit 100 one-hot targets in 64 dimensions: it reaches a worse error,
    # which needs fewer bits in the base space
    assert lin["training"]["fit"] == 0 and "no network fits" in lin["note"]
    assert lin["achieved_test_mse"] > mlp["achieved_test_mse"]
    assert lin["provided_bits_gp"] < mlp["provided_bits_gp"]
    assert lin["difference_gp_bits_vs_first"] < 0
    for r in rows:
        assert r["provided_bits_bound_log10"] is None or np.isfinite(r["provided_bits_bound_log10"])
    assert plot.exists()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["nn", "--arch", "resnet"], "unknown architecture"),
        (["nn", "--arch", "mlp:width=0"], "width"),
        (["nn", "--arch", "mlp:width=-3"], "width"),
        (["nn", "--arch", "mlp:width=64", "--dataset", "npz:/nonexistent/x.npz"], "nonexistent"),
        (["nn", "--arch", "mlp:width=64", "--optimizer", "lbfgs"], "optimizer"),
        (["nn", "--arch", "mlp:width=64", "--samples", "0"], "num"),
        (
            ["nn", "--arch", "mlp:width=8,depth=1", "--samples", "20", "--epochs", "1", *SMALL[:4]],
            "fit the training data",
        ),
        (["nn", "--arch", "mlp:width=64", "--samples", "5"], ">= 20"),
        (["compare", "--arch", "linear", "--arch", "linear"], "twice"),
    ],
)
def test_nn_errors_are_one_line(capsys, argv, match):
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1
    assert match in err
