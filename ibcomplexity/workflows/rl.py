"""The RL form's inputs from an MDP task's data (Boopathy et al., ICML 2023, section 5)."""

from __future__ import annotations

from typing import Any

import jax

from ibcomplexity._validation import InputError
from ibcomplexity.stats import intrinsic_dimension_mle
from ibcomplexity.tasks.regression import RegressionTask

__all__ = ["rl_bound_inputs"]


def rl_bound_inputs(
    task: RegressionTask,
    *,
    key: jax.Array | None = None,
    num_queries: int | None = None,
    k: int = 5,
    delta: float = 1e-3,
    target_error: float = 1e-3,
) -> dict[str, Any]:
    r"""The statistics the bound's RL form needs, from an MDP task.

    The RL form (:func:`ibcomplexity.bound.rl_bound`) takes the observation-torus dimension m,
    the action dimension D and n training observations. Two values of m are reported:

    * ``m``: the nominal dimension, observation dim x T (the paper's simplified cart-pole has
      m = 2T);
    * ``m_intrinsic``: the Levina-Bickel MLE of the training inputs' intrinsic dimension
      (:func:`ibcomplexity.stats.intrinsic_dimension_mle`, rounded, >= 1), which sees that the
      closed-loop data fill far less than the nominal space.

    Args:
      task: an MDP task from :func:`~ibcomplexity.tasks.load_task` (``cartpole:...``,
        ``pendulum:...``; its metadata names the observation model).
      key: PRNG key choosing the MLE's query points (needed only with ``num_queries``).
      num_queries: MLE query points; None uses every training input.
      k: MLE neighbours (the paper's 5).
      delta, target_error: recorded alongside (the paper's 0.001 defaults).

    Returns:
      ``dict(m, m_intrinsic, m_intrinsic_raw, D, n, delta, target_error, observation_dim,
      history)``; ``rl_bound(obs_dim=d["m"], action_dim=d["D"], n=d["n"], delta=d["delta"],
      target_error=d["target_error"])`` evaluates the bound.
    """
    meta = getattr(task, "metadata", {}) or {}
    missing = [f for f in ("observation_dim", "history", "action_dim") if f not in meta]
    if missing:
        raise InputError(
            f"task {getattr(task, 'name', task)!r} is not an MDP task (its metadata lacks "
            f"{', '.join(missing)}); build it with load_task('cartpole:...')"
        )
    if num_queries is not None and key is None:
        raise InputError("rl_bound_inputs: num_queries needs a key to choose the queries")
    mle = intrinsic_dimension_mle(
        jax.random.key(0) if key is None else key, task.x_train, k=k, num_queries=num_queries
    )
    p, T = int(meta["observation_dim"]), int(meta["history"])
    return {
        "m": p * T,
        "m_intrinsic": mle.rounded,
        "m_intrinsic_raw": float(mle.value),
        "D": int(meta["action_dim"]),
        "n": int(task.n_train),
        "delta": float(delta),
        "target_error": float(target_error),
        "observation_dim": p,
        "history": T,
    }
