r"""Exact inductive bias of a Gaussian-process hypothesis space: no sampling.

For a noise-free GP posterior with mean :math:`\mu` (m x k) and covariance
:math:`\Sigma = U \operatorname{diag}(\lambda) U^\top` (m x m, shared by the k outputs), a
hypothesis is :math:`F = \mu + \Sigma^{1/2} Z` and its per-entry test MSE against the one-hot
targets :math:`Y^*` is exactly a generalized chi-square (method.md section 2.2):

.. math::

    \text{MSE} = \sum_{j:\lambda_j>0} w_j\, \chi'^2_k(\delta_j) + c_0, \qquad
    w_j = \frac{\lambda_j}{m k}, \quad \delta_j = \frac{\|R_j\|^2}{\lambda_j}, \quad
    c_0 = \sum_{j:\lambda_j=0} \frac{\|R_j\|^2}{m k}, \quad R = U^\top(\mu - Y^*).

The inductive bias needed to reach a target MSE eps within this space is
:math:`I(\epsilon) = -\log_2 P(\text{MSE} \le \epsilon)`, computed here from the exact
distribution (saddlepoint in the tails, Imhof in the bulk), with the Chernoff bound
:math:`\sup_{t<0}[t\epsilon - K(t)]` as a guaranteed lower bound and
:math:`N = k \cdot \operatorname{rank}\Sigma` (the small-eps slope:
:math:`I \sim \tfrac N2 \log_2(1/\epsilon)`).
If :math:`\epsilon < c_0` no hypothesis in the space reaches the target: the bits are infinite and
the result says so.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ibcomplexity._numerics import LN2
from ibcomplexity._validation import InputError, check_positive
from ibcomplexity.distributions import GeneralizedChiSquare
from ibcomplexity.hypotheses.gp import GPPosterior, GPSpace, gp_posterior

__all__ = [
    "GPInductiveBias",
    "inductive_bias",
    "inductive_bias_from_posterior",
    "loss_distribution",
]


@dataclass(frozen=True)
class GPInductiveBias:
    r"""Exact inductive bias of a GP hypothesis space at a target test MSE.

    Attributes:
      bits: :math:`I = -\log_2 P(\text{MSE} \le \epsilon)` (``inf`` when no hypothesis reaches
        the target, see ``infinite``).
      nats: the same in nats.
      bits_per_test_point: ``bits / n_test`` (I is extensive in the number of test points).
      chernoff_bits: a guaranteed lower bound on ``bits`` (the Chernoff bound).
      log_p: natural log of :math:`P(\text{MSE} \le \epsilon)`.
      target_mse: eps.
      N: ``k * rank(Sigma)``, the total degrees of freedom: as eps -> offset,
        :math:`I \approx \tfrac N2 \log_2(1/(\epsilon - c_0)) + \text{const}`.
      rank: rank of the posterior covariance.
      offset: :math:`c_0`, the smallest MSE any hypothesis in the space can reach.
      mean_mse: the expected MSE of a posterior hypothesis.
      posterior_mean_mse: the MSE of the posterior mean itself.
      method: how ``log_p`` was computed (``auto``: Imhof in the bulk, saddlepoint in the tails).
      infinite: True when ``target_mse <= offset`` (no hypothesis reaches it: infinite bits).
      message: human-readable status.
      space: the prior as used: kernel name, bandwidth (the number), preprocessing, jitter.
      task: task provenance: name, n_train, n_test, classes, seed.
    """

    bits: float
    nats: float
    bits_per_test_point: float
    chernoff_bits: float
    log_p: float
    target_mse: float
    N: int
    rank: int
    offset: float
    mean_mse: float
    posterior_mean_mse: float
    method: str
    infinite: bool
    message: str
    space: dict[str, Any] = field(default_factory=dict)
    task: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from ibcomplexity._json import jsonable

        return jsonable(self)


def loss_distribution(posterior: GPPosterior, *, prior_scale: float = 1.0) -> GeneralizedChiSquare:
    r"""The exact distribution of the per-entry test MSE of a posterior hypothesis.

    ``prior_scale`` a multiplies the kernel (prior variance :math:`a\,k`). A noise-free GP's
    posterior mean does not depend on a and its covariance is :math:`a\Sigma`, so the loss law is
    the same generalized chi-square with weights :math:`a w_j`, noncentralities
    :math:`\lambda_j / a` and the same offset, computed without a new posterior. A larger a is
    a broader space (more spread around the same mean).
    """
    comps = posterior.loss_components()
    a = check_positive("prior_scale", prior_scale)
    if a != 1.0:
        comps = dict(
            comps,
            weights=np.asarray(comps["weights"]) * a,
            noncentralities=np.asarray(comps["noncentralities"]) / a,
        )
    return GeneralizedChiSquare(**comps)


def _describe_space(posterior: GPPosterior) -> dict[str, Any]:
    user = {}
    if posterior.kernel.function is not None:
        from ibcomplexity._user_code import code_digest

        # which version of the user's code made the number: its file's SHA-256 (16 hex digits)
        user = {"kernel_code": code_digest(posterior.kernel.function)}
    return {
        **user,
        "kernel": posterior.kernel.spec,
        "kernel_name": posterior.kernel.name,
        "kernel_params": {**dict(posterior.kernel.options), **posterior.kernel.params},
        "preprocessing": posterior.preprocessing.mode,
        "jitter": posterior.jitter,
        "jitter_abs": posterior.jitter_abs,
        "jitter_retries": posterior.retries,
    }


def _describe_task(posterior: GPPosterior) -> dict[str, Any]:
    return {
        "name": posterior.task_name,
        "n_train": posterior.n_train,
        "n_test": posterior.n_test,
        "classes": posterior.classes,
        "seed": posterior.seed,
    }


def inductive_bias_from_posterior(
    posterior: GPPosterior, target_mse: float, *, method: str = "auto"
) -> GPInductiveBias:
    """:func:`inductive_bias` for a computed posterior (sweeps over the target reuse it)."""
    eps = check_positive("target_mse", target_mse)
    dist = loss_distribution(posterior)
    N = int(round(float(np.sum(dist.dofs)))) if dist.num_components else 0
    space, task = _describe_space(posterior), _describe_task(posterior)
    post_mean_mse = float(np.mean((posterior.mu - posterior.y_test) ** 2))
    common = dict(
        target_mse=eps,
        N=N,
        rank=posterior.rank,
        offset=dist.offset,
        mean_mse=float(dist.mean),
        posterior_mean_mse=post_mean_mse,
        method=method,
        space=space,
        task=task,
    )
    if eps <= dist.offset:
        return GPInductiveBias(
            bits=math.inf,
            nats=math.inf,
            bits_per_test_point=math.inf,
            chernoff_bits=math.inf,
            log_p=-math.inf,
            infinite=True,
            message=(
                f"infinite: target MSE {eps:g} is below {dist.offset:.6g}, the smallest MSE any "
                "hypothesis in this space reaches (the error along directions the posterior "
                "fixes exactly); no hypothesis reaches the target"
            ),
            **common,
        )
    log_p = float(dist.log_cdf(eps, method=method))
    chernoff = float(dist.chernoff_log_cdf(eps).log_cdf_bound)
    nats = 0.0 - log_p  # 0.0 - x: no "-0.0" when P = 1
    bits = nats / LN2
    return GPInductiveBias(
        bits=bits,
        nats=nats,
        bits_per_test_point=bits / posterior.n_test,
        chernoff_bits=(0.0 - chernoff) / LN2,
        log_p=log_p,
        infinite=False,
        message="",
        **common,
    )


def inductive_bias(
    space: GPSpace, task, target_mse: float, *, method: str = "auto"
) -> GPInductiveBias:
    r"""Exact bits needed to reach ``target_mse`` within the GP space ``space`` on ``task``.

    Deterministic (no sampling): the posterior in float64, its loss as a generalized chi-square,
    and :math:`-\log_2 P(\text{MSE} \le \epsilon)` from that distribution.

    Args:
      space: the GP hypothesis space (kernel, bandwidth, preprocessing, jitter).
      task: a :class:`~ibcomplexity.tasks.RegressionTask` (train/test split with one-hot targets).
      target_mse: eps, the per-entry test MSE to reach.
      method: ``"auto"`` (Imhof in the bulk, saddlepoint in the tails), ``"saddlepoint"`` or
        ``"imhof"``.

    Returns:
      A :class:`GPInductiveBias`.
    """
    if not isinstance(space, GPSpace):
        raise InputError(f"space must be a GPSpace, got {type(space).__name__}")
    return inductive_bias_from_posterior(gp_posterior(space, task), target_mse, method=method)
