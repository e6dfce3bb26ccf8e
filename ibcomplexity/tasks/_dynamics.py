r"""Pure, jit/vmap-able step functions of two classic control MDPs: cart-pole and pendulum.

**Cart-pole** (frictionless; Florian 2007, which corrects the friction terms of Barto, Sutton &
Anderson 1983). State :math:`s = (x, \dot x, \theta, \dot\theta)`: cart position (m), cart
velocity, pole angle from upright (rad; positive leans towards +x) and angular velocity. The pole
is a uniform rod of half-length :math:`l` (moment of inertia :math:`m_p l^2/3` about its centre),
:math:`M = m_c + m_p`, force :math:`F` on the cart:

.. math::

    \ddot\theta &= \frac{g\sin\theta + \cos\theta\,\dfrac{-F - m_p l\dot\theta^2\sin\theta}{M}}
                        {l\left(\tfrac43 - \dfrac{m_p\cos^2\theta}{M}\right)}, \\
    \ddot x &= \frac{F + m_p l\,(\dot\theta^2\sin\theta - \ddot\theta\cos\theta)}{M}.

These are Florian's equations with the friction coefficients :math:`\mu_c = \mu_p = 0`; the sign of
the normal force :math:`N_c` only enters through the cart friction, so it drops out. They follow
from the Lagrangian :math:`\mathcal L = \tfrac12 M\dot x^2 + m_p l\cos\theta\,\dot x\dot\theta
+ \tfrac23 m_p l^2\dot\theta^2 - m_p g l\cos\theta`, whose energy is conserved when F = 0. Constants
are gym's CartPole-v1 (g = 9.8, m_c = 1.0, m_p = 0.1, l = 0.5, dt = 0.02), with a continuous force
clipped to :math:`\pm` 10 N (gym's ``force_mag``), integrated with gym's explicit Euler step
:math:`s_{t+1} = s_t + \Delta t\, f(s_t, F_t)`.

**Pendulum** (gym Pendulum-v1). State :math:`(\theta, \dot\theta)` with :math:`\theta = 0`
upright, torque :math:`u` clipped to :math:`\pm 2`, g = 10, m = l = 1, dt = 0.05, and gym's
semi-implicit Euler step with the speed clipped to :math:`\pm 8`:

.. math::

    \dot\theta_{t+1} = \operatorname{clip}\!\Big(\dot\theta_t + \Big(\frac{3g}{2l}\sin\theta_t
        + \frac{3}{m l^2} u_t\Big)\Delta t,\ \pm 8\Big), \qquad
    \theta_{t+1} = \theta_t + \dot\theta_{t+1}\Delta t.

Why not gymnax: it ships these environments in JAX, but it pins ``jax<0.12`` and needs ``six``,
while this project supports JAX 0.10 on Python 3.11 up to current JAX on 3.12/3.13; its cart-pole
has discrete actions behind an environment-state/observation wrapper; and all that is needed here
is one pure function ``(state, action, params) -> next state`` of about forty lines per system.

References:
  R. V. Florian, *Correct equations for the dynamics of the cart-pole system*, Center for
  Cognitive and Neural Studies (Coneural), Romania, 2007.
  Barto, Sutton & Anderson, *Neuronlike adaptive elements that can solve difficult learning
  control problems*, IEEE SMC 13(5), 1983.
  Brockman et al., *OpenAI Gym*, arXiv:1606.01540, 2016 (CartPole-v1 and Pendulum-v1 constants).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

__all__ = [
    "CartPoleParams",
    "PendulumParams",
    "cartpole_derivatives",
    "cartpole_step",
    "pendulum_step",
    "angle_normalize",
]


@dataclass(frozen=True)
class CartPoleParams:
    """Cart-pole constants (gym CartPole-v1 values). A pytree: the fields are traced leaves.

    Attributes:
      gravity: g (m/s^2).
      mass_cart: m_c (kg).
      mass_pole: m_p (kg).
      half_length: l, half the pole length (m).
      max_force: the force is clipped to ``[-max_force, max_force]`` (N); gym's ``force_mag``.
      dt: Euler time step (s).
    """

    gravity: float = 9.8
    mass_cart: float = 1.0
    mass_pole: float = 0.1
    half_length: float = 0.5
    max_force: float = 10.0
    dt: float = 0.02

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class PendulumParams:
    """Pendulum constants (gym Pendulum-v1 values). A pytree: the fields are traced leaves.

    Attributes:
      gravity: g (gym's default 10.0).
      mass: m.
      length: l.
      max_torque: the torque is clipped to ``[-max_torque, max_torque]``.
      max_speed: the angular velocity is clipped to ``[-max_speed, max_speed]`` after each step.
      dt: time step.
    """

    gravity: float = 10.0
    mass: float = 1.0
    length: float = 1.0
    max_torque: float = 2.0
    max_speed: float = 8.0
    dt: float = 0.05

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


for _cls in (CartPoleParams, PendulumParams):
    jax.tree_util.register_dataclass(
        _cls, data_fields=list(_cls.__dataclass_fields__), meta_fields=[]
    )


def cartpole_derivatives(
    state: ArrayLike, force: ArrayLike, params: CartPoleParams = CartPoleParams()
) -> jax.Array:
    r"""Time derivative :math:`(\dot x, \ddot x, \dot\theta, \ddot\theta)` (module docstring).

    The force is used as given (not clipped): this is the continuous-time vector field.

    Args:
      state: ``(4,)`` array :math:`(x, \dot x, \theta, \dot\theta)`.
      force: scalar (or ``(1,)``) force on the cart.
      params: the constants.

    Returns:
      ``(4,)`` array of derivatives.
    """
    state = jnp.asarray(state)
    f = jnp.reshape(jnp.asarray(force, state.dtype), ())
    _, x_dot, theta, theta_dot = state[0], state[1], state[2], state[3]
    g, mp, l = params.gravity, params.mass_pole, params.half_length
    total = params.mass_cart + mp
    sin, cos = jnp.sin(theta), jnp.cos(theta)
    theta_acc = (g * sin + cos * (-f - mp * l * theta_dot**2 * sin) / total) / (
        l * (4.0 / 3.0 - mp * cos**2 / total)
    )
    x_acc = (f + mp * l * (theta_dot**2 * sin - theta_acc * cos)) / total
    return jnp.stack([x_dot, x_acc, theta_dot, theta_acc])


def cartpole_step(
    state: ArrayLike, action: ArrayLike, params: CartPoleParams = CartPoleParams()
) -> jax.Array:
    r"""One explicit-Euler step of the frictionless cart-pole (gym's integrator).

    .. math:: s_{t+1} = s_t + \Delta t\, f(s_t, \operatorname{clip}(F_t, \pm F_{\max}))

    Args:
      state: ``(4,)`` array :math:`(x, \dot x, \theta, \dot\theta)`.
      action: the force, scalar or ``(1,)``; clipped to ``params.max_force``.
      params: the constants.

    Returns:
      The next ``(4,)`` state.

    Example:
      >>> import jax.numpy as jnp
      >>> s = cartpole_step(jnp.array([0.0, 0.0, 0.1, 0.0]), 0.0)
      >>> bool(s[3] > 0)  # a pole leaning towards +x falls further that way
      True
    """
    state = jnp.asarray(state)
    f = jnp.clip(jnp.asarray(action, state.dtype), -params.max_force, params.max_force)
    return state + params.dt * cartpole_derivatives(state, f, params)


def angle_normalize(theta: ArrayLike) -> jax.Array:
    r"""Wrap an angle to :math:`[-\pi, \pi)` (gym's ``angle_normalize``)."""
    return (jnp.asarray(theta) + jnp.pi) % (2.0 * jnp.pi) - jnp.pi


def pendulum_step(
    state: ArrayLike, action: ArrayLike, params: PendulumParams = PendulumParams()
) -> jax.Array:
    r"""One step of gym's Pendulum-v1 (module docstring); :math:`\theta` is not wrapped.

    Args:
      state: ``(2,)`` array :math:`(\theta, \dot\theta)`, :math:`\theta = 0` upright.
      action: the torque, scalar or ``(1,)``; clipped to ``params.max_torque``.
      params: the constants.

    Returns:
      The next ``(2,)`` state.
    """
    state = jnp.asarray(state)
    u = jnp.reshape(
        jnp.clip(jnp.asarray(action, state.dtype), -params.max_torque, params.max_torque), ()
    )
    theta, theta_dot = state[0], state[1]
    g, m, l, dt = params.gravity, params.mass, params.length, params.dt
    new_dot = theta_dot + (3.0 * g / (2.0 * l) * jnp.sin(theta) + 3.0 / (m * l**2) * u) * dt
    new_dot = jnp.clip(new_dot, -params.max_speed, params.max_speed)
    return jnp.stack([theta + new_dot * dt, new_dot])
