r"""Monte-Carlo test losses of GP posterior samples, in chunks of bounded memory.

A posterior sample is :math:`F = \mu + U_r \operatorname{diag}(\sqrt{\lambda_r}) Z`,
:math:`Z \sim N(0, I)` of shape (rank, k), where :math:`U_r` holds the eigenvectors of the
``rank`` positive eigenvalues :math:`\lambda_r` of :math:`\Sigma` (this is
:math:`\Sigma^{1/2} Z'` for the symmetric square root up to a rotation of the Gaussian
:math:`Z'`, which leaves the law of the loss unchanged). Its per-entry test MSE is

.. math::

   \mathrm{MSE}(F) = \frac{1}{mk} \|(\mu - Y_*) + U_r D Z\|_F^2
                   = \frac{1}{mk} \|R_r + D Z\|_F^2 + c_0,
   \qquad D = \operatorname{diag}(\sqrt{\lambda_r}),

because :math:`U` is orthogonal: rotating by :math:`U^\top` gives :math:`R = U^\top(\mu - Y_*)`,
whose first ``rank`` rows :math:`R_r` meet the noise and whose other rows only contribute the
constant :math:`c_0 = \|R_{\lambda=0}\|^2/(mk)`. Expanding,
:math:`\|R_r + DZ\|^2 = \|R_r\|^2 + 2\langle R_r, DZ\rangle + \|DZ\|^2`; the code sums the squares
of :math:`R_r + DZ` directly (same cost, no cancellation). Each sample then costs
:math:`O(\text{rank}\cdot k)` instead of the :math:`O(m\cdot\text{rank}\cdot k)` of forming
:math:`F` (:func:`loss_one_direct`, kept for tests and benchmarks).

Randomness: sample :math:`i` uses ``jax.random.fold_in(key, i)`` (global index, the rule of
:mod:`ibcomplexity.sampling.keys`), so the losses do not depend on the chunk size or the device
count; its normals come from :func:`standard_normal` (Box-Muller). :func:`loss_one` is the
one-sample function; :func:`sample_losses` runs it on the sampling core
(:func:`~ibcomplexity.sampling.map_hypotheses`), which vmaps it over chunks sharded over the
local devices, jits the chunk once per (chunk shape, dtype) -- the last chunk is padded, not
recompiled -- and loops over chunks in Python, reporting progress.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.hypotheses.gp import GPPosterior
from ibcomplexity.sampling.core import _map_chunk_jit, check_key, map_hypotheses
from ibcomplexity.sampling.mesh import local_mesh

__all__ = [
    "DirectLossTerms",
    "LossTerms",
    "default_chunk_size",
    "direct_loss_terms",
    "loss_from_normal",
    "loss_from_normal_direct",
    "loss_one",
    "loss_one_direct",
    "loss_terms",
    "sample_losses",
    "standard_normal",
]

_HIGHEST = jax.lax.Precision.HIGHEST
# Hard bound on a chunk's (chunk, m, k) array (the direct form materialises it): 256 MiB.
CHUNK_BYTES = 256 * 2**20
# Default budget for the normals of one chunk, (chunk, rank, k) values. On CPU, chunks that fit
# in cache run 2-3x faster per sample than ~100 MiB chunks (measured on 2 cores: 4-16 MiB best);
# accelerators want large chunks to amortise dispatch.
CPU_CHUNK_BYTES = 8 * 2**20
# Upper bound on samples per chunk (keeps per-chunk key arrays and outputs small).
MAX_CHUNK = 2**20
# Smallest chunk: small requests are rounded up to a power of two >= this to share compilations.
MIN_CHUNK = 16
# Sample indices are folded into the key as uint32.
MAX_SAMPLES = 2**32


@dataclass(frozen=True)
class LossTerms:
    r"""Arrays of the fast (eigenbasis) loss: ``MSE = |residual + scale[:, None] Z|^2 / N + c0``.

    Attributes:
      residual: ``(rank, k)`` :math:`R_r`, the rotated mean error along positive eigenvalues.
      scale: ``(rank,)`` :math:`\sqrt{\lambda_r}`.
      offset: scalar :math:`c_0`.
      num_entries: N = m k (static).
    """

    residual: jax.Array
    scale: jax.Array
    offset: jax.Array
    num_entries: int


@dataclass(frozen=True)
class DirectLossTerms:
    r"""Arrays of the direct loss ``MSE = mean((mu + basis @ (scale[:, None] Z) - y_test)^2)``.

    Attributes:
      mu: ``(m, k)`` posterior mean.
      y_test: ``(m, k)`` targets.
      basis: ``(m, rank)`` :math:`U_r`.
      scale: ``(rank,)`` :math:`\sqrt{\lambda_r}`.
    """

    mu: jax.Array
    y_test: jax.Array
    basis: jax.Array
    scale: jax.Array


jax.tree_util.register_dataclass(
    LossTerms, data_fields=["residual", "scale", "offset"], meta_fields=["num_entries"]
)
jax.tree_util.register_dataclass(
    DirectLossTerms, data_fields=["mu", "y_test", "basis", "scale"], meta_fields=[]
)


def _x64_scope(dtype) -> contextlib.AbstractContextManager:
    """``jax.enable_x64(True)`` for float64 work, a no-op otherwise."""
    return jax.enable_x64(True) if jnp.dtype(dtype) == jnp.float64 else contextlib.nullcontext()


def _check_dtype(dtype) -> jnp.dtype:
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
        raise InputError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def loss_terms(posterior: GPPosterior, dtype=jnp.float32) -> LossTerms:
    """The :class:`LossTerms` of a posterior, cast to ``dtype``.

    For float64 call it (and use the result) inside ``jax.enable_x64(True)``.
    """
    r = posterior.rank
    res = posterior.residuals
    offset = float(np.sum(res[r:] ** 2) / posterior.num_entries)
    return LossTerms(
        residual=jnp.asarray(res[:r], dtype=dtype),
        scale=jnp.asarray(np.sqrt(posterior.eigenvalues[:r]), dtype=dtype),
        offset=jnp.asarray(offset, dtype=dtype),
        num_entries=posterior.num_entries,
    )


def direct_loss_terms(posterior: GPPosterior, dtype=jnp.float32) -> DirectLossTerms:
    """The :class:`DirectLossTerms` of a posterior, cast to ``dtype``."""
    r = posterior.rank
    return DirectLossTerms(
        mu=jnp.asarray(posterior.mu, dtype=dtype),
        y_test=jnp.asarray(posterior.y_test, dtype=dtype),
        basis=jnp.asarray(posterior.eigenvectors[:, :r], dtype=dtype),
        scale=jnp.asarray(np.sqrt(posterior.eigenvalues[:r]), dtype=dtype),
    )


def loss_from_normal(z: jax.Array, terms: LossTerms) -> jax.Array:
    r"""Per-entry MSE of the sample with standard normal ``z`` (rank, k), eigenbasis form.

    .. math:: \mathrm{MSE} = \|R_r + \operatorname{diag}(\sqrt{\lambda_r}) z\|^2 / (mk) + c_0
    """
    e = terms.residual + terms.scale[:, None] * z
    return jnp.sum(e * e) / terms.num_entries + terms.offset


def loss_from_normal_direct(z: jax.Array, terms: DirectLossTerms) -> jax.Array:
    r"""Per-entry MSE of :math:`F = \mu + U_r \operatorname{diag}(\sqrt{\lambda_r}) z` against
    :math:`Y_*` (the direct :math:`O(m\,\text{rank}\,k)` form)."""
    f = terms.mu + jnp.dot(terms.basis, terms.scale[:, None] * z, precision=_HIGHEST)
    return jnp.mean((f - terms.y_test) ** 2)


def standard_normal(key: jax.Array, shape: tuple[int, ...], dtype=jnp.float32) -> jax.Array:
    r"""Independent standard normals by the Box-Muller transform.

    .. math:: Z_1 = \sqrt{-2\ln U_1}\cos(2\pi U_2), \quad Z_2 = \sqrt{-2\ln U_1}\sin(2\pi U_2)

    for independent uniforms (:math:`U_1 = 1 - u` with ``u = jax.random.uniform`` in [0, 1), so
    the logarithm is finite). Exact in law, like ``jax.random.normal``, whose inverse-erf transform
    costs about as much as generating the random bits: on CPU this sampler is ~1.7x faster per
    normal (measured on 2 cores), and sampling GP losses is bound by normal generation. The
    largest magnitude is :math:`\sqrt{-2\ln 2^{-p}}` for ``p`` mantissa bits (5.6 for float32,
    8.5 for float64), so tails beyond are lost (probability 2e-8 in float32).

    References:
      Box & Muller, *A Note on the Generation of Random Normal Deviates*, Ann. Math. Statist. 29,
      1958.
    """
    n = math.prod(shape)
    half = (n + 1) // 2
    u = jax.random.uniform(key, (2, half), dtype)
    radius = jnp.sqrt(-2.0 * jnp.log1p(-u[0]))
    angle = (2.0 * jnp.pi) * u[1]
    z = jnp.concatenate([radius * jnp.cos(angle), radius * jnp.sin(angle)])
    return z[:n].reshape(shape)


def loss_one(key: jax.Array, terms: LossTerms) -> jax.Array:
    """Test MSE of one posterior sample drawn with ``key`` (fast eigenbasis form)."""
    z = standard_normal(key, terms.residual.shape, terms.residual.dtype)
    return loss_from_normal(z, terms)


def loss_one_direct(key: jax.Array, terms: DirectLossTerms) -> jax.Array:
    """Test MSE of one posterior sample drawn with ``key``: the same normal draw as
    :func:`loss_one`, the loss formed from :math:`F` directly."""
    shape = (terms.basis.shape[1], terms.mu.shape[1])
    z = standard_normal(key, shape, terms.mu.dtype)
    return loss_from_normal_direct(z, terms)


# The sampling-core entry point that runs the chunks (compiled once per one-sample function,
# chunk, sharding, shapes and dtype); this module's name for it is kept for tests that count
# compilations.
_chunk_losses_jit = _map_chunk_jit


def default_chunk_size(
    posterior: GPPosterior,
    num_samples: int,
    dtype=jnp.float32,
    *,
    direct: bool = False,
    devices: int = 1,
) -> int:
    """Samples per chunk.

    Each device's share of the chunk's (chunk, m, k) array stays under 256 MiB
    (:data:`CHUNK_BYTES`); on CPU the fast form's (chunk, rank, k) normals also stay under 8 MiB
    per device (:data:`CPU_CHUNK_BYTES`, cache friendly); at most 2^20 samples per device; small
    requests use the next power of two >= ``num_samples`` (at least 16) so that they share
    compilations. The sampling core rounds the chunk up to a multiple of ``devices``.
    """
    itemsize = jnp.dtype(dtype).itemsize
    budget = CHUNK_BYTES // (max(1, posterior.num_entries) * itemsize)
    if jax.default_backend() == "cpu":
        width = posterior.num_entries if direct else max(1, posterior.rank) * posterior.classes
        budget = min(budget, CPU_CHUNK_BYTES // (max(1, width) * itemsize))
    bucket = max(MIN_CHUNK, 1 << max(0, math.ceil(math.log2(max(num_samples, 1)))))
    return int(max(1, min(budget * devices, bucket, MAX_CHUNK * devices)))


def sample_losses(
    key: jax.Array,
    posterior: GPPosterior,
    num_samples: int,
    *,
    start: int = 0,
    chunk_size: int | None = None,
    dtype=jnp.float32,
    progress: Callable[[int, int], None] | None = None,
    direct: bool = False,
    mesh: Mesh | None = None,
) -> np.ndarray:
    r"""Per-entry test MSEs of ``num_samples`` independent posterior samples.

    Sample :math:`i` draws :math:`Z_i \sim N(0, I_{\text{rank} \times k})` from
    ``jax.random.fold_in(key, i)`` (:func:`~ibcomplexity.sampling.hypothesis_keys`) and returns
    :math:`\|R_r + D Z_i\|^2/(mk) + c_0` (see the module docstring); its law is the generalized
    chi-square of :meth:`~ibcomplexity.hypotheses.gp.GPPosterior.loss_components`. The samples
    are computed by :func:`~ibcomplexity.sampling.map_hypotheses` (one-sample function
    :func:`loss_one`, chunks sharded over the devices of ``mesh``); results are identical for
    every ``chunk_size`` and, to float rounding, every device count.

    Args:
      key: a JAX PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
      posterior: the :class:`~ibcomplexity.hypotheses.gp.GPPosterior`.
      num_samples: number of samples (1 .. 2^32).
      start: global index of the first sample (default 0): the call returns samples
        ``start .. start + num_samples - 1`` of the job with ``key``, exactly the slice
        ``[start:start + num_samples]`` of a bigger run (``start + num_samples <= 2^32``).
      chunk_size: samples per jitted call (default :func:`default_chunk_size`: a chunk's
        (chunk, m, k) array under 256 MiB per device, and its normals under 8 MiB per device on
        CPU); rounded up to a multiple of the mesh's device count.
      dtype: ``jnp.float32`` (default) or ``jnp.float64`` (computed under
        ``jax.enable_x64(True)``).
      progress: optional ``progress(done, total)`` called after each chunk.
      direct: use the direct :math:`O(m\,\text{rank}\,k)` form (tests and benchmarks only; same
        draws, same losses up to rounding).
      mesh: devices to shard the samples over (default
        :func:`~ibcomplexity.sampling.local_mesh`: all local devices).

    Returns:
      A numpy array of shape ``(num_samples,)`` and dtype ``dtype``.

    Example:
      >>> losses = sample_losses(jax.random.key(0), post, 10_000)  # doctest: +SKIP
      >>> abs(losses.mean() - post.mean_mse) < 4 * losses.std() / 100  # doctest: +SKIP
      True
    """
    if not isinstance(posterior, GPPosterior):
        raise InputError(
            f"posterior must be a GPPosterior (see gp_posterior), got {type(posterior).__name__}"
        )
    key = check_key(key)
    num_samples = check_int("num_samples", num_samples, minimum=1)
    if num_samples > MAX_SAMPLES:
        raise InputError(f"num_samples must be <= 2^32 = {MAX_SAMPLES}, got {num_samples}")
    start = check_int("start", start, minimum=0)
    if start + num_samples > MAX_SAMPLES:
        raise InputError(
            f"start + num_samples must be <= 2^32 = {MAX_SAMPLES} (sample indices are uint32), "
            f"got start={start}, num_samples={num_samples}"
        )
    dt = _check_dtype(dtype)
    mesh = local_mesh() if mesh is None else mesh
    if not isinstance(mesh, Mesh):
        raise InputError(f"mesh must be a jax.sharding.Mesh (see local_mesh), got {mesh!r}")
    if chunk_size is None:
        chunk = default_chunk_size(
            posterior, num_samples, dt, direct=bool(direct), devices=int(mesh.size)
        )
    else:
        chunk = check_int("chunk_size", chunk_size, minimum=1)
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be a callable progress(done, total), got {progress!r}")
    with _x64_scope(dt):
        terms = direct_loss_terms(posterior, dt) if direct else loss_terms(posterior, dt)
        return map_hypotheses(
            loss_one_direct if direct else loss_one,
            key,
            start,
            start + num_samples,
            args=(terms,),
            mesh=mesh,
            chunk=chunk,
            progress=progress,
        )
