"""Limits checked *before* work: memory, file sizes, expanded archive sizes, image pixels, nesting.

Hostile or careless input must fail in one sentence before it costs memory or time: a 300 KB gzip
that expands to 300 MB, a PNG that declares 2e8 pixels, ``sphere:m=3,D=100000000`` (71 PiB),
``/dev/zero`` given as a data file, 100,000 nested brackets in a card. Every check here raises
:class:`~ibcomplexity._validation.InputError` naming the input, what it would need and the limit,
and (where one exists) how to raise the limit.

The limits are module constants, overridable by environment variables so a user with a big machine
is never stuck:

- :func:`memory_limit` (``IBC_MEMORY_LIMIT``, bytes or ``16GiB``): 80% of physical memory;
- :func:`expanded_limit` (``IBC_MAX_EXPANDED_BYTES``): 1 GiB for any one decompressed file or
  archive member;
- :func:`pixel_limit` (``IBC_MAX_IMAGE_PIXELS``): 2**26 (67 Mpx) per image;
- :data:`MAX_NESTING`: 100 levels of brackets in a card or job file.

Reading functions stream: :func:`read_limited` never holds more than ``limit + 1`` bytes, and
:func:`gunzip_limited` decompresses in 1 MiB pieces and stops at the first byte past the limit,
so the peak memory of a decompression bomb is the limit, not the bomb's expanded size.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterable
from pathlib import Path

from ibcomplexity._validation import InputError

__all__ = [
    "MAX_NESTING",
    "check_memory",
    "check_nesting",
    "check_output_dir",
    "check_output_file",
    "check_pixels",
    "check_regular_file",
    "expanded_limit",
    "format_bytes",
    "gunzip_limited",
    "memory_limit",
    "parse_bytes",
    "pixel_limit",
    "read_limited",
]

MAX_NESTING = 100
_PIECE = 1 << 20
_DEFAULT_EXPANDED = 1 << 30
_DEFAULT_PIXELS = 1 << 26
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1e3,
    "kb": 1e3,
    "kib": 2**10,
    "m": 1e6,
    "mb": 1e6,
    "mib": 2**20,
    "g": 1e9,
    "gb": 1e9,
    "gib": 2**30,
    "t": 1e12,
    "tb": 1e12,
    "tib": 2**40,
}


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``; binary units up to EiB, one decimal."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB" and abs(n) < 1024 * 1024:
            return f"{n:.0f} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EiB"


def parse_bytes(text: str, *, what: str) -> int:
    """Parse ``'16GiB'``, ``'500 MB'`` or ``'1000000'`` into a byte count (> 0)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = m and m.group(2).lower()
    if not m or unit not in _UNITS:
        raise InputError(f"{what} must be a size such as 16GiB, 500MB or 1000000, got {text!r}")
    value = int(float(m.group(1)) * _UNITS[unit])
    if value <= 0:
        raise InputError(f"{what} must be a positive size, got {text!r}")
    return value


def _env_bytes(name: str, default: int) -> int:
    text = os.environ.get(name)
    return default if text in (None, "") else parse_bytes(text, what=f"environment variable {name}")


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a modest machine
        return 16 << 30


def memory_limit() -> int:
    """Bytes one array (or one job's working set) may need: ``IBC_MEMORY_LIMIT`` or 80% of RAM."""
    return _env_bytes("IBC_MEMORY_LIMIT", int(0.8 * _physical_memory()))


def expanded_limit() -> int:
    """Bytes one decompressed file or archive member may expand to (``IBC_MAX_EXPANDED_BYTES``)."""
    return _env_bytes("IBC_MAX_EXPANDED_BYTES", _DEFAULT_EXPANDED)


def pixel_limit() -> int:
    """Pixels one image may declare before it is decoded (``IBC_MAX_IMAGE_PIXELS``)."""
    text = os.environ.get("IBC_MAX_IMAGE_PIXELS")
    if text in (None, ""):
        return _DEFAULT_PIXELS
    return parse_bytes(text, what="environment variable IBC_MAX_IMAGE_PIXELS")


def check_memory(nbytes: float, what: str, *, hint: str | None = None) -> None:
    """Refuse work whose arrays would need more than :func:`memory_limit` bytes.

    ``what`` names the input (``"sphere:m=3,D=100000000 (n=1000 points x D floats)"``); the message
    gives the memory needed, the limit, and ``hint`` (how to ask for less) when given.
    """
    limit = memory_limit()
    if not nbytes <= limit:  # also catches NaN and inf
        need = format_bytes(nbytes) if nbytes < 2**70 else "more than 1 ZiB"
        tail = f"; {hint}" if hint else ""
        raise InputError(
            f"{what} would need {need} of memory, more than the limit of {format_bytes(limit)} "
            f"(set IBC_MEMORY_LIMIT to raise it){tail}"
        )


def check_regular_file(path: str | os.PathLike, what: str = "file") -> Path:
    """Return ``path`` after checking it exists and is a regular file (not a device, FIFO, socket).

    ``/dev/zero`` or a named pipe would otherwise be read forever; a directory gives a clear error.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"could not read {what} {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{what} {path} is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{what} {path} is not a regular file (a device, pipe or socket); "
            "give the path of a data file"
        )
    return path


def read_limited(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """Read a regular file, refusing it when it is larger than ``limit`` bytes (checked first)."""
    path = check_regular_file(path, what)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"{what} {path} is {format_bytes(size)}, more than the limit of "
                f"{format_bytes(limit)} (set IBC_MAX_EXPANDED_BYTES to raise it)"
            )
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"could not read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:  # the file grew while we read it
        raise InputError(f"{what} {path} is larger than the limit of {format_bytes(limit)}")
    return data


def gunzip_limited(raw: bytes, limit: int, what: str) -> bytes:
    """Decompress gzip ``raw`` (all members) in 1 MiB pieces, stopping past ``limit`` bytes.

    Peak memory is about ``limit`` plus one piece, whatever the stream's expanded size.

    Raises:
        InputError: the expanded data exceeds ``limit`` (checked as it streams), or the stream
            is not valid gzip (truncated, garbage).
    """
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
            while True:
                piece = g.read(_PIECE)
                if not piece:
                    break
                out.write(piece)
                if out.tell() > limit:
                    raise InputError(
                        f"{what} expands to more than {format_bytes(limit)} when decompressed "
                        f"(from {format_bytes(len(raw))}); refusing it as a possible "
                        "decompression bomb (set IBC_MAX_EXPANDED_BYTES to raise the limit)"
                    )
    except InputError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{what} starts with the gzip magic bytes 1f 8b but is not a valid gzip file "
            f"({exc}); the download is probably corrupt or incomplete"
        ) from None
    return out.getvalue()


def check_pixels(width: int, height: int, what: str, *, frames: int = 1) -> None:
    """Refuse an image whose header declares more than :func:`pixel_limit` pixels (pre-decode)."""
    pixels = int(width) * int(height) * max(int(frames), 1)
    limit = pixel_limit()
    if pixels > limit:
        raise InputError(
            f"{what} declares {width} x {height} = {pixels:,} pixels, more than the limit of "
            f"{limit:,}; refusing to decode it (set IBC_MAX_IMAGE_PIXELS to raise the limit)"
        )


_OPEN = {"[": "]", "{": "}", "(": ")"}


def check_nesting(text: str, what: str, *, limit: int = MAX_NESTING) -> None:
    """Refuse text whose brackets nest deeper than ``limit`` (before a recursive parser sees it).

    Counts ``[``, ``{``, ``(`` outside quoted strings; a YAML block's depth counts as well (one
    level per two spaces of indentation and per ``- `` opening a line's sequence, so 100,000
    ``- `` on one line are refused too). Cheap: one pass, no parsing.
    """
    depth = worst = 0
    quote = None
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            depth += 1
            worst = max(worst, depth)
        elif ch in "]})":
            depth = max(depth - 1, 0)
    for line in text.splitlines():  # block nesting: indentation, and "- - - x" on one line
        body = line.lstrip(" ")
        level = (len(line) - len(body)) // 2
        while body.startswith("- ") or body == "-":
            level += 1
            body = body[2:].lstrip(" ")
        worst = max(worst, level)
    if worst > limit:
        raise InputError(
            f"{what} nests {worst} levels deep, more than the limit of {limit}; "
            "cards and job files are flat tables"
        )


def _first_existing_parent(path: Path) -> Path:
    p = path
    while not p.exists():
        if p.parent == p:
            break
        p = p.parent
    return p


def _check_writable_dir(d: Path, what: str, target: Path) -> None:
    if not d.is_dir():
        raise InputError(f"{what} {target} cannot be created: {d} is a file, not a folder")
    if not os.access(d, os.W_OK | os.X_OK):
        raise InputError(f"{what} {target} cannot be written: no write permission in {d}")
    try:
        st = os.statvfs(d)
        if st.f_flag & getattr(os, "ST_RDONLY", 1):
            raise InputError(
                f"{what} {target} cannot be written: {d} is on a read-only file system"
            )
    except (OSError, AttributeError):
        pass
    resolved = d.resolve()
    if resolved.parts[:2] in (("/", "proc"), ("/", "sys"), ("/", "dev")):
        raise InputError(f"{what} {target} is under /{resolved.parts[1]}, not a place for results")


def check_output_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """Check, before any computation, that ``path`` is (or can be created as) a writable folder."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{what} {path} is a file; give a folder (it is created if missing)")
        _check_writable_dir(path, what, path)
    else:
        _check_writable_dir(_first_existing_parent(path.parent), what, path)
    return path


def check_output_file(
    path: str | os.PathLike, what: str = "--plot", *, suffixes: Iterable[str] | None = None
) -> Path:
    """Check, before any computation, that a file can be written at ``path``.

    ``suffixes`` (lower case, with the dot) lists the extensions the writer understands; a path
    with another extension is refused, a path with none is refused too (so "wrote X" is never a
    lie about the file's name).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder; give a file name such as {path}/plot.png")
    if suffixes is not None:
        allowed = sorted(set(suffixes))
        if path.suffix.lower() not in allowed:
            got = f"extension {path.suffix!r}" if path.suffix else "no extension"
            raise InputError(
                f"{what} {path} has {got}; use one of {', '.join(allowed)} (e.g. {path.stem}.png)"
            )
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{what} {path} exists and is not writable")
    _check_writable_dir(_first_existing_parent(path.parent), what, path)
    return path
