"""``ibc batch``: run a resumable batch job file (see :mod:`ibcomplexity.batch` for the schema).

Progress (hypotheses done, throughput, ETA) goes to stderr, only on a terminal; ``--json`` prints
the results as one JSON object on stdout.

Multi-process runs (see :mod:`ibcomplexity.batch.shards`): ``--distributed`` (cluster
auto-detection), ``--coordinator HOST:PORT --num-processes P --process-id I`` (explicit) or
``--shard I/P`` (no distributed runtime) make this process compute its shard
``DIR/shards/p<I>of<P>``; ``--merge`` then assembles the complete shards of ``DIR`` and writes
the results.
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
    b.add_argument(
        "--merge",
        action="store_true",
        help="merge the complete shards of a multi-process run in --out (DIR/shards/p<I>of<P>) "
        "into the usual output, then write the results (rerun it freely)",
    )
    g = b.add_argument_group(
        "multi-process runs",
        "Run the same command in every process: each computes its own chunk-aligned block of "
        "every unit into DIR/shards/p<I>of<P>/ (no results); then run once with --merge. "
        "--resume with the same process id and count resumes a shard.",
    )
    g.add_argument(
        "--distributed",
        action="store_true",
        help="start JAX's distributed runtime with cluster auto-detection (Slurm, Open MPI, "
        "Cloud TPU)",
    )
    g.add_argument(
        "--coordinator",
        default=None,
        metavar="HOST:PORT",
        help="explicit mode: process 0's address (with --num-processes and --process-id)",
    )
    g.add_argument("--num-processes", type=int, default=None, metavar="P", help="explicit mode")
    g.add_argument("--process-id", type=int, default=None, metavar="I", help="explicit mode")
    g.add_argument(
        "--shard",
        default=None,
        metavar="I/P",
        help="compute shard I of P without the distributed runtime (independent processes, "
        "e.g. a job array, or one shard resumed alone)",
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

    from ibcomplexity.cli._output import make_console

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
        console=make_console(stderr=True),
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
    for col in ("task", "space", "target", "S", "fit", "bits [95% CI]", "regime", "exact GP bits"):
        t.add_column(col, justify="left" if col in ("task", "space") else "right")
    for r in result.rows:
        if r.get("regime") == "lower-bound":
            bits = f">= {_bits(r['ci_low_bits'])}"
        elif r["ci_low_bits"] is not None:
            bits = f"{_bits(r['bits'])} [{_bits(r['ci_low_bits'])}, {_bits(r['ci_high_bits'])}]"
        else:
            bits = _bits(r["bits"])
        t.add_row(
            r["task"],
            r["space"],
            f"{r['target']:g}",
            "-" if r["samples"] is None else str(r["samples"]),
            "-" if r["fit_samples"] is None else str(r["fit_samples"]),
            bits,
            r.get("regime") or "-",
            _bits(r["exact_bits"]),
        )
    return t


def _parse_shard(text: str) -> tuple[int, int]:
    i, sep, p = text.partition("/")
    try:
        index, count = int(i), int(p)
    except ValueError:
        index = count = -1
    if not sep or count < 1 or not 0 <= index < count:
        raise InputError(f"--shard must be I/P with 0 <= I < P (e.g. 0/4), got {text!r}")
    return index, count


def _mode(args) -> str:
    """Check the multi-process options; returns single | distributed | explicit | shard | merge."""
    flags = {
        "--coordinator": args.coordinator,
        "--num-processes": args.num_processes,
        "--process-id": args.process_id,
    }
    given = [k for k, v in flags.items() if v is not None]
    if given and len(given) < 3:
        missing = [k for k in flags if k not in given]
        raise InputError(
            "--coordinator, --num-processes and --process-id go together (or use --distributed "
            f"to auto-detect the cluster); got {', '.join(given)} without {', '.join(missing)}"
        )
    modes = [
        m
        for m, on in (
            ("--distributed", args.distributed),
            ("--coordinator/--num-processes/--process-id", given),
            ("--shard", args.shard is not None),
        )
        if on
    ]
    if len(modes) > 1:
        raise InputError(f"give one of {' or '.join(modes)}, not both")
    if args.merge:
        if modes or args.resume or args.repair:
            other = modes[0] if modes else ("--resume" if args.resume else "--repair")
            raise InputError(
                f"--merge runs alone, after every process has finished (not with {other})"
            )
        return "merge"
    if args.repair and not args.resume:
        raise InputError("--repair applies to --resume only")
    if args.distributed:
        return "distributed"
    if given:
        host, colon, port = args.coordinator.rpartition(":")
        if not colon or not host or not port.isdigit():
            raise InputError(f"--coordinator must be HOST:PORT, got {args.coordinator!r}")
        if args.num_processes < 1:
            raise InputError(f"--num-processes must be >= 1, got {args.num_processes}")
        if not 0 <= args.process_id < args.num_processes:
            raise InputError(
                f"--process-id must be in 0 .. --num-processes - 1 = {args.num_processes - 1}, "
                f"got {args.process_id}"
            )
        return "explicit"
    return "shard" if args.shard is not None else "single"


def cmd_batch(args) -> int:
    from ibcomplexity._limits import check_output_dir
    from ibcomplexity.batch import load_job, run_job

    mode = _mode(args)
    out = Path(args.out) if args.out else Path(f"ibc-batch-{Path(args.job).stem}")
    # Before the job's data is loaded or anything computed: a file, a path under a file, /proc
    # or a read-only folder is refused in one line.
    check_output_dir(out, "--out")
    index = count = None
    if mode == "shard":
        index, count = _parse_shard(args.shard)
    elif mode in ("distributed", "explicit"):
        # Before any other JAX work (loading the job may already use JAX).
        from ibcomplexity.sampling import initialize

        if mode == "distributed":
            try:
                index, count = initialize()
            except InputError as e:
                if "no cluster was detected" not in str(e):
                    raise
                raise InputError(
                    "--distributed found no cluster to join (Slurm, Open MPI or Cloud TPU); start "
                    "every process with --coordinator HOST:PORT --num-processes P --process-id I "
                    f"instead, or run independent shards with --shard I/P ({e})"
                ) from None
        else:
            index, count = initialize(args.coordinator, args.num_processes, args.process_id)
    job = load_job(args.job)
    if index is not None:
        return _cmd_shard(args, job, out, index, count, wait=mode != "shard")
    with _batch_progress(not args.quiet) as progress:
        try:
            if mode == "merge":
                from ibcomplexity.batch.shards import merge_shards

                merged = merge_shards(job, out, progress=progress)
                result = merged.result
            else:
                merged = None
                result = run_job(
                    job, out, resume=args.resume, repair=args.repair, progress=progress
                )
        except KeyboardInterrupt:
            again = "--merge" if mode == "merge" else "--resume"
            sys.stderr.write(
                f"ibc: interrupted; finished chunks are saved in {out}: continue with "
                f"'ibc batch {args.job} --out {out} {again}'\n"
            )
            return 130
    return _report(args, job, out, result, merged)


def _cmd_shard(args, job, out: Path, index: int, count: int, *, wait: bool) -> int:
    """Compute this process's shard; with ``wait``, wait for every process before returning."""
    from ibcomplexity.batch.shards import run_shard, wait_for_all_processes
    from ibcomplexity.cli._output import make_console, print_json

    resume = f"--resume and the same process id and count ({index} of {count})"
    with _batch_progress(not args.quiet) as progress:
        try:
            result = run_shard(
                job,
                out,
                process_index=index,
                process_count=count,
                resume=args.resume,
                repair=args.repair,
                progress=progress,
            )
        except KeyboardInterrupt:
            sys.stderr.write(
                f"ibc: interrupted; finished chunks are saved in its shard under {out}: "
                f"continue with {resume}\n"
            )
            return 130
    waited = wait and wait_for_all_processes()
    _warn(result.warnings)
    if args.json:
        print_json({"job": job.canonical(), "shard": result.as_dict()})
        return 0
    done = (
        f"computed {result.hypotheses_computed:,} hypotheses in {result.chunks_computed} chunks"
        if result.chunks_computed
        else "every chunk was already checkpointed"
    )
    merge = f"ibc batch {args.job} --out {out} --merge"
    then = (
        f"Every process has finished: merge with '{merge}'"
        if waited
        else f"When every process has finished, merge with '{merge}'"
    )
    console = make_console()
    for note in result.skipped:
        console.print(f"[yellow]{note}[/yellow]")
    console.print(
        f"process {index} of {count}: {done}; its shard {result.shard} ({result.chunks} chunks, "
        f"{result.hypotheses:,} hypotheses) is complete. {result.wall_seconds:.1f} s on "
        f"{result.local_devices} local device(s). {then}"
    )
    return 0


def _warn(warnings) -> None:
    """What a run could not check, one ``ibc: warning:`` line each on stderr."""
    for w in warnings:
        sys.stderr.write(f"ibc: warning: {w}\n")


def _report(args, job, out: Path, result, merged) -> int:
    from ibcomplexity.cli._output import make_console, print_json

    _warn(result.warnings)
    if args.json:
        extra = {"merge": merged.as_dict()} if merged is not None else {}
        print_json({"job": job.canonical(), **result.as_dict(), **extra})
        return 0
    console = make_console()
    console.print(_table(result, f"Batch job {job.title} ({job.content_hash[:12]})"))
    for note in result.skipped:
        console.print(f"[yellow]{note}[/yellow]")
    done = (
        f"computed {result.hypotheses_computed:,} hypotheses in {result.chunks_computed} chunks"
        if result.chunks_computed
        else "every chunk was already checkpointed"
        if job.tasks and job.spaces
        else "no hypotheses to sample (card tasks: the bound only)"
    )
    if merged is not None:
        done = (
            f"merged the {merged.process_count} shard(s) in {out / 'shards'} "
            f"({merged.chunks_copied} chunks copied"
            + (f", {merged.chunks_present} already merged" if merged.chunks_present else "")
            + ")"
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
