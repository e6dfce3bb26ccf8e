r"""CIFAR-10 and CIFAR-100 loaders: binary and python batches, from a folder, a file or the archive.

Both datasets are 32x32 RGB images (Krizhevsky, 2009); CIFAR-10 has 10 classes, CIFAR-100 100
"fine" classes grouped into 20 "coarse" superclasses. They ship in two formats:

* **binary** (``cifar-10-binary.tar.gz``, ``cifar-100-binary.tar.gz``): fixed-size records,

  .. code-block:: text

      CIFAR-10  : <label: 1 byte> <pixels: 3072 bytes>
                  files data_batch_1.bin .. data_batch_5.bin, test_batch.bin
      CIFAR-100 : <coarse label: 1 byte> <fine label: 1 byte> <pixels: 3072 bytes>
                  files train.bin, test.bin

* **python** (``cifar-10-python.tar.gz``, ``cifar-100-python.tar.gz``): pickled dicts with
  ``b"data"`` (a ``(n, 3072)`` uint8 array) and ``b"labels"`` (CIFAR-10; files ``data_batch_1..5``,
  ``test_batch``) or ``b"fine_labels"`` and ``b"coarse_labels"`` (CIFAR-100; files ``train``,
  ``test``).

In both, the 3072 pixel bytes are the red, green and blue planes (1024 bytes each), each plane a
32x32 image in row-major order; they are returned as ``(32, 32, 3)`` (height, width, channel)
images, divided by 255.

The pickles are never given to :func:`pickle.load`: a pickle can name any importable callable
(``os.system``...) and the unpickler calls it. :class:`_CifarUnpickler` admits only the globals
that numpy arrays, dtypes and Python-2 strings need, and refuses anything else with an
:class:`~ibcomplexity._validation.InputError` naming the global, before it is called.

Archives (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``) are read once, as a stream, keeping
in memory only the members the requested split needs; nothing is extracted to disk. Each member
and a compressed archive as a whole must stay under the expanded-size limit
(``IBC_MAX_EXPANDED_BYTES``, see :mod:`ibcomplexity._limits`): a decompression bomb is refused
after at most that many bytes, and a device such as ``/dev/zero`` is refused before it is read.

References:
    Krizhevsky, *Learning Multiple Layers of Features from Tiny Images*, tech. report, University of
    Toronto, 2009; format description at https://www.cs.toronto.edu/~kriz/cifar.html.
"""

from __future__ import annotations

import _compat_pickle
import builtins
import bz2
import dataclasses
import gzip
import io
import lzma
import os
import pickle
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ibcomplexity._limits import check_memory, check_regular_file, expanded_limit
from ibcomplexity._validation import InputError
from ibcomplexity.tasks import _guard
from ibcomplexity.tasks.dataset import _SCALING_BYTE, Dataset

__all__ = ["load_cifar", "dataset_from_spec"]

PROVENANCE = (
    "Krizhevsky, Learning Multiple Layers of Features from Tiny Images, University of Toronto, "
    "2009 (https://www.cs.toronto.edu/~kriz/cifar.html)"
)
_SIDE = 32
_PIXELS = 3 * _SIDE * _SIDE  # 3072 bytes: R, G, B planes of 32x32
# Record sizes of the binary format: label byte(s) + pixels.
_RECORD = {"cifar10": 1 + _PIXELS, "cifar100": 2 + _PIXELS}
# Label sets: (number of classes, human description).
_LABEL_SETS = {
    ("cifar10", "label"): (10, "CIFAR-10 classes (10)"),
    ("cifar100", "fine"): (100, "CIFAR-100 fine labels (100 classes)"),
    ("cifar100", "coarse"): (20, "CIFAR-100 coarse labels (20 superclasses)"),
}
_VARIANT_NAME = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}
# Batch names (without ".bin") per variant and split.
_BATCHES = {
    "cifar10": {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)},
    "cifar100": {"train": ("train",), "test": ("test",)},
}
# Label-name files: (variant, format) -> member name; python metadata are pickles, binary text.
_META = {
    ("cifar10", "python"): "batches.meta",
    ("cifar100", "python"): "meta",
    ("cifar10", "binary"): "batches.meta.txt",
}
_META_TXT_100 = {"fine": "fine_label_names.txt", "coarse": "coarse_label_names.txt"}
# Folders the official archives unpack to: a directory spec may name their parent.
_SUBDIRS = ("cifar-10-batches-bin", "cifar-10-batches-py", "cifar-100-binary", "cifar-100-python")
_SPLITS = ("train", "test")
_GZIP_MAGIC = b"\x1f\x8b"


# --- restricted unpickling ----------------------------------------------------------------------


def _latin1_encode(text, encoding="utf-8"):
    """Stand-in for ``_codecs.encode``: what Python 3 writes for ``bytes`` in protocol-2 pickles.

    Only the latin-1 round trip those pickles use is accepted (no other codec is looked up).
    """
    if not isinstance(text, str) or str(encoding).replace("-", "").lower() != "latin1":
        raise InputError(
            f"refusing _codecs.encode({type(text).__name__}, {encoding!r}) in a CIFAR pickle: only "
            "latin-1 strings are expected"
        )
    return text.encode("latin-1")


def _numpy_globals() -> dict[tuple[str, str], object]:
    """The numpy callables array pickles name, resolved through numpy itself (1.x and 2.x)."""
    reconstruct = np.zeros(1).__reduce__()[0]  # numpy(._)core.multiarray._reconstruct
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]  # numpy(._)core.numeric._frombuffer
    scalar = np.int64(0).__reduce__()[0]  # numpy(._)core.multiarray.scalar
    allowed: dict[tuple[str, str], object] = {("numpy", "ndarray"): np.ndarray}
    allowed[("numpy", "dtype")] = np.dtype
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{core}.multiarray", "scalar")] = scalar
        allowed[(f"{core}.numeric", "_frombuffer")] = frombuffer
    return allowed


# Plain constructors of inert builtin values (no attribute access, no code, no I/O).
_SAFE_BUILTINS = ("bytearray", "bytes", "list", "dict", "tuple", "set", "frozenset", "int")
_SAFE_BUILTINS += ("float", "complex", "str", "bool")


def _sized_refused(kind: type) -> Callable:
    """``bytes``/``bytearray`` without the ``kind(N)`` form: N zero bytes from a 30-byte pickle."""

    def make(*args):
        if args and isinstance(args[0], int):
            raise InputError(
                f"refusing {kind.__name__}({args[0]}) in a CIFAR pickle: a pickle that asks for "
                "a block of zero bytes is not a CIFAR batch (a possible memory bomb)"
            )
        return kind(*args)

    return make


def _allowed_globals() -> dict[tuple[str, str], object]:
    allowed = _numpy_globals()
    for name in _SAFE_BUILTINS:
        allowed[("builtins", name)] = getattr(builtins, name)
    for kind in (bytes, bytearray):
        allowed[("builtins", kind.__name__)] = _sized_refused(kind)
    allowed[("_codecs", "encode")] = _latin1_encode
    return allowed


class _CifarUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals CIFAR pickles need; anything else is refused.

    ``find_class`` is the one place a pickle turns a name into a callable (``GLOBAL``,
    ``STACK_GLOBAL``, ``INST``, ``OBJ`` and the extension registry all go through it), so refusing
    there means a forbidden callable is never created, let alone called.
    """

    def __init__(self, file, *, what: str):
        super().__init__(file, encoding="bytes")
        self._what = what
        self._allowed = _allowed_globals()

    def find_class(self, module: str, name: str):
        # Python-2 names (protocol <= 2 pickles write them, e.g. __builtin__) -> Python 3, as
        # pickle's own find_class does; also what the error message shows.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        else:
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = self._allowed.get((module, name))
        if found is None:
            raise InputError(
                f"{self._what}: refusing to unpickle the forbidden global {module}.{name}; a CIFAR "
                "batch only needs numpy arrays (numpy.core.multiarray._reconstruct, "
                "numpy.ndarray, numpy.dtype) and plain values. The file is not a genuine CIFAR "
                "batch and may be malicious"
            )
        return found

    def persistent_load(self, pid):
        raise InputError(f"{self._what}: refusing a pickle with persistent ids (not a CIFAR batch)")


def _unpickle(data: bytes, what: str):
    """Load a pickle with :class:`_CifarUnpickler`; every failure becomes an InputError."""
    try:
        return _CifarUnpickler(io.BytesIO(data), what=what).load()
    except InputError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{what} is not a readable CIFAR python batch (pickle): {exc}") from None
    except (MemoryError, IndexError, KeyError, OverflowError) as exc:
        raise InputError(
            f"{what} is not a readable CIFAR python batch (pickle): {type(exc).__name__}"
        ) from None


# --- containers: a folder, an archive or one file ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Container:
    """Batch files found in a folder, an archive or a single file.

    ``names`` holds every file's base name (the layout is read from them); ``readers`` maps the
    ones that can be read to a function returning their bytes (an archive holds only the members
    the requested split needs, read while it was scanned).
    """

    kind: str  # "directory", "archive", "file"
    where: str
    names: frozenset[str]
    readers: dict[str, Callable[[], bytes]]


def _read_file(path: Path) -> bytes:
    return _guard.read_file(path, "CIFAR file")


def _directory_container(directory: Path) -> _Container:
    readers: dict[str, Callable[[], bytes]] = {}
    for folder in (directory, *(directory / s for s in _SUBDIRS)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name not in readers:
                readers[path.name] = lambda p=path: _read_file(p)
    return _Container("directory", str(directory), frozenset(readers), readers)


def _wanted(split: str) -> set[str]:
    """Base names an archive member may need for ``split``: batches of every layout, metadata."""
    names = {b + ext for v in _BATCHES.values() for b in v[split] for ext in ("", ".bin")}
    return names | set(_META.values()) | set(_META_TXT_100.values())


def _decompressed(path: Path, f) -> tuple[object, bool]:
    """``f`` (an archive at offset 0) as an uncompressed stream, and whether it was compressed."""
    head = f.read(6)
    f.seek(0)
    if head.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=f), True
    if head.startswith(b"BZh"):
        return bz2.BZ2File(f), True
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(f), True
    return f, False


def _archive_container(path: Path, split: str) -> _Container:
    """The members of a tar archive (gzip, bzip2, xz or none) that ``split`` needs, in memory.

    The archive is read once, as a stream: nothing is extracted to disk, members the split does
    not need are skipped unread, each needed member is refused when its declared size is above
    the expanded-size limit, and a compressed archive is refused as a whole once it expands past
    that limit (``IBC_MAX_EXPANDED_BYTES``), so a decompression bomb costs neither memory nor
    unbounded time.
    """
    wanted = _wanted(split)
    names: set[str] = set()
    readers: dict[str, Callable[[], bytes]] = {}
    held = 0
    try:
        with path.open("rb") as f:
            stream, compressed = _decompressed(path, f)
            if compressed:
                stream = _guard.LimitedReader(stream, expanded_limit(), f"archive {path}")
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    base = member.name.rsplit("/", 1)[-1]
                    if base in names:
                        continue
                    names.add(base)
                    if base not in wanted:
                        continue  # skipped unread
                    handle = tar.extractfile(member)
                    what = f"member {member.name} of archive {path}"
                    data = _guard.read_member(handle, member.size, what) if handle else b""
                    held += len(data)
                    check_memory(held, f"the CIFAR batches read from archive {path}")
                    readers[base] = lambda d=data: d
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise InputError(
            f"could not read {path} as a tar archive of CIFAR batches: {exc}; the download is "
            "probably corrupt or incomplete"
        ) from None
    return _Container("archive", str(path), frozenset(names), readers)


def _is_archive(path: Path, head: bytes) -> bool:
    if head.startswith((_GZIP_MAGIC, b"BZh", b"\xfd7zXZ")):
        return True
    if path.name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        return True
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def _open(path: Path, split: str) -> _Container:
    if not path.exists():
        raise InputError(f"CIFAR path {path} does not exist")
    if path.is_dir():
        return _directory_container(path)
    path = check_regular_file(path, "CIFAR file")  # not /dev/zero or a FIFO: they never end
    try:
        with path.open("rb") as f:
            head = f.read(6)
    except OSError as exc:
        raise InputError(f"could not read file {path}: {exc.strerror or exc}") from None
    if _is_archive(path, head):
        return _archive_container(path, split)
    return _Container(
        "file", str(path), frozenset([path.name]), {path.name: lambda: _read_file(path)}
    )


# --- layout: which variant and format a container holds ------------------------------------------


def _layout(container: _Container) -> tuple[str, str]:
    """``(variant, format)`` of the batches in a folder or archive, from their file names."""
    names = set(container.names)
    found = []
    for variant, splits in _BATCHES.items():
        batch_names = {b for names_ in splits.values() for b in names_}
        if batch_names & {n.removesuffix(".bin") for n in names if n.endswith(".bin")}:
            found.append((variant, "binary"))
        elif batch_names & names:
            found.append((variant, "python"))
    if not found:
        raise InputError(
            f"no CIFAR batches in {container.kind} {container.where}: looked for "
            "data_batch_1..5[.bin] and test_batch[.bin] (CIFAR-10) or train[.bin] and test[.bin] "
            f"(CIFAR-100), also inside {', '.join(_SUBDIRS)}"
        )
    variants = {v for v, _ in found}
    if len(variants) > 1:
        raise InputError(
            f"{container.kind} {container.where} holds both CIFAR-10 and CIFAR-100 batches; point "
            "the spec at one of them"
        )
    # Both formats of one variant side by side: the binary batches win (no unpickling needed).
    return found[0]


def _single_file_layout(name: str, data: bytes) -> tuple[str, str, str | None]:
    """``(variant, format, split)`` of one batch file, from its name, else from its content."""
    stem, is_bin = name.removesuffix(".bin"), name.endswith(".bin")
    for variant, splits in _BATCHES.items():
        for split, stems in splits.items():
            if stem in stems:
                fmt = "binary" if is_bin else "python"
                if not is_bin and data[:1] != b"\x80" and len(data) % _RECORD[variant] == 0:
                    fmt = "binary"  # a binary batch renamed without its .bin suffix
                return variant, fmt, split
    if data[:1] == b"\x80":  # pickle protocol >= 2; a binary record starts with a label < 100
        return "", "python", None
    fits = [v for v, rec in _RECORD.items() if data and len(data) % rec == 0]
    if len(fits) != 1:
        raise InputError(
            f"cannot tell the CIFAR format of file {name}: it is not a pickle and its length "
            f"{len(data)} is {'a multiple of both' if fits else 'a multiple of neither'} record "
            f"size {_RECORD['cifar10']} (CIFAR-10) {'and' if fits else 'nor'} "
            f"{_RECORD['cifar100']} (CIFAR-100); name it data_batch_N.bin/test_batch.bin or "
            "train.bin/test.bin"
        )
    return fits[0], "binary", None


# --- parsing -------------------------------------------------------------------------------------


def _planes_to_hwc(flat: np.ndarray) -> np.ndarray:
    """``(n, 3072)`` R, G, B planes (row-major 32x32 each) -> ``(n, 32, 32, 3)``."""
    return flat.reshape(-1, 3, _SIDE, _SIDE).transpose(0, 2, 3, 1)


def _parse_binary(data: bytes, variant: str, what: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rec = _RECORD[variant]
    if not data or len(data) % rec:
        raise InputError(
            f"{what} has {len(data)} bytes, not a positive multiple of the {rec}-byte "
            f"{_VARIANT_NAME[variant]} binary record ({rec - _PIXELS} label byte(s) + {_PIXELS} "
            f"pixel bytes); {len(data) // rec} whole records and {len(data) % rec} bytes left over"
            f"{' (is it a CIFAR-10 file?)' if variant == 'cifar100' else ''}"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, rec)
    if variant == "cifar10":
        labels = {"label": records[:, 0].astype(np.int64)}
    else:
        labels = {"coarse": records[:, 0].astype(np.int64), "fine": records[:, 1].astype(np.int64)}
    return _planes_to_hwc(records[:, rec - _PIXELS :]), labels


def _field(batch: dict, key: str):
    return batch.get(key.encode(), batch.get(key))


def _python_variant(batch, what: str) -> str:
    if not isinstance(batch, dict):
        raise InputError(
            f"{what} unpickled to a {type(batch).__name__}, not the dict of a CIFAR python batch"
        )
    if _field(batch, "fine_labels") is not None:
        return "cifar100"
    if _field(batch, "labels") is not None:
        return "cifar10"
    keys = ", ".join(repr(k) for k in list(batch)[:8])
    raise InputError(
        f"{what} has no label list: expected b'labels' (CIFAR-10) or b'fine_labels' and "
        f"b'coarse_labels' (CIFAR-100); keys present: {keys or 'none'}"
    )


def _parse_python(batch, variant: str, what: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    found = _python_variant(batch, what)
    if found != variant:
        raise InputError(
            f"{what} is a {_VARIANT_NAME[found]} batch, but the other batches are "
            f"{_VARIANT_NAME[variant]}"
        )
    pixels = _field(batch, "data")
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8:
        kind = pixels.dtype if isinstance(pixels, np.ndarray) else type(pixels).__name__
        raise InputError(f"{what}: b'data' must be a uint8 numpy array, got {kind}")
    if pixels.ndim != 2 or pixels.shape[1] != _PIXELS or pixels.shape[0] < 1:
        raise InputError(
            f"{what}: b'data' must have shape (n, {_PIXELS}) (R, G, B planes of 32x32), got "
            f"{pixels.shape}"
        )
    keys = {"cifar10": ("labels",), "cifar100": ("fine_labels", "coarse_labels")}[variant]
    labels = {}
    for key in keys:
        raw = _field(batch, key)
        try:
            arr = np.asarray(raw)
        except (ValueError, TypeError):
            arr = np.asarray([])
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise InputError(f"{what}: b'{key}' must be a list of integer labels")
        if arr.shape[0] != pixels.shape[0]:
            raise InputError(
                f"{what}: b'data' has {pixels.shape[0]} images but b'{key}' has {arr.shape[0]} "
                "labels"
            )
        labels[{"labels": "label", "fine_labels": "fine", "coarse_labels": "coarse"}[key]] = (
            arr.astype(np.int64)
        )
    return _planes_to_hwc(pixels), labels


def _check_range(labels: np.ndarray, variant: str, label_set: str, what: str) -> None:
    count, desc = _LABEL_SETS[(variant, label_set)]
    bad = (labels < 0) | (labels >= count)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what}: {int(bad.sum())} {label_set} labels outside 0..{count - 1} ({desc}); first "
            f"{int(labels[row])} at record {row}"
        )


def _class_names(container: _Container, variant: str, fmt: str, label_set: str) -> list | None:
    """Label names from the metadata file beside the batches, when there is one."""
    count = _LABEL_SETS[(variant, label_set)][0]
    if variant == "cifar100" and fmt == "binary":
        member = _META_TXT_100[label_set]
    else:
        member = _META.get((variant, fmt))
    if member not in container.readers:
        return None
    data = container.readers[member]()
    what = f"CIFAR metadata file {member} in {container.where}"
    if fmt == "binary":
        names = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
        names = [n for n in names if n]
    else:
        meta = _unpickle(data, what)
        key = {"label": "label_names", "fine": "fine_label_names", "coarse": "coarse_label_names"}
        raw = _field(meta, key[label_set]) if isinstance(meta, dict) else None
        if not isinstance(raw, list):
            return None
        names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in raw]
    return names if len(names) == count else None


# --- public API ---------------------------------------------------------------------------------


def load_cifar(
    path: str | os.PathLike, *, split: str | None = None, label_set: str | None = None
) -> Dataset:
    """Load CIFAR-10 or CIFAR-100 from binary or python batches.

    Args:
        path: a folder holding the batches (or the folder the archive unpacks to, or its parent), a
            ``.tar.gz`` archive as downloaded (read in memory, not extracted), or one batch file.
        split: ``"test"`` (default; 10,000 images) or ``"train"`` (50,000: CIFAR-10's
            ``data_batch_1..5`` or CIFAR-100's ``train``). A single batch file is its own split;
            naming a different one is an error.
        label_set: CIFAR-100 only: ``"fine"`` (default, 100 classes) or ``"coarse"`` (20
            superclasses).

    Returns:
        The :class:`~ibcomplexity.tasks.datasets.Dataset`: ``(32, 32, 3)`` images divided by 255,
        named ``cifar:PATH[:split][:label set]``; metadata ``format``, ``provenance``, ``variant``,
        ``split``, ``label_set``, ``files`` and, when the metadata file is present,
        ``class_names``.

    Raises:
        InputError: a missing path or batch, a truncated or malformed file, labels out of range, or
            a pickle that names a forbidden global (see the module docstring).

    Example:
        >>> ds = load_cifar("cifar-10-python.tar.gz", split="test")  # doctest: +SKIP
        >>> ds.shape, ds.classes  # doctest: +SKIP
        ((32, 32, 3), 10)
    """
    if split is not None and split not in _SPLITS:
        raise InputError(f"CIFAR split must be 'train' or 'test', got {split!r}")
    if label_set is not None and label_set not in ("fine", "coarse"):
        raise InputError(f"CIFAR label set must be 'fine' or 'coarse', got {label_set!r}")
    path = Path(path).expanduser()
    container = _open(path, split or "test")
    if container.kind == "file":
        (name,) = container.readers
        data = container.readers[name]()
        variant, fmt, file_split = _single_file_layout(name, data)
        if fmt == "python":
            batch = _unpickle(data, f"file {path}")
            variant = variant or _python_variant(batch, f"file {path}")
            parsed = [_parse_python(batch, variant, f"file {path}")]
        else:
            parsed = [_parse_binary(data, variant, f"file {path}")]
        if split is not None and file_split is not None and split != file_split:
            raise InputError(
                f"file {path} is the {file_split} split; a single batch file cannot give the "
                f"{split} split (point the spec at the folder or archive instead)"
            )
        files, split_used = [name], file_split or "file"
    else:
        variant, fmt = _layout(container)
        split_used = split or "test"
        suffix = ".bin" if fmt == "binary" else ""
        files = [b + suffix for b in _BATCHES[variant][split_used]]
        missing = [f for f in files if f not in container.names]
        if missing:
            raise InputError(
                f"{_VARIANT_NAME[variant]} {fmt} {split_used} split incomplete in "
                f"{container.kind} {container.where}: missing {', '.join(missing)}"
            )
        parsed = []
        for f in files:
            what = f"{f} in {container.where}"
            data = container.readers[f]()
            if fmt == "binary":
                parsed.append(_parse_binary(data, variant, what))
            else:
                parsed.append(_parse_python(_unpickle(data, what), variant, what))
    if variant == "cifar10" and label_set is not None:
        raise InputError(
            f"{path} holds CIFAR-10, which has one label set; ':fine'/':coarse' apply to CIFAR-100"
        )
    chosen = "label" if variant == "cifar10" else (label_set or "fine")
    for f, (_, labels) in zip(files, parsed, strict=True):
        for key, values in labels.items():
            _check_range(values, variant, key, f"{f} in {container.where}")
    images = np.concatenate([p[0] for p in parsed]) if len(parsed) > 1 else parsed[0][0]
    y = np.concatenate([p[1][chosen] for p in parsed])
    metadata = {
        "format": f"{_VARIANT_NAME[variant]} {fmt} batches ({container.kind})",
        "provenance": PROVENANCE,
        "variant": _VARIANT_NAME[variant],
        "split": split_used,
        "label_set": _LABEL_SETS[(variant, chosen)][1],
        "files": files,
    }
    names = _class_names(container, variant, fmt, chosen)
    if names is not None:
        metadata["class_names"] = names
    name = f"cifar:{path}" + (f":{split}" if split else "") + (f":{label_set}" if label_set else "")
    dataset = Dataset.from_arrays(
        images, y, name=name, scale=255, source=container.where, metadata=metadata
    )
    return dataclasses.replace(dataset, scaling=_SCALING_BYTE)


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """The dataset for ``cifar:PATH[:train|:test][:fine|:coarse]`` (``rest`` is after ``cifar:``).

    The qualifiers are split off the right end, so paths containing ``:`` still work. Defaults:
    the test split, CIFAR-100's fine labels.
    """
    path, split, label_set = rest, None, None
    while True:
        head, colon, word = path.rpartition(":")
        if not colon:
            break
        if word in _SPLITS and split is None:
            split = word
        elif word in ("fine", "coarse") and label_set is None:
            label_set = word
        else:
            _guard.check_option(spec, path, "train, test, fine, coarse")
            break
        path = head
    if not path.strip():
        raise InputError(f"dataset spec {spec!r} names no CIFAR file or folder")
    dataset = load_cifar(path, split=split, label_set=label_set)
    return dataclasses.replace(dataset, name=spec)
