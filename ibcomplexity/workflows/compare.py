r"""``ibc compare`` as one library call: the inductive bias each architecture *provides*.

For each architecture, :func:`compare_architectures` trains networks on one seeded task (the
steps of :mod:`~ibcomplexity.workflows.nn_space`) and measures, in a fixed base space, the bits
that reaching the networks' test error takes (:func:`~ibcomplexity.estimate.provided_bias`; the
definition is :data:`~ibcomplexity.estimate.PROVIDED_DEFINITION`): in the exact GP base space
(Boopathy et al., IJCAI 2024) and with the model-agnostic bound (Boopathy et al., ICML 2023) from
the training inputs' statistics. Differences against the first architecture come with a paired
bootstrap interval. When the GP base space reaches an architecture's error with probability
>= 0.99 it *saturates* (it cannot tell the architectures apart); the result then names them and
suggests the prior scale at which the base space's mean test MSE equals the worst architecture's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ibcomplexity._validation import InputError

__all__ = ["ArchitectureComparison", "compare_architectures"]


@dataclass(frozen=True)
class ArchitectureComparison:
    """The bits each architecture provides on one task, and their differences.

    Attributes:
      architectures: per architecture, ``{"arch", "training", "provided"}`` (the training summary
        and the :class:`~ibcomplexity.estimate.ProvidedBias` as a dict).
      differences: :class:`~ibcomplexity.estimate.ProvidedDifference` of each later architecture
        against the first.
      base_gp: the GP base space (kernel, prior scale, mean test MSE, sizes), the saturated
        architectures and, when any, ``remedy`` (the suggested ``base_scale`` and why).
      statistics: the :class:`~ibcomplexity.results.TaskStatistics` the bound base space uses.
      inputs: dataset, split seed, networks' seed and sample count.
      definition: what "provided" means (:data:`~ibcomplexity.estimate.PROVIDED_DEFINITION`).
    """

    architectures: list[dict[str, Any]]
    differences: list[Any]
    base_gp: dict[str, Any]
    statistics: Any
    inputs: dict[str, Any]
    definition: str
    trained: list[Any] = field(default_factory=list, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc compare --json`` less ``plot`` and the command line."""
        return {
            "definition": self.definition,
            "architectures": self.architectures,
            "differences_vs_first": [d.as_dict() for d in self.differences],
            "base_gp": dict(self.base_gp),
            "bound_statistics": self.statistics.as_dict(),
            "inputs": dict(self.inputs),
        }


def compare_architectures(
    dataset: str,
    archs: Sequence[Any],
    *,
    samples: int,
    epochs: int,
    batch_size: int,
    lr: float,
    kernel: Any = "rbf",
    base_scale: float = 1.0,
    n_train: int = 1000,
    n_test: int = 500,
    split_seed: int = 0,
    seed: int = 0,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    loss: str = "mse",
    chunk: int | None = None,
    fit_threshold: float | None = None,
    progress: Callable[[str], Any] | None = None,
    precision: str = "default",
) -> ArchitectureComparison:
    """Train each architecture in ``archs`` and measure the bits it provides in the base spaces.

    Args:
      dataset: a labelled dataset spec (classification: the base spaces need class labels).
      archs: architectures, at least one, each once; the first is the reference of the
        differences. Each is a spec (``"mlp:width=256"``, ``"py:my_models:make_net"``), an
        :class:`~ibcomplexity.hypotheses.Architecture` or a ``flax.linen.Module`` instance (your
        own module, taking flattened inputs; :meth:`Architecture.from_module`).
      samples, epochs, batch_size, lr, optimizer, weight_decay, loss, chunk, fit_threshold,
        precision: the training of every architecture
        (:func:`~ibcomplexity.workflows.nn_space.train_space`).
      kernel, base_scale: the GP base space's kernel (spec or object) and prior scale (> 0).
      n_train, n_test, split_seed, seed: the seeded task, and the networks' (and bootstrap's) seed.
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.

    Raises:
      InputError: bad options, a regression task, or an architecture with fewer fitting networks
        than a fitted estimate needs (checked architecture by architecture, after its training).
    """
    from ibcomplexity.estimate.exact import loss_distribution
    from ibcomplexity.estimate.provided import (
        PROVIDED_DEFINITION,
        check_fits,
        provided_bias,
        provided_difference,
        suggested_prior_scale,
    )
    from ibcomplexity.hypotheses import GPSpace, gp_posterior, make_kernel
    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.stats import task_statistics
    from ibcomplexity.workflows.nn_space import nn_task, train_space, training_summary

    archs = list(archs)
    if not archs:
        raise InputError("give at least one architecture to compare")
    if len(set(archs)) != len(archs):
        raise InputError(f"--arch given twice: {archs}")
    if not (isinstance(base_scale, (int, float)) and base_scale > 0 and math.isfinite(base_scale)):
        raise InputError(f"--base-scale must be a positive number, got {base_scale!r}")
    kernel = make_kernel(kernel)
    shape, task = nn_task(dataset, n_train=n_train, n_test=n_test, split_seed=split_seed, loss=loss)
    if not task.is_classification:
        raise InputError(
            f"ibc compare measures provided bits in the classification base spaces; "
            f"{dataset!r} has real-valued targets (use ibc nn on it)"
        )
    # every architecture parsed (sizes bounded, weights' memory checked) before any training
    parsed = [parse_arch(spec, input_shape=shape, outputs=task.classes) for spec in archs]
    posterior = gp_posterior(GPSpace(kernel=kernel), task)
    bar = progress or (lambda description: None)
    trained, rows = [], []
    stats = task_statistics(task.x_train, task.labels_train, seed=split_seed, dataset=task.name)
    for arch in parsed:
        res, seconds = train_space(
            arch,
            task,
            seed=seed,
            samples=samples,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            weight_decay=weight_decay,
            loss=loss,
            chunk=chunk,
            fit_threshold=fit_threshold,
            progress=bar(f"training {arch.spec}"),
            precision=precision,
        )
        check_fits(res)
        trained.append(res)
        p = provided_bias(res, posterior=posterior, statistics=stats, prior_scale=base_scale)
        rows.append(
            {
                "arch": arch.spec,
                "training": training_summary(arch, res, seconds),
                "provided": p.as_dict(),
            }
        )
    differences = [
        provided_difference(
            res,
            trained[0],
            posterior=posterior,
            statistics=stats,
            seed=seed,
            prior_scale=base_scale,
        )
        for res in trained[1:]
    ]
    base_dist = loss_distribution(posterior, prior_scale=base_scale)
    saturated = [r["arch"] for r in rows if r["provided"]["saturated"]]
    remedy = None
    if saturated:
        scale = suggested_prior_scale(posterior, [r["provided"]["achieved_test_mse"] for r in rows])
        remedy = {
            "base_scale": scale * base_scale,
            "why": "the GP base space reaches the errors of "
            + ", ".join(saturated)
            + " with probability >= 0.99; at this prior scale its mean test MSE equals the worst "
            "architecture's",
        }
    return ArchitectureComparison(
        architectures=rows,
        differences=differences,
        base_gp={
            "kernel": posterior.kernel.spec,
            "prior_scale": base_scale,
            "mean_test_mse": float(base_dist.mean),
            "n_train": task.n_train,
            "n_test": task.n_test,
            "saturated": saturated,
            "remedy": remedy,
        },
        statistics=stats,
        inputs={"dataset": task.name, "split_seed": split_seed, "seed": seed, "samples": samples},
        definition=PROVIDED_DEFINITION,
        trained=trained,
    )
