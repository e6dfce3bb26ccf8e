"""Arrow data as dataset specs: Parquet files (``parquet:``), saved Hugging Face datasets (``hf:``).

Both are optional extras, imported only when such a spec is loaded: ``pip install
'ibcomplexity[parquet]'`` (pyarrow) and ``pip install 'ibcomplexity[hf]'`` (the Hugging Face
``datasets`` package); without them the spec fails in one line naming what to install.

* ``parquet:FILE[:label=COLUMN][:features=COL;COL...]``: a Parquet file, read with
  ``pyarrow.parquet``. ``COLUMN`` is the label column's name or index (``0`` the first, ``-1`` the
  last; default: a column named ``label``, else the last column, as for ``csv:``).
* ``hf:DIR[:split=NAME][:label=COLUMN][:features=COL;COL...]``: a folder written by
  ``datasets.Dataset.save_to_disk`` or ``datasets.DatasetDict.save_to_disk``, read with
  ``datasets.load_from_disk``. For a ``DatasetDict``, ``split=`` picks the split (default:
  ``test`` if there is one, else the first split saved); a single ``Dataset`` takes no ``split=``.
  Default label column: ``label``, else ``labels``, else the only ``ClassLabel`` column.

Options follow the path in any order, each once; ``features=`` lists columns (names or indices)
separated by ``;`` (quote the spec in a shell). Rows are counted from 0 in messages, as pandas and
``datasets`` index them.

Labels: a ``ClassLabel`` column (``hf:``, or a Parquet file written by ``datasets``, whose schema
records its features) keeps its integer codes, with the class names in ``metadata["classes"]``;
any other label column holds numbers or text, and its distinct values, sorted, become classes
0, 1, ... (as for ``csv:``). ``datasets``' ``-1`` (an unlabelled row) is refused as a missing label.

Feature columns are usable when they hold

* numbers (integers, floats, booleans): one value per row;
* fixed-length lists of numbers, nested to any depth (Parquet lists, ``datasets``' ``Sequence`` /
  ``List`` / ``Array2D`` ...): an embedding, a flattened image, a ``(H, W)`` array;
* images as ``datasets`` stores them (its ``Image`` feature, also in its Parquet files): a struct
  of the encoded ``bytes`` (PNG/JPEG, decoded with Pillow) and a ``path``, read when the bytes are
  absent (relative paths are taken relative to the Parquet file's or the dataset's folder).
  Grayscale images give ``(H, W)`` arrays, colour ones ``(H, W, 3)``; all images of a column must
  share one size and colour mode.

Default features: every column but the label that is usable; columns of other types (text, dates,
nested records, ``Audio``) and other ``ClassLabel`` columns (labels of another task, such as
CIFAR-100's ``coarse_label``) are left out and listed in ``metadata["skipped_columns"]``. A
column named in ``features=`` must be usable (a ``ClassLabel`` may be named); an unusable one is
refused with its type. One feature column keeps its shape (an image stays ``(H, W)``); several
are flattened and put side by side, in the order given.

Scaling: as for ``npy:``, features that are all 8-bit (images, ``uint8`` columns) are divided by
255; when images are mixed with other columns, only the images are divided.

Refused in one line naming the file, the row and the column: a missing value (null, NaN), an
infinite value, lists of different lengths, images of different sizes or an undecodable image,
an unknown column (the message lists the columns), a single class, a file that is not Parquet, a
folder that ``save_to_disk`` did not write, an unknown split (the message lists the splits).
The columns to read are checked against the memory limit first (:mod:`ibcomplexity._limits`);
each image's pixel count before it is decoded.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np

from ibcomplexity._limits import check_memory, check_regular_file, format_bytes
from ibcomplexity._validation import InputError
from ibcomplexity.tasks import _guard
from ibcomplexity.tasks.dataset import _SCALING_BYTE, Dataset
from ibcomplexity.tasks.image_folder import _COLOUR_MODES, _GRAY_MODES
from ibcomplexity.tasks.table import _MISSING, _classes, _label_column

__all__ = ["dataset_from_spec", "load_hf", "load_parquet"]

_OPTIONS = {"label": "label=COLUMN", "features": "features=COL;COL...", "split": "split=NAME"}
_SCHEME_OPTIONS = {"parquet": ("label", "features"), "hf": ("split", "label", "features")}
# datasets' feature types that are stored as a usable Arrow type but are no features here
_UNUSABLE_HF = ("Audio", "Video", "Pdf", "Nifti")
_USABLE = "numbers, fixed-length lists of numbers or images"
# Bytes held per value at the peak of a conversion: the Arrow data, a numpy copy, float32.
_BYTES_PER_VALUE = 3


def _import_error(exc: ImportError, what: str, package: str, top: str, extra: str) -> InputError:
    """Missing: what to install. Installed but broken (built for another numpy): say so."""
    install = f"pip install 'ibcomplexity[{extra}]'"
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == top:
        return InputError(f"{what} needs {package}: {install}")
    return InputError(
        f"{what} needs {package}, which is installed but does not import ({_first_line(exc)}); "
        f"update it: {install} --upgrade"
    )


def _import_pyarrow(what: str):
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise _import_error(exc, what, "pyarrow", "pyarrow", "parquet") from None
    return pa, pc, pq


def _import_datasets(what: str):
    try:
        import datasets
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError as exc:
        package = "the Hugging Face datasets package"
        raise _import_error(exc, what, package, "datasets", "hf") from None
    return datasets, pa, pc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _show(names: list[str]) -> str:
    return ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")


# --- columns: which to read, and how ----------------------------------------------------------


def _unwrap(pa, typ):
    """The Arrow type a column's values have: extension types by their storage, dictionaries by
    their values."""
    while True:
        if isinstance(typ, pa.ExtensionType):
            typ = typ.storage_type
        elif pa.types.is_dictionary(typ):
            typ = typ.value_type
        else:
            return typ


def _unwrap_array(pa, arr):
    while True:
        if isinstance(arr, pa.ExtensionArray):
            arr = arr.storage
        elif pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        else:
            return arr


def _is_number(pa, typ) -> bool:
    t = pa.types
    return t.is_integer(typ) or t.is_floating(typ) or t.is_boolean(typ) or t.is_decimal(typ)


def _is_list(pa, typ) -> bool:
    t = pa.types
    views = (getattr(t, "is_list_view", None), getattr(t, "is_large_list_view", None))
    return (
        t.is_list(typ)
        or t.is_large_list(typ)
        or t.is_fixed_size_list(typ)
        or any(f is not None and f(typ) for f in views)
    )


def _kind(pa, typ, hf_type: str | None) -> str | None:
    """``"number"``, ``"list"``, ``"image"``, or None for a column that is no feature."""
    if hf_type in _UNUSABLE_HF:
        return None
    typ = _unwrap(pa, typ)
    if _is_number(pa, typ):
        return "number"
    if _is_list(pa, typ):
        inner = typ
        while _is_list(pa, inner):
            inner = _unwrap(pa, inner.value_type)
        return "list" if _is_number(pa, inner) else None
    if pa.types.is_struct(typ) and hf_type in (None, "Image"):
        fields = {typ.field(i).name: typ.field(i).type for i in range(typ.num_fields)}
        raw = fields.get("bytes")
        binary = raw is not None and (
            pa.types.is_binary(raw) or pa.types.is_large_binary(raw) or pa.types.is_null(raw)
        )
        if set(fields) == {"bytes", "path"} and binary:  # a null type: paths only
            return "image"
    return None


@dataclasses.dataclass(frozen=True)
class _Columns:
    label: str
    features: list[tuple[str, str]]  # (name, kind)
    skipped: list[str]  # "name (type)"


def _choose_columns(
    pa,
    where: str,
    schema,
    *,
    label: int,
    features: list[str] | None,
    hf_types: dict[str, str],
    describe: dict[str, str],
) -> _Columns:
    """The label column and the feature columns to read (module docstring: default features)."""
    names = list(schema.names)
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"{where} repeats the column names {_show(repeated)}; rename them first")
    label_name = names[label]
    kinds = {n: _kind(pa, schema.field(n).type, hf_types.get(n)) for n in names}
    if features is None:
        chosen, skipped = [], []
        for n in names:
            if n == label_name:
                continue
            if kinds[n] is None or hf_types.get(n) == "ClassLabel":
                skipped.append(f"{n} ({describe[n]})")
            else:
                chosen.append((n, kinds[n]))
        if not chosen:
            raise InputError(
                f"{where} has no usable feature column besides the label {label_name!r} (skipped: "
                f"{_show(skipped) or 'none'}); features must be {_USABLE}"
            )
        return _Columns(label_name, chosen, skipped)
    chosen = []
    for key in features:
        if key in names:
            n = key
        else:
            try:
                i = int(key)
            except ValueError:
                raise InputError(
                    f"{where} has no column {key!r}; its columns: {_show(names)}"
                ) from None
            if not -len(names) <= i < len(names):
                raise InputError(f"{where} has {len(names)} columns; feature {i} is out of range")
            n = names[i]
        if n == label_name:
            raise InputError(f"{where}: column {n!r} is the label column; it cannot be a feature")
        if any(n == c for c, _ in chosen):
            raise InputError(f"{where}: features= names column {n!r} twice")
        if kinds[n] is None:
            raise InputError(
                f"{where}, column {n!r} has type {describe[n]}: a feature column must hold "
                f"{_USABLE}"
            )
        chosen.append((n, kinds[n]))
    return _Columns(label_name, chosen, [])


def _missing(where: str, row: int, name: str, what: str = "a missing value (null)") -> InputError:
    return InputError(f"{where}, row {row}, column {name!r}: {what}; fill or drop it first")


def _numbers(pa, arr, name: str, where: str, per_row: int) -> np.ndarray:
    """A flat numeric Arrow array as numpy, refusing nulls, NaN and infinities."""
    if arr.null_count:
        row = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0]) // per_row
        raise _missing(where, row, name)
    if pa.types.is_decimal(arr.type):
        arr = arr.cast(pa.float64())
    values = arr.to_numpy(zero_copy_only=False)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            if np.isnan(values[i]):
                raise _missing(where, i // per_row, name, "a missing value (NaN)")
            raise InputError(
                f"{where}, row {i // per_row}, column {name!r}: {values[i]} is not finite"
            )
    return values


def _lists(pa, pc, arr, name: str, where: str) -> np.ndarray:
    """A column of fixed-length (nested) lists of numbers as an ``(n, d1, d2, ...)`` array."""
    n, dims, per_row = len(arr), [], 1
    arr = _unwrap_array(pa, arr)
    while _is_list(pa, arr.type):
        if arr.null_count:
            first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
            raise _missing(where, first // per_row, name, "a missing list (null)")
        if pa.types.is_fixed_size_list(arr.type):
            length = arr.type.list_size
        else:
            lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
            odd = np.flatnonzero(lengths != lengths[0]) if lengths.size else lengths
            if odd.size:
                j = int(odd[0])
                raise InputError(
                    f"{where}, column {name!r}: lists of different lengths (row 0: "
                    f"{lengths[0]} values, row {j // per_row}: {lengths[j]}); a feature column "
                    "needs one length (pad or cut the lists first)"
                )
            length = int(lengths[0]) if lengths.size else 0
        if length == 0:
            raise InputError(f"{where}, column {name!r} holds empty lists: no features")
        dims.append(int(length))
        per_row *= int(length)
        arr = _unwrap_array(pa, arr.flatten())
    return _numbers(pa, arr, name, where, per_row).reshape(n, *dims)


def _mode_text(shape: tuple) -> str:
    return f"{shape[0]}x{shape[1]} " + ("grayscale" if len(shape) == 2 else "colour")


def _decode(data: bytes, what: str) -> np.ndarray:
    """One PNG/JPEG image as uint8 ``(H, W)`` (grayscale) or ``(H, W, 3)`` (colour)."""
    from PIL import UnidentifiedImageError

    try:
        with _guard.open_image(io.BytesIO(data), what) as im:
            mode = im.mode
            im.load()
            if mode in _GRAY_MODES:
                im = im.convert("L")
            elif mode in _COLOUR_MODES:
                im = im.convert("RGB")
            else:
                raise InputError(
                    f"{what} has Pillow mode {mode!r} (16-bit or floating point); only 8-bit "
                    "grayscale and colour images are read: convert it to 8 bits first"
                )
            return np.asarray(im, dtype=np.uint8)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InputError(
            f"cannot read {what}: not a valid PNG/JPEG image (corrupt or truncated?)"
        ) from None


def _images(pa, arr, name: str, where: str, base: Path) -> np.ndarray:
    """A column of ``datasets``-style image structs (``bytes``, ``path``) as uint8 pixels."""
    arr = _unwrap_array(pa, arr)
    n = len(arr)
    if arr.null_count:
        first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise _missing(where, first, name, "a missing image (null)")
    children, typ = arr.flatten(), arr.type
    data, paths = children[typ.get_field_index("bytes")], children[typ.get_field_index("path")]
    out, first_shape = None, None
    for i in range(n):
        what = f"{where}, row {i}, column {name!r}"
        raw = data[i].as_py()
        if raw is None:
            path = paths[i].as_py()
            if not path:
                raise _missing(where, i, name, "an image with neither bytes nor a path")
            file = Path(path).expanduser()
            file = file if file.is_absolute() else base / file
            raw = _guard.read_file(file, f"image file of {what}")
            what = f"{what} ({file})"
        img = _decode(raw, f"the image at {what}")
        if out is None:
            first_shape = img.shape
            check_memory(
                _BYTES_PER_VALUE * 2 * n * img.size,
                f"column {name!r} of {where} ({n} images of {_mode_text(img.shape)} pixels, "
                "kept as uint8, then float32)",
            )
            out = np.empty((n, *img.shape), dtype=np.uint8)
        elif img.shape != first_shape:
            raise InputError(
                f"{where}, column {name!r}: images differ in size: row 0 is "
                f"{_mode_text(first_shape)}, row {i} is {_mode_text(img.shape)}; all images must "
                "share one size and colour mode (resize or convert them first)"
            )
        out[i] = img
    return out


def _labels(pa, column, name: str, where: str, names: list[str] | None) -> tuple[list, np.ndarray]:
    """Classes and integer codes of the label column (``names``: a ``ClassLabel``'s names)."""
    arr = _unwrap_array(pa, column.combine_chunks())
    if arr.null_count:
        row = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise InputError(f"{where}, row {row}, label column {name!r}: a missing label (null)")
    typ = arr.type
    if names is not None and pa.types.is_integer(typ):
        codes = arr.to_numpy(zero_copy_only=False).astype(np.int64)
        bad = (codes < 0) | (codes >= len(names))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            what = (
                "a missing label (-1, datasets' mark of an unlabelled row)"
                if codes[row] == -1
                else f"{codes[row]} is not a class of its ClassLabel ({len(names)} names)"
            )
            raise InputError(f"{where}, row {row}, label column {name!r}: {what}")
        if np.unique(codes).size < 2:
            raise InputError(
                f"{where}: the label column {name!r} holds one class ({names[codes[0]]!r}); a "
                "task needs at least two"
            )
        return list(names), codes
    text = pa.types.is_string(typ) or pa.types.is_large_string(typ)
    if not (text or _is_number(pa, typ)):
        raise InputError(
            f"{where}, label column {name!r} has type {typ}: labels must be numbers or text"
        )
    values = arr.to_pylist()
    for row, v in enumerate(values):
        if (v != v) if isinstance(v, float) else (text and v.strip().lower() in _MISSING):
            raise InputError(f"{where}, row {row}, label column {name!r}: a missing label ({v!r})")
    return _classes(where, name, values)


def _build(
    pa,
    pc,
    table,
    cols: _Columns,
    *,
    where: str,
    base: Path,
    source: str,
    class_names: list[str] | None,
    metadata: dict,
) -> Dataset:
    """The :class:`Dataset` of the chosen columns of an Arrow table."""
    n = table.num_rows
    if n == 0:
        raise InputError(f"{where} has no rows")
    classes, codes = _labels(pa, table.column(cols.label), cols.label, where, class_names)
    parts = []
    for name, kind in cols.features:
        arr = table.column(name).combine_chunks()
        if kind == "image":
            parts.append(_images(pa, arr, name, where, base))
        elif kind == "list":
            parts.append(_lists(pa, pc, arr, name, where))
        else:
            parts.append(_numbers(pa, _unwrap_array(pa, arr), name, where, 1).reshape(n, 1))
    images = [name for name, kind in cols.features if kind == "image"]
    all_bytes = all(p.dtype == np.uint8 for p in parts)
    if len(parts) == 1:
        x = parts[0]
    elif all_bytes or not images:
        x = np.concatenate([p.reshape(n, -1) for p in parts], axis=1)
    else:  # images among other columns: only the images are pixels
        x = np.concatenate(
            [
                np.divide(p.reshape(n, -1), 255.0, dtype=np.float32)
                if kind == "image"
                else p.reshape(n, -1).astype(np.float32)
                for p, (_, kind) in zip(parts, cols.features, strict=True)
            ],
            axis=1,
        )
    meta = {
        **metadata,
        "label_column": cols.label,
        "feature_columns": [name for name, _ in cols.features],
        "classes": classes,
    }
    if cols.skipped:
        meta["skipped_columns"] = cols.skipped
    data = Dataset.from_arrays(
        x,
        codes,
        name=source,
        source=source,
        scale=255.0 if all_bytes else None,
        metadata=meta,
    )
    if all_bytes and images:
        data = dataclasses.replace(data, scaling=_SCALING_BYTE)
    elif images and not all_bytes:
        shown = ", ".join(images)
        data = dataclasses.replace(
            data, scaling=f"image columns ({shown}) / 255 -> [0, 1]; other columns as is"
        )
    return data


def _hf_features(features: dict) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """From ``datasets``' serialised features: type names, ClassLabel names, descriptions."""
    types, names, describe = {}, {}, {}
    for col, f in features.items():
        if not isinstance(f, dict):
            continue
        kind = f.get("_type")
        if isinstance(kind, str):
            types[col] = kind
            describe[col] = kind
        if kind == "ClassLabel" and isinstance(f.get("names"), list):
            names[col] = [str(v) for v in f["names"]]
    return types, names, describe


# --- parquet: ---------------------------------------------------------------------------------


def load_parquet(
    path: str | Path,
    *,
    label: str | None = None,
    features: list[str] | None = None,
) -> Dataset:
    """A Parquet file's feature columns and its label column (module docstring).

    Raises:
      InputError: pyarrow is missing, the file is missing or not Parquet, a column is unknown or
        unusable, a value is missing, lists or images differ in size, or there is one class.
    """
    pa, pc, pq = _import_pyarrow(f"reading the parquet file {path}")
    path = Path(path).expanduser()
    check_regular_file(path, "parquet file")
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            head = f.read(4)
            f.seek(max(size - 4, 0))
            tail = f.read(4)
    except OSError as exc:
        raise InputError(f"could not read parquet file {path}: {exc.strerror or exc}") from None
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise InputError(
            f"{path} is not a parquet file (those start and end with 'PAR1'); it starts with "
            f"bytes {head.hex(' ') or '(none: the file is empty)'}"
        )
    try:
        with pq.ParquetFile(path) as pf:
            schema, meta = pf.schema_arrow, pf.metadata
            names = list(schema.names)
            hf_types, class_names, describe = {}, {}, {}
            raw = (schema.metadata or {}).get(b"huggingface")
            if raw:
                try:
                    hf = json.loads(raw)
                    hf_types, class_names, describe = _hf_features(hf["info"]["features"])
                except (ValueError, KeyError, TypeError):
                    pass  # not the metadata datasets writes: read the columns by their types
            arrow_types = {n: str(t) for n, t in zip(names, schema.types, strict=True)}
            describe = arrow_types | {
                n: f"{d} ({arrow_types[n]})" for n, d in describe.items() if n in arrow_types
            }
            if not names:
                raise InputError(f"{path} has no columns")
            col = _label_column(path, names, label)
            cols = _choose_columns(
                pa,
                str(path),
                schema,
                label=col,
                features=features,
                hf_types=hf_types,
                describe=describe,
            )
            wanted = {cols.label, *(n for n, _ in cols.features)}
            nbytes = sum(
                meta.row_group(g).column(c).total_uncompressed_size
                for g in range(meta.num_row_groups)
                for c in range(meta.num_columns)
                if meta.row_group(g).column(c).path_in_schema.split(".")[0] in wanted
            )
            check_memory(
                _BYTES_PER_VALUE * nbytes,
                f"reading {len(wanted)} columns of {path} ({meta.num_rows} rows, "
                f"{format_bytes(nbytes)} uncompressed)",
                hint="name fewer columns with :features=",
            )
            table = pf.read(columns=[n for n in names if n in wanted])
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"could not read {path} as a parquet file: {_first_line(exc)}") from None
    return _build(
        pa,
        pc,
        table,
        cols,
        where=str(path),
        base=path.parent,
        source=str(path),
        class_names=class_names.get(cols.label),
        metadata={"format": "parquet"},
    )


# --- hf: --------------------------------------------------------------------------------------


def _hf_label(where: str, names: list[str], hf_types: dict[str, str]) -> int:
    for default in ("label", "labels"):
        if default in names:
            return names.index(default)
    class_labels = [n for n in names if hf_types.get(n) == "ClassLabel"]
    if len(class_labels) == 1:
        return names.index(class_labels[0])
    found = "no" if not class_labels else f"{len(class_labels)}"
    raise InputError(
        f"{where} has no column 'label' or 'labels' and {found} ClassLabel columns; name the label "
        f"column with :label=COLUMN; its columns: {_show(names)}"
    )


def load_hf(
    directory: str | Path,
    *,
    split: str | None = None,
    label: str | None = None,
    features: list[str] | None = None,
) -> Dataset:
    """A dataset saved with ``datasets``' ``save_to_disk`` (module docstring).

    Raises:
      InputError: ``datasets`` is missing, the folder is missing or not written by
        ``save_to_disk``, the split or a column is unknown or unusable, a value is missing, lists
        or images differ in size, or there is one class.
    """
    datasets, pa, pc = _import_datasets(f"reading the saved dataset {directory}")
    root = Path(directory).expanduser()
    if not root.exists():
        raise InputError(f"saved dataset folder {root} does not exist")
    if not root.is_dir():
        hint = " (for a Parquet file use parquet:FILE)" if root.suffix == ".parquet" else ""
        raise InputError(f"{root} is a file, not a folder written by datasets' save_to_disk{hint}")
    is_dict = (root / "dataset_dict.json").is_file()
    if not is_dict and not (root / "state.json").is_file():
        raise InputError(
            f"{root} is not a folder written by datasets' save_to_disk (it has neither "
            "dataset_dict.json nor state.json)"
        )
    try:
        loaded = datasets.load_from_disk(str(root))
        if is_dict or isinstance(loaded, datasets.DatasetDict):
            splits = list(loaded)
            if not splits:
                raise InputError(f"{root} holds a DatasetDict with no splits")
            if split is None:
                split = "test" if "test" in splits else splits[0]
            elif split not in splits:
                raise InputError(f"{root} has no split {split!r}; its splits: {', '.join(splits)}")
            ds = loaded[split]
            where = f"{root} (split {split!r})"
        else:
            if split is not None:
                raise InputError(
                    f"{root} holds one Dataset, saved without splits; drop split={split}"
                )
            ds, where = loaded, str(root)
        table = ds.with_format("arrow")[:]
        feats = ds.features
        hf_types = {n: type(f).__name__ for n, f in feats.items()}
        class_names = {
            n: [str(v) for v in f.names] for n, f in feats.items() if hf_types[n] == "ClassLabel"
        }
        describe = {n: str(f) for n, f in feats.items()}
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"could not load {root} with datasets.load_from_disk: {_first_line(exc)}"
        ) from None
    names = list(table.schema.names)
    describe = {n: describe.get(n, str(table.schema.field(n).type)) for n in names}
    if not names:
        raise InputError(f"{where} has no columns")
    col = _hf_label(where, names, hf_types) if label is None else _label_column(where, names, label)
    cols = _choose_columns(
        pa,
        where,
        table.schema,
        label=col,
        features=features,
        hf_types=hf_types,
        describe=describe,
    )
    nbytes = sum(table.column(n).nbytes for n in (cols.label, *(c for c, _ in cols.features)))
    check_memory(
        _BYTES_PER_VALUE * nbytes,
        f"reading {len(cols.features) + 1} columns of {where} ({table.num_rows} rows, "
        f"{format_bytes(nbytes)} in Arrow)",
        hint="name fewer columns with :features=",
    )
    meta = {"format": "hf"}
    if is_dict:
        meta["split"] = split
    return _build(
        pa,
        pc,
        table,
        cols,
        where=where,
        base=root,
        source=str(root) + (f" (split {split})" if is_dict else ""),
        class_names=class_names.get(cols.label),
        metadata=meta,
    )


# --- specs ------------------------------------------------------------------------------------


def _split_options(spec: str, rest: str, keys: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The path and the ``:key=value`` options after it (peeled off the right end)."""
    options: dict[str, str] = {}
    valid = ", ".join(_OPTIONS[k] for k in keys)
    while True:
        head, colon, word = rest.rpartition(":")
        key, eq, value = word.partition("=")
        key = key.strip()
        if colon and eq and key in keys:
            if key in options:
                raise InputError(f"dataset spec {spec!r} gives {key}= twice")
            if not value.strip():
                raise InputError(f"dataset spec {spec!r}: {key}= needs a value ({_OPTIONS[key]})")
            options[key] = value.strip()
            rest = head
            continue
        if colon and eq and "/" not in word and "\\" not in word:
            raise InputError(f"dataset spec {spec!r}: unknown option {word!r}; valid: {valid}")
        return rest, options


def _feature_list(spec: str, text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [c.strip() for c in text.split(";")]
    if not all(items):
        raise InputError(
            f"dataset spec {spec!r}: features= lists an empty column name (separate columns with ;)"
        )
    return items


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """The dataset for ``parquet:`` and ``hf:`` specs (module docstring)."""
    scheme = spec.partition(":")[0].strip()
    keys = _SCHEME_OPTIONS[scheme]
    if scheme == "parquet":
        _import_pyarrow(f"dataset spec {spec!r}")
    else:
        _import_datasets(f"dataset spec {spec!r}")
    path, options = _split_options(spec, rest, keys)
    if not path.strip():
        raise InputError(
            f"dataset spec {spec!r} names no {'file' if scheme == 'parquet' else 'folder'}"
        )
    _guard.check_option(spec, path, ", ".join(_OPTIONS[k] for k in keys))
    features = _feature_list(spec, options.get("features"))
    if scheme == "parquet":
        data = load_parquet(path, label=options.get("label"), features=features)
    else:
        data = load_hf(
            path, split=options.get("split"), label=options.get("label"), features=features
        )
    return dataclasses.replace(data, name=spec)
