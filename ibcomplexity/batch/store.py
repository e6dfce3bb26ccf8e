"""Crash-safe chunk checkpoints of a batch job: atomic files, checksums, a manifest.

Layout of an output folder::

    job.toml                 the job file as given (provenance only)
    job.json                 {"job_hash": ..., "job": canonical job, ...}: what a resume checks
                             (a shard's also holds a "shard" record: ibcomplexity.batch.shards)
    manifest.json            {"format", "job_hash", "units": {unit id: {"chunks": [...]}}}
    units/<unit id>/chunk_<start>_<stop>.npz    arrays of hypotheses start .. stop-1
    .lock                    flock'ed by the running process (released when it dies)

Each manifest chunk entry is ``{"start", "stop", "file", "sha256", "bytes", "seconds"}``.

Crash safety (the argument, step by step):

1. Every file is written by :func:`atomic_write_bytes`: to a fresh temporary file in the same
   folder, ``flush`` + ``os.fsync``, ``os.replace`` onto the final name, then ``fsync`` of the
   folder. A reader sees the old file or the complete new one, never a torn one, and the rename
   itself is durable once the call returns.
2. A chunk file is made durable *before* the manifest that lists it is replaced. So a manifest
   entry never points at data that a crash can lose (short of the disk lying about fsync).
3. The manifest is the only record of completed work. A crash between steps 1 and 2 leaves a chunk
   file with no entry: it is ignored and recomputed (overwritten) on resume. A crash inside step 1
   leaves a ``.<name>.tmp-*`` file: removed on resume. A crash while a new folder is set up,
   before its first manifest exists, leaves a folder that a resume treats as unstarted
   (:meth:`ChunkStore.unstarted`).
4. A chunk's values depend only on (unit key, start, stop) on a fixed chunk grid, never on what
   ran before; recomputing a chunk reproduces it bit for bit. The union of manifest ranges plus
   the recomputed complement is exactly [0, S): nothing lost, nothing duplicated (overlapping
   ranges in a manifest are reported as corruption).
5. A manifest entry whose file is missing, has the wrong size or the wrong sha256 is *corruption*
   (the disk, a copy or a person changed it): :meth:`ChunkStore.open` refuses, naming every such
   file, unless ``repair=True``, which drops those entries so the chunks are recomputed (safe by
   step 4). Every chunk is verified again when the results are assembled.
6. One writer at a time: the process holds an exclusive ``flock`` on ``.lock``; a second process
   on the same folder is refused. The kernel releases the lock when the holder dies (SIGKILL too).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ibcomplexity._validation import InputError

__all__ = [
    "MANIFEST_FORMAT",
    "ChunkStore",
    "atomic_write_bytes",
    "atomic_write_json",
    "chunk_grid",
    "npz_bytes",
]

MANIFEST_FORMAT = "ibcomplexity-batch-manifest/1"
_TMP = re.compile(r"^\..+\.tmp-\d+-[0-9a-f]+$")


# -------------------------------------------------------------------------- atomic writes


def fsync_dir(path: str | os.PathLike) -> None:
    """``fsync`` a folder, so that renames and creations inside it survive a power loss."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably.

    Writes a temporary file ``.<name>.tmp-<pid>-<random>`` in the same folder (so the rename
    never crosses file systems), flushes and ``fsync``'s it, ``os.replace``'s it onto ``path``
    and ``fsync``'s the folder. On error the temporary file is removed.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    """:func:`atomic_write_bytes` of ``obj`` as indented JSON (no NaN or infinity)."""
    atomic_write_bytes(path, (json.dumps(obj, indent=1, allow_nan=False) + "\n").encode())


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """The bytes of an uncompressed ``.npz`` archive of ``arrays``."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def chunk_grid(num: int, chunk: int) -> list[tuple[int, int]]:
    """The fixed chunk ranges ``[a, min(a + chunk, num))`` covering ``[0, num)``."""
    return [(a, min(a + chunk, num)) for a in range(0, num, chunk)]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------ the store


class ChunkStore:
    """The checkpoint folder of one job (see the module docstring for the layout and guarantees).

    Create with :meth:`create` (a new, empty folder) or :meth:`open` (resume); use as a context
    manager, or call :meth:`close`, to release the folder's lock.
    """

    def __init__(
        self,
        root: Path,
        job_hash: str,
        manifest: dict[str, Any],
        lock_fd: int,
        info: Mapping[str, Any] | None = None,
    ):
        self.root = root
        self.job_hash = job_hash
        #: the extra fields of ``job.json`` (besides ``job_hash`` and ``job``), e.g. ``shard``
        self.info: dict[str, Any] = dict(info or {})
        self._manifest = manifest
        self._lock_fd: int | None = lock_fd

    # -- opening ---------------------------------------------------------------------------

    @staticmethod
    def _lock(root: Path) -> int:
        fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"output directory {root} is in use by another running 'ibc batch' (its lock "
                f"{root / '.lock'} is held); wait for it or choose another --out"
            ) from None
        return fd

    @staticmethod
    def unstarted(root: str | os.PathLike, *, keep: tuple[str, ...] = ()) -> bool:
        """Whether ``root`` is absent, empty, or holds only what a :meth:`create` killed before
        it wrote the manifest leaves behind (``job.toml``, ``job.json``, ``.lock``, an empty
        ``units``, temporaries): no work was recorded there. Entries named in ``keep`` (e.g.
        ``shards``, which a merge reads) are ignored."""
        root = Path(root)
        if not root.is_dir():
            return not root.exists()
        for p in root.iterdir():
            if p.name in keep:
                continue
            if p.name == "units" and p.is_dir() and not any(p.iterdir()):
                continue
            if p.name not in (".lock", "job.toml", "job.json") and not _TMP.match(p.name):
                return False
        return True

    @classmethod
    def create(
        cls,
        root: str | os.PathLike,
        *,
        job_hash: str,
        job: Mapping[str, Any],
        job_text: bytes,
        resume: bool = False,
        info: Mapping[str, Any] | None = None,
        keep: tuple[str, ...] = (),
    ) -> ChunkStore:
        """Start a new job in ``root``, which must be absent or empty (with ``resume``, it may
        also hold the leftovers of an interrupted :meth:`create`, see :meth:`unstarted`).

        ``info`` adds fields to ``job.json`` (read back as :attr:`info`); entries of ``root``
        named in ``keep`` are left alone and do not count as content."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise InputError(f"output path {root} exists and is not a directory")
        empty = not root.is_dir() or not any(p.name not in keep for p in root.iterdir())
        if not empty and not (resume and cls.unstarted(root, keep=keep)):
            raise InputError(
                f"output directory {root} is not empty; use --resume to continue the job "
                "there, or choose another --out"
            )
        root.mkdir(parents=True, exist_ok=True)
        fd = cls._lock(root)
        try:
            for p in root.iterdir():
                if _TMP.match(p.name):
                    p.unlink()
            (root / "units").mkdir(exist_ok=True)
            atomic_write_bytes(root / "job.toml", job_text)
            extra = {k: v for k, v in dict(info or {}).items() if k not in ("job_hash", "job")}
            atomic_write_json(root / "job.json", {"job_hash": job_hash, "job": dict(job), **extra})
            manifest = {"format": MANIFEST_FORMAT, "job_hash": job_hash, "units": {}}
            atomic_write_json(root / "manifest.json", manifest)
            fsync_dir(root)
        except BaseException:
            os.close(fd)
            raise
        return cls(root, job_hash, manifest, fd, extra)

    @classmethod
    def open(
        cls,
        root: str | os.PathLike,
        *,
        job_hash: str,
        job: Mapping[str, Any] | None = None,
        repair: bool = False,
    ) -> ChunkStore:
        """Reopen the job in ``root`` to resume it.

        Checks that the job hash matches (else refuses, listing what changed when ``job`` is
        given), removes leftover temporary files, and verifies every listed chunk (size and
        sha256). Corrupt entries are refused, or with ``repair=True`` dropped (to recompute).
        """
        root = Path(root)
        manifest_path = root / "manifest.json"
        if not manifest_path.is_file():
            raise InputError(
                f"{root} holds no batch job to resume (no manifest.json); run without --resume "
                "into an empty or new --out"
            )
        fd = cls._lock(root)
        try:
            try:
                manifest = json.loads(manifest_path.read_text())
                stored = json.loads((root / "job.json").read_text())
            except (OSError, ValueError) as e:
                raise InputError(f"cannot read the job record in {root}: {e}") from None
            if manifest.get("format") != MANIFEST_FORMAT:
                raise InputError(
                    f"{manifest_path} has format {manifest.get('format')!r}, expected "
                    f"{MANIFEST_FORMAT!r}"
                )
            if stored.get("job_hash") != job_hash or manifest.get("job_hash") != job_hash:
                changes = _diff(stored.get("job"), dict(job)) if job is not None else []
                what = ("; changed: " + "; ".join(changes[:8])) if changes else ""
                raise InputError(
                    f"the job file differs from the one that started {root} (content hash "
                    f"{job_hash[:12]} != {str(stored.get('job_hash'))[:12]}){what}. Resuming "
                    "would mix results of two jobs: restore the original job file, or run the "
                    "changed job with another --out"
                )
            info = {k: v for k, v in stored.items() if k not in ("job_hash", "job")}
            store = cls(root, job_hash, manifest, fd, info)
            store._remove_temporaries()
            problems = store.verify()
            if problems and not repair:
                raise InputError(
                    f"{len(problems)} corrupt checkpoint{'s' if len(problems) > 1 else ''} in "
                    f"{root}:\n  "
                    + "\n  ".join(problems)
                    + "\nrerun with --resume --repair to recompute those chunks (they are "
                    "deterministic), or start afresh with another --out"
                )
            if problems:
                store._drop_corrupt()
        except BaseException:
            os.close(fd)
            raise
        return store

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ChunkStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------

    def chunks(self, unit: str) -> list[dict[str, Any]]:
        """The manifest entries of ``unit``, sorted by start."""
        return sorted(
            self._manifest["units"].get(unit, {}).get("chunks", []), key=lambda c: c["start"]
        )

    def completed(self, unit: str) -> set[tuple[int, int]]:
        """The ``(start, stop)`` ranges of ``unit`` recorded in the manifest."""
        return {(c["start"], c["stop"]) for c in self.chunks(unit)}

    def seconds(self, unit: str) -> float:
        """Compute time of the unit's recorded chunks, summed over every run."""
        return float(sum(c.get("seconds", 0.0) for c in self.chunks(unit)))

    def read_entry(self, unit: str, c: Mapping[str, Any]) -> bytes:
        """The verified bytes of the chunk file of manifest entry ``c`` of ``unit``.

        Raises:
          InputError: the file is missing or its size or sha256 differs from the entry.
        """
        problem, data = self._check_entry(unit, c)
        if problem:
            raise InputError(f"corrupt checkpoint {problem}")
        return data

    def _check_entry(self, unit: str, c: Mapping[str, Any]) -> tuple[str | None, bytes | None]:
        path = self.root / c["file"]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            where = f"{unit} hypotheses [{c['start']}, {c['stop']})"
            return f"{path}: missing (the manifest lists it for {where})", None
        if len(data) != c["bytes"] or _sha256(data) != c["sha256"]:
            return (
                f"{path}: checksum mismatch (manifest sha256 {c['sha256'][:16]}..., "
                f"{c['bytes']} bytes; file sha256 {_sha256(data)[:16]}..., {len(data)} bytes)",
                None,
            )
        return None, data

    def verify(self) -> list[str]:
        """Every problem with the recorded chunks: missing or changed files, overlapping ranges."""
        problems = []
        for unit in sorted(self._manifest["units"]):
            prev_stop = 0
            for c in self.chunks(unit):
                if c["start"] < prev_stop:
                    problems.append(
                        f"{self.root / c['file']}: range [{c['start']}, {c['stop']}) overlaps "
                        f"another chunk of {unit}"
                    )
                prev_stop = max(prev_stop, c["stop"])
                problem, _ = self._check_entry(unit, c)
                if problem:
                    problems.append(problem)
        return problems

    # -- writing ---------------------------------------------------------------------------

    def _remove_temporaries(self) -> None:
        for folder in [self.root, *(p for p in (self.root / "units").glob("*") if p.is_dir())]:
            for p in folder.iterdir():
                if _TMP.match(p.name):
                    p.unlink()

    def _drop_corrupt(self) -> None:
        units = self._manifest["units"]
        for unit in list(units):
            good, prev_stop = [], 0
            for c in self.chunks(unit):
                problem, _ = self._check_entry(unit, c)
                if problem is None and c["start"] >= prev_stop:
                    good.append(c)
                    prev_stop = c["stop"]
            units[unit]["chunks"] = good
        atomic_write_json(self.root / "manifest.json", self._manifest)

    def write_chunk(
        self,
        unit: str,
        start: int,
        stop: int,
        arrays: Mapping[str, np.ndarray],
        *,
        seconds: float = 0.0,
        description: Mapping[str, Any] | None = None,
    ) -> None:
        """Checkpoint the arrays of hypotheses ``start .. stop-1`` of ``unit``: the chunk file
        first (atomically, durably), then the manifest entry (atomically)."""
        for name, a in arrays.items():
            if np.shape(a)[:1] != (stop - start,):
                raise ValueError(
                    f"array {name!r} has shape {np.shape(a)}, expected ({stop - start},)"
                )
        self.write_chunk_bytes(
            unit, start, stop, npz_bytes(arrays), seconds=seconds, description=description
        )

    def write_chunk_bytes(
        self,
        unit: str,
        start: int,
        stop: int,
        data: bytes,
        *,
        seconds: float = 0.0,
        description: Mapping[str, Any] | None = None,
        save: bool = True,
    ) -> None:
        """:meth:`write_chunk` of an already serialised chunk (the bytes of its ``.npz``), e.g.
        one copied from a shard. With ``save=False`` the manifest is only updated in memory:
        call :meth:`save` once after a batch of chunks (each chunk file is durable before the
        manifest that lists it is written either way)."""
        folder = self.root / "units" / unit
        if not folder.is_dir():
            folder.mkdir(parents=True)
            fsync_dir(folder.parent)
        rel = f"units/{unit}/chunk_{start:010d}_{stop:010d}.npz"
        atomic_write_bytes(self.root / rel, data)
        entry = self._manifest["units"].setdefault(unit, {"chunks": []})
        if description is not None:
            entry["description"] = dict(description)
        entry["chunks"] = [c for c in entry["chunks"] if (c["start"], c["stop"]) != (start, stop)]
        entry["chunks"].append(
            {
                "start": int(start),
                "stop": int(stop),
                "file": rel,
                "sha256": _sha256(data),
                "bytes": len(data),
                "seconds": round(float(seconds), 6),
            }
        )
        entry["chunks"].sort(key=lambda c: c["start"])
        if save:
            self.save()

    def save(self) -> None:
        """Write the manifest (atomically)."""
        atomic_write_json(self.root / "manifest.json", self._manifest)

    # -- reading ---------------------------------------------------------------------------

    def iter_chunks(self, unit: str) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
        """``(start, stop, arrays)`` of each recorded chunk of ``unit``, checksums verified."""
        for c in self.chunks(unit):
            problem, data = self._check_entry(unit, c)
            if problem:
                raise InputError(
                    f"corrupt checkpoint {problem}; rerun with --resume --repair to recompute it"
                )
            with np.load(io.BytesIO(data)) as z:
                yield c["start"], c["stop"], {k: z[k] for k in z.files}

    def read_unit(self, unit: str, num: int) -> dict[str, np.ndarray]:
        """The arrays of hypotheses ``0 .. num-1`` of ``unit``, concatenated from its chunks.

        Raises:
          InputError: a gap in the recorded ranges below ``num``, or a corrupt chunk.
        """
        parts: dict[str, list[np.ndarray]] = {}
        covered = 0
        for start, stop, arrays in self.iter_chunks(unit):
            if start >= num:
                break
            if start != covered:
                raise InputError(
                    f"unit {unit} has no checkpoint for hypotheses [{covered}, {start}) in "
                    f"{self.root}; rerun with --resume"
                )
            for k, a in arrays.items():
                parts.setdefault(k, []).append(a[: num - start])
            covered = min(stop, num)
        if covered < num:
            raise InputError(
                f"unit {unit} has hypotheses [0, {covered}) of {num} in {self.root}; rerun "
                "with --resume"
            )
        return {k: np.concatenate(v) for k, v in parts.items()}


def _diff(old: Any, new: Any, path: str = "") -> list[str]:
    """Paths at which two JSON-like values differ, as ``path: old -> new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in old:
                out.append(f"{p} added")
            elif k not in new:
                out.append(f"{p} removed")
            else:
                out.extend(_diff(old[k], new[k], p))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out.extend(_diff(a, b, f"{path}[{i}]"))
        return out
    return [] if old == new else [f"{path}: {json.dumps(old)} -> {json.dumps(new)}"]
