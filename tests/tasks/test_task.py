"""The one task interface: load_task, RegressionTask.from_arrays, metadata, spec parsing, cards."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ibcomplexity import cli
from ibcomplexity._validation import InputError
from ibcomplexity.bound import classification_bound
from ibcomplexity.stats import task_statistics
from ibcomplexity.tasks import (
    Dataset,
    RegressionTask,
    load_card,
    load_dataset,
    load_task,
    make_regression_task,
    split_spec,
)
from ibcomplexity.workflows.card_builder import card_from_spec, card_markdown
from ibcomplexity.workflows.cards import bound_from_card


def test_task_metadata_from_dataset():
    ds = Dataset.from_arrays(
        np.arange(40, dtype=np.uint8).reshape(10, 2, 2),
        [0, 1] * 5,
        name="toy",
        scale=255,
        source="toy.npz",
        metadata={"format": "toy", "preprocessing": ["none yet"]},
    )
    assert ds.source == "toy.npz" and ds.metadata["format"] == "toy"
    task = make_regression_task(ds, n_train=6, n_test=4, seed=3)
    assert task.is_classification and task.outputs == 2
    meta = task.metadata
    assert meta["format"] == "toy" and meta["source"] == "toy.npz"
    assert meta["shape"] == [2, 2] and meta["preprocessing"] == ["none yet"]
    assert meta["split"] == {"n_train": 6, "n_test": 4, "seed": 3, "stratified": True}
    json.dumps(meta)  # JSON-serialisable


def test_dataset_metadata_is_a_copy():
    meta = {"format": "a"}
    ds = Dataset.from_arrays(np.zeros((2, 1)), [0, 1], metadata=meta)
    meta["format"] = "b"
    assert ds.metadata["format"] == "a"
    with pytest.raises(InputError, match="metadata must be a mapping"):
        Dataset(x=ds.x, y=ds.y, name="x", shape=(1,), scaling="", source="", metadata=[1])


def test_load_task_equals_make_regression_task():
    a = load_task("digits", n_train=50, n_test=30, seed=2)
    b = make_regression_task(load_dataset("digits"), n_train=50, n_test=30, seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.name == "digits"


def test_regression_from_arrays():
    rng = np.random.default_rng(0)
    t = RegressionTask.from_arrays(
        rng.normal(size=(8, 3)),
        rng.normal(size=8),
        rng.normal(size=(4, 3)),
        rng.normal(size=4),
        name="r",
        seed=5,
        metadata={"env": "x"},
    )
    assert t.y_train.shape == (8, 1) and t.outputs == 1 and not t.is_classification
    assert t.labels_train is None and t.seed == 5 and t.metadata == {"env": "x"}
    assert t.x_train.dtype == np.float32 and not t.x_train.flags.writeable


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros((3, 2)), np.zeros(2), np.zeros((2, 2)), np.zeros(2)), "y_train has 2 rows"),
        ((np.zeros((3, 2)), np.zeros(3), np.zeros((2, 3)), np.zeros(2)), "x_train has 2 features"),
        ((np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)), "2 outputs"),
        ((np.full((3, 2), np.nan), np.zeros(3), np.zeros((2, 2)), np.zeros(2)), "non-finite"),
        ((np.zeros((0, 2)), np.zeros(0), np.zeros((2, 2)), np.zeros(2)), "non-empty 2-D"),
        ((np.array([["a"]]), np.zeros(1), np.zeros((1, 1)), np.zeros(1)), "numeric"),
    ],
)
def test_regression_from_arrays_errors(args, match):
    with pytest.raises(InputError, match=match):
        RegressionTask.from_arrays(*args)


@pytest.mark.parametrize(
    "spec, parts",
    [
        ("digits", ("digits", "", "")),
        ("mnist:/data/m", ("mnist", "/data/m", "")),
        ("mnist:/data/m@resize=14,seed=2", ("mnist", "/data/m", "resize=14,seed=2")),
        ("npz:/home/a@b/x.npz", ("npz", "/home/a@b/x.npz", "")),
        ("  digits@grayscale ", ("digits", "", "grayscale")),
        ("cartpole:history=3", ("cartpole", "history=3", "")),
    ],
)
def test_split_spec(spec, parts):
    assert split_spec(spec) == parts


def test_task_source_errors():
    with pytest.raises(InputError, match="regression source"):
        load_dataset("cartpole")
    with pytest.raises(InputError, match="takes its options after ':'"):
        load_task("cartpole@resize=2", n_train=5, n_test=5)
    with pytest.raises(InputError, match="needs arguments"):
        load_dataset("cifar")
    with pytest.raises(InputError, match="n_train must be"):
        load_task("digits", n_train=0, n_test=5)


def test_card_from_spec_matches_statistics_and_bound(tmp_path):
    card = card_from_spec("digits", seed=1)
    ds = load_dataset("digits")
    stats = task_statistics(ds.x, ds.y, seed=1)
    assert card.task == "classification"
    assert card.statistics["n"] == stats.n
    assert card.statistics["m"] == stats.intrinsic_dimension.rounded
    assert card.statistics["radius"] == pytest.approx(stats.radius, rel=1e-12)
    assert card.statistics["delta"] == pytest.approx(stats.resolution.delta, rel=1e-12)
    assert card.provenance["m"]["command"] == "ibc card --dataset digits --seed 1"
    direct = classification_bound(
        n=stats.n,
        m=stats.intrinsic_dimension.rounded,
        radius=stats.radius,
        delta=stats.resolution.delta,
        classes=stats.classes,
        target_error=0.01,
    )
    # The Markdown card round-trips through load_card and gives the same bound.
    path = tmp_path / "card.md"
    path.write_text(card_markdown(card, bound=bound_from_card(card)))
    again = load_card(path)
    assert dict(again.statistics) == pytest.approx(dict(card.statistics), rel=1e-15)
    assert bound_from_card(again).log10_bits == pytest.approx(direct.log10_bits, rel=1e-12)
    text = path.read_text()
    assert text.startswith("---\n") and "| delta |" in text and "Model-agnostic bound" in text


def test_markdown_card_unclosed_front_matter(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\nname: x\n")
    with pytest.raises(InputError, match="never closes"):
        load_card(path)


def test_cli_card_and_bound_from_it(tmp_path, capsys):
    assert cli.main(["card", "--dataset", "digits", "--quiet"]) == 0
    md = capsys.readouterr().out
    path = tmp_path / "digits.md"
    path.write_text(md)
    assert cli.main(["bound", "--card", str(path), "--json", "--quiet"]) == 0
    from_card = json.loads(capsys.readouterr().out)
    assert cli.main(["bound", "--dataset", "digits", "--json", "--quiet"]) == 0
    from_data = json.loads(capsys.readouterr().out)
    assert from_card["log10_bits"] == pytest.approx(from_data["log10_bits"], rel=1e-12)
    assert cli.main(["card", "--dataset", "digits", "--json", "--quiet"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["task"] == "classification" and payload["bound"]["log10_bits"] > 0


def test_cli_datasets_lists_every_scheme(capsys):
    assert cli.main(["datasets"]) == 0
    out = capsys.readouterr().out
    for scheme in ("digits", "mnist:", "idx:", "npz:", "cifar:", "folder:", "omniglot:"):
        assert scheme in out
    for scheme in ("sphere:", "torus:", "cartpole", "pendulum", "@KNOB"):
        assert scheme in out


def test_cli_on_a_regression_source(capsys):
    """ibc card / bound / stats / kernel accept an MDP source; the card's bound is the RL form."""
    from ibcomplexity.bound import rl_bound

    spec = "cartpole:obs=positions,history=2,episodes=10,steps=40"
    assert cli.main(["card", "--dataset", spec, "--n-train", "300", "--json", "--quiet"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["task"] == "rl"
    stats = card["statistics"]
    assert (stats["obs_dim"], stats["action_dim"], stats["n"]) == (4, 1, 300)
    expected = rl_bound(obs_dim=4, action_dim=1, n=300, delta=0.001, target_error=0.001)
    assert card["bound"]["log10_bits"] == pytest.approx(expected.log10_bits, rel=1e-12)
    argv = ["bound", "--dataset", spec, "--n-train", "300", "--json", "--quiet"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["log10_bits"] == card["bound"]["log10_bits"]
    assert cli.main(["stats", "--dataset", spec, "--n-train", "300", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["computed"]["statistics"]["m_mle"] > 0
    argv = ["kernel", "--dataset", spec, "--n-train", "120", "--n-test", "40"]
    assert cli.main(argv + ["--target-mse", "0.05", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["inputs"]["classes"] == 1 and out["exact"]["bits"] > 0
    # compare needs class labels: a clear refusal, not a traceback
    argv = ["compare", "--dataset", spec, "--arch", "linear", "--samples", "20", "--quiet"]
    argv += ["--n-train", "60", "--n-test", "20"]
    assert cli.main(argv) == 2
    assert "real-valued targets" in capsys.readouterr().err


def test_cli_estimate_on_a_regression_source(capsys, tmp_path):
    """ibc estimate: the RL form of the bound (n = the GP's n_train) beside the exact GP."""
    from ibcomplexity.bound import rl_bound

    spec = "cartpole:obs=positions,history=2,episodes=10,steps=40"
    argv = ["estimate", "--dataset", spec, "--n-train", "120", "--n-test", "40"]
    argv += ["--target-mse", "0.05", "--target-error", "0.001", "--out", str(tmp_path)]
    assert cli.main([*argv, "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    want = rl_bound(obs_dim=4, action_dim=1, n=120, delta=0.001, target_error=0.001)
    assert out["bound"]["RL form"]["log10_bits"] == pytest.approx(want.log10_bits, rel=1e-12)
    assert out["statistics"]["task"] == "rl" and out["gp"]["bits"] > 0
    assert (tmp_path / "estimate.json").is_file() and (tmp_path / "loss_distribution.png").is_file()
