r"""The sharded sampling core: every hypothesis sampler runs on :func:`map_hypotheses`.

**Index -> key rule.** Hypothesis :math:`i` (a global uint32 index, :math:`0 \le i < 2^{32}`) of
the job with key :math:`k` draws all its randomness from
:math:`k_i = \operatorname{fold\_in}(k, i)` (:func:`hypothesis_keys`), and nothing else.

**Invariance.** A sampler is a pure one-hypothesis function ``one(key_i, *args)``;
:func:`map_hypotheses` vmaps it over chunks of consecutive indices, shards each chunk over the
devices of a one-axis mesh (:func:`local_mesh`, axis ``"hypotheses"``), pads the last chunk and
trims the padding. So hypothesis :math:`i` is the same (to float rounding) for any chunk size,
any device count, any split of the job into ``start``/``stop`` calls and any number of processes
(:func:`process_range` assigns each process a contiguous, chunk-aligned block; :func:`initialize`
starts JAX's multi-process runtime). Chunks are multiples of the device count (explicit chunks
are rounded up); :func:`chunk_size_for` sizes them from the device's free memory.

Example:
  >>> import jax
  >>> from ibcomplexity.sampling import map_hypotheses
  >>> def one(key):
  ...     return jax.random.normal(key)
  >>> a = map_hypotheses(one, jax.random.key(0), 0, 100, chunk=32)
  >>> b = map_hypotheses(one, jax.random.key(0), 40, 60, chunk=8)
  >>> bool((a[40:60] == b).all())
  True

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from ibcomplexity.sampling.core import DEFAULT_CHUNK, check_key, map_hypotheses
from ibcomplexity.sampling.distributed import initialize, process_range
from ibcomplexity.sampling.keys import MAX_HYPOTHESES, hypothesis_keys
from ibcomplexity.sampling.mesh import chunk_size_for, local_mesh, platform_info

__all__ = [
    "DEFAULT_CHUNK",
    "MAX_HYPOTHESES",
    "check_key",
    "chunk_size_for",
    "hypothesis_keys",
    "initialize",
    "local_mesh",
    "platform_info",
    "map_hypotheses",
    "process_range",
]
