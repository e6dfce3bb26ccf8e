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

from ibcomplexity._limits import check_memory, check_regular_file, expanded_limit, format_bytes
from ibcomplexity._validation import InputError
from ibcomplexity.tasks import _guard

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
_PIECE = _guard.PIECE


def _read_exact(stream, n: int) -> bytes:
    """Up to ``n`` bytes of ``stream`` (fewer only at its end)."""
    parts, got = [], 0
    while got < n:
        piece = stream.read(n - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def _fill(stream, buffer: memoryview) -> int:
    """Read into ``buffer`` in 1 MiB pieces; return the bytes read (fewer only at the end)."""
    got = 0
    while got < len(buffer):
        n = stream.readinto(buffer[got : got + _PIECE])
        if not n:
            break
        got += n
    return got


def _count_rest(stream, cap: int) -> int:
    """Bytes left in ``stream``, counted in 1 MiB pieces and not kept; stops once past ``cap``."""
    count = 0
    while count <= cap:
        piece = stream.read(_PIECE)
        if not piece:
            break
        count += len(piece)
    return count


def _read_stream(path: Path, stream, disk_size: int | None) -> np.ndarray:
    """Parse an IDX stream: header first, then exactly the data it declares (bounded memory).

    ``disk_size`` is the file's size for a raw file (checked against the header before any data
    is read) and None for a gzip stream, whose expanded size is checked against
    :func:`~ibcomplexity._limits.expanded_limit` from the header and then as it is read.
    """
    magic = _read_exact(stream, 4)
    if len(magic) < 4:
        raise InputError(
            f"file {path} is too short to be an IDX file: {len(magic)} bytes, "
            "while the magic number alone takes 4"
        )
    if magic[0] != 0 or magic[1] != 0:
        raise InputError(
            f"file {path} is not an IDX file: it starts with bytes {magic.hex(' ')}, "
            "while IDX files start with 00 00 <type code> <number of dimensions>"
        )
    code, ndim = magic[2], magic[3]
    if code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X}" for c in _CODE_TO_DTYPE)
        raise InputError(f"file {path} has unknown IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise InputError(f"file {path} declares 0 dimensions in its IDX header; needs at least 1")
    header = 4 + 4 * ndim
    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise InputError(
            f"file {path} is truncated: its header declares {ndim} dimensions ({header} header "
            f"bytes) but the file holds only {4 + len(raw_dims)} bytes"
        )
    dims = [int(d) for d in np.frombuffer(raw_dims, dtype=">i4")]
    if any(d <= 0 for d in dims):
        raise InputError(f"file {path} has non-positive dimensions {dims} in its IDX header")
    dtype = _CODE_TO_DTYPE[code]
    count = math.prod(dims)
    expected = count * dtype.itemsize
    described = f"(header shape {tuple(dims)}, {dtype.name})"
    if disk_size is not None:
        found = disk_size - header
        if found < expected:
            raise InputError(
                f"file {path} is truncated: expected {expected} bytes of data, found {found} "
                f"{described}"
            )
        if found > expected:
            raise InputError(
                f"file {path} has {found - expected} extra bytes after the data: expected "
                f"{expected} bytes of data, found {found} {described}"
            )
    else:
        _guard.check_expanded(expected, f"gzip IDX file {path} {described}")
    check_memory(expected, f"IDX file {path} {described}")
    array = np.empty(count, dtype=dtype)
    found = _fill(stream, memoryview(array.view(np.uint8)))
    if found < expected:
        raise InputError(
            f"file {path} is truncated: expected {expected} bytes of data, found {found} "
            f"{described}"
        )
    if disk_size is None:
        cap = expanded_limit()
        extra = _count_rest(stream, cap)  # also reaches the gzip trailer, which checks the CRC
        if extra > cap:
            raise InputError(
                f"file {path} has more than {format_bytes(cap)} of extra bytes after the data "
                f"(expected {expected} bytes of data {described}); {_guard.BOMB_HINT}"
            )
        if extra:
            raise InputError(
                f"file {path} has {extra} extra bytes after the data: expected {expected} "
                f"bytes of data, found {expected + extra} {described}"
            )
    if not dtype.isnative:  # swap in place: no second copy of the data
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array.reshape(dims)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a numpy array in native byte order.

    The header is read first and the data it declares is checked before it is read: a raw
    file's size must match it, a gzip file's declared data must fit the expanded-size limit
    (``IBC_MAX_EXPANDED_BYTES``) and both must fit in memory (``IBC_MEMORY_LIMIT``); then exactly
    that many bytes are decompressed, in 1 MiB pieces, into the result. Peak memory is the array
    itself plus one piece, whatever a malicious file expands to.

    Args:
        path: the file, e.g. ``t10k-images-idx3-ubyte.gz``. Gzip is detected from the content.

    Returns:
        A writable array with the shape recorded in the header and the dtype given by its type code
        (``uint8``, ``int8``, ``int16``, ``int32``, ``float32`` or ``float64``).

    Raises:
        InputError: the file is missing or not a regular file, not gzip/IDX, has an unknown type
            code, a non-positive dimension, its length disagrees with the header (truncated or
            trailing bytes), or its data would exceed the expanded-size or memory limit.

    Example:
        >>> images = read_idx("mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype  # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    path = check_regular_file(Path(path), "IDX file")
    try:
        with path.open("rb") as f:
            compressed = f.read(2) == _GZIP_MAGIC
            f.seek(0)
            if not compressed:
                return _read_stream(path, f, os.fstat(f.fileno()).st_size)
            try:
                with _gzip.GzipFile(fileobj=f) as g:
                    return _read_stream(path, g, None)
            except (OSError, EOFError, zlib.error) as exc:
                # BadGzipFile is an OSError, a cut-off stream EOFError, garbage zlib.error.
                raise InputError(
                    f"file {path} starts with the gzip magic bytes 1f 8b but is not a valid gzip "
                    f"file ({exc}); the download is probably corrupt or incomplete"
                ) from None
    except OSError as exc:
        raise InputError(f"could not read file {path}: {exc.strerror or exc}") from None


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
