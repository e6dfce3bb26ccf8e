"""`ibc stats`, `ibc bound --dataset` and `ibc estimate` on real and small written datasets."""

import json

import numpy as np
import pytest

from ibcomplexity.cli import main


@pytest.fixture
def small_npz(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((120, 6, 6)).astype(np.float32)
    y = np.repeat(np.arange(3), 40)
    p = tmp_path / "small.npz"
    np.savez(p, x=x, y=y)
    return p, x.reshape(120, -1), y


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_json_matches_library(capsys, small_npz):
    from scipy.spatial.distance import cdist

    p, x, y = small_npz
    d = _json(capsys, ["stats", "--dataset", f"npz:{p}", "--json", "--seed", "3"])
    assert d["n"] == 120 and d["classes"] == 3 and d["seed"] == 3
    assert d["radius"] == pytest.approx(np.linalg.norm(x, axis=1).max(), rel=1e-6)
    dist = cdist(x.astype(np.float64), x.astype(np.float64))
    exact = dist[y[:, None] != y[None, :]].min()
    assert d["resolution"]["delta"] == pytest.approx(exact, rel=1e-9)
    assert d["resolution"]["method"] == "exact"
    assert d["intrinsic_dimension"]["k"] == 5 and d["intrinsic_dimension"]["num_queries"] == 120


def test_bound_from_dataset(capsys, small_npz):
    p, _, _ = small_npz
    d = _json(capsys, ["bound", "--dataset", f"npz:{p}", "--target-error", "0.05", "--json"])
    for key in (
        "bits",
        "log10_bits",
        "unit",
        "convention",
        "vacuous",
        "inputs",
        "terms",
        "statistics",
    ):
        assert key in d
    assert (
        d["inputs"]["n"] == 120
        and d["inputs"]["classes"] == 3
        and d["inputs"]["target_error"] == 0.05
    )
    assert d["inputs"]["m"] == d["statistics"]["intrinsic_dimension"]["rounded"]
    assert d["inputs"]["delta"] == d["statistics"]["resolution"]["delta"]


def test_estimate_default_runs_on_digits(capsys, tmp_path):
    d = _json(capsys, ["estimate", "--json", "--out", str(tmp_path)])
    assert (
        d["dataset"] == "digits"
        and d["statistics"]["n"] == 1797
        and d["statistics"]["classes"] == 10
    )
    assert set(d["bound"]) == {"integer-degree", "reference"}
    assert all(not b["vacuous"] and b["bits"] > 0 for b in d["bound"].values())
    gp = d["gp"]
    assert (
        gp["target_mse"] == 0.01 and gp["task"]["n_train"] == 1000 and gp["task"]["n_test"] == 500
    )
    assert gp["bits"] > 0 and gp["chernoff_bits"] <= gp["bits"]
    assert json.loads((tmp_path / "estimate.json").read_text()) == d
    assert (tmp_path / "loss_distribution.png").stat().st_size > 10_000
    assert main(["estimate", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Inductive-bias complexity of digits" in out and "exact GP" in out


def test_kernel_exact_and_sampled_agree_in_the_bulk(capsys, tmp_path):
    """At a target near the middle of the loss distribution the exact bits lie inside the
    empirical Clopper-Pearson interval of the sampled losses."""
    base = ["kernel", "--n-train", "200", "--n-test", "50", "--json"]
    probe = _json(capsys, base + ["--target-mse", "0.05"])
    mean = probe["exact"]["mean_mse"]
    d = _json(
        capsys,
        base
        + [
            "--target-mse",
            str(mean),
            "--samples",
            "4000",
            "--bootstrap",
            "20",
            "--plot",
            str(tmp_path / "k.png"),
        ],
    )
    exact, sampled = d["exact"], d["sampled"]
    lo, hi = sampled["empirical_ci_bits"]
    assert lo <= exact["bits"] <= hi
    assert d["inputs"]["kernel"].startswith("rbf:bandwidth=") and d["inputs"]["samples"] == 4000
    assert (tmp_path / "k.png").exists()


@pytest.mark.parametrize(
    "argv,match",
    [
        (["kernel", "--kernel", "poly"], "unknown kernel 'poly'"),
        (["kernel", "--bandwidth", "-1"], "bandwidth"),
        (["kernel", "--bandwidth", "wide"], "--bandwidth must be a number or 'median'"),
        (["kernel", "--n-train", "1700", "--n-test", "500"], "n_train"),
        (["kernel", "--target-mse", "0"], "--target-mse must be > 0"),
        (["kernel", "--samples", "5"], "--samples must be >= 20"),
    ],
)
def test_kernel_errors_are_one_line(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1 and match in err, err


@pytest.mark.parametrize(
    "argv,match",
    [
        (["stats", "--dataset", "imagenet:foo"], "unknown"),
        (["stats", "--dataset", "npz:/nonexistent/file.npz"], "nonexistent"),
        (["stats", "--dataset", "digits", "--k", "0"], "k"),
        (["stats"], "required"),
    ],
)
def test_data_errors_are_one_line(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1 and match in err.lower()


@pytest.mark.integration
def test_mnist_spec_on_real_data(capsys, shared_data):
    d = _json(
        capsys,
        [
            "stats",
            "--dataset",
            f"mnist:{shared_data / 'mnist'}",
            "--json",
            "--num-queries",
            "500",
            "--delta-method",
            "extreme-value",
        ],
    )
    assert d["n"] == 10000 and d["classes"] == 10
    assert d["resolution"]["method"] == "extreme_value"
