"""The IDX reader/writer: round trips in every type code, and one clear error per malformed file."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ibcomplexity._validation import InputError
from ibcomplexity.tasks._idx import read_idx, write_idx

# The six IDX type codes of the format description, with the numpy dtype each stands for.
TYPE_CODES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.int16,
    0x0C: np.int32,
    0x0D: np.float32,
    0x0E: np.float64,
}


def _sample(dtype, shape=(3, 4, 2)) -> np.ndarray:
    """Values spanning the dtype's sign and, for floats, fractional values."""
    values = np.arange(np.prod(shape)).reshape(shape) - 5
    if np.dtype(dtype).kind == "u":
        values = values + 5
    if np.dtype(dtype).kind == "f":
        values = values * 0.25
    return values.astype(dtype)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("code, dtype", list(TYPE_CODES.items()), ids=lambda v: str(v))
def test_round_trip_every_type_code(tmp_path, code, dtype, compress):
    array = _sample(dtype)
    path = write_idx(tmp_path / "a.idx", array, gzip=compress)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == compress
    header = gzip.decompress(raw)[:4] if compress else raw[:4]
    assert header == bytes([0, 0, code, 3])
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_header_layout_is_big_endian(tmp_path):
    # Hand-written file: magic 00 00 0B 01, dim 2 (big-endian int32), then int16 values 1 and -2.
    path = tmp_path / "hand.idx"
    path.write_bytes(bytes([0, 0, 0x0B, 1]) + struct.pack(">i", 2) + struct.pack(">hh", 1, -2))
    np.testing.assert_array_equal(read_idx(path), np.array([1, -2], dtype=np.int16))


def test_big_endian_input_array_is_written_correctly(tmp_path):
    array = np.array([1.5, -2.0], dtype=">f8")
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "be", array)), array)


def test_gzip_is_detected_by_content_not_extension(tmp_path):
    array = _sample(np.uint8)
    compressed_without_suffix = write_idx(tmp_path / "images-idx3-ubyte", array, gzip=True)
    raw_with_gz_suffix = write_idx(tmp_path / "images-idx3-ubyte.gz", array, gzip=False)
    np.testing.assert_array_equal(read_idx(compressed_without_suffix), array)
    np.testing.assert_array_equal(read_idx(raw_with_gz_suffix), array)


def test_gzip_output_is_reproducible(tmp_path):
    a = write_idx(tmp_path / "a.gz", _sample(np.int32), gzip=True).read_bytes()
    b = write_idx(tmp_path / "b.gz", _sample(np.int32), gzip=True).read_bytes()
    assert a == b


@st.composite
def idx_arrays(draw):
    dtype = draw(st.sampled_from([np.dtype(t) for t in TYPE_CODES.values()]))
    order = draw(st.sampled_from("<>"))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    return draw(hnp.arrays(dtype.newbyteorder(order), shape))


@settings(max_examples=60, deadline=None)
@given(array=idx_arrays(), compress=st.booleans())
def test_round_trip_property(tmp_path_factory, array, compress):
    path = write_idx(tmp_path_factory.mktemp("idx") / "x.idx", array, gzip=compress)
    back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    # Bitwise equality: NaN payloads and signed zeros must survive too.
    assert back.tobytes() == array.astype(back.dtype).tobytes()


# --- malformed files --------------------------------------------------------------------------


@pytest.fixture
def good_bytes() -> bytes:
    """A valid raw IDX file: int16 array of shape (3, 4, 2), 24 * 2 = 48 data bytes."""
    return bytes([0, 0, 0x0B, 3]) + struct.pack(">3i", 3, 4, 2) + _sample(">i2").tobytes()


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_truncated_file(tmp_path, good_bytes, compress):
    data = good_bytes[:-5]
    path = tmp_path / "cut.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(InputError, match="is truncated: expected 48 bytes of data, found 43"):
        read_idx(path)
    assert str(path) in _message(read_idx, path)


def test_truncated_header(tmp_path, good_bytes):
    path = tmp_path / "cut.idx"
    path.write_bytes(good_bytes[:9])
    with pytest.raises(InputError, match="is truncated: its header declares 3 dimensions"):
        read_idx(path)


def test_too_short_for_magic(tmp_path):
    path = tmp_path / "tiny.idx"
    path.write_bytes(b"\x00\x00")
    with pytest.raises(InputError, match="too short to be an IDX file"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="too short to be an IDX file: 0 bytes"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_extra_trailing_bytes(tmp_path, good_bytes, compress):
    data = good_bytes + b"\x00\x01\x02"
    path = tmp_path / "long.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(InputError, match="has 3 extra bytes after the data: expected 48 bytes"):
        read_idx(path)


def test_bad_magic(tmp_path, good_bytes):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x12\x34" + good_bytes[2:])
    with pytest.raises(InputError, match="is not an IDX file: it starts with bytes 12 34 0b 03"):
        read_idx(path)


def test_text_file_is_not_idx(tmp_path):
    path = tmp_path / "readme.txt"
    path.write_text("hello world")
    with pytest.raises(InputError, match="is not an IDX file"):
        read_idx(path)


def test_bad_type_code(tmp_path, good_bytes):
    path = tmp_path / "code.idx"
    path.write_bytes(b"\x00\x00\x0a" + good_bytes[3:])
    with pytest.raises(InputError, match="unknown IDX type code 0x0A"):
        read_idx(path)


def test_zero_dimensions_declared(tmp_path):
    path = tmp_path / "nodims.idx"
    path.write_bytes(bytes([0, 0, 0x08, 0]) + b"\x01")
    with pytest.raises(InputError, match="declares 0 dimensions"):
        read_idx(path)


@pytest.mark.parametrize("dim", [0, -3])
def test_non_positive_dimension(tmp_path, dim):
    path = tmp_path / "dims.idx"
    path.write_bytes(bytes([0, 0, 0x08, 2]) + struct.pack(">2i", 4, dim))
    with pytest.raises(InputError, match=rf"non-positive dimensions \[4, {dim}\]"):
        read_idx(path)


def test_corrupt_gzip_body(tmp_path, good_bytes):
    # A genuine gzip header (magic, deflate method, no flags, mtime, xfl, os) then garbage.
    path = tmp_path / "corrupt.gz"
    path.write_bytes(gzip.compress(good_bytes)[:10] + b"\xff\xfe garbage, not deflate \x00" * 4)
    with pytest.raises(InputError, match="not a valid gzip file") as info:
        read_idx(path)
    assert "corrupt" in str(info.value) and str(path) in str(info.value)


def test_cut_off_gzip_stream(tmp_path, good_bytes):
    path = tmp_path / "partial.gz"
    path.write_bytes(gzip.compress(good_bytes)[:-12])
    with pytest.raises(InputError, match="not a valid gzip file"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_idx(tmp_path / "nope.idx")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_idx(tmp_path)


# --- writer validation ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.float16, np.bool_, np.complex64])
def test_write_unsupported_dtype(tmp_path, dtype):
    with pytest.raises(InputError, match="IDX supports uint8, int8, int16, int32, float32"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=dtype))


def test_write_scalar_rejected(tmp_path):
    with pytest.raises(InputError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


def test_write_empty_axis_rejected(tmp_path):
    with pytest.raises(InputError, match="every dimension between 1 and"):
        write_idx(tmp_path / "x", np.zeros((0, 3), np.uint8))


def test_write_into_missing_folder(tmp_path):
    with pytest.raises(InputError, match="could not write file"):
        write_idx(tmp_path / "no" / "such" / "x", np.zeros(3, np.uint8))


def _message(func, *args) -> str:
    with pytest.raises(InputError) as info:
        func(*args)
    return str(info.value)
