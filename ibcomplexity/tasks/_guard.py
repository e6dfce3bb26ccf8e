"""Private guards the loaders share against hostile or careless input.

Every loader that reads a user's file goes through here, so that ``/dev/zero``, a FIFO, a
decompression bomb, an image declaring 2e8 pixels or a typo in a spec option fails with one
sentence (an :class:`~ibcomplexity._validation.InputError`) before it costs memory or time. The
limits themselves live in :mod:`ibcomplexity._limits`; this module applies them to files, archive
members, images and spec strings:

* :func:`read_file`: a regular file's bytes, after checking its size against the memory limit;
* :func:`read_member`: one archive member's bytes, refused when its declared size is above the
  expanded-size limit, and read with a cap (headers can lie);
* :class:`LimitedReader`: a file object that refuses to yield more than a limit (a compressed
  stream as a whole);
* :func:`open_image`: a Pillow image whose declared pixel count has been checked *before* anything
  is decoded;
* :func:`check_option`: ``DIR:bogus`` refused as an unknown option rather than a missing path.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

from ibcomplexity._limits import (
    check_memory,
    check_pixels,
    check_regular_file,
    expanded_limit,
    format_bytes,
    pixel_limit,
)
from ibcomplexity._validation import InputError

PIECE = 1 << 20  # read and decompress in 1 MiB pieces
BOMB_HINT = (
    "refusing it as a possible decompression bomb (set IBC_MAX_EXPANDED_BYTES to raise the limit)"
)


def read_file(path: str | os.PathLike, what: str = "file") -> bytes:
    """The bytes of a regular file (not a device, FIFO or folder), whose size fits in memory."""
    path = check_regular_file(path, what)
    try:
        size = path.stat().st_size
        check_memory(size, f"{what} {path} ({format_bytes(size)} on disk)")
        with path.open("rb") as f:
            return f.read(size)  # bounded even if the file grows while we read it
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"could not read {what} {path}: {exc.strerror or exc}") from None


def check_expanded(declared: int, what: str, *, limit: int | None = None) -> None:
    """Refuse a member or stream whose declared expanded size is above the expanded-size limit."""
    limit = expanded_limit() if limit is None else limit
    if declared > limit:
        raise InputError(
            f"{what} expands to {format_bytes(declared)} when decompressed, more than the limit "
            f"of {format_bytes(limit)}; {BOMB_HINT}"
        )


def read_member(handle, declared: int, what: str) -> bytes:
    """Read one archive member (an open file object) whose header declares ``declared`` bytes.

    The declared size is checked against :func:`~ibcomplexity._limits.expanded_limit` first, then
    at most ``declared + 1`` bytes are read, so a member whose header understates its size cannot
    expand further than the limit either (it is refused).
    """
    limit = expanded_limit()
    check_expanded(declared, what, limit=limit)
    data = handle.read(declared + 1)
    if len(data) > declared:
        raise InputError(
            f"{what} holds more than the {declared:,} bytes its header declares; the archive "
            "is corrupt or crafted"
        )
    return data


class LimitedReader(io.RawIOBase):
    """A read-only file object over ``stream`` that refuses to deliver more than ``limit`` bytes.

    Wrap a decompressing stream (a tar.gz as a whole) with it: the first read past the limit
    raises an InputError naming ``what``, so a bomb is never decompressed past the limit.
    """

    def __init__(self, stream, limit: int, what: str):
        super().__init__()
        self._stream, self._limit, self._what, self.count = stream, limit, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        n = len(data)
        view[:n] = data
        self.count += n
        if self.count > self._limit:
            raise InputError(
                f"{self._what} expands to more than {format_bytes(self._limit)} when "
                f"decompressed; {BOMB_HINT}"
            )
        return n


# Pillow's own message when an image is over twice Image.MAX_IMAGE_PIXELS.
_PIL_BOMB = re.compile(r"\((\d+) pixels\)")


@contextlib.contextmanager
def open_image(source, what: str) -> Iterator:
    """``Image.open(source)`` with the declared size checked against the pixel limit first.

    Pillow reads only the header on ``open``; ``check_pixels`` then refuses an image declaring
    more than :func:`~ibcomplexity._limits.pixel_limit` pixels before ``load``/``convert`` decode
    it. Pillow's own decompression-bomb warning is silenced (the limit here is the one that
    applies) and its error (images over twice ``Image.MAX_IMAGE_PIXELS``, raised inside ``open``)
    becomes the same one-line InputError.
    """
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(source)
        except Image.DecompressionBombError as exc:
            found = _PIL_BOMB.search(str(exc))
            pixels = int(found.group(1)) if found else None
            limit = pixel_limit()
            if pixels is not None and pixels <= limit:  # the user raised our limit past Pillow's
                raise InputError(
                    f"{what} declares {pixels:,} pixels, more than Pillow decodes "
                    f"({2 * Image.MAX_IMAGE_PIXELS:,}); shrink the image first"
                ) from None
            declared = f"{pixels:,}" if pixels else f"more than {2 * Image.MAX_IMAGE_PIXELS:,}"
            raise InputError(
                f"{what} declares {declared} pixels, more than the limit of {limit:,}; refusing "
                "to decode it (set IBC_MAX_IMAGE_PIXELS to raise the limit)"
            ) from None
        with im:
            width, height = im.size
            check_pixels(width, height, what)
            yield im


def check_option(spec: str, text: str, accepted: str) -> None:
    """Refuse ``PATH:word`` when ``word`` is no option: ``PATH`` exists but ``PATH:word`` does not.

    Adapters split their options (``:train``, ``:size=S``...) off the right end of the spec and
    take what is left as the path; an unknown option would otherwise be reported as a missing
    directory ``DIR:bogus``. ``accepted`` lists the options in the message.
    """
    head, colon, word = text.rpartition(":")
    if not colon or not word.strip() or "/" in word or "\\" in word or not head.strip():
        return
    if Path(text).expanduser().exists() or not Path(head).expanduser().exists():
        return
    raise InputError(
        f"dataset spec {spec!r}: option {word.strip()!r} is not understood; accepted options: "
        f"{accepted}"
    )
