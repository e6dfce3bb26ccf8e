r"""Chunked distance kernels: k nearest neighbours, cross-class minima, sampled pairs.

Every kernel works on fixed-size blocks so that memory is bounded by the block size, not by the
number of points, and so that a kernel is compiled once per block shape. Squared distances between
blocks use the GEMM expansion

.. math:: \|a - b\|^2 = \|a\|^2 + \|b\|^2 - 2\, a^\top b

in float32 with ``precision=HIGHEST`` (so that GPUs do not drop to TF32). The expansion is fast but
loses accuracy through cancellation when :math:`\|a-b\| \ll \|a\|`; callers therefore use it only
to *select* neighbours or candidate rows, and recompute the selected distances exactly from the
original values in float64 by direct differences (:func:`distances_f64`, :func:`row_min_f64`).

The functions named ``*_chunk`` and ``*_block`` are the chunk-loop entry points and are the only
jitted functions here; the Python loops that drive them live with the estimators, which report
progress between calls.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, PartitionSpec

__all__ = [
    "block_size",
    "pad_blocks",
    "device_blocks",
    "device_rows",
    "sq_distances",
    "knn_chunk",
    "knn_group",
    "cross_min_chunk",
    "cross_min_group",
    "stats_mesh",
    "sample_pair_block",
    "pair_top_block",
    "pair_top_step",
    "projection_basis",
    "project_f64",
    "nearest_distances",
    "distances_f64",
    "row_min_f64",
]

_HIGHEST = jax.lax.Precision.HIGHEST
# Smallest block: tiny inputs are padded up to it so that small problems share compilations.
_MIN_BLOCK = 16
# Rows per float64 block in the exact recomputations (bounds their temporaries to a few MiB).
_F64_ROWS = 2048
# Queries per block in the exact recomputation of neighbour distances.
_F64_QUERIES = 128
# Extra neighbour candidates selected in float32 before the exact float64 recomputation.
_KNN_MARGIN = 4


def block_size(n: int, chunk_size: int) -> int:
    """Rows per block: ``chunk_size``, or the next power of two >= ``n`` when that is smaller.

    Rounding small problems up to a power of two (at least 16) bounds the number of distinct shapes,
    hence of compilations, when many small data sets are processed (tests, sweeps).
    """
    bucket = max(_MIN_BLOCK, 1 << max(0, math.ceil(math.log2(max(n, 1)))))
    return int(min(chunk_size, bucket))


def pad_blocks(
    x: np.ndarray, block: int, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Centred float32 rows, zero-padded to whole blocks, and their squared norms.

    The rows are centred (mean subtracted in float64) before rounding to float32: distances do not
    change, but the norms that enter the GEMM expansion, and with them its rounding error, shrink
    for data far from the origin.

    Args:
      x: ``(n, d)`` points; ``block``: rows per block; ``order``: optional ``(m,)`` rows of ``x`` to
        take, in this order (default: all, as they are).

    Returns:
      ``(nb * block, d)`` float32 rows and ``(nb * block,)`` float32 squared norms of those rows
      (summed in float64, then rounded); padding rows are zero.
    """
    m, d = (x.shape[0] if order is None else order.size), x.shape[1]
    nb = -(-m // block)
    rows = np.arange(m) if order is None else order
    mean = np.zeros(d)
    for s in range(0, m, _F64_ROWS):
        mean += np.sum(x[rows[s : s + _F64_ROWS]], axis=0, dtype=np.float64)
    mean /= m
    xp = np.zeros((nb * block, d), np.float32)
    for s in range(0, m, _F64_ROWS):
        xp[s : min(m, s + _F64_ROWS)] = x[rows[s : s + _F64_ROWS]] - mean
    sq = np.einsum("ij,ij->i", xp, xp, dtype=np.float64).astype(np.float32)
    return xp, sq


@partial(jax.jit, donate_argnums=0)
def _put_block(blocks, rows, b):
    """``blocks`` with block ``b`` replaced by ``rows`` (donated: updated in place)."""
    return jax.lax.dynamic_update_slice(blocks, rows[None], (b, 0, 0))


def _mean(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float64 mean of ``x[rows]``, accumulated in row blocks (as :func:`pad_blocks`)."""
    mean = np.zeros(x.shape[1])
    for s in range(0, rows.size, _F64_ROWS):
        mean += np.sum(x[rows[s : s + _F64_ROWS]], axis=0, dtype=np.float64)
    return mean / rows.size


@partial(jax.jit, donate_argnums=0)
def _put_rows(buf, rows, start):
    """``buf`` with ``rows`` written from row ``start`` on (donated: updated in place)."""
    return jax.lax.dynamic_update_slice(buf, rows, (start, 0))


def device_rows(
    x: np.ndarray, order: np.ndarray | None = None
) -> tuple[jax.Array, np.ndarray, np.ndarray]:
    """``pad_blocks(x, 1, order)`` straight onto the device: the ``(m, d)`` centred float32 rows
    (filled in place, ``_F64_ROWS`` at a time), their squared norms and the float64 mean, without
    a second host copy of the data. ``(x[order[i]] - mean).astype(float32)`` is row ``i``."""
    m, d = (x.shape[0] if order is None else order.size), x.shape[1]
    rows = np.arange(m) if order is None else order
    mean = _mean(x, rows)
    buf = jnp.zeros((m, d), jnp.float32)
    sq = np.empty(m, np.float32)
    step = _F64_ROWS
    for s in range(0, m, step):
        part = (x[rows[s : s + step]] - mean).astype(np.float32)
        sq[s : s + part.shape[0]] = np.einsum("ij,ij->i", part, part, dtype=np.float64).astype(
            np.float32
        )
        buf = _put_rows(buf, jnp.asarray(part), s)
    return buf, sq, mean


def device_blocks(
    x: np.ndarray, block: int, order: np.ndarray | None = None
) -> tuple[jax.Array, np.ndarray]:
    """:func:`pad_blocks` straight onto the device, block by block: ``(nb, block, d)`` float32
    blocks and the squared norms, with the same values, but without a second host copy of the
    data (the device buffer is filled in place), so the host holds ``x`` plus one block."""
    m, d = (x.shape[0] if order is None else order.size), x.shape[1]
    nb = -(-m // block)
    rows = np.arange(m) if order is None else order
    mean = _mean(x, rows)
    blocks = jnp.zeros((nb, block, d), jnp.float32)
    sq = np.zeros(nb * block, np.float32)
    for b in range(nb):
        part = np.zeros((block, d), np.float32)
        take = rows[b * block : (b + 1) * block]
        part[: take.size] = x[take] - mean
        sq[b * block : b * block + block] = np.einsum(
            "ij,ij->i", part, part, dtype=np.float64
        ).astype(np.float32)
        blocks = _put_block(blocks, jnp.asarray(part), b)
    return blocks, sq


def sq_distances(xa: jax.Array, sqa: jax.Array, xb: jax.Array, sqb: jax.Array) -> jax.Array:
    r"""All squared distances between the rows of ``xa`` and ``xb`` by the GEMM expansion.

    :math:`D_{ij} = \|a_i\|^2 + \|b_j\|^2 - 2 a_i^\top b_j`; may be slightly negative for
    (near-)coincident rows. See the module docstring for its accuracy.
    """
    gram = jnp.dot(xa, xb.T, precision=_HIGHEST)
    return sqa[:, None] + sqb[None, :] - 2.0 * gram


def _knn(xb, sqb, n_valid, xq, sqq, q_idx, *, k: int):
    """Indices of the ``k`` nearest points to each query, excluding the query itself.

    Args:
      xb, sqb: all points as ``(nb, B, d)`` blocks and their squared norms (from
        :func:`pad_blocks`).
      n_valid: number of real points (the rest of the last block is padding).
      xq, sqq: ``(Q, d)`` query rows and their squared norms.
      q_idx: ``(Q,)`` index of each query among the points (its own column is skipped); padding
        queries may use any value.
      k: neighbours to keep.

    Returns:
      ``(Q, k)`` float32 squared distances (GEMM expansion, ascending) and int32 indices.
    """
    nb, block, _ = xb.shape
    q = xq.shape[0]
    offsets = jnp.arange(block, dtype=jnp.int32)

    def body(b, carry):
        best_d, best_i = carry
        d2 = sq_distances(xq, sqq, xb[b], sqb[b])
        cols = b * block + offsets
        skip = (cols[None, :] >= n_valid) | (cols[None, :] == q_idx[:, None])
        d2 = jnp.where(skip, jnp.inf, d2)
        all_d = jnp.concatenate([best_d, d2], axis=1)
        all_i = jnp.concatenate([best_i, jnp.broadcast_to(cols, (q, block))], axis=1)
        neg, pos = jax.lax.top_k(-all_d, k)
        return -neg, jnp.take_along_axis(all_i, pos, axis=1)

    init = (jnp.full((q, k), jnp.inf, jnp.float32), jnp.full((q, k), -1, jnp.int32))
    return jax.lax.fori_loop(0, nb, body, init)


knn_chunk = partial(jax.jit, static_argnames=("k",))(_knn)


@partial(jax.jit, static_argnames=("k", "mesh"))
def knn_group(xb, sqb, n_valid, xq, sqq, q_idx, *, k: int, mesh):
    """:func:`knn_chunk` for one block of queries per device of ``mesh`` at once: ``xq``
    ``(D, Q, d)``, ``sqq`` and ``q_idx`` ``(D, Q)`` are split over the mesh, the points
    replicated; each device runs the single-device program on its block."""
    axis = mesh.axis_names

    def local(xb, sqb, n_valid, xq, sqq, qi):
        return jax.vmap(lambda a, b, c: _knn(xb, sqb, n_valid, a, b, c, k=k))(xq, sqq, qi)

    spec, rep = PartitionSpec(axis), PartitionSpec()
    return jax.shard_map(
        local,
        mesh=mesh,
        in_specs=(rep, rep, rep, spec, spec, spec),
        out_specs=(spec, spec),
        check_vma=False,
    )(xb, sqb, n_valid, xq, sqq, q_idx)


def stats_mesh(mesh=None):
    """The devices the statistics split their row blocks over (default: all local devices)."""
    from ibcomplexity.sampling.mesh import local_mesh

    if mesh is None:
        return local_mesh()
    if not isinstance(mesh, Mesh):
        from ibcomplexity._validation import InputError

        raise InputError(f"mesh must be a jax.sharding.Mesh (see local_mesh), got {mesh!r}")
    return mesh


def _cross_min(xb, sqb, n_valid, row_block, col_start, first_block):
    """Per-row minimum squared distance to the columns ``col_start[r] <= j < n_valid``.

    With rows sorted by class and ``col_start[r]`` the first row of the next class, this covers
    every cross-class pair exactly once (rows of class c against columns of classes > c).

    Args:
      xb, sqb: all points as ``(nb, B, d)`` blocks and squared norms (from :func:`pad_blocks`).
      n_valid: number of real points.
      row_block: which block of rows this chunk is.
      col_start: ``(B,)`` first admissible column of each row (``>= n_valid`` for none).
      first_block: first block holding an admissible column of any row of the chunk.

    Returns:
      ``(B,)`` float32 row minima of the GEMM-expansion squared distances (``inf`` for none) and
      the int32 column of each.
    """
    nb, block, _ = xb.shape
    xr, sqr = xb[row_block], sqb[row_block]
    offsets = jnp.arange(block, dtype=jnp.int32)

    def body(b, carry):
        best, arg = carry
        d2 = sq_distances(xr, sqr, xb[b], sqb[b])
        cols = b * block + offsets
        skip = (cols[None, :] < col_start[:, None]) | (cols[None, :] >= n_valid)
        d2 = jnp.where(skip, jnp.inf, d2)
        pos = jnp.argmin(d2, axis=1)
        m = jnp.take_along_axis(d2, pos[:, None], axis=1)[:, 0]
        better = m < best
        return jnp.where(better, m, best), jnp.where(better, b * block + pos.astype(jnp.int32), arg)

    init = (jnp.full((block,), jnp.inf, jnp.float32), jnp.full((block,), -1, jnp.int32))
    return jax.lax.fori_loop(first_block, nb, body, init)


cross_min_chunk = jax.jit(_cross_min)


@partial(jax.jit, static_argnames=("mesh",))
def cross_min_group(xb, sqb, n_valid, row_blocks, col_starts, first_block, *, mesh):
    """:func:`cross_min_chunk` for one row block per device of ``mesh`` at once.

    ``row_blocks`` ``(D,)`` and ``col_starts`` ``(D, B)`` are split over the mesh (D a multiple
    of its size); the points are replicated. Each device runs exactly the program a single
    device runs for its row block, so the row minima do not depend on the device count.
    Returns ``(D, B)`` minima and columns.
    """
    axis = mesh.axis_names

    def local(xb, sqb, n_valid, rb, cs, fb):
        return jax.vmap(lambda r, c: _cross_min(xb, sqb, n_valid, r, c, fb))(rb, cs)

    spec, rep = PartitionSpec(axis), PartitionSpec()
    return jax.shard_map(
        local,
        mesh=mesh,
        in_specs=(rep, rep, rep, spec, spec, rep),
        out_specs=(spec, spec),
        check_vma=False,
    )(xb, sqb, n_valid, row_blocks, col_starts, first_block)


@partial(jax.jit, static_argnames=("length",))
def sample_pair_block(key, block_index, offsets, counts, cdf, *, length: int):
    r"""One block of uniformly random ordered cross-class pairs, in class-sorted indices.

    Class ``c`` is drawn with probability :math:`n_c (n - n_c) / \sum_{c'} n_{c'}(n - n_{c'})`
    (inverse CDF), ``i`` uniformly among its ``n_c`` points and ``j`` uniformly among the
    :math:`n - n_c` points of the other classes, so every ordered cross-class pair has the same
    probability. The block depends only on ``key`` and ``block_index`` (via ``fold_in``).

    Args:
      key: PRNG key of the whole stream.
      block_index: which block.
      offsets, counts: ``(C,)`` first sorted index and size of each class.
      cdf: ``(C,)`` cumulative class probabilities (last entry 1).
      length: pairs per block.

    Returns:
      two ``(length,)`` int32 arrays ``i``, ``j`` of class-sorted point indices.
    """
    k_class, k_i, k_j = jax.random.split(jax.random.fold_in(key, block_index), 3)
    n = jnp.sum(counts)
    u = jax.random.uniform(k_class, (length,), jnp.float32)
    c = jnp.minimum(jnp.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)
    nc = counts[c]
    off = offsets[c]
    i = off + jax.random.randint(k_i, (length,), 0, nc, dtype=jnp.int32)
    r = jax.random.randint(k_j, (length,), 0, n - nc, dtype=jnp.int32)
    j = jnp.where(r < off, r, r + nc)
    return i, j


def _merge_top(state, d2, ci, cj, ok, min_sq_distance, num_keep):
    """Fold candidate pairs (``ok``) into the running smallest squared distances."""
    best_d, best_i, best_j, discarded = state
    low = ok & (d2 < min_sq_distance)
    d2 = jnp.where(ok & ~low, d2, jnp.inf)
    neg, pos = jax.lax.top_k(-jnp.concatenate([best_d, d2]), num_keep)
    return (
        -neg,
        jnp.concatenate([best_i, ci])[pos],
        jnp.concatenate([best_j, cj])[pos],
        discarded + jnp.sum(low, dtype=jnp.int32),
    )


def _pair_sq_distances(x, i, j):
    """Float32 squared distances of the pairs ``(i, j)`` by direct differences."""
    diff = x[i] - x[j]
    # A matrix-vector product sums the squares much faster than a reduction on XLA:CPU.
    return jnp.dot(diff * diff, jnp.ones((x.shape[1],), x.dtype), precision=_HIGHEST)


# Slack of the projection screen, relative to the threshold and to the rows' norms: far above the
# float32 rounding of the projections, of the inputs and of the basis' orthonormality (all near
# 2**-24 = 6e-8); the caller adds the worst-case summation error of a d-term float32 distance.
_SCREEN_REL = 1e-3
_SCREEN_ABS = 1e-5


@partial(jax.jit, static_argnames=("chunk", "num_keep"))
def pair_top_step(x, i, j, step, start, num_valid, min_sq_distance, carry, *, chunk, num_keep):
    """Fold step ``step`` (pairs ``step*chunk ... step*chunk+chunk-1``) of a block into the carry.

    Every distance of the step is computed (direct differences in float32). ``chunk`` must divide
    the block length. Pairs at positions outside ``[start, num_valid)`` are ignored; pairs with
    squared distance below ``min_sq_distance`` are discarded and counted.

    Args:
      x: ``(n, d)`` float32 points.
      i, j: ``(L,)`` pair indices from :func:`sample_pair_block`.
      step: which step of the block; ``start``, ``num_valid``: the positions that count.
      min_sq_distance: discard threshold (``0`` keeps every pair).
      carry: ``(best_d2, best_i, best_j, num_discarded)`` with ``(num_keep,)`` arrays, ascending.

    Returns:
      the updated carry.
    """
    ii = jax.lax.dynamic_slice_in_dim(i, step * chunk, chunk)
    jj = jax.lax.dynamic_slice_in_dim(j, step * chunk, chunk)
    pos = step * chunk + jnp.arange(chunk)
    ok = (pos >= start) & (pos < num_valid)
    d2 = _pair_sq_distances(x, ii, jj)
    return _merge_top(carry, d2, ii, jj, ok, min_sq_distance, num_keep)


@partial(jax.jit, static_argnames=("chunk", "num_keep", "max_candidates"))
def pair_top_block(
    x,
    z,
    norms,
    i,
    j,
    start,
    num_valid,
    min_sq_distance,
    carry,
    *,
    chunk: int,
    num_keep: int,
    max_candidates: int,
):
    r"""Fold one block of sampled pairs into the running ``num_keep`` smallest distances.

    The block is processed ``chunk`` pairs per step (``chunk`` must divide its length). With
    ``z=None`` every distance is computed. Otherwise each step first screens its pairs with the
    lower bound :math:`\|z_i - z_j\| \le \|x_i - x_j\|`, where ``z = x V`` are projections on a
    basis V with orthonormal columns (leading principal axes):
    only pairs whose projected distance is below the current ``num_keep``-th smallest distance
    (plus a rounding slack) can enter the running set, and only their full distances are computed
    (direct differences in float32). A step with more than ``max_candidates`` such pairs is left
    out and flagged; the caller must fold it in with :func:`pair_top_step`. The order in which
    steps are folded does not change the final set, so the result is exactly that of computing
    every distance; the screen only saves work (on MNIST it skips more than 99% of the
    784-dimensional distances).

    Pairs at positions outside ``[start, num_valid)`` are ignored; pairs with squared distance
    below ``min_sq_distance`` are discarded and counted (such pairs always pass the screen, since
    the running threshold is never below ``min_sq_distance``).

    Args:
      x: ``(n, d)`` float32 points; ``z``: ``(n, r)`` float32 projections or None;
        ``norms``: ``(n,)`` float32 row norms of ``x`` (for the screen's slack).
      i, j: ``(L,)`` pair indices from :func:`sample_pair_block`.
      start, num_valid: the positions of this block that count.
      min_sq_distance: discard threshold (``0`` keeps every pair).
      carry: ``(best_d2, best_i, best_j, num_discarded)`` with ``(num_keep,)`` arrays, ascending.
      chunk: pairs per step; ``num_keep``: order statistics kept; ``max_candidates``: the most
        full distances a screened step computes.

    Returns:
      the updated carry and a ``(L // chunk,)`` bool array flagging the steps left out.
    """
    steps = i.shape[0] // chunk
    d = x.shape[1]
    i = i.reshape(steps, chunk)
    j = j.reshape(steps, chunk)
    pos = jnp.arange(steps * chunk).reshape(steps, chunk)
    valid = (pos >= start) & (pos < num_valid)

    def body(state, args):
        ii, jj, vv = args
        if z is None:
            d2 = _pair_sq_distances(x, ii, jj)
            return _merge_top(state, d2, ii, jj, vv, min_sq_distance, num_keep), False
        threshold = jnp.sqrt(state[0][-1])
        projected = jnp.sqrt(_pair_sq_distances(z, ii, jj))
        slack = _SCREEN_ABS * (norms[ii] + norms[jj])
        cand = vv & (projected <= threshold * (1.0 + _SCREEN_REL + 2.0**-24 * d) + slack)
        count = jnp.sum(cand, dtype=jnp.int32)
        overflow = count > max_candidates
        sel = jnp.nonzero(cand, size=max_candidates, fill_value=0)[0]
        ok = (jnp.arange(max_candidates) < count) & ~overflow
        ci, cj = ii[sel], jj[sel]
        d2 = _pair_sq_distances(x, ci, cj)
        return _merge_top(state, d2, ci, cj, ok, min_sq_distance, num_keep), overflow

    return jax.lax.scan(body, carry, (i, j, valid))


def projection_basis(x: np.ndarray, rank: int, *, sample: int = 512) -> tuple[np.ndarray, float]:
    """Leading principal axes of ``x`` from an evenly spaced subsample of its rows.

    Computed from the eigendecomposition of the subsample's ``sample x sample`` Gram matrix (cheaper
    than an SVD when ``d`` is large), then re-orthonormalised by QR.

    Returns:
      the ``(d, r)`` float64 basis with orthonormal columns (``r <= rank``) and the fraction of the
      subsample's variance it captures. Any orthonormal basis gives a valid lower bound for the
      screen in :func:`pair_top_block`; the principal axes make it tight.
    """
    rows = np.unique(np.linspace(0, x.shape[0] - 1, min(sample, x.shape[0])).astype(np.int64))
    sub = x[rows].astype(np.float64)
    sub -= sub.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(sub @ sub.T)
    total = float(np.sum(np.maximum(eigval, 0.0)))
    top = np.argsort(eigval)[::-1][:rank]
    top = top[eigval[top] > 1e-10 * max(total, np.finfo(float).tiny)]
    if top.size == 0:
        return np.zeros((x.shape[1], 0)), 0.0
    basis, _ = np.linalg.qr(sub.T @ (eigvec[:, top] / np.sqrt(eigval[top])))
    return basis, float(np.sum(eigval[top]) / total)


def project_f64(x: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """``x @ basis`` computed in float64 (in row blocks) and rounded to float32.

    Float64 keeps the projections' error at float32 rounding, which the screen's slack covers.
    """
    out = np.empty((x.shape[0], basis.shape[1]), np.float32)
    for s in range(0, x.shape[0], _F64_ROWS):
        out[s : s + _F64_ROWS] = x[s : s + _F64_ROWS].astype(np.float64) @ basis
    return out


def nearest_distances(
    x: np.ndarray, queries: np.ndarray, k: int, chunk_size: int, progress=None, mesh=None
):
    """Exact float64 distances from each query to its ``k`` nearest other points, ascending.

    The ``k + 4`` nearest candidates are selected with the float32 GEMM expansion
    (:func:`knn_group`: one block of queries per device of ``mesh``, default all local devices);
    their distances are recomputed from ``x`` in float64 by direct differences and the ``k``
    smallest kept, so float32 rounding can only matter when more than four neighbours tie with
    the k-th to within it. Every device runs the same program on its block, so the result does
    not depend on the device count.

    Args:
      x: ``(n, d)`` distinct points; ``queries``: ``(q,)`` indices into ``x``.
      k: neighbours; ``chunk_size``: rows per block; ``progress``: ``progress(done, total)``.
      mesh: a one-axis device mesh (:func:`~ibcomplexity.sampling.local_mesh`).

    Returns:
      ``(q, k)`` float64 array.
    """
    mesh = stats_mesh(mesh)
    devices = int(mesh.size)
    n, d = x.shape
    block = block_size(n, chunk_size)
    xb, sq = device_blocks(x, block)  # queries are gathered on the device; exact distances from x
    sqb = jnp.asarray(sq.reshape(-1, block))
    qblock = block_size(queries.size, chunk_size)
    k_select = min(k + _KNN_MARGIN, n - 1)
    out = np.empty((queries.size, k), np.float64)
    step = qblock * devices
    for start in range(0, queries.size, step):
        q = queries[start : start + step]
        q_pad = np.zeros(step, np.int64)
        q_pad[: q.size] = q
        _, idx = knn_group(
            xb,
            sqb,
            n,
            xb[q_pad // block, q_pad % block].reshape(devices, qblock, d),
            jnp.asarray(sq[q_pad].reshape(devices, qblock)),
            jnp.asarray(q_pad.astype(np.int32).reshape(devices, qblock)),
            k=k_select,
            mesh=mesh,
        )
        idx = np.asarray(idx).reshape(step, k_select)[: q.size]
        # In sub-blocks, so that the (queries, k, d) float64 temporaries stay a few MiB.
        for s in range(0, q.size, _F64_QUERIES):
            sub = idx[s : s + _F64_QUERIES]
            diff = x[sub].astype(np.float64) - x[q[s : s + _F64_QUERIES], None, :]
            dist = np.sqrt(np.einsum("qkd,qkd->qk", diff, diff))
            out[start + s : start + s + sub.shape[0]] = np.sort(dist, axis=1)[:, :k]
        if progress is not None:
            progress(start + q.size, queries.size)
    return out


def distances_f64(x: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Float64 distances ``|x[i] - x[j]|`` by direct differences, in bounded-memory blocks."""
    out = np.empty(len(i), np.float64)
    for s in range(0, len(i), _F64_ROWS):
        diff = x[i[s : s + _F64_ROWS]].astype(np.float64) - x[j[s : s + _F64_ROWS]]
        out[s : s + _F64_ROWS] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def row_min_f64(
    x: np.ndarray, order: np.ndarray, r: int, start: int, stop: int
) -> tuple[float, int]:
    """Exact float64 minimum distance from ``x[order[r]]`` to the rows ``x[order[j]]``,
    ``start <= j < stop``, and the minimising ``j``."""
    a = x[order[r]].astype(np.float64)
    best, arg = math.inf, -1
    for s in range(start, stop, _F64_ROWS):
        diff = x[order[s : min(stop, s + _F64_ROWS)]].astype(np.float64) - a
        d2 = np.einsum("ij,ij->i", diff, diff)
        p = int(np.argmin(d2))
        if d2[p] < best:
            best, arg = float(d2[p]), s + p
    return math.sqrt(best), arg
