"""Writing experiment results: CSV tables and strict JSON (shared by the experiment scripts)."""

from __future__ import annotations

import csv
from pathlib import Path


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write ``rows`` (dicts with the same keys, in order) as a CSV table with a header."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def jsonable(v):
    """The library's JSON convention (``ibcomplexity._json``): inf as "inf", NaN as null."""
    from ibcomplexity._json import jsonable as convert

    return convert(v)
