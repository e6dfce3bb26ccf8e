"""Hostile command lines (issue 16): every one is a one-line ``ibc: error: ...`` with exit 2, given
before any data is read or any network trained, and a failed write after the work names the path.

Each test runs ``main`` in-process. The ``no_work`` fixture replaces the data loaders, the card
builder, the Omniglot reader and the trainer with functions that fail the test, which proves
that the refusal comes first (and keeps every test fast).
"""

from __future__ import annotations

import errno
import json
import os
import re

import pytest

from ibcomplexity.cli import main

ENOSPC = OSError(errno.ENOSPC, "No space left on device")


def _refused(capsys, argv, *patterns):
    """``main(argv)`` exits 2 with one line ``ibc: error: ...`` matching every pattern."""
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for pattern in patterns:
        assert re.search(pattern, err), (pattern, err)
    return err


def _forbid(*_args, **_kwargs):
    raise AssertionError("the computation started before the input was checked")


@pytest.fixture
def no_work(monkeypatch):
    """Loading data, building a card, reading Omniglot and training all fail the test."""
    import ibcomplexity.hypotheses.training as training
    import ibcomplexity.tasks as tasks
    import ibcomplexity.tasks.omniglot as omniglot
    import ibcomplexity.workflows.card_builder as card_builder

    for module, name in (
        (tasks, "load_task"),
        (tasks, "load_dataset"),
        (card_builder, "card_from_spec"),
        (omniglot, "load_omniglot"),
        (training, "train_hypotheses"),
    ):
        monkeypatch.setattr(module, name, _forbid)


@pytest.fixture
def no_training(monkeypatch):
    """Only training fails the test (the task is loaded: an architecture needs its shapes)."""
    import ibcomplexity.hypotheses.training as training

    monkeypatch.setattr(training, "train_hypotheses", _forbid)


RATE = r"--target-error must be an error rate strictly between 0 and 1"
BAD_RATES = ["1.5", "1", "0", "-0.1", "nan", "inf", "-inf", "2"]


# ------------------------------------------------------------- 1. target errors outside (0, 1)


@pytest.mark.parametrize("value", BAD_RATES)
def test_bound_card_refuses_target_errors_outside_0_1(capsys, value):
    _refused(capsys, ["bound", "--card", "mnist", f"--target-error={value}"], RATE)


@pytest.mark.parametrize(
    "argv",
    [
        ["bound", "--card", "omniglot", "--target-error", "1.5"],  # meta-learning: a rate too
        ["bound", "--card", "mnist", "--product-with", "cifar10", "--target-error", "1.5"],
    ],
)
def test_meta_and_product_bounds_refuse_rates_past_1(capsys, argv):
    _refused(capsys, argv, RATE)


@pytest.mark.parametrize("value", BAD_RATES)
def test_estimate_refuses_target_errors_before_any_statistics(capsys, no_work, value):
    _refused(capsys, ["estimate", f"--target-error={value}"], RATE, re.escape(value))


@pytest.mark.parametrize(
    "argv",
    [
        ["bound", "--dataset", "digits", "--target-error", "1.5"],
        ["card", "--dataset", "digits", "--target-error", "0"],
        ["fewshot", "--data", "none.zip", "--target-error", "2"],
    ],
)
def test_other_commands_refuse_rates_before_any_data(capsys, no_work, argv):
    _refused(capsys, argv, RATE)


def test_a_regression_source_takes_a_positive_target_not_a_rate(capsys, no_work, tmp_path):
    """An RL source's --target-error is a regression error: 0 is refused as not positive, and a
    value above 1 is not refused as an error rate by the command line (the next check fires)."""
    _refused(
        capsys,
        ["estimate", "--dataset", "cartpole", "--target-error", "0"],
        r"--target-error \(a regression target error\) must be > 0",
    )
    afile = tmp_path / "afile"
    afile.write_text("x")
    err = _refused(
        capsys,
        ["estimate", "--dataset", "cartpole", "--target-error", "2", "--out", str(afile)],
        r"--out .*afile is a file",
    )
    assert "error rate" not in err


def test_target_mse_above_1_stays_valid(capsys, tmp_path):
    """--target-mse is a mean squared error, not a rate: 2 is a valid (easy) target."""
    argv = ["kernel", "--n-train", "60", "--n-test", "30", "--target-mse", "2", "--json"]
    assert main([*argv, "--quiet"]) == 0
    assert '"target_mse": 2.0' in capsys.readouterr().out


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_target_mse_must_be_positive_and_finite(capsys, no_work, value):
    _refused(capsys, ["kernel", f"--target-mse={value}"], r"--target-mse must be (> 0|finite)")


def test_set_target_error_on_a_card_is_a_rate(capsys):
    _refused(capsys, ["bound", "--card", "mnist", "--set", "target_error=1.5"], r"target_error")


# ------------------------------------------------------ 2. huge kernels, networks and integers


@pytest.mark.parametrize("argv", [["kernel"], ["estimate"], ["compare", "--arch", "linear"]])
def test_deep_nngp_kernel_is_refused_up_front(capsys, no_work, argv):
    _refused(
        capsys,
        [*argv, "--kernel", "nngp:depth=1000000"],
        r"depth of kernel 'nngp' must be an integer from 1 to 1000",
        "got 1000000",
    )
    _refused(capsys, [*argv, "--bandwidth", "wide"], r"--bandwidth must be a number or 'median'")


@pytest.mark.parametrize(
    ("arch", "patterns"),
    [
        ("mlp:width=10000000000", [r"would need [0-9.]+ PiB of memory", "IBC_MEMORY_LIMIT"]),
        ("mlp:width=" + "1" + "0" * 30, [r"would need more than 1 ZiB of memory"]),
        ("mlp:depth=1000000", [r"depth of architecture 'mlp' must be at most 1,000"]),
        ("rf:width=" + "9" * 60, [r"must be a size of at most 40 digits, got 60 digits"]),
        ("cnn:channels=64-" + "9" * 20 + ",image=8x8x1", [r"would need .* of memory"]),
    ],
)
def test_huge_architectures_are_refused_before_training(capsys, no_training, arch, patterns):
    argv = ["nn", "--arch", arch, "--n-train", "50", "--n-test", "50"]
    err = _refused(capsys, argv, *patterns)
    assert "Traceback" not in err and "OverflowError" not in err


def test_compare_parses_every_architecture_before_training_the_first(capsys, no_training):
    argv = ["compare", "--arch", "linear", "--arch", "mlp:width=10000000000"]
    _refused(capsys, [*argv, "--n-train", "50", "--n-test", "50"], r"mlp:width=10000000000")


def test_gp_memory_is_checked_before_reading_data(capsys, no_work):
    _refused(
        capsys,
        ["kernel", "--n-train", "1000000000"],
        r"GP posterior on --n-train 1000000000 .* would need [0-9.]+ PiB of memory",
    )
    _refused(capsys, ["estimate", "--n-train", "2000000000"], r"would need .* of memory")


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["bound", "--card", "mnist", "--set", "n=" + "9" * 5000], r"--set n: value has 5,000"),
        (["bound", "--card", "mnist", "--set", "classes=1e30"], r"classes must be at most"),
        (["bound", "--card", "mnist", "--set", "m=" + "9" * 400], r"m must be finite"),
        (["bound", "--card", "mnist", "--set", "delta=5e-324"], r"cutoff frequency .* overflows"),
        (["bound", "--card", "omniglot", "--set", "ways=1e15"], r"ways must be at most 10,000"),
        (["bound", "--card", "reacher", "--set", "obs_dim=1e20"], r"obs_dim must be at most"),
        (["bound", "--card", "mnist", "--set", "n=" + "[" * 200 + "]" * 200], r"nests 200"),
        (["nn", "--arch", "linear", "--samples", "9" * 5000], r"invalid int value: '9{40}\.\.\.'"),
        (["nn", "--arch", "linear", "--samples", "1" + "0" * 30], r"--samples must be at most"),
        (["kernel", "--samples", "1" + "0" * 30], r"--samples must be at most 4,294,967,296"),
        (["kernel", "--seed", "4294967296"], r"--seed must be at most 4,294,967,295"),
        (["nn", "--arch", "linear", "--seed", "-1"], r"--seed must be >= 0"),
        (["nn", "--arch", "linear", "--split-seed", "1" + "0" * 30], r"--split-seed must be"),
        (["kernel", "--n-test", "0"], r"--n-test must be >= 1"),
        (["stats", "--dataset", "digits", "--k", "0"], r"--k must be >= 1"),
    ],
)
def test_huge_and_bad_integers_are_one_line(capsys, no_work, argv, pattern):
    err = _refused(capsys, argv, pattern)
    assert len(err) < 1000  # a 5000-digit value is not echoed back


@pytest.mark.parametrize("n", ["999999999999999999999999", "9" * 400])
def test_a_huge_training_set_size_on_a_card_is_a_bound_not_a_crash(capsys, n):
    """n only enters through its logarithm: any size gives a (vacuous) bound, table or JSON."""
    for extra in ([], ["--json"]):
        assert main(["bound", "--card", "mnist", "--set", f"n={n}", *extra]) == 0
        out = capsys.readouterr().out
        assert "vacuous" in out and "Traceback" not in out


# ------------------------------------------------------------------ 3. output paths, up front


@pytest.fixture
def paths(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"file": afile, "folder": folder, "tmp": tmp_path}


def _out_cases(p):
    return [
        (str(p["file"]), r"--out .*afile is a file; give a folder"),
        (str(p["file"] / "sub"), r"cannot be created: .*afile is a file, not a folder"),
        ("/proc/ibc-results", r"under /proc, not a place for results"),
    ]


def test_estimate_out_is_checked_before_any_work(capsys, no_work, paths):
    for out, pattern in _out_cases(paths):
        _refused(capsys, ["estimate", "--out", out], pattern)
    (paths["folder"] / "estimate.json").mkdir()  # a folder where the results file goes
    _refused(capsys, ["estimate", "--out", str(paths["folder"])], r"estimate.json is a folder")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_out_and_plot_folders_are_refused(capsys, no_work, paths):
    ro = paths["tmp"] / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _refused(capsys, ["estimate", "--out", str(ro / "res")], r"no write permission in .*ro")
        _refused(capsys, ["kernel", "--plot", str(ro / "k.png")], r"no write permission")
    finally:
        ro.chmod(0o755)


def test_a_folder_without_write_permission_is_refused(capsys, no_work, paths, monkeypatch):
    """The same refusal as for a chmod 0o555 folder, seen by root too (os.access says no)."""
    import ibcomplexity._limits as limits

    ro = paths["folder"]
    real = os.access
    monkeypatch.setattr(
        limits.os, "access", lambda p, mode: False if str(p) == str(ro) else real(p, mode)
    )
    _refused(capsys, ["estimate", "--out", str(ro / "res")], r"no write permission in .*folder")
    _refused(capsys, ["nn", "--arch", "linear", "--plot", str(ro / "n.png")], r"no write perm")


PLOTTING = [
    ["kernel"],
    ["nn", "--arch", "linear"],
    ["compare", "--arch", "linear"],
    ["fewshot", "--data", "none.zip"],
]


@pytest.mark.parametrize("argv", PLOTTING, ids=lambda a: a[0])
def test_plot_paths_are_checked_before_any_work(capsys, no_work, paths, argv):
    folder = paths["tmp"] / "looks-like.png"
    folder.mkdir()
    cases = [
        ("plot.xyz", r"--plot plot.xyz has extension '.xyz'; use one of .*\.png"),
        ("noext", r"--plot noext has no extension; .*\(e\.g\. noext\.png\)"),
        (str(folder), r"looks-like.png is a folder; give a file name"),
        (str(paths["file"] / "k.png"), r"afile is a file, not a folder"),
        ("/proc/ibc.png", r"under /proc"),
    ]
    for plot, pattern in cases:
        _refused(capsys, [*argv, "--plot", plot], pattern)


def test_a_plot_is_written_at_exactly_the_path_reported(capsys, tmp_path):
    plot = tmp_path / "deep" / "gp.svg"
    argv = ["kernel", "--n-train", "60", "--n-test", "30", "--plot", str(plot), "--quiet"]
    assert main(argv) == 0
    assert f"wrote {plot}" in capsys.readouterr().out.replace("\n", "")
    assert plot.read_text().lstrip().startswith("<?xml")  # an SVG, at exactly that name
    assert sorted(p.name for p in plot.parent.iterdir()) == ["gp.svg"]


# ----------------------------------------------------------------------- 4. few-shot counts


@pytest.mark.parametrize(
    ("option", "value", "pattern"),
    [
        ("--ways", "0", r"--ways must be >= 2, got 0"),
        ("--ways", "1", r"--ways must be >= 2, got 1"),
        ("--ways", "-3", r"--ways must be >= 2"),
        ("--ways", "100000", r"--ways must be at most 10,000"),
        ("--shots", "0", r"--shots must be >= 1, got 0"),
        ("--shots", "-1", r"--shots must be >= 1"),
        ("--queries", "0", r"--queries must be >= 1"),
        ("--episodes", "-5", r"--episodes must be >= 1"),
        ("--size", "0", r"--size must be >= 1"),
        ("--size", "100000", r"--size declares 100000 x 100000 = .* pixels"),
        ("--target-mse", "0", r"--target-mse must be > 0"),
        ("--target-mse", "nan", r"--target-mse must be finite"),
        ("--seed", "-1", r"--seed must be >= 0"),
    ],
)
def test_fewshot_nonsense_counts_are_refused_before_reading_images(
    capsys, no_work, option, value, pattern
):
    _refused(capsys, ["fewshot", "--data", "none.zip", f"{option}={value}"], pattern)


# ------------------------------------------------- 5. numeric training options, before training


TRAINING_OPTIONS = [
    ("--bootstrap", "-1", r"--bootstrap must be >= 0, got -1"),
    ("--bootstrap", "1000000000", r"--bootstrap must be at most 100,000"),
    ("--samples", "0", r"--samples must be >= 20, got 0"),
    ("--samples", "-4", r"--samples must be >= 20"),
    ("--epochs", "0", r"--epochs must be >= 1"),
    ("--batch-size", "0", r"--batch-size must be >= 1"),
    ("--chunk", "0", r"--chunk must be >= 1"),
    ("--lr", "0", r"--lr must be > 0"),
    ("--lr", "nan", r"--lr must be finite"),
    ("--weight-decay", "-1", r"--weight-decay must be >= 0"),
    ("--fit-threshold", "0", r"--fit-threshold must be > 0"),
    ("--n-train", "0", r"--n-train must be >= 1"),
]


@pytest.mark.parametrize(
    ("command", "option", "value", "pattern"),
    [("nn", *case) for case in TRAINING_OPTIONS]
    + [("compare", *case) for case in TRAINING_OPTIONS]
    + [
        ("nn", "--target-mse", "-1", r"--target-mse must be > 0"),
        ("compare", "--base-scale", "0", r"--base-scale must be > 0"),
    ],
)
def test_training_options_are_checked_before_training(
    capsys, no_work, command, option, value, pattern
):
    _refused(capsys, [command, "--arch", "linear", f"{option}={value}"], pattern)


def test_kernel_bootstrap_and_samples_are_checked_before_the_gp(capsys, no_work):
    _refused(capsys, ["kernel", "--samples", "100", "--bootstrap", "-1"], r"--bootstrap must be")
    _refused(capsys, ["kernel", "--samples", "5"], r"--samples must be >= 20, got 5")


# ----------------------------------------------------------- 6. a failed write after the work


def test_disk_full_writing_the_results_is_one_line(capsys, monkeypatch, tmp_path):
    from pathlib import Path

    def full(self, *args, **kwargs):
        raise ENOSPC

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "res"
    argv = ["estimate", "--n-train", "60", "--n-test", "30", "--num-queries", "40"]
    err = _refused(capsys, [*argv, "--out", str(out)], r"could not write the results file")
    assert f"{out / 'estimate.json'}: No space left on device" in err


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_disk_full_writing_a_plot_is_one_line(capsys, monkeypatch, tmp_path, suffix):
    from matplotlib.figure import Figure

    def full(self, *args, **kwargs):
        raise ENOSPC

    monkeypatch.setattr(Figure, "savefig", full)
    plot = tmp_path / f"gp{suffix}"
    argv = ["kernel", "--n-train", "60", "--n-test", "30", "--plot", str(plot)]
    err = _refused(capsys, argv, r"could not write the plot ")
    assert f"{plot}: No space left on device" in err


def test_an_unforeseen_os_error_is_one_line(capsys, monkeypatch):
    import ibcomplexity.tasks.cards as cards

    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error", "/some/card.yaml")

    monkeypatch.setattr(cards, "load_card", broken)
    _refused(capsys, ["bound", "--card", "mnist"], r"Input/output error \(/some/card.yaml\)")


def test_the_plot_functions_refuse_a_name_matplotlib_would_rename(tmp_path):
    from ibcomplexity import InputError
    from ibcomplexity.plots import plot_bars

    with pytest.raises(InputError, match="has no extension"):
        plot_bars(tmp_path / "noext", labels=["a"], panels={"y": [1.0]})
    out = plot_bars(tmp_path / "bars.pdf", labels=["a"], panels={"y": [1.0]})
    assert out == tmp_path / "bars.pdf" and out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bars.pdf"]


def test_an_rl_card_takes_a_policy_error_above_1_a_classification_card_does_not(capsys):
    """One rule in the CLI, the card schema and the card builder: an RL target error is a policy's
    error (any positive number), a classification target error a rate in (0, 1)."""
    from ibcomplexity.bound import cartpole_bound
    from ibcomplexity.workflows.cards import bound_from_card

    assert main(["bound", "--card", "cartpole", "--target-error", "1.5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["inputs"]["target_error"] == 1.5
    assert bound_from_card("cartpole", target_error=1.5).log10_value == pytest.approx(
        cartpole_bound(
            bound_from_card("cartpole").inputs["observations"], target_error=1.5
        ).log10_value,
        rel=1e-12,
    )
    _refused(capsys, ["bound", "--card", "mnist", "--target-error", "1.5"], RATE)
