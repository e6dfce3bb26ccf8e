r"""Reader and writer for the IDX file format (the format MNIST and Fashion-MNIST ship in).

An IDX file is a 4-byte magic number, one big-endian int32 per dimension, then the array in C order
with big-endian items:

.. code-block:: text

    00 00 <type code> <ndim>   dim_1 ... dim_ndim (int32, big-endian)   data

Type codes: ``0x08`` unsigned byte, ``0x09`` signed byte, ``0x0B`` int16, ``0x0C`` int32,
``0x0D`` float32, ``0x0E`` float64. The files are usually distributed gzip-compressed; the reader
recognises gzip by its magic bytes ``1f 8b`` rather than by the ``.gz`` extension, because renamed
or already-decompressed downloads are common.

Every malformed file raises :class:`~ibcomplexity._validation.InputError` with one sentence naming
the file, never a ``struct``/``gzip``/numpy traceback.

References:
    LeCun, Cortes, Burges, *The MNIST database of handwritten digits* (format description at the
    bottom of the original page, yann.lecun.com/exdb/mnist/).
"""

from __future__ import annotations

import gzip as _gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ibcomplexity._validation import InputError

__all__ = ["read_idx", "write_idx"]

# Type code -> big-endian numpy dtype, as listed in the IDX specification.
_CODE_TO_DTYPE: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# (kind, itemsize) -> type code; byte order is irrelevant when writing, we always write big-endian.
_KIND_TO_CODE: dict[tuple[str, int], int] = {
    (dt.kind, dt.itemsize): c for c, dt in _CODE_TO_DTYPE.items()
}
_SUPPORTED = "uint8, int8, int16, int32, float32, float64"
_GZIP_MAGIC = b"\x1f\x8b"
# Dimensions are stored as signed int32, so no axis can be longer than this.
_MAX_DIM = 2**31 - 1


def _read_bytes(path: Path) -> bytes:
    """Return the raw bytes of ``path``, turning every OS error into an InputError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not an IDX file") from None
    except OSError as exc:
        raise InputError(f"could not read file {path}: {exc.strerror or exc}") from None


def _decompress(path: Path, raw: bytes) -> bytes:
    """Gunzip ``raw`` if it starts with the gzip magic bytes; return it unchanged otherwise."""
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return _gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        # BadGzipFile is an OSError, a cut-off stream raises EOFError, garbage raises zlib.error.
        raise InputError(
            f"file {path} starts with the gzip magic bytes 1f 8b but is not a valid gzip file "
            f"({exc}); the download is probably corrupt or incomplete"
        ) from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a numpy array in native byte order.

    Args:
        path: the file, e.g. ``t10k-images-idx3-ubyte.gz``. Gzip is detected from the content.

    Returns:
        A writable array with the shape recorded in the header and the dtype given by its type code
        (``uint8``, ``int8``, ``int16``, ``int32``, ``float32`` or ``float64``).

    Raises:
        InputError: the file is missing, not gzip/IDX, has an unknown type code, a non-positive
            dimension, or its length disagrees with the header (truncated or trailing bytes).

    Example:
        >>> images = read_idx("mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype  # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    data = _decompress(path, _read_bytes(path))
    if len(data) < 4:
        raise InputError(
            f"file {path} is too short to be an IDX file: {len(data)} bytes, "
            "while the magic number alone takes 4"
        )
    if data[0] != 0 or data[1] != 0:
        raise InputError(
            f"file {path} is not an IDX file: it starts with bytes {data[:4].hex(' ')}, "
            "while IDX files start with 00 00 <type code> <number of dimensions>"
        )
    code, ndim = data[2], data[3]
    if code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X}" for c in _CODE_TO_DTYPE)
        raise InputError(f"file {path} has unknown IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise InputError(f"file {path} declares 0 dimensions in its IDX header; needs at least 1")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(
            f"file {path} is truncated: its header declares {ndim} dimensions ({header} header "
            f"bytes) but the file holds only {len(data)} bytes"
        )
    dims = [int(d) for d in np.frombuffer(data, dtype=">i4", count=ndim, offset=4)]
    if any(d <= 0 for d in dims):
        raise InputError(f"file {path} has non-positive dimensions {dims} in its IDX header")
    dtype = _CODE_TO_DTYPE[code]
    expected = math.prod(dims) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise InputError(
            f"file {path} is truncated: expected {expected} bytes of data, found {found} "
            f"(header shape {tuple(dims)}, {dtype.name})"
        )
    if found > expected:
        raise InputError(
            f"file {path} has {found - expected} extra bytes after the data: expected {expected} "
            f"bytes of data, found {found} (header shape {tuple(dims)}, {dtype.name})"
        )
    array = np.frombuffer(data, dtype=dtype, count=math.prod(dims), offset=header)
    # astype copies: the result owns its memory, is writable and in native byte order.
    return array.reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array, *, gzip: bool = False) -> Path:
    """Write ``array`` to ``path`` in IDX format, optionally gzip-compressed.

    Args:
        path: destination file; its parent folder must exist.
        array: array-like of dtype uint8, int8, int16, int32, float32 or float64 (any byte order),
            with 1 to 255 dimensions, each between 1 and 2**31 - 1.
        gzip: compress the file with gzip (timestamp 0, so the output is reproducible).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        InputError: the dtype has no IDX type code, the shape cannot be stored, or the file cannot
            be written.

    Example:
        >>> labels = np.arange(10, dtype=np.uint8)
        >>> write_idx("labels-idx1-ubyte.gz", labels, gzip=True)  # doctest: +SKIP
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _KIND_TO_CODE.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise InputError(
            f"write_idx cannot store dtype {arr.dtype} in {path}: IDX supports {_SUPPORTED}; "
            "convert first, e.g. array.astype(np.int32)"
        )
    if not 1 <= arr.ndim <= 255:
        raise InputError(f"write_idx needs 1 to 255 dimensions, got an array of shape {arr.shape}")
    if any(not 1 <= d <= _MAX_DIM for d in arr.shape):
        raise InputError(
            f"write_idx needs every dimension between 1 and {_MAX_DIM}, got shape {arr.shape}"
        )
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">i4").tobytes()
    payload = header + np.ascontiguousarray(arr, dtype=_CODE_TO_DTYPE[code]).tobytes()
    if gzip:
        payload = _gzip.compress(payload, mtime=0)
    try:
        path.write_bytes(payload)
    except OSError as exc:
        raise InputError(f"could not write file {path}: {exc.strerror or exc}") from None
    return path
