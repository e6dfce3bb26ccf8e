"""`ibc batch` end to end on a tiny GP job (in process): outputs, resume, refusals, seeds."""

import csv
import json

import numpy as np
import pytest

from ibcomplexity._json import number
from ibcomplexity.cli import main


def _run(capsys, *argv):
    rc = main(["batch", *map(str, argv), "--quiet"])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.mark.integration
def test_outputs_and_resume_of_a_finished_job(capsys, write_job, read_units, gp_job, tmp_path):
    job, out = write_job(gp_job.replace("plots = false", "plots = true")), tmp_path / "out"
    rc, stdout, _ = _run(capsys, job, "--out", out, "--json")
    assert rc == 0
    d = json.loads(stdout)
    assert d["chunks_computed"] == 5 and d["hypotheses_computed"] == 40 and not d["resumed"]
    rows = d["rows"]
    assert [(r["samples"], r["target"]) for r in rows] == [
        (24, 0.06),
        (24, 0.08),
        (40, 0.06),
        (40, 0.08),
    ]
    for r in rows:
        assert r["task"] == "digits" and r["space"] == "rbf" and r["space_type"] == "gp"
        assert r["seed"] == 3 and r["devices"] >= 1 and r["fit_samples"] is None
        assert r["exact_bits"] > 0 and r["regime"] in ("empirical", "extrapolated", "lower-bound")
        if r["regime"] == "lower-bound":
            assert r["bits"] is None and r["ci_high_bits"] == "inf" and r["ci_low_bits"] > 0
        else:
            assert r["ci_low_bits"] <= r["bits"] <= number(r["ci_high_bits"])
        assert r["sampling_seconds"] > 0 and r["unit"] == "t0-s0"
    # the exact GP bits do not depend on the sample count; a lower target needs more bits
    assert rows[0]["exact_bits"] == rows[2]["exact_bits"] > rows[1]["exact_bits"]
    with open(out / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 4 and [t["regime"] for t in table] == [r["regime"] for r in rows]
    assert {
        "task",
        "space",
        "target",
        "bits",
        "ci_low_bits",
        "ci_high_bits",
        "regime",
        "resolvable_bits",
        "exact_bits",
        "samples",
        "fit_samples",
        "seed",
        "devices",
        "sampling_seconds",
    } <= set(table[0])
    saved = json.loads((out / "results.json").read_text())
    assert saved["rows"] == rows and saved["job"]["job"]["seed"] == 3
    plot = out / d["units"][0]["plot"]
    assert plot.suffix == ".png" and plot.stat().st_size > 10_000
    losses = read_units(out)["t0-s0"]["loss"]
    assert losses.shape == (40,) and losses.dtype == np.float32

    # resuming a finished job recomputes nothing and reproduces the table
    rc, stdout, _ = _run(capsys, job, "--out", out, "--json", "--resume")
    again = json.loads(stdout)
    assert rc == 0 and again["resumed"] and again["chunks_computed"] == 0
    strip = ("estimate_seconds",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in again["rows"]] == [
        {k: v for k, v in r.items() if k not in strip} for r in rows
    ]

    # the human-readable table
    rc, stdout, _ = _run(capsys, job, "--out", out, "--resume")
    assert rc == 0 and "exact GP" in stdout and "regime" in stdout
    assert "every chunk was already" in stdout


def test_refusals(capsys, write_job, read_units, gp_job, tmp_path):
    job, out = write_job(gp_job), tmp_path / "out"
    assert _run(capsys, job, "--out", out)[0] == 0
    # an existing, non-empty output folder without --resume
    rc, _, err = _run(capsys, job, "--out", out)
    assert rc == 2 and err.startswith("ibc: error: output directory") and "--resume" in err
    # a changed job file on resume: refused, naming what changed
    changed = write_job(gp_job.replace("targets = [0.06, 0.08]", "targets = [0.07]"), "b.toml")
    rc, _, err = _run(capsys, changed, "--out", out, "--resume")
    assert rc == 2 and "job file differs" in err and "job.targets" in err
    assert "[0.06, 0.08] -> [0.07]" in err
    # corrupt checkpoint: refused with the file's name; --repair recomputes it identically
    manifest = json.loads((out / "manifest.json").read_text())
    before = (out / "results.json").read_text()
    losses = read_units(out)["t0-s0"]["loss"]
    chunk = out / manifest["units"]["t0-s0"]["chunks"][1]["file"]
    data = bytearray(chunk.read_bytes())
    data[-30] ^= 0x01
    chunk.write_bytes(bytes(data))
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    assert rc == 2 and f"{chunk}: checksum mismatch" in err and "--repair" in err
    rc, stdout, _ = _run(capsys, job, "--out", out, "--resume", "--repair", "--json")
    assert rc == 0 and json.loads(stdout)["chunks_computed"] == 1
    after = json.loads((out / "results.json").read_text())["rows"]
    assert [r["bits"] for r in after] == [r["bits"] for r in json.loads(before)["rows"]]
    np.testing.assert_array_equal(read_units(out)["t0-s0"]["loss"], losses)
    # --repair without --resume; a bad job file is refused before any output is written
    assert "--repair applies to --resume only" in _run(capsys, job, "--repair")[2]
    bad = write_job(gp_job.replace("n_train = 100", "n_train = -5"), "bad.toml")
    rc, _, err = _run(capsys, bad, "--out", tmp_path / "new")
    assert rc == 2 and "tasks[0].n_train must be an integer >= 1, got -5" in err
    assert not (tmp_path / "new").exists()


@pytest.mark.integration
def test_unit_draws_do_not_depend_on_position_or_sample_count(
    capsys, write_job, read_units, gp_job, tmp_path
):
    a = tmp_path / "a"
    assert _run(capsys, write_job(gp_job), "--out", a)[0] == 0
    # another task first, another space first, more samples
    other = (
        gp_job.replace("samples = [24, 40]", "samples = [56]")
        .replace(
            "[[tasks]]",
            '[[tasks]]\ndataset = "digits"\nn_train = 60\nn_test = 50\nname = "d60"\n\n[[tasks]]',
            1,
        )
        .replace("[[spaces]]", '[[spaces]]\ntype = "gp"\nkernel = "laplace"\n\n[[spaces]]', 1)
    )
    b = tmp_path / "b"
    assert _run(capsys, write_job(other, "other.toml"), "--out", b)[0] == 0
    la, lb = read_units(a)["t0-s0"]["loss"], read_units(b)["t1-s1"]["loss"]
    assert lb.shape == (56,)
    np.testing.assert_array_equal(la, lb[:40])  # the same hypotheses 0..39, bit for bit
    assert not np.array_equal(read_units(b)["t0-s1"]["loss"][:40], la)  # other task: other draws


@pytest.mark.integration
def test_a_regression_source_as_a_batch_task(capsys, write_job, tmp_path):
    """An MDP source runs as a batch task: its task is built from the spec and the split."""
    from ibcomplexity.estimate import inductive_bias
    from ibcomplexity.hypotheses import GPSpace
    from ibcomplexity.tasks import load_task

    spec = "cartpole:obs=positions,history=2,episodes=10,steps=40"
    text = f"""\
[job]
seed = 1
targets = [0.05]
samples = [24]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
dataset = "{spec}"
n_train = 120
n_test = 40

[[spaces]]
type = "gp"
name = "rbf"
"""
    rc, stdout, _ = _run(capsys, write_job(text), "--out", tmp_path / "out", "--json")
    assert rc == 0
    (row,) = json.loads(stdout)["rows"]
    exact = inductive_bias(GPSpace(), load_task(spec, n_train=120, n_test=40, seed=1), 0.05)
    assert row["exact_bits"] == pytest.approx(exact.bits, rel=1e-9)
    # 24 sampled losses: an empirical count or, short of one, a lower bound
    assert row["regime"] in ("empirical", "lower-bound") and row["ci_low_bits"] > 0


CARD_JOB = """\
[job]
seed = 0
targets = [0.06]
samples = [24]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
card = "mnist"
target_errors = [0.01, 0.001]
convention = "reference"

[[tasks]]
dataset = "digits"
n_train = 100
n_test = 50

[[tasks]]
name = "my card"
card = "mycard.md"

[[spaces]]
type = "gp"
name = "rbf"
"""


def test_card_tasks_give_the_bound(capsys, write_job, tmp_path):
    """Card tasks add one bound row per target error; data tasks run as before."""
    from ibcomplexity.tasks import load_card
    from ibcomplexity.workflows import bound_from_card
    from ibcomplexity.workflows.card_builder import card_from_spec, card_markdown

    (tmp_path / "mycard.md").write_text(card_markdown(card_from_spec("digits")))
    rc, stdout, _ = _run(capsys, write_job(CARD_JOB), "--out", tmp_path / "out", "--json")
    assert rc == 0
    rows = json.loads(stdout)["rows"]
    gp = [r for r in rows if r["space_type"] == "gp"]
    bound = [r for r in rows if r["space_type"] == "bound"]
    assert len(gp) == 1 and gp[0]["task"] == "digits"
    assert [(r["task"], r["target"]) for r in bound] == [
        ("mnist", 0.001),
        ("mnist", 0.01),
        ("my card", 0.01),
    ]
    mnist = load_card("mnist")
    for r, eps in zip(bound[:2], (0.001, 0.01), strict=True):
        want = bound_from_card(mnist, target_error=eps, convention="reference")
        assert r["log10_bits"] == pytest.approx(want.log10_bits, rel=1e-12)
        assert r["samples"] is None and r["seed"] is None
    assert bound[0]["log10_bits"] == pytest.approx(16.1717, abs=1e-4)  # the paper's 1.4848e16
    mine = bound_from_card(load_card(tmp_path / "mycard.md"))
    assert bound[2]["bits"] == pytest.approx(mine.bits, rel=1e-12)


def test_card_task_validation(capsys, write_job, tmp_path):
    bad = """\
[job]
seed = 0
targets = [0.06]
samples = [24]

[[tasks]]
card = "nosuchcard"

[[tasks]]
card = "mnist"
dataset = "digits"

[[tasks]]
card = "mnist"
target_errors = [2.0]
convention = "exact"
colour = "red"
"""
    rc, _, err = _run(capsys, write_job(bad), "--out", tmp_path / "out")
    assert rc == 2
    assert "tasks[0].card: no bundled card named 'nosuchcard' and no card file" in err
    assert "tasks[1]: give either dataset (data) or card (statistics), not both" in err
    assert "tasks[2].target_errors" in err and "tasks[2].convention" in err
    assert "tasks[2]" in err and "colour" in err
    # a job of cards alone needs no spaces
    only = "[job]\nseed = 0\ntargets = [0.1]\nsamples = [24]\n\n[[tasks]]\ncard = 'svhn'\n"
    rc, stdout, _ = _run(capsys, write_job(only, "only.toml"), "--out", tmp_path / "o2", "--json")
    assert rc == 0 and [r["task"] for r in json.loads(stdout)["rows"]] == ["svhn"]


def test_jobs_without_cards_keep_their_hash(gp_job):
    """Adding card support did not change the hash of existing jobs (their folders resume)."""
    import tomllib

    from ibcomplexity.batch.job import parse_job

    job = parse_job(tomllib.loads(gp_job), check_data=False)
    assert "cards" not in job.canonical() and job.cards == ()
    # the hash this job had before card tasks existed (commit 3124375)
    assert job.content_hash == "7e66340b1ddc1f8f83230628f1bccb9ee31631f6093bc037c4d828bb9081ef55"
