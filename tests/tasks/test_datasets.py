"""Dataset loaders: the real data where available, small files in every format, input errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.tasks._idx import write_idx
from ibcomplexity.tasks.datasets import (
    Dataset,
    dataset_specs_help,
    load_dataset,
    load_digits,
    load_idx,
    load_mnist,
    load_npz,
)

# Canonical MNIST test-set class counts (digits 0..9), as published with the dataset and repeated
# in ../shared/data/README.md.
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
CIFAR_SUBSET = Path("cifar100-subset") / "cifar100_10class_1000.npz"


def _images_labels(n=12, side=4, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)
    images[0, 0, 0], images[1, 0, 0] = 0, 255  # pin the extremes so the scaling is checked
    labels = (np.arange(n) % 3).astype(np.uint8)
    return images, labels


def _write_mnist(folder: Path, prefix="t10k", dotted=False, compress=True, n=12, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = _images_labels(n=n, seed=seed)
    sep = "." if dotted else "-"
    ext = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images{sep}idx3-ubyte{ext}", images, gzip=compress)
    write_idx(folder / f"{prefix}-labels{sep}idx1-ubyte{ext}", labels, gzip=compress)
    return images, labels


# --- real data --------------------------------------------------------------------------------


def test_real_mnist_test_set(shared_data):
    folder = shared_data / "mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST test set not found in {folder}")
    ds = load_mnist(folder)
    assert ds.n == 10_000 and ds.shape == (28, 28) and ds.dim == 784
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert ds.classes == 10
    assert ds.class_counts.tolist() == MNIST_TEST_COUNTS
    assert ds.scaling == "pixels / 255 -> [0, 1]"
    assert ds.name == f"mnist:{folder}"


def test_real_mnist_via_spec_and_idx(shared_data):
    folder = shared_data / "mnist"
    images = folder / "t10k-images-idx3-ubyte.gz"
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    if not (images.is_file() and labels.is_file()):
        pytest.skip(f"real MNIST test set not found in {folder}")
    by_spec = load_dataset(f"idx:{images},{labels}")
    assert by_spec.name == f"idx:{images},{labels}"
    assert by_spec.class_counts.tolist() == MNIST_TEST_COUNTS
    assert load_dataset(f"mnist:{folder}").n == 10_000


def test_real_cifar100_subset(shared_data):
    path = shared_data / CIFAR_SUBSET
    if not path.is_file():
        pytest.skip(f"CIFAR-100 subset not found at {path}")
    ds = load_npz(path)
    assert ds.n == 1000 and ds.shape == (32, 32, 3) and ds.dim == 32 * 32 * 3
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0
    assert ds.class_counts.tolist() == [100] * 10
    assert ds.scaling == "pixels / 255 -> [0, 1]"
    assert load_dataset(f"npz:{path}").name == f"npz:{path}"


def test_digits():
    ds = load_digits()
    assert ds.n == 1797 and ds.shape == (8, 8) and ds.dim == 64 and ds.classes == 10
    assert ds.x.dtype == np.float32 and ds.x.min() == 0.0 and ds.x.max() == 1.0
    # Raw intensities are integers 0..16, so x * 16 must be integral.
    np.testing.assert_array_equal(ds.x * 16, np.round(ds.x * 16))
    assert ds.source == "scikit-learn load_digits" and "16" in ds.scaling
    assert load_dataset("digits").name == "digits"


# --- IDX and MNIST folders --------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_load_idx_small(tmp_path, compress):
    images, labels = _images_labels()
    ip = write_idx(tmp_path / "img", images, gzip=compress)
    lp = write_idx(tmp_path / "lab", labels, gzip=compress)
    ds = load_idx(ip, lp)
    np.testing.assert_array_equal(ds.x, (images.reshape(12, -1) / 255).astype(np.float32))
    np.testing.assert_array_equal(ds.y, labels)
    assert ds.shape == (4, 4) and ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert ds.class_counts.tolist() == [4, 4, 4]


def test_load_idx_float_images_kept_as_is(tmp_path):
    images = np.linspace(-2, 3, 24, dtype=np.float32).reshape(6, 2, 2)
    ds = load_idx(
        write_idx(tmp_path / "i", images), write_idx(tmp_path / "l", np.zeros(6, np.int8))
    )
    np.testing.assert_array_equal(ds.x, images.reshape(6, 4))
    assert ds.scaling == "none"


def test_load_idx_count_mismatch(tmp_path):
    images, labels = _images_labels()
    ip, lp = write_idx(tmp_path / "img", images), write_idx(tmp_path / "lab", labels[:-1])
    with pytest.raises(InputError, match="has 12 images but labels file .* has 11 labels"):
        load_idx(ip, lp)


def test_load_idx_negative_labels(tmp_path):
    images, _ = _images_labels()
    labels = np.arange(12, dtype=np.int8) - 2
    ip, lp = write_idx(tmp_path / "img", images), write_idx(tmp_path / "lab", labels)
    with pytest.raises(InputError, match=r"labels file .*lab has 2 labels outside 0..999999"):
        load_idx(ip, lp)


def test_load_idx_labels_out_of_range(tmp_path):
    images, _ = _images_labels()
    labels = np.zeros(12, dtype=np.int32)
    labels[5] = 2**31 - 1
    ip, lp = write_idx(tmp_path / "img", images), write_idx(tmp_path / "lab", labels)
    with pytest.raises(InputError, match="first: 2147483647 at row 5"):
        load_idx(ip, lp)


def test_load_idx_non_integer_labels(tmp_path):
    images, _ = _images_labels()
    labels = np.zeros(12, dtype=np.float32)
    labels[3] = 0.5
    ip, lp = write_idx(tmp_path / "img", images), write_idx(tmp_path / "lab", labels)
    with pytest.raises(InputError, match="1 non-integer values .* at row 3"):
        load_idx(ip, lp)


def test_load_idx_integer_valued_float_labels_accepted(tmp_path):
    images, labels = _images_labels()
    ip = write_idx(tmp_path / "img", images)
    lp = write_idx(tmp_path / "lab", labels.astype(np.float64))
    np.testing.assert_array_equal(load_idx(ip, lp).y, labels)


def test_load_idx_labels_not_1d(tmp_path):
    images, labels = _images_labels()
    ip, lp = write_idx(tmp_path / "img", images), write_idx(tmp_path / "lab", labels.reshape(6, 2))
    with pytest.raises(InputError, match=r"labels file .* shape \(6, 2\); expected \(n,\)"):
        load_idx(ip, lp)


def test_load_idx_images_1d(tmp_path):
    ip = write_idx(tmp_path / "img", np.arange(5, dtype=np.uint8))
    lp = write_idx(tmp_path / "lab", np.arange(5, dtype=np.uint8))
    with pytest.raises(InputError, match="images file .* shape"):
        load_idx(ip, lp)


def test_load_idx_nan_images(tmp_path):
    images = np.zeros((4, 2, 2), np.float32)
    images[2, 1, 0] = np.nan
    ip = write_idx(tmp_path / "img", images)
    lp = write_idx(tmp_path / "lab", np.zeros(4, np.uint8))
    with pytest.raises(InputError, match=r"images file .*img has 1 NaN/inf entries .*row 2"):
        load_idx(ip, lp)


@pytest.mark.parametrize("dotted", [False, True], ids=["hyphen", "dotted"])
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_load_mnist_file_name_variants(tmp_path, dotted, compress):
    images, labels = _write_mnist(tmp_path, dotted=dotted, compress=compress)
    ds = load_mnist(tmp_path)
    assert ds.n == 12 and ds.shape == (4, 4)
    np.testing.assert_array_equal(ds.y, labels)


def test_load_mnist_train_split(tmp_path):
    _write_mnist(tmp_path, prefix="t10k", n=12, seed=0)
    _write_mnist(tmp_path, prefix="train", n=15, seed=1)
    assert load_mnist(tmp_path).n == 12
    train = load_mnist(tmp_path, split="train")
    assert train.n == 15 and train.name == f"mnist:{tmp_path}:train"
    assert load_dataset(f"mnist:{tmp_path}:train").n == 15
    assert load_dataset(f"mnist:{tmp_path}:test").n == 12
    assert load_dataset(f"mnist:{tmp_path}").n == 12


def test_load_mnist_missing_files_lists_names(tmp_path):
    _write_mnist(tmp_path, prefix="t10k")
    with pytest.raises(InputError) as info:
        load_mnist(tmp_path, split="train")
    message = str(info.value)
    assert "no MNIST train images file" in message
    for name in (
        "train-images-idx3-ubyte",
        "train-images-idx3-ubyte.gz",
        "train-images.idx3-ubyte",
    ):
        assert name in message


def test_load_mnist_missing_labels(tmp_path):
    images, _ = _images_labels()
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, gzip=True)
    with pytest.raises(InputError, match="no MNIST test labels file .*t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_load_mnist_bad_directory_and_split(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_mnist(tmp_path / "absent")
    with pytest.raises(InputError, match="is not a directory"):
        load_mnist(write_idx(tmp_path / "f", np.zeros(2, np.uint8)))
    with pytest.raises(InputError, match="split must be 'test' or 'train'"):
        load_mnist(tmp_path, split="validation")


# --- npz --------------------------------------------------------------------------------------


def test_load_npz_uint8_scaled(tmp_path):
    images, labels = _images_labels()
    np.savez(tmp_path / "d.npz", x=images, y=labels)
    ds = load_npz(tmp_path / "d.npz")
    assert ds.scaling == "pixels / 255 -> [0, 1]" and ds.x.max() == 1.0
    assert ds.name == f"npz:{tmp_path / 'd.npz'}" and ds.source == str(tmp_path / "d.npz")


def test_load_npz_float_kept_and_custom_keys(tmp_path):
    features = np.linspace(-1, 5, 20).reshape(10, 2)
    np.savez_compressed(tmp_path / "d.npz", feats=features, target=np.arange(10) % 2)
    ds = load_npz(tmp_path / "d.npz", x_key="feats", y_key="target")
    assert ds.scaling == "none" and ds.shape == (2,)
    np.testing.assert_allclose(ds.x, features, rtol=1e-7)


def test_load_npz_missing_keys_named(tmp_path):
    np.savez(tmp_path / "d.npz", images=np.zeros((2, 2)), labels=np.zeros(2, int))
    with pytest.raises(InputError, match=r"no array named 'x' or 'y'; arrays present: 'images', "):
        load_npz(tmp_path / "d.npz")


def test_load_npz_rejects_non_archives(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(InputError, match="single .npy array"):
        load_npz(tmp_path / "a.npy")
    (tmp_path / "t.npz").write_text("not a zip")
    with pytest.raises(InputError, match="is not a .npz archive"):
        load_npz(tmp_path / "t.npz")
    with pytest.raises(InputError, match="does not exist"):
        load_npz(tmp_path / "missing.npz")
    with pytest.raises(InputError, match="is a directory"):
        load_npz(tmp_path)


def test_load_npz_corrupt_archive(tmp_path):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x=np.arange(4000.0).reshape(1000, 4), y=np.zeros(1000, int))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(InputError, match="could not read .* as a .npz archive"):
        load_npz(path)


def test_load_npz_refuses_pickled_arrays(tmp_path):
    np.savez(tmp_path / "o.npz", x=np.array([[{}], [{}]], dtype=object), y=np.zeros(2, int))
    with pytest.raises(InputError, match="could not read .* as a .npz archive"):
        load_npz(tmp_path / "o.npz")


def test_load_npz_bad_labels_named(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 2)), y=np.array([0, -1, 2]))
    with pytest.raises(InputError, match=r"array 'y' in .*d.npz has 1 labels outside"):
        load_npz(tmp_path / "d.npz")


# --- specs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, match",
    [
        ("imagenet:data", "unknown dataset spec 'imagenet:data'; known schemes: digits, mnist:DIR"),
        ("", "unknown dataset spec ''"),
        ("data.npz", "did you mean 'npz:data.npz'"),
        ("mnist", "not in the data directory .*run 'ibc data download mnist'.*or give a path"),
        ("npz:", "names no file or directory"),
        ("idx:a", "two files separated by one comma"),
        ("idx:a,b,c", "two files separated by one comma"),
        ("digits:extra", "'digits' takes no arguments"),
    ],
)
def test_bad_specs(spec, match, monkeypatch, tmp_path):
    monkeypatch.setenv("IBC_DATA", str(tmp_path))  # an empty data directory
    with pytest.raises(InputError, match=match):
        load_dataset(spec)


def test_spec_must_be_string():
    with pytest.raises(InputError, match="must be a string"):
        load_dataset(3)


def test_spec_idx_form(tmp_path):
    images, labels = _images_labels()
    ip, lp = write_idx(tmp_path / "i.gz", images, gzip=True), write_idx(tmp_path / "l", labels)
    ds = load_dataset(f"idx:{ip},{lp}")
    assert ds.n == 12 and ds.name == f"idx:{ip},{lp}"


def test_specs_help_mentions_every_form():
    text = dataset_specs_help()
    for form in ("digits", "mnist:DIR", "mnist:DIR:train", "idx:IMAGES,LABELS", "npz:FILE"):
        assert form in text


# --- Dataset and from_arrays ------------------------------------------------------------------


def test_from_arrays_basic_and_scale():
    x = np.arange(24, dtype=np.uint8).reshape(3, 2, 4)
    ds = Dataset.from_arrays(x, [0, 2, 2], name="toy", scale=255)
    assert (ds.n, ds.dim, ds.shape, ds.classes) == (3, 8, (2, 4), 2)
    assert ds.class_counts.tolist() == [1, 0, 2]
    assert ds.scaling == "x / 255" and ds.name == "toy" and ds.source == "arrays"
    np.testing.assert_allclose(ds.x, x.reshape(3, 8) / 255, rtol=1e-7)
    assert Dataset.from_arrays(x, [0, 1, 1]).scaling == "none"


def test_from_arrays_accepts_integer_valued_float_labels():
    ds = Dataset.from_arrays(np.zeros((3, 1)), np.array([0.0, 1.0, 2.0]))
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [0, 1, 2]


def test_from_arrays_copies_and_is_read_only():
    x = np.ones((2, 2), np.float32)
    ds = Dataset.from_arrays(x, [0, 1])
    x[0, 0] = 7.0
    assert ds.x[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        ds.x[0, 0] = 3.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"


@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.zeros((3, 2)), [0, 1], "x has 3 examples but y has 2 labels"),
        (np.zeros((2, 2)), [[0, 1]], "y must be a 1-D array"),
        (np.zeros((2, 2)), [0.5, 1.0], "1 non-integer values"),
        (np.zeros((2, 2)), [0, -1], "labels outside 0..999999"),
        (np.zeros((2, 2)), ["a", "b"], "integer class labels, got dtype <U1"),
        (np.zeros((2, 2)), [np.nan, 1.0], "non-integer values"),
        (np.zeros((0, 2)), [], "has no examples"),
        (np.zeros(4), [0, 1, 0, 1], r"reshape 1-D features to \(n, 1\)"),
        (np.zeros((2, 0)), [0, 1], "empty feature axis"),
        (np.array([["a"], ["b"]]), [0, 1], "x must be numeric"),
        (np.array([[1e300], [0.0]]), [0, 1], "too large for float32"),
    ],
)
def test_from_arrays_validation(x, y, match):
    with pytest.raises(InputError, match=match):
        Dataset.from_arrays(x, y)


def test_from_arrays_nan_names_count_and_first_row():
    x = np.zeros((5, 3))
    x[3, 1] = np.nan
    x[4, 0] = np.inf
    x[4, 2] = -np.inf
    with pytest.raises(InputError, match=r"x has 3 NaN/inf entries in 2 rows \(first at row 3\)"):
        Dataset.from_arrays(x, np.zeros(5, int))


@pytest.mark.parametrize("scale", [0, -2.0, float("nan"), "255", True])
def test_from_arrays_bad_scale(scale):
    with pytest.raises(InputError, match="scale must be a positive"):
        Dataset.from_arrays(np.zeros((2, 2)), [0, 1], scale=scale)


def test_subset():
    ds = Dataset.from_arrays(np.arange(10.0).reshape(5, 2), [0, 1, 2, 1, 0], name="toy")
    sub = ds.subset([4, 0, 0])
    assert sub.n == 3 and sub.y.tolist() == [0, 0, 0] and sub.name == "toy"
    np.testing.assert_array_equal(sub.x, ds.x[[4, 0, 0]])
    mask = ds.subset(np.array([True, False, True, False, False]))
    assert mask.y.tolist() == [0, 2] and mask.shape == ds.shape


@pytest.mark.parametrize(
    "indices, match",
    [
        ([5], r"must lie in \[0, 5\), got 1 outside \(first: 5\)"),
        ([-1], r"first: -1"),
        ([], "select no examples"),
        ([0.5], "must be integers or a boolean mask"),
        (np.array([True, False]), r"mask must have shape \(5,\)"),
    ],
)
def test_subset_errors(indices, match):
    ds = Dataset.from_arrays(np.zeros((5, 2)), [0, 1, 0, 1, 0])
    with pytest.raises(InputError, match=match):
        ds.subset(indices)


def test_direct_construction_checks_invariants():
    with pytest.raises(InputError, match="Dataset.x must be a float32 array"):
        Dataset(np.zeros((2, 2)), np.zeros(2, np.int64), "n", (2,), "none", "s")
    with pytest.raises(InputError, match=r"Dataset.y must be an int64 array of shape \(2,\)"):
        Dataset(np.zeros((2, 2), np.float32), np.zeros(3, np.int64), "n", (2,), "none", "s")
    with pytest.raises(InputError, match=r"Dataset.shape \(3,\) has 3 entries"):
        Dataset(np.zeros((2, 2), np.float32), np.zeros(2, np.int64), "n", (3,), "none", "s")


def test_a_downloaded_data_set_is_a_spec_by_its_name(shared_data, monkeypatch):
    """``mnist`` alone reads ``$IBC_DATA/mnist`` (here the shared MNIST test set)."""
    monkeypatch.setenv("IBC_DATA", str(shared_data))
    bare = load_dataset("mnist")
    explicit = load_dataset(f"mnist:{shared_data / 'mnist'}")
    assert bare.name == "mnist" and bare.n == explicit.n == 10_000
    np.testing.assert_array_equal(bare.x, explicit.x)
    assert load_dataset("mnist@n=100").n == 100  # preprocessing knobs apply as usual
