"""Data cards: every bundled card validates, reproduces its published bound, and bad cards are
rejected with the offending field named."""

import math

import pytest
import yaml

from ibcomplexity import InputError
from ibcomplexity.tasks.cards import (
    SCHEMAS,
    card_names,
    load_card,
)
from ibcomplexity.workflows.cards import bound_from_card, product_bound_from_cards

PAPER_TASKS = {
    "mnist",
    "svhn",
    "cifar10",
    "imagenet",
    "omniglot",
    "cartpole",
    "reacher",
    "hopper",
    "halfcheetah",
}


def test_one_card_per_paper_task():
    assert PAPER_TASKS <= set(card_names())


@pytest.mark.parametrize("name", sorted(PAPER_TASKS))
def test_card_reproduces_published_bound(name):
    card = load_card(name)
    published = float(card.reference["bits"])
    digits = len(f"{published:g}".split("e")[0].replace(".", ""))
    r = bound_from_card(card, convention="reference")
    assert card.reference["convention"] == "reference"
    # agreement at the precision the paper prints (0.5 ulp of the last printed digit)
    assert math.isclose(r.bits, published, rel_tol=0.5 * 10 ** (1 - digits) * 1.001), (
        r.bits,
        published,
    )
    assert all(p["provenance"] in ("paper", "computed") for p in card.provenance.values())


def test_card_target_error_override_and_set():
    a = bound_from_card("mnist", convention="reference")
    b = bound_from_card("mnist", target_error=1e-4, convention="reference")
    assert b.bits > a.bits and b.inputs["target_error"] == 1e-4
    c = load_card("cartpole").with_statistics(observations=3)
    assert bound_from_card(c).inputs["observations"] == 3
    assert c.provenance["observations"]["provenance"] == "override"
    with pytest.raises(InputError, match="unknown statistic 'nope'"):
        load_card("mnist").with_statistics(nope=1)


def test_product_of_cards():
    r = product_bound_from_cards("mnist", "cifar10", convention="reference")
    assert r.task == "product" and r.inputs["n"] == 60000 * 50000 and r.inputs["classes"] == 100
    with pytest.raises(InputError, match="not a classification card"):
        product_bound_from_cards("mnist", "cartpole")


def _write(tmp_path, card: dict) -> str:
    p = tmp_path / "card.yaml"
    p.write_text(yaml.safe_dump(card))
    return str(p)


def _mnist_raw():
    from ibcomplexity.tasks.cards import card_paths

    return yaml.safe_load(card_paths()["mnist"].read_text())


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda c: c["statistics"].pop("delta"), "missing statistic\\(s\\) statistics.delta"),
        (
            lambda c: c["statistics"]["delta"].update(value=-2.0),
            "statistics.delta.value must be > 0",
        ),
        (
            lambda c: c["statistics"]["classes"].update(value=1),
            "statistics.classes.value must be >= 2",
        ),
        (
            lambda c: c["statistics"]["n"].update(value="many"),
            "statistics.n.value must be an integer",
        ),
        (lambda c: c["statistics"]["m"].update(value=0.5), "statistics.m.value must be >= 1"),
        (
            lambda c: c["statistics"]["radius"].update(value=float("nan")),
            "statistics.radius.value must be finite",
        ),
        (
            lambda c: c["statistics"]["m"].update(provenance="folklore"),
            "statistics.m.provenance must be one of",
        ),
        (
            lambda c: c["statistics"]["m"].update(provenance="computed"),
            "statistics.m is computed but gives no 'command'",
        ),
        (
            lambda c: c["statistics"].update(speed={"value": 1, "provenance": "paper"}),
            "unknown statistic\\(s\\) statistics.speed",
        ),
        (lambda c: c["statistics"].update(m=14), "statistics.m must be a mapping"),
        (lambda c: c.pop("description"), "missing field 'description'"),
        (lambda c: c.update(task="regression"), "field 'task' must be one of"),
        (lambda c: c.update(colour="blue"), "unknown field\\(s\\) colour"),
        (lambda c: c["reference"].update(bits=-1), "reference.bits must be > 0"),
    ],
)
def test_bad_card_is_rejected_with_field_named(tmp_path, mutate, match):
    card = _mnist_raw()
    mutate(card)
    with pytest.raises(InputError, match=match):
        load_card(_write(tmp_path, card))


def test_unreadable_cards(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: [unclosed")
    with pytest.raises(InputError, match="not valid YAML"):
        load_card(str(p))
    p.write_text("- a list")
    with pytest.raises(InputError, match="must be a YAML mapping"):
        load_card(str(p))
    with pytest.raises(InputError, match="no card named 'imagenet22k'"):
        load_card("imagenet22k")


def test_schemas_cover_every_card_family():
    assert {load_card(n).task for n in card_names()} == set(SCHEMAS)


def test_mnist_card_records_computed_statistics_with_command():
    card = load_card("mnist")
    assert "ibc stats" in card.computed["command"] and card.computed["statistics"]["n"] == 10000


def test_bad_computed_block_is_rejected(tmp_path):
    card = _mnist_raw()
    card["computed"]["statistics"]["delta"] = -1
    with pytest.raises(InputError, match="computed.statistics.delta must be > 0"):
        load_card(_write(tmp_path, card))
    card = _mnist_raw()
    del card["computed"]["command"]
    with pytest.raises(InputError, match="computed.command must be a non-empty string"):
        load_card(_write(tmp_path, card))
