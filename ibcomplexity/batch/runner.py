"""Run a batch job: plan its units, compute the missing chunks, assemble the results table.

A *unit* is one (task, space) pair. It samples ``S_max = max(job.samples)`` hypotheses, in chunks
``[a, min(a + chunk_size, S_max))`` of the fixed grid :func:`~ibcomplexity.batch.store.chunk_grid`,
each checkpointed by :class:`~ibcomplexity.batch.store.ChunkStore`. Targets and sample counts only
affect the estimate: the row for (target, S) uses the first S hypotheses of the unit.

Seeds: the unit key is ``fold_in(fold_in(key(job.seed), w0), w1)`` with ``w0, w1`` the first two
big-endian 32-bit words of the sha256 of the unit's canonical identity (the task's dataset spec,
sizes and split seed; the space's type and settings; labels excluded). Hypothesis ``i`` of the
unit is then ``fold_in(unit key, i)`` inside :func:`~ibcomplexity.hypotheses.sample_losses` /
:func:`~ibcomplexity.hypotheses.train_hypotheses`. So a unit's draws do not depend on its position
in the job, on the other units, on labels or on S_max (a bigger S_max extends the same
sequence). The chunk size changes only float rounding (the jitted vmap width), not the draws; it is
part of the job, so a resume reproduces every chunk bit for bit.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import math
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ibcomplexity._json import jsonable
from ibcomplexity._limits import check_output_dir
from ibcomplexity._validation import InputError
from ibcomplexity.batch.spec import GPSpaceSpec, Job, NNSpaceSpec, TaskSpec, canonical_json
from ibcomplexity.batch.store import (
    ChunkCheck,
    ChunkStore,
    Remedies,
    atomic_write_bytes,
    atomic_write_json,
    chunk_grid,
    two_hashes,
    writing,
)

__all__ = [
    "BatchResult",
    "Unit",
    "chunk_checker",
    "data_fingerprint",
    "data_record",
    "plan_units",
    "platform_record",
    "run_job",
    "unit_key",
]

Progress = Callable[[int, int, str], None]

CSV_COLUMNS = (
    "task",
    "dataset",
    "n_train",
    "n_test",
    "split_seed",
    "space",
    "space_type",
    "space_spec",
    "target",
    "samples",
    "fit_samples",
    "bits",
    "ci_low_bits",
    "ci_high_bits",
    "regime",
    "resolvable_bits",
    "fit_bits",
    "cumulant_bits",
    "empirical_bits",
    "count_below",
    "exact_bits",
    "seed",
    "unit",
    "devices",
    "sampling_seconds",
    "hypotheses_per_second",
    "estimate_seconds",
    "message",
    # rows of card tasks: log10 of the bound's bits (exact where ``bits`` overflows float64)
    "log10_bits",
)


@dataclass(frozen=True)
class Unit:
    """One (task, space) loss-sampling unit.

    Attributes:
      id: ``t<task index>-s<space index>``: its folder under ``units/``.
      task, space: the specs.
      num: hypotheses to sample (the job's largest sample count).
      key_words: the two uint32 words folded into the job key (see the module docstring).
    """

    id: str
    task: TaskSpec
    space: GPSpaceSpec | NNSpaceSpec
    num: int
    key_words: tuple[int, int]

    def description(self) -> dict[str, Any]:
        return {
            "task": self.task.canonical(),
            "space": self.space.canonical(),
            "num": self.num,
            "key_words": list(self.key_words),
        }


def unit_key_words(task: TaskSpec, space: GPSpaceSpec | NNSpaceSpec) -> tuple[int, int]:
    """The first two 32-bit words of sha256(canonical identity of the task and the space)."""
    ident = canonical_json({"task": task.identity(), "space": space.identity()})
    digest = hashlib.sha256(ident.encode()).digest()
    return int.from_bytes(digest[:4], "big"), int.from_bytes(digest[4:8], "big")


def unit_key(seed: int, key_words: tuple[int, int]):
    """``fold_in(fold_in(jax.random.key(seed), w0), w1)``."""
    import jax

    key = jax.random.key(seed)
    for w in key_words:
        key = jax.random.fold_in(key, np.uint32(w))
    return key


def plan_units(job: Job) -> list[Unit]:
    """The job's units, tasks outer and spaces inner, in file order (skipped tasks left out)."""
    units = []
    for t in job.tasks:
        if t.index in job.skipped:
            continue
        for s in job.spaces:
            units.append(
                Unit(f"t{t.index}-s{s.index}", t, s, job.num_samples, unit_key_words(t, s))
            )
    return units


# ------------------------------------------------------------------------------- computing


class _Context:
    """What a unit's chunks need, built once: the split, and the GP posterior or architecture."""

    def __init__(self, job: Job, unit: Unit, tasks: dict[int, Any]):
        t = unit.task
        self.task = _split(job, t, tasks)
        self.posterior = self.arch = None
        self.sample_chunk = job.chunk_size
        if isinstance(unit.space, GPSpaceSpec):
            from ibcomplexity.hypotheses import GPSpace, gp_posterior
            from ibcomplexity.hypotheses.sampling import default_chunk_size

            space = GPSpace(
                kernel=unit.space.resolved_kernel or unit.space.kernel,
                preprocessing=unit.space.preprocess,
            )
            self.posterior = gp_posterior(space, self.task)
            # Memory-bounded jitted width; the losses do not depend on it.
            self.sample_chunk = min(
                job.chunk_size,
                default_chunk_size(self.posterior, job.chunk_size, _dtype(unit.space.dtype)),
            )
        else:
            from ibcomplexity.batch.job import _input_shape
            from ibcomplexity.hypotheses.networks import parse_arch

            self.arch = parse_arch(
                unit.space.resolved_arch or unit.space.arch,
                input_shape=_input_shape(job.datasets[t.index]),
                outputs=self.task.classes,
            )


def _split(job: Job, t: TaskSpec, tasks: dict[int, Any]):
    """The task's train/test split (its RegressionTask), built once into ``tasks``."""
    from ibcomplexity.tasks import RegressionTask, make_regression_task

    if t.index not in tasks:
        data = job.datasets[t.index]
        # A regression source's task was built during validation; a dataset is split here.
        tasks[t.index] = (
            data
            if isinstance(data, RegressionTask)
            else make_regression_task(data, n_train=t.n_train, n_test=t.n_test, seed=t.seed)
        )
    return tasks[t.index]


# --------------------------------------------------------------- what a resume must match


def data_fingerprint(task) -> str:
    """sha256 (hex) of the data a task's hypotheses see: the dtype, shape and bytes of its
    ``x_train``, ``y_train``, ``x_test`` and ``y_test`` (after loading and splitting, so it
    covers data files and synthetic sources alike)."""
    h = hashlib.sha256(b"ibcomplexity-batch-data/1\n")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        a = np.ascontiguousarray(getattr(task, name))
        h.update(f"{name} {a.dtype.str} {a.shape}\n".encode())
        h.update(a.reshape(-1).view(np.uint8))
    return h.hexdigest()


def data_record(job: Job, units: list[Unit], tasks: dict[int, Any]) -> dict[str, dict[str, str]]:
    """``{"t<index>": {"task", "dataset", "sha256"}}`` for each task with units: what a
    resume's data must match (recorded in job.json as ``"data"``)."""
    record = {}
    for u in units:
        t = u.task
        if f"t{t.index}" not in record:
            record[f"t{t.index}"] = {
                "task": t.label,
                "dataset": t.dataset,
                "sha256": data_fingerprint(_split(job, t, tasks)),
            }
    return record


def platform_record() -> dict[str, Any]:
    """``{"backend", "x64", "device_kind"}`` of this process: the floating-point behaviour its
    chunks have (recorded in job.json as ``"platform"``; the device kind is for information)."""
    import jax

    return {
        "backend": jax.default_backend(),
        "x64": bool(jax.config.jax_enable_x64),
        "device_kind": str(jax.devices()[0].device_kind),
    }


def _platform_text(p: Mapping[str, Any]) -> str:
    return f"JAX backend {p.get('backend')!r} with 64-bit floats {'on' if p.get('x64') else 'off'}"


def check_platform(
    recorded: Mapping[str, Any], root: Path, warnings: list[str] | None = None
) -> None:
    """Refuse to compute more chunks into ``root`` on another backend or x64 setting than the
    one that computed the chunks there (``recorded`` is the store's info); note, in
    ``warnings``, another device kind of the same backend (its fast float32 modes, such as TF32,
    may round differently)."""
    was = recorded.get("platform")
    if not isinstance(was, dict):
        return
    now = platform_record()
    if (was.get("backend"), was.get("x64")) == (now["backend"], now["x64"]):
        kind = was.get("device_kind")
        if warnings is not None and kind is not None and kind != now["device_kind"]:
            warnings.append(
                f"{root} was started on {kind!r} and resumes on {now['device_kind']!r}: GP "
                "samples are the same (canonical eigenbasis), but networks trained with "
                "precision 'default' may round differently on another device kind; set "
                'precision = "highest" for streams that agree across devices'
            )
        return
    env = []
    if was.get("backend") == "cpu" and now["backend"] != "cpu":
        env.append("JAX_PLATFORMS=cpu")
    if bool(was.get("x64")) != now["x64"]:
        env.append(f"JAX_ENABLE_X64={int(bool(was.get('x64')))}")
    hint = f" (e.g. with {' '.join(env)})" if env else ""
    raise InputError(
        f"{root} was computed on {_platform_text(was)}, but this process runs on "
        f"{_platform_text(now)}: the chunks still to compute would differ in floating-point "
        "rounding from those already there, so the result would be no uninterrupted run's; "
        f"resume it on {_platform_text(was)}{hint}, or start a fresh run with --out NEWDIR"
    )


def data_checker(job: Job, current: Mapping[str, Any], root: Path, warnings: list[str]):
    """``check(recorded info)`` for :meth:`ChunkStore.open`: refuses when a task's data
    fingerprint differs from the recorded one; notes (in ``warnings``) a folder that recorded
    none."""
    labels = {f"t{t.index}": t for t in job.tasks}

    def check(recorded: Mapping[str, Any]) -> None:
        data = recorded.get("data")
        if not isinstance(data, dict):
            warnings.append(
                f"{root} has no record of its tasks' data fingerprints (it was started by an "
                "older ibc, or its records were rebuilt), so this resume cannot check that the "
                "data is unchanged; the fingerprints of the data read now are recorded for "
                "later resumes"
            )
            return
        changed = []
        for key, now in current.items():
            was = data.get(key)
            was = was.get("sha256") if isinstance(was, dict) else None
            if was is not None and was != now["sha256"]:
                t = labels[key]
                a, b = two_hashes(now["sha256"], was)
                changed.append(
                    f"task {t.label!r} ({t.dataset}): its data changed since the run started "
                    f"(fingerprint {a} was {b})"
                )
        if changed:
            raise InputError(
                f"{'; '.join(changed)}; resuming {root} would mix results computed from two "
                "versions of the data: start a fresh run with --out NEWDIR, or restore the "
                "original data"
            )

    return check


def record_info(store: ChunkStore, current: Mapping[str, Any]) -> None:
    """Record the data fingerprints and platform in a store that lacks (some of) them."""
    data = store.info.get("data")
    data = dict(data) if isinstance(data, dict) else {}
    fields = {}
    if any(k not in data for k in current):
        fields["data"] = {**data, **current}
    if not isinstance(store.info.get("platform"), dict):
        fields["platform"] = platform_record()
    if fields:
        store.update_info(**fields)


_NN_ARRAYS = ("test_mse", "fits", "train_mse", "test_accuracy", "train_accuracy")


def _first(bad: np.ndarray, a: np.ndarray, start: int) -> str:
    i = int(np.flatnonzero(bad)[0])
    return f"{int(bad.sum())} (first: hypothesis {start + i}, {a[i]!r})"


def chunk_checker(job: Job, units: list[Unit]) -> ChunkCheck:
    """The check of every chunk read back (see :meth:`ChunkStore.open`): a range of the job's
    chunk grid, the arrays of the unit's space with their dtypes and one value per hypothesis,
    losses >= 0 (no NaN for a GP; a diverged network's NaN is allowed), accuracies in [0, 1]
    and ``fits`` agreeing with ``train_mse < fit_threshold``."""
    by_id = {u.id: u for u in units}
    grids = {u.id: set(chunk_grid(u.num, job.chunk_size)) for u in units}

    def check(unit: str, start: int, stop: int, arrays: Mapping[str, np.ndarray]) -> str | None:
        u = by_id.get(unit)
        if u is None:
            return None
        if (start, stop) not in grids[unit]:
            return (
                f"range [{start}, {stop}) is not a chunk of this job (chunks of "
                f"{job.chunk_size} hypotheses in [0, {u.num}))"
            )
        sp = u.space
        want = ("loss",) if isinstance(sp, GPSpaceSpec) else _NN_ARRAYS
        if set(arrays) != set(want):
            return f"holds the arrays {', '.join(sorted(arrays))}, not {', '.join(want)}"
        if isinstance(sp, GPSpaceSpec):
            loss = arrays["loss"]
            if loss.dtype != np.dtype(sp.dtype):
                return f"array 'loss' has dtype {loss.dtype}, not the space's {sp.dtype}"
            bad = ~(loss >= 0)
            if bad.any():
                return f"array 'loss' has negative or NaN losses: {_first(bad, loss, start)}"
            return None
        if arrays["fits"].dtype != np.bool_:
            return f"array 'fits' has dtype {arrays['fits'].dtype}, not bool"
        for k in ("test_mse", "train_mse", "test_accuracy", "train_accuracy"):
            a = arrays[k]
            if a.dtype.kind != "f":
                return f"array {k!r} has dtype {a.dtype}, not a float dtype"
            bad = a < 0 if k.endswith("mse") else ~((a >= 0) & (a <= 1))
            if bad.any():
                what = "negative MSEs" if k.endswith("mse") else "accuracies outside [0, 1]"
                return f"array {k!r} has {what}: {_first(bad, a, start)}"
        mse, fits, thr = arrays["train_mse"], arrays["fits"], sp.fit_threshold
        bad = (fits & ~(mse < thr * (1 + 1e-6))) | (~fits & (mse < thr * (1 - 1e-6)))
        if bad.any():
            return f"array 'fits' disagrees with train_mse < {thr:g} at {_first(bad, mse, start)}"
        return None

    return check


def command(job: Job, out: str | Path, *options: str) -> str:
    """The ``ibc batch`` command line of ``job`` in ``out`` with ``options`` (for messages)."""
    words = ["ibc", "batch", job.path or "JOB.toml", "--out", str(out), *options]
    return " ".join(shlex.quote(w) for w in words)


def _dtype(name: str):
    import jax.numpy as jnp

    return jnp.float64 if name == "float64" else jnp.float32


def _compute_chunk(ctx: _Context, unit: Unit, key, start: int, stop: int) -> dict[str, np.ndarray]:
    """The arrays of hypotheses ``start .. stop-1`` of ``unit``."""
    from ibcomplexity.hypotheses import sample_losses, train_hypotheses

    sp = unit.space
    if isinstance(sp, GPSpaceSpec):
        losses = sample_losses(
            key,
            ctx.posterior,
            stop - start,
            start=start,
            chunk_size=ctx.sample_chunk,
            dtype=_dtype(sp.dtype),
        )
        return {"loss": losses}
    res = train_hypotheses(
        key,
        ctx.arch,
        ctx.task,
        num=stop - start,
        start=start,
        epochs=sp.epochs,
        batch_size=sp.batch_size,
        lr=sp.lr,
        optimizer=sp.optimizer,
        weight_decay=sp.weight_decay,
        loss=sp.loss,
        fit_threshold=sp.fit_threshold,
        precision=sp.precision,
    )
    return {
        "test_mse": res.test_mse,
        "fits": res.fits,
        "train_mse": res.train_mse,
        "test_accuracy": res.test_accuracy,
        "train_accuracy": res.train_accuracy,
    }


# --------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_job` did and wrote.

    Attributes:
      rows: one dict per (task, space, samples, target) with :data:`CSV_COLUMNS`.
      units: per-unit summaries (description, chunks, seconds, fit counts, plot).
      out: the output folder; files: the result files written (relative to ``out``).
      job_hash: the job's content hash.
      resumed: whether this run continued an existing folder.
      chunks_computed: chunks computed by this run (0 when everything was checkpointed).
      hypotheses_computed: hypotheses computed by this run.
      wall_seconds: wall time of this run.
      devices: ``jax.device_count()``.
      skipped: notes on skipped optional tasks.
      warnings: what the run could not check (e.g. a folder started before data fingerprints
        were recorded); the CLI prints them on stderr.
    """

    rows: list[dict[str, Any]]
    units: list[dict[str, Any]]
    out: str
    files: list[str]
    job_hash: str
    resumed: bool
    chunks_computed: int
    hypotheses_computed: int
    wall_seconds: float
    devices: int
    skipped: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))


def _estimate_row(job: Job, losses: np.ndarray, target: float) -> tuple[dict[str, Any], Any]:
    from ibcomplexity.estimate import MIN_SAMPLES, estimate_bits

    empty = dict.fromkeys(
        (
            "bits",
            "ci_low_bits",
            "ci_high_bits",
            "regime",
            "resolvable_bits",
            "fit_bits",
            "cumulant_bits",
            "empirical_bits",
            "count_below",
        )
    )
    if losses.size < MIN_SAMPLES:
        msg = f"only {losses.size} usable losses; the estimate needs at least {MIN_SAMPLES}"
        return {**empty, "message": msg}, None
    try:
        est = estimate_bits(
            losses.astype(np.float64),
            target,
            confidence=job.confidence,
            bootstrap=job.bootstrap,
            seed=job.seed,
        )
    except InputError as e:
        return {**empty, "message": f"no estimate: {e}"}, None
    row = {
        "bits": est.bits,
        "ci_low_bits": est.ci_bits[0],
        "ci_high_bits": est.ci_bits[1],
        "regime": est.regime,
        "resolvable_bits": est.resolvable_bits,
        "fit_bits": est.fit_bits,
        "cumulant_bits": est.cumulant_bits,
        "empirical_bits": est.empirical_bits,
        "count_below": est.count_below,
        "message": est.message,
    }
    return row, est


def _unit_rows(job, unit, arrays, ctx, seconds, devices):
    """The rows of one unit, and its plot's ingredients (losses, S_max estimates)."""
    from ibcomplexity.estimate import inductive_bias_from_posterior

    sp, t = unit.space, unit.task
    base = {
        "task": t.label,
        "dataset": t.dataset,
        "n_train": t.n_train,
        "n_test": t.n_test,
        "split_seed": t.seed,
        "space": sp.label,
        "space_type": sp.type,
        "space_spec": sp.kernel if isinstance(sp, GPSpaceSpec) else ctx.arch.spec,
        "seed": job.seed,
        "unit": unit.id,
        "devices": devices,
        "sampling_seconds": seconds,
        "hypotheses_per_second": unit.num / seconds if seconds > 0 else None,
    }
    exact = {}
    if isinstance(sp, GPSpaceSpec):
        exact = {eps: inductive_bias_from_posterior(ctx.posterior, eps) for eps in job.targets}
    rows, last = [], {}
    for s in job.samples:
        if isinstance(sp, GPSpaceSpec):
            losses, fit = arrays["loss"][:s], None
        else:
            fits = arrays["fits"][:s]
            losses, fit = arrays["test_mse"][:s][fits], int(np.count_nonzero(fits))
        for eps in job.targets:
            t0 = time.perf_counter()
            est_row, est = _estimate_row(job, losses, eps)
            row = {
                **base,
                "target": eps,
                "samples": s,
                "fit_samples": fit,
                **est_row,
                "exact_bits": exact[eps].bits if exact else None,
                "estimate_seconds": time.perf_counter() - t0,
            }
            if fit is not None and fit < s:
                note = f"{fit} of {s} networks fit the training data (train MSE < "
                note += f"{sp.fit_threshold:g}); the estimate uses those"
                row["message"] = "; ".join(filter(None, (note, row["message"])))
            rows.append({k: row.get(k) for k in CSV_COLUMNS})
            if s == job.num_samples:
                last[eps] = est
    return rows, losses, last, exact


def _card_rows(job: Job, devices: int) -> list[dict[str, Any]]:
    """One row per (card task, target error): the model-agnostic bound from the card."""
    from ibcomplexity.tasks.cards import load_card
    from ibcomplexity.workflows.cards import bound_from_card

    rows = []
    for c in job.cards:
        card = load_card(c.resolved)
        for eps in c.target_errors or (card.statistics["target_error"],):
            r = bound_from_card(card, target_error=eps, convention=c.convention)
            row = {k: None for k in CSV_COLUMNS}
            row.update(
                task=c.label,
                dataset=f"card:{card.name}",
                space="bound",
                space_type="bound",
                space_spec=f"model-agnostic bound, {card.task} form, {c.convention} convention",
                target=float(eps),
                bits=None if r.vacuous or not math.isfinite(r.bits) else r.bits,
                log10_bits=None if r.vacuous else r.log10_bits,
                devices=devices,
                message=r.message,
            )
            rows.append(row)
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "-", text).strip("-")[:60] or "x"


def _plot_unit(out: Path, job: Job, unit: Unit, ctx, losses, ests, exact) -> str | None:
    from ibcomplexity.estimate import loss_distribution
    from ibcomplexity.plots import plot_loss_distribution

    if losses.size == 0:
        return None
    target = job.targets[0]
    parts = []  # one legend entry per target, each drawn as its own line
    for eps in job.targets:
        if exact:
            b = exact[eps].bits
            parts.append(f"target {eps:g}: {'inf' if math.isinf(b) else f'{b:.4g}'} bits exact")
        elif ests.get(eps) is not None:
            e = ests[eps]
            # a lower bound has no value (bits None): the label states the bound
            value = f"{e.bits:.4g}" if e.bits is not None else f">= {float(e.ci_bits[0]):.4g}"
            parts.append(f"target {eps:g}: {value} bits")
        else:
            parts.append(f"target {eps:g}")
    models = None
    distribution = None
    if isinstance(unit.space, GPSpaceSpec):
        distribution = loss_distribution(ctx.posterior)
    elif ests.get(target) is not None:
        from ibcomplexity.distributions.generalized_chi2 import GeneralizedChiSquare

        fit = ests[target].fit
        models = {"noncentral chi-square fit": GeneralizedChiSquare([fit.scale], fit.df, fit.nc)}
    rel = f"plots/{unit.id}_{_slug(unit.task.label)}_{_slug(unit.space.label)}.png"
    plot_loss_distribution(
        out / rel,
        target=list(job.targets),
        losses=losses,
        distribution=distribution,
        models=models,
        title=f"{unit.space.label} on {unit.task.label} (n_train={unit.task.n_train}, "
        f"n_test={unit.task.n_test}, {losses.size} "
        f"{'samples' if distribution is not None else 'fitting networks'})",
        bits_label=parts,
    )
    return rel


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r[k] is None else r[k]) for k in CSV_COLUMNS})
    return buf.getvalue().encode()


# ------------------------------------------------------------------------------- the driver


def check_loaded(job: Job) -> None:
    """Refuse a job validated without its data (``check_data=False``)."""
    missing = [t.label for t in job.tasks if t.index not in job.datasets]
    if missing:
        raise InputError(
            f"the job's data is not loaded (tasks {missing}); validate it with "
            "load_job(path) or parse_job(data) with check_data=True"
        )


def compute_chunks(
    job: Job,
    store: ChunkStore,
    units: list[Unit],
    todo: dict[str, list[tuple[int, int]]],
    *,
    done: int,
    total: int,
    progress: Progress | None = None,
    contexts: dict[str, _Context] | None = None,
    tasks: dict[int, Any] | None = None,
    label: str = "",
) -> tuple[int, int]:
    """Compute and checkpoint the chunks ``todo[unit id]`` of each unit, in order.

    ``done``/``total`` are the hypotheses already done / to do, for ``progress``; ``contexts``
    and ``tasks`` (filled in) cache each unit's context and each task's split. Returns
    ``(chunks computed, hypotheses computed)``.
    """
    contexts = {} if contexts is None else contexts
    tasks = {} if tasks is None else tasks
    computed = computed_h = 0
    for u in units:
        if not todo.get(u.id):
            continue
        ctx = contexts[u.id] = _Context(job, u, tasks)
        key = unit_key(job.seed, u.key_words)
        what = f"{label}{u.task.label} x {u.space.label}"
        for a, b in todo[u.id]:
            t0 = time.perf_counter()
            arrays = _compute_chunk(ctx, u, key, a, b)
            store.write_chunk(
                u.id, a, b, arrays, seconds=time.perf_counter() - t0, description=u.description()
            )
            computed += 1
            computed_h += b - a
            done += b - a
            if progress is not None:
                progress(done, total, what)
    return computed, computed_h


def _shards_only(out: Path) -> list[str]:
    """The shard folders of ``out`` when it holds an unmerged multi-process run, else []."""
    shards = out / "shards"
    if (out / "manifest.json").is_file() or not shards.is_dir():
        return []
    return sorted(p.name for p in shards.iterdir())


def run_job(
    job: Job,
    out: str | Path,
    *,
    resume: bool = False,
    repair: bool = False,
    progress: Progress | None = None,
    devices: int | None = None,
    compute: bool = True,
) -> BatchResult:
    """Run (or resume) ``job`` with its checkpoints and results in the folder ``out``.

    Args:
      job: a validated :class:`~ibcomplexity.batch.job.Job` (see
        :func:`~ibcomplexity.batch.job.load_job`).
      out: the output folder. Without ``resume`` it must be absent or empty.
      resume: continue the job recorded in ``out`` (the job's content hash, each task's data
        fingerprint and, when chunks remain to compute, the JAX backend and x64 setting must
        match); a missing or empty ``out`` starts afresh.
      repair: with ``resume``, recompute chunks whose checkpoint is missing or corrupt instead
        of refusing, and rebuild a lost or malformed ``manifest.json`` or ``job.json`` from
        what is intact (see :mod:`ibcomplexity.batch.store`).
      progress: optional ``progress(done, total, description)`` over hypotheses, called before
        the first chunk and after each chunk.
      devices: the device count recorded in the results (default ``jax.device_count()``; a
        merge of shards passes the total over the processes that computed them).
      compute: ``False`` refuses to compute anything (an :class:`InputError` names the missing
        chunks): the results step of a merge, whose chunks must all be there.

    Returns:
      The :class:`BatchResult`; ``results.csv``, ``results.json`` and the plots are in ``out``.

    Raises:
      InputError: an unwritable ``out``, an occupied ``out`` without ``resume``, a changed job
        file, changed data, another platform or corrupt checkpoints on resume, a folder in use
        by another run, or a failed write (e.g. no space left on device).
    """
    import jax

    t_start = time.perf_counter()
    check_loaded(job)
    out = Path(out)
    check_output_dir(out, "output directory")
    shards = _shards_only(out)
    if shards:
        raise InputError(
            f"{out} holds the unmerged shards of a multi-process run ({out / 'shards'}: "
            f"{', '.join(shards[:6])}{', ...' if len(shards) > 6 else ''}); merge them with "
            f"'{command(job, out, '--merge')}', or choose another --out"
        )
    if compute:
        remedies = Remedies(
            resume=command(job, out, "--resume"), repair=command(job, out, "--resume", "--repair")
        )
    else:  # the results step of a merge: rerunning the merge repairs the merged folder
        remedies = Remedies(
            resume=command(job, out, "--merge"), repair=command(job, out, "--merge")
        )
    canonical = job.canonical()
    units = plan_units(job)
    tasks: dict[int, Any] = {}
    current = data_record(job, units, tasks)
    check = chunk_checker(job, units)
    warnings: list[str] = []
    fresh = ChunkStore.unstarted(out)
    if resume and not fresh:
        store = ChunkStore.open(
            out,
            job_hash=job.content_hash,
            job=canonical,
            repair=repair,
            job_text=job.text,
            chunks={u.id: chunk_grid(u.num, job.chunk_size) for u in units},
            check=check,
            check_info=data_checker(job, current, out, warnings),
            remedies=remedies,
        )
    else:
        store = ChunkStore.create(
            out,
            job_hash=job.content_hash,
            job=canonical,
            job_text=job.text,
            resume=resume,
            info={"data": current, "platform": platform_record()},
            check=check,
            remedies=remedies,
        )
    with store:
        todo = {
            u.id: [c for c in chunk_grid(u.num, job.chunk_size) if c not in store.completed(u.id)]
            for u in units
        }
        total = sum(u.num for u in units)
        done = total - sum(b - a for chunks in todo.values() for a, b in chunks)
        if not compute and done < total:
            lacking = [f"{u} [{c[0][0]}, {c[-1][1]})" for u, c in todo.items() if c]
            raise InputError(f"{out} lacks chunks of {', '.join(lacking)}; nothing is computed")
        if resume and not fresh and done < total:
            check_platform(store.info, out, warnings)
        record_info(store, current)
        if progress is not None:
            progress(done, total, "resuming" if done else "starting")
        contexts: dict[str, _Context] = {}
        computed, computed_h = compute_chunks(
            job,
            store,
            units,
            todo,
            done=done,
            total=total,
            progress=progress,
            contexts=contexts,
            tasks=tasks,
        )
        done = total
        if progress is not None:
            progress(done, total, "estimating")

        devices = jax.device_count() if devices is None else devices
        rows, summaries, files = [], [], []
        for u in units:
            ctx = contexts.get(u.id) or _Context(job, u, tasks)
            arrays = store.read_unit(u.id, u.num)
            seconds = store.seconds(u.id)
            urows, losses, ests, exact = _unit_rows(job, u, arrays, ctx, seconds, devices)
            rows.extend(urows)
            plot = None
            if job.plots:
                with writing(out / "plots", remedies.resume):
                    plot = _plot_unit(out, job, u, ctx, losses, ests, exact)
            if plot:
                files.append(plot)
            summary = {
                "unit": u.id,
                **u.description(),
                "chunks": len(store.chunks(u.id)),
                "sampling_seconds": seconds,
                "plot": plot,
            }
            if "fits" in arrays:
                summary["fit"] = int(np.count_nonzero(arrays["fits"]))
                summary["train_mse_median"] = float(np.median(arrays["train_mse"]))
                summary["test_accuracy_mean"] = float(np.mean(arrays["test_accuracy"]))
            else:
                summary["mean_loss"] = float(np.mean(arrays["loss"]))
            summaries.append(summary)

        rows.extend(_card_rows(job, devices))
        result = BatchResult(
            rows=rows,
            units=summaries,
            out=str(out),
            files=["results.csv", "results.json", *files],
            job_hash=job.content_hash,
            resumed=resume and not fresh,
            chunks_computed=computed,
            hypotheses_computed=computed_h,
            wall_seconds=time.perf_counter() - t_start,
            devices=devices,
            skipped=[f"tasks[{i}] ({job.task_label(i)}): {why}" for i, why in job.skipped.items()],
            warnings=warnings,
        )
        with writing(out / "results.csv", remedies.resume):
            atomic_write_bytes(out / "results.csv", _csv_bytes(rows))
        with writing(out / "results.json", remedies.resume):
            atomic_write_json(
                out / "results.json",
                {"job": canonical, "jax_version": jax.__version__, **result.as_dict()},
            )
    return result
