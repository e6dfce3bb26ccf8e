"""Every command that computes names where it ran (issue 13): a closing table line, or a
``"platform"`` object in its JSON; commands that compute nothing with JAX name nothing."""

from __future__ import annotations

import json

from ibcomplexity.cli import main
from ibcomplexity.sampling import platform_info


def test_tables_end_with_the_platform_and_json_carries_it(capsys, tmp_path):
    assert main(["stats", "--dataset", "digits", "--quiet"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    info = platform_info()
    assert last == (
        f"ran on {info['backend']} ({info['devices']} x {info['device_kind']}; "
        f"float32 matmul precision {info['matmul_precision']})"
    )
    assert main(["stats", "--dataset", "digits", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["platform"] == info


def test_a_commands_own_precision_is_the_one_reported(capsys):
    argv = "nn --arch mlp:width=8 --samples 20 --epochs 1 --n-train 60 --n-test 30"
    argv += " --fit-threshold 1 --precision highest --json --quiet"
    assert main(argv.split()) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["platform"]["matmul_precision"] == "highest"
    assert out["training"]["config"]["precision"] == "highest"


def test_commands_that_compute_nothing_report_nothing(capsys, tmp_path):
    for argv in (["bound", "--card", "mnist", "--json"], ["cards", "--json"]):
        assert main(argv) == 0
        assert "platform" not in json.loads(capsys.readouterr().out)
    assert main(["bound", "--card", "mnist"]) == 0
    assert "ran on" not in capsys.readouterr().out
    # a card on stdout stays a card: the line goes to stderr
    assert main(["card", "--dataset", "digits", "--quiet"]) == 0
    cap = capsys.readouterr()
    assert "ran on" not in cap.out and cap.err.startswith("ran on")
