r"""MDP regression tasks: an LQR expert's actions from (partial) observation histories.

An expert controller balances a cart-pole or a pendulum near upright; each example is an input
built from the observations the agent sees and the expert's action at that time step as the
real-valued target. Imitating the expert is a regression task for the estimators, and the
observation model sets how hard it is (the bound's RL form, Boopathy et al. 2023, section 5):

* ``obs="full"``: the full state (cart-pole :math:`(x, \dot x, \theta, \dot\theta)`, pendulum
  :math:`(\theta, \dot\theta)`). With ``history=1`` this is the fully observed MDP: the expert's
  action is a function of the input.
* ``obs="positions"``: positions and angles only (cart-pole :math:`(x, \theta)`, pendulum
  :math:`\theta`), a partially observed MDP. One observation does not determine the action; a
  history of T >= 2 observations does (velocities are finite differences), through a function
  that is far steeper in the inputs.

The input at time t is :math:`[o_t, o_{t-1}, \dots, o_{t-T+1}]` (most recent first, T blocks of
the observation dimension p); before the episode starts the history repeats the first
observation (as gym's ``FrameStack`` does at reset). Observation noise: i.i.d.
:math:`N(0, \sigma^2)` on every observed coordinate at every time step, in physical units; the
expert always acts on the true state.

Data: ``episodes`` episodes of ``steps`` steps from initial states uniform on
:math:`[-\text{init}, \text{init}]^{\dim s}` (cart-pole: gym's reset, init = 0.05), simulated at
once (``jax.vmap`` over episodes of a ``lax.scan`` over time). Episode e uses the key
``fold_in(key, e)``, so its trajectory does not depend on the number of episodes, nor on the
observation model (the noise is drawn for the full state and the observed coordinates kept).

Task (:func:`task_from_spec`): the episodes are split into training and test episodes (disjoint:
no episode contributes to both), then ``n_train`` / ``n_test`` time steps are drawn without
replacement from each group. Inputs and actions are then z-scored per column with the
*training* mean and standard deviation (``scale=standard``, the default) so that an RBF prior of
unit variance with a median bandwidth is on the scale of the data and a target MSE reads as a
fraction of the action variance; ``scale=none`` keeps physical units. The statistics are
recorded in the metadata.

Spec keys (``cartpole:obs=positions,history=3,noise=0.01,episodes=200,steps=200``), defaults in
brackets: ``obs`` (full | positions) [full], ``history`` (T >= 1) [1], ``noise`` (sd >= 0) [0],
``episodes`` (>= 2) [100], ``steps`` (>= 1) [200 cart-pole, 60 pendulum: about the time the
expert takes to settle], ``init`` (> 0) [0.05 cart-pole, 0.2 pendulum], ``scale`` (standard |
none) [standard], ``seed`` (seed of the rollouts) [the task seed, which always draws the split].

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034, section 5 (partially observed cart-pole with a history of T observations).
  Florian, *Correct equations for the dynamics of the cart-pole system*, 2007.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ibcomplexity._options import parse_options
from ibcomplexity._validation import InputError, check_int
from ibcomplexity.tasks._dynamics import (
    CartPoleParams,
    PendulumParams,
    angle_normalize,
    cartpole_derivatives,
    cartpole_step,
    pendulum_step,
)
from ibcomplexity.tasks._lqr import LQRExpert, expert_action, linearize, lqr_expert
from ibcomplexity.tasks.regression import RegressionTask

__all__ = [
    "CartPoleParams",
    "PendulumParams",
    "Environment",
    "LQRExpert",
    "MDPData",
    "ENVIRONMENTS",
    "OBSERVATION_MODELS",
    "angle_normalize",
    "cartpole_dataset",
    "cartpole_derivatives",
    "cartpole_step",
    "environment",
    "expert",
    "expert_action",
    "history_inputs",
    "linearize",
    "noise_draws",
    "mdp_dataset",
    "observations",
    "pendulum_dataset",
    "pendulum_step",
    "rollout",
    "task_from_spec",
]

OBSERVATION_MODELS = ("full", "positions")
_SCALES = ("standard", "none")


@dataclass(frozen=True)
class Environment:
    """An MDP: its step function and constants, observation layout and LQR design.

    Attributes:
      name: ``"cartpole"`` or ``"pendulum"``.
      step: ``step(state, action, params) -> next state``, pure and jit/vmap-able.
      params: the constants (a pytree dataclass).
      state_names: names of the state coordinates.
      positions: indices of the coordinates observed with ``obs="positions"``.
      angles: indices of periodic coordinates (wrapped to [-pi, pi) in observations and by the
        expert); empty for cart-pole, whose pole angle gym does not wrap.
      action_dim: D.
      max_action: the actuator limit (force or torque).
      Q, R: diagonals of the LQR cost weights.
      init: default half-width of the uniform initial-state distribution.
      steps: default episode length (about the time the expert takes to settle).
      dynamics: a one-line reference for the dynamics.
    """

    name: str
    step: Callable
    params: Any
    state_names: tuple[str, ...]
    positions: tuple[int, ...]
    angles: tuple[int, ...]
    action_dim: int
    max_action: float
    Q: tuple[float, ...]
    R: tuple[float, ...]
    init: float
    steps: int
    dynamics: str

    @property
    def state_dim(self) -> int:
        return len(self.state_names)

    def observed(self, obs: str) -> tuple[int, ...]:
        """State indices seen under the observation model ``obs``."""
        _check_choice("obs", obs, OBSERVATION_MODELS)
        return tuple(range(self.state_dim)) if obs == "full" else self.positions


_CARTPOLE = CartPoleParams()
_PENDULUM = PendulumParams()

#: The registered environments. The LQR weights penalise the angle most (cart-pole) and are
#: chosen so that the expert balances from gym's initial states without saturating often.
ENVIRONMENTS: dict[str, Environment] = {
    "cartpole": Environment(
        name="cartpole",
        step=cartpole_step,
        params=_CARTPOLE,
        state_names=("x", "x_dot", "theta", "theta_dot"),
        positions=(0, 2),
        angles=(),
        action_dim=1,
        max_action=_CARTPOLE.max_force,
        Q=(1.0, 1.0, 10.0, 1.0),
        R=(0.1,),
        init=0.05,
        steps=200,
        dynamics=(
            "frictionless cart-pole, Florian (2007) equations, gym CartPole-v1 constants "
            "(g=9.8, m_cart=1.0, m_pole=0.1, half-length 0.5), continuous force clipped to "
            "+-10 N, explicit Euler dt=0.02"
        ),
    ),
    "pendulum": Environment(
        name="pendulum",
        step=pendulum_step,
        params=_PENDULUM,
        state_names=("theta", "theta_dot"),
        positions=(0,),
        angles=(0,),
        action_dim=1,
        max_action=_PENDULUM.max_torque,
        Q=(1.0, 1.0),
        R=(0.1,),
        init=0.2,
        steps=60,
        dynamics=(
            "gym Pendulum-v1 (g=10, m=1, l=1, torque clipped to +-2, speed clipped to +-8, "
            "semi-implicit Euler dt=0.05), theta=0 upright"
        ),
    ),
}


def _check_choice(name: str, value, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def environment(name: str) -> Environment:
    """The registered :class:`Environment` called ``name`` (``cartpole`` or ``pendulum``)."""
    if name not in ENVIRONMENTS:
        raise InputError(f"unknown environment {name!r}; known: {', '.join(ENVIRONMENTS)}")
    return ENVIRONMENTS[name]


def _design(env: Environment) -> LQRExpert:
    return lqr_expert(
        env.step,
        env.params,
        state_dim=env.state_dim,
        action_dim=env.action_dim,
        Q=np.diag(env.Q),
        R=np.diag(env.R),
        max_action=env.max_action,
        wrap=env.angles,
    )


@functools.cache
def _expert(name: str) -> LQRExpert:
    return _design(ENVIRONMENTS[name])


def expert(env: Environment | str) -> LQRExpert:
    """The LQR expert of an environment: linearised upright, DARE, clipped actions.

    Registered environments' experts are computed once and cached.
    """
    env = environment(env) if isinstance(env, str) else env
    return _expert(env.name) if ENVIRONMENTS.get(env.name) is env else _design(env)


def rollout(
    key: jax.Array,
    env: Environment,
    controller: LQRExpert,
    *,
    episodes: int,
    steps: int,
    init: float,
) -> tuple[jax.Array, jax.Array]:
    r"""Simulate ``episodes`` closed-loop episodes of ``steps`` steps at once.

    Episode e starts at :math:`s_0 \sim U[-\text{init}, \text{init}]^{\dim s}` drawn with
    ``fold_in(key, e)``; then :math:`a_t = \text{expert}(s_t)`,
    :math:`s_{t+1} = \text{step}(s_t, a_t)`. ``jax.vmap`` over episodes of ``lax.scan`` over
    time; jit-able with ``env``, ``controller``, ``episodes`` and ``steps`` static.

    Returns:
      ``states`` ``(episodes, steps, state_dim)`` (:math:`s_0 \dots s_{T-1}`) and ``actions``
      ``(episodes, steps, action_dim)`` (the expert's action at each of those states).
    """
    n = env.state_dim

    def one(e):
        k = jax.random.fold_in(key, e)
        s0 = jax.random.uniform(k, (n,), minval=-init, maxval=init)

        def body(s, _):
            a = expert_action(controller, s)
            return env.step(s, a, env.params), (s, a)

        _, (states, actions) = jax.lax.scan(body, s0, None, length=steps)
        return states, actions

    return jax.vmap(one)(jnp.arange(episodes))


def noise_draws(key: jax.Array, episodes: int, steps: int, dim: int) -> jax.Array:
    """Standard normals ``(episodes, steps, dim)``; episode e's from ``fold_in(key, e)``.

    jit-able with the sizes static. Scaled by the noise level in :func:`observations`.
    """
    return jax.vmap(lambda e: jax.random.normal(jax.random.fold_in(key, e), (steps, dim)))(
        jnp.arange(episodes)
    )


def observations(
    states: np.ndarray,
    env: Environment,
    *,
    obs: str,
    noise: float = 0.0,
    draws: np.ndarray | None = None,
) -> np.ndarray:
    r"""What the agent sees: observed coordinates (angles wrapped) plus Gaussian noise.

    .. math:: o_t = \big(\operatorname{wrap}(s_t) + \sigma\,\xi_t\big)_{\text{observed}},
        \qquad \xi_t \sim N(0, I_{\dim s})

    The noise is drawn for every state coordinate and the observed ones are kept, so the noise
    on a coordinate does not depend on the observation model. Plain numpy (indexing only).

    Args:
      states: ``(episodes, steps, state_dim)`` true states.
      env: the environment.
      obs: ``"full"`` or ``"positions"``.
      noise: the standard deviation :math:`\sigma` (>= 0).
      draws: standard normals of the states' shape (:func:`noise_draws`); needed when
        ``noise > 0``.

    Returns:
      ``(episodes, steps, p)`` observations, p = number of observed coordinates.
    """
    idx = list(env.observed(obs))
    x = np.array(states)
    if env.angles:
        a = list(env.angles)
        x[..., a] = (x[..., a] + np.pi) % (2.0 * np.pi) - np.pi
    if noise:
        if draws is None or np.shape(draws) != x.shape:
            raise InputError(
                f"observations: noise={noise} needs standard-normal draws of shape {x.shape}"
            )
        x = x + np.asarray(noise, x.dtype) * np.asarray(draws, x.dtype)
    return x[..., idx]


def history_inputs(obs: np.ndarray, history: int) -> np.ndarray:
    r"""Stack the last ``history`` observations, most recent first (plain numpy).

    .. math:: x_t = [o_t, o_{t-1}, \dots, o_{t-T+1}], \qquad o_{t'} := o_0 \text{ for } t' < 0

    Args:
      obs: ``(episodes, steps, p)``.
      history: T >= 1.

    Returns:
      ``(episodes, steps, p * T)``; block j (columns ``j*p:(j+1)*p``) holds :math:`o_{t-j}`.
    """
    obs = np.asarray(obs)
    t = np.arange(obs.shape[1])
    return np.concatenate([obs[:, np.maximum(t - lag, 0)] for lag in range(history)], axis=-1)


@dataclass(frozen=True, eq=False)
class MDPData:
    """Rollouts of an expert and the inputs an agent sees (read-only float32 numpy arrays).

    Attributes:
      inputs: ``(episodes, steps, p * T)`` observation histories (most recent first).
      actions: ``(episodes, steps, action_dim)`` expert actions.
      states: ``(episodes, steps, state_dim)`` true states.
      feature_names: names of the input columns, e.g. ``("x[t]", "theta[t]", "x[t-1]", ...)``.
      environment, obs, history, noise, init: how the data were made.
      expert: the :class:`LQRExpert`.
    """

    inputs: np.ndarray
    actions: np.ndarray
    states: np.ndarray
    feature_names: tuple[str, ...]
    environment: str
    obs: str
    history: int
    noise: float
    init: float
    expert: LQRExpert

    @property
    def episodes(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def steps(self) -> int:
        return int(self.inputs.shape[1])

    @property
    def observation_dim(self) -> int:
        """p, the dimension of one observation."""
        return int(self.inputs.shape[2]) // self.history


@functools.partial(jax.jit, static_argnames=("name", "episodes", "steps"))
def _simulate(key, init, *, name, episodes, steps):
    # one compiled program per (environment, episodes, steps), shared by every observation model,
    # history length and noise level
    env = ENVIRONMENTS[name]
    k_roll, k_noise = jax.random.split(key)
    states, actions = rollout(k_roll, env, _expert(name), episodes=episodes, steps=steps, init=init)
    return states, actions, noise_draws(k_noise, episodes, steps, env.state_dim)


def mdp_dataset(
    key: jax.Array,
    env: str = "cartpole",
    *,
    obs: str = "full",
    history: int = 1,
    noise: float = 0.0,
    episodes: int = 100,
    steps: int | None = None,
    init: float | None = None,
) -> MDPData:
    """Expert rollouts and observation histories (module docstring): the arrays of a task.

    Args:
      key: PRNG key (rollouts and noise are derived from it).
      env: ``"cartpole"`` or ``"pendulum"``.
      obs: ``"full"`` (the state) or ``"positions"`` (positions and angles only).
      history: T, observations per input (>= 1, <= steps).
      noise: observation noise standard deviation (>= 0).
      episodes, steps: how many episodes of how many steps (steps default: the
        environment's, 200 for cart-pole, 60 for the pendulum).
      init: half-width of the uniform initial states (default: the environment's, 0.05 for
        cart-pole as gym's reset, 0.2 for the pendulum).

    Returns:
      An :class:`MDPData`.

    Example:
      >>> import jax
      >>> d = mdp_dataset(jax.random.key(0), "cartpole", obs="positions", history=3,
      ...                 episodes=4, steps=10)
      >>> d.inputs.shape, d.actions.shape, d.feature_names[:3]
      ((4, 10, 6), (4, 10, 1), ('x[t]', 'theta[t]', 'x[t-1]'))
    """
    e = environment(env)
    _check_choice("obs", obs, OBSERVATION_MODELS)
    episodes = check_int("episodes", episodes, minimum=1)
    steps = e.steps if steps is None else check_int("steps", steps, minimum=1)
    history = check_int("history", history, minimum=1)
    if history > steps:
        raise InputError(f"history={history} exceeds steps={steps} per episode")
    noise = _nonnegative("noise", noise)
    init = e.init if init is None else _positive("init", init)
    controller = _expert(e.name)  # designed (numpy, scipy) outside the trace of _simulate
    states, actions, draws = (
        np.asarray(a) for a in _simulate(key, init, name=e.name, episodes=episodes, steps=steps)
    )
    inputs = history_inputs(observations(states, e, obs=obs, noise=noise, draws=draws), history)
    names = [e.state_names[i] for i in e.observed(obs)]
    features = tuple(f"{s}[t]" if j == 0 else f"{s}[t-{j}]" for j in range(history) for s in names)

    def frozen(a) -> np.ndarray:
        a = np.array(a, dtype=np.float32)
        a.flags.writeable = False
        return a

    return MDPData(
        inputs=frozen(inputs),
        actions=frozen(actions),
        states=frozen(states),
        feature_names=features,
        environment=e.name,
        obs=obs,
        history=history,
        noise=noise,
        init=init,
        expert=controller,
    )


def cartpole_dataset(key: jax.Array, **options) -> MDPData:
    """:func:`mdp_dataset` for the cart-pole (same keyword options)."""
    return mdp_dataset(key, "cartpole", **options)


def pendulum_dataset(key: jax.Array, **options) -> MDPData:
    """:func:`mdp_dataset` for the pendulum (same keyword options)."""
    return mdp_dataset(key, "pendulum", **options)


def _nonnegative(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number >= 0, got {value!r}") from None
    if isinstance(value, bool) or not np.isfinite(v) or v < 0:
        raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _positive(name: str, value) -> float:
    v = _nonnegative(name, value)
    if v == 0:
        raise InputError(f"{name} must be > 0, got {value!r}")
    return v


# ---------------------------------------------------------------------------------------------
# Spec -> task

_KEYS = ("obs", "history", "noise", "episodes", "steps", "init", "scale", "seed")


def _parse_options(spec: str, rest: str) -> dict[str, Any]:
    """``key=value,...`` -> validated options (module docstring lists the keys)."""
    out: dict[str, Any] = {}
    for key, value in parse_options(rest, what=f"task spec {spec!r}", allowed=_KEYS).items():
        try:
            if key in ("obs", "scale"):
                out[key] = _check_choice(
                    key, value, OBSERVATION_MODELS if key == "obs" else _SCALES
                )
            elif key in ("history", "episodes", "steps", "seed"):
                try:
                    n = int(value)
                except ValueError:
                    raise InputError(f"{key} must be an integer, got {value!r}") from None
                lowest = {"history": 1, "episodes": 2, "steps": 1, "seed": 0}[key]
                out[key] = check_int(key, n, minimum=lowest)
            elif key == "noise":
                out[key] = _nonnegative(key, value)
            else:
                out[key] = _positive(key, value)
        except InputError as err:
            raise InputError(f"task spec {spec!r}: {err}") from None
    return out


def _episode_split(
    episodes: int, steps: int, n_train: int, n_test: int, rng: np.random.Generator, spec: str
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sets of training and test episodes, roughly in proportion to n_train : n_test."""
    need_tr, need_te = -(-n_train // steps), -(-n_test // steps)
    if need_tr + need_te > episodes:
        raise InputError(
            f"task spec {spec!r}: n_train={n_train} and n_test={n_test} need at least "
            f"{need_tr} + {need_te} episodes of {steps} steps (disjoint episodes), but there are "
            f"{episodes}; raise episodes= or steps="
        )
    a = int(round(episodes * n_train / (n_train + n_test)))
    a = min(max(a, need_tr), episodes - need_te)
    order = rng.permutation(episodes)
    return np.sort(order[:a]), np.sort(order[a:])


def _draw(episode_ids: np.ndarray, steps: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct flat indices ``e * steps + t`` from the given episodes, in random order."""
    pick = rng.choice(episode_ids.size * steps, size=n, replace=False)
    return episode_ids[pick // steps] * steps + pick % steps


@functools.lru_cache(maxsize=2)
def _seeded_mdp_dataset(seed, env, obs, history, noise, episodes, steps, init) -> MDPData:
    """:func:`mdp_dataset` from an integer seed, kept for the next call with the same arguments:
    one command that builds two tasks from one source (``ibc estimate``: the RL card and the GP
    split) simulates the rollouts once. The arrays are read-only, so sharing them is safe."""
    return mdp_dataset(
        jax.random.key(seed),
        env,
        obs=obs,
        history=history,
        noise=noise,
        episodes=episodes,
        steps=steps,
        init=init,
    )


def task_from_spec(spec: str, rest: str, *, n_train: int, n_test: int, seed: int) -> RegressionTask:
    """The regression task named by a ``cartpole[:...]`` / ``pendulum[:...]`` spec.

    Called by :func:`ibcomplexity.tasks.load_task`. Rollouts come from
    ``jax.random.key(seed)`` (or the spec's ``seed=``), exactly as
    ``mdp_dataset(jax.random.key(seed), env, ...)``; the episode split and the time steps drawn
    from ``numpy.random.default_rng(seed)``. See the module docstring for the keys, the split and
    the scaling.

    Args:
      spec: the whole spec (recorded as the task's name).
      rest: the text after ``"cartpole:"`` (``""`` when there is no ``:``).
      n_train, n_test: examples drawn from the training / test episodes.
      seed: seed of the split (and of the rollouts unless the spec sets ``seed=``).

    Returns:
      A real-valued :class:`~ibcomplexity.tasks.regression.RegressionTask` with k = action_dim;
      ``train_indices`` / ``test_indices`` are flat indices ``episode * steps + t``.

    Raises:
      InputError: unknown environment, unknown keys, bad values, or too few episodes.

    Example:
      >>> t = task_from_spec("cartpole:history=2", "history=2", n_train=100, n_test=50, seed=0)
      >>> t.x_train.shape, t.y_train.shape, t.metadata["observation_dim"]
      ((100, 8), (100, 1), 4)
    """
    name = spec.partition(":")[0].strip()
    env = environment(name)
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    opts = _parse_options(spec, rest)
    obs, history = opts.get("obs", "full"), opts.get("history", 1)
    noise, scale = opts.get("noise", 0.0), opts.get("scale", "standard")
    episodes, steps = opts.get("episodes", 100), opts.get("steps", env.steps)
    init, data_seed = opts.get("init", env.init), opts.get("seed", seed)
    if history > steps:
        raise InputError(f"task spec {spec!r}: history={history} exceeds steps={steps}")
    # the split first: a request that does not fit fails before any simulation
    rng = np.random.default_rng(seed)
    train_eps, test_eps = _episode_split(episodes, steps, n_train, n_test, rng, spec)
    train_idx = _draw(train_eps, steps, n_train, rng)
    test_idx = _draw(test_eps, steps, n_test, rng)
    data = _seeded_mdp_dataset(data_seed, env.name, obs, history, noise, episodes, steps, init)
    x = data.inputs.reshape(episodes * steps, -1)
    y = data.actions.reshape(episodes * steps, -1)
    x_tr, y_tr, x_te, y_te = x[train_idx], y[train_idx], x[test_idx], y[test_idx]
    stats = None
    if scale == "standard":
        stats = {}
        for what, a in (("input", x_tr), ("action", y_tr)):
            mean = a.mean(axis=0, dtype=np.float64)
            sd = a.std(axis=0, dtype=np.float64)
            sd = np.where(sd > 0, sd, 1.0)  # a constant column is left centred, unscaled
            stats[f"{what}_mean"], stats[f"{what}_sd"] = mean.tolist(), sd.tolist()
        x_tr, x_te = ((a - stats["input_mean"]) / stats["input_sd"] for a in (x_tr, x_te))
        y_tr, y_te = ((a - stats["action_mean"]) / stats["action_sd"] for a in (y_tr, y_te))
    observed = [env.state_names[i] for i in env.observed(obs)]
    metadata = {
        "source": "ibcomplexity.tasks.mdp",
        "spec": spec,
        "environment": env.name,
        "dynamics": env.dynamics,
        "dynamics_reference": (
            "Florian, Correct equations for the dynamics of the cart-pole system (2007)"
            if env.name == "cartpole"
            else "gym Pendulum-v1 (Brockman et al. 2016, arXiv:1606.01540)"
        ),
        "params": env.params.as_dict(),
        "state_names": list(env.state_names),
        "expert": data.expert.as_dict(),
        "obs": obs,
        "observation_model": f"{obs}: observes {', '.join(observed)}",
        "fully_observed": obs == "full",
        "history": history,
        "history_order": (
            "most recent first: [o_t, o_{t-1}, ..., o_{t-T+1}]; before the episode starts the "
            "history repeats o_0"
        ),
        "feature_names": list(data.feature_names),
        "observation_dim": len(observed),
        "input_dim": len(observed) * history,
        "action_dim": env.action_dim,
        "noise": noise,
        "noise_model": (
            "iid N(0, noise^2) on each observed coordinate at each step, physical units, before "
            "scaling; the expert acts on the true state"
        ),
        "episodes": episodes,
        "steps": steps,
        "init": init,
        "init_distribution": "uniform on [-init, init]^state_dim",
        "seed": data_seed,
        "scale": scale,
        "standardization": stats,
        "split": {
            "seed": seed,
            "n_train": n_train,
            "n_test": n_test,
            "train_episodes": train_eps.tolist(),
            "test_episodes": test_eps.tolist(),
            "rule": (
                "disjoint episodes in proportion n_train : n_test, then time steps drawn "
                "without replacement within each group (numpy default_rng(seed))"
            ),
        },
    }
    task = RegressionTask.from_arrays(
        x_tr, y_tr, x_te, y_te, name=spec, seed=seed, metadata=metadata
    )

    def frozen(a: np.ndarray) -> np.ndarray:
        a = np.ascontiguousarray(a, dtype=np.int64)
        a.flags.writeable = False
        return a

    return dataclasses.replace(task, train_indices=frozen(train_idx), test_indices=frozen(test_idx))
