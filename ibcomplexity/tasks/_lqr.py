r"""A discrete-time LQR expert: linearise a step function at an equilibrium, solve the DARE.

Around the equilibrium :math:`s^\star = 0, a^\star = 0` the step :math:`s_{t+1} = \phi(s_t, a_t)`
is linearised exactly by automatic differentiation (float64),
:math:`A = \partial\phi/\partial s`, :math:`B = \partial\phi/\partial a`. The infinite-horizon
cost :math:`\sum_t s_t^\top Q s_t + a_t^\top R a_t` is minimised by :math:`a_t = -K s_t` with

.. math::

    P = A^\top P A - A^\top P B (R + B^\top P B)^{-1} B^\top P A + Q, \qquad
    K = (R + B^\top P B)^{-1} B^\top P A,

P the stabilising solution of the discrete algebraic Riccati equation
(``scipy.linalg.solve_discrete_are``). The expert applies :math:`\operatorname{clip}(-K s,
\pm a_{\max})` to the true state (angles wrapped to :math:`[-\pi, \pi)` first where the state
has a periodic coordinate), the actuator limit of the environment.

References:
  B. D. O. Anderson & J. B. Moore, *Optimal Control: Linear Quadratic Methods*, Prentice Hall
  1990, ch. 2-3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
from jax.typing import ArrayLike

from ibcomplexity._validation import InputError
from ibcomplexity.tasks._dynamics import angle_normalize

__all__ = ["LQRExpert", "linearize", "lqr_expert", "expert_action"]


@dataclass(frozen=True, eq=False)
class LQRExpert:
    """A clipped linear state-feedback controller from LQR (float64 numpy arrays, read-only).

    Attributes:
      gain: K, ``(action_dim, state_dim)``; the action is ``clip(-K s, +-max_action)``.
      A, B: the linearised discrete-time dynamics at the upright equilibrium.
      Q, R: the cost weights.
      P: the stabilising solution of the discrete algebraic Riccati equation.
      max_action: the actuator limit.
      wrap: indices of state coordinates that are angles (wrapped before the feedback).
    """

    gain: np.ndarray
    A: np.ndarray
    B: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    P: np.ndarray
    max_action: float
    wrap: tuple[int, ...] = ()

    @property
    def closed_loop_spectral_radius(self) -> float:
        """Largest absolute eigenvalue of ``A - B K`` (< 1: the linearised loop is stable)."""
        return float(np.max(np.abs(np.linalg.eigvals(self.A - self.B @ self.gain))))

    def as_dict(self) -> dict:
        """JSON-serialisable description (for task metadata)."""
        return {
            "kind": "lqr",
            "gain_K": self.gain.tolist(),
            "Q_diag": np.diag(self.Q).tolist(),
            "R_diag": np.diag(self.R).tolist(),
            "max_action": self.max_action,
            "wrapped_angles": list(self.wrap),
            "closed_loop_spectral_radius": self.closed_loop_spectral_radius,
            "action": "clip(-K @ state, -max_action, max_action) on the true state",
        }


def linearize(
    step: Callable, params, state_dim: int, action_dim: int
) -> tuple[np.ndarray, np.ndarray]:
    r"""Jacobians :math:`A = \partial\phi/\partial s`, :math:`B = \partial\phi/\partial a` at 0.

    Computed in float64 by forward-mode differentiation of ``step(state, action, params)``.
    """
    with jax.enable_x64(True):
        s0 = jnp.zeros(state_dim, jnp.float64)
        a0 = jnp.zeros(action_dim, jnp.float64)
        p64 = jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.float64), params)
        # jitted: one compilation instead of one per eager operation of the tangent program
        a_mat, b_mat = jax.jit(jax.jacfwd(step, argnums=(0, 1)))(s0, a0, p64)
        return np.array(a_mat, np.float64), np.array(b_mat, np.float64).reshape(
            state_dim, action_dim
        )


def lqr_expert(
    step: Callable,
    params,
    *,
    state_dim: int,
    action_dim: int,
    Q: ArrayLike,
    R: ArrayLike,
    max_action: float,
    wrap: tuple[int, ...] = (),
) -> LQRExpert:
    """The LQR expert of ``step`` linearised at the origin (module docstring).

    Raises:
      InputError: when the DARE has no stabilising solution or the closed loop is unstable.
    """
    a_mat, b_mat = linearize(step, params, state_dim, action_dim)
    q = np.atleast_2d(np.asarray(Q, np.float64))
    r = np.atleast_2d(np.asarray(R, np.float64))
    try:
        p = scipy.linalg.solve_discrete_are(a_mat, b_mat, q, r)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise InputError(f"LQR: the Riccati equation has no stabilising solution ({err})") from err
    gain = np.linalg.solve(r + b_mat.T @ p @ b_mat, b_mat.T @ p @ a_mat)
    arrays = {}
    for name, a in (("gain", gain), ("A", a_mat), ("B", b_mat), ("Q", q), ("R", r), ("P", p)):
        a = np.ascontiguousarray(a, np.float64)
        a.flags.writeable = False
        arrays[name] = a
    expert = LQRExpert(**arrays, max_action=float(max_action), wrap=tuple(wrap))
    if not expert.closed_loop_spectral_radius < 1.0:
        raise InputError(
            f"LQR: the closed loop is unstable (spectral radius "
            f"{expert.closed_loop_spectral_radius:.6g} >= 1)"
        )
    return expert


def expert_action(expert: LQRExpert, state: ArrayLike) -> jax.Array:
    r""":math:`\operatorname{clip}(-K s, \pm a_{\max})` for one state ``(state_dim,)``.

    jit/vmap-able; the gain enters as a constant in the state's dtype.
    """
    state = jnp.asarray(state)
    if expert.wrap:
        idx = jnp.asarray(expert.wrap)
        state = state.at[idx].set(angle_normalize(state[idx]))
    gain = jnp.asarray(expert.gain, state.dtype)
    return jnp.clip(-(gain @ state), -expert.max_action, expert.max_action)
