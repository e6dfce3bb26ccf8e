"""Job files: parse a TOML job, validate every field, and give it a canonical content hash.

The schema is documented in :mod:`ibcomplexity.batch`. Validation runs in two passes and collects
*every* problem before raising one :class:`~ibcomplexity._validation.InputError` whose lines each
name a field by its path (``tasks[0].n_train must be an integer >= 1, got -5``):

1. structure and types of every field (no data is read);
2. what needs the data: each task's dataset is loaded (and its split size checked), each
   architecture is parsed against each task's input shape, each batch size checked against each
   task's ``n_train``.

The canonical form of a job (every default filled in, numbers normalised, labels included; the
file's comments and layout left out) is what :attr:`Job.content_hash` hashes: reformatting a job
file keeps its hash, changing any value changes it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ibcomplexity._limits import check_memory, check_nesting, format_bytes
from ibcomplexity._validation import InputError
from ibcomplexity.batch.spec import (
    GP_DEFAULTS,
    JOB_DEFAULTS,
    NN_DEFAULTS,
    CardTaskSpec,
    GPSpaceSpec,
    Job,
    NNSpaceSpec,
    TaskSpec,
)

__all__ = ["load_job", "parse_job"]

_JOB_KEYS = (
    "name",
    "seed",
    "split_seed",
    "chunk_size",
    "bootstrap",
    "confidence",
    "targets",
    "samples",
    "plots",
)
# A task's "seed" is the old name of its "split_seed" (job files written before they were
# separated keep working, with the same results and content hash).
_TASK_KEYS = ("dataset", "n_train", "n_test", "split_seed", "seed", "name", "optional")
_CARD_TASK_KEYS = ("card", "name", "target_errors", "convention")
_GP_KEYS = ("type", "name", *GP_DEFAULTS)
_NN_KEYS = ("type", "name", "arch", *NN_DEFAULTS)
# Hypothesis indices are folded into keys as uint32.
MAX_SAMPLES = 2**32
# jax.random.key takes 32-bit seeds without x64 (a larger one silently wraps: 2**32 gives the
# draws of seed 0), so every seed is a uint32.
MAX_SEED = 2**32 - 1
# Sizes no job needs, checked so that a typo costs one message, not an overflow or a
# never-ending loop after the output folder exists.
MAX_BOOTSTRAP = 10**6
MAX_EPOCHS = 10**6
#: A job file is a small table; a bigger file (or /dev/zero) is refused before it is read.
MAX_JOB_FILE_BYTES = 16 * 2**20


# ------------------------------------------------------------------------------ validation


class _Errors:
    """Collects ``path: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        plain = message.startswith(("must ", "is required"))
        self.lines.append(f"{path} {message}" if plain else f"{path}: {message}")

    def unknown_keys(self, path: str, table: Mapping, allowed: tuple[str, ...]) -> None:
        for k in table:
            if k not in allowed:
                self.add(
                    f"{path}.{k}" if path else k, f"unknown field (valid: {', '.join(allowed)})"
                )


def _describe(v: Any) -> str:
    return repr(v) if not isinstance(v, (dict, list)) else type(v).__name__


def _int(errors: _Errors, path: str, v: Any, *, minimum: int, maximum: int | None = None):
    ok = not isinstance(v, bool) and (
        isinstance(v, int) or (isinstance(v, float) and math.isfinite(v) and v.is_integer())
    )
    if ok and int(v) >= minimum and (maximum is None or int(v) <= maximum):
        return int(v)
    rng = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    errors.add(path, f"must be an integer {rng}, got {_describe(v)}")
    return None


def _number(errors: _Errors, path: str, v: Any, *, allow_zero: bool = False, below_one=False):
    ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(float(v))
    if ok:
        f = float(v)
        ok = (f > 0 or (allow_zero and f == 0)) and (not below_one or f < 1)
        if ok:
            return f
    what = (
        "a number in (0, 1)" if below_one else ("a number >= 0" if allow_zero else "a number > 0")
    )
    errors.add(path, f"must be {what}, got {_describe(v)}")
    return None


def _string(errors: _Errors, path: str, v: Any, *, choices: tuple[str, ...] | None = None):
    if not isinstance(v, str) or not v.strip():
        errors.add(path, f"must be a non-empty string, got {_describe(v)}")
        return None
    if choices is not None and v not in choices:
        errors.add(path, f"must be one of {', '.join(choices)}, got {v!r}")
        return None
    return v.strip()


def _bool(errors: _Errors, path: str, v: Any):
    if not isinstance(v, bool):
        errors.add(path, f"must be true or false, got {_describe(v)}")
        return None
    return v


def _list_of(errors, path, v, item, *, what: str):
    """A scalar or a non-empty list of scalars, each checked by ``item(errors, path[i], x)``."""
    values = v if isinstance(v, list) else [v]
    if not values:
        errors.add(path, f"must list at least one {what}")
        return None
    out = []
    for i, x in enumerate(values):
        r = item(errors, f"{path}[{i}]" if isinstance(v, list) else path, x)
        if r is not None:
            out.append(r)
    if len(out) != len(values):
        return None
    seen: set = set()
    for x in out:
        if x in seen:
            errors.add(path, f"lists {x!r} twice")
            return None
        seen.add(x)
    return tuple(sorted(out))


def _resolve_dataset(spec: str, base: Path) -> str:
    """The dataset spec with relative paths taken relative to ``base`` (the job file's folder)."""
    scheme, sep, rest = spec.partition(":")
    if not sep or scheme not in ("mnist", "idx", "npz", "csv", "tsv", "npy", "parquet", "hf"):
        return spec

    def fix(p: str) -> str:
        path = Path(p).expanduser()
        return p if not p or path.is_absolute() else os.path.normpath(base / path)

    if scheme in ("idx", "npy"):
        return f"{scheme}:" + ",".join(fix(p) for p in rest.split(","))
    if scheme in ("csv", "tsv"):
        path, colon, option = rest.rpartition(":")
        if colon and option.startswith("label="):
            return f"{scheme}:{fix(path)}:{option}"
    if scheme in ("parquet", "hf"):  # PATH[:label=C][:features=C;C][:split=S], options in any order
        path, options = rest, ""
        while True:
            head, colon, option = path.rpartition(":")
            if not colon or not option.startswith(("label=", "features=", "split=")):
                return f"{scheme}:{fix(path)}{options}"
            path, options = head, f":{option}{options}"
    if scheme == "mnist":
        directory, colon, split = rest.rpartition(":")
        if colon and split in ("train", "test"):
            return f"mnist:{fix(directory)}:{split}"
    return f"{scheme}:{fix(rest)}"


def _missing_data(message: str) -> bool:
    return any(s in message for s in ("does not exist", "no MNIST", "is not a directory"))


def _check_card_task(errors: _Errors, i: int, t: dict, base: Path) -> CardTaskSpec | None:
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION
    from ibcomplexity.tasks.cards import card_names, load_card

    path = f"tasks[{i}]"
    errors.unknown_keys(path, t, _CARD_TASK_KEYS)
    card = _string(errors, f"{path}.card", t["card"])
    label = _string(errors, f"{path}.name", t["name"]) if "name" in t else card
    targets: tuple[float, ...] | None = ()
    if "target_errors" in t:
        got = _list_of(
            errors,
            f"{path}.target_errors",
            t["target_errors"],
            lambda e, p, x: _number(e, p, x, below_one=True),
            what="target error",
        )
        targets = None if got is None else tuple(got)
    convention = t.get("convention", DEFAULT_CONVENTION)
    if convention not in CONVENTIONS:
        errors.add(f"{path}.convention", f"must be one of {', '.join(CONVENTIONS)}")
        convention = None
    if card is None or label is None or targets is None or convention is None:
        return None
    resolved = card
    if card.lower() not in card_names():
        if not Path(card).expanduser().is_absolute():
            resolved = os.path.normpath(base / Path(card).expanduser())
        if not Path(resolved).is_file():
            errors.add(
                f"{path}.card",
                f"no bundled card named {card!r} and no card file {resolved}; bundled cards: "
                f"{', '.join(card_names())}",
            )
            return None
    try:
        load_card(resolved)
    except InputError as e:
        errors.add(f"{path}.card", str(e))
        return None
    return CardTaskSpec(
        index=i,
        label=label,
        card=card,
        resolved=resolved,
        target_errors=targets,
        convention=convention,
    )


def _check_task(
    errors: _Errors, i: int, t: Any, job_seed, base: Path
) -> TaskSpec | CardTaskSpec | None:
    path = f"tasks[{i}]"
    if not isinstance(t, dict):
        errors.add(path, f"must be a table ([[tasks]]), got {_describe(t)}")
        return None
    if "card" in t:
        if "dataset" in t:
            errors.add(path, "give either dataset (data) or card (statistics), not both")
            return None
        return _check_card_task(errors, i, t, base)
    errors.unknown_keys(path, t, _TASK_KEYS)
    ok = True
    for req in ("dataset", "n_train", "n_test"):
        if req not in t:
            errors.add(f"{path}.{req}", "is required")
            ok = False
    dataset = _string(errors, f"{path}.dataset", t["dataset"]) if "dataset" in t else None
    n_train = _int(errors, f"{path}.n_train", t["n_train"], minimum=1) if "n_train" in t else None
    n_test = _int(errors, f"{path}.n_test", t["n_test"], minimum=1) if "n_test" in t else None
    if "split_seed" in t and "seed" in t:
        errors.add(f"{path}.seed", "is the old name of split_seed: give one of them, not both")
    key = "split_seed" if "split_seed" in t else "seed"
    seed = (
        _int(errors, f"{path}.{key}", t[key], minimum=0, maximum=MAX_SEED) if key in t else job_seed
    )
    label = _string(errors, f"{path}.name", t["name"]) if "name" in t else dataset
    optional = _bool(errors, f"{path}.optional", t["optional"]) if "optional" in t else False
    values = (dataset, n_train, n_test, seed, label, optional)
    if not ok or any(v is None for v in values):
        return None
    return TaskSpec(
        index=i,
        label=label,
        dataset=dataset,
        resolved=_resolve_dataset(dataset, base),
        n_train=n_train,
        n_test=n_test,
        seed=seed,
        optional=optional,
    )


def _check_gp(errors: _Errors, path: str, i: int, s: dict, base: Path) -> GPSpaceSpec | None:
    from ibcomplexity.hypotheses.kernels import PREPROCESSING_MODES, make_kernel

    errors.unknown_keys(path, s, _GP_KEYS)
    v = {**GP_DEFAULTS, **s}
    kernel, code, written = None, None, None
    kspec = _string(errors, f"{path}.kernel", v["kernel"])
    if kspec is not None:
        try:
            if kspec.strip().lower().startswith("py:"):
                # the user's function, from a path relative to the job file; the canonical form
                # keeps the path as written (the hash does not depend on where the job lives)
                from ibcomplexity._user_code import parse_user_spec

                resolved, code = _resolve_user(kspec, base, "kernel")
                written = (parse_user_spec(resolved, what="kernel").module, kspec)
                kernel = make_kernel(resolved)
            else:
                kernel = make_kernel(kspec)
        except InputError as e:
            errors.add(f"{path}.kernel", str(e))
    bw = v["bandwidth"]
    if kernel is not None and "bandwidth" in s:
        if kernel.name == "nngp":
            errors.add(f"{path}.bandwidth", "kernel 'nngp' has no bandwidth; leave the field out")
            kernel = None
        elif ":" in kspec and "bandwidth" in kspec:
            errors.add(f"{path}.bandwidth", f"is also set in kernel = {kspec!r}; give it once")
            kernel = None
        elif bw != "median" and (isinstance(bw, bool) or not isinstance(bw, (int, float))):
            errors.add(
                f"{path}.bandwidth", f"must be a number > 0 or 'median', got {_describe(bw)}"
            )
            kernel = None
        else:
            try:
                kernel = make_kernel(dataclasses.replace(kernel, bandwidth=bw))
            except InputError as e:
                errors.add(f"{path}.bandwidth", str(e))
                kernel = None
    pre = _string(errors, f"{path}.preprocess", v["preprocess"], choices=PREPROCESSING_MODES)
    dtype = _string(errors, f"{path}.dtype", v["dtype"], choices=("float32", "float64"))
    label = _string(errors, f"{path}.name", v["name"]) if "name" in s else None
    if kernel is None or pre is None or dtype is None or ("name" in s and label is None):
        return None
    shown = kernel.spec
    if written is not None:
        from ibcomplexity._user_code import parse_user_spec

        as_written = parse_user_spec(written[1], what="kernel").module
        shown = kernel.spec.replace(written[0], as_written, 1)
    return GPSpaceSpec(
        index=i,
        label=label or f"gp:{shown}",
        kernel=shown,
        preprocess=pre,
        dtype=dtype,
        resolved_kernel=kernel.spec if written is not None else "",
        code=code,
    )


def _check_nn(errors: _Errors, path: str, i: int, s: dict, base: Path) -> NNSpaceSpec | None:
    from ibcomplexity.hypotheses.networks import ARCHITECTURES
    from ibcomplexity.hypotheses.training import LOSSES, OPTIMIZERS, PRECISIONS

    errors.unknown_keys(path, s, _NN_KEYS)
    v = {**NN_DEFAULTS, **s}
    arch, resolved, code = None, "", None
    if "arch" not in s:
        errors.add(f"{path}.arch", "is required for type = 'nn' (e.g. 'mlp:width=256,depth=2')")
    else:
        arch = _string(errors, f"{path}.arch", s["arch"])
        if arch is not None:
            name = arch.partition(":")[0].strip().lower()
            if name == "py":
                try:
                    resolved, code = _resolve_user(arch, base, "architecture")
                except InputError as e:
                    errors.add(f"{path}.arch", str(e))
                    arch = None
            elif name not in ARCHITECTURES:
                errors.add(
                    f"{path}.arch",
                    f"unknown architecture {name!r}; valid: {', '.join(ARCHITECTURES)}, or "
                    "py:MODULE:FACTORY (your own flax module)",
                )
                arch = None
    epochs = _int(errors, f"{path}.epochs", v["epochs"], minimum=1, maximum=MAX_EPOCHS)
    batch = _int(errors, f"{path}.batch_size", v["batch_size"], minimum=1)
    lr = _number(errors, f"{path}.lr", v["lr"])
    opt = _string(errors, f"{path}.optimizer", v["optimizer"], choices=OPTIMIZERS)
    wd = _number(errors, f"{path}.weight_decay", v["weight_decay"], allow_zero=True)
    loss = _string(errors, f"{path}.loss", v["loss"], choices=LOSSES)
    thr = _number(errors, f"{path}.fit_threshold", v["fit_threshold"])
    precision = _string(errors, f"{path}.precision", v["precision"], choices=PRECISIONS)
    label = _string(errors, f"{path}.name", s["name"]) if "name" in s else None
    if None not in (epochs, batch, lr, opt, wd, loss):
        # The rules between fields (e.g. weight decay needs adamw or sgd) are the library's own:
        # build its TrainConfig and tag its error with the field it names.
        from ibcomplexity.hypotheses.training import TrainConfig

        try:
            TrainConfig(
                epochs=epochs, batch_size=batch, lr=lr, optimizer=opt, weight_decay=wd, loss=loss
            )
        except InputError as e:
            errors.add(_field_of(e, path, ("weight_decay", "optimizer", "loss", "lr")), str(e))
            wd = None
    values = (arch, epochs, batch, lr, opt, wd, loss, thr, precision)
    if any(x is None for x in values) or ("name" in s and label is None):
        return None
    return NNSpaceSpec(
        index=i,
        label=label or f"nn:{arch}",
        arch=arch,
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        optimizer=opt,
        weight_decay=wd,
        loss=loss,
        fit_threshold=thr,
        precision=precision,
        resolved_arch=resolved,
        code=code,
    )


def _resolve_user(spec: str, base: Path, what: str) -> tuple[str, str]:
    """A ``py:`` spec (architecture or kernel) with a relative ``.py`` path taken relative to
    ``base`` (the job file's folder), and the digest of its module's file (found without running
    it)."""
    from ibcomplexity._user_code import file_digest, module_file, parse_user_spec

    parsed = parse_user_spec(spec, what=what)
    module = parsed.module
    if module.endswith(".py") or "/" in module or os.sep in module:
        path = Path(module).expanduser()
        if not path.is_absolute():
            module = os.path.normpath(base / path)
    text = parsed.text.replace(parsed.module, module, 1)
    resolved = dataclasses.replace(parsed, module=module, text=text)
    return text, file_digest(module_file(resolved, what=what))


def _field_of(error: Exception, path: str, fields: tuple[str, ...]) -> str:
    """The field path a library error is about: the first of ``fields`` its message names."""
    text = str(error)
    named = [(text.find(f), f) for f in fields if f in text]
    return f"{path}.{min(named)[1]}" if named else path


def _check_space(errors: _Errors, i: int, s: Any, base: Path):
    path = f"spaces[{i}]"
    if not isinstance(s, dict):
        errors.add(path, f"must be a table ([[spaces]]), got {_describe(s)}")
        return None
    kind = s.get("type")
    if kind == "gp":
        return _check_gp(errors, path, i, s, base)
    if kind == "nn":
        return _check_nn(errors, path, i, s, base)
    if "type" not in s:
        errors.add(f"{path}.type", "is required: 'gp' (kernel/GP space) or 'nn' (networks)")
    else:
        errors.add(f"{path}.type", f"must be 'gp' or 'nn', got {_describe(kind)}")
    return None


def _unique_labels(errors: _Errors, kind: str, items) -> None:
    seen: dict[str, int] = {}
    for it in items:
        if it.label in seen:
            errors.add(
                f"{kind}[{it.index}].name",
                f"{it.label!r} is already used by {kind}[{seen[it.label]}]; give each a "
                "distinct name",
            )
        else:
            seen[it.label] = it.index


def _input_shape(data) -> tuple[int, ...]:
    """Per-example input shape of a loaded Dataset or of a regression source's task."""
    if hasattr(data, "shape"):
        return tuple(data.shape)
    return tuple(data.metadata.get("shape") or (data.dim,))


def _memory(errors: _Errors, path: str, nbytes: float, what: str, hint: str) -> bool:
    """:func:`~ibcomplexity._limits.check_memory` as one error line; False when refused."""
    try:
        check_memory(nbytes, what, hint=hint)
    except InputError as e:
        errors.add(path, str(e))
        return False
    return True


def _check_sizes(errors: _Errors, num: int, tasks, spaces) -> None:
    """Memory that needs no data: each unit's hypotheses (their arrays, gathered twice when the
    chunks are concatenated, and the estimate's float64 working arrays), and each GP space's
    kernel matrices on each task (float64, train x train, train x test, test x test twice)."""
    per = 0
    for s in spaces:
        if isinstance(s, GPSpaceSpec):
            per = max(per, 8 if s.dtype == "float64" else 4)
        else:
            per = max(per, 4 * 4 + 1)  # four float32 arrays and the fits flags
    if per:
        _memory(
            errors,
            "job.samples",
            num * (2 * per + 64),
            f"{num:,} hypotheses per unit (their losses and the estimate's working arrays)",
            "lower the largest sample count",
        )
    gp = next((s for s in spaces if isinstance(s, GPSpaceSpec)), None)
    if gp is None:
        return
    for t in tasks:
        n, m = t.n_train, t.n_test
        _memory(
            errors,
            f"tasks[{t.index}]",
            8 * (n * n + n * m + 2 * m * m),
            f"spaces[{gp.index}] (a GP) on n_train = {n:,} and n_test = {m:,} (its kernel "
            "matrices)",
            "lower n_train or n_test",
        )


def _network_bytes(arch, batch_size: int) -> float:
    """One network's training memory, as :func:`~ibcomplexity.hypotheses.training.default_chunk`
    estimates it (weights, gradients, two Adam moments, a batch's and an evaluation block's
    activations)."""
    from ibcomplexity.hypotheses.training import EVAL_ROWS

    act = arch.activations_per_example + arch.input_dim
    return 4 * (6 * arch.num_parameters + (3 * batch_size + EVAL_ROWS) * act)


def _check_data(errors: _Errors, tasks, spaces):
    """Second pass: load each task's data, check the split and each architecture against it."""
    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.tasks import is_task_source, load_dataset, load_task

    datasets: dict[int, Any] = {}
    skipped: dict[int, str] = {}
    for t in tasks:
        if is_task_source(t.resolved):
            # A regression source builds its task (and its data) from the spec and the split.
            try:
                datasets[t.index] = load_task(
                    t.resolved, n_train=t.n_train, n_test=t.n_test, seed=t.seed
                )
            except InputError as e:
                errors.add(f"tasks[{t.index}].dataset", str(e))
            except (ValueError, OverflowError, MemoryError) as e:
                errors.add(f"tasks[{t.index}].dataset", f"cannot build {t.dataset!r}: {e}")
            continue
        try:
            data = load_dataset(t.resolved)
        except InputError as e:
            if t.optional and _missing_data(str(e)):
                datasets[t.index] = None
                skipped[t.index] = f"skipped (optional; its data is missing: {e})"
            else:
                errors.add(f"tasks[{t.index}].dataset", str(e))
            continue
        datasets[t.index] = data
        if t.n_train + t.n_test > data.n:
            errors.add(
                f"tasks[{t.index}]",
                f"n_train + n_test = {t.n_train + t.n_test} exceeds the {data.n} examples of "
                f"{t.dataset!r}",
            )
        classes = data.classes
        if classes < 2:
            errors.add(f"tasks[{t.index}].dataset", f"{t.dataset!r} has {classes} class (need 2)")
    arch_errors: dict[tuple[int, str], list[str]] = {}
    for s in spaces:
        if not isinstance(s, NNSpaceSpec):
            continue
        for t in tasks:
            data = datasets.get(t.index)
            if data is None:
                continue
            try:
                arch = parse_arch(
                    s.resolved_arch or s.arch,
                    input_shape=_input_shape(data),
                    outputs=data.classes,
                )
            except InputError as e:
                arch_errors.setdefault((s.index, str(e)), []).append(f"tasks[{t.index}]")
            else:
                _memory(
                    errors,
                    f"spaces[{s.index}].arch",
                    _network_bytes(arch, s.batch_size),
                    f"one network of {s.arch!r} on tasks[{t.index}] (weights, optimizer state "
                    "and activations)",
                    "use a smaller architecture or batch_size",
                )
            if s.batch_size > t.n_train:
                errors.add(
                    f"spaces[{s.index}].batch_size",
                    f"{s.batch_size} exceeds tasks[{t.index}].n_train = {t.n_train}",
                )
    loaded = [i for i, d in datasets.items() if d is not None]
    for (si, msg), where in arch_errors.items():
        # Name the tasks only when the architecture fails on some of them, not all.
        on = "" if len(where) == len(loaded) else f" (on {', '.join(where)})"
        errors.add(f"spaces[{si}].arch", msg + on)
    return datasets, skipped


def _line_order(line: str) -> tuple[int, int]:
    """Report order: job fields, then tasks, then spaces, each by index."""
    m = re.match(r"(job|tasks|spaces)(?:\[(\d+)\])?", line)
    if m is None:
        return (3, 0)
    return ({"job": 0, "tasks": 1, "spaces": 2}[m.group(1)], int(m.group(2) or -1))


def parse_job(
    data: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike = ".",
    check_data: bool = True,
) -> Job:
    """Validate a job given as a mapping (a parsed TOML document); see :func:`load_job`.

    Raises:
      InputError: one message listing every bad field, one per line, each named by its path.
    """
    from ibcomplexity.estimate import MIN_SAMPLES

    errors = _Errors()
    base = Path(base_dir)
    errors.unknown_keys("", data, ("job", "tasks", "spaces"))
    job = data.get("job")
    if job is None:
        errors.add("job", "is required: a [job] table with at least seed, targets and samples")
        job = {}
    elif not isinstance(job, dict):
        errors.add("job", f"must be a table ([job]), got {_describe(job)}")
        job = {}
    errors.unknown_keys("job", job, _JOB_KEYS)
    v = {**JOB_DEFAULTS, **job}
    for req in ("seed", "targets", "samples"):
        if req not in job and isinstance(data.get("job"), dict):
            errors.add(f"job.{req}", "is required")
    seed = _int(errors, "job.seed", v["seed"], minimum=0, maximum=MAX_SEED) if "seed" in v else None
    chunk = _int(errors, "job.chunk_size", v["chunk_size"], minimum=1, maximum=2**20)
    bootstrap = _int(errors, "job.bootstrap", v["bootstrap"], minimum=0, maximum=MAX_BOOTSTRAP)
    confidence = _number(errors, "job.confidence", v["confidence"], below_one=True)
    plots = _bool(errors, "job.plots", v["plots"])
    job_name = _string(errors, "job.name", v["name"]) if v["name"] != "" else ""
    targets = samples = None
    if "targets" in v:
        targets = _list_of(
            errors, "job.targets", v["targets"], lambda e, p, x: _number(e, p, x), what="target"
        )
    if "samples" in v:
        samples = _list_of(
            errors,
            "job.samples",
            v["samples"],
            lambda e, p, x: _int(e, p, x, minimum=MIN_SAMPLES, maximum=MAX_SAMPLES),
            what="sample count",
        )

    raw_tasks = data.get("tasks")
    tasks: list[TaskSpec] = []
    cards: list[CardTaskSpec] = []
    if raw_tasks is None or raw_tasks == []:
        errors.add("tasks", "the job lists no tasks; add at least one [[tasks]] table")
    elif not isinstance(raw_tasks, list):
        errors.add("tasks", "must be an array of tables ([[tasks]])")
    else:
        # The split seed of tasks that give none: job.split_seed, else (as before split seeds
        # and hypothesis seeds were separated) job.seed.
        split_seed = seed if seed is not None else 0
        if "split_seed" in job:
            split_seed = _int(
                errors, "job.split_seed", job["split_seed"], minimum=0, maximum=MAX_SEED
            )
        for i, t in enumerate(raw_tasks):
            spec = _check_task(errors, i, t, split_seed if split_seed is not None else 0, base)
            if isinstance(spec, CardTaskSpec):
                cards.append(spec)
            elif spec is not None:
                tasks.append(spec)
    raw_spaces = data.get("spaces")
    spaces: list[GPSpaceSpec | NNSpaceSpec] = []
    only_cards = bool(cards) and isinstance(raw_tasks, list) and len(cards) == len(raw_tasks)
    if raw_spaces is None or raw_spaces == []:
        if not only_cards:
            errors.add("spaces", "the job lists no hypothesis spaces; add at least one [[spaces]]")
    elif not isinstance(raw_spaces, list):
        errors.add("spaces", "must be an array of tables ([[spaces]])")
    else:
        for i, s in enumerate(raw_spaces):
            spec = _check_space(errors, i, s, base)
            if spec is not None:
                spaces.append(spec)
    _unique_labels(errors, "tasks", sorted([*tasks, *cards], key=lambda t: t.index))
    _unique_labels(errors, "spaces", spaces)
    if samples is not None:
        _check_sizes(errors, max(samples), tasks, spaces)
    datasets: dict[int, Any] = {}
    skipped: dict[int, str] = {}
    if check_data:
        datasets, skipped = _check_data(errors, tasks, spaces)
    if errors.lines:
        lines = sorted(errors.lines, key=_line_order)  # stable: file order within a field
        if len(lines) == 1:  # one line, like every other refusal
            raise InputError(f"1 problem in the job: {lines[0]}")
        raise InputError(f"{len(lines)} problems in the job:\n  " + "\n  ".join(lines))
    return Job(
        name=job_name,
        seed=seed,
        chunk_size=chunk,
        bootstrap=bootstrap,
        confidence=confidence,
        targets=targets,
        samples=samples,
        plots=plots,
        tasks=tuple(tasks),
        spaces=tuple(spaces),
        datasets=datasets,
        skipped=skipped,
        cards=tuple(cards),
    )


def _read_job_file(p: Path) -> bytes:
    """The bytes of a job file: a regular file (not a device or pipe such as /dev/zero) of at
    most :data:`MAX_JOB_FILE_BYTES`, checked before it is read."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"job file {p} does not exist") from None
    except OSError as e:
        raise InputError(f"could not read job file {p}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"job file {p} is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"job file {p} is not a regular file (a device, pipe or socket); give the path of a "
            "TOML job file"
        )
    if st.st_size > MAX_JOB_FILE_BYTES:
        raise InputError(
            f"job file {p} is {format_bytes(st.st_size)}, more than the "
            f"{format_bytes(MAX_JOB_FILE_BYTES)} a job file may have (a job file is a small "
            "table of tasks and spaces)"
        )
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_JOB_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(f"could not read job file {p}: {e.strerror or e}") from None
    if len(raw) > MAX_JOB_FILE_BYTES:
        raise InputError(
            f"job file {p} grew past {format_bytes(MAX_JOB_FILE_BYTES)} as it was read"
        )
    return raw


def load_job(path: str | os.PathLike, *, check_data: bool = True) -> Job:
    """Read and validate a TOML job file (schema: :mod:`ibcomplexity.batch`).

    Relative dataset paths are taken relative to the job file's folder.

    Args:
      path: the ``.toml`` job file.
      check_data: also load each task's data and check the split sizes and architectures
        against it (default; ``False`` checks the file alone).

    Returns:
      The validated :class:`Job` (its ``datasets`` hold the loaded data).

    Raises:
      InputError: an unreadable, oversized (> 16 MiB) or non-regular file (``/dev/zero``), text
        nested more than 100 brackets deep, invalid TOML, or one message listing every bad
        field.

    Example:
      >>> job = load_job("experiments/batch/example.toml")  # doctest: +SKIP
      >>> job.content_hash[:12]  # doctest: +SKIP
    """
    p = Path(path)
    raw = _read_job_file(p)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"job file {p} is not UTF-8 text") from None
    check_nesting(text, f"job file {p}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"job file {p} is not valid TOML: {e}") from None
    except RecursionError:  # pragma: no cover - check_nesting refuses such files first
        raise InputError(f"job file {p} nests too deeply to be a job file") from None
    job = parse_job(data, base_dir=p.resolve().parent, check_data=check_data)
    return dataclasses.replace(job, path=str(p), text=raw)
