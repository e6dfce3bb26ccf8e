"""``ibc batch``: run a resumable batch job file (see :mod:`ibcomplexity.batch` for the schema).

Progress (hypotheses done, throughput, ETA) goes to stderr, only on a terminal; ``--json`` prints
the results as one JSON object on stdout.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ibcomplexity._validation import InputError


def add_parsers(sub, *, common) -> None:
    """Register ``batch`` on the ``ibc`` subparsers."""
    b = sub.add_parser(
        "batch",
        help="run a resumable job file: tasks x spaces x targets x sample counts",
        description="Run a TOML job file (schema: 'python -c \"import ibcomplexity.batch as b; "
        "help(b)\"' or experiments/batch/README.md). Chunks of hypotheses are checkpointed; a "
        "killed run continues with --resume and ends with exactly the same losses.",
    )
    b.add_argument("job", metavar="JOB.toml", help="the job file")
    b.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: ibc-batch-<job file stem>); must be new or empty unless "
        "--resume",
    )
    b.add_argument(
        "--resume",
        action="store_true",
        help="continue the job recorded in --out (the job file must be unchanged)",
    )
    b.add_argument(
        "--repair",
        action="store_true",
        help="with --resume: recompute chunks whose checkpoint is missing or corrupt instead of "
        "refusing",
    )
    common(b)
    b.set_defaults(func=cmd_batch)


@contextlib.contextmanager
def _batch_progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich bar over hypotheses with throughput and ETA, on stderr (terminals only)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    from ibcomplexity.cli import _console

    class Throughput(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- hyp/s" if speed is None else f"{speed:.3g} hyp/s")

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        Throughput(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as bar:
        state: dict[str, int] = {}

        def update(done: int, total: int, description: str) -> None:
            # Created at the first call with what is already done, so a resume's checkpointed
            # hypotheses do not count as throughput.
            if "id" not in state:
                state["id"] = bar.add_task(description, total=total, completed=done)
            bar.update(state["id"], completed=done, total=total, description=description)

        yield update


def _bits(v) -> str:
    if v is None:
        return "-"
    return "inf" if isinstance(v, float) and math.isinf(v) else f"{v:.4g}"


def _table(result, title: str):
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    for col in ("task", "space", "target", "S", "fit", "bits", "interval", "exact GP bits"):
        t.add_column(col, justify="left" if col in ("task", "space") else "right")
    for r in result.rows:
        ci = "-"
        if r["ci_low_bits"] is not None:
            ci = f"[{_bits(r['ci_low_bits'])}, {_bits(r['ci_high_bits'])}]"
        t.add_row(
            r["task"],
            r["space"],
            f"{r['target']:g}",
            str(r["samples"]),
            "-" if r["fit_samples"] is None else str(r["fit_samples"]),
            _bits(r["bits"]),
            ci,
            _bits(r["exact_bits"]),
        )
    return t


def cmd_batch(args) -> int:
    from ibcomplexity.batch import load_job, run_job
    from ibcomplexity.cli import _console, _print_json

    if args.repair and not args.resume:
        raise InputError("--repair applies to --resume only")
    job = load_job(args.job)
    out = Path(args.out) if args.out else Path(f"ibc-batch-{Path(args.job).stem}")
    with _batch_progress(not args.quiet) as progress:
        try:
            result = run_job(job, out, resume=args.resume, repair=args.repair, progress=progress)
        except KeyboardInterrupt:
            sys.stderr.write(
                f"ibc: interrupted; finished chunks are saved in {out}: continue with "
                f"'ibc batch {args.job} --out {out} --resume'\n"
            )
            return 130
    if args.json:
        _print_json({"job": job.canonical(), **result.as_dict()})
        return 0
    console = _console()
    console.print(_table(result, f"Batch job {job.title} ({job.content_hash[:12]})"))
    for note in result.skipped:
        console.print(f"[yellow]{note}[/yellow]")
    done = (
        f"computed {result.hypotheses_computed:,} hypotheses in {result.chunks_computed} chunks"
        if result.chunks_computed
        else "every chunk was already checkpointed"
    )
    console.print(
        f"{done}; {result.wall_seconds:.1f} s on {result.devices} device(s). wrote "
        f"{out / 'results.csv'}, {out / 'results.json'}"
        + (
            f" and {len(result.files) - 2} plots in {out / 'plots'}"
            if len(result.files) > 2
            else ""
        )
    )
    return 0
