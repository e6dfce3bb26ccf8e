"""The user's own tables and arrays as dataset specs (issue 15): ``csv:``, ``tsv:``, ``npy:``,
and one-line errors for bad tables."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.cli import main
from ibcomplexity.tasks import load_dataset


def _table(path, rows, header=("a", "b", "y"), sep=","):
    path.write_text("\n".join(sep.join(map(str, r)) for r in [header, *rows]) + "\n")
    return path


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    rows = [
        (f"{a:.6f}", f"{b:.6f}", "cat" if a > 0 else "dog") for a, b in rng.normal(size=(40, 2))
    ]
    return _table(tmp_path / "t.csv", rows), rows


def test_csv_by_name_index_and_default(table, tmp_path):
    path, rows = table
    d = load_dataset(f"csv:{path}:label=y")
    assert d.n == 40 and d.shape == (2,) and d.name == f"csv:{path}:label=y"
    np.testing.assert_allclose(d.x[:, 0], [float(r[0]) for r in rows], rtol=1e-6)
    assert d.metadata["classes"] == ["cat", "dog"]
    assert list(d.y) == [0 if r[2] == "cat" else 1 for r in rows]
    for spec in (f"csv:{path}:label=2", f"csv:{path}:label=-1", f"csv:{path}"):
        np.testing.assert_array_equal(load_dataset(spec).y, d.y)
    tsv = _table(tmp_path / "t.tsv", rows, sep="\t")
    np.testing.assert_array_equal(load_dataset(f"tsv:{tsv}:label=y").x, d.x)


def test_npy_pairs(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, (30, 4, 4)).astype(np.uint8)
    y = np.arange(30) % 3
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    d = load_dataset(f"npy:{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}")
    assert d.n == 30 and d.shape == (4, 4) and d.x.max() <= 1.0  # uint8 scaled by 1/255
    np.save(tmp_path / "bad.npy", np.arange(29))
    with pytest.raises(InputError, match="do not pair up"):
        load_dataset(f"npy:{tmp_path / 'x.npy'},{tmp_path / 'bad.npy'}")
    with pytest.raises(InputError, match="must name two files"):
        load_dataset(f"npy:{tmp_path / 'x.npy'}")


@pytest.mark.parametrize(
    ("rows", "label", "match"),
    [
        ([(1, "x1", "a"), (2, 3, "b")], "y", r"line 2, column 'b': 'x1' is not a number"),
        ([(1, 2, "a"), (2, "", "b")], "y", r"line 3, column 'b': a missing value"),
        ([(1, 2, "a"), (2, "NA", "b")], "y", r"line 3, column 'b': a missing value \('NA'\)"),
        ([(1, 2, "a"), (2, 3, "a")], "y", r"the label column 'y' holds one class"),
        ([(1, 2, "a"), (2, 3, "b")], "z", r"has no column 'z'; its columns: a, b, y"),
        ([(1, 2, "a"), (2, 3)], "y", r"line 3: 2 cells where the header has 3 columns"),
        ([(1, 2, "a"), (2, 3, "")], "y", r"line 3, label column 'y': a missing label"),
        ([(1, 2, "a"), (2, 3, "b")], "7", r"has 3 columns; label=7 is out of range"),
    ],
)
def test_bad_tables_are_one_line_errors(tmp_path, rows, label, match):
    path = _table(tmp_path / "bad.csv", rows)
    with pytest.raises(InputError, match=match) as e:
        load_dataset(f"csv:{path}:label={label}")
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_empty_and_unknown_options(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputError, match="is empty"):
        load_dataset(f"csv:{tmp_path / 'e.csv'}")
    _table(tmp_path / "h.csv", [])
    with pytest.raises(InputError, match="no data rows"):
        load_dataset(f"csv:{tmp_path / 'h.csv'}")
    with pytest.raises(InputError, match="unknown option 'target=y'; valid: label=COLUMN"):
        load_dataset(f"csv:{tmp_path / 'h.csv'}:target=y")


def test_stats_of_a_csv_table(table, capsys):
    path, _ = table
    assert main(["stats", "--dataset", f"csv:{path}:label=y", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 40 and out["classes"] == 2


def test_a_batch_job_reads_a_table_beside_it(table, tmp_path, capsys):
    """Relative table paths in a job file are taken relative to the job file's folder."""
    path, _ = table
    job = path.parent / "job.toml"
    job.write_text(
        f"""
[job]
seed = 0
targets = 0.2
samples = 20
bootstrap = 0
plots = false

[[tasks]]
dataset = "csv:{path.name}:label=y"
n_train = 25
n_test = 15

[[spaces]]
type = "gp"
"""
    )
    out = tmp_path / "out"
    assert main(["batch", str(job), "--out", str(out), "--json", "--quiet"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["task"] == f"csv:{path.name}:label=y" and rows[0]["exact_bits"] is not None
