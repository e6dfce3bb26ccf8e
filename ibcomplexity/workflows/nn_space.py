r"""``ibc nn`` as one library call: the inductive bias within one neural-network hypothesis space.

:func:`nn_space_estimate` trains ``samples`` networks of one architecture on a seeded split (each
from its own key, :func:`~ibcomplexity.hypotheses.train_hypotheses`), keeps those that fit the
training data, and estimates :math:`-\log_2 P(\text{test MSE} \le \epsilon)` within the space from
their test losses (:func:`~ibcomplexity.estimate.estimate_bits`: the quotable ``bits``, its
calibrated interval and its regime; Boopathy et al., IJCAI 2024). :func:`nn_task`,
:func:`train_space` and :func:`training_summary` are its steps, shared with the architecture
comparison (``ibc compare``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ibcomplexity._validation import InputError, check_positive

__all__ = ["NNSpaceEstimate", "nn_space_estimate", "nn_task", "train_space", "training_summary"]


def nn_task(dataset: str, *, n_train: int, n_test: int, split_seed: int = 0, loss: str = "mse"):
    """The seeded task, and the per-example input shape an architecture sees.

    Returns:
      ``(shape, task)``. Raises :class:`~ibcomplexity.InputError` for a cross-entropy loss on
      real-valued targets.
    """
    from ibcomplexity.tasks import load_task

    task = load_task(dataset, n_train=n_train, n_test=n_test, seed=split_seed)
    shape = tuple(task.metadata.get("shape") or (task.dim,))
    if loss == "cross_entropy" and not task.is_classification:
        raise InputError(
            f"--loss cross_entropy needs class labels; {dataset!r} has real-valued targets "
            "(use --loss mse)"
        )
    return shape, task


def train_space(
    arch,
    task,
    *,
    seed: int,
    samples: int,
    epochs: int,
    batch_size: int,
    lr: float,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    loss: str = "mse",
    chunk: int | None = None,
    fit_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    precision: str = "default",
):
    """Train ``samples`` networks of ``arch`` on ``task``; returns ``(trained, seconds)``."""
    import jax

    from ibcomplexity.hypotheses.training import DEFAULT_FIT_THRESHOLD, train_hypotheses

    threshold = DEFAULT_FIT_THRESHOLD if fit_threshold is None else fit_threshold
    t0 = time.perf_counter()
    res = train_hypotheses(
        jax.random.key(seed),
        arch,
        task,
        num=samples,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        weight_decay=weight_decay,
        loss=loss,
        chunk=chunk,
        fit_threshold=threshold,
        progress=progress,
        precision=precision,
    )
    return res, time.perf_counter() - t0


def training_summary(arch, res, seconds: float) -> dict[str, Any]:
    """Training outcome; the test statistics are over the networks that fit (``None`` if none)."""
    fit = res.fits
    # float64, as the estimate and the provided bias read them (a float32 median of an even count
    # rounds the mean of the middle two differently)
    mse, acc = res.test_mse[fit].astype(np.float64), res.test_accuracy[fit].astype(np.float64)
    # the user's own module: which version of its code trained these networks (file SHA-256)
    code = {"code": arch.params.get("code")} if arch.name == "py" else {}
    return {
        "arch": arch.spec,
        **code,
        "parameters": int(arch.num_parameters),
        "networks": res.num,
        "fit": res.num_fit,
        "fit_threshold": res.fit_threshold,
        "train_mse_median": float(np.median(res.train_mse)),
        "test_mse_fit": None
        if not fit.any()
        else {
            "median": float(np.median(mse)),
            "mean": float(np.mean(mse)),
            "min": float(np.min(mse)),
            "max": float(np.max(mse)),
        },
        "test_accuracy_fit": None
        if not fit.any()
        else {"mean": float(np.mean(acc)), "sd": float(np.std(acc))},
        "seconds": seconds,
        "networks_per_second": res.num / seconds if seconds > 0 else None,
        "config": {
            "epochs": res.config.epochs,
            "batch_size": res.config.batch_size,
            "lr": res.config.lr,
            "optimizer": res.config.optimizer,
            "weight_decay": res.config.weight_decay,
            "loss": res.config.loss,
            "precision": res.config.precision,
        },
    }


@dataclass(frozen=True)
class NNSpaceEstimate:
    """The bits within one network space, with how its networks trained.

    Attributes:
      estimate: the :class:`~ibcomplexity.estimate.BitsEstimate` from the fitting networks' test
        losses (``bits``, ``ci_bits``, ``regime``, the models beside them).
      training: the training summary (architecture, parameters, fits, test MSE and accuracy of
        the fitting networks, time, optimiser settings).
      inputs: the task and target (dataset, sizes, classes, target MSE, seeds).
      loss: what the losses are (per-entry test MSE on one-hot or real-valued targets).
      arch, trained, losses: the architecture, the trained hypotheses' record and the losses
        (not in :meth:`as_dict`).
    """

    estimate: Any
    training: dict[str, Any]
    inputs: dict[str, Any]
    loss: str
    arch: Any = field(default=None, repr=False, compare=False)
    trained: Any = field(default=None, repr=False, compare=False)
    losses: Any = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc nn --json`` less ``plot`` (written by ``to_json``)."""
        est = self.estimate.as_dict()
        return {
            "bits": est["bits"],
            "ci_bits": est["ci_bits"],
            "regime": self.estimate.regime,
            "resolvable_bits": self.estimate.resolvable_bits,
            "training": self.training,
            "estimate": est,
            "loss": self.loss,
            "inputs": dict(self.inputs),
        }


def nn_space_estimate(
    dataset: str = "digits",
    *,
    arch: Any,
    target_mse: float,
    samples: int,
    epochs: int,
    batch_size: int,
    lr: float,
    n_train: int = 1000,
    n_test: int = 500,
    split_seed: int = 0,
    seed: int = 0,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    loss: str = "mse",
    chunk: int | None = None,
    fit_threshold: float | None = None,
    bootstrap: int = 200,
    progress: Callable[[str], Any] | None = None,
    precision: str = "default",
) -> NNSpaceEstimate:
    """Train ``samples`` networks of ``arch`` and estimate the bits within that space.

    Args:
      dataset: a dataset spec or a regression source.
      arch: an architecture spec (``"mlp:width=256,depth=2"``, ``"py:my_models:make_net"``;
        see :func:`~ibcomplexity.hypotheses.arch_specs_help`), an
        :class:`~ibcomplexity.hypotheses.Architecture`, or your own ``flax.linen.Module``
        instance (taking flattened inputs; :meth:`Architecture.from_module`).
      target_mse: the target per-entry test MSE (> 0).
      samples, epochs, batch_size, lr, optimizer, weight_decay, loss, chunk, fit_threshold,
        precision: the training (:func:`~ibcomplexity.hypotheses.train_hypotheses`).
      n_train, n_test, split_seed: the seeded split (the task); seed: the networks' (and the
        bootstrap's) seed.
      bootstrap: bootstrap resamples of the estimate's interval.
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.

    Raises:
      InputError: bad options, or fewer fitting networks than a fitted estimate needs.
    """
    from ibcomplexity.estimate import estimate_bits
    from ibcomplexity.estimate.provided import check_fits
    from ibcomplexity.hypotheses.networks import parse_arch

    target_mse = check_positive("target_mse", target_mse)
    shape, task = nn_task(dataset, n_train=n_train, n_test=n_test, split_seed=split_seed, loss=loss)
    architecture = parse_arch(arch, input_shape=shape, outputs=task.classes)
    bar = (progress or (lambda description: None))("training networks")
    res, seconds = train_space(
        architecture,
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
        progress=bar,
        precision=precision,
    )
    check_fits(res)
    losses = res.test_mse_fit.astype(np.float64)
    est = estimate_bits(losses, target_mse, bootstrap=bootstrap, seed=seed)
    summary = training_summary(architecture, res, seconds)
    if not task.is_classification:
        summary["test_accuracy_fit"] = None  # argmax accuracy means nothing for real targets
    return NNSpaceEstimate(
        estimate=est,
        training=summary,
        inputs={
            "dataset": task.name,
            "n_train": task.n_train,
            "n_test": task.n_test,
            "classes": task.classes,
            "target_mse": target_mse,
            "split_seed": split_seed,
            "seed": seed,
        },
        loss="per-entry test MSE on "
        + ("one-hot" if task.is_classification else "real-valued")
        + " targets (networks that fit the training data)",
        arch=architecture,
        trained=res,
        losses=losses,
    )
