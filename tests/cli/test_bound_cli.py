"""The CLI contract of `ibc bound --card`, `ibc cards` and the error behaviour."""

import json
import subprocess
import sys

import pytest

from ibcomplexity.cli import main


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_bound_card_json_contract(capsys):
    d = run_json(capsys, "bound", "--card", "mnist", "--convention", "reference", "--json")
    for key in ("bits", "log10_bits", "unit", "convention", "vacuous", "inputs", "terms"):
        assert key in d
    assert d["unit"] == "bits" and d["convention"] == "reference" and d["vacuous"] is False
    assert d["bits"] == pytest.approx(1.4848e16, rel=1e-4)
    for key in ("n", "m", "R", "delta", "classes", "target_error"):
        assert key in d["inputs"]
    for key in ("M", "K", "E", "dim", "dim_q", "L_f", "W", "bracket"):
        assert d["terms"][key] is not None
    assert d["source"]["card"] == "mnist" and d["source"]["reference"]["bits"] == pytest.approx(
        1.4848e16
    )


def test_bound_card_default_convention_and_overrides(capsys):
    d = run_json(capsys, "bound", "--card", "mnist", "--json")
    assert d["convention"] == "integer-degree"
    assert d["terms"]["K"] == int(d["terms"]["K"])
    d = run_json(
        capsys, "bound", "--card", "mnist", "--target-error", "1e-4", "--unit", "nats", "--json"
    )
    assert d["unit"] == "nats" and d["inputs"]["target_error"] == 1e-4
    assert d["value"] == pytest.approx(d["bits"] * 0.6931471805599453, rel=1e-12)
    d = run_json(capsys, "bound", "--card", "cartpole", "--set", "observations=2", "--json")
    assert d["bits"] == pytest.approx(3.326e17, rel=1e-3)
    d = run_json(capsys, "bound", "--card", "mnist", "--product-with", "svhn", "--json")
    assert d["task"] == "product" and d["inputs"]["classes"] == 100


def test_vacuous_bound_prints_no_number(capsys):
    d = run_json(capsys, "bound", "--card", "mnist", "--set", "n=1000000000000000", "--json")
    assert d["vacuous"] is True and d["bits"] is None and d["log10_bits"] is None
    assert "dim_q <= 0" in d["message"]
    assert main(["bound", "--card", "mnist", "--set", "n=1000000000000000"]) == 0
    out = capsys.readouterr().out
    assert "vacuous" in out and "-" not in out.split("inductive-bias complexity")[1].split("\n")[
        0
    ].replace("─", "")


def test_human_output_is_a_table(capsys):
    assert main(["bound", "--card", "omniglot", "--convention", "reference"]) == 0
    out = capsys.readouterr().out
    assert "1.7894e+145 bits" in out and "term dim_q" in out


def test_cards_listing(capsys):
    d = run_json(capsys, "cards", "--json")
    names = {c["name"] for c in d["cards"]}
    assert {
        "mnist",
        "svhn",
        "cifar10",
        "imagenet",
        "omniglot",
        "cartpole",
        "reacher",
        "hopper",
        "halfcheetah",
    } <= names


@pytest.mark.parametrize(
    "argv,match",
    [
        (["bound", "--card", "nope"], "no card named 'nope'"),
        (["bound", "--card", "mnist", "--target-error", "-1"], "--target-error must be an error"),
        (["bound", "--card", "mnist", "--target-error", "abc"], "invalid float value"),
        (["bound"], "give exactly one of --card"),
        (["bound", "--card", "mnist", "--dataset", "digits"], "give exactly one of --card"),
        (["bound", "--card", "mnist", "--convention", "exact"], "invalid choice"),
        (["bound", "--card", "mnist", "--set", "delta"], "--set expects KEY=VALUE"),
        (
            ["bound", "--card", "mnist", "--set", "delta=-3"],
            "statistics.delta.value|delta must be > 0",
        ),
        (["bound", "--card", "mnist", "--product-with", "reacher"], "not a classification card"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(capsys, argv, match):
    import re

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1
    assert re.search(match, err), err


@pytest.mark.integration
def test_console_entry_point_runs_as_module():
    p = subprocess.run(
        [sys.executable, "-m", "ibcomplexity", "bound", "--card", "hopper", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["bits"] == pytest.approx(7.613e58, rel=1e-3)
    p = subprocess.run(
        [sys.executable, "-m", "ibcomplexity", "bound", "--card", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        p.returncode == 2
        and p.stderr.strip().startswith("ibc: error:")
        and "Traceback" not in p.stderr
    )
