r"""The sampling core: a pure per-hypothesis function mapped over a range of global indices,
in chunks, sharded over the devices of a mesh.

Hypothesis :math:`i` is :math:`y_i = \text{one}(k_i, \text{args})` with
:math:`k_i = \operatorname{fold\_in}(k, i)` (:func:`~ibcomplexity.sampling.keys.hypothesis_keys`).
:func:`map_hypotheses` computes :math:`y_{\text{start}}, \dots, y_{\text{stop}-1}`:

1. the range is cut into chunks of ``chunk`` consecutive indices (a multiple of the device count
   ``n``); the last chunk is padded with the indices that follow (modulo :math:`2^{32}`), so every
   chunk has the same shape and the chunk function compiles once;
2. a chunk's uint32 indices ``first + arange(chunk)`` are sharded over the mesh with
   ``NamedSharding(mesh, P("hypotheses"))`` (``chunk / n`` consecutive indices per device; they
   are built on the devices, so a chunk costs one scalar transfer) and the key and arguments are
   replicated (``P()``);
3. the jitted chunk function folds the indices into the key and ``vmap``\ s ``one`` over them;
   each device computes its share, no communication is needed (a pure per-hypothesis map is
   embarrassingly parallel, so the core uses ``jit`` with shardings, not ``shard_map``: that would
   only be needed for collectives such as an on-device reduction over hypotheses);
4. the chunk is copied back to the host, its padding trimmed, and ``progress(done, total)``
   called; the next chunk is dispatched before waiting for the previous one (one chunk of
   lookahead), so the device never idles on the host copy.

Invariance: :math:`y_i` depends only on :math:`k` , :math:`i` and ``args``, so the results do not
depend on the chunk size, the number of devices, padding, or how a job is split over calls
(``start``) or processes. Up to float rounding: XLA may vectorise a reduction inside ``one``
differently for another per-device batch width (relative differences ~1e-7 in float32 have been
seen), so tests compare with ``rtol=1e-6`` across device counts.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  JAX documentation, *Distributed arrays and automatic parallelization* (``jax.jit`` with
  ``NamedSharding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.sampling.keys import MAX_HYPOTHESES, hypothesis_keys
from ibcomplexity.sampling.mesh import local_mesh, round_chunk

__all__ = ["DEFAULT_CHUNK", "check_key", "map_hypotheses"]

# Chunk used when none is given: small enough for light per-hypothesis functions on any device;
# heavy ones should pass ``chunk`` (e.g. from ``chunk_size_for``).
DEFAULT_CHUNK = 1024


def _map_chunk(one, key, first, args, *, chunk, sharding):
    """``one(fold_in(key, i), *args)`` for ``i = first .. first + chunk - 1`` (mod 2^32).

    The indices are built on the devices, each device its own share (the sharding constraint
    makes the partitioner split the iota), so a chunk costs one scalar transfer, not an index
    array.
    """
    indices = jax.lax.with_sharding_constraint(
        first + jnp.arange(chunk, dtype=jnp.uint32), sharding
    )
    keys = hypothesis_keys(key, indices)
    out = jax.vmap(one, in_axes=(0,) + (None,) * len(args))(keys, *args)
    # Keep every output sharded like the indices (each device returns its own hypotheses).
    return jax.lax.with_sharding_constraint(out, sharding)


# The sampling-core entry point: compiled once per (one, chunk, sharding, argument shapes and
# dtypes). ``one`` is static, so it must be hashable and stable across calls: a module-level
# function or a frozen dataclass with ``__call__``, not a fresh lambda.
_map_chunk_jit = jax.jit(_map_chunk, static_argnames=("one", "chunk", "sharding"))


def check_key(key) -> jax.Array:
    """Validate a single JAX PRNG key, typed (``jax.random.key``) or raw (``PRNGKey``)."""
    if isinstance(key, jax.Array) and jax.numpy.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise InputError(f"key must be a single PRNG key, got an array of shape {key.shape}")
        return key
    if isinstance(key, jax.Array) and key.dtype == np.uint32 and key.shape == (2,):
        return key
    raise InputError(
        f"key must be a JAX PRNG key such as jax.random.key(0), got {type(key).__name__}"
        + (f" of dtype {key.dtype}, shape {key.shape}" if hasattr(key, "dtype") else "")
    )


def map_hypotheses(
    one: Callable[..., Any],
    key: jax.Array,
    start: int,
    stop: int,
    *,
    args: tuple = (),
    mesh: Mesh | None = None,
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    r"""Hypotheses ``start .. stop - 1`` of the job with ``key``: ``one(fold_in(key, i), *args)``.

    See the module docstring for the chunking, sharding and invariance rules.

    Args:
      one: the pure per-hypothesis function ``one(key_i, *args) -> pytree of arrays``; static
        (hashable; a module-level function or a frozen dataclass, so that repeated calls reuse
        the compilation).
      key: the job key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
      start: global index of the first hypothesis, ``0 <= start <= stop``.
      stop: one past the last global index, ``stop <= 2^32``.
      args: arguments passed unchanged to every call of ``one`` (a tuple of pytrees of arrays;
        replicated on every device).
      mesh: the devices to shard over (default :func:`~ibcomplexity.sampling.mesh.local_mesh`:
        all local devices); hypotheses are split over all of its axes.
      chunk: hypotheses per jitted call (default ``min(stop - start, 1024)``); *rounded up* to a
        multiple of the mesh's device count (the extra slots are padding, then trimmed).
      progress: optional ``progress(done, total)`` called after each chunk, ``done`` counting
        from 0 to ``total = stop - start``.

    Returns:
      ``one``'s output pytree with numpy leaves, each with a leading axis of length
      ``stop - start`` (hypothesis ``start + j`` at position ``j``). An empty range returns
      empty leaves of the right trailing shapes and dtypes.

    Raises:
      InputError: for a bad key, range, chunk, mesh or progress.

    Example:
      >>> def one(k, scale):
      ...     return {"x": scale * jax.random.normal(k, (3,))}
      >>> out = map_hypotheses(one, jax.random.key(0), 10, 20, args=(2.0,), chunk=4)
      >>> out["x"].shape
      (10, 3)
    """
    if not callable(one):
        raise InputError(f"one must be a callable one(key, *args), got {one!r}")
    try:
        hash(one)
    except TypeError as err:
        raise InputError(
            f"one must be hashable (it is a static argument of the jitted chunk), got {one!r}"
        ) from err
    key = check_key(key)
    start = check_int("start", start, minimum=0)
    stop = check_int("stop", stop, minimum=0)
    if stop < start:
        raise InputError(f"stop must be >= start, got start={start}, stop={stop}")
    if stop > MAX_HYPOTHESES:
        raise InputError(
            f"stop must be <= 2^32 = {MAX_HYPOTHESES} (hypothesis indices are uint32), got {stop}"
        )
    if not isinstance(args, tuple):
        raise InputError(f"args must be a tuple of arguments of one, got {type(args).__name__}")
    mesh = local_mesh() if mesh is None else mesh
    if not isinstance(mesh, Mesh):
        raise InputError(f"mesh must be a jax.sharding.Mesh (see local_mesh), got {mesh!r}")
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be a callable progress(done, total), got {progress!r}")
    total = stop - start
    chunk = min(max(total, 1), DEFAULT_CHUNK) if chunk is None else check_int("chunk", chunk)
    chunk = round_chunk(chunk, int(mesh.size))

    sharded = NamedSharding(mesh, PartitionSpec(tuple(mesh.axis_names)))
    replicated = NamedSharding(mesh, PartitionSpec())
    key = jax.device_put(key, replicated)
    args = jax.device_put(args, replicated)
    if total == 0:
        shapes = jax.eval_shape(
            lambda k, a: _map_chunk(one, k, np.uint32(0), a, chunk=chunk, sharding=sharded),
            key,
            args,
        )
        return jax.tree.map(lambda s: np.empty((0,) + s.shape[1:], s.dtype), shapes)

    outs = None
    pending = None
    for offset in range(0, total, chunk):
        # Dispatch this chunk before waiting for the previous one (one chunk of lookahead).
        first = np.uint32(start + offset)  # < 2^32; the padded tail wraps past 2^32
        result = _map_chunk_jit(one, key, first, args, chunk=chunk, sharding=sharded)
        if pending is not None:
            outs = _store(outs, *pending, chunk, total, progress)
        pending = (offset, result)
    return _store(outs, *pending, chunk, total, progress)


def _store(outs, offset, result, chunk, total, progress):
    """Copy a finished chunk (minus padding) into the host outputs and report progress."""
    host = jax.device_get(result)
    if outs is None:
        outs = jax.tree.map(lambda r: np.empty((total,) + r.shape[1:], r.dtype), host)
    n = min(chunk, total - offset)
    for out, r in zip(jax.tree.leaves(outs), jax.tree.leaves(host), strict=True):
        out[offset : offset + n] = r[:n]
    if progress is not None:
        progress(offset + n, total)
    return outs
