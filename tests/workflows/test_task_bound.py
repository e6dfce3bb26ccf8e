"""``ibc.workflows.task_bound`` / ``computed_card`` are ``ibc bound`` / ``ibc card``: the same
JSON from one library call, and the same checks before any data is read."""

from __future__ import annotations

import json

import pytest

from ibcomplexity import InputError, to_json
from ibcomplexity.bound import classification_bound
from ibcomplexity.cli import main
from ibcomplexity.workflows import computed_card, dataset_statistics, task_bound


def _cli(capsys, argv):
    """The command's JSON less the platform it names (a card names none: nothing computes)."""
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    where = out.pop("platform", None)
    assert (where is None) == ("--card" in argv or argv[0] == "cards")
    return out


@pytest.mark.parametrize(
    ("kwargs", "argv"),
    [
        (dict(card="mnist"), "--card mnist"),
        (
            dict(card="cartpole", overrides={"observations": 3}),
            "--card cartpole --set observations=3",
        ),
        (
            dict(card="mnist", product_with="cifar10", target_error=0.05),
            "--card mnist --product-with cifar10 --target-error 0.05",
        ),
        (dict(dataset="digits", k=7, unit="nats"), "--dataset digits --k 7 --unit nats"),
    ],
)
def test_task_bound_is_the_command(capsys, kwargs, argv):
    want = _cli(capsys, ["bound", *argv.split(), "--json", "--quiet"])
    assert json.loads(to_json(task_bound(**kwargs))) == want


def test_bound_from_data_is_the_classification_bound_of_its_statistics():
    r = task_bound(dataset="digits", target_error=0.02)
    s = dataset_statistics("digits")
    assert r.statistics == s and r.source == {"dataset": "digits"}
    direct = classification_bound(
        n=s.n,
        m=s.intrinsic_dimension.rounded,
        radius=s.radius,
        delta=s.resolution.delta,
        classes=s.classes,
        target_error=0.02,
    )
    assert r.result.log10_bits == direct.log10_bits


def test_computed_card_is_the_command(capsys):
    want = _cli(capsys, ["card", "--dataset", "digits", "--seed", "1", "--json", "--quiet"])
    got = computed_card("digits", seed=1)
    assert json.loads(to_json(got)) == want
    assert got.markdown().startswith("---\n") and "digits" in got.markdown()


def test_checks_come_before_any_data(monkeypatch):
    import ibcomplexity.tasks as tasks

    monkeypatch.setattr(tasks, "load_dataset", lambda *a, **k: pytest.fail("data read"))
    with pytest.raises(InputError, match="exactly one of"):
        task_bound()
    with pytest.raises(InputError, match="exactly one of"):
        task_bound(card="mnist", dataset="digits")
    with pytest.raises(InputError, match="target-error"):
        task_bound(dataset="digits", target_error=1.5)
    with pytest.raises(InputError, match="apply to --card only"):
        task_bound(dataset="digits", overrides={"m": 3})
    with pytest.raises(InputError, match="target-error"):
        task_bound(card="mnist", target_error=0)
    # an RL card's target error is a regression error: any positive number
    assert task_bound(card="cartpole", target_error=1.5).result.inputs["target_error"] == 1.5
    with pytest.raises(InputError, match="target-error"):
        computed_card("digits", target_error=1.5)


def test_card_catalogue_is_the_command(capsys):
    from ibcomplexity.workflows import card_catalogue

    got = card_catalogue()
    assert json.loads(to_json(got)) == _cli(capsys, ["cards", "--json"])
    mnist = next(c for c in got.cards if c["name"] == "mnist")
    assert mnist["bound_reference_convention"] == "1.4848e+16 bits"  # the paper's Table 1 value
