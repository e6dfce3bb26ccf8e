r"""The one rule that turns a job key and a global hypothesis index into the hypothesis's key.

Hypothesis :math:`i` of the job with key :math:`k` uses

.. math:: k_i = \operatorname{fold\_in}(k, i), \qquad i \in \{0, \dots, 2^{32} - 1\},

with :math:`i` a uint32 (``jax.random.fold_in`` hashes the index into the key with the key's
PRNG implementation, threefry by default). Every sampler of the package (GP losses, trained
networks, the batch runner) derives its randomness from :math:`k_i` only, so hypothesis :math:`i`
is the same whether it is computed alone, in a chunk of any size, on any number of devices or in
any process: that is what makes chunking, sharding, ``start`` offsets and multi-process runs
exact slices of one big run.

References:
  Salmon et al., *Parallel Random Numbers: As Easy as 1, 2, 3*, SC 2011 (threefry).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

__all__ = ["MAX_HYPOTHESES", "hypothesis_keys"]

# Global hypothesis indices are folded into the key as uint32.
MAX_HYPOTHESES = 2**32


def hypothesis_keys(key: jax.Array, indices: ArrayLike) -> jax.Array:
    r"""Keys :math:`k_i = \operatorname{fold\_in}(k, i)` of the hypotheses with global ``indices``.

    Pure and jit/vmap-compatible (the sampling core calls it inside its jitted chunk).

    Args:
      key: the job key, typed (``jax.random.key(seed)``) or raw (``jax.random.PRNGKey(seed)``).
      indices: global hypothesis indices, any shape; cast to uint32 (indices must lie in
        :math:`[0, 2^{32})`: larger ones would wrap, so callers validate them first).

    Returns:
      Keys of shape ``indices.shape`` (typed keys) or ``indices.shape + (2,)`` (raw keys).

    Example:
      >>> keys = hypothesis_keys(jax.random.key(0), jnp.arange(4))
      >>> bool(jnp.all(jax.random.key_data(keys[2])
      ...               == jax.random.key_data(jax.random.fold_in(jax.random.key(0), 2))))
      True
    """
    idx = jnp.asarray(indices).astype(jnp.uint32)
    flat = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, idx.reshape(-1))
    return flat.reshape(idx.shape + flat.shape[1:])
