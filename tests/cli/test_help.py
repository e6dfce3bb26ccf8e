"""Help is fast and readable (issue 14): parsing ``ibc`` imports no JAX, Flax or Optax, and the
kernel and architecture spec lists keep their line breaks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ibcomplexity.cli import main


def test_building_the_parser_imports_no_jax():
    code = (
        "import sys\n"
        "from ibcomplexity.cli._main import _parser\n"
        "_parser()\n"
        "print(sorted(m for m in ('jax', 'flax', 'optax', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ("kernel", "  laplace[:bandwidth=L]    exp(-r / L)"),
        ("estimate", "  rbf[:bandwidth=L]        exp(-r^2 / 2 L^2)"),
        ("nn", "  linear                               linear model"),
        ("compare", "  rf[:width=W,act=A]                   fixed random ReLU features"),
    ],
)
def test_spec_lists_keep_their_lines(capsys, command, line):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert any(row.startswith(line) for row in out.splitlines()), out[-1500:]


def test_tables_are_not_cut_through_a_pipe():
    """Through a pipe rich would assume 80 columns and cut cells ('architec…'); the console is
    wide there, so every cell arrives whole."""
    out = subprocess.run(
        [sys.executable, "-m", "ibcomplexity", "bound", "--card", "mnist"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "…" not in out and "..." not in out
    from ibcomplexity import bound_from_card

    assert bound_from_card("mnist").formatted() in out
    widest = max(len(line) for line in out.splitlines())
    assert widest < 200  # as wide as the content, not the 400-column allowance


def test_ignored_options_are_named_and_titles_follow_overrides(capsys):
    """``--convention`` on the single-convention cart-pole form is named as ignored, and a card
    with ``--set`` is titled by what was set, not by the card's own description."""
    assert main(["bound", "--card", "cartpole", "--convention", "integer-degree"]) == 0
    cap = capsys.readouterr()
    assert "--convention integer-degree does not apply to the cartpole form" in cap.err
    assert main(["bound", "--card", "cartpole"]) == 0
    assert "does not apply" not in capsys.readouterr().err  # only when given
    assert main(["bound", "--card", "cartpole", "--set", "observations=3", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["inputs"]["observations"] == 3
    assert main(["bound", "--card", "cartpole", "--set", "observations=3"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "card cartpole with observations = 3" in text and "T = 1" not in text


def test_fewshot_takes_dataset_like_every_command(capsys, tmp_path):
    for option in ("--dataset", "--data"):
        assert main(["fewshot", option, str(tmp_path / "missing.zip"), "--quiet"]) == 2
        assert "missing.zip" in capsys.readouterr().err


def test_every_command_has_a_description_and_examples(capsys):
    from ibcomplexity.cli._main import _parser

    sub = next(a for a in _parser()._actions if a.dest == "command")
    assert set(sub.choices) >= {"estimate", "bound", "kernel", "nn", "compare", "batch", "data"}
    for name, parser in sub.choices.items():
        assert parser.description, name
        assert "examples:\n  ibc " in (parser.epilog or ""), name
        lines = parser.epilog.split("examples:\n", 1)[1].splitlines()
        assert lines[0].startswith(f"  ibc {name}") and all(x.startswith("  ibc ") for x in lines)


def test_defaults_agree_and_every_option_says_what_it_does():
    from ibcomplexity.cli._main import _parser

    sub = next(a for a in _parser()._actions if a.dest == "command")
    nn, compare = sub.choices["nn"], sub.choices["compare"]
    assert nn.get_default("samples") == compare.get_default("samples") == 128
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"ibc {name} {action.option_strings[0]} has no help"
    product = next(a for a in sub.choices["bound"]._actions if a.dest == "product_with")
    assert "(this card) x CARD" in product.help  # the order product_bound_from_cards uses


@pytest.mark.parametrize(
    ("argv", "note"),
    [
        ("bound --card mnist --k 7 --seed 2", "--seed, --k ignored: a card's statistics"),
        ("stats --dataset digits --n-train 50 --quiet", "--n-train ignored: it sizes a regression"),
        ("kernel --n-train 50 --n-test 20 --dtype float64 --quiet", "--dtype ignored: they apply"),
    ],
)
def test_an_ignored_option_is_named(capsys, argv, note):
    assert main(argv.split()) == 0
    assert f"ibc: note: {note}" in capsys.readouterr().err


def test_options_that_apply_are_not_called_ignored(capsys):
    assert (
        main("kernel --n-train 50 --n-test 20 --samples 100 --dtype float64 --quiet".split()) == 0
    )
    assert main("stats --dataset digits --quiet".split()) == 0
    assert "ignored" not in capsys.readouterr().err
