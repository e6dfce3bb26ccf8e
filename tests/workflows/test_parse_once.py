"""One command, one parse of the dataset spec and one load of its data (issue 12, point 3)."""

from __future__ import annotations

import collections

import pytest

import ibcomplexity as ibc
from ibcomplexity.cli import main
from ibcomplexity.tasks import DatasetSpec, mdp
from ibcomplexity.tasks import datasets as datasets_module


@pytest.fixture
def counts(monkeypatch):
    seen: collections.Counter = collections.Counter()
    parse, digits, simulate = DatasetSpec.parse.__func__, datasets_module.load_digits, mdp._simulate

    def counted_parse(cls, spec):
        seen["parsed from text"] += isinstance(spec, str)
        return parse(cls, spec)

    def counted(name, f):
        def g(*a, **k):
            seen[name] += 1
            return f(*a, **k)

        return g

    monkeypatch.setattr(DatasetSpec, "parse", classmethod(counted_parse))
    monkeypatch.setattr(datasets_module, "load_digits", counted("digits loaded", digits))
    monkeypatch.setattr(mdp, "_simulate", counted("rollouts simulated", simulate))
    mdp._seeded_mdp_dataset.cache_clear()
    yield seen
    mdp._seeded_mdp_dataset.cache_clear()


def test_estimate_task_parses_and_loads_once(counts):
    ibc.estimate_task("digits", n_train=100, n_test=50)
    assert counts == {"parsed from text": 1, "digits loaded": 1}


def test_a_source_is_simulated_once_for_its_card_and_its_split(counts):
    spec = "cartpole:episodes=20,steps=50"
    r = ibc.estimate_task(spec, n_train=200, n_test=100, target_error=0.1, target_mse=0.1)
    assert counts == {"parsed from text": 1, "rollouts simulated": 1}
    assert r.statistics.statistics["n"] == 200 and r.n_test == 100
    # another seed is another simulation (the cache never mixes data of two seeds)
    ibc.estimate_task(spec, n_train=200, n_test=100, target_error=0.1, target_mse=0.1, seed=1)
    assert counts["rollouts simulated"] == 2  # the card's (seed 1); the split's (seed 0) is kept


@pytest.mark.parametrize(
    "argv",
    [
        "bound --dataset digits",
        "stats --dataset digits",
        "card --dataset digits",
        "kernel --dataset digits --n-train 100 --n-test 50",
    ],
)
def test_commands_load_their_data_once(counts, argv, capsys):
    assert main([*argv.split(), "--json", "--quiet"]) == 0
    assert counts["digits loaded"] == 1


def test_the_parsed_spec_round_trips():
    s = DatasetSpec.parse(" mnist:/data/x@y/mnist:train@resize=14,n=100 ")
    assert (s.scheme, s.rest, s.knobs) == ("mnist", "/data/x@y/mnist:train", "resize=14,n=100")
    assert s.base == "mnist:/data/x@y/mnist:train" and str(s) == s.text
    assert DatasetSpec.parse(s) is s
    assert DatasetSpec.parse("cartpole:history=3").is_task_source
    assert DatasetSpec.parse("a/b@c/d").knobs == ""  # an '@' inside a path
    with pytest.raises(ibc.InputError, match="must be a string"):
        DatasetSpec.parse(3)
