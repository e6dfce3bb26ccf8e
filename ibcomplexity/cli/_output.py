"""What every command shares: one-line argument errors, the console, progress bars, one JSON
object on stdout (by :mod:`ibcomplexity._json`'s rule), number formatting, result files."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ibcomplexity._validation import InputError


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (argparse's default prints the whole usage first)."""

    def error(self, message: str):  # noqa: D401
        # a 5000-digit "--samples 999..." is quoted back by argparse: shorten long values
        message = re.sub(r"'([^']{40})[^']{20,}'", r"'\1...'", message)
        raise InputError(f"{message} (see '{self.prog} --help')")


#: Width of the console when the output is not a terminal (a pipe, a file): wide enough that no
#: table is cut to fit (rich would otherwise assume 80 columns and shorten cells with '...').
PIPE_WIDTH = 400


def make_console(stderr: bool = False):
    """A rich console; through a pipe or into a file, ``$COLUMNS`` or :data:`PIPE_WIDTH` columns
    wide, so tables keep every character (tables are as wide as their content, never wider)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    columns = os.environ.get("COLUMNS", "")
    width = (
        None if tty else (int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH)
    )
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


@contextlib.contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """Yield a factory ``task(description) -> callback(done, total)`` driving rich progress bars."""
    if not enabled or not sys.stderr.isatty():
        yield lambda description: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=make_console(stderr=True),
        transient=True,
    ) as bar:

        def factory(description: str) -> Callable[[int, int], None]:
            task_id = bar.add_task(description, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task_id, completed=done, total=total)

            return update

        yield factory


#: Set by ``ibc``'s main for the commands that compute with JAX: the float32 matmul precision
#: they ran with (``""`` for JAX's default). ``None``: the command reports no platform.
REPORT_PLATFORM: str | None = None


def platform() -> dict | None:
    """Where this command computed (backend, device kind and count, precision), or None."""
    if REPORT_PLATFORM is None:
        return None
    from ibcomplexity.sampling.mesh import platform_info

    return platform_info(REPORT_PLATFORM or None)


def print_json(obj: Any) -> None:
    """One JSON object on stdout, by the library's one convention (inf as "inf"); a command that
    computed with JAX adds ``"platform"`` (:func:`~ibcomplexity.sampling.platform_info`)."""
    from ibcomplexity._json import to_json

    where = platform()
    if where is not None:
        if hasattr(obj, "as_dict") and callable(obj.as_dict):
            obj = obj.as_dict()
        if isinstance(obj, dict):
            obj = {**obj, "platform": where}
    sys.stdout.write(to_json(obj) + "\n")


def fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**7:
        import math

        from ibcomplexity._numerics import format_log10

        # through the log: a count such as 20^20 episodes (or a --set n=10^400) is past float range
        mantissa, exponent = format_log10(math.log10(abs(v)), 5).split("e")
        return ("-" if v < 0 else "") + mantissa.rstrip("0").rstrip(".") + "e" + exponent
    return str(v)


def write_text(path: Path, text: str, what: str) -> None:
    """Write a results file; a failed write (disk full, permissions) is one line naming it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise InputError(f"could not write {what} {path}: {exc.strerror or exc}") from None


def short_spec(spec: str) -> str:
    """A spec for titles and notes: long decimals (a resolved median bandwidth) to 4 significant
    digits, ``rbf:bandwidth=3.06632414300902`` -> ``rbf:bandwidth=3.066``; JSON keeps the full
    spec."""
    return re.sub(r"\d+\.\d{5,}(?:e[-+]?\d+)?", lambda m: f"{float(m.group()):.4g}", spec)


def bits_text(bits: float) -> str:

    return "infinite" if math.isinf(bits) else f"{bits:.6g} bits"
