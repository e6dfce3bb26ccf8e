"""The user's own Parquet files and saved Hugging Face datasets as dataset specs: ``parquet:``,
``hf:``, their defaults, values that round-trip, and one-line errors. Every fixture is written
here (no network, no shared data); ``datasets`` is imported by the ``hf:`` tests only."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.cli import main
from ibcomplexity.tasks import load_dataset

# guards environments without the extras; in the project's test environment both are installed
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _write(path, columns: dict, schema=None):
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def _error(spec: str, match: str) -> str:
    with pytest.raises(InputError, match=match) as e:
        load_dataset(spec)
    text = str(e.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture
def numeric(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.normal(size=40)
    b = rng.integers(-5, 5, 40).astype(np.int32)
    y = np.where(a > 0, "cat", "dog")
    return _write(tmp_path / "t.parquet", {"a": a, "b": b, "y": y.tolist()}), a, b, y


# --- parquet: values, defaults, options -------------------------------------------------------


def test_parquet_numeric_columns_and_text_labels(numeric):
    path, a, b, y = numeric
    d = load_dataset(f"parquet:{path}:label=y")
    assert d.n == 40 and d.shape == (2,) and d.name == f"parquet:{path}:label=y"
    np.testing.assert_array_equal(d.x, np.stack([a, b], axis=1).astype(np.float32))
    assert d.metadata["classes"] == ["cat", "dog"] and d.scaling == "none"
    assert d.metadata["format"] == "parquet" and d.metadata["feature_columns"] == ["a", "b"]
    np.testing.assert_array_equal(d.y, (y == "dog").astype(int))
    for spec in (f"parquet:{path}", f"parquet:{path}:label=2", f"parquet:{path}:label=-1"):
        np.testing.assert_array_equal(load_dataset(spec).y, d.y)  # default: the last column
    one = load_dataset(f"parquet:{path}:features=b:label=y")  # options in any order
    assert one.shape == (1,) and one.metadata["feature_columns"] == ["b"]
    np.testing.assert_array_equal(one.x[:, 0], b.astype(np.float32))
    swapped = load_dataset(f"parquet:{path}:label=y:features=1;a")  # by index and name, in order
    np.testing.assert_array_equal(swapped.x, np.stack([b, a], axis=1).astype(np.float32))


def test_parquet_default_label_column_and_numeric_labels(tmp_path):
    x = np.arange(12, dtype=np.float64)
    labels = np.array([3, 7, 5] * 4)
    path = _write(tmp_path / "l.parquet", {"label": labels, "x": x, "z": x * 2})
    d = load_dataset(f"parquet:{path}")
    assert d.metadata["label_column"] == "label" and d.metadata["classes"] == [3.0, 5.0, 7.0]
    np.testing.assert_array_equal(d.y, np.searchsorted([3, 5, 7], labels))
    np.testing.assert_array_equal(d.x, np.stack([x, x * 2], axis=1).astype(np.float32))


def test_parquet_embedding_list_columns(tmp_path):
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(30, 4)).astype(np.float32)
    grid = rng.integers(0, 9, (30, 2, 3))
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(emb.ravel()), 4)
    columns = {
        "emb": fixed,
        "grid": pa.array(grid.tolist(), pa.list_(pa.list_(pa.int64()))),
        "label": (np.arange(30) % 2).tolist(),
    }
    path = _write(tmp_path / "e.parquet", columns)
    d = load_dataset(f"parquet:{path}:features=emb")
    assert d.shape == (4,)
    np.testing.assert_array_equal(d.x, emb)
    g = load_dataset(f"parquet:{path}:features=grid")
    assert g.shape == (2, 3)  # one nested-list column keeps its shape
    np.testing.assert_array_equal(g.x, grid.reshape(30, 6).astype(np.float32))
    both = load_dataset(f"parquet:{path}")  # default: every column but the label, side by side
    assert both.shape == (10,) and both.metadata["feature_columns"] == ["emb", "grid"]
    np.testing.assert_array_equal(both.x[:, :4], emb)
    flat = _write(tmp_path / "flat.parquet", {"px": grid.reshape(30, 6).tolist(), "y": [0, 1] * 15})
    np.testing.assert_array_equal(load_dataset(f"parquet:{flat}").x, g.x)  # variable-length lists


def _image_table(images, labels):
    return {
        "image": [{"bytes": _png(im), "path": f"{i}.png"} for i, im in enumerate(images)],
        "label": labels,
    }


def test_parquet_hf_style_image_structs(tmp_path):
    rng = np.random.default_rng(2)
    gray = rng.integers(0, 256, (12, 5, 4), dtype=np.uint8)
    path = _write(tmp_path / "img.parquet", _image_table(gray, ["a", "b", "c"] * 4))
    d = load_dataset(f"parquet:{path}")
    assert d.shape == (5, 4) and d.scaling == "pixels / 255 -> [0, 1]"
    np.testing.assert_array_equal(d.x, np.divide(gray.reshape(12, 20), 255.0, dtype=np.float32))
    assert d.metadata["classes"] == ["a", "b", "c"] and list(d.y[:3]) == [0, 1, 2]

    colour = rng.integers(0, 256, (6, 3, 2, 3), dtype=np.uint8)
    cpath = _write(tmp_path / "rgb.parquet", _image_table(colour, [0, 1] * 3))
    c = load_dataset(f"parquet:{cpath}")
    assert c.shape == (3, 2, 3)
    np.testing.assert_array_equal(c.x, np.divide(colour.reshape(6, -1), 255.0, dtype=np.float32))

    # an image stored by path only (bytes null): read from the file, beside the parquet file
    (tmp_path / "pics").mkdir()
    for i, im in enumerate(gray[:4]):
        (tmp_path / "pics" / f"{i}.png").write_bytes(_png(im))
    rows = [{"bytes": None, "path": f"pics/{i}.png"} for i in range(4)]
    ppath = _write(tmp_path / "paths.parquet", {"image": rows, "label": [0, 1, 0, 1]})
    np.testing.assert_array_equal(load_dataset(f"parquet:{ppath}").x, d.x[:4])


def test_parquet_images_mixed_with_numbers_divide_only_the_images(tmp_path):
    gray = np.full((4, 2, 2), 255, dtype=np.uint8)
    cols = {**_image_table(gray, [0, 1, 0, 1]), "w": [10.0, 20.0, 30.0, 40.0]}
    d = load_dataset(f"parquet:{_write(tmp_path / 'm.parquet', cols)}")
    assert d.shape == (5,) and d.scaling.startswith("image columns (image) / 255")
    np.testing.assert_array_equal(d.x[:, :4], 1.0)
    np.testing.assert_array_equal(d.x[:, 4], [10, 20, 30, 40])


def test_parquet_written_by_datasets_keeps_class_names(tmp_path):
    schema = pa.schema(
        [("x", pa.float64()), ("label", pa.int64())],
        metadata={
            "huggingface": json.dumps(
                {"info": {"features": {"label": {"_type": "ClassLabel", "names": ["no", "yes"]}}}}
            )
        },
    )
    path = _write(tmp_path / "hf.parquet", {"x": [0.5, 1.5, 2.5], "label": [1, 0, 1]}, schema)
    d = load_dataset(f"parquet:{path}")
    assert d.metadata["classes"] == ["no", "yes"] and list(d.y) == [1, 0, 1]


def test_parquet_skips_unusable_default_columns(tmp_path):
    cols = {"note": ["x", "y", "z", "w"], "v": [1.0, 2.0, 3.0, 4.0], "label": [0, 1, 0, 1]}
    d = load_dataset(f"parquet:{_write(tmp_path / 's.parquet', cols)}")
    assert d.metadata["feature_columns"] == ["v"]
    assert d.metadata["skipped_columns"] == ["note (string)"]


# --- parquet: errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "options", "match"),
    [
        (
            {"a": [1.0, None, 3.0], "y": [0, 1, 0]},
            "",
            r"row 1, column 'a': a missing value \(null\)",
        ),
        (
            {"a": [1.0, 2.0, np.nan], "y": [0, 1, 0]},
            "",
            r"row 2, column 'a': a missing value \(NaN\)",
        ),
        ({"a": [1.0, np.inf, 3.0], "y": [0, 1, 0]}, "", r"row 1, column 'a': inf is not finite"),
        ({"a": [1.0, 2.0, 3.0], "y": ["p", None, "q"]}, "", r"row 1, label column 'y': a missing"),
        ({"a": [1.0, 2.0, 3.0], "y": [4, 4, 4]}, "", r"the label column 'y' holds one class \(4"),
        (
            {"a": [1.0, 2.0, 3.0], "s": ["u", "v", "w"], "y": [0, 1, 0]},
            ":features=a;s",
            r"column 's' has type string: a feature column must hold numbers",
        ),
        (
            {"s": ["u", "v", "w"], "y": [0, 1, 0]},
            "",
            r"no usable feature column besides the label 'y' \(skipped: s \(string\)\)",
        ),
        ({"a": [1.0, 2.0], "y": [0, 1]}, ":label=z", r"has no column 'z'; its columns: a, y"),
        ({"a": [1.0, 2.0], "y": [0, 1]}, ":label=5", r"has 2 columns; label=5 is out of range"),
        ({"a": [1.0, 2.0], "y": [0, 1]}, ":features=q", r"has no column 'q'; its columns: a, y"),
        ({"a": [1.0, 2.0], "y": [0, 1]}, ":features=y", r"'y' is the label column"),
        ({"a": [1.0, 2.0], "y": [0, 1]}, ":features=a;a", r"names column 'a' twice"),
        (
            {"e": [[1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0]], "y": [0, 1, 0]},
            "",
            r"column 'e': lists of different lengths \(row 0: 2 values, row 1: 3\)",
        ),
        (
            {"e": [[1.0, 2.0], [3.0, None], [6.0, 7.0]], "y": [0, 1, 0]},
            "",
            r"row 1, column 'e': a missing value \(null\)",
        ),
        ({"e": [[1.0], None, [6.0]], "y": [0, 1, 0]}, "", r"row 1, column 'e': a missing list"),
        ({"a": [1.0, 2.0], "y": [[0], [1]]}, "", r"label column 'y' has type list<"),
    ],
)
def test_bad_parquet_files_are_one_line_errors(tmp_path, columns, options, match):
    path = _write(tmp_path / "bad.parquet", columns)
    assert str(path) in _error(f"parquet:{path}{options}", match)


def test_parquet_image_errors(tmp_path):
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (4, 4), dtype=np.uint8) for _ in range(3)]
    images.append(rng.integers(0, 256, (5, 4), dtype=np.uint8))
    path = _write(tmp_path / "sizes.parquet", _image_table(images, [0, 1, 0, 1]))
    _error(
        f"parquet:{path}",
        r"column 'image': images differ in size: row 0 is 4x4 grayscale, row 3 is 5x4 grayscale; "
        "all images must share one size",
    )
    bad = _image_table(images[:2], [0, 1])
    bad["image"][1]["bytes"] = b"not an image"
    _error(f"parquet:{_write(tmp_path / 'junk.parquet', bad)}", r"row 1, column 'image'.*PNG/JPEG")
    rows = [{"bytes": _png(images[0]), "path": None}, None]
    path = _write(tmp_path / "null.parquet", {"image": rows, "label": [0, 1]})
    _error(f"parquet:{path}", r"row 1, column 'image': a missing image")


def test_not_parquet_and_bad_specs(tmp_path, numeric):
    text = tmp_path / "t.csv"
    text.write_text("a,y\n1,0\n2,1\n")
    msg = _error(f"parquet:{text}", r"is not a parquet file \(those start and end with 'PAR1'\)")
    assert str(text) in msg
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 40 + b"PAR1")
    _error(f"parquet:{broken}", r"could not read .*broken.parquet as a parquet file")
    _error(f"parquet:{tmp_path / 'absent.parquet'}", "does not exist")
    _error(f"parquet:{tmp_path}", "is a directory, not a file")
    path = numeric[0]
    _error(
        f"parquet:{path}:target=y",
        r"unknown option 'target=y'; valid: label=COLUMN, features=COL;COL\.\.\.",
    )
    _error(f"parquet:{path}:label=y:label=a", "gives label= twice")
    _error(f"parquet:{path}:features=a;;b", "features= lists an empty column name")
    _error(f"parquet:{path}:split=test", "unknown option 'split=test'")
    _error("parquet:", "names no file")
    _error(f"parquet:{path}:bogus", "option 'bogus' is not understood")


def test_missing_pyarrow_names_the_extra(numeric, monkeypatch):
    for name in ("pyarrow", "pyarrow.parquet", "pyarrow.compute"):
        monkeypatch.setitem(sys.modules, name, None)
    spec = f"parquet:{numeric[0]}"
    assert _error(spec, "needs pyarrow") == (
        f"dataset spec {spec!r} needs pyarrow: pip install 'ibcomplexity[parquet]'"
    )


def test_a_broken_pyarrow_install_is_told_apart_from_a_missing_one():
    from ibcomplexity.tasks.arrow import _import_error

    broken = ImportError("numpy.core.multiarray failed to import")
    msg = str(_import_error(broken, "dataset spec 'parquet:x'", "pyarrow", "pyarrow", "parquet"))
    assert "installed but does not import (numpy.core.multiarray failed to import)" in msg
    assert msg.endswith("pip install 'ibcomplexity[parquet]' --upgrade")


def test_kernel_and_stats_cli_on_parquet(numeric, capsys):
    spec = f"parquet:{numeric[0]}:label=y"
    assert main(["stats", "--dataset", spec, "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 40 and out["classes"] == 2
    argv = ["kernel", "--dataset", spec, "--n-train", "24", "--n-test", "12"]
    assert main([*argv, "--target-mse", "0.05", "--json", "--quiet"]) == 0
    kernel = json.loads(capsys.readouterr().out)
    assert kernel["inputs"]["dataset"] == spec and kernel["exact"]["bits"] >= 0


def test_batch_jobs_resolve_parquet_and_hf_paths_beside_the_job(tmp_path):
    from ibcomplexity.batch.job import _resolve_dataset

    base = tmp_path / "jobs"
    assert _resolve_dataset("parquet:t.parquet:label=y:features=a;b", base) == (
        f"parquet:{base / 't.parquet'}:label=y:features=a;b"
    )
    assert _resolve_dataset("hf:data/saved:split=train", base) == (
        f"hf:{base / 'data' / 'saved'}:split=train"
    )
    assert _resolve_dataset("hf:saved", base) == f"hf:{base / 'saved'}"
    assert _resolve_dataset("hf:/abs/saved:label=y", base) == "hf:/abs/saved:label=y"


# --- hf: saved Hugging Face datasets ------------------------------------------------------------


@pytest.fixture(scope="module")
def hf(tmp_path_factory):
    """A saved ``Dataset`` and a saved ``DatasetDict``, with ClassLabel, Image, Sequence and text
    columns, and the arrays they were made from."""
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    root = tmp_path_factory.mktemp("hf")
    rng = np.random.default_rng(4)
    n = 24
    images = rng.integers(0, 256, (n, 6, 5), dtype=np.uint8)
    emb = rng.normal(size=(n, 3)).astype(np.float32)
    labels = np.arange(n) % 3
    features = datasets.Features(
        {
            "image": datasets.Image(),
            "emb": datasets.Sequence(datasets.Value("float32")),
            "caption": datasets.Value("string"),
            "coarse": datasets.ClassLabel(names=["small", "big"]),
            "label": datasets.ClassLabel(names=["cat", "dog", "eel"]),
        }
    )
    from PIL import Image

    columns = {
        "image": [Image.fromarray(im) for im in images],
        "emb": emb.tolist(),
        "caption": [f"picture {i}" for i in range(n)],
        "coarse": (labels > 0).astype(int).tolist(),
        "label": labels.tolist(),
    }
    ds = datasets.Dataset.from_dict(columns, features=features)
    ds.save_to_disk(str(root / "single"))
    datasets.DatasetDict({"train": ds, "test": ds.select(range(12))}).save_to_disk(
        str(root / "dict")
    )
    no_test = datasets.DatasetDict({"train": ds.select(range(9)), "valid": ds.select(range(12))})
    no_test.save_to_disk(str(root / "no_test"))
    return {"root": root, "images": images, "emb": emb, "labels": labels, "datasets": datasets}


def test_hf_dataset_round_trips(hf):
    root, images, emb, labels = hf["root"], hf["images"], hf["emb"], hf["labels"]
    spec = f"hf:{root / 'single'}"
    d = load_dataset(spec)
    assert d.name == spec and d.metadata["format"] == "hf"
    assert d.metadata["label_column"] == "label" and d.metadata["classes"] == ["cat", "dog", "eel"]
    assert d.metadata["feature_columns"] == ["image", "emb"]
    caption, coarse = d.metadata["skipped_columns"]  # text, and another task's ClassLabel
    assert caption.startswith("caption (Value(") and coarse.startswith("coarse (ClassLabel(")
    np.testing.assert_array_equal(d.y, labels)
    np.testing.assert_array_equal(
        d.x[:, :30], np.divide(images.reshape(24, 30), 255.0, dtype=np.float32)
    )
    np.testing.assert_array_equal(d.x[:, 30:], emb)
    img = load_dataset(f"{spec}:features=image")
    assert img.shape == (6, 5) and img.scaling == "pixels / 255 -> [0, 1]"
    np.testing.assert_array_equal(img.x, d.x[:, :30])
    coarse = load_dataset(f"{spec}:label=coarse:features=emb;label")  # a ClassLabel named is used
    assert coarse.metadata["classes"] == ["small", "big"] and coarse.shape == (4,)
    np.testing.assert_array_equal(coarse.y, (labels > 0).astype(int))
    np.testing.assert_array_equal(coarse.x[:, 3], labels)
    caption = _error(f"{spec}:features=caption", r"column 'caption' has type Value\(")
    assert "a feature column must hold numbers" in caption


def test_hf_dataset_dict_splits(hf):
    root, labels = hf["root"], hf["labels"]
    test = load_dataset(f"hf:{root / 'dict'}")  # default: the test split
    assert test.n == 12 and test.metadata["split"] == "test"
    np.testing.assert_array_equal(test.y, labels[:12])
    train = load_dataset(f"hf:{root / 'dict'}:split=train:features=emb")
    assert train.n == 24 and train.shape == (3,)
    np.testing.assert_array_equal(train.x, hf["emb"])
    assert load_dataset(f"hf:{root / 'no_test'}").n == 9  # no test split: the first one
    msg = _error(
        f"hf:{root / 'dict'}:split=valid", r"has no split 'valid'; its splits: train, test"
    )
    assert str(root / "dict") in msg
    _error(f"hf:{root / 'single'}:split=train", r"holds one Dataset, saved without splits")


def test_hf_default_label_columns_and_errors(hf, tmp_path):
    datasets = hf["datasets"]
    feats = datasets.Features(
        {"x": datasets.Value("float32"), "target": datasets.ClassLabel(names=["a", "b"])}
    )
    datasets.Dataset.from_dict(
        {"x": [1.0, 2.0, 3.0], "target": [0, 1, 1]}, features=feats
    ).save_to_disk(str(tmp_path / "one_classlabel"))
    d = load_dataset(f"hf:{tmp_path / 'one_classlabel'}")  # the only ClassLabel column
    assert d.metadata["label_column"] == "target" and list(d.y) == [0, 1, 1]

    datasets.Dataset.from_dict({"x": [1.0, 2.0], "labels": ["p", "q"]}).save_to_disk(
        str(tmp_path / "labels")
    )
    assert load_dataset(f"hf:{tmp_path / 'labels'}").metadata["classes"] == ["p", "q"]

    datasets.Dataset.from_dict({"x": [1.0, 2.0], "kind": ["p", "q"]}).save_to_disk(
        str(tmp_path / "nolabel")
    )
    _error(
        f"hf:{tmp_path / 'nolabel'}",
        r"no column 'label' or 'labels' and no ClassLabel columns; name the label column with "
        r":label=COLUMN; its columns: x, kind",
    )
    assert load_dataset(f"hf:{tmp_path / 'nolabel'}:label=kind").n == 2

    unlabelled = datasets.Features({"x": datasets.Value("float32"), "label": feats["target"]})
    datasets.Dataset.from_dict(
        {"x": [1.0, 2.0], "label": [0, -1]}, features=unlabelled
    ).save_to_disk(str(tmp_path / "unlabelled"))
    _error(f"hf:{tmp_path / 'unlabelled'}", r"row 1, label column 'label': a missing label \(-1")

    sizes = datasets.Features({"image": datasets.Image(), "label": datasets.Value("int64")})
    pics = [np.zeros((4, 4), np.uint8), np.zeros((4, 3), np.uint8)]
    from PIL import Image

    datasets.Dataset.from_dict(
        {"image": [Image.fromarray(p) for p in pics], "label": [0, 1]}, features=sizes
    ).save_to_disk(str(tmp_path / "sizes"))
    _error(
        f"hf:{tmp_path / 'sizes'}", r"images differ in size: row 0 is 4x4 grayscale, row 1 is 4x3"
    )

    (tmp_path / "empty").mkdir()
    _error(f"hf:{tmp_path / 'empty'}", r"not a folder written by datasets' save_to_disk")
    _error(f"hf:{tmp_path / 'absent'}", r"saved dataset folder .* does not exist")


def test_missing_datasets_names_the_extra(hf, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    spec = f"hf:{hf['root'] / 'single'}"
    assert _error(spec, "needs the Hugging Face datasets package") == (
        f"dataset spec {spec!r} needs the Hugging Face datasets package: "
        "pip install 'ibcomplexity[hf]'"
    )


def test_kernel_cli_on_a_saved_hf_dataset(hf, capsys):
    spec = f"hf:{hf['root'] / 'dict'}:split=train"
    argv = ["kernel", "--dataset", spec, "--n-train", "16", "--n-test", "8"]
    assert main([*argv, "--target-mse", "0.05", "--json", "--quiet"]) == 0
    kernel = json.loads(capsys.readouterr().out)
    assert kernel["inputs"]["dataset"] == spec and kernel["exact"]["bits"] >= 0
