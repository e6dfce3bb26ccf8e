r"""Multi-process batch jobs: every process computes its own block of each unit into its own
shard folder; a merge step assembles the shards into the usual single-process output.

Blocks. Process ``I`` of ``P`` computes, for each unit of ``S_max`` hypotheses, the block
:func:`~ibcomplexity.sampling.process_range` ``(0, S_max, process_index=I, process_count=P,
chunk=job.chunk_size)``: contiguous, disjoint, in process order, covering ``[0, S_max)``, and
aligned with the job's chunk grid (:func:`~ibcomplexity.batch.store.chunk_grid`), so each block
is a run of whole single-process chunks (a process may get an empty block when ``P`` exceeds a
unit's chunk count). Chunk ``[a, b)`` is computed exactly as a single-process run computes it
(the same unit key, ``start=a``, the same width), so the merged losses are the single-process
losses bit for bit (on the same kind of device).

Layout and who writes what::

    DIR/shards/p<I>of<P>/      written by process I only: the store format of
                               :mod:`ibcomplexity.batch.store` (job.toml, job.json with a
                               "shard" record, manifest.json, units/, .lock)
    DIR/job.toml, job.json, manifest.json, units/, results.csv, results.json, plots/
                               written by the merge only, after every process has finished

A process writes nothing outside its own shard folder (it creates ``DIR`` and ``DIR/shards``
with ``mkdir(exist_ok=True)``, which is safe when several do it at once), so no file has two
writers and no process waits for another to create anything. Each shard folder has its own
``.lock``, held while its process writes it (and while a merge reads it). The shard record in
``job.json`` is ``{"format", "process_index", "process_count", "chunk_size", "blocks": {unit:
[a, b]}, "local_devices"}``.

Merge (:func:`merge_shards`): the shards of one run (one ``P``; folders of another ``P`` are
refused as stale) must all be there, carry the job's content hash (checked against the job file
given to the merge, listing what changed), match their folder names and this job's blocks, pass
the checksum verification of every chunk, and hold every chunk of their blocks. Missing or
incomplete shards are named, with the ranges they lack. The verified chunk files are then
copied, unchanged (same bytes, same sha256), into ``DIR/units/`` with a normal manifest, and the
usual results step (:func:`~ibcomplexity.batch.runner.run_job` with nothing left to compute)
writes ``results.csv``, ``results.json`` and the plots. A merge interrupted at any point is
simply rerun (chunks already merged are kept); rerunning a finished merge only rewrites the
results. The shards can be deleted after a successful merge.

Resume works per shard: a process restarted with ``--resume`` and the same ``I`` and ``P``
recomputes only the chunks its shard's manifest lacks (or, with ``--repair``, those that are
corrupt).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibcomplexity._json import jsonable
from ibcomplexity._limits import check_output_dir
from ibcomplexity._validation import InputError
from ibcomplexity.batch.runner import (
    BatchResult,
    Progress,
    Unit,
    check_loaded,
    check_platform,
    chunk_checker,
    command,
    compute_chunks,
    data_checker,
    data_record,
    plan_units,
    platform_record,
    record_info,
    run_job,
)
from ibcomplexity.batch.spec import Job
from ibcomplexity.batch.store import ChunkStore, Remedies, chunk_grid

__all__ = [
    "SHARDS",
    "MergeResult",
    "ShardResult",
    "block_chunks",
    "merge_shards",
    "run_shard",
    "shard_blocks",
    "shard_dir",
    "wait_for_all_processes",
]

SHARDS = "shards"
SHARD_FORMAT = "ibcomplexity-batch-shard/1"
_NAME = re.compile(r"^p(\d+)of(\d+)$")
# The end-of-run barrier waits this long (the most a 32-bit millisecond count holds, ~24.8 days).
_BARRIER_MS = 2**31 - 1


def shard_dir(out: str | Path, process_index: int, process_count: int) -> Path:
    """``out/shards/p<I>of<P>``: the folder of process ``I`` of ``P``."""
    return Path(out) / SHARDS / f"p{process_index}of{process_count}"


def shard_blocks(
    job: Job, units: list[Unit], process_index: int, process_count: int
) -> dict[str, tuple[int, int]]:
    """``{unit id: (a, b)}``: the hypotheses of each unit that process ``I`` of ``P`` computes."""
    from ibcomplexity.sampling import process_range

    return {
        u.id: process_range(
            0,
            u.num,
            process_index=process_index,
            process_count=process_count,
            chunk=job.chunk_size,
        )
        for u in units
    }


def block_chunks(job: Job, unit: Unit, block: tuple[int, int]) -> list[tuple[int, int]]:
    """The chunks of the job's grid that make up ``block`` of ``unit``."""
    a, b = block
    return [c for c in chunk_grid(unit.num, job.chunk_size) if a <= c[0] < b]


def _check_process(process_index: int, process_count: int) -> None:
    for name, v, lo in (("process_count", process_count, 1), ("process_index", process_index, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise InputError(f"{name} must be an integer >= {lo}, got {v!r}")
    if process_index >= process_count:
        raise InputError(
            f"process_index must be in 0 .. process_count - 1 = {process_count - 1}, got "
            f"{process_index}"
        )


def _shard_folders(out: Path) -> dict[int, dict[int, Path]]:
    """``{P: {I: folder}}`` of the ``p<I>of<P>`` folders in ``out/shards``."""
    found: dict[int, dict[int, Path]] = {}
    folder = out / SHARDS
    if folder.is_dir():
        for p in folder.iterdir():
            m = _NAME.match(p.name)
            if m and p.is_dir():
                found.setdefault(int(m.group(2)), {})[int(m.group(1))] = p
    return found


def _names(folders) -> str:
    names = sorted(p.name for p in folders)
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _ranges(chunks: list[tuple[int, int]]) -> str:
    """``[0, 16), [24, 32)``: the chunks with adjacent ones joined."""
    joined: list[list[int]] = []
    for a, b in sorted(chunks):
        if joined and joined[-1][1] == a:
            joined[-1][1] = b
        else:
            joined.append([a, b])
    return ", ".join(f"[{a}, {b})" for a, b in joined)


def _shard_remedies(job: Job, out: Path, i: int, count: int) -> Remedies:
    """The commands that resume or repair shard ``i`` of ``count`` alone (no runtime needed)."""
    shard = ("--shard", f"{i}/{count}")
    return Remedies(
        resume=command(job, out, *shard, "--resume"),
        repair=command(job, out, *shard, "--resume", "--repair"),
    )


# ------------------------------------------------------------------------------- one shard


@dataclass(frozen=True)
class ShardResult:
    """What :func:`run_shard` did.

    Attributes:
      out: the job's output folder; shard: this process's shard folder.
      process_index, process_count: ``I`` and ``P``.
      blocks: ``{unit id: [a, b]}``, the hypotheses of each unit in this shard.
      job_hash: the job's content hash.
      resumed: whether this run continued an existing shard.
      chunks_computed, hypotheses_computed: what this run computed.
      chunks, hypotheses: the shard's size (all its blocks).
      wall_seconds: wall time of this run.
      local_devices: ``jax.local_device_count()``.
      skipped: notes on skipped optional tasks.
      warnings: what the run could not check (see :class:`~ibcomplexity.batch.BatchResult`).
    """

    out: str
    shard: str
    process_index: int
    process_count: int
    blocks: dict[str, list[int]]
    job_hash: str
    resumed: bool
    chunks_computed: int
    hypotheses_computed: int
    chunks: int
    hypotheses: int
    wall_seconds: float
    local_devices: int
    skipped: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))


def _check_out_for_shards(out: Path, process_count: int, resume: bool) -> None:
    """Refuse an ``out`` that holds anything but shards of a ``process_count``-process run
    (without ``resume``: anything but ``shards``)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {out} exists and is not a directory")
    others = {p: f for p, f in _shard_folders(out).items() if p != process_count}
    if others:
        stale = [f for fs in others.values() for f in fs.values()]
        counts = ", ".join(str(p) for p in sorted(others))
        raise InputError(
            f"{out / SHARDS} holds shards of a run with {counts} processes ({_names(stale)}), "
            f"not {process_count}; resume that run with the same process count, or choose "
            "another --out"
        )
    if not resume and out.is_dir():
        extra = sorted(p.name for p in out.iterdir() if p.name != SHARDS)
        if extra:
            raise InputError(
                f"output directory {out} is not empty ({', '.join(extra[:6])}); a multi-process "
                "run writes its shards into a new or empty --out (use --resume to continue "
                "the shards there)"
            )


def run_shard(
    job: Job,
    out: str | Path,
    *,
    process_index: int,
    process_count: int,
    resume: bool = False,
    repair: bool = False,
    progress: Progress | None = None,
) -> ShardResult:
    """Compute (or resume) process ``I``'s shard of ``job``: for each unit, the chunks of its
    block, checkpointed into ``out/shards/p<I>of<P>/``. No results are computed: once every
    shard is complete, :func:`merge_shards` assembles them.

    Args:
      job: a validated job (:func:`~ibcomplexity.batch.job.load_job`); every process validates
        the same job file.
      out: the job's output folder, shared by the processes (without ``resume`` it may hold
        nothing but other processes' shard folders of the same run).
      process_index, process_count: ``I`` and ``P`` (``0 <= I < P``).
      resume: continue this process's shard (the job must be unchanged); a missing or empty
        shard starts afresh.
      repair: with ``resume``, recompute missing or corrupt checkpoints instead of refusing.
      progress: optional ``progress(done, total, description)`` over this shard's hypotheses.

    Raises:
      InputError: an occupied ``out`` or shard folder without ``resume``; shards of another
        process count in ``out``; a changed job, corrupt checkpoints or a shard record that
        does not match on resume; a shard in use by another process.
    """
    import jax

    t_start = time.perf_counter()
    check_loaded(job)
    _check_process(process_index, process_count)
    out = Path(out)
    check_output_dir(out, "output directory")
    _check_out_for_shards(out, process_count, resume)
    root = shard_dir(out, process_index, process_count)
    units = plan_units(job)
    blocks = shard_blocks(job, units, process_index, process_count)
    record = {
        "format": SHARD_FORMAT,
        "process_index": process_index,
        "process_count": process_count,
        "chunk_size": job.chunk_size,
        "blocks": {k: list(v) for k, v in blocks.items()},
    }
    need = {u.id: block_chunks(job, u, blocks[u.id]) for u in units}
    canonical = job.canonical()
    tasks: dict[int, Any] = {}
    current = data_record(job, units, tasks)
    warnings: list[str] = []
    remedies = _shard_remedies(job, out, process_index, process_count)
    fresh = ChunkStore.unstarted(root)
    if resume and not fresh:
        store = ChunkStore.open(
            root,
            job_hash=job.content_hash,
            job=canonical,
            repair=repair,
            job_text=job.text,
            info={"shard": {**record, "local_devices": jax.local_device_count()}},
            chunks=need,
            check=chunk_checker(job, units),
            check_info=data_checker(job, current, root, warnings),
            remedies=remedies,
        )
        try:
            _check_record(store, record)
        except BaseException:
            store.close()
            raise
    else:
        info = {
            "shard": {**record, "local_devices": jax.local_device_count()},
            "data": current,
            "platform": platform_record(),
        }
        store = ChunkStore.create(
            root,
            job_hash=job.content_hash,
            job=canonical,
            job_text=job.text,
            resume=resume,
            info=info,
            check=chunk_checker(job, units),
            remedies=remedies,
        )
    with store:
        todo = {k: [c for c in v if c not in store.completed(k)] for k, v in need.items()}
        total = sum(b - a for v in need.values() for a, b in v)
        done = total - sum(b - a for v in todo.values() for a, b in v)
        if resume and not fresh and done < total:
            check_platform(store.info, root, warnings)
        record_info(store, current)
        label = f"process {process_index}/{process_count}: "
        if progress is not None:
            progress(done, total, label + ("resuming" if done else "starting"))
        computed, computed_h = compute_chunks(
            job,
            store,
            units,
            todo,
            done=done,
            total=total,
            progress=progress,
            tasks=tasks,
            label=label,
        )
    return ShardResult(
        out=str(out),
        shard=str(root),
        process_index=process_index,
        process_count=process_count,
        blocks={k: list(v) for k, v in blocks.items()},
        job_hash=job.content_hash,
        resumed=resume and not fresh,
        chunks_computed=computed,
        hypotheses_computed=computed_h,
        chunks=sum(len(v) for v in need.values()),
        hypotheses=total,
        wall_seconds=time.perf_counter() - t_start,
        local_devices=jax.local_device_count(),
        skipped=[f"tasks[{i}] ({job.task_label(i)}): {why}" for i, why in job.skipped.items()],
        warnings=warnings,
    )


def _check_record(store: ChunkStore, record: dict[str, Any]) -> None:
    """The shard record in ``store``'s job.json must match ``record`` (the folder's name, this
    job's blocks)."""
    stored = store.info.get("shard")
    if not isinstance(stored, dict) or stored.get("format") != SHARD_FORMAT:
        raise InputError(f"{store.root / 'job.json'} holds no shard record: not a shard folder")
    diffs = [
        f"{k} {stored.get(k)!r} (expected {v!r})"
        for k, v in record.items()
        if k != "blocks" and stored.get(k) != v
    ]
    if not diffs and stored.get("blocks") != record["blocks"]:
        theirs, ours = stored.get("blocks") or {}, record["blocks"]
        units = sorted(set(theirs) ^ set(ours))
        changed = sorted(k for k in set(theirs) & set(ours) if theirs[k] != ours[k])
        what = []
        if units:
            what.append(
                f"units {', '.join(units)} are in one but not the other (an optional task "
                "whose data is missing on one machine?)"
            )
        if changed:
            what.append(f"other blocks for {', '.join(changed)}")
        diffs.append("its blocks differ from this job's: " + "; ".join(what))
    if diffs:
        raise InputError(f"shard {store.root} does not match: {'; '.join(diffs)}")


def wait_for_all_processes(name: str = "ibc-batch-shards-done") -> bool:
    """Wait (up to ~24 days) until every process of JAX's distributed runtime gets here.

    Without it, a process that finishes its shard more than JAX's shutdown timeout (5 minutes)
    before the slowest one fails the runtime's shutdown barrier, which aborts *every* process,
    the ones still computing included. Returns ``False`` (without waiting) when no distributed
    runtime is running.
    """
    try:
        from jax._src import distributed
    except ImportError:  # pragma: no cover - jax without the private module
        return False
    client = getattr(getattr(distributed, "global_state", None), "client", None)
    if client is None:
        return False
    client.wait_at_barrier(name, timeout_in_ms=_BARRIER_MS)
    return True


# ------------------------------------------------------------------------------- the merge


@dataclass(frozen=True)
class MergeResult:
    """What :func:`merge_shards` did.

    Attributes:
      shards: the shard folders, in process order.
      process_count: ``P``.
      chunks_copied: chunks copied into ``out/units`` by this merge.
      chunks_present: chunks that an earlier (interrupted) merge had already copied.
      devices: the local devices of the processes that computed the shards, summed.
      result: the results step's :class:`~ibcomplexity.batch.runner.BatchResult`.
    """

    shards: list[str]
    process_count: int
    chunks_copied: int
    chunks_present: int
    devices: int
    result: BatchResult

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("shards", "process_count", "chunks_copied")}
        d |= {"chunks_present": self.chunks_present, "devices": self.devices}
        return jsonable(d)


def _find_shards(out: Path, job: Job) -> tuple[int, list[Path]]:
    """``(P, [shard 0, ..., shard P-1])``, or an InputError naming what is missing."""
    found = _shard_folders(out)
    if not found:
        raise InputError(
            f"{out} holds no shards to merge (no p<I>of<P> folders in {out / SHARDS}): run the "
            "job in every process first (--distributed, --coordinator/--num-processes/"
            "--process-id, or --shard I/P)"
        )
    if len(found) > 1:
        listing = "; ".join(
            f"{p} processes: {_names(f.values())}" for p, f in sorted(found.items())
        )
        raise InputError(
            f"{out / SHARDS} holds shards of runs with different process counts ({listing}); "
            "remove the stale ones (or merge them in another --out)"
        )
    ((count, folders),) = found.items()
    bad = sorted(i for i in folders if i >= count)
    if bad:
        raise InputError(
            f"{out / SHARDS} holds shard folders with no such process: "
            f"{_names(folders[i] for i in bad)} (process ids run from 0 to {count - 1})"
        )
    missing = [i for i in range(count) if i not in folders]
    if missing:
        paths = ", ".join(str(shard_dir(out, i, count)) for i in missing)
        s = "s" if len(missing) > 1 else ""
        raise InputError(
            f"cannot merge {out}: shard{s} {paths} of the {count}-process run "
            f"{'are' if s else 'is'} missing; run process{'es' if s else ''} "
            f"{', '.join(map(str, missing))} (e.g. "
            f"'{command(job, out, '--shard', f'{missing[0]}/{count}')}') and merge again"
        )
    return count, [folders[i] for i in range(count)]


def _shards_platform(stores: list[ChunkStore], job: Job, out: Path, count: int):
    """The platform record the shards share (None when none recorded one); refuses shards
    computed on different JAX backends or x64 settings (their merge would match no
    single-process run)."""
    seen: dict[tuple, list[int]] = {}
    records = {}
    for i, store in enumerate(stores):
        p = store.info.get("platform")
        if isinstance(p, dict):
            key = (p.get("backend"), bool(p.get("x64")))
            seen.setdefault(key, []).append(i)
            records[key] = p
    if len(seen) > 1:
        parts = [
            f"process{'es' if len(ids) > 1 else ''} {', '.join(map(str, ids))} on JAX backend "
            f"{b!r} with 64-bit floats {'on' if x else 'off'}"
            for (b, x), ids in sorted(seen.items(), key=lambda kv: kv[1][0])
        ]
        (key, ids), *_ = sorted(seen.items(), key=lambda kv: -len(kv[1]))
        odd = next(i for k, v in seen.items() if k != key for i in v)
        raise InputError(
            f"cannot merge {out}: its shards were computed on different platforms ("
            + "; ".join(parts)
            + "), so their losses would differ in rounding from any one-platform run; "
            f"recompute the odd shards on one platform (e.g. delete {shard_dir(out, odd, count)} "
            f"and run '{command(job, out, '--shard', f'{odd}/{count}')}' there), then merge again"
        )
    return next(iter(records.values()), None)


def merge_shards(job: Job, out: str | Path, *, progress: Progress | None = None) -> MergeResult:
    """Merge the complete shards of a multi-process run in ``out`` into the usual output of a
    single-process run, then write the results (see the module docstring for the checks).

    Args:
      job: the validated job file the shards were computed from.
      out: the output folder holding ``shards/p<I>of<P>/``.
      progress: passed to the results step.

    Returns:
      The :class:`MergeResult` (its ``result`` is the usual results of the job).

    Raises:
      InputError: no shards, shards of several process counts, a missing shard, a shard of
        another job or with a mismatching record, a corrupt chunk, a shard in use, or a shard
        lacking chunks of its blocks (each named, with the ranges it lacks).
    """
    check_loaded(job)
    out = Path(out)
    check_output_dir(out, "output directory")
    count, folders = _find_shards(out, job)
    units = plan_units(job)
    canonical = job.canonical()
    tasks: dict[int, Any] = {}
    current = data_record(job, units, tasks)
    check = chunk_checker(job, units)
    merge = command(job, out, "--merge")
    warnings: list[str] = []
    stores: list[ChunkStore] = []
    copied = present = 0
    devices = 0
    try:
        needs = []
        for i, root in enumerate(folders):
            blocks = shard_blocks(job, units, i, count)
            need = {u.id: block_chunks(job, u, blocks[u.id]) for u in units}
            remedies = _shard_remedies(job, out, i, count)
            try:
                store = ChunkStore.open(
                    root,
                    job_hash=job.content_hash,
                    job=canonical,
                    job_text=job.text,
                    chunks=need,
                    check=check,
                    check_info=data_checker(job, current, root, warnings),
                    remedies=remedies,
                )
            except InputError as e:
                then = f", then merge again with '{merge}'" if remedies.repair in str(e) else ""
                raise InputError(f"shard {root} (process {i} of {count}): {e}{then}") from None
            stores.append(store)
            _check_record(
                store,
                {
                    "format": SHARD_FORMAT,
                    "process_index": i,
                    "process_count": count,
                    "chunk_size": job.chunk_size,
                    "blocks": {k: list(v) for k, v in blocks.items()},
                },
            )
            devices += int(store.info["shard"].get("local_devices") or 0)
            needs.append(need)
        platform = _shards_platform(stores, job, out, count)
        lacking, first = [], None
        for i, (store, need) in enumerate(zip(stores, needs, strict=True)):
            parts = []
            for unit, chunks in need.items():
                gap = [c for c in chunks if c not in store.completed(unit)]
                if gap:
                    parts.append(f"{unit} hypotheses {_ranges(gap)}")
            if parts:
                first = i if first is None else first
                lacking.append(f"shard {store.root} lacks {'; '.join(parts)}")
        if lacking:
            n, i = len(lacking), first
            raise InputError(
                f"cannot merge {out}: {n} incomplete shard{'s' if n > 1 else ''}:\n  "
                + "\n  ".join(lacking)
                + f"\nfinish {'each' if n > 1 else 'it'} with --resume and the same process id "
                f"and count (e.g. '{command(job, out, '--shard', f'{i}/{count}', '--resume')}'), "
                "then merge again"
            )
        merged = {"merged_from": {"process_count": count, "shards": [f.name for f in folders]}}
        top_remedies = Remedies(resume=merge, repair=merge)
        if ChunkStore.unstarted(out, keep=(SHARDS,)):
            top = ChunkStore.create(
                out,
                job_hash=job.content_hash,
                job=canonical,
                job_text=job.text,
                resume=True,
                info={**merged, "data": current, "platform": platform or platform_record()},
                keep=(SHARDS,),
                check=check,
                remedies=top_remedies,
            )
        else:
            # An earlier merge's output: whatever of it is lost or corrupt is rebuilt or copied
            # again from the shards.
            top = ChunkStore.open(
                out,
                job_hash=job.content_hash,
                job=canonical,
                repair=True,
                job_text=job.text,
                info=merged,
                chunks={u.id: chunk_grid(u.num, job.chunk_size) for u in units},
                check=check,
                check_info=data_checker(job, current, out, warnings),
                remedies=top_remedies,
            )
        with top:
            for u in units:
                have = top.completed(u.id)
                for i, (store, need) in enumerate(zip(stores, needs, strict=True)):
                    wanted = set(need[u.id])
                    for c in store.chunks(u.id):
                        span = (c["start"], c["stop"])
                        if span not in wanted:
                            continue
                        if span in have:
                            present += 1
                            continue
                        try:
                            data = store.read_entry(u.id, c)
                        except InputError as e:
                            fix = _shard_remedies(job, out, i, count).repair
                            raise InputError(
                                f"{e}; recompute it with '{fix}', then merge again with '{merge}'"
                            ) from None
                        top.write_chunk_bytes(
                            u.id,
                            *span,
                            data,
                            seconds=c.get("seconds", 0.0),
                            description=u.description(),
                            save=False,
                        )
                        copied += 1
                top.save()  # once per unit: each chunk file is durable before it is listed
    finally:
        for store in stores:
            store.close()
    result = run_job(
        job, out, resume=True, progress=progress, devices=devices or None, compute=False
    )
    if warnings:
        result = dataclasses.replace(result, warnings=[*warnings, *result.warnings])
    return MergeResult(
        shards=[str(f) for f in folders],
        process_count=count,
        chunks_copied=copied,
        chunks_present=present,
        devices=devices,
        result=result,
    )
