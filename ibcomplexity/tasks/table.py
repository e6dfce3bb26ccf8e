"""A user's own data: tables (``csv:``, ``tsv:``) and numpy arrays (``npy:``) as dataset specs.

* ``csv:FILE[:label=COLUMN]`` and ``tsv:FILE[:label=COLUMN]``: a delimited text table whose first
  row names the columns. ``COLUMN`` is the label column's name or its index (``0`` is the first,
  ``-1`` the last; default: a column named ``label``, else the last). Every other column is a
  numeric feature. Labels may be numbers or text; the distinct labels, sorted, become classes
  0, 1, .... A cell that is not a number, a missing value (an empty cell, ``NA``, ``NaN``,
  ``null``), a ragged row, an unknown label column or a single class is refused in one line naming
  the file, the row (as a text editor counts lines) and the column.
* ``npy:X.npy,Y.npy``: features (any shape ``(n, ...)``, numeric) and labels ``(n,)`` saved with
  ``numpy.save`` (pickled object arrays are refused).

Files are read in full (a table of n rows and d columns needs about ``16 n d`` bytes); the size is
checked against the memory limit before reading (:mod:`ibcomplexity._limits`).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np

from ibcomplexity._limits import check_memory, check_regular_file
from ibcomplexity._validation import InputError
from ibcomplexity.tasks.dataset import Dataset

__all__ = ["dataset_from_spec", "load_npy_pair", "load_table"]

_MISSING = {"", "na", "nan", "null", "none", "n/a", "?"}


def _split_label(spec: str, rest: str) -> tuple[str, str | None]:
    path, colon, word = rest.rpartition(":")
    if colon and word.startswith("label="):
        return path, word[len("label=") :]
    if colon and "=" in word and "/" not in word and "\\" not in word:
        raise InputError(f"dataset spec {spec!r}: unknown option {word!r}; valid: label=COLUMN")
    return rest, None


def load_table(path: str | Path, *, label: str | None = None, delimiter: str = ",") -> Dataset:
    """A table's numeric feature columns and its label column (module docstring).

    Raises:
      InputError: a missing or unreadable file, no data rows, a ragged row, a non-numeric or
        missing cell, an unknown label column, or fewer than two classes.
    """
    path = Path(path).expanduser()
    check_regular_file(path, "table")
    check_memory(16 * path.stat().st_size, f"reading the table {path}", hint="use a smaller table")
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f, delimiter=delimiter)
        try:
            header = next(rows)
        except StopIteration:
            raise InputError(f"{path} is empty: a table needs a header row and data") from None
        except csv.Error as e:
            raise InputError(f"{path}: not a readable table ({e})") from None
        header = [h.strip() for h in header]
        col = _label_column(path, header, label)
        feats = [i for i in range(len(header)) if i != col]
        if not feats:
            raise InputError(f"{path} has only the label column {header[col]!r}: no features")
        x, y = [], []
        try:
            for line, row in enumerate(rows, start=2):
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise InputError(
                        f"{path}, line {line}: {len(row)} cells where the header has "
                        f"{len(header)} columns"
                    )
                values = []
                for i in feats:
                    cell = row[i].strip()
                    if cell.lower() in _MISSING:
                        raise InputError(
                            f"{path}, line {line}, column {header[i]!r}: a missing value "
                            f"({cell!r}); fill or drop it first"
                        )
                    try:
                        v = float(cell)
                    except ValueError:
                        raise InputError(
                            f"{path}, line {line}, column {header[i]!r}: {cell[:40]!r} is not a "
                            "number (every column but the label must be numeric)"
                        ) from None
                    if not math.isfinite(v):
                        raise InputError(
                            f"{path}, line {line}, column {header[i]!r}: {cell!r} is not finite"
                        )
                    values.append(v)
                lab = row[col].strip()
                if lab.lower() in _MISSING:
                    raise InputError(
                        f"{path}, line {line}, label column {header[col]!r}: a missing label"
                    )
                x.append(values)
                y.append(lab)
        except csv.Error as e:
            raise InputError(f"{path}: not a readable table ({e})") from None
    if not x:
        raise InputError(f"{path} has a header but no data rows")
    classes, codes = _classes(path, header[col], y)
    return Dataset.from_arrays(
        np.asarray(x, dtype=np.float64),
        codes,
        name=str(path),
        source=str(path),
        metadata={
            "format": "table",
            "label_column": header[col],
            "feature_columns": [header[i] for i in feats],
            "classes": classes,
        },
    )


def _label_column(path: Path, header: list[str], label: str | None) -> int:
    if label is None:
        return header.index("label") if "label" in header else len(header) - 1
    if label in header:
        return header.index(label)
    try:
        i = int(label)
    except ValueError:
        raise InputError(
            f"{path} has no column {label!r}; its columns: {', '.join(header[:20])}"
            + (" ..." if len(header) > 20 else "")
        ) from None
    if not -len(header) <= i < len(header):
        raise InputError(f"{path} has {len(header)} columns; label={i} is out of range")
    return i % len(header)


def _classes(path, column: str, labels: list) -> tuple[list, np.ndarray]:
    try:
        values = np.asarray([float(v) for v in labels])
        numeric = True
    except ValueError:
        values, numeric = np.asarray(labels), False
    classes, codes = np.unique(values, return_inverse=True)
    if classes.size < 2:
        raise InputError(
            f"{path}: the label column {column!r} holds one class ({labels[0]!r}); a task needs "
            "at least two"
        )
    shown = [float(c) if numeric else str(c) for c in classes]
    return shown, codes.ravel()


def load_npy_pair(x_path: str | Path, y_path: str | Path) -> Dataset:
    """Features and labels from two ``.npy`` files (``numpy.save``; no pickles)."""
    arrays = []
    for p, what in ((x_path, "features"), (y_path, "labels")):
        p = Path(p).expanduser()
        check_regular_file(p, what)
        check_memory(p.stat().st_size, f"reading the {what} {p}", hint="use a smaller file")
        try:
            arrays.append(np.load(p, allow_pickle=False))
        except ValueError as e:
            raise InputError(f"{p}: not a numeric .npy array ({e})") from None
        except OSError as e:
            raise InputError(f"{p}: not a .npy file ({e})") from None
    x, y = arrays
    if y.ndim != 1 or x.ndim < 1 or x.shape[0] != y.shape[0]:
        raise InputError(
            f"npy: features {x.shape} and labels {y.shape} do not pair up: labels must be (n,) "
            "with n the features' first dimension"
        )
    if x.dtype.kind not in "biuf":
        raise InputError(f"{x_path}: features must be numeric, got dtype {x.dtype}")
    classes, codes = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise InputError(f"{y_path}: the labels hold one class; a task needs at least two")
    scale = 255.0 if x.dtype == np.uint8 else None
    return Dataset.from_arrays(
        x,
        codes.ravel(),
        name=f"{x_path},{y_path}",
        source=f"{x_path},{y_path}",
        scale=scale,
        metadata={"format": "npy", "classes": classes.tolist()},
    )


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """The dataset for ``csv:``, ``tsv:`` and ``npy:`` specs (module docstring)."""
    scheme = spec.partition(":")[0].strip()
    if scheme == "npy":
        parts = rest.split(",")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise InputError(f"dataset spec {spec!r} must name two files: npy:X.npy,Y.npy")
        data = load_npy_pair(parts[0].strip(), parts[1].strip())
    else:
        path, label = _split_label(spec, rest)
        if not path.strip():
            raise InputError(f"dataset spec {spec!r} names no file")
        data = load_table(path, label=label, delimiter="\t" if scheme == "tsv" else ",")
    return dataclasses.replace(data, name=spec)
