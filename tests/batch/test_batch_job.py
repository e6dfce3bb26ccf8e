"""Job files: every bad field is reported at once, by path; canonical hash; data checks."""

import tomllib

import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.batch import load_job, parse_job
from ibcomplexity.batch.runner import plan_units

BAD = """\
[job]
seed = -1
targets = [0.05, -0.1, "x"]
samples = [10]
chunk_size = 0
bootstrap = 1.5
confidence = 1.0
plots = "yes"
colour = "red"

[[tasks]]
dataset = "digits"
n_train = -5
n_test = 50

[[tasks]]
n_train = 10
n_test = "many"

[[spaces]]
type = "gp"
kernel = "rbff"
preprocess = "whiten"

[[spaces]]
type = "nn"
arch = "resnet"
epochs = 0
lr = -1
optimizer = "adagrad"

[[spaces]]
type = "svm"

[[spaces]]
type = "nn"
arch = "mlp"
optimizer = "adam"
weight_decay = 0.1
fit_treshold = 0.01
"""


def test_every_bad_field_is_reported_with_its_path(write_job):
    with pytest.raises(InputError) as e:
        load_job(write_job(BAD))
    msg = str(e.value)
    expected = [
        "job.seed must be an integer in [0, 4294967295], got -1",
        "job.targets[1] must be a number > 0, got -0.1",
        "job.targets[2] must be a number > 0, got 'x'",
        "job.samples[0] must be an integer in [20, 4294967296], got 10",
        "job.chunk_size must be an integer in [1, 1048576], got 0",
        "job.bootstrap must be an integer in [0, 1000000], got 1.5",
        "job.confidence must be a number in (0, 1), got 1.0",
        "job.plots must be true or false, got 'yes'",
        "job.colour: unknown field",
        "tasks[0].n_train must be an integer >= 1, got -5",
        "tasks[1].dataset is required",
        "tasks[1].n_test must be an integer >= 1, got 'many'",
        "spaces[0].kernel: unknown kernel 'rbff'",
        "spaces[0].preprocess must be one of none, unit, standardize, got 'whiten'",
        "spaces[1].arch: unknown architecture 'resnet'",
        "spaces[1].epochs must be an integer in [1, 1000000], got 0",
        "spaces[1].lr must be a number > 0, got -1",
        "spaces[1].optimizer must be one of adam, adamw, sgd, got 'adagrad'",
        "spaces[2].type must be 'gp' or 'nn', got 'svm'",
        "spaces[3].weight_decay: weight_decay=0.1 needs optimizer='adamw'",
        "spaces[3].fit_treshold: unknown field",
    ]
    for line in expected:
        assert line in msg, line
    assert msg.startswith(f"{len(msg.splitlines()) - 1} problems in the job:")
    assert len(msg.splitlines()) - 1 == len(expected)


def test_missing_sections_and_invalid_toml(write_job):
    with pytest.raises(InputError) as e:
        load_job(write_job("[job]\nseed = 0\n"))
    msg = str(e.value)
    for line in (
        "job.targets is required",
        "job.samples is required",
        "tasks: the job lists no tasks",
        "spaces: the job lists no hypothesis spaces",
    ):
        assert line in msg
    with pytest.raises(InputError, match="is not valid TOML"):
        load_job(write_job("[job\nseed = 0\n"))
    with pytest.raises(InputError, match="does not exist"):
        load_job("no/such/job.toml")


def _job(**spaces_and_tasks) -> dict:
    d = {"job": {"seed": 0, "targets": 0.05, "samples": 20}}
    d.update(spaces_and_tasks)
    return d


def test_data_checks_name_the_task_and_the_space(tmp_path):
    data = _job(
        tasks=[
            {"dataset": "digits", "n_train": 1700, "n_test": 200},
            {"dataset": "npz:missing.npz", "n_train": 10, "n_test": 10},
            {"dataset": "digits", "n_train": 30, "n_test": 10, "name": "small"},
        ],
        spaces=[
            {"type": "nn", "arch": "mixer:patch=3", "batch_size": 40},
            {"type": "nn", "arch": "mlp:width=0"},
            {"type": "gp", "name": "mlp"},
            {"type": "gp", "name": "mlp"},
        ],
    )
    with pytest.raises(InputError) as e:
        parse_job(data, base_dir=tmp_path)
    msg = str(e.value)
    assert "tasks[0]: n_train + n_test = 1900 exceeds the 1797 examples of 'digits'" in msg
    assert "tasks[1].dataset: " in msg and "missing.npz does not exist" in msg
    assert "spaces[0].arch: patch=3 must divide the image height and width" in msg
    assert "spaces[0].batch_size: 40 exceeds tasks[2].n_train = 30" in msg
    assert "spaces[1].arch: width of architecture 'mlp' must be a positive integer" in msg
    assert "spaces[3].name: 'mlp' is already used by spaces[2]" in msg


def test_canonical_hash_ignores_layout_not_values(write_job, tmp_path):
    text = (
        "[job]\nseed = 0\ntargets = [0.08, 0.05]\nsamples = 40\n\n[[tasks]]\ndataset = "
        '"digits"\nn_train = 100\nn_test = 50\n\n[[spaces]]\ntype = "gp"\n'
    )
    same = "# a comment\n" + text.replace("[0.08, 0.05]", "[5e-2, 0.08]").replace(
        "n_train = 100", "n_train = 100.0"
    )
    a = load_job(write_job(text, "a.toml"))
    b = load_job(write_job(same, "b.toml"))
    c = load_job(write_job(text.replace("seed = 0", "seed = 1"), "c.toml"))
    assert a.targets == (0.05, 0.08) and a.samples == (40,)
    assert a.content_hash == b.content_hash != c.content_hash
    # defaults are filled in: the GP space is the RBF kernel with the median bandwidth
    assert a.spaces[0].kernel == "rbf:bandwidth=median" and a.spaces[0].label.startswith("gp:")
    assert a.tasks[0].seed == 0 and a.chunk_size == 256 and a.bootstrap == 200


def test_relative_paths_and_optional_tasks(tmp_path):
    from ibcomplexity.tasks import load_digits

    sub = tmp_path / "jobs"
    sub.mkdir()
    d = load_digits()
    np.savez(tmp_path / "small.npz", x=d.x[:300], y=d.y[:300])
    text = (
        '[job]\nseed = 0\ntargets = 0.05\nsamples = 20\n\n[[tasks]]\ndataset = "npz:../small.npz"'
        '\nn_train = 50\nn_test = 50\n\n[[tasks]]\ndataset = "mnist:../nowhere"\nn_train = 10\n'
        'n_test = 10\noptional = true\n\n[[spaces]]\ntype = "gp"\n'
    )
    (sub / "job.toml").write_text(text)
    job = load_job(sub / "job.toml")
    assert job.tasks[0].resolved == f"npz:{tmp_path / 'small.npz'}"
    assert job.datasets[0].n == 300 and job.datasets[1] is None
    assert "optional" in job.skipped[1] and "nowhere" in job.skipped[1]
    assert [u.id for u in plan_units(job)] == ["t0-s0"]


def test_unit_keys_depend_on_content_not_position():
    base = _job(
        tasks=[{"dataset": "digits", "n_train": 50, "n_test": 50}],
        spaces=[{"type": "gp"}, {"type": "gp", "kernel": "laplace"}],
    )
    moved = _job(
        tasks=[
            {"dataset": "digits", "n_train": 60, "n_test": 50},
            {"dataset": "digits", "n_train": 50, "n_test": 50, "name": "renamed"},
        ],
        spaces=[{"type": "gp", "kernel": "laplace", "name": "lap"}, {"type": "gp"}],
    )
    a = {u.id: u.key_words for u in plan_units(parse_job(base, check_data=False))}
    b = {u.id: u.key_words for u in plan_units(parse_job(moved, check_data=False))}
    assert a["t0-s0"] == b["t1-s1"] and a["t0-s1"] == b["t1-s0"]
    assert len(set(a.values()) | set(b.values())) == 4


SEEDS = """\
[job]
seed = 7
{job_extra}
targets = [0.05]
samples = [24]

[[tasks]]
dataset = "digits"
n_train = 50
n_test = 20
{task_extra}

[[spaces]]
type = "gp"
"""


def _seeds(job_extra="", task_extra="", text=SEEDS):
    return parse_job(
        tomllib.loads(text.format(job_extra=job_extra, task_extra=task_extra)), check_data=False
    )


def test_split_seed_is_separate_from_the_hypothesis_seed():
    """job.seed drives the hypotheses; a task's split seed comes from tasks.split_seed, its old
    name tasks.seed, job.split_seed, or (as before the separation) job.seed, in that order."""
    assert _seeds().tasks[0].seed == 7  # an old file: the split follows job.seed, as it did
    assert _seeds(job_extra="split_seed = 3").tasks[0].seed == 3
    assert _seeds(job_extra="split_seed = 3", task_extra="split_seed = 4").tasks[0].seed == 4
    old, new = _seeds(task_extra="seed = 4"), _seeds(task_extra="split_seed = 4")
    assert old.tasks[0].seed == new.tasks[0].seed == 4 and old.seed == new.seed == 7
    assert old.content_hash == new.content_hash  # the same job, whichever name is used
    other_draws = _seeds(task_extra="split_seed = 4", text=SEEDS.replace("seed = 7", "seed = 8"))
    assert other_draws.tasks[0].seed == 4 and other_draws.seed == 8
    with pytest.raises(InputError, match=r"tasks\[0\].seed: is the old name of split_seed"):
        _seeds(task_extra="seed = 4\nsplit_seed = 4")
    with pytest.raises(InputError, match=r"job.split_seed"):
        _seeds(job_extra="split_seed = -1")
