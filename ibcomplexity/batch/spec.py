"""The validated form of a batch job: frozen specs of its tasks and hypothesis spaces.

:func:`~ibcomplexity.batch.job.load_job` builds a :class:`Job` from a TOML file (schema:
:mod:`ibcomplexity.batch`). A spec's ``canonical()`` is plain JSON data with every default filled
in; ``identity()`` is the part that determines its hypotheses (labels left out), which the unit
keys hash (:mod:`ibcomplexity.batch.runner`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "GPSpaceSpec",
    "Job",
    "NNSpaceSpec",
    "TaskSpec",
    "CardTaskSpec",
    "canonical_hash",
    "canonical_json",
]

# Defaults of the optional fields (documented in the package docstring).
JOB_DEFAULTS: dict[str, Any] = {
    "name": "",
    "chunk_size": 256,
    "bootstrap": 200,
    "confidence": 0.95,
    "plots": True,
}
GP_DEFAULTS: dict[str, Any] = {
    "kernel": "rbf",
    "bandwidth": "median",
    "preprocess": "none",
    "dtype": "float32",
}
NN_DEFAULTS: dict[str, Any] = {
    "epochs": 20,
    "batch_size": 50,
    "lr": 1e-3,
    "optimizer": "adam",
    "weight_decay": 0.0,
    "loss": "mse",
    "fit_threshold": 0.01,
    "precision": "default",
}


# --------------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class TaskSpec:
    """One task of a job: a dataset spec and a seeded train/test split.

    Attributes:
      index: position in the job's ``tasks`` list.
      label: the ``name`` field (default: the dataset spec).
      dataset: the dataset spec as written in the job file.
      resolved: the spec with a relative path made relative to the job file's folder.
      n_train, n_test: split sizes.
      seed: seed of the split (default: the job seed).
      optional: skip the task (with a note) instead of failing when its data is missing.
    """

    index: int
    label: str
    dataset: str
    resolved: str
    n_train: int
    n_test: int
    seed: int
    optional: bool = False

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.label,
            "dataset": self.dataset,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "seed": self.seed,
            "optional": self.optional,
        }

    def identity(self) -> dict[str, Any]:
        """What determines the task's data (the key derivation hashes this, not the label)."""
        return {k: v for k, v in self.canonical().items() if k not in ("name", "optional")}


@dataclass(frozen=True)
class CardTaskSpec:
    """A task given by a data card: the model-agnostic bound only (a card holds statistics, not
    data, so no hypothesis space is sampled on it).

    Attributes:
      index: position in the job's ``tasks`` list.
      label: the ``name`` field (default: the card as written).
      card: the card as written (a bundled name or a path).
      resolved: a relative path made relative to the job file's folder (names unchanged).
      target_errors: the bound's target errors, ascending (``()``: the card's own).
      convention: the bound's convention.
    """

    index: int
    label: str
    card: str
    resolved: str
    target_errors: tuple[float, ...]
    convention: str

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.label,
            "card": self.card,
            "target_errors": list(self.target_errors),
            "convention": self.convention,
        }


@dataclass(frozen=True)
class GPSpaceSpec:
    """A GP/kernel hypothesis space: ``kernel`` is the canonical spec of the kernel
    (bandwidth included); losses are sampled in ``dtype``."""

    index: int
    label: str
    kernel: str
    preprocess: str
    dtype: str
    type: str = "gp"
    #: a user kernel (``py:``) with its ``.py`` path made relative to the job file's folder
    resolved_kernel: str = ""
    #: SHA-256 (16 hex digits) of a user kernel's module file, part of the content hash
    code: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "type": "gp",
            "name": self.label,
            "kernel": self.kernel,
            "preprocess": self.preprocess,
            "dtype": self.dtype,
            **({"code": self.code} if self.code is not None else {}),
        }

    def identity(self) -> dict[str, Any]:
        return {k: v for k, v in self.canonical().items() if k != "name"}

    @property
    def describe(self) -> str:
        return f"GP {self.kernel}" + (
            f", {self.preprocess} inputs" if self.preprocess != "none" else ""
        )


@dataclass(frozen=True)
class NNSpaceSpec:
    """A neural-network hypothesis space: an architecture spec and its training settings.

    For the user's own module (``arch = "py:MODULE:FACTORY"``), ``resolved_arch`` is the spec with
    a relative ``.py`` path made relative to the job file's folder, and ``code`` the SHA-256 (16
    hex digits) of the module's file: it is part of the content hash, so editing the module makes
    a new job instead of mixing networks of two versions of the code in one.
    """

    index: int
    label: str
    arch: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    weight_decay: float
    loss: str
    fit_threshold: float
    type: str = "nn"
    precision: str = "default"
    resolved_arch: str = ""
    code: str | None = None

    def canonical(self) -> dict[str, Any]:
        # ``precision`` only when set: jobs written before it existed keep their hash and keys
        extra = {} if self.precision == "default" else {"precision": self.precision}
        if self.code is not None:
            extra["code"] = self.code
        return {
            "type": "nn",
            "name": self.label,
            "arch": self.arch,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "optimizer": self.optimizer,
            "weight_decay": self.weight_decay,
            "loss": self.loss,
            "fit_threshold": self.fit_threshold,
            **extra,
        }

    def identity(self) -> dict[str, Any]:
        return {k: v for k, v in self.canonical().items() if k != "name"}

    @property
    def describe(self) -> str:
        return (
            f"{self.arch} ({self.optimizer} lr={self.lr:g}, {self.epochs} epochs, "
            f"batch {self.batch_size}"
            + ("" if self.precision == "default" else f", {self.precision} precision")
            + ")"
        )


@dataclass(frozen=True)
class Job:
    """A validated job: tasks x spaces x targets x sample counts.

    Attributes:
      name: label of the job (``""`` when not given; :attr:`title` falls back to the file's stem).
      seed: the job seed; every random choice derives from it (see :mod:`ibcomplexity.batch`).
      chunk_size: hypotheses per checkpointed chunk.
      bootstrap: bootstrap resamples of each estimate.
      confidence: level of the intervals.
      targets: target test MSEs, ascending.
      samples: sample counts S, ascending; each unit samples ``max(samples)`` hypotheses and
        the row for S uses the first S of them.
      plots: write one loss-distribution plot per unit.
      tasks, spaces: the :class:`TaskSpec` and space specs, in file order.
      cards: the :class:`CardTaskSpec` of ``[[tasks]]`` tables that give a ``card`` (their
        ``index`` is their position among all tasks).
      path: the job file.
      text: the job file's bytes as read (copied into the output folder for provenance).
      datasets: ``{task index: Dataset}`` loaded during validation (``None`` for a skipped
        optional task).
      skipped: ``{task index: reason}`` for optional tasks whose data is missing.
    """

    name: str
    seed: int
    chunk_size: int
    bootstrap: int
    confidence: float
    targets: tuple[float, ...]
    samples: tuple[int, ...]
    plots: bool
    tasks: tuple[TaskSpec, ...]
    spaces: tuple[GPSpaceSpec | NNSpaceSpec, ...]
    path: str = ""
    text: bytes = field(default=b"", repr=False, compare=False)
    datasets: Mapping[int, Any] = field(default_factory=dict, repr=False, compare=False)
    skipped: Mapping[int, str] = field(default_factory=dict, compare=False)
    cards: tuple[CardTaskSpec, ...] = ()

    @property
    def title(self) -> str:
        """The job's ``name``, else the job file's stem."""
        return self.name or Path(self.path).stem or "job"

    @property
    def num_samples(self) -> int:
        """Hypotheses sampled per unit: the largest sample count."""
        return max(self.samples)

    def canonical(self) -> dict[str, Any]:
        """The job as plain JSON data, every default filled in (what the hash covers)."""
        return {
            "format": "ibcomplexity-batch-job/1",
            "job": {
                "name": self.name,
                "seed": self.seed,
                "chunk_size": self.chunk_size,
                "bootstrap": self.bootstrap,
                "confidence": self.confidence,
                "targets": list(self.targets),
                "samples": list(self.samples),
                "plots": self.plots,
            },
            "tasks": [t.canonical() for t in self.tasks],
            "spaces": [s.canonical() for s in self.spaces],
            # Only when present, so that jobs without cards keep their hash (and their folders).
            **({"cards": [c.canonical() for c in self.cards]} if self.cards else {}),
        }

    def task_label(self, index: int) -> str:
        """The label of ``tasks[index]`` (a data task or a card task)."""
        for t in (*self.tasks, *self.cards):
            if t.index == index:
                return t.label
        raise KeyError(index)

    @property
    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON (sorted keys, no spaces)."""
        return canonical_hash(self.canonical())


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text: sorted keys, no whitespace, floats as Python's shortest repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_hash(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()
