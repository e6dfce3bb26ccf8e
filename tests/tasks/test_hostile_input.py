"""Hostile or careless data input (issue 16): one ``ibc: error:`` line or a bounded result.

Every case runs the CLI in-process (``ibcomplexity.cli.main``) and checks exit code 2, exactly one
line on stderr starting ``ibc: error:`` that names the problem, and no traceback. Decompression
bombs are built cheaply (concatenated gzip members of 1 MiB of zeros, about 1 KB each; zip members
written in a streaming way) and the peak Python memory of reading them is measured with
``tracemalloc`` (numpy registers its buffers there too) against a bound stated in each test.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from ibcomplexity.cli import main
from ibcomplexity.tasks import load_dataset

MiB = 1 << 20
# 1 MiB of zeros as one gzip member (~1 KB): concatenated members form one gzip stream.
_ZEROS_GZ = gzip.compress(bytes(MiB), compresslevel=9, mtime=0)


# --- helpers ------------------------------------------------------------------------------------


def _refused(capsys, argv: list[str], *fragments: str) -> str:
    """Run ``ibc ARGV``; assert exit 2, one ``ibc: error:`` line holding ``fragments``, no trace."""
    code = main(argv)
    out = capsys.readouterr()
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert code == 2, out.err
    assert "Traceback" not in out.err + out.out
    assert len(lines) == 1 and lines[0].startswith("ibc: error: "), out.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _peak(fn, *args) -> tuple[object, int]:
    """``(fn(*args), peak bytes traced by tracemalloc while it ran)``."""
    tracemalloc.start()
    try:
        result = fn(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _gzip_zeros(head: bytes, zeros: int, tail: bytes = b"") -> bytes:
    """A gzip stream of ``head``, ``zeros`` zero bytes, ``tail``; ~1 KB per MiB of zeros."""
    full, rest = divmod(zeros, MiB)
    parts = [gzip.compress(head, mtime=0), _ZEROS_GZ * full]
    if rest:
        parts.append(gzip.compress(bytes(rest), mtime=0))
    if tail:
        parts.append(gzip.compress(tail, mtime=0))
    return b"".join(parts)


def _idx_header(code: int, *dims: int) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}i", *dims)


def _write_labels(path: Path, n: int) -> Path:
    path.write_bytes(_idx_header(0x08, n) + bytes(i % 2 for i in range(n)))
    return path


def _png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of ``width x height`` zeros (its IDAT deflates ~1000x)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = bytes(1 + (width + 7) // 8)
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _small_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((6, 6), 200, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _omniglot_zip(path: Path, extra: dict[str, bytes]) -> Path:
    files = {f"Alpha/character0{c}/000{c}_0{d}.png": _small_png() for c in (1, 2) for d in (1, 2)}
    files.update(extra)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


@pytest.fixture
def no_decode(monkeypatch):
    """Fail the test if Pillow decodes an image of over a million pixels while it runs."""
    from PIL import ImageFile

    load = ImageFile.ImageFile.load

    def guarded(self):
        if self.size[0] * self.size[1] > 10**6:
            raise AssertionError(f"decoded an image of {self.size} pixels")
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", guarded)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    os.mkfifo(path)
    return path


# --- 1. IDX files (idx:IMAGES,LABELS and mnist:DIR) ----------------------------------------------


def test_idx_gzip_trailing_bomb_is_refused_with_bounded_memory(capsys, tmp_path, monkeypatch):
    """A 300 KB gzip IDX whose header declares 10 images, then 300 MiB of zeros: peak < 64 MiB.

    IBC_MAX_EXPANDED_BYTES = 8 MiB: the data the header declares is read, then the trailing
    bytes are counted (not kept) up to the limit.
    """
    monkeypatch.setenv("IBC_MAX_EXPANDED_BYTES", "8MiB")
    images = tmp_path / "images.gz"
    images.write_bytes(_gzip_zeros(_idx_header(0x08, 10, 28, 28) + bytes(7840), 300 * MiB))
    assert images.stat().st_size < 400_000
    labels = _write_labels(tmp_path / "labels", 10)
    argv = ["stats", "--dataset", f"idx:{images},{labels}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, str(images), "extra bytes after the data", "8.0 MiB")
    assert peak < 64 * MiB, peak


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("IBC_MAX_EXPANDED_BYTES", "8MiB", "expands to 286.1 MiB when decompressed"),
        ("IBC_MEMORY_LIMIT", "32MiB", "would need 286.1 MiB of memory"),
    ],
)
def test_mnist_gzip_declaring_300_mb_is_refused_before_decompressing(
    capsys, tmp_path, monkeypatch, env, value, fragment
):
    """mnist:DIR whose images header declares 300,000 x 1000 bytes (286 MiB): peak < 16 MiB.

    The expanded-size limit (8 MiB) or the memory limit (32 MiB) refuses it from the header alone.
    """
    monkeypatch.setenv(env, value)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        _gzip_zeros(_idx_header(0x08, 300_000, 1000), 300_000_000)
    )
    _write_labels(tmp_path / "t10k-labels-idx1-ubyte", 300_000)
    argv = ["stats", "--dataset", f"mnist:{tmp_path}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, "t10k-images-idx3-ubyte.gz", fragment)
    assert peak < 16 * MiB, peak


def test_idx_raw_file_inconsistent_with_header_is_refused_unread(capsys, tmp_path):
    """A raw IDX file of 300 MB (sparse) whose header declares 10 images: refused from its size.

    Peak < 4 MiB: nothing past the header is read.
    """
    images = tmp_path / "images"
    images.write_bytes(_idx_header(0x08, 10, 28, 28))
    with images.open("r+b") as f:
        f.truncate(300_000_000)
    labels = _write_labels(tmp_path / "labels", 10)
    argv = ["stats", "--dataset", f"idx:{images},{labels}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, "extra bytes after the data", "expected 7840 bytes")
    assert peak < 4 * MiB, peak


def test_idx_header_declaring_absurd_shape(capsys, tmp_path):
    """dims 2**31-1 three times (a 7.9e28-byte array), gzip or raw: one line, nothing allocated."""
    images = tmp_path / "images.gz"
    images.write_bytes(gzip.compress(_idx_header(0x0E, *(3 * [2**31 - 1]))))
    labels = _write_labels(tmp_path / "labels", 10)
    _refused(capsys, ["stats", "--dataset", f"idx:{images},{labels}"], "when decompressed")
    raw = tmp_path / "images.raw"
    raw.write_bytes(_idx_header(0x0E, *(3 * [2**31 - 1])))
    _refused(capsys, ["stats", "--dataset", f"idx:{raw},{labels}"], "is truncated")


def test_idx_special_files_are_refused(capsys, fifo):
    _refused(
        capsys, ["stats", "--dataset", "idx:/dev/zero,/dev/zero"], "/dev/zero", "not a regular file"
    )
    _refused(capsys, ["stats", "--dataset", f"idx:{fifo},{fifo}"], "not a regular file")


# --- 2. CIFAR archives (cifar:PATH) --------------------------------------------------------------


def _tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _cifar10_batch(n: int = 12) -> bytes:
    rng = np.random.default_rng(0)
    records = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
    records[:, 0] = np.arange(n) % 2
    return records.tobytes()


def _cifar_tar_gz(path: Path, junk: int, batch_size: int | None = None) -> Path:
    """``junk.bin`` of ``junk`` zero bytes, then ``cifar-10-batches-bin/test_batch.bin``.

    ``batch_size`` set: the batch member's header declares that many bytes, all zeros (a bomb).
    """
    if batch_size is None:
        batch = _cifar10_batch()
        tail = _tar_header("cifar-10-batches-bin/test_batch.bin", len(batch)) + batch
        tail += bytes(-len(tail) % 512) + bytes(1024)
        path.write_bytes(_gzip_zeros(_tar_header("junk.bin", junk), junk, tail))
    else:
        head = _tar_header("cifar-10-batches-bin/test_batch.bin", batch_size)
        path.write_bytes(_gzip_zeros(head, batch_size, bytes(1024)))
    return path


def test_cifar_tar_with_unrelated_400_mb_member_is_skipped_unread(tmp_path):
    """A 420 KB .tar.gz with a 400 MiB junk member before the batch: loaded, peak < 64 MiB.

    The archive is streamed once; the junk member is decompressed to be skipped, never held.
    """
    archive = _cifar_tar_gz(tmp_path / "cifar-10-binary.tar.gz", 400 * MiB)
    assert archive.stat().st_size < 500_000
    ds, peak = _peak(load_dataset, f"cifar:{archive}")
    assert ds.n == 12 and ds.shape == (32, 32, 3)
    assert peak < 64 * MiB, peak


def test_cifar_tar_expanding_past_the_limit_is_refused(capsys, tmp_path, monkeypatch):
    """The same archive under IBC_MAX_EXPANDED_BYTES = 8 MiB: refused once 8 MiB expanded.

    Peak < 32 MiB.
    """
    monkeypatch.setenv("IBC_MAX_EXPANDED_BYTES", "8MiB")
    archive = _cifar_tar_gz(tmp_path / "cifar-10-binary.tar.gz", 400 * MiB)
    argv = ["stats", "--dataset", f"cifar:{archive}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, str(archive), "expands to more than 8.0 MiB")
    assert peak < 32 * MiB, peak


def test_cifar_needed_member_declaring_300_mb_is_refused(capsys, tmp_path, monkeypatch):
    """A test_batch.bin member declaring 300 MiB, per-member limit 8 MiB: refused from its header.

    The archive limit is what IBC_MAX_EXPANDED_BYTES sets too, so the member's own header is met
    first. Peak < 16 MiB.
    """
    monkeypatch.setenv("IBC_MAX_EXPANDED_BYTES", "8MiB")
    archive = _cifar_tar_gz(tmp_path / "c.tar.gz", 0, batch_size=300 * MiB)
    argv = ["stats", "--dataset", f"cifar:{archive}", "--quiet"]
    _, peak = _peak(
        _refused, capsys, argv, "member cifar-10-batches-bin/test_batch.bin", "300.0 MiB"
    )
    assert peak < 16 * MiB, peak


def test_cifar_special_files_are_refused(capsys, fifo):
    _refused(capsys, ["stats", "--dataset", "cifar:/dev/zero"], "/dev/zero", "not a regular file")
    _refused(capsys, ["stats", "--dataset", f"cifar:{fifo}"], "not a regular file")


def test_cifar_pickle_asking_for_a_terabyte_is_refused(capsys, tmp_path):
    """A 30-byte python batch whose pickle calls bytearray(10**12): refused before the call."""

    class Bomb:
        def __reduce__(self):
            return (bytearray, (10**12,))

    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({b"data": Bomb(), b"labels": [0]}, protocol=2))
    _refused(capsys, ["stats", "--dataset", f"cifar:{path}"], "bytearray(1000000000000)")


# --- 3. Omniglot zips and PNGs (omniglot:ZIP, ibc fewshot) ---------------------------------------


def test_omniglot_zip_with_400_mb_member_is_refused_with_bounded_memory(
    capsys, tmp_path, monkeypatch
):
    """A 410 KB zip with a 400 MiB PNG-named member, IBC_MAX_EXPANDED_BYTES = 8 MiB.

    Refused from the member's declared size, naming the archive and member; peak < 32 MiB.
    """
    monkeypatch.setenv("IBC_MAX_EXPANDED_BYTES", "8MiB")
    path = _omniglot_zip(tmp_path / "omni.zip", {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("Alpha/character01/0009_09.png", "w", force_zip64=True) as f:
            zeros = bytes(MiB)
            for _ in range(400):
                f.write(zeros)
    assert path.stat().st_size < 500_000
    argv = ["stats", "--dataset", f"omniglot:{path}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, str(path), "Alpha/character01/0009_09.png", "400.0 MiB")
    assert peak < 32 * MiB, peak


@pytest.mark.parametrize(
    ("width", "height", "fragment"),
    [
        (20000, 10000, "declares 200,000,000 pixels"),  # Pillow itself refuses these in open()
        (10000, 10000, "declares 10000 x 10000 = 100,000,000 pixels"),  # Pillow only warns
    ],
)
def test_omniglot_pixel_bombs_are_refused_before_decoding(
    capsys, tmp_path, no_decode, width, height, fragment
):
    """A PNG declaring 2e8 or 1e8 pixels (~30 KB): refused from its header, never decoded."""
    path = _omniglot_zip(
        tmp_path / "omni.zip", {"Alpha/character02/0002_09.png": _png(width, height)}
    )
    _refused(
        capsys,
        ["stats", "--dataset", f"omniglot:{path}"],
        fragment,
        str(path),
        "Alpha/character02/0002_09.png",
        "IBC_MAX_IMAGE_PIXELS",
    )
    # ibc fewshot reads the same images through the same guard.
    _refused(capsys, ["fewshot", "--data", str(path), "--quiet"], fragment)


def test_omniglot_corrupt_png_names_archive_and_member(capsys, tmp_path):
    truncated = _small_png()[:-30]
    path = _omniglot_zip(
        tmp_path / "omni.zip",
        {"Alpha/character02/0002_07.png": truncated, "Alpha/character02/0002_08.png": b"junk"},
    )
    line = _refused(
        capsys,
        ["stats", "--dataset", f"omniglot:{path}"],
        f"Omniglot archive {path}, member Alpha/character02/0002_0",
        "not a readable PNG image",
    )
    assert "BytesIO" not in line and " at 0x" not in line


def test_omniglot_resize_beyond_memory_is_refused(capsys, tmp_path):
    path = _omniglot_zip(tmp_path / "omni.zip", {})
    _refused(
        capsys,
        ["stats", "--dataset", f"omniglot:{path}:size=50000"],
        "resized to 50000x50000",
        "would need 74.5 GiB of memory",
    )


def test_omniglot_special_file_and_unknown_option(capsys, tmp_path, fifo):
    _refused(capsys, ["stats", "--dataset", f"omniglot:{fifo}"], "not a regular file")
    path = _omniglot_zip(tmp_path / "omni.zip", {})
    _refused(capsys, ["stats", "--dataset", f"omniglot:{path}:bogus"], "option 'bogus'", "size=S")


# --- 4. Image folders and resizing (folder:DIR, @resize) -----------------------------------------


def _folder(root: Path, extra: dict[str, bytes] | None = None) -> Path:
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True, exist_ok=True)
        (root / cls / "1.png").write_bytes(_small_png())
    for name, data in (extra or {}).items():
        (root / name).write_bytes(data)
    return root


@pytest.mark.parametrize(
    ("width", "height", "fragment"),
    [(20000, 10000, "declares 200,000,000 pixels"), (10000, 10000, "= 100,000,000 pixels")],
)
def test_folder_pixel_bombs_are_refused_before_decoding(
    capsys, tmp_path, no_decode, width, height, fragment
):
    root = _folder(tmp_path / "imgs", {"b/big.png": _png(width, height)})
    _refused(capsys, ["stats", "--dataset", f"folder:{root}"], fragment, "big.png")


def test_folder_resize_beyond_memory_is_refused(capsys, tmp_path, no_decode):
    """folder:DIR:size=100000 (2 images, 6e10 bytes out): refused from the first header."""
    root = _folder(tmp_path / "imgs")
    _refused(
        capsys,
        ["stats", "--dataset", f"folder:{root}:size=100000"],
        "100000x100000",
        "would need 111.8 GiB of memory",
        "smaller size=",
    )


def test_preprocess_resize_beyond_memory_is_refused(capsys):
    """digits@resize=100000 used to abort inside XLA (exit 134)."""
    _refused(
        capsys,
        ["stats", "--dataset", "digits@resize=100000"],
        "resize of 'digits' to 100000x100000",
        "would need 196.1 TiB of memory",
    )


def test_folder_unknown_option(capsys, tmp_path):
    root = _folder(tmp_path / "imgs")
    _refused(capsys, ["stats", "--dataset", f"folder:{root}:bogus"], "option 'bogus'", "grayscale")


# --- 5. Synthetic sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("sphere:m=3,D=100000000", "would need 284.2 PiB of memory"),
        ("torus:m=2,D=8,n=1000000000000000000000000000000", "would need more than 1 ZiB"),
        ("sphere:m=2,D=5,terms=100000000000000000000", "terms=100000000000000000000"),
        ("sphere:m=2,D=5,classes=100000000000000000000", "classes must be at most 999,999"),
        ("torus:m=2,D=8,cutoff=100000000000000000000", "cutoff must be at most 1,000,000"),
        ("sphere:m=1000000000000000000000,D=5", "D=5 is too small"),
        ("sphere:m=2,D=1e400", "must be an integer"),
        ("sphere:m=2,D=5,radius=1e400", "radius must be finite"),
        ("sphere:m=2,D=5,n=" + "9" * 5000, "n="),
    ],
)
def test_synthetic_huge_sizes(capsys, spec, fragment):
    _refused(capsys, ["stats", "--dataset", spec, "--quiet"], fragment)


# --- 6. Spec options -----------------------------------------------------------------------------


def test_mnist_unknown_option_is_named(capsys, tmp_path):
    line = _refused(
        capsys,
        ["stats", "--dataset", f"mnist:{tmp_path}:bogus"],
        "option 'bogus' is not understood",
        "train, test",
    )
    assert "does not exist" not in line


def test_cifar_unknown_option_is_named(capsys, tmp_path):
    _refused(capsys, ["stats", "--dataset", f"cifar:{tmp_path}:bogus"], "option 'bogus'")


# --- 7. Cards ------------------------------------------------------------------------------------


def _card(tmp_path: Path, target: str = "0.01", extra: str = "") -> Path:
    text = f"""\
name: hostile
title: a card
task: classification
description: test card
statistics:
  n: {{value: 1000, provenance: paper}}
  m: {{value: 5, provenance: paper}}
  radius: {{value: 1.0, provenance: paper}}
  delta: {{value: 0.1, provenance: paper}}
  classes: {{value: 10, provenance: paper}}
  target_error: {{value: {target}, provenance: paper}}
{extra}"""
    path = tmp_path / "card.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("value", ["5", "0", "1", "-0.1", ".nan", ".inf", "1.5"])
def test_card_error_rate_outside_zero_one(capsys, tmp_path, value):
    path = _card(tmp_path, value)
    _refused(capsys, ["bound", "--card", str(path)], str(path), "statistics.target_error.value")


def test_card_error_rate_overrides(capsys):
    _refused(capsys, ["bound", "--card", "mnist", "--target-error", "5"], "--target-error")
    _refused(
        capsys, ["bound", "--card", "mnist", "--set", "target_error=2"], "card mnist", "(0, 1)"
    )


def test_card_duplicate_keys(capsys, tmp_path):
    path = _card(tmp_path, extra="name: other\n")
    _refused(
        capsys, ["bound", "--card", str(path)], "duplicate key 'name' at line 12 (first at line 1)"
    )
    path = _card(tmp_path, extra="  target_error: {value: 0.02, provenance: paper}\n")
    _refused(
        capsys,
        ["bound", "--card", str(path)],
        "duplicate key 'target_error' at line 12 (first at line 11)",
    )
    path.write_text("---\nname: a\nname: b\n---\n# markdown\n")  # front matter: file lines
    _refused(capsys, ["bound", "--card", str(path)], "duplicate key 'name' at line 3")


def test_card_deep_nesting(capsys, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 100_000 + "]" * 100_000 + "\n")
    _refused(capsys, ["bound", "--card", str(path)], "nests 100000 levels deep")
    path.write_text("- " * 100_000 + "x\n")  # block sequences: no brackets, no indentation
    _refused(capsys, ["bound", "--card", str(path)], str(path))


def test_card_yaml_tags_are_not_executed(capsys, tmp_path):
    path = _card(tmp_path, extra="reference: !!python/object/apply:os.system ['echo pwned']\n")
    _refused(capsys, ["bound", "--card", str(path)], "not valid YAML")
    assert "pwned" not in capsys.readouterr().out


def test_card_special_files(capsys, fifo):
    _refused(capsys, ["bound", "--card", "/dev/zero"], "not a regular file")
    _refused(capsys, ["bound", "--card", str(fifo)], "not a regular file")


# --- 8. npz and other user files ------------------------------------------------------------------


def test_npz_special_files_are_refused(capsys, fifo):
    _refused(capsys, ["stats", "--dataset", "npz:/dev/zero"], "not a regular file")
    _refused(capsys, ["stats", "--dataset", f"npz:{fifo}"], "not a regular file")


def _npz(path: Path, members: dict[str, tuple[bytes, int]]) -> Path:
    """An npz whose members are a .npy header then that many zero bytes, written streaming."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (header, zeros) in members.items():
            with z.open(f"{name}.npy", "w", force_zip64=True) as f:
                f.write(header)
                full, rest = divmod(zeros, MiB)
                for _ in range(full):
                    f.write(bytes(MiB))
                f.write(bytes(rest))
    return path


def _npy_magic_header(shape: tuple, dtype: str = "|u1") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def test_npz_member_bomb_is_refused_with_bounded_memory(capsys, tmp_path, monkeypatch):
    """x.npy expanding to 300 MB of zeros, IBC_MAX_EXPANDED_BYTES = 8 MiB: peak < 16 MiB."""
    monkeypatch.setenv("IBC_MAX_EXPANDED_BYTES", "8MiB")
    members = {
        "x": (_npy_magic_header((300_000, 1000)), 300_000_000),
        "y": (_npy_magic_header((300_000,)), 300_000),
    }
    path = _npz(tmp_path / "bomb.npz", members)
    argv = ["stats", "--dataset", f"npz:{path}", "--quiet"]
    _, peak = _peak(_refused, capsys, argv, "array 'x'", "expands to 286.1 MiB")
    assert peak < 16 * MiB, peak


def test_npz_header_declaring_more_than_it_holds(capsys, tmp_path):
    """A 1 KB npz whose x.npy header declares a (10**12,) float64 array: refused unallocated."""
    members = {"x": (_npy_magic_header((10**12,), "<f8"), 16), "y": (_npy_magic_header((2,)), 2)}
    path = _npz(tmp_path / "liar.npz", members)
    _refused(capsys, ["stats", "--dataset", f"npz:{path}"], "array 'x'", "holds only")


def test_library_error_rate_and_member_guards(tmp_path):
    """The library paths behind the CLI: card overrides, card_from_spec, a lying member header."""
    from ibcomplexity._validation import InputError
    from ibcomplexity.tasks import _guard
    from ibcomplexity.workflows import bound_from_card
    from ibcomplexity.workflows.card_builder import card_from_spec

    for bad in (5, 0, 1, float("nan"), float("inf")):
        with pytest.raises(InputError, match=r"target_error must be (in \(0, 1\)|> 0|finite)"):
            bound_from_card("mnist", target_error=bad)
        with pytest.raises(InputError, match="target_error"):
            card_from_spec("digits", target_error=bad)
    # A member whose data runs past what its header declares is refused, read with a cap.
    with pytest.raises(InputError, match="holds more than the 100 bytes its header declares"):
        _guard.read_member(io.BytesIO(bytes(10 * MiB)), 100, "member m of archive a")
