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


def data_root() -> Path:
    """The data directory of the experiments: ``$IBC_DATA`` when set (the variable the CLI and
    the tests read), else the offline folder ``../shared/data`` beside the repository."""
    import os

    env = os.environ.get("IBC_DATA")
    return (
        Path(env).expanduser()
        if env
        else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
