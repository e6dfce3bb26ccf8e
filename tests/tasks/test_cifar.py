"""CIFAR loaders: binary and python batches of CIFAR-10/100 written by the tests, from a folder, a
single file and a .tar.gz; malformed files; and pickles that try to run code (refused, not run)."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import struct
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.tasks.cifar import dataset_from_spec, load_cifar
from ibcomplexity.tasks.datasets import load_dataset

# --- writers of the two formats (the layout is written out here, independently of the loader) ---


def _planes(n: int, offset: int) -> np.ndarray:
    """``(n, 3072)`` pixel bytes whose value encodes (image, channel, row, column).

    Byte ``c * 1024 + r * 32 + q`` of image ``i`` (channel plane c, row r, column q) is
    ``(i * 37 + c * 85 + r * 3 + q * 5 + offset) % 256``.
    """
    i = np.arange(n)[:, None, None, None]
    c = np.arange(3)[None, :, None, None]
    r = np.arange(32)[None, None, :, None]
    q = np.arange(32)[None, None, None, :]
    return ((i * 37 + c * 85 + r * 3 + q * 5 + offset) % 256).astype(np.uint8).reshape(n, 3072)


def _expected_pixel(i, r, q, c, offset):
    return ((i * 37 + c * 85 + r * 3 + q * 5 + offset) % 256) / 255.0


def _binary10(labels, offset=0) -> bytes:
    planes = _planes(len(labels), offset)
    return b"".join(bytes([lab]) + planes[i].tobytes() for i, lab in enumerate(labels))


def _binary100(coarse, fine, offset=0) -> bytes:
    planes = _planes(len(fine), offset)
    return b"".join(
        bytes([c, f]) + planes[i].tobytes()
        for i, (c, f) in enumerate(zip(coarse, fine, strict=True))
    )


class _Py2Pickler(pickle._Pickler):
    """Writes str/bytes as Python-2 ``str`` opcodes (BINSTRING), as the original CIFAR pickles
    (made with Python 2's cPickle, protocol 2) do."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        data = obj.encode("latin-1") if isinstance(obj, str) else bytes(obj)
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = _save_py2_str
    dispatch[bytes] = _save_py2_str


def _pickle(obj, style: str) -> bytes:
    if style == "py2":
        f = io.BytesIO()
        _Py2Pickler(f, protocol=2).dump(obj)
        # numpy 1.x (and Python 2) name the array constructor numpy.core.multiarray
        return f.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    return pickle.dumps(obj, protocol=int(style))


def _python10(labels, offset=0, style="py2") -> bytes:
    batch = {b"batch_label": b"x", b"data": _planes(len(labels), offset), b"labels": list(labels)}
    return _pickle(batch, style)


def _python100(coarse, fine, offset=0, style="py2") -> bytes:
    batch = {
        b"data": _planes(len(fine), offset),
        b"fine_labels": list(fine),
        b"coarse_labels": list(coarse),
    }
    return _pickle(batch, style)


TRAIN10 = [[0, 1, 2], [3, 4], [5, 6, 7], [8], [9, 0]]  # labels of data_batch_1..5
TEST10 = [9, 8, 7, 1]
COARSE_TRAIN, FINE_TRAIN = [0, 19, 5, 7], [0, 99, 42, 3]
COARSE_TEST, FINE_TEST = [1, 2, 3], [10, 20, 30]


def _cifar10_files(fmt: str, style="py2") -> dict[str, bytes]:
    files = {}
    for k, labels in enumerate(TRAIN10, start=1):
        name = f"data_batch_{k}"
        if fmt == "binary":
            files[name + ".bin"] = _binary10(labels, offset=k)
        else:
            files[name] = _python10(labels, offset=k, style=style)
    if fmt == "binary":
        files["test_batch.bin"] = _binary10(TEST10, offset=100)
        files["batches.meta.txt"] = "".join(f"name{i}\n" for i in range(10)).encode() + b"\n"
    else:
        files["test_batch"] = _python10(TEST10, offset=100, style=style)
        names = [f"name{i}".encode() for i in range(10)]
        files["batches.meta"] = _pickle({b"label_names": names, b"num_vis": 3072}, style)
    return files


def _cifar100_files(fmt: str, style="py2") -> dict[str, bytes]:
    if fmt == "binary":
        return {
            "train.bin": _binary100(COARSE_TRAIN, FINE_TRAIN, offset=1),
            "test.bin": _binary100(COARSE_TEST, FINE_TEST, offset=100),
            "coarse_label_names.txt": "".join(f"c{i}\n" for i in range(20)).encode(),
        }
    return {
        "train": _python100(COARSE_TRAIN, FINE_TRAIN, offset=1, style=style),
        "test": _python100(COARSE_TEST, FINE_TEST, offset=100, style=style),
    }


def _write_dir(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _write_tar(path: Path, files: dict[str, bytes], prefix: str) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _check_pixels(x: np.ndarray, offsets_and_counts) -> None:
    """Every decoded pixel equals the value the writer encoded for (image, row, column, channel)."""
    images = x.reshape(-1, 32, 32, 3)
    i0 = 0
    for offset, count in offsets_and_counts:
        i = np.arange(count)[:, None, None, None]
        r = np.arange(32)[None, :, None, None]
        q = np.arange(32)[None, None, :, None]
        c = np.arange(3)[None, None, None, :]
        expected = _expected_pixel(i, r, q, c, offset)
        np.testing.assert_allclose(images[i0 : i0 + count], expected, rtol=0, atol=1e-7)
        i0 += count
    assert i0 == images.shape[0]


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["binary", "python"])
@pytest.mark.parametrize("container", ["dir", "subdir", "tar"])
def test_cifar10_formats(tmp_path, fmt, container):
    files = _cifar10_files(fmt)
    sub = "cifar-10-batches-bin" if fmt == "binary" else "cifar-10-batches-py"
    if container == "dir":
        path = _write_dir(tmp_path / "c10", files)
    elif container == "subdir":
        _write_dir(tmp_path / "root" / sub, files)
        path = tmp_path / "root"
    else:
        path = _write_tar(tmp_path / "cifar-10.tar.gz", files, sub)
    test = load_cifar(path)
    assert test.shape == (32, 32, 3) and test.x.dtype == np.float32
    assert test.y.tolist() == TEST10
    _check_pixels(test.x, [(100, len(TEST10))])
    assert test.scaling == "pixels / 255 -> [0, 1]"
    md = test.metadata
    assert md["split"] == "test" and md["variant"] == "CIFAR-10"
    assert fmt in md["format"] and "Krizhevsky" in md["provenance"]
    assert md["class_names"] == [f"name{i}" for i in range(10)]
    train = load_cifar(path, split="train")
    assert train.y.tolist() == sum(TRAIN10, [])
    _check_pixels(train.x, [(k, len(lab)) for k, lab in enumerate(TRAIN10, start=1)])
    assert train.metadata["files"][0].startswith("data_batch_1")


@pytest.mark.parametrize("fmt", ["binary", "python"])
@pytest.mark.parametrize("container", ["dir", "tar"])
def test_cifar100_formats(tmp_path, fmt, container):
    files = _cifar100_files(fmt)
    if container == "dir":
        path = _write_dir(tmp_path / "c100", files)
    else:
        path = _write_tar(tmp_path / "c100.tar.gz", files, "cifar-100-" + fmt)
    test = load_cifar(path)
    assert test.y.tolist() == FINE_TEST  # fine labels by default
    assert "fine" in test.metadata["label_set"]
    _check_pixels(test.x, [(100, 3)])
    coarse = load_cifar(path, split="train", label_set="coarse")
    assert coarse.y.tolist() == COARSE_TRAIN
    _check_pixels(coarse.x, [(1, 4)])
    assert "coarse" in coarse.metadata["label_set"]
    if fmt == "binary":
        assert coarse.metadata["class_names"] == [f"c{i}" for i in range(20)]
    assert load_cifar(path, split="train", label_set="fine").y.tolist() == FINE_TRAIN


@pytest.mark.parametrize("style", ["py2", "2", "4", "5"])
def test_python_batch_pickle_protocols(tmp_path, style):
    """Pickles written by Python 2 (the originals) and by Python 3 with numpy 2 all load."""
    path = tmp_path / "test_batch"
    path.write_bytes(_python10(TEST10, offset=100, style=style))
    ds = load_cifar(path)
    assert ds.y.tolist() == TEST10
    _check_pixels(ds.x, [(100, 4)])
    assert ds.metadata["split"] == "test"


def test_single_files(tmp_path):
    b10 = tmp_path / "data_batch_3.bin"
    b10.write_bytes(_binary10([1, 2], offset=3))
    ds = load_cifar(b10)
    assert ds.y.tolist() == [1, 2] and ds.metadata["split"] == "train"
    b100 = tmp_path / "test.bin"
    b100.write_bytes(_binary100([4], [44], offset=9))
    assert load_cifar(b100).y.tolist() == [44]
    assert load_cifar(b100, label_set="coarse").y.tolist() == [4]
    # an unknown name: the format is read from the content (pickle) or the record size
    odd = tmp_path / "mystery"
    odd.write_bytes(_binary100([4, 5], [44, 55]))
    assert load_cifar(odd).y.tolist() == [44, 55]
    odd.write_bytes(_python100([4], [44], style="5"))
    assert load_cifar(odd).y.tolist() == [44]
    with pytest.raises(InputError, match="test split; a single batch file cannot give the train"):
        load_cifar(b100, split="train")


def test_spec(tmp_path):
    path = _write_dir(tmp_path / "c100", _cifar100_files("binary"))
    assert load_dataset(f"cifar:{path}").y.tolist() == FINE_TEST
    ds = load_dataset(f"cifar:{path}:train:coarse")
    assert ds.y.tolist() == COARSE_TRAIN and ds.name == f"cifar:{path}:train:coarse"
    assert dataset_from_spec("x", f"{path}:coarse:train").y.tolist() == COARSE_TRAIN
    pre = load_dataset(f"cifar:{path}:train@grayscale,resize=16")
    assert pre.shape == (16, 16)
    assert len(pre.metadata["preprocessing"]) == 2
    # the grayscale of the stored planes, 2x2 block means: an independent recomputation
    raw = _planes(4, 1).reshape(4, 3, 32, 32) / 255.0
    luma = 0.299 * raw[:, 0] + 0.587 * raw[:, 1] + 0.114 * raw[:, 2]
    expected = luma.reshape(4, 16, 2, 16, 2).mean(axis=(2, 4)).reshape(4, -1)
    np.testing.assert_allclose(pre.x, expected, atol=1e-6)
    with pytest.raises(InputError, match="names no CIFAR"):
        load_dataset("cifar::train")


# --- malformed files ----------------------------------------------------------------------------


def test_bad_sizes_and_labels(tmp_path):
    bad = tmp_path / "test_batch.bin"
    bad.write_bytes(_binary10([1, 2])[:-5])
    with pytest.raises(InputError, match=r"not a positive multiple of the 3073-byte"):
        load_cifar(bad)
    bad.write_bytes(b"")
    with pytest.raises(InputError, match="has 0 bytes"):
        load_cifar(bad)
    bad.write_bytes(_binary10([1, 10]))
    with pytest.raises(InputError, match=r"labels outside 0..9.*first 10 at record 1"):
        load_cifar(bad)
    b100 = tmp_path / "train.bin"
    b100.write_bytes(_binary100([20], [3]))
    with pytest.raises(InputError, match=r"coarse labels outside 0..19"):
        load_cifar(b100)
    b100.write_bytes(_binary10([1, 2, 3]))  # 3 * 3073 bytes is not a multiple of 3074
    with pytest.raises(InputError, match="3074-byte CIFAR-100"):
        load_cifar(b100)
    odd = tmp_path / "mystery"
    odd.write_bytes(b"\x01" * 100)
    with pytest.raises(InputError, match="cannot tell the CIFAR format"):
        load_cifar(odd)


def test_bad_python_batches(tmp_path):
    path = tmp_path / "test_batch"
    path.write_bytes(_pickle({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "5"))
    with pytest.raises(InputError, match=r"shape \(n, 3072\)"):
        load_cifar(path)
    path.write_bytes(_pickle({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "5"))
    with pytest.raises(InputError, match="2 images but b'labels' has 1"):
        load_cifar(path)
    path.write_bytes(_pickle({b"data": np.zeros((1, 3072), np.float32), b"labels": [0]}, "5"))
    with pytest.raises(InputError, match="uint8"):
        load_cifar(path)
    path.write_bytes(_pickle({b"pixels": 1}, "5"))
    with pytest.raises(InputError, match="no label list"):
        load_cifar(path)
    path.write_bytes(_pickle([1, 2], "5"))
    with pytest.raises(InputError, match="not the dict"):
        load_cifar(path)
    path.write_bytes(_python10([0, 1], style="5")[:-20])
    with pytest.raises(InputError, match="not a readable CIFAR python batch"):
        load_cifar(path)


def test_missing_and_corrupt(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_cifar(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no CIFAR batches"):
        load_cifar(tmp_path / "empty")
    files = _cifar10_files("binary")
    del files["data_batch_4.bin"]
    path = _write_dir(tmp_path / "partial", files)
    assert load_cifar(path).n == len(TEST10)  # the test split is complete
    with pytest.raises(InputError, match="train split incomplete.*missing data_batch_4.bin"):
        load_cifar(path, split="train")
    with pytest.raises(InputError, match="CIFAR-10, which has one label set"):
        load_cifar(path, label_set="coarse")
    tar = _write_tar(tmp_path / "c.tar.gz", _cifar10_files("binary"), "cifar-10-batches-bin")
    corrupt = tmp_path / "corrupt.tar.gz"
    corrupt.write_bytes(tar.read_bytes()[:300])
    with pytest.raises(InputError, match="could not read .* as a tar archive"):
        load_cifar(corrupt)
    both = _write_dir(tmp_path / "both", {**_cifar10_files("binary"), "train.bin": b"x"})
    with pytest.raises(InputError, match="both CIFAR-10 and CIFAR-100"):
        load_cifar(both)
    with pytest.raises(InputError, match="split must be"):
        load_cifar(path, split="val")


# --- malicious pickles: refused before anything runs --------------------------------------------


class _Shell:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Exec:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (builtins.exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


class _Popen:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.Popen, (["touch", str(self.marker)],))


class _Import:
    """``__import__('os')``: the first step of the usual ways around a module allow-list."""

    def __reduce__(self):
        return (builtins.__import__, ("os",))


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        (_Shell, r"(posix|os|nt)\.system"),
        (_Exec, r"builtins\.exec"),
        (_Popen, r"subprocess\.Popen"),
        (lambda marker: _Import(), r"builtins\.__import__"),
    ],
)
@pytest.mark.parametrize("where", ["file", "dir", "tar", "spec"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, payload, forbidden, where):
    marker = tmp_path / "pwned"
    evil = pickle.dumps(
        {b"data": _planes(1, 0), b"labels": [payload(marker)]}, protocol=2
    )  # the payload hides inside an otherwise genuine-looking batch
    # control: an ordinary unpickler would run it (so the test can fail)
    if payload is _Shell:
        control = tmp_path / "control"
        pickle.loads(pickle.dumps(_Shell(control)))
        assert control.exists()
    files = {**_cifar10_files("python", style="5"), "test_batch": evil}
    if where == "file":
        target = tmp_path / "test_batch"
        target.write_bytes(evil)
    elif where == "dir":
        target = _write_dir(tmp_path / "c10", files)
    else:
        target = _write_tar(tmp_path / "c10.tar.gz", files, "cifar-10-batches-py")
    with pytest.raises(InputError, match=rf"forbidden global {forbidden}") as err:
        if where == "spec":
            load_dataset(f"cifar:{target}")
        else:
            load_cifar(target)
    assert "may be malicious" in str(err.value)
    assert not marker.exists(), "the payload ran"


def test_malicious_metadata_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    files = _cifar10_files("python", style="5")
    files["batches.meta"] = pickle.dumps({b"label_names": [_Shell(marker)]})
    path = _write_dir(tmp_path / "c10", files)
    with pytest.raises(InputError, match="forbidden global"):
        load_cifar(path)
    assert not marker.exists()


def test_non_allowlisted_numpy_function_is_refused(tmp_path):
    class _NpLoad:
        def __reduce__(self):
            return (np.load, ("whatever.npy",))

    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({b"data": _planes(1, 0), b"labels": _NpLoad()}))
    with pytest.raises(InputError, match=r"forbidden global numpy\.load"):
        load_cifar(path)


def test_codecs_only_latin1(tmp_path):
    import codecs

    class _Rot13:
        def __reduce__(self):
            return (codecs.encode, ("abc", "rot13"))

    data = pickle.dumps({b"data": _planes(1, 0), b"labels": [0], b"x": _Rot13()}, protocol=2)
    path = tmp_path / "test_batch"
    path.write_bytes(data)
    with pytest.raises(InputError, match="only latin-1 strings"):
        load_cifar(path)
