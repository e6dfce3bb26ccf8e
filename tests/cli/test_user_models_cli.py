"""The user's own Flax module in `ibc nn`, `ibc compare` and a batch job (issue 15)."""

from __future__ import annotations

import json
import textwrap

import pytest

from ibcomplexity import InputError
from ibcomplexity.batch import load_job
from ibcomplexity.cli import main

MODELS = textwrap.dedent(
    """
    import flax.linen as nn


    class TinyConv(nn.Module):
        outputs: int
        input_shape: tuple
        channels: int = 2

        @nn.compact
        def __call__(self, x):
            x = x.reshape((x.shape[0], *self.input_shape))
            x = nn.relu(nn.Conv(self.channels, (3, 3))(x))
            return nn.Dense(self.outputs)(x.reshape((x.shape[0], -1)))
    """
)
SMALL = ["--n-train", "60", "--n-test", "40", "--epochs", "3", "--batch-size", "20"]
LOOSE = ["--fit-threshold", "1", "--bootstrap", "5", "--json", "--quiet"]


@pytest.fixture
def models(tmp_path, monkeypatch):
    (tmp_path / "lab_models.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(__import__("sys").modules, "lab_models", raising=False)
    return tmp_path / "lab_models.py"


def _json(capsys, argv):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_nn_and_compare_take_a_user_module(capsys, models):
    arch = "py:lab_models:TinyConv:channels=2"
    d = _json(capsys, ["nn", "--arch", arch, "--samples", "20", *SMALL, *LOOSE])
    assert d["training"]["arch"] == arch and d["training"]["networks"] == 20
    # digits are 8x8x1: a 3x3 conv of 1 -> 2 channels and a dense layer 128 -> 10
    assert d["training"]["parameters"] == (9 * 2 + 2) + (128 * 10 + 10)
    d = _json(
        capsys,
        ["compare", "--arch", f"py:{models}:TinyConv", "--arch", "linear", "--samples", "20"]
        + [*SMALL, *LOOSE],
    )
    assert [r["arch"] for r in d["architectures"]] == [f"py:{models}:TinyConv", "linear"]


def test_a_bad_user_module_is_one_line_from_the_cli(capsys, models):
    assert main(["nn", "--arch", "py:lab_models:Missing", *SMALL, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'lab_models' has no attribute 'Missing'" in err


JOB = """\
[job]
seed = 0
targets = [0.08]
samples = [20]
chunk_size = 10
bootstrap = 5
plots = false

[[tasks]]
dataset = "digits"
n_train = 60
n_test = 40

[[spaces]]
type = "nn"
name = "mine"
arch = "py:./models/lab_models.py:TinyConv:channels=2"
epochs = 3
batch_size = 20
fit_threshold = 1.0
"""


def test_a_batch_job_trains_a_user_module_and_hashes_its_code(capsys, tmp_path):
    folder = tmp_path / "jobs"
    (folder / "models").mkdir(parents=True)
    module = folder / "models" / "lab_models.py"
    module.write_text(MODELS)
    job_file = folder / "job.toml"
    job_file.write_text(JOB)
    job = load_job(job_file)
    space = job.spaces[0]
    assert space.resolved_arch == f"py:{module}:TinyConv:channels=2"  # relative to the job file
    assert job.canonical()["spaces"][0]["code"] == space.code and len(space.code) == 16
    out = tmp_path / "out"
    rc = main(["batch", str(job_file), "--out", str(out), "--json", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert len(rows) == 1 and rows[0]["space"] == "mine" and rows[0]["space_type"] == "nn"
    # editing the module makes another job: networks of two versions never mix in one folder
    module.write_text(MODELS + "\n# edited\n")
    edited = load_job(job_file)
    assert edited.spaces[0].code != space.code and edited.content_hash != job.content_hash
    # without the module the job is refused at validation, naming the field
    module.unlink()
    with pytest.raises(InputError, match=r"spaces\[0\]\.arch.*no Python file"):
        load_job(job_file, check_data=False)


def test_a_batch_job_reads_a_parquet_table_beside_it(capsys, tmp_path):
    """Dataset specs of the user's own data in a batch job: a Parquet file, path relative to the
    job file, loaded and validated like any dataset (a bad label column names the field)."""
    pa = pytest.importorskip("pyarrow")  # the [parquet] extra (part of [test])
    import numpy as np
    import pyarrow.parquet as pq

    from ibcomplexity.tasks import load_dataset

    digits = load_dataset("digits")
    folder = tmp_path / "job"
    (folder / "data").mkdir(parents=True)
    columns = {f"p{i}": digits.x[:, i].astype(np.float64) for i in range(digits.x.shape[1])}
    pq.write_table(pa.table({**columns, "digit": digits.y}), folder / "data" / "d.parquet")
    job_file = folder / "job.toml"
    text = JOB.replace('dataset = "digits"', 'dataset = "parquet:data/d.parquet:label=digit"')
    text = text.split("[[spaces]]")[0] + '[[spaces]]\ntype = "gp"\n'
    job_file.write_text(text)
    job = load_job(job_file)
    assert job.tasks[0].resolved == f"parquet:{folder / 'data' / 'd.parquet'}:label=digit"
    np.testing.assert_allclose(job.datasets[0].x, digits.x, rtol=1e-6)
    rc = main(["batch", str(job_file), "--out", str(tmp_path / "out"), "--json", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["exact_bits"] > 0
    job_file.write_text(text.replace("label=digit", "label=nope"))
    with pytest.raises(InputError, match=r"tasks\[0\]\.dataset.*has no column 'nope'"):
        load_job(job_file)
