r"""Inductive bias *provided* by an architecture, measured in fixed base spaces.

An architecture A reaches, with its trained networks, a test error :math:`\epsilon_A`. The
inductive bias it provides is the information a designer would have to supply in a fixed base
space to reach that same error:

.. math::

    I_\text{provided}(A) = I_\text{base}(\epsilon_A) = -\log_2 P_\text{base}(L \le \epsilon_A),

with :math:`\epsilon_A` the median test MSE of A's networks that fit the training data (so A itself
needs :math:`-\log_2 P_A(L \le \epsilon_A) = 1` bit to reach it). Two base spaces:

* the exact Gaussian-process space on the same split, at test MSE :math:`\epsilon_A`
  (:func:`~ibcomplexity.estimate.exact.inductive_bias_from_posterior`, no sampling);
* the model-agnostic bound from the training set's statistics, at test classification error =
  the median error of A's fitting networks (:func:`~ibcomplexity.bound.classification_bound`).

Differences between architectures in the same base space measure how much more inductive bias one
provides than the other (Boopathy et al., IJCAI 2024, section on neural networks).

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ibcomplexity._validation import InputError

__all__ = ["PROVIDED_DEFINITION", "ProvidedBias", "provided_bias"]

PROVIDED_DEFINITION = (
    "inductive bias provided by an architecture A = the bits required in a fixed base space to "
    "reach the error A reaches: I_base(eps_A), with eps_A the median test MSE of A's networks that "
    "fit the training data (so A itself needs -log2 P_A(L <= eps_A) = 1 bit to reach it). Base "
    "spaces: the exact GP space on the same split (at test MSE eps_A) and the model-agnostic bound "
    "(at test classification error = the median error of A's fitting networks)."
)


@dataclass(frozen=True)
class ProvidedBias:
    """The inductive bias one architecture provides (see the module docstring).

    Attributes:
      arch: the architecture's spec.
      achieved_test_mse: :math:`\\epsilon_A`, the median test MSE of the fitting networks (all
        networks when none fits; see ``note``).
      achieved_test_error: the median test classification error of the same networks.
      bits_gp: bits required in the exact GP base space at ``achieved_test_mse``.
      bound_log10_bits: log10 of the bound's bits at ``achieved_test_error``, or ``None`` when the
        error is 0 (no target) or the bound is vacuous (``bound_message`` says which).
      bound_message: why ``bound_log10_bits`` is missing, else ``""``.
      networks: networks trained; fit: how many fit the training data.
      note: a caveat (no network fits), else ``""``.
    """

    arch: str
    achieved_test_mse: float
    achieved_test_error: float
    bits_gp: float
    bound_log10_bits: float | None
    bound_message: str
    networks: int
    fit: int
    note: str = ""


def provided_bias(trained, *, posterior, statistics=None, convention: str | None = None):
    """The inductive bias provided by the trained networks of one architecture.

    Args:
      trained: :class:`~ibcomplexity.hypotheses.training.TrainedHypotheses` of the architecture on
        the task of ``posterior``.
      posterior: the base GP posterior (:func:`~ibcomplexity.hypotheses.gp_posterior`) on the same
        split.
      statistics: optional :class:`~ibcomplexity.results.TaskStatistics` of the training set for
        the bound base space (``None``: no bound).
      convention: the bound's convention (default: the library's default).

    Returns:
      :class:`ProvidedBias`.

    Raises:
      InputError: when ``trained`` and ``posterior`` come from tasks of different sizes.
    """
    from ibcomplexity.bound import DEFAULT_CONVENTION, classification_bound
    from ibcomplexity.estimate.exact import inductive_bias_from_posterior

    if (trained.n_train, trained.n_test) != (posterior.n_train, posterior.n_test):
        raise InputError(
            f"the networks were trained/tested on {trained.n_train}/{trained.n_test} points but "
            f"the base GP posterior has {posterior.n_train}/{posterior.n_test}: use the same split"
        )
    used = trained.fits if trained.num_fit else np.ones_like(trained.fits)
    eps = float(np.median(trained.test_mse[used]))
    err = float(np.median(1.0 - trained.test_accuracy[used]))
    gp = inductive_bias_from_posterior(posterior, eps)
    log10, message = None, ""
    if statistics is None:
        message = "no statistics given: no bound"
    elif err <= 0:
        message = "test error 0: no target for the bound"
    else:
        bound = classification_bound(
            n=statistics.n,
            m=statistics.intrinsic_dimension.rounded,
            radius=statistics.radius,
            delta=statistics.resolution.delta,
            classes=statistics.classes,
            target_error=err,
            convention=DEFAULT_CONVENTION if convention is None else convention,
        )
        log10, message = (None, bound.message) if bound.vacuous else (bound.log10_bits, "")
    note = (
        ""
        if trained.num_fit
        else f"no network fits the training data (train MSE < {trained.fit_threshold:g}): the "
        "achieved errors are over all networks"
    )
    return ProvidedBias(
        arch=str(trained.arch),
        achieved_test_mse=eps,
        achieved_test_error=err,
        bits_gp=float(gp.bits) + 0.0,
        bound_log10_bits=log10,
        bound_message=message,
        networks=int(trained.num),
        fit=int(trained.num_fit),
        note=note,
    )
