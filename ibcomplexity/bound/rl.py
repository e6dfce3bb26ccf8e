r"""The model-agnostic bound for reinforcement learning on a flat torus, and simplified cart-pole.

Observations live on the flat m-torus (period :math:`2\pi` per coordinate) and a policy outputs D
action dimensions. Eigenfunctions of the torus Laplacian with frequency below :math:`2\pi/\delta`
are counted by the volume of an m-ball:

.. math::

    V &= \frac{\pi^{m/2} (2\pi/\delta)^m}{\Gamma(m/2 + 1)}, \\
    \text{bits} &= D (2V - n) \left[\log_2\frac{4\pi^2}{\sqrt 6} + \log_2 D + \tfrac12\log_2 m
        - \log_2\delta - \tfrac1m \log_2 n - \log_2\epsilon\right].

Simplified cart-pole with T observations in its history is the case m = 2T, D = 1; T = 1 is the
fully observed MDP and T > 1 are partially observed variants that need a history.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034, section 5 (reinforcement learning).
"""

from __future__ import annotations

import math

from scipy import special

from ibcomplexity._numerics import LN2, LN10
from ibcomplexity._validation import check_int, check_positive
from ibcomplexity.bound.general import MAX_COUNT, _cutoff, _finish
from ibcomplexity.results import BoundResult

__all__ = ["rl_bound", "cartpole_bound", "MUJOCO_DIMS"]

#: (observation dim, action dim) of the DeepMind-control MuJoCo tasks used in the paper.
MUJOCO_DIMS: dict[str, tuple[int, int]] = {
    "reacher": (6, 2),
    "hopper": (15, 4),
    "halfcheetah": (17, 6),
}


def _torus_bound(
    *, m: int, D: int, n: int, delta: float, eps: float, task: str, inputs: dict, unit: str
) -> BoundResult:
    M = _cutoff(1.0, delta, what="2*pi/delta")
    log_V = 0.5 * m * math.log(math.pi) + m * math.log(M) - float(special.gammaln(0.5 * m + 1.0))
    log_n = math.log(n)
    parts = {
        "log2_4pi2_over_sqrt6": math.log2(4.0 * math.pi**2 / math.sqrt(6.0)),
        "log2_D": math.log2(D),
        "half_log2_m": 0.5 * math.log2(m),
        "minus_log2_delta": -math.log2(delta),
        "minus_log2_n_over_m": -log_n / LN2 / m,
        "minus_log2_eps": -math.log2(eps),
    }
    # dim = 2 D V eigen-coefficients; n observations each pin down D of them.
    log_dim = LN2 + math.log(D) + log_V
    terms = dict(
        M=M,
        K=None,
        log10_E=log_V / LN10,
        dim_m=float(m),
        D=float(D),
        P=1.0,
        L_f=None,
        log_W=None,
    )
    return _finish(
        log_dim=log_dim,
        log_nD=log_n + math.log(D),
        bracket_parts=parts,
        terms=terms,
        task=task,
        convention="reference",
        inputs=inputs,
        unit=unit,
    )


def rl_bound(
    *,
    obs_dim: int,
    action_dim: int,
    n: int,
    delta: float,
    target_error: float,
    unit: str = "bits",
) -> BoundResult:
    r"""The bound for an MDP whose observations lie on an ``obs_dim``-torus (module docstring).

    Args:
      obs_dim: m, the observation (torus) dimension.
      action_dim: D, the action dimension.
      n: number of training observations.
      delta: resolution on the torus (period :math:`2\pi`).
      target_error: eps, the policy's target error: any finite positive number (a regression
        error, not a rate, so it is not limited to (0, 1)).
      unit: ``"bits"`` or ``"nats"``.

    Example:
      >>> r = rl_bound(obs_dim=6, action_dim=2, n=10**6, delta=1e-3, target_error=1e-3)
      >>> r.formatted()
      '2.9142e+25 bits'
    """
    m = check_int("obs_dim", obs_dim, maximum=MAX_COUNT)
    D = check_int("action_dim", action_dim, maximum=MAX_COUNT)
    n_ = check_int("n", n)
    d = check_positive("delta", delta)
    eps = check_positive("target_error", target_error)
    inputs = dict(obs_dim=m, action_dim=D, n=n_, delta=d, target_error=eps)
    return _torus_bound(m=m, D=D, n=n_, delta=d, eps=eps, task="rl", inputs=inputs, unit=unit)


def cartpole_bound(
    observations: int = 1,
    *,
    n: int = 10_000,
    delta: float = 1e-3,
    target_error: float = 1e-3,
    unit: str = "bits",
) -> BoundResult:
    r"""Simplified cart-pole with a history of T observations: the torus form with m = 2T, D = 1.

    .. math:: \text{bits}(T) = \left(\frac{2\pi^T (2\pi/\delta)^{2T}}{T!} - n\right)
        \left[\log_2\frac{4\pi^2}{\sqrt 3} + \tfrac12\log_2 T - \log_2\delta
        - \frac{\log_2 n}{2T} - \log_2\epsilon\right]

    Defaults are the paper's (n = 10000, delta = eps = 0.001).

    Example:
      >>> [round(cartpole_bound(T).log10_bits, 3) for T in (1, 2)]
      [9.645, 17.522]
    """
    T = check_int("observations", observations, maximum=MAX_COUNT // 2)
    n_ = check_int("n", n)
    d = check_positive("delta", delta)
    eps = check_positive("target_error", target_error)
    inputs = dict(observations=T, n=n_, delta=d, target_error=eps)
    return _torus_bound(
        m=2 * T, D=1, n=n_, delta=d, eps=eps, task="cartpole", inputs=inputs, unit=unit
    )
