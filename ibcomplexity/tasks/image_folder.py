"""Image folders: one subfolder of PNG/JPEG files per class, read with Pillow.

Layout (the one torchvision's ``ImageFolder`` uses)::

    DIR/
      cat/   0001.png 0002.png ...      label 0
      dog/   a.jpg b/c.jpeg ...          label 1 (files in nested folders count too)

Class labels are the class folders' names in sorted order, recorded in ``metadata["class_names"]``
(label ``i`` is ``class_names[i]``). Hidden entries (names starting with ``.``) are skipped;
files that are not ``.png``, ``.jpg`` or ``.jpeg`` are ignored and counted in
``metadata["ignored_files"]``.

Colour handling: every image is reduced to one of two modes, keeping its colour information:

* grayscale (Pillow modes ``1``, ``L``, ``LA``) -> ``L``, shape ``(H, W)``;
* colour (``RGB``, ``RGBA``, ``P``, ``CMYK``, ``YCbCr``, ...) -> ``RGB``, shape ``(H, W, 3)``; an
  alpha channel is dropped (the colour under it is kept, not composited onto a background).

All images must end up with the same mode and size. A folder that mixes grayscale and colour
needs ``grayscale=True`` (colour converted with Pillow's ITU-R BT.601 luma, ``L = 0.299 R + 0.587 G
+ 0.114 B``); one that mixes sizes needs ``size=`` (each image resized with Pillow's antialiased
bilinear filter). 16-bit and floating-point images are refused (convert them to 8 bits first).
Pixels are divided by 255.

Limits (:mod:`ibcomplexity._limits`): each image's header is checked before it is decoded, its
declared pixel count against ``IBC_MAX_IMAGE_PIXELS`` and the memory of the whole load (at the
output size) against ``IBC_MEMORY_LIMIT``, so ``folder:DIR:size=100000`` fails in one sentence.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path

import numpy as np

from ibcomplexity._limits import check_memory
from ibcomplexity._validation import InputError, check_int
from ibcomplexity.tasks import _guard
from ibcomplexity.tasks.dataset import _SCALING_BYTE, Dataset

__all__ = ["load_image_folder", "dataset_from_spec", "IMAGE_EXTENSIONS"]

#: File name endings read as images (case-insensitive).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_GRAY_MODES = ("1", "L", "LA")
_COLOUR_MODES = ("RGB", "RGBA", "RGBX", "RGBa", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV")


def _parse_size(size) -> tuple[int, int] | None:
    """``None``, ``S`` (square) or ``(H, W)`` -> ``(H, W)``."""
    if size is None:
        return None
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise InputError(f"size must be S or (height, width), got {size!r}")
        return check_int("size height", size[0]), check_int("size width", size[1])
    side = check_int("size", size)
    return side, side


def _class_folders(root: Path) -> list[Path]:
    if not root.exists():
        raise InputError(f"image folder {root} does not exist")
    if not root.is_dir():
        raise InputError(f"{root} is a file, not a folder of class subfolders")
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    folders = [p for p in entries if p.is_dir()]
    if not folders:
        loose = sum(p.suffix.lower() in IMAGE_EXTENSIONS for p in entries)
        extra = f" (it holds {loose} loose images)" if loose else ""
        raise InputError(
            f"image folder {root} has no class subfolders{extra}; put the images of each class in "
            "their own subfolder, e.g. DIR/cat/*.png, DIR/dog/*.png"
        )
    return folders


def _image_files(folder: Path) -> tuple[list[Path], int]:
    """Image files under ``folder`` (recursively, sorted) and the number of other files."""
    images, ignored = [], 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            images.append(path)
        else:
            ignored += 1
    return images, ignored


# Bytes per output value held at the peak: the uint8 image, its copy in np.stack and float32.
_BYTES_PER_VALUE = 6


def _open_image(
    path: Path,
    *,
    grayscale: bool,
    size: tuple[int, int] | None,
    held: int = 0,
    remaining: int = 1,
    root: Path | None = None,
):
    """Open one image and return ``(array uint8, mode, original (H, W))``.

    The header is checked before anything is decoded: the declared pixel count against
    ``IBC_MAX_IMAGE_PIXELS``, then the memory of the whole load, projected from this image's
    output size: ``held`` values already read plus ``remaining`` images (this one included) of
    this size, at :data:`_BYTES_PER_VALUE` bytes each.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with _guard.open_image(path, f"image {path}") as im:
            mode, (w, h) = im.mode, im.size
            channels = 1 if grayscale or mode in _GRAY_MODES else 3
            oh, ow = size if size is not None else (h, w)
            check_memory(
                _BYTES_PER_VALUE * (held + remaining * oh * ow * channels),
                f"image folder {root or path.parent} ({remaining} images still to read at "
                f"{oh}x{ow}{'' if channels == 1 else 'x3'} values each, {held:,} values read; "
                "kept as uint8, then float32)",
                hint="choose a smaller size=" if size is not None else None,
            )
            im.load()
            if mode in _GRAY_MODES:
                im = im.convert("L")
            elif mode in _COLOUR_MODES:
                im = im.convert("RGB")
            else:
                raise InputError(
                    f"image {path} has Pillow mode {mode!r} (16-bit or floating point); only 8-bit "
                    "grayscale and colour images are read: convert it to 8 bits first"
                )
            if grayscale and im.mode != "L":
                im = im.convert("L")  # ITU-R BT.601 luma
            if size is not None and (h, w) != size:
                im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8), im.mode, (h, w)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InputError(
            f"cannot read image {path}: not a valid PNG/JPEG file (corrupt or truncated?)"
        ) from None


def _describe(counter: Counter, first: dict, what: str) -> str:
    parts = [f"{n} {what} {k} (first: {first[k]})" for k, n in counter.most_common()]
    return "; ".join(parts)


def load_image_folder(
    directory: str | os.PathLike, *, size=None, grayscale: bool = False
) -> Dataset:
    """Load a folder of class subfolders of PNG/JPEG images (see the module docstring).

    Args:
        directory: the root folder; each subfolder is one class.
        size: ``None`` (all images must have the same size), ``S`` or ``(H, W)``: resize every
            image whose size differs (Pillow, antialiased bilinear).
        grayscale: convert every image to 8-bit grayscale (BT.601 luma); needed when the folder
            mixes grayscale and colour images.

    Returns:
        The :class:`~ibcomplexity.tasks.datasets.Dataset`: ``(H, W)`` (grayscale) or ``(H, W, 3)``
        images divided by 255, in class order then file-name order, named ``folder:DIR``; metadata
        ``format``, ``provenance``, ``class_names``, ``mode``, ``files_per_class``,
        ``ignored_files``, and ``preprocessing`` when images were resized or converted.

    Raises:
        InputError: a missing folder, no class subfolders, a class with no images, an unreadable
            image, mixed sizes (without ``size``) or mixed modes (without ``grayscale``).

    Example:
        >>> ds = load_image_folder("flowers/")  # doctest: +SKIP
        >>> ds.metadata["class_names"]  # doctest: +SKIP
        ['daisy', 'rose', 'tulip']
    """
    if not isinstance(grayscale, (bool, np.bool_)):
        raise InputError(f"grayscale must be True or False, got {grayscale!r}")
    target = _parse_size(size)
    root = Path(directory).expanduser()
    folders = _class_folders(root)
    arrays, labels, per_class = [], [], {}
    sizes, modes = Counter(), Counter()
    first_size, first_mode = {}, {}
    ignored_total, resized = 0, 0
    listed = []
    for folder in folders:
        files, ignored = _image_files(folder)
        ignored_total += ignored
        if not files:
            raise InputError(
                f"class folder {folder} holds no images ({', '.join(IMAGE_EXTENSIONS)}); every "
                "class subfolder needs at least one"
            )
        per_class[folder.name] = len(files)
        listed.append(files)
    total, held = sum(map(len, listed)), 0
    for label, files in enumerate(listed):
        for path in files:
            array, mode, original = _open_image(
                path,
                grayscale=bool(grayscale),
                size=target,
                held=held,
                remaining=total - len(arrays),
                root=root,
            )
            held += array.size
            rel = str(path.relative_to(root))
            shape = array.shape[:2]
            resized += shape != original
            key = f"{shape[0]}x{shape[1]}"
            sizes[key] += 1
            first_size.setdefault(key, rel)
            modes[mode] += 1
            first_mode.setdefault(mode, rel)
            arrays.append(array)
            labels.append(label)
    if len(sizes) > 1:
        raise InputError(
            f"images in {root} have different sizes (height x width): "
            f"{_describe(sizes, first_size, 'images are')}; pass size=S or size=(H, W) "
            "(spec: folder:DIR:size=S) to resize them all"
        )
    if len(modes) > 1:
        raise InputError(
            f"images in {root} mix grayscale and colour: {_describe(modes, first_mode, 'are')}; "
            "pass grayscale=True (spec: folder:DIR:grayscale) to convert them all to grayscale"
        )
    (mode,) = modes
    steps = []
    if grayscale:
        steps.append("grayscale on load (Pillow convert('L'), ITU-R BT.601 luma)")
    if resized:
        h, w = target
        steps.append(f"resize on load: {resized} images to {h}x{w} (Pillow bilinear, antialiased)")
    metadata = {
        "format": "image folder (PNG/JPEG via Pillow)",
        "provenance": f"user-supplied image folder {root}",
        "class_names": [f.name for f in folders],
        "mode": mode,
        "files_per_class": per_class,
        "ignored_files": ignored_total,
    }
    if steps:
        metadata["preprocessing"] = steps
    dataset = Dataset.from_arrays(
        np.stack(arrays),
        np.asarray(labels, dtype=np.int64),
        name=f"folder:{root}",
        scale=255,
        source=str(root),
        metadata=metadata,
    )
    return dataclasses.replace(dataset, scaling=_SCALING_BYTE)


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """The dataset for ``folder:DIR[:size=S|:size=HxW][:grayscale]``; ``rest`` follows ``folder:``.

    The options are split off the right end, so paths containing ``:`` still work.
    """
    path, size, grayscale = rest, None, False
    while True:
        head, colon, word = path.rpartition(":")
        if not colon:
            break
        if word == "grayscale" and not grayscale:
            grayscale = True
        elif word.startswith("size=") and size is None:
            value = word[len("size=") :]
            h, x, w = value.lower().partition("x")
            try:
                size = (int(h), int(w)) if x else int(value)
            except ValueError:
                raise InputError(
                    f"dataset spec {spec!r}: size must be S or HxW (e.g. size=32 or size=32x48), "
                    f"got {value!r}"
                ) from None
        else:
            _guard.check_option(spec, path, "size=S, size=HxW, grayscale")
            break
        path = head
    if not path.strip():
        raise InputError(f"dataset spec {spec!r} names no folder")
    dataset = load_image_folder(path, size=size, grayscale=grayscale)
    return dataclasses.replace(dataset, name=spec)
