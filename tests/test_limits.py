"""The checks of ``ibcomplexity._limits`` on their own: sizes, streams, pixels, nesting, outputs."""

from __future__ import annotations

import gzip
import io
import os
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibcomplexity._limits import (
    check_memory,
    check_nesting,
    check_output_dir,
    check_output_file,
    check_pixels,
    check_regular_file,
    format_bytes,
    gunzip_limited,
    parse_bytes,
    read_limited,
)
from ibcomplexity._validation import InputError

MiB = 1 << 20


def _zeros_gzip(total: int) -> bytes:
    """A gzip stream of ``total`` zero bytes, written in 1 MiB members (cheap to build)."""
    member = gzip.compress(bytes(MiB), compresslevel=9)
    return member * (total // MiB)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("123", 123),
        ("1KiB", 1024),
        ("16GiB", 16 << 30),
        ("1.5 MB", 1_500_000),
        ("2g", 2_000_000_000),
    ],
)
def test_parse_bytes(text, value):
    assert parse_bytes(text, what="x") == value


@pytest.mark.parametrize("text", ["", "-1", "lots", "1 parsec", "nan"])
def test_parse_bytes_refuses_nonsense(text):
    with pytest.raises(InputError, match="x"):
        parse_bytes(text, what="x")


def test_format_bytes():
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * MiB) == "3.0 MiB"
    assert format_bytes(71 * (1 << 50)) == "71.0 PiB"


def test_check_memory_names_the_need_the_limit_and_the_remedy(monkeypatch):
    monkeypatch.setenv("IBC_MEMORY_LIMIT", "1GiB")
    check_memory(1 << 30, "ok")
    with pytest.raises(InputError) as e:
        check_memory(71 * (1 << 50), "sphere:m=3,D=100000000", hint="lower D")
    msg = str(e.value)
    assert "71.0 PiB" in msg and "1.0 GiB" in msg and "IBC_MEMORY_LIMIT" in msg and "lower D" in msg
    for bad in (float("nan"), float("inf"), 2.0**1023):
        with pytest.raises(InputError):
            check_memory(bad, "x")


def test_gunzip_limited_stops_at_the_limit_with_bounded_memory():
    """A 300 MiB zero stream (about 300 KB of gzip) against an 8 MiB limit: refused, and the peak
    traced memory stays under 3x the limit (measured here: about 2x, the buffer and one piece)."""
    raw = _zeros_gzip(300 * MiB)
    assert len(raw) < 400_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="decompression bomb"):
            gunzip_limited(raw, 8 * MiB, "bomb.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * 8 * MiB, f"peak {format_bytes(peak)}"
    assert gunzip_limited(_zeros_gzip(2 * MiB), 8 * MiB, "ok.gz") == bytes(2 * MiB)


def test_gunzip_limited_refuses_garbage_and_truncation():
    raw = gzip.compress(b"hello" * 1000)
    for bad in (raw[:20], b"\x1f\x8b" + b"junk" * 10):
        with pytest.raises(InputError, match="not a valid gzip"):
            gunzip_limited(bad, MiB, "bad.gz")


def test_special_and_missing_files(tmp_path):
    for path, pattern in (
        ("/dev/zero", "not a regular file"),
        (tmp_path, "is a directory"),
        (tmp_path / "none", "does not exist"),
    ):
        with pytest.raises(InputError, match=pattern):
            check_regular_file(path, "data file")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_limited(fifo, MiB, "data file")  # refused before open(): never blocks


def test_read_limited_checks_the_size_first(tmp_path):
    p = tmp_path / "big.bin"
    with p.open("wb") as f:  # sparse: 2 GiB on disk costs nothing
        f.truncate(2 << 30)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="more than the limit of 1.0 MiB"):
            read_limited(p, MiB, "data file")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MiB
    q = tmp_path / "small.bin"
    q.write_bytes(b"abc")
    assert read_limited(q, MiB) == b"abc"


def test_check_pixels(monkeypatch):
    check_pixels(8192, 8192, "ok.png")
    with pytest.raises(InputError, match="20000 x 10000 = 200,000,000 pixels"):
        check_pixels(20000, 10000, "bomb.png")
    monkeypatch.setenv("IBC_MAX_IMAGE_PIXELS", "100")
    with pytest.raises(InputError, match="limit of 100"):
        check_pixels(11, 10, "small.png")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 101 + "]" * 101,
        "{" * 5000,
        "- " * 100_000 + "x",
        "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 105)),
    ],
)
def test_check_nesting_refuses_deep_text(text):
    with pytest.raises(InputError, match="levels deep, more than the limit of 100"):
        check_nesting(text, "card.yaml")


@given(st.integers(0, 100), st.sampled_from("[{("))
def test_check_nesting_accepts_up_to_the_limit_and_ignores_quoted_brackets(depth, opener):
    close = {"[": "]", "{": "}", "(": ")"}[opener]
    check_nesting(opener * depth + close * depth, "x")
    check_nesting('"' + "[" * 10_000 + '"', "x")  # brackets in a string do not nest
    check_nesting("- a\n- b\n  - - c\n", "x")


def test_output_paths(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    check_output_dir(tmp_path / "new" / "deeper")  # created later, parents writable
    with pytest.raises(InputError, match="is a file; give a folder"):
        check_output_dir(f)
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_output_dir(f / "sub")
    with pytest.raises(InputError, match="under /proc"):
        check_output_dir("/proc/ibc-out")
    png = {".png", ".pdf"}
    assert check_output_file(tmp_path / "p.PNG", suffixes=png).name == "p.PNG"
    for bad, pattern in (
        (tmp_path / "noext", "has no extension"),
        (tmp_path / "p.xyz", r"extension '.xyz'"),
        (tmp_path, "is a folder"),
        (f / "p.png", "is a file, not a folder"),
    ):
        with pytest.raises(InputError, match=pattern):
            check_output_file(bad, suffixes=png)


def test_check_output_dir_refuses_a_read_only_folder(tmp_path, monkeypatch):
    """Root ignores permission bits, so the permission answer is simulated (the check is what is
    under test, not the kernel)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(ro) else real(p, mode))
    with pytest.raises(InputError, match="no write permission"):
        check_output_dir(ro / "out")


def test_a_gzip_member_list_reads_back_exactly():
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as g:
        g.write(b"x" * 3000)
    assert gunzip_limited(buf.getvalue() * 2, MiB, "two.gz") == b"x" * 6000
