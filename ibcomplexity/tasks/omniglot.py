r"""Omniglot: handwritten characters for few-shot meta-learning.

Omniglot (Lake, Salakhutdinov & Tenenbaum 2015) holds handwritten characters from 50 alphabets,
each character drawn once by 20 people ("drawers"), as 105x105 black-on-white PNGs laid out as
``[TOP/]ALPHABET/CHARACTER/NNNN_DD.png`` (``DD`` is the drawer). This module reads that layout,
and draws N-way K-shot episodes:

* :func:`load_omniglot` reads one or several sources (zip files or folders) into
  :class:`OmniglotImages`; :func:`dataset_from_spec` serves ``omniglot:PATH[,PATH...][:size=S]``
  to :func:`~ibcomplexity.tasks.datasets.load_dataset` (one class per character).
* :func:`sample_episodes` draws seeded within-alphabet episodes; :func:`load_one_shot_runs` reads
  the 20 standard 20-way one-shot runs (``all_runs.zip``); both give :class:`Episodes`.
* :mod:`ibcomplexity.workflows.fewshot` measures few-shot meta-learning on them: the bound with
  every statistic from the data, and the exact GP estimate of an episode-level formulation.

**Pixels.** Images are converted to 8-bit grey, area-resized to ``size x size`` (Pillow's ``BOX``
filter: each output pixel is the mean of the input area it covers; exact block means when
``size`` divides 105) and *inverted*: ``x = 1 - grey/255``, so strokes are 1 and paper is 0.
Inverting makes the blank page the origin: the radius R (max norm) measures ink rather than
paper, a distance counts differing ink, and downsampling spreads ink instead of paper. Distances
between images are unchanged by the inversion (it is ``x -> 1 - x``); only R depends on it.

**Limits** (:mod:`ibcomplexity._limits`): a zip member is refused when it declares more than
``IBC_MAX_EXPANDED_BYTES`` and is read with a cap; each PNG's declared pixel count is checked
against ``IBC_MAX_IMAGE_PIXELS`` before it is decoded; the memory of the decoded (and resized)
images is checked against ``IBC_MEMORY_LIMIT`` first. Messages name the archive and the member.

**Several sources** are merged by the path ``ALPHABET/CHARACTER/FILE``: a file present in two
sources with identical bytes is kept once (the two standard small background subsets share
Greek and Latin; the count is recorded), with different bytes it is an error. Names starting with
``.`` and ``__MACOSX`` folders are ignored; any other non-PNG file is an error.

References:
  Lake, Salakhutdinov & Tenenbaum, *Human-level concept learning through probabilistic program
  induction*, Science 350 (2015) 1332-1338; data: github.com/brendenlake/omniglot (MIT licence).
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034, section 6 (meta-learning).
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from ibcomplexity._limits import check_memory, check_regular_file
from ibcomplexity._validation import InputError, check_int
from ibcomplexity.tasks import _guard
from ibcomplexity.tasks.dataset import Dataset

__all__ = [
    "OmniglotImages",
    "Episodes",
    "load_omniglot",
    "dataset_from_spec",
    "sample_episodes",
    "load_one_shot_runs",
    "classification_episodes",
    "PROVENANCE",
]

PROVENANCE = (
    "Omniglot: Lake, Salakhutdinov & Tenenbaum, Human-level concept learning through "
    "probabilistic program induction, Science 350 (2015); MIT licence"
)
_SCALING = "1 - grey/255 -> [0, 1] (strokes 1, background 0)"
_FILE_NAME = re.compile(r"^(\d+)_(\d+)\.png$", re.IGNORECASE)
_RUN_DIR = re.compile(r"^run\d+$")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OmniglotImages:
    """Omniglot images with their alphabet, character and drawer (arrays read-only).

    Images are sorted by (alphabet, character, drawer, file name); alphabets and characters are
    numbered in sorted name order, so the numbering is stable for a given set of files.

    Attributes:
      x: float32 ``(n, size*size)`` flattened images, strokes 1, background 0.
      alphabet: int64 ``(n,)`` index into ``alphabets``.
      character: int64 ``(n,)`` index into ``characters`` (the class label).
      drawer: int64 ``(n,)`` the drawer number ``DD`` of ``NNNN_DD.png``.
      alphabets: alphabet names, sorted.
      characters: ``"ALPHABET/CHARACTER"`` names, sorted (so grouped by alphabet).
      character_alphabet: int64 ``(C,)`` the alphabet index of each character.
      shape: ``(size, size)``.
      sources: the zip files / folders read.
      duplicates_dropped: identical files met in more than one source, kept once.
    """

    x: np.ndarray
    alphabet: np.ndarray
    character: np.ndarray
    drawer: np.ndarray
    alphabets: tuple[str, ...]
    characters: tuple[str, ...]
    character_alphabet: np.ndarray
    shape: tuple[int, int]
    sources: tuple[str, ...]
    duplicates_dropped: int = 0

    @property
    def n(self) -> int:
        """Number of images."""
        return int(self.x.shape[0])

    @property
    def characters_per_alphabet(self) -> dict[str, int]:
        """Number of characters of each alphabet (sorted by alphabet name)."""
        counts = np.bincount(self.character_alphabet, minlength=len(self.alphabets))
        return {a: int(c) for a, c in zip(self.alphabets, counts, strict=True)}

    @property
    def images_per_character(self) -> np.ndarray:
        """int64 ``(C,)``: images (drawers) of each character."""
        return np.bincount(self.character, minlength=len(self.characters)).astype(np.int64)

    def rows_of(self, character: int) -> np.ndarray:
        """Rows of ``x`` holding ``character`` (ascending, i.e. by drawer)."""
        return np.flatnonzero(self.character == character)


def _png_member(rel: PurePosixPath, origin: str) -> tuple[str, str, str] | None:
    """``(alphabet, character, file)`` of one entry, None for ignorable junk; raises otherwise."""
    parts = rel.parts
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    if not parts[-1].lower().endswith(".png"):
        raise InputError(
            f"{origin}: {rel} is not a PNG file; an Omniglot source holds only "
            "ALPHABET/CHARACTER/NNNN_DD.png images"
        )
    if len(parts) not in (3, 4):
        raise InputError(
            f"{origin}: {rel} is not laid out as [TOP/]ALPHABET/CHARACTER/NNNN_DD.png "
            f"({len(parts)} path components)"
        )
    if not _FILE_NAME.match(parts[-1]):
        raise InputError(
            f"{origin}: file name {parts[-1]!r} ({rel}) is not NNNN_DD.png (DD is the drawer)"
        )
    return parts[-3], parts[-2], parts[-1]


class _Budget:
    """Bytes held so far while reading one load; each addition is checked against the limit."""

    def __init__(self, what: str):
        self.what, self.total = what, 0

    def check(self, nbytes: int, what: str) -> None:
        """Refuse ``nbytes`` more (before allocating them) when the total would pass the limit."""
        check_memory(self.total + nbytes, f"{self.what} (at {what})")

    def add(self, nbytes: int, what: str) -> None:
        self.check(nbytes, what)
        self.total += nbytes


def _source_entries(path: Path, budget: _Budget, kind: str):
    """Yield ``(relative name, reader)`` for every file of a folder or zip source.

    ``reader()`` returns the file's bytes: a folder's files must be regular files, a zip member is
    refused when its declared size is above the expanded-size limit and read with a cap; every
    read is added to ``budget``. Raises for a missing source or one that is neither.
    """
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                rel = p.relative_to(path).as_posix()

                def read(p=p, rel=rel) -> bytes:
                    data = _guard.read_file(p, f"{kind} {path}: file")
                    budget.add(len(data), rel)
                    return data

                yield rel, read
        return
    if not path.exists():
        raise InputError(f"{kind} {path} does not exist")
    check_regular_file(path, kind)
    try:
        with zipfile.ZipFile(path) as z:
            for info in sorted(z.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                what = f"{kind} {path}: member {info.filename}"

                def read(info=info, what=what) -> bytes:
                    budget.check(info.file_size, info.filename)
                    try:
                        with z.open(info) as handle:
                            data = _guard.read_member(handle, info.file_size, what)
                    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                        raise InputError(
                            f"{what} cannot be read ({exc}); the zip is corrupt"
                        ) from None
                    budget.add(len(data), info.filename)
                    return data

                yield info.filename, read
    except zipfile.BadZipFile:
        raise InputError(f"{kind} {path} is neither a folder nor a zip file") from None


def _read_source(path: Path, budget: _Budget) -> list[tuple[tuple[str, str, str], str, bytes]]:
    """Every PNG of one source as ``((alphabet, character, file), where, bytes)``.

    ``where`` names the source and the member (``"archive X.zip: member a/b/0001_01.png"``) for
    messages about that image.
    """
    out: list[tuple[tuple[str, str, str], str, bytes]] = []
    depths: set[int] = set()
    kind = "Omniglot source"
    for name, read in _source_entries(path, budget, kind):
        rel = PurePosixPath(name)
        key = _png_member(rel, str(path))
        if key is not None:
            depths.add(len(rel.parts))
            where = _where(path, str(rel))
            out.append((key, where, read()))
    if not out:
        raise InputError(f"Omniglot source {path} holds no PNG images")
    if len(depths) > 1:
        raise InputError(
            f"{path}: images sit at different depths {sorted(depths)}; the layout must be "
            "uniformly [TOP/]ALPHABET/CHARACTER/NNNN_DD.png"
        )
    return out


def _where(path: Path, member: str) -> str:
    """Names one image for messages: ``Omniglot archive X.zip, member A/b/0001_01.png``."""
    if path.is_dir():
        return f"Omniglot folder {path}, file {member}"
    return f"Omniglot archive {path}, member {member}"


def _check_decoded_size(count: int, size: int | None, what: str) -> None:
    """Refuse ``count`` images resized to ``size x size`` when they would not fit in memory.

    Each becomes a float32 array, then all are stacked: 8 bytes per output pixel.
    """
    if size is not None:
        check_memory(
            8 * count * size * size,
            f"{what} resized to {size}x{size} ({count} images x {size * size:,} float32 pixels, "
            "held twice while stacked)",
            hint="choose a smaller size",
        )


def _decode(data: bytes, size: int | None, what: str, budget: _Budget | None = None) -> np.ndarray:
    """One PNG as float32 ``(h, w)`` ink (``1 - grey/255``), area-resized when ``size`` is set.

    The declared pixel count is checked (``IBC_MAX_IMAGE_PIXELS``) before anything is decoded, and
    so is the memory the decoded image needs (``budget``). ``what`` names the archive or folder
    and the member, e.g. ``"archive a.zip: Greek/character01/0001_01.png"``.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with _guard.open_image(io.BytesIO(data), what) as im:
            if im.format != "PNG":
                raise InputError(f"{what} is a {im.format} image, not a PNG")
            w, h = im.size
            if budget is not None:  # grey (1 byte) + float32 (4) + ink (4) per native pixel
                budget.check(9 * w * h, what)
            grey = im.convert("L")
            if size is not None and grey.size != (size, size):
                grey = grey.resize((size, size), Image.Resampling.BOX)
            arr = np.asarray(grey, dtype=np.float32)
    except UnidentifiedImageError:
        raise InputError(f"{what} is not a readable PNG image (not an image at all)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{what} is not a readable PNG image (corrupt or truncated: {_reason(exc)})"
        ) from None
    out = 1.0 - arr / np.float32(255.0)
    if budget is not None:
        budget.add(out.nbytes, what)
    return out


def _reason(exc: BaseException) -> str:
    """An exception's message without object reprs such as ``<_io.BytesIO object at 0x...>``."""
    text = re.sub(r"<[^<>]* at 0x[0-9a-fA-F]+>", "the data", str(exc)).strip()
    return text or type(exc).__name__


def load_omniglot(
    sources: str | os.PathLike | Sequence[str | os.PathLike], *, size: int | None = None
) -> OmniglotImages:
    """Read Omniglot images from zip files and/or folders in the standard layout.

    Args:
      sources: one path or several; each a zip file or a folder holding
        ``[TOP/]ALPHABET/CHARACTER/NNNN_DD.png`` (all images of a source at the same depth).
      size: area-resize every image to ``size x size`` (e.g. 28); None keeps the native size,
        which must then be the same for all images.

    Returns:
      :class:`OmniglotImages` (strokes 1, background 0; see the module docstring).

    Raises:
      InputError: a missing source, an empty one, a non-PNG or undecodable file, a bad layout or
        file name, the same file with different contents in two sources, or unequal native
        sizes with ``size=None``.

    Example:
      >>> imgs = load_omniglot("images_background_small1.zip", size=28)  # doctest: +SKIP
      >>> imgs.n, imgs.shape, len(imgs.characters)  # doctest: +SKIP
      (2720, (28, 28), 136)
    """
    paths = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if not paths:
        raise InputError("load_omniglot needs at least one source (a zip file or a folder)")
    if size is not None:
        size = check_int("size", size)
    files: dict[tuple[str, str, str], bytes] = {}
    origin: dict[tuple[str, str, str], str] = {}
    where: dict[tuple[str, str, str], str] = {}
    duplicates = 0
    budget = _Budget("the Omniglot images of " + ", ".join(str(p) for p in paths))
    for p in paths:
        path = Path(p).expanduser()
        for key, member, data in _read_source(path, budget):
            if key in files:
                if files[key] != data:
                    raise InputError(
                        f"{'/'.join(key)} is in both {origin[key]} and {path} with different "
                        "contents; an image may appear in several sources only unchanged"
                    )
                duplicates += 1
                continue
            files[key], origin[key], where[key] = data, str(path), member
    keys = sorted(files, key=lambda k: (k[0], k[1], int(_FILE_NAME.match(k[2])[2]), k[2]))
    _check_decoded_size(len(keys), size, "the Omniglot images")
    images = [_decode(files[k], size, where[k], budget) for k in keys]
    shapes = {a.shape for a in images}
    if len(shapes) > 1:
        raise InputError(
            f"images have different sizes {sorted(shapes)}; pass size=S to resize them all"
        )
    alphabets = sorted({k[0] for k in keys})
    characters = sorted({f"{k[0]}/{k[1]}" for k in keys})
    a_index = {a: i for i, a in enumerate(alphabets)}
    c_index = {c: i for i, c in enumerate(characters)}
    shape = images[0].shape
    return OmniglotImages(
        x=_frozen(np.stack(images).reshape(len(images), -1)),
        alphabet=_frozen(np.array([a_index[k[0]] for k in keys], np.int64)),
        character=_frozen(np.array([c_index[f"{k[0]}/{k[1]}"] for k in keys], np.int64)),
        drawer=_frozen(np.array([int(_FILE_NAME.match(k[2])[2]) for k in keys], np.int64)),
        alphabets=tuple(alphabets),
        characters=tuple(characters),
        character_alphabet=_frozen(
            np.array([a_index[c.split("/")[0]] for c in characters], np.int64)
        ),
        shape=(int(shape[0]), int(shape[1])),
        sources=tuple(str(Path(p).expanduser()) for p in paths),
        duplicates_dropped=duplicates,
    )


def _parse_spec(spec: str, rest: str) -> tuple[list[str], int | None]:
    """``PATH[,PATH...][:size=S]`` -> (paths, size)."""
    text, size = rest, None
    head, colon, tail = rest.rpartition(":")
    if colon and "=" in tail and "/" not in tail and "\\" not in tail:
        name, _, value = tail.partition("=")
        if name.strip() != "size":
            raise InputError(
                f"dataset spec {spec!r}: unknown option {name.strip()!r} (only size=S)"
            )
        try:
            size = int(value)
        except ValueError:
            raise InputError(
                f"dataset spec {spec!r}: size must be an integer, got {value!r}"
            ) from None
        size = check_int("size", size)
        text = head
    paths = [p.strip() for p in text.split(",")]
    if size is None and paths[-1]:
        _guard.check_option(spec, paths[-1], "size=S (omniglot:PATH[,PATH...][:size=S])")
    if not text.strip() or not all(paths):
        raise InputError(
            f"dataset spec {spec!r} names no Omniglot source: omniglot:PATH[,PATH...][:size=S]"
        )
    return paths, size


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """The :class:`~ibcomplexity.tasks.datasets.Dataset` of ``omniglot:PATH[,PATH...][:size=S]``.

    One class per character, labels numbered in sorted ``ALPHABET/CHARACTER`` order. Metadata:
    ``format``, ``provenance``, ``preprocessing``, ``alphabets``, ``characters_per_alphabet``,
    ``class_names``, ``class_alphabet`` (alphabet index per class), ``drawers`` (sorted drawer
    numbers present), ``images_per_character`` (min, max), ``duplicates_dropped``.
    """
    paths, size = _parse_spec(spec, rest)
    imgs = load_omniglot(paths, size=size)
    per_char = imgs.images_per_character
    native = "native size" if size is None else f"area resize to {size}x{size} (Pillow BOX)"
    metadata: dict[str, Any] = {
        "format": "omniglot PNG folders ALPHABET/CHARACTER/NNNN_DD.png (zipped or unpacked)",
        "provenance": PROVENANCE,
        "preprocessing": ["convert to 8-bit grey", native, "invert: x = 1 - grey/255"],
        "alphabets": list(imgs.alphabets),
        "characters_per_alphabet": imgs.characters_per_alphabet,
        "class_names": list(imgs.characters),
        "class_alphabet": imgs.character_alphabet.tolist(),
        "drawers": sorted({int(d) for d in imgs.drawer}),
        "images_per_character": [int(per_char.min()), int(per_char.max())],
        "duplicates_dropped": imgs.duplicates_dropped,
    }
    return Dataset(
        x=imgs.x,
        y=imgs.character,
        name=spec,
        shape=imgs.shape,
        scaling=_SCALING,
        source=", ".join(imgs.sources),
        metadata=metadata,
    )


# --- episodes --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Episodes:
    """E classification episodes of W classes each, stacked (arrays read-only).

    Shapes (d = size*size): ``support_x`` float32 ``(E, W*K, d)``, ``support_y`` int64
    ``(E, W*K)``, ``query_x`` float32 ``(E, W*Q, d)``, ``query_y`` int64 ``(E, W*Q)``; labels are
    episode classes ``0..W-1``, class ``c`` of episode ``e`` being ``class_names[e][c]``. Sampled
    episodes are class-major (class c's shots are rows ``c*K .. c*K+K-1``).

    Attributes:
      support_x, support_y, query_x, query_y: as above.
      class_names: ``(E, W)`` names of the episode classes (``ALPHABET/CHARACTER``, or
        ``runNN/classMM`` for the one-shot runs).
      alphabets: ``(E,)`` the alphabet of each episode (``""`` when unknown).
      shape: the image shape.
      support_rows, query_rows: int64 rows of the source :class:`OmniglotImages` (None for
        episodes read from files, e.g. the one-shot runs).
      seed: the seed that drew them (None when read from files).
      source: where they came from.
    """

    support_x: np.ndarray
    support_y: np.ndarray
    query_x: np.ndarray
    query_y: np.ndarray
    class_names: tuple[tuple[str, ...], ...]
    alphabets: tuple[str, ...]
    shape: tuple[int, int]
    support_rows: np.ndarray | None = None
    query_rows: np.ndarray | None = None
    seed: int | None = None
    source: str = ""

    @property
    def num_episodes(self) -> int:
        return int(self.support_x.shape[0])

    @property
    def ways(self) -> int:
        """W, classes per episode."""
        return len(self.class_names[0])

    @property
    def shots(self) -> int:
        """K, support examples per class."""
        return int(self.support_x.shape[1]) // self.ways

    @property
    def queries(self) -> int:
        """Q, query examples per class."""
        return int(self.query_x.shape[1]) // self.ways

    def task(self, e: int):
        """Episode ``e`` as a :class:`~ibcomplexity.tasks.regression.RegressionTask`: support =
        training set, queries = test set, one-hot targets over the W episode classes."""
        from ibcomplexity.tasks.regression import RegressionTask

        e = check_int("episode", e, minimum=0)
        if e >= self.num_episodes:
            raise InputError(f"episode {e} out of range: there are {self.num_episodes}")
        eye = np.eye(self.ways, dtype=np.float32)
        return RegressionTask(
            x_train=self.support_x[e],
            y_train=_frozen(eye[self.support_y[e]]),
            x_test=self.query_x[e],
            y_test=_frozen(eye[self.query_y[e]]),
            labels_train=self.support_y[e],
            labels_test=self.query_y[e],
            classes=self.ways,
            name=f"{self.source} episode {e}",
            seed=0 if self.seed is None else self.seed,
            class_values=tuple(range(self.ways)),
            stratified=False,
            metadata={"episode": e, "classes": list(self.class_names[e])},
        )


def sample_episodes(
    images: OmniglotImages,
    *,
    seed: int,
    num_episodes: int,
    ways: int,
    shots: int = 1,
    queries: int = 1,
) -> Episodes:
    r"""Draw W-way K-shot episodes within alphabets, reproducibly.

    Episode e uses its own generator ``numpy.random.default_rng([seed, e])``, so the first E
    episodes do not depend on ``num_episodes``. Each episode: choose an alphabet a with
    probability :math:`\binom{c_a}{W} / \sum_b \binom{c_b}{W}` (:math:`c_a` its characters with
    at least K+Q images), then W of its characters uniformly without replacement (their drawn
    order is the class order), then for each K+Q distinct images (drawers) uniformly: the first K
    are the support, the rest the queries. For K = 1, Q = 0 this is the uniform law on the
    :math:`\sum_a \binom{c_a}{W} d^W` episodes counted by
    :func:`~ibcomplexity.bound.meta.episode_count`.

    Returns:
      :class:`Episodes`: support ``(E, W*K, d)``, queries ``(E, W*Q, d)``, class-major.

    Raises:
      InputError: bad counts, or no alphabet with W characters of at least K+Q images.
    """
    seed = check_int("seed", seed, minimum=0)
    E = check_int("num_episodes", num_episodes)
    W = check_int("ways", ways, minimum=2)
    K = check_int("shots", shots)
    Q = check_int("queries", queries, minimum=0)
    per_char = images.images_per_character
    eligible = [
        np.flatnonzero((images.character_alphabet == a) & (per_char >= K + Q))
        for a in range(len(images.alphabets))
    ]
    weights = np.array([math.comb(len(c), W) for c in eligible], dtype=np.float64)
    if weights.sum() == 0:
        raise InputError(
            f"no alphabet has {W} characters with at least shots + queries = {K + Q} images "
            f"(characters per alphabet: {images.characters_per_alphabet})"
        )
    probs = weights / weights.sum()
    rows_of = [images.rows_of(c) for c in range(len(images.characters))]
    sup = np.empty((E, W * K), np.int64)
    qry = np.empty((E, W * Q), np.int64)
    names, alphas = [], []
    for e in range(E):
        rng = np.random.default_rng([seed, e])
        a = int(rng.choice(len(probs), p=probs))
        chars = rng.choice(eligible[a], size=W, replace=False)
        for c, ch in enumerate(chars):
            rows = rng.choice(rows_of[ch], size=K + Q, replace=False)
            sup[e, c * K : (c + 1) * K] = rows[:K]
            qry[e, c * Q : (c + 1) * Q] = rows[K:]
        names.append(tuple(images.characters[ch] for ch in chars))
        alphas.append(images.alphabets[a])
    return Episodes(
        support_x=_frozen(images.x[sup]),
        support_y=_frozen(np.broadcast_to(np.repeat(np.arange(W), K), (E, W * K))),
        query_x=_frozen(images.x[qry]),
        query_y=_frozen(np.broadcast_to(np.repeat(np.arange(W), Q), (E, W * Q))),
        class_names=tuple(names),
        alphabets=tuple(alphas),
        shape=images.shape,
        support_rows=_frozen(sup),
        query_rows=_frozen(qry),
        seed=seed,
        source=", ".join(images.sources),
    )


def classification_episodes(
    images: OmniglotImages, episodes: Episodes, *, train_per_class: int | None = None
) -> Episodes:
    """The image-classification counterpart of sampled episodes: same classes, same queries,
    many training images per class.

    For each episode and class the training set is the class's support images followed by its
    other images that are not queries (in drawer order), ``train_per_class`` of them (default:
    the most every class of every episode has). So it contains the few-shot support set.

    Raises:
      InputError: episodes without source rows (e.g. the one-shot runs), or too few images.
    """
    if episodes.support_rows is None or episodes.query_rows is None:
        raise InputError("classification_episodes needs sampled episodes (with source rows)")
    W, K, Q, E = episodes.ways, episodes.shots, episodes.queries, episodes.num_episodes
    pools = []
    for e in range(E):
        for c in range(W):
            s = episodes.support_rows[e, c * K : (c + 1) * K]
            q = episodes.query_rows[e, c * Q : (c + 1) * Q]
            rest = images.rows_of(int(images.character[s[0]]))
            rest = rest[~np.isin(rest, np.concatenate([s, q]))]
            pools.append(np.concatenate([s, rest]))
    most = min(p.size for p in pools)
    n = most if train_per_class is None else check_int("train_per_class", train_per_class)
    if n > most:
        raise InputError(f"train_per_class={n} but some episode class has only {most} images")
    rows = np.stack([p[:n] for p in pools]).reshape(E, W * n)
    return Episodes(
        support_x=_frozen(images.x[rows]),
        support_y=_frozen(np.broadcast_to(np.repeat(np.arange(W), n), (E, W * n))),
        query_x=episodes.query_x,
        query_y=episodes.query_y,
        class_names=episodes.class_names,
        alphabets=episodes.alphabets,
        shape=episodes.shape,
        support_rows=_frozen(rows),
        query_rows=episodes.query_rows,
        seed=episodes.seed,
        source=episodes.source,
    )


def load_one_shot_runs(path: str | os.PathLike, *, size: int | None = None) -> Episodes:
    """The standard 20-way one-shot runs (``all_runs.zip`` or its unpacked folder) as episodes.

    Each ``runNN/`` holds ``training/classMM.png`` (one image per class: the support, class
    label = position in sorted file order), ``test/itemMM.png`` (the queries, sorted) and
    ``class_labels.txt``, whose lines ``runNN/test/itemMM.png runNN/training/classKK.png`` give
    each query's correct training image. Pixels as in :func:`load_omniglot`.

    Returns:
      :class:`Episodes` with E = number of runs, support ``(E, W, d)``, queries ``(E, W_q, d)``.

    Raises:
      InputError: missing files or runs, an unparsable or inconsistent ``class_labels.txt``.
    """
    path = Path(path).expanduser()
    if size is not None:
        size = check_int("size", size)
    entries: dict[str, bytes] = {}
    budget = _Budget(f"the one-shot runs {path}")
    if not path.exists():
        raise InputError(f"one-shot runs {path} do not exist")
    kind = "one-shot runs"
    for name, read in _source_entries(path, budget, kind):
        parts = PurePosixPath(name).parts
        if any(_RUN_DIR.match(p) for p in parts) and not any(p.startswith(".") for p in parts):
            entries[name] = read()
    runs: dict[str, dict[str, bytes]] = {}
    run_member: dict[str, dict[str, str]] = {}
    for name, data in entries.items():
        parts = PurePosixPath(name).parts
        idx = next((i for i, p in enumerate(parts) if _RUN_DIR.match(p)), None)
        if idx is not None and not any(p.startswith(".") for p in parts):
            runs.setdefault(parts[idx], {})["/".join(parts[idx + 1 :])] = data
            run_member.setdefault(parts[idx], {})["/".join(parts[idx + 1 :])] = name
    if not runs:
        raise InputError(f"{path} holds no runNN/ folders of one-shot runs")
    sup_x, qry_x, qry_y, names = [], [], [], []
    shape = None
    for run in sorted(runs):
        files = runs[run]
        train = sorted(f for f in files if f.startswith("training/") and f.endswith(".png"))
        test = sorted(f for f in files if f.startswith("test/") and f.endswith(".png"))
        if "class_labels.txt" not in files or not train or not test:
            raise InputError(
                f"{path}: {run} must hold class_labels.txt, training/*.png and test/*.png"
            )
        answer: dict[str, str] = {}
        for lineno, line in enumerate(
            files["class_labels.txt"].decode("utf-8", "replace").splitlines(), 1
        ):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 2:
                raise InputError(
                    f"{path}: {run}/class_labels.txt line {lineno} must be 'TEST TRAINING', got "
                    f"{line!r}"
                )
            q, t = ("/".join(PurePosixPath(f).parts[-2:]) for f in fields)
            if q in answer:
                raise InputError(f"{path}: {run}/class_labels.txt lists {q} twice")
            answer[q] = t
        if sorted(answer) != test or not set(answer.values()) <= set(train):
            raise InputError(
                f"{path}: {run}/class_labels.txt must map every test image ({len(test)}) to a "
                f"training image of the run; it maps {len(answer)}"
            )
        if sup_x and (len(train), len(test)) != (sup_x[0].shape[0], qry_x[0].shape[0]):
            raise InputError(f"{path}: {run} has a different number of images from the others")
        _check_decoded_size(len(train) + len(test), size, f"the images of {path}: {run}")
        decode = [
            _decode(files[f], size, _where(path, run_member[run][f]), budget) for f in train + test
        ]
        shapes = {a.shape for a in decode}
        if len(shapes) > 1 or (shape is not None and shapes != {shape}):
            raise InputError(f"{path}: images of different sizes (in {run}); pass size=S")
        shape = decode[0].shape
        decode = [a.reshape(-1) for a in decode]
        sup_x.append(np.stack(decode[: len(train)]))
        qry_x.append(np.stack(decode[len(train) :]))
        qry_y.append([train.index(answer[q]) for q in test])
        names.append(tuple(f"{run}/{PurePosixPath(f).stem}" for f in train))
    E, W = len(sup_x), sup_x[0].shape[0]
    return Episodes(
        support_x=_frozen(np.stack(sup_x)),
        support_y=_frozen(np.broadcast_to(np.arange(W), (E, W))),
        query_x=_frozen(np.stack(qry_x)),
        query_y=_frozen(np.array(qry_y, np.int64)),
        class_names=tuple(names),
        alphabets=("",) * E,
        shape=(int(shape[0]), int(shape[1])),
        source=str(path),
    )
