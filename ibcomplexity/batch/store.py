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
7. Nothing outside the folder is read: a manifest entry's ``file`` must resolve (symlinks
   included) to a regular file inside the folder, else the entry is corruption, refused before the
   file is opened. A manifest or ``job.json`` that is not the JSON this module writes (not JSON,
   a field missing or of the wrong type) is refused naming the file and the field.
8. Every chunk read is checked against what its entry promises, beyond its checksum: a valid
   ``.npz`` of arrays with ``stop - start`` rows each, and the caller's ``check`` (the runner's
   checks the array names, dtypes and ranges of the unit's space). A chunk that fails is corrupt.
9. Repair (``repair=True``) rebuilds what can be rebuilt from what is intact: a missing or
   malformed ``manifest.json`` from the chunk files on disk (each checked as in 8, with the sha256
   of its bytes), a missing or malformed ``job.json`` from the manifest (which records the job
   hash and a copy of job.json's extra fields under ``"info"``) or, failing that, from a
   ``job.toml`` identical to the job file given. When neither record can vouch for the job, the
   folder is refused: chunks of an unknown job are never adopted.
10. A failed write (``ENOSPC``, quota, permissions) raises one :class:`InputError` naming the file
   and the command that resumes; by 1-3 the folder is left resumable.

The manifest's fields: ``format``, ``job_hash``, ``info`` (a copy of job.json's extra fields,
e.g. the runner's data fingerprints and platform, or a shard record; absent in folders written
before it existed) and ``units``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import json
import math
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ibcomplexity._limits import expanded_limit, format_bytes
from ibcomplexity._validation import InputError
from ibcomplexity.batch.spec import canonical_hash

__all__ = [
    "MANIFEST_FORMAT",
    "ChunkCheck",
    "ChunkStore",
    "Remedies",
    "atomic_write_bytes",
    "atomic_write_json",
    "chunk_grid",
    "npz_bytes",
]

MANIFEST_FORMAT = "ibcomplexity-batch-manifest/1"
_TMP = re.compile(r"^\..+\.tmp-\d+-[0-9a-f]+$")
_CHUNK_NAME = re.compile(r"^chunk_(\d{10})_(\d{10})\.npz$")
_UNIT_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# An .npz member may hold at most this many bytes per hypothesis (complex128 is 16) plus a header.
_MEMBER_BYTES_PER_ROW = 16
_MEMBER_HEADER = 4096

#: ``check(unit, start, stop, arrays) -> problem or None``: the caller's check of a chunk's arrays.
ChunkCheck = Callable[[str, int, int, Mapping[str, np.ndarray]], "str | None"]


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


# ------------------------------------------------------------------------- messages, errors


@dataclass(frozen=True)
class Remedies:
    """The commands a store's messages suggest.

    Attributes:
      resume: the command that continues the run (after a failed write, say).
      repair: the command that rebuilds the records and recomputes corrupt chunks.
    """

    resume: str
    repair: str

    @classmethod
    def default(cls, root: str | os.PathLike) -> Remedies:
        base = f"ibc batch JOB.toml --out {root}"
        return cls(resume=f"{base} --resume", repair=f"{base} --resume --repair")


def two_hashes(a: Any, b: Any) -> tuple[str, str]:
    """Two hashes shortened to at least 12 characters and past their first difference, so that
    they visibly differ (``'85e9a68cb1602f...'``, ``'85e9a68cb1603a...'``)."""
    a, b = str(a), str(b)
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    keep = max(12, n + 4)

    def cut(h: str) -> str:
        return h if len(h) <= keep else h[:keep] + "..."

    return cut(a), cut(b)


def write_error(path: str | os.PathLike, exc: OSError, resume: str) -> InputError:
    """The one-line error of a failed write of ``path``; ``resume`` is the command to rerun."""
    kept = "the finished chunks are kept"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        what = "no space left on device" if exc.errno == errno.ENOSPC else "disk quota exceeded"
        return InputError(
            f"{what} while writing {path}; free space and rerun with '{resume}' ({kept})"
        )
    return InputError(
        f"could not write {path}: {exc.strerror or exc}; fix that and rerun with '{resume}' "
        f"({kept})"
    )


@contextlib.contextmanager
def writing(path: str | os.PathLike, resume: str) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into :func:`write_error`'s one line."""
    try:
        yield
    except OSError as e:
        raise write_error(path, e, resume) from None


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    return {dict: "object", list: "list", str: "string"}.get(type(v), "number")


def _is_int(v: Any, minimum: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _read_json(path: Path) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, what is wrong)`` phrased to follow the file's name."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, "is missing"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    if not stat.S_ISREG(st.st_mode):
        return None, "is not a regular file"
    limit = expanded_limit()
    if st.st_size > limit:
        return None, f"is {format_bytes(st.st_size)}, more than the limit of {format_bytes(limit)}"
    try:
        with path.open("rb") as f:
            raw = f.read(limit + 1)
        return json.loads(raw.decode("utf-8")), None
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    except json.JSONDecodeError as e:
        return None, f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
    except RecursionError:
        return None, "is not valid JSON here (it nests too deeply)"


def _job_record_problem(stored: Any) -> str | None:
    """What is wrong with a parsed job.json, or None."""
    if not isinstance(stored, dict):
        return f"is malformed: its top level is a JSON {_kind(stored)}, not an object"
    h = stored.get("job_hash")
    if "job_hash" not in stored:
        return "is malformed: field 'job_hash' is missing"
    if not isinstance(h, str) or not h:
        return f"is malformed: field 'job_hash' is a {_kind(h)}, not a hash string"
    if not isinstance(stored.get("job"), dict):
        got = "missing" if "job" not in stored else f"a {_kind(stored['job'])}"
        return f"is malformed: field 'job' is {got}, not an object"
    return None


def _chunk_entry_problem(c: Any, where: str) -> str | None:
    if not isinstance(c, dict):
        return f"field '{where}' is a {_kind(c)}, not an object"
    wants = (
        ("start", lambda v: _is_int(v), "an integer >= 0"),
        ("stop", lambda v: _is_int(v, 1), "an integer >= 1"),
        ("file", lambda v: isinstance(v, str) and bool(v), "a relative file name"),
        ("sha256", lambda v: isinstance(v, str) and bool(_HEX64.match(v)), "64 hex digits"),
        ("bytes", lambda v: _is_int(v), "an integer >= 0"),
    )
    for key, ok, want in wants:
        if key not in c:
            return f"field '{where}.{key}' is missing"
        if not ok(c[key]):
            return f"field '{where}.{key}' is {json.dumps(c[key])[:40]}, not {want}"
    if c["stop"] <= c["start"]:
        return f"field '{where}.stop' is {c['stop']}, not above start = {c['start']}"
    sec = c.get("seconds", 0.0)
    if isinstance(sec, bool) or not isinstance(sec, (int, float)) or not math.isfinite(sec):
        return f"field '{where}.seconds' is {json.dumps(sec)[:40]}, not a number"
    return None


def _manifest_problem(m: Any) -> str | None:
    """What is wrong with a parsed manifest, naming the field, or None."""
    if not isinstance(m, dict):
        return f"is malformed: its top level is a JSON {_kind(m)}, not an object"
    if "format" not in m:
        return "is malformed: field 'format' is missing"
    if m["format"] != MANIFEST_FORMAT:
        return f"has format {m['format']!r}, expected {MANIFEST_FORMAT!r}"
    h = m.get("job_hash")
    if not isinstance(h, str) or not h:
        got = "missing" if "job_hash" not in m else f"a {_kind(h)}"
        return f"is malformed: field 'job_hash' is {got}, not a hash string"
    if "info" in m and not isinstance(m["info"], dict):
        return f"is malformed: field 'info' is a {_kind(m['info'])}, not an object"
    units = m.get("units")
    if not isinstance(units, dict):
        got = "missing" if "units" not in m else f"a {_kind(units)}"
        return f"is malformed: field 'units' is {got}, not an object"
    for unit, entry in units.items():
        if not _UNIT_NAME.match(unit):
            return f"is malformed: field 'units' has the key {unit!r}, not a unit id"
        p = f"units.{unit}"
        if not isinstance(entry, dict):
            return f"is malformed: field '{p}' is a {_kind(entry)}, not an object"
        chunks = entry.get("chunks")
        if not isinstance(chunks, list):
            got = "missing" if "chunks" not in entry else f"{_kind(chunks)}"
            got = got if got in ("missing", "null") else f"a {got}"
            return f"is malformed: field '{p}.chunks' is {got}, not a list of chunk entries"
        for i, c in enumerate(chunks):
            problem = _chunk_entry_problem(c, f"{p}.chunks[{i}]")
            if problem:
                return f"is malformed: {problem}"
    return None


def _job_differs(root: Path, job_hash: str, recorded: str, old: Any, new: Any, source: str):
    changes = _diff(old, dict(new)) if isinstance(old, dict) and new is not None else []
    what = ("; changed: " + "; ".join(changes[:8])) if changes else ""
    ours, theirs = two_hashes(job_hash, recorded)
    return InputError(
        f"the job file differs from the one that started {root} (content hash {ours} != "
        f"{theirs}, recorded in {source}){what}. Resuming would mix results of two jobs: restore "
        "the original job file, or run the changed job with another --out"
    )


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
        *,
        job: Mapping[str, Any] | None = None,
        check: ChunkCheck | None = None,
        remedies: Remedies | None = None,
    ):
        self.root = root
        self.job_hash = job_hash
        #: the extra fields of ``job.json`` (besides ``job_hash`` and ``job``), e.g. ``shard``
        self.info: dict[str, Any] = dict(info or {})
        #: the commands this store's messages suggest
        self.remedies = remedies or Remedies.default(root)
        self._job = dict(job or {})
        self._check = check
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
        check: ChunkCheck | None = None,
        remedies: Remedies | None = None,
    ) -> ChunkStore:
        """Start a new job in ``root``, which must be absent or empty (with ``resume``, it may
        also hold the leftovers of an interrupted :meth:`create`, see :meth:`unstarted`).

        ``info`` adds fields to ``job.json`` (read back as :attr:`info`; the manifest keeps a
        copy); entries of ``root`` named in ``keep`` are left alone and do not count as content.
        ``check`` and ``remedies`` are as for :meth:`open`."""
        root = Path(root)
        rem = remedies or Remedies.default(root)
        if root.exists() and not root.is_dir():
            raise InputError(f"output path {root} exists and is not a directory")
        empty = not root.is_dir() or not any(p.name not in keep for p in root.iterdir())
        if not empty and not (resume and cls.unstarted(root, keep=keep)):
            raise InputError(
                f"output directory {root} is not empty; use --resume to continue the job "
                "there, or choose another --out"
            )
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(
                f"could not create the output directory {root}: {e.strerror or e}"
            ) from None
        fd = cls._lock(root)
        try:
            extra = {k: v for k, v in dict(info or {}).items() if k not in ("job_hash", "job")}
            store = cls(root, job_hash, {}, fd, extra, job=job, check=check, remedies=rem)
            with writing(root, rem.resume):
                for p in root.iterdir():
                    if _TMP.match(p.name):
                        p.unlink()
                (root / "units").mkdir(exist_ok=True)
            with writing(root / "job.toml", rem.resume):
                atomic_write_bytes(root / "job.toml", job_text)
            store._write_job_record()
            store._manifest = store._empty_manifest()
            store.save()
            with writing(root, rem.resume):
                fsync_dir(root)
        except BaseException:
            os.close(fd)
            raise
        return store

    @classmethod
    def open(
        cls,
        root: str | os.PathLike,
        *,
        job_hash: str,
        job: Mapping[str, Any] | None = None,
        repair: bool = False,
        job_text: bytes | None = None,
        info: Mapping[str, Any] | None = None,
        chunks: Mapping[str, list[tuple[int, int]]] | None = None,
        check: ChunkCheck | None = None,
        check_info: Callable[[Mapping[str, Any]], None] | None = None,
        remedies: Remedies | None = None,
    ) -> ChunkStore:
        """Reopen the job in ``root`` to resume it.

        Checks the records (``job.json``, ``manifest.json``: readable, well-formed, of this job
        hash; else refuses, naming the file and the field, or listing what changed in the job
        when ``job`` is given), calls ``check_info(recorded extra fields of job.json)`` (which
        may refuse), removes leftover temporary files, and verifies every listed chunk (inside
        the folder, size, sha256, readable arrays of the promised length, ``check``). Problems
        are refused, or with ``repair=True`` repaired (module docstring, 9): corrupt chunk
        entries dropped (to recompute), a lost or malformed record rebuilt.

        Args:
          job_text: the job file's bytes; a ``job.toml`` equal to them vouches for the job when
            both records are lost (repair).
          info: extra fields for a rebuilt ``job.json`` where the records kept none.
          chunks: ``{unit: [(start, stop), ...]}``, the chunks this job may have: a rebuilt
            manifest adopts only those (default: every ``chunk_<start>_<stop>.npz`` file).
          check: ``check(unit, start, stop, arrays) -> problem or None`` for every chunk read.
          remedies: the commands the messages suggest (default: generic ``ibc batch`` ones).
        """
        root = Path(root)
        rem = remedies or Remedies.default(root)
        records = [root / n for n in ("manifest.json", "job.json", "job.toml")]
        if not root.is_dir() or not any(p.exists() or p.is_symlink() for p in records):
            units = root / "units"
            if units.is_dir() and any(units.iterdir()):
                raise InputError(
                    f"cannot tell which job computed the chunks in {units}: {root} has no "
                    "manifest.json, job.json or job.toml; restore one of them, or start afresh "
                    "with another --out"
                )
            raise InputError(
                f"{root} holds no batch job to resume (no manifest.json); run without --resume "
                "into an empty or new --out"
            )
        fd = cls._lock(root)
        try:
            return cls._open_locked(
                root,
                fd,
                job_hash=job_hash,
                job=job,
                repair=repair,
                job_text=job_text,
                info=info,
                chunks=chunks,
                check=check,
                check_info=check_info,
                remedies=rem,
            )
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def _open_locked(
        cls,
        root: Path,
        fd: int,
        *,
        job_hash,
        job,
        repair,
        job_text,
        info,
        chunks,
        check,
        check_info,
        remedies,
    ) -> ChunkStore:
        """:meth:`open` once the folder's lock is held (the arguments are :meth:`open`'s)."""
        jpath, mpath = root / "job.json", root / "manifest.json"
        stored, jproblem = _read_json(jpath)
        jproblem = jproblem or _job_record_problem(stored)
        manifest, mproblem = _read_json(mpath)
        mproblem = mproblem or _manifest_problem(manifest)
        if jproblem is None:
            recorded = stored["job_hash"]
            if recorded != job_hash:
                if canonical_hash(stored["job"]) != job_hash:
                    raise _job_differs(root, job_hash, recorded, stored["job"], job, str(jpath))
                ours, theirs = two_hashes(recorded, job_hash)
                jproblem = (
                    f"records the job hash {ours}, but its own job record (like the job file) "
                    f"hashes to {theirs}: its job_hash field was edited"
                )
            if mproblem is None and manifest["job_hash"] != job_hash:
                theirs, ours = two_hashes(manifest["job_hash"], job_hash)
                mproblem = (
                    f"records the job hash {theirs}, but the job file (and job.json's job "
                    f"record) have {ours}: it was edited, or copied from another run"
                )
        elif mproblem is None:
            if manifest["job_hash"] != job_hash:
                raise _job_differs(root, job_hash, manifest["job_hash"], None, job, str(mpath))
        else:
            toml = root / "job.toml"
            try:
                same = job_text is not None and toml.is_file() and toml.read_bytes() == job_text
            except OSError:
                same = False
            if not same:
                state = "differs from the job file" if toml.exists() else "is missing"
                raise InputError(
                    f"cannot tell which job computed the chunks in {root}: {jpath} {jproblem}, "
                    f"{mpath} {mproblem}, and {toml} {state}; restore job.json or manifest.json, "
                    "or start afresh with another --out"
                )
        if jproblem is None:
            recorded_info = {k: v for k, v in stored.items() if k not in ("job_hash", "job")}
        elif mproblem is None:
            recorded_info = dict(manifest.get("info") or {})
        else:
            recorded_info = {}
        if check_info is not None:
            check_info(recorded_info)
        broken = [(p, q) for p, q in ((jpath, jproblem), (mpath, mproblem)) if q]
        if broken and not repair:
            what = " and ".join(f"{p} {q}" for p, q in broken)
            from_ = "the chunk files" if mproblem else "the manifest"
            raise InputError(
                f"{what}; rebuild {'them' if len(broken) > 1 else 'it'} from {from_} with "
                f"'{remedies.repair}'"
            )
        if jproblem is not None:
            recorded_info = {**dict(info or {}), **recorded_info}
        store = cls(
            root,
            job_hash,
            manifest if mproblem is None else {},
            fd,
            recorded_info,
            job=stored["job"] if jproblem is None else (job or {}),
            check=check,
            remedies=remedies,
        )
        store._remove_temporaries()
        if jproblem is not None:
            store._write_job_record()
        if mproblem is not None:
            store._manifest = store._scan_chunks(chunks)
            store.save()
        problems = store.verify()
        if problems and not repair:
            n = len(problems)
            listed = "; ".join(problems[:5]) + (f"; and {n - 5} more" if n > 5 else "")
            raise InputError(
                f"{n} corrupt checkpoint{'s' if n > 1 else ''} in {root}: {listed}; recompute "
                f"{'them' if n > 1 else 'it'} with '{remedies.repair}' (chunks are "
                "deterministic), or start afresh with another --out"
            )
        if problems:
            store._drop_corrupt()
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
          InputError: the file is outside the folder, missing, its size or sha256 differs from
            the entry, or its arrays are not what the entry promises.
        """
        problem, data, _ = self._check_entry(unit, c)
        if problem:
            raise InputError(f"corrupt checkpoint {problem}")
        return data

    def _resolve(self, unit: str, c: Mapping[str, Any]) -> tuple[Path, str | None]:
        """The entry's file, or a problem when it is not inside the folder (nothing is read)."""
        rel = c["file"]
        path = self.root / rel
        base = os.path.realpath(self.root)
        real = os.path.realpath(path)
        if real == base or os.path.commonpath([base, real]) != base:
            return path, (
                f"{self.root / 'manifest.json'}: the entry for {unit} hypotheses "
                f"[{c['start']}, {c['stop']}) names the file {rel!r}, outside {self.root}; "
                "refusing to read it"
            )
        return path, None

    def _arrays(
        self, unit: str, start: int, stop: int, data: bytes
    ) -> tuple[dict[str, np.ndarray] | None, str | None]:
        """The arrays of a chunk's bytes, or a problem: not an .npz, a member larger than the
        chunk can need (checked before it is read), the wrong number of rows, ``check``."""
        n = stop - start
        bound = _MEMBER_HEADER + _MEMBER_BYTES_PER_ROW * n
        try:
            z = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            return None, f"not a valid .npz archive ({e})"
        if not isinstance(z, np.lib.npyio.NpzFile):
            return None, "a single .npy array, not an .npz archive"
        try:
            with z:
                for m in z.zip.infolist():
                    if m.file_size > bound:
                        return None, (
                            f"member {m.filename!r} expands to {format_bytes(m.file_size)}, "
                            f"more than {n} hypotheses can need"
                        )
                arrays = {k: z[k] for k in z.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
            return None, f"not a valid .npz archive ({e})"
        if not arrays:
            return None, "an .npz archive without arrays"
        for k, a in arrays.items():
            rows = a.shape[0] if a.ndim else 0
            if rows != n:
                return None, (
                    f"array {k!r} has {rows} values, but the manifest promises {n} (hypotheses "
                    f"[{start}, {stop}))"
                )
            if a.dtype.kind not in "biuf":
                return None, f"array {k!r} has dtype {a.dtype}, not a number or boolean"
        if self._check is not None:
            problem = self._check(unit, start, stop, arrays)
            if problem:
                return None, problem
        return arrays, None

    def _check_entry(
        self, unit: str, c: Mapping[str, Any]
    ) -> tuple[str | None, bytes | None, dict[str, np.ndarray] | None]:
        """``(problem, None, None)`` or ``(None, bytes, arrays)`` of manifest entry ``c``."""
        path, problem = self._resolve(unit, c)
        if problem:
            return problem, None, None
        where = f"{unit} hypotheses [{c['start']}, {c['stop']})"
        try:
            st = path.stat()
        except FileNotFoundError:
            return f"{path}: missing (the manifest lists it for {where})", None, None
        except OSError as e:
            return f"{path}: cannot be read ({e.strerror or e})", None, None
        if not stat.S_ISREG(st.st_mode):
            return f"{path}: not a regular file (the manifest lists it for {where})", None, None
        if st.st_size != c["bytes"]:
            return (
                f"{path}: checksum mismatch (manifest sha256 {c['sha256'][:16]}..., "
                f"{c['bytes']} bytes; file {st.st_size} bytes)",
                None,
                None,
            )
        try:
            with path.open("rb") as f:
                data = f.read(c["bytes"] + 1)
        except OSError as e:
            return f"{path}: cannot be read ({e.strerror or e})", None, None
        if len(data) != c["bytes"] or _sha256(data) != c["sha256"]:
            return (
                f"{path}: checksum mismatch (manifest sha256 {c['sha256'][:16]}..., "
                f"{c['bytes']} bytes; file sha256 {_sha256(data)[:16]}..., {len(data)} bytes)",
                None,
                None,
            )
        arrays, problem = self._arrays(unit, c["start"], c["stop"], data)
        if problem:
            return f"{path}: {problem}", None, None
        return None, data, arrays

    def verify(self) -> list[str]:
        """Every problem with the recorded chunks: files outside the folder, missing or changed
        files, arrays that are not what the entry promises, overlapping ranges."""
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
                problem, _, _ = self._check_entry(unit, c)
                if problem:
                    problems.append(problem)
        return problems

    # -- writing ---------------------------------------------------------------------------

    def _empty_manifest(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "job_hash": self.job_hash,
            "info": dict(self.info),
            "units": {},
        }

    def _write_job_record(self) -> None:
        record = {"job_hash": self.job_hash, "job": dict(self._job), **self.info}
        with writing(self.root / "job.json", self.remedies.resume):
            atomic_write_json(self.root / "job.json", record)

    def update_info(self, **fields: Any) -> None:
        """Set extra fields of ``job.json`` (and the manifest's copy), written atomically."""
        self.info.update(fields)
        self._write_job_record()
        self._manifest["info"] = dict(self.info)
        self.save()

    def _scan_chunks(self, chunks: Mapping[str, list[tuple[int, int]]] | None) -> dict[str, Any]:
        """A manifest rebuilt from the chunk files on disk: each ``units/<unit>/chunk_<a>_<b>.npz``
        (of ``chunks`` when given) that is inside the folder and passes the checks of
        :meth:`_arrays` is listed with the sha256 of its bytes (its compute time is lost)."""
        manifest = self._empty_manifest()
        folder = self.root / "units"
        if not folder.is_dir():
            return manifest
        limit = expanded_limit()
        for d in sorted(folder.iterdir()):
            if not _UNIT_NAME.match(d.name) or d.is_symlink() or not d.is_dir():
                continue
            if chunks is not None and d.name not in chunks:
                continue
            allowed = None if chunks is None else set(map(tuple, chunks[d.name]))
            found, prev_stop = [], 0
            for f in sorted(d.iterdir()):
                m = _CHUNK_NAME.match(f.name)
                if m is None:
                    continue
                a, b = int(m.group(1)), int(m.group(2))
                if b <= a or a < prev_stop or (allowed is not None and (a, b) not in allowed):
                    continue
                entry = {"start": a, "stop": b, "file": f"units/{d.name}/{f.name}"}
                path, problem = self._resolve(d.name, entry)
                try:
                    if problem or not stat.S_ISREG(path.stat().st_mode):
                        continue
                    if path.stat().st_size > limit:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                if self._arrays(d.name, a, b, data)[1] is not None:
                    continue
                entry.update(sha256=_sha256(data), bytes=len(data), seconds=0.0)
                found.append(entry)
                prev_stop = b
            if found:
                manifest["units"][d.name] = {"chunks": found}
        return manifest

    def _remove_temporaries(self) -> None:
        base = os.path.realpath(self.root)
        with writing(self.root, self.remedies.resume):
            for folder in [self.root, *(p for p in (self.root / "units").glob("*") if p.is_dir())]:
                if os.path.commonpath([base, os.path.realpath(folder)]) != base:
                    continue  # a symlink out of the folder: nothing there is ours to delete
                for p in folder.iterdir():
                    if _TMP.match(p.name):
                        p.unlink()

    def _drop_corrupt(self) -> None:
        units = self._manifest["units"]
        for unit in list(units):
            good, prev_stop = [], 0
            for c in self.chunks(unit):
                problem, _, _ = self._check_entry(unit, c)
                if problem is None and c["start"] >= prev_stop:
                    good.append(c)
                    prev_stop = c["stop"]
            units[unit]["chunks"] = good
        self.save()

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
        manifest that lists it is written either way).

        Raises:
          InputError: the write failed (e.g. no space left on device), naming the file and the
            command that resumes; the folder stays resumable.
        """
        folder = self.root / "units" / unit
        rel = f"units/{unit}/chunk_{start:010d}_{stop:010d}.npz"
        with writing(self.root / rel, self.remedies.resume):
            if not folder.is_dir():
                folder.mkdir(parents=True)
                fsync_dir(folder.parent)
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
        with writing(self.root / "manifest.json", self.remedies.resume):
            atomic_write_json(self.root / "manifest.json", self._manifest)

    # -- reading ---------------------------------------------------------------------------

    def iter_chunks(self, unit: str) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
        """``(start, stop, arrays)`` of each recorded chunk of ``unit``, verified as by
        :meth:`verify`."""
        for c in self.chunks(unit):
            problem, _, arrays = self._check_entry(unit, c)
            if problem:
                raise InputError(
                    f"corrupt checkpoint {problem}; recompute it with '{self.remedies.repair}'"
                )
            yield c["start"], c["stop"], arrays

    def read_unit(self, unit: str, num: int) -> dict[str, np.ndarray]:
        """The arrays of hypotheses ``0 .. num-1`` of ``unit``, concatenated from its chunks.

        Raises:
          InputError: a gap in the recorded ranges below ``num``, a corrupt chunk, or chunks
            whose arrays differ in name.
        """
        parts: dict[str, list[np.ndarray]] = {}
        covered = 0
        for start, stop, arrays in self.iter_chunks(unit):
            if start >= num:
                break
            if start != covered:
                raise InputError(
                    f"unit {unit} has no checkpoint for hypotheses [{covered}, {start}) in "
                    f"{self.root}; rerun with '{self.remedies.resume}'"
                )
            if parts and set(arrays) != set(parts):
                raise InputError(
                    f"corrupt checkpoint in {self.root}: the chunk of {unit} hypotheses "
                    f"[{start}, {stop}) holds arrays {sorted(arrays)}, its other chunks "
                    f"{sorted(parts)}; recompute it with '{self.remedies.repair}'"
                )
            for k, a in arrays.items():
                parts.setdefault(k, []).append(a[: num - start])
            covered = min(stop, num)
        if covered < num:
            raise InputError(
                f"unit {unit} has hypotheses [0, {covered}) of {num} in {self.root}; rerun "
                f"with '{self.remedies.resume}'"
            )
        out = {k: np.concatenate(v) for k, v in parts.items()}
        for k, a in out.items():
            if a.shape[0] != num:  # pragma: no cover - each chunk's rows were checked
                raise InputError(f"unit {unit} array {k!r} has {a.shape[0]} of {num} values")
        return out


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
