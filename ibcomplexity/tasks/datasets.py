"""Labelled datasets and their loaders: the first step of dataset spec -> task -> bits.

A :class:`Dataset` is a flat ``(n, d)`` float32 feature matrix with int64 labels, plus where it came
from and how it was scaled, so that every statistic computed from it can be traced back. Loaders:

* :func:`load_digits` -- scikit-learn's real 8x8 digits, the embedded default (no files needed);
* :func:`load_mnist` / :func:`load_idx` -- the standard IDX files of MNIST-like datasets
  (MNIST, Fashion-MNIST, KMNIST), raw or gzip-compressed;
* :func:`load_npz` -- any ``.npz`` with an image/feature array and a label array;
* :meth:`Dataset.from_arrays` -- numpy arrays already in memory.

:func:`load_dataset` parses the string specs used by the CLI and the experiments
(see :func:`dataset_specs_help`).

Scaling convention: 8-bit images (``uint8``) are divided by 255 to land in ``[0, 1]``; the
digits' 0..16 intensities are divided by 16; anything else is kept as is. ``Dataset.scaling`` says
which was done.
"""

from __future__ import annotations

import dataclasses
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ibcomplexity._limits import check_memory, check_regular_file, format_bytes
from ibcomplexity._validation import InputError
from ibcomplexity.tasks import _guard
from ibcomplexity.tasks._idx import read_idx
from ibcomplexity.tasks.dataset import (
    _SCALING_BYTE,
    _SCALING_NONE,
    Dataset,
    _make_dataset,
)

__all__ = [
    "Dataset",
    "DatasetSpec",
    "dataset_specs_help",
    "load_dataset",
    "load_digits",
    "load_idx",
    "load_mnist",
    "load_npz",
]


def load_digits() -> Dataset:
    """Load scikit-learn's real 8x8 handwritten digits (1,797 examples, 10 classes).

    The raw intensities are integers 0..16; they are divided by 16 to lie in ``[0, 1]``.

    Example:
        >>> load_digits().class_counts.tolist()
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    return _make_dataset(
        bunch.images,
        bunch.target,
        divisor=16.0,
        scaling="pixels / 16 -> [0, 1]",
        name="digits",
        source="scikit-learn load_digits",
        x_what="digits images",
        y_what="digits labels",
    )


def _read_head(path: Path, what: str) -> bytes:
    """The first bytes of a regular file (to sniff its format); OS errors become InputError."""
    path = check_regular_file(path, what)
    try:
        with path.open("rb") as f:
            return f.read(8)
    except OSError as exc:
        raise InputError(f"could not read file {path}: {exc.strerror or exc}") from None


def _npy_header(f, version: tuple[int, int]):
    """``(shape, fortran_order, dtype)`` of the .npy header after the magic (any version)."""
    fmt = np.lib.format
    if version == (1, 0):
        return fmt.read_array_header_1_0(f)
    # Version 3.0 has 2.0's layout with utf-8 instead of latin-1 text (only non-ASCII field names
    # differ, and those fail as a ValueError, reported as an unreadable archive).
    return fmt.read_array_header_2_0(f)


def _check_npz_members(path: Path, keys: tuple[str, ...]) -> None:
    """Check each array's zip member and .npy header before numpy allocates and reads it.

    numpy allocates the shape a header declares before reading the data, so a 1 KB archive
    declaring a (10**12,) array, or a member expanding past the expanded-size limit, would
    otherwise cost that memory first.
    """
    with zipfile.ZipFile(path) as archive:
        for key in keys:
            try:
                info = archive.getinfo(f"{key}.npy")
            except KeyError:
                continue  # np.load reports the missing array, listing those present
            what = f"array {key!r} in {path}"
            _guard.check_expanded(info.file_size, what)
            with archive.open(info) as f:
                shape, _, dtype = _npy_header(f, np.lib.format.read_magic(f))
            if dtype.hasobject:
                continue  # refused by np.load(allow_pickle=False) with its own message
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes > info.file_size:
                raise InputError(
                    f"{what} declares shape {shape} of {dtype} ({format_bytes(nbytes)}) but its "
                    f"member holds only {format_bytes(info.file_size)}; the file is corrupt"
                )
            check_memory(nbytes, f"{what} (shape {shape}, {dtype})")


def _scaling_for(dtype: np.dtype) -> tuple[float | None, str]:
    """8-bit images are divided by 255; every other dtype is kept as is."""
    if dtype == np.uint8:
        return 255.0, _SCALING_BYTE
    return None, _SCALING_NONE


def load_idx(images_path: str | os.PathLike, labels_path: str | os.PathLike) -> Dataset:
    """Load a dataset from an IDX images file and an IDX labels file (raw or gzip-compressed).

    Args:
        images_path: IDX file of shape ``(n, ...)``, e.g. ``t10k-images-idx3-ubyte.gz``;
            ``uint8`` images are divided by 255, other dtypes are kept as is.
        labels_path: IDX file of shape ``(n,)`` with non-negative integer labels.

    Returns:
        The :class:`Dataset`, named ``"idx:IMAGES,LABELS"``.

    Example:
        >>> ds = load_idx("t10k-images-idx3-ubyte.gz",
        ...               "t10k-labels-idx1-ubyte.gz")  # doctest: +SKIP
    """
    images_path, labels_path = Path(images_path), Path(labels_path)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise InputError(
            f"images file {images_path} holds an array of shape {images.shape}; expected one "
            "example per row, e.g. (n, 28, 28)"
        )
    if labels.ndim != 1:
        raise InputError(
            f"labels file {labels_path} holds an array of shape {labels.shape}; expected (n,)"
        )
    if images.shape[0] != labels.shape[0]:
        raise InputError(
            f"images file {images_path} has {images.shape[0]} images but labels file "
            f"{labels_path} has {labels.shape[0]} labels; they must match one to one"
        )
    divisor, scaling = _scaling_for(images.dtype)
    return _make_dataset(
        images,
        labels,
        divisor=divisor,
        scaling=scaling,
        name=f"idx:{images_path},{labels_path}",
        source=f"{images_path}, {labels_path}",
        x_what=f"images file {images_path}",
        y_what=f"labels file {labels_path}",
    )


_MNIST_PREFIX = {"test": "t10k", "train": "train"}


def _mnist_candidates(directory: Path, prefix: str, kind: str, idx_dim: int) -> list[Path]:
    """File names MNIST-like distributions use: hyphenated or dotted, raw or gzip-compressed."""
    stems = [f"{prefix}-{kind}-idx{idx_dim}-ubyte", f"{prefix}-{kind}.idx{idx_dim}-ubyte"]
    return [directory / f"{stem}{ext}" for stem in stems for ext in ("", ".gz")]


def load_mnist(directory: str | os.PathLike, split: str = "test") -> Dataset:
    """Load one split of MNIST (or Fashion-MNIST/KMNIST, which use the same file names).

    Looks in ``directory`` for ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
    (``split="test"``) or ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``
    (``split="train"``), each optionally ending in ``.gz``; the dotted variant
    ``t10k-images.idx3-ubyte`` is accepted too. Pixels are divided by 255.

    Args:
        directory: the folder holding the files.
        split: ``"test"`` (10,000 examples in MNIST) or ``"train"`` (60,000).

    Returns:
        The :class:`Dataset`, named ``"mnist:DIR"`` or ``"mnist:DIR:train"``.

    Example:
        >>> load_mnist("../shared/data/mnist").class_counts.tolist()  # doctest: +SKIP
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    """
    if split not in _MNIST_PREFIX:
        raise InputError(f"split must be 'test' or 'train', got {split!r}")
    directory = Path(directory)
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise InputError(f"MNIST directory {directory} {what}")
    found = []
    for kind, idx_dim in (("images", 3), ("labels", 1)):
        candidates = _mnist_candidates(directory, _MNIST_PREFIX[split], kind, idx_dim)
        hit = next((p for p in candidates if p.is_file()), None)
        if hit is None:
            names = ", ".join(p.name for p in candidates)
            raise InputError(f"no MNIST {split} {kind} file in {directory}: looked for {names}")
        found.append(hit)
    dataset = load_idx(*found)
    name = f"mnist:{directory}" + (":train" if split == "train" else "")
    return dataclasses.replace(dataset, name=name)


def load_npz(path: str | os.PathLike, *, x_key: str = "x", y_key: str = "y") -> Dataset:
    """Load a dataset from a ``.npz`` file holding a feature/image array and a label array.

    ``uint8`` arrays are taken to be 8-bit images and divided by 255; any other numeric array is
    kept as is (``scaling="none"``). Pickled (object) arrays are refused.

    Args:
        path: the ``.npz`` file.
        x_key: name of the array of shape ``(n, ...)``.
        y_key: name of the array of labels, shape ``(n,)``.

    Returns:
        The :class:`Dataset`, named ``"npz:PATH"``.

    Example:
        >>> load_npz("cifar100_10class_1000.npz").shape  # doctest: +SKIP
        (32, 32, 3)
    """
    path = Path(path)
    head = _read_head(path, ".npz file")
    if head.startswith(b"\x93NUMPY"):
        raise InputError(f"file {path} is a single .npy array, not a .npz archive of x and y")
    if not head.startswith(b"PK"):
        raise InputError(
            f"file {path} is not a .npz archive (those are zip files, starting with 'PK'); "
            f"it starts with bytes {head[:4].hex(' ')}"
        )
    try:
        _check_npz_members(path, (x_key, y_key))
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            missing = [k for k in (x_key, y_key) if k not in keys]
            if missing:
                present = ", ".join(repr(k) for k in keys) or "none"
                raise InputError(
                    f"file {path} has no array named {' or '.join(map(repr, missing))}; arrays "
                    f"present: {present} (choose them with x_key=/y_key=)"
                )
            x, y = archive[x_key], archive[y_key]
    except InputError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # Corrupt zip members, pickled object arrays (refused) and bad .npy headers all land here.
        raise InputError(f"could not read {path} as a .npz archive of arrays: {exc}") from None
    divisor, scaling = _scaling_for(x.dtype)
    return _make_dataset(
        x,
        y,
        divisor=divisor,
        scaling=scaling,
        name=f"npz:{path}",
        source=str(path),
        x_what=f"array {x_key!r} in {path}",
        y_what=f"array {y_key!r} in {path}",
    )


@dataclasses.dataclass(frozen=True)
class _Scheme:
    """One entry of the adapter registry.

    ``module`` is imported on first use (so ``load_dataset("digits")`` imports no image or MDP
    code) and defines ``dataset_from_spec(spec, rest) -> Dataset`` for a labelled dataset, or
    ``task_from_spec(spec, rest, *, n_train, n_test, seed) -> RegressionTask`` for a regression
    source (``source=True``: real-valued targets, no class labels; used by ``load_task``).
    ``rest`` is the text after ``"scheme:"``; ``forms`` are the help lines, one per form.
    """

    module: str
    forms: tuple[str, ...]
    source: bool = False

    @property
    def factory(self) -> str:
        return "task_from_spec" if self.source else "dataset_from_spec"


#: The one adapter registry: every scheme beyond the built-in ``digits``, ``mnist``, ``idx`` and
#: ``npz``, labelled datasets and regression sources alike.
_SCHEMES: dict[str, _Scheme] = {
    "cifar": _Scheme(
        "ibcomplexity.tasks.cifar",
        (
            "cifar:PATH[:train|:test][:fine|:coarse]  CIFAR-10/100 binary or python batches "
            "(a directory, a batch file or the .tar.gz)",
        ),
    ),
    "folder": _Scheme(
        "ibcomplexity.tasks.image_folder",
        (
            "folder:DIR[:size=S|:size=HxW][:grayscale]  an image folder: one subfolder of "
            "PNG/JPEG files per class",
        ),
    ),
    "omniglot": _Scheme(
        "ibcomplexity.tasks.omniglot",
        (
            "omniglot:PATH[,PATH...][:size=S]  Omniglot alphabet/character/drawer PNGs (zipped "
            "or unpacked); one class per character",
        ),
    ),
    "sphere": _Scheme(
        "ibcomplexity.tasks.synthetic",
        ("sphere:m=M,D=D[,...]     synthetic m-sphere in D dims, band-limited labels (seeded)",),
    ),
    "torus": _Scheme(
        "ibcomplexity.tasks.synthetic",
        ("torus:m=M,D=D[,...]      synthetic m-torus in D dims, band-limited labels (seeded)",),
    ),
    "csv": _Scheme(
        "ibcomplexity.tasks.table",
        (
            "csv:FILE[:label=COLUMN]   a table with a header row: numeric features and a label "
            "column (name or index; default 'label', else the last)",
        ),
    ),
    "tsv": _Scheme(
        "ibcomplexity.tasks.table",
        ("tsv:FILE[:label=COLUMN]   the same, tab-separated",),
    ),
    "npy": _Scheme(
        "ibcomplexity.tasks.table",
        ("npy:X.npy,Y.npy          features (n, ...) and labels (n,) saved with numpy.save",),
    ),
    "parquet": _Scheme(
        "ibcomplexity.tasks.arrow",
        (
            "parquet:FILE[:label=COLUMN][:features=COL;COL...]  a Parquet file: numeric, "
            "fixed-length list and image columns (pip install 'ibcomplexity[parquet]')",
        ),
    ),
    "hf": _Scheme(
        "ibcomplexity.tasks.arrow",
        (
            "hf:DIR[:split=NAME][:label=COLUMN][:features=COL;COL...]  a Hugging Face dataset "
            "saved with save_to_disk (default split 'test'; pip install 'ibcomplexity[hf]')",
        ),
    ),
    "cartpole": _Scheme(
        "ibcomplexity.tasks.mdp",
        (
            "cartpole[:KEY=VALUE,...]  cart-pole expert (LQR) state -> action data; keys: obs=full|"
            "positions, history=T, noise=SD, episodes=N, steps=N, init=A, scale=standard|none, "
            "seed=S (of the rollouts)",
        ),
        source=True,
    ),
    "pendulum": _Scheme(
        "ibcomplexity.tasks.mdp",
        ("pendulum[:KEY=VALUE,...]  pendulum expert state -> action data (same keys)",),
        source=True,
    ),
}

_BUILTIN_HELP = """\
  digits                   scikit-learn's real 8x8 digits (1,797 examples; built in)
  mnist | fashion-mnist | cifar10 | cifar100 | omniglot
                           a data set fetched with 'ibc data download NAME' into the data
                           directory ($IBC_DATA or ibc --data-dir; 'ibc data list' shows it)
  mnist:DIR                MNIST-format IDX files in DIR, test split (t10k-*)
  mnist:DIR:train          the same, train split (train-*)
  idx:IMAGES,LABELS        an IDX images file and an IDX labels file (raw or .gz)
  npz:FILE                 a .npz file with arrays 'x' (examples) and 'y' (labels)"""

_SPECS_HELP_TAIL = """\
Any dataset spec may end in @KNOB[=VALUE],... to preprocess it, e.g. mnist:DIR@resize=14,
label_noise=0.1. Knobs, applied in this order: classes=0-4 or 0;3;7, n=N (stratified subsample),
transpose (EMNIST), grayscale, resize=S, input_noise=SD, normalize=standard|global|minmax,
label_noise=P, seed=S (of the random knobs). Regression sources (cart-pole,
pendulum) give tasks with real-valued targets; ibc kernel/nn/stats/bound accept them.
uint8 images are scaled by 1/255 to [0, 1]; digits by 1/16; other data is kept as is."""


def _known_schemes() -> str:
    return ", ".join(
        ["digits", "mnist:DIR[:train|:test]", "idx:IMAGES,LABELS", "npz:FILE"]
        + ["mnist | fashion-mnist | cifar10 | cifar100 | omniglot (downloaded)"]
        + [f"{k}:..." for k, v in _SCHEMES.items() if not v.source]
        + [f"{k}[:...]" for k, v in _SCHEMES.items() if v.source]
    )


def dataset_specs_help() -> str:
    """Return a short description of the specs :func:`load_dataset` accepts (for the CLI)."""
    lines = ["Dataset specs:", _BUILTIN_HELP]
    for entry in _SCHEMES.values():
        lines += [f"  {form}" for form in entry.forms]
    return "\n".join(lines) + "\n" + _SPECS_HELP_TAIL


def _spec_path(spec: str, text: str) -> Path:
    if not text.strip():
        raise InputError(f"dataset spec {spec!r} names no file or directory")
    return Path(text).expanduser()


def _adapter(scheme: str) -> Callable:
    """The registry's loader for ``scheme`` (``dataset_from_spec`` or ``task_from_spec``)."""
    import importlib

    entry = _SCHEMES[scheme]
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as e:
        if e.name != entry.module:
            raise
        raise InputError(f"the {scheme!r} adapter is not available in this installation") from None
    return getattr(module, entry.factory)


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A dataset spec, parsed once: ``SCHEME[:REST][@KNOB[=VALUE],...]``.

    Every loader accepts either the string or this object; a workflow parses the user's string
    once (:meth:`parse`) and passes the object on, so the spec is split in one place and checked
    with one set of messages.

    Attributes:
      text: the whole spec, stripped (a loaded dataset's or task's ``name``).
      scheme: the text before the first ``:`` (``digits``, ``mnist``, ``cartpole``, ...).
      rest: the text after it, less the preprocessing suffix (``""`` when there is none).
      knobs: the preprocessing suffix after the last ``@`` (``""`` when there is none); an
        ``@`` followed by a path separator belongs to a path, not to a suffix.
    """

    text: str
    scheme: str
    rest: str
    knobs: str

    @classmethod
    def parse(cls, spec: str | DatasetSpec) -> DatasetSpec:
        """The parsed spec (an already parsed one is returned as is)."""
        if isinstance(spec, DatasetSpec):
            return spec
        if not isinstance(spec, str):
            raise InputError(f"dataset spec must be a string such as 'digits', got {spec!r}")
        text = spec.strip()
        base, at, knobs = text.rpartition("@")
        if not at:
            base, knobs = text, ""
        elif "/" in knobs or "\\" in knobs:
            base, knobs = text, ""  # an '@' inside a path, not a preprocessing suffix
        scheme, _, rest = base.partition(":")
        return cls(text=text, scheme=scheme.strip(), rest=rest, knobs=knobs.strip())

    @property
    def base(self) -> str:
        """The spec without its preprocessing suffix."""
        if not self.knobs:
            return self.text
        return self.text[: len(self.text) - len(self.knobs) - 1].rstrip()

    @property
    def is_task_source(self) -> bool:
        """Whether the spec names a regression source (real-valued targets), not a dataset."""
        return self.scheme in _SCHEMES and _SCHEMES[self.scheme].source

    def __str__(self) -> str:
        return self.text


def split_spec(spec: str | DatasetSpec) -> tuple[str, str, str]:
    """``(scheme, rest, knobs)`` of a spec (:meth:`DatasetSpec.parse`; knobs may be empty)."""
    s = DatasetSpec.parse(spec)
    return s.scheme, s.rest, s.knobs


def is_task_source(spec: str | DatasetSpec) -> bool:
    """Whether ``spec`` names a regression source (real-valued targets) rather than a dataset."""
    return DatasetSpec.parse(spec).is_task_source


def load_dataset(spec: str | DatasetSpec) -> Dataset:
    """Load the dataset described by a spec string.

    Specs: ``digits``, ``mnist:DIR`` (test split), ``mnist:DIR:train``, ``idx:IMAGES,LABELS``,
    ``npz:FILE`` and the adapters' schemes (``cifar:``, ``folder:``, ``omniglot:``, ``sphere:``,
    ``torus:``), each optionally followed by ``@KNOB=VALUE,...`` preprocessing (see
    :func:`dataset_specs_help` and :mod:`ibcomplexity.tasks.preprocessing`). The result's
    ``name`` is the spec. Regression sources (``cartpole``, ``pendulum``) are tasks, not labelled
    datasets: load them with :func:`~ibcomplexity.tasks.task.load_task`.

    Example:
        >>> load_dataset("digits").n
        1797
    """
    parsed = DatasetSpec.parse(spec)
    scheme, rest, knobs = parsed.scheme, parsed.rest, parsed.knobs
    spec, base_spec = parsed.text, parsed.base
    sep = ":" in base_spec
    if not sep:
        from ibcomplexity.tasks.downloads import spec_for

        resolved = spec_for(scheme)  # a downloaded data set named alone: ``mnist``, ``cifar10``
        if resolved is not None:
            data = load_dataset(resolved + (f"@{knobs}" if knobs else ""))
            return dataclasses.replace(data, name=spec)
    if scheme == "digits":
        if sep:
            raise InputError(f"dataset spec {spec!r}: 'digits' takes no arguments")
        dataset = load_digits()
    elif scheme == "mnist" and sep:
        # Split the optional split name off the right, so that paths such as C:\data still work.
        directory, colon, split = rest.rpartition(":")
        if not colon or split not in _MNIST_PREFIX:
            _guard.check_option(base_spec, rest, "train, test (mnist:DIR[:train|:test])")
            directory, split = rest, "test"
        dataset = load_mnist(_spec_path(spec, directory), split=split)
    elif scheme == "idx" and sep:
        parts = rest.split(",")
        if len(parts) != 2:
            raise InputError(
                f"dataset spec {spec!r} must name two files separated by one comma: "
                "idx:IMAGES,LABELS"
            )
        dataset = load_idx(_spec_path(spec, parts[0]), _spec_path(spec, parts[1]))
    elif scheme == "npz" and sep:
        dataset = load_npz(_spec_path(spec, rest))
    elif scheme in ("mnist", "idx", "npz"):
        form = {"mnist": "mnist:DIR", "idx": "idx:IMAGES,LABELS", "npz": "npz:FILE"}[scheme]
        raise InputError(f"dataset spec {spec!r} needs a path: write it as {form}")
    elif scheme in _SCHEMES and not _SCHEMES[scheme].source:
        if not sep:
            raise InputError(
                f"dataset spec {spec!r} needs arguments: {_SCHEMES[scheme].forms[0].split()[0]}"
            )
        dataset = _adapter(scheme)(base_spec, rest)
    elif scheme in _SCHEMES:
        raise InputError(
            f"{spec!r} is a regression source (real-valued targets, no class labels): load it "
            "with ibcomplexity.tasks.load_task, or use it with ibc kernel / ibc nn / ibc stats / "
            "ibc bound"
        )
    else:
        hint = ""
        if not sep and spec.endswith(".npz"):
            hint = f" (did you mean 'npz:{spec}'?)"
        raise InputError(f"unknown dataset spec {spec!r}{hint}; known schemes: {_known_schemes()}")
    if knobs:
        from ibcomplexity.tasks.preprocessing import apply_spec

        dataset = apply_spec(dataset, knobs)
    return dataclasses.replace(dataset, name=spec)
