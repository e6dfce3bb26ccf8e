r"""``ibc kernel`` as one library call: the inductive bias of one GP/kernel hypothesis space.

:func:`gp_space_estimate` splits the task, builds the exact noise-free GP posterior and returns
:math:`-\log_2 P(\text{test MSE} \le \epsilon)` computed without sampling (Boopathy et al., IJCAI
2024: the test MSE of a posterior sample is a generalized chi-square), and, when ``samples`` is
given, the same quantity estimated from ``samples`` sampled hypotheses
(:func:`~ibcomplexity.estimate.estimate_bits`, with its calibrated interval and regime), so the
sampled method can be checked against the exact one on the same space.

    >>> import ibcomplexity as ibc
    >>> r = ibc.gp_space_estimate("digits", n_train=100, n_test=50, target_mse=0.02)
    >>> r.exact.bits > 0 and r.sampled is None
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ibcomplexity._validation import check_int, check_positive

__all__ = ["GPSpaceEstimate", "gp_space_estimate"]


@dataclass(frozen=True)
class GPSpaceEstimate:
    """The exact (and optionally sampled) inductive bias of one GP space on one task.

    Attributes:
      exact: the :class:`~ibcomplexity.estimate.GPInductiveBias` (no sampling).
      sampled: the :class:`~ibcomplexity.estimate.BitsEstimate` from ``samples`` sampled
        hypotheses, or ``None``.
      inputs: the task and options (dataset, sizes, classes, target, seeds, kernel, ...).
      losses: the sampled test losses (``None`` without sampling; not in :meth:`as_dict`).
      distribution: the exact test-loss law (for plots; not in :meth:`as_dict`).
    """

    exact: Any
    sampled: Any
    inputs: dict[str, Any]
    losses: Any = field(default=None, repr=False, compare=False)
    distribution: Any = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc kernel --json`` less ``plot`` (written by ``to_json``)."""
        return {
            "exact": self.exact.as_dict(),
            "sampled": None if self.sampled is None else self.sampled.as_dict(),
            "inputs": dict(self.inputs),
        }


def gp_space_estimate(
    dataset: str = "digits",
    *,
    kernel: Any = "rbf",
    bandwidth: float | str | None = None,
    preprocess: str = "none",
    n_train: int = 1000,
    n_test: int = 500,
    split_seed: int = 0,
    target_mse: float = 0.01,
    samples: int | None = None,
    seed: int = 0,
    bootstrap: int = 200,
    dtype: str = "float32",
    progress: Callable[[str], Any] | None = None,
) -> GPSpaceEstimate:
    """Exact (and, with ``samples``, sampled) bits of the GP space ``kernel`` on ``dataset``.

    Args:
      dataset: a dataset spec or a regression source (see
        :func:`~ibcomplexity.tasks.dataset_specs_help`).
      kernel, bandwidth, preprocess: the space (a kernel spec or object; a number, ``"median"``
        or ``None``; ``"none"``, ``"unit"`` or ``"standardize"``).
      n_train, n_test, split_seed: the seeded split (the task).
      target_mse: the target per-entry test MSE on one-hot targets (> 0).
      samples: sample this many posterior hypotheses and estimate the bits from their losses too.
      seed, bootstrap, dtype: the sampled hypotheses' seed (also the bootstrap's), bootstrap
        resamples, and ``"float32"`` or ``"float64"`` sampling.
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.
    """
    from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
    from ibcomplexity.hypotheses import GPSpace, gp_posterior, make_kernel
    from ibcomplexity.tasks import load_task

    target_mse = check_positive("target_mse", target_mse)
    if samples is not None:
        samples = check_int("samples", samples, minimum=1)
    kernel = make_kernel(kernel)
    if bandwidth is not None:
        kernel = make_kernel(dataclasses.replace(kernel, bandwidth=bandwidth))
    task = load_task(dataset, n_train=n_train, n_test=n_test, seed=split_seed)
    posterior = gp_posterior(GPSpace(kernel=kernel, preprocessing=preprocess), task)
    exact = inductive_bias_from_posterior(posterior, target_mse)
    losses = sampled = None
    if samples is not None:
        import jax
        import jax.numpy as jnp

        from ibcomplexity.estimate import estimate_bits
        from ibcomplexity.hypotheses import sample_losses

        bar = (progress or (lambda description: None))("sampling losses")
        width = jnp.float64 if dtype == "float64" else jnp.float32
        losses = sample_losses(jax.random.key(seed), posterior, samples, dtype=width, progress=bar)
        sampled = estimate_bits(losses, target_mse, bootstrap=bootstrap, seed=seed)
    inputs = {
        "dataset": task.name,
        "n_train": task.n_train,
        "n_test": task.n_test,
        "classes": task.classes,
        "target_mse": target_mse,
        "split_seed": split_seed,
        "seed": seed if samples else None,
        "kernel": exact.space["kernel"],
        "preprocessing": exact.space["preprocessing"],
        "samples": samples,
        "dtype": dtype if samples else None,
    }
    return GPSpaceEstimate(
        exact=exact,
        sampled=sampled,
        inputs=inputs,
        losses=losses,
        distribution=loss_distribution(posterior),
    )
