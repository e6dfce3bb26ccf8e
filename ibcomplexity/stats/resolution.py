r"""The resolution :math:`\delta`: the minimum distance between points of different classes.

The model-agnostic bound needs hypotheses fine enough to separate the two closest points of
different classes, so :math:`\delta = \min_{y_i \ne y_j} \|x_i - x_j\|` sets its cutoff frequency.
Three estimates:

* :func:`min_class_distance`: exact, over all cross-class pairs, in bounded memory.
* :func:`min_class_distance_subset`: exact on a random subset; an upper bound on :math:`\delta`.
* :func:`min_class_distance_extreme_value`: the extreme-value extrapolation of Boopathy et al.
  from a sample of random cross-class pairs (see its docstring for the formulas).

Duplicates: same-label duplicate rows are dropped; identical rows with different labels raise
:class:`~ibcomplexity._validation.InputError` (then :math:`\delta = 0`). Reported pairs are rows of
the original ``x``.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034 (Sec. 1.6 of the project's method notes).
  Dekkers, Einmahl & de Haan, *A moment estimator for the index of an extreme-value distribution*,
  Annals of Statistics 17 (1989) 1833-1855.
  Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM 2002, Sec. 3.1
  (dot-product error bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ibcomplexity._validation import InputError, check_int, check_positive
from ibcomplexity.results import Resolution
from ibcomplexity.stats._pairwise import (
    block_size,
    cross_min_group,
    device_blocks,
    device_rows,
    distances_f64,
    pair_top_block,
    pair_top_step,
    project_f64,
    projection_basis,
    row_min_f64,
    sample_pair_block,
    stats_mesh,
)
from ibcomplexity.stats._prepare import (
    LabelledPoints,
    check_chunk_size,
    check_progress,
    distinct_labelled_points,
    require_two_classes,
)

__all__ = [
    "min_class_distance",
    "min_class_distance_subset",
    "min_class_distance_extreme_value",
    "PAIR_BLOCK",
]

# Unit roundoff of float32.
_U32 = 2.0**-24
# Extra factor on the rigorous float32 error bound: covers the norms themselves being rounded and
# any O(u^2) terms the first-order bound leaves out.
_BOUND_SAFETY = 2.0
# Pairs per random block of the extreme-value stream; fixed so the stream never depends on
# chunk_size.
PAIR_BLOCK = 2**20
# Projection screen of the extreme-value kernel (see _pairwise.pair_top_block): used when the data
# have at least this many features, with this many principal axes, if they capture at least this
# fraction of the variance; a screened step computes at most 1/_SCREEN_FRACTION of its distances.
_SCREEN_MIN_DIM = 128
_SCREEN_RANK = 64
_SCREEN_MIN_VARIANCE = 0.5
_SCREEN_FRACTION = 32
# Pairs computed in full before the screen starts (its first threshold), and the fraction of
# left-out steps in a block above which the screen is switched off.
_SCREEN_SEED = 2**16
_SCREEN_GIVE_UP = 0.5


@dataclass(frozen=True)
class _ByClass:
    """Distinct points in class-sorted order, without copying them: sorted position ``s`` is
    ``x[perm[s]]``, original row ``rows[perm[s]]``."""

    x: np.ndarray
    rows: np.ndarray
    perm: np.ndarray
    counts: np.ndarray
    offsets: np.ndarray

    @property
    def n(self) -> int:
        return int(self.perm.size)

    @property
    def next_class_start(self) -> np.ndarray:
        """For each sorted position, the first sorted position of the next class."""
        ends = self.offsets + self.counts
        return np.repeat(ends, self.counts)

    @property
    def cross_pairs(self) -> int:
        r"""Unordered cross-class pairs: :math:`(n^2 - \sum_c n_c^2)/2`."""
        return int((self.n**2 - int(np.sum(self.counts.astype(np.int64) ** 2))) // 2)


def _by_class(data: LabelledPoints, subset: np.ndarray | None = None) -> _ByClass:
    idx = np.arange(data.points.num_points) if subset is None else subset
    order = np.argsort(data.labels[idx], kind="stable")
    counts = np.bincount(data.labels[idx], minlength=data.num_classes)
    counts = counts[counts > 0]
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return _ByClass(
        x=data.points.x, rows=data.points.rows, perm=idx[order], counts=counts, offsets=offsets
    )


def _exact_min(s: _ByClass, chunk_size: int, progress, mesh=None) -> tuple[float, int, int, dict]:
    r"""Exact minimum cross-class distance of class-sorted points; see :func:`min_class_distance`.

    Returns the distance, the two sorted indices and diagnostics.
    """
    n, d = s.n, s.x.shape[1]
    block = block_size(n, chunk_size)
    xb, sq = device_blocks(s.x, block, s.perm)  # the exact recomputation reads s.x
    nb = xb.shape[0]
    sqb = jnp.asarray(sq.reshape(nb, block))
    col_start = np.full(nb * block, nb * block, np.int64)
    col_start[:n] = s.next_class_start
    row_min = np.full(nb * block, np.inf, np.float64)
    # row blocks with cross-class columns, one per device of the mesh at a time
    mesh = stats_mesh(mesh)
    devices = int(mesh.size)
    busy = [r for r in range(nb) if int(col_start[r * block]) // block < nb]
    none = np.full(block, nb * block, np.int32)  # a padding slot: no admissible column
    for g in range(0, len(busy), devices):
        group = busy[g : g + devices]
        slots = group + [group[-1]] * (devices - len(group))
        starts = np.stack(
            [
                col_start[r * block : (r + 1) * block].astype(np.int32) if i < len(group) else none
                for i, r in enumerate(slots)
            ]
        )
        first_block = min(int(col_start[r * block]) // block for r in group)
        m, _ = cross_min_group(
            xb,
            sqb,
            n,
            jnp.asarray(np.array(slots, np.int32)),
            jnp.asarray(starts),
            first_block,
            mesh=mesh,
        )
        m = np.asarray(m)
        for i, r in enumerate(group):
            row_min[r * block : (r + 1) * block] = m[i]
        if progress is not None:
            progress(min(n, (group[-1] + 1) * block), n)
    if progress is not None and (not busy or min(n, (busy[-1] + 1) * block) < n):
        progress(n, n)
    row_min = row_min[:n]
    # Rigorous bound on |float32 expansion - exact squared distance| for row r against any column
    # (Higham Sec. 3.1 for the dot product and norms, plus rounding the inputs to float32):
    #   2 (d + 4) u (|a_r|^2 + max_j |b_j|^2),  u = 2^-24.
    sq64 = sq[:n].astype(np.float64)
    err = _BOUND_SAFETY * 2.0 * (d + 4) * _U32 * (sq64 + sq64.max())
    best_row = int(np.argmin(row_min))
    threshold = row_min[best_row] + err[best_row]
    candidates = np.flatnonzero(row_min - err <= threshold)
    best, pair = math.inf, (-1, -1)
    for r in candidates:
        dist, j = row_min_f64(s.x, s.perm, int(r), int(col_start[r]), n)
        if dist < best:
            best, pair = dist, (int(r), j)
    details = {
        "refined_rows": int(candidates.size),
        "float32_min": float(math.sqrt(max(row_min[best_row], 0.0))),
        "float32_error_bound": float(err[best_row]),
        "block_size": block,
    }
    return best, pair[0], pair[1], details


def _pair_rows(s: _ByClass, a: int, b: int) -> tuple[int, int]:
    """Original rows of the sorted positions ``a`` and ``b``, ascending."""
    ra, rb = int(s.rows[s.perm[a]]), int(s.rows[s.perm[b]])
    return (ra, rb) if ra < rb else (rb, ra)


def min_class_distance(x, y, *, chunk_size: int = 1024, progress=None, mesh=None) -> Resolution:
    r"""Exact minimum distance between points of different classes.

    .. math:: \delta = \min_{i, j:\ y_i \ne y_j} \|x_i - x_j\|_2

    over *all* cross-class pairs, in memory bounded by the chunk size (about
    ``chunk_size**2 * 4`` bytes per block plus the data).

    Algorithm: points are sorted by class and centred; rows of class c are compared with the
    columns of classes > c only (each pair once), with the float32 GEMM expansion, keeping each
    row's minimum :math:`\tilde s_r`. The expansion's error is bounded rigorously (Higham Sec. 3.1,
    plus rounding the inputs to float32) by

    .. math:: E_r = 2 (d + 4)\, u\, (\|a_r\|^2 + \max_j \|b_j\|^2), \qquad u = 2^{-24},

    (used with a safety factor of 2). Every row with :math:`\tilde s_r - E_r \le \tilde s_* + E_*`
    (the best row's value plus its bound) may hold the true minimum; those rows are recomputed
    exactly in float64 by direct differences against all their columns. The answer is therefore
    the exact minimum of the float64 distances, not a float32 approximation; ``details`` records
    how many rows were refined. (Distances below about 1e-154 underflow when squared in float64.)

    Args:
      x: data of shape ``(n, ...)``, rows flattened.
      y: ``(n,)`` integer labels.
      chunk_size: rows per block.
      progress: optional ``progress(done, total)`` called after each block of rows.
      mesh: the devices the blocks are split over, one block per device at a time (a one-axis
        ``jax.sharding.Mesh``, default all local devices:
        :func:`~ibcomplexity.sampling.local_mesh`); the result does not depend on it.

    Returns:
      :class:`~ibcomplexity.results.Resolution` with ``method="exact"``, the closest pair (rows of
      the original ``x``, ascending) and ``details`` (``refined_rows``, ``float32_min``,
      ``float32_error_bound``, ``duplicates_dropped``, ``classes``).

    Raises:
      InputError: bad input, fewer than two classes, or identical rows with different labels.

    Example:
      >>> round(min_class_distance([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]], [0, 1, 1]).delta, 6)
      5.0
    """
    chunk_size = check_chunk_size(chunk_size)
    progress = check_progress(progress)
    data = distinct_labelled_points(x, y)
    require_two_classes(data)
    s = _by_class(data)
    delta, a, b, details = _exact_min(s, chunk_size, progress, mesh)
    details.update(duplicates_dropped=data.points.duplicates_dropped, classes=data.num_classes)
    return Resolution(
        delta=delta,
        method="exact",
        num_points=s.n,
        num_pairs=s.cross_pairs,
        pair=_pair_rows(s, a, b),
        details=details,
    )


def min_class_distance_subset(
    key: jax.Array,
    x,
    y,
    *,
    num_points: int = 2000,
    chunk_size: int = 1024,
    progress=None,
    mesh=None,
) -> Resolution:
    r"""Exact minimum cross-class distance on a random subset of points: an upper bound on delta.

    ``num_points`` distinct points are drawn without replacement with ``key`` (all of them when
    there are fewer) and :func:`min_class_distance`'s exact algorithm runs on them. The result can
    only be larger than the true :math:`\delta`.

    Args:
      key: PRNG key choosing the subset.
      x, y: data ``(n, ...)`` and ``(n,)`` integer labels.
      num_points: subset size.
      chunk_size: rows per block.
      progress: optional ``progress(done, total)``.
      mesh: the devices the blocks are split over, one block per device at a time (a one-axis
        ``jax.sharding.Mesh``, default all local devices:
        :func:`~ibcomplexity.sampling.local_mesh`); the result does not depend on it.

    Returns:
      :class:`~ibcomplexity.results.Resolution` with ``method="subset"``.

    Raises:
      InputError: as :func:`min_class_distance`, or the subset holds a single class.
    """
    num_points = check_int("num_points", num_points, minimum=2)
    chunk_size = check_chunk_size(chunk_size)
    progress = check_progress(progress)
    data = distinct_labelled_points(x, y)
    require_two_classes(data)
    total = data.points.num_points
    if num_points >= total:
        subset = np.arange(total)
    else:
        subset = np.sort(np.asarray(jax.random.choice(key, total, (num_points,), replace=False)))
    if np.unique(data.labels[subset]).size < 2:
        raise InputError(
            f"the random subset of num_points={num_points} points holds a single class; "
            "increase num_points"
        )
    s = _by_class(data, subset)
    delta, a, b, details = _exact_min(s, chunk_size, progress, mesh)
    details.update(
        duplicates_dropped=data.points.duplicates_dropped,
        classes=int(s.counts.size),
        population=total,
    )
    return Resolution(
        delta=delta,
        method="subset",
        num_points=s.n,
        num_pairs=s.cross_pairs,
        pair=_pair_rows(s, a, b),
        details=details,
    )


def default_extreme_value_k(num_pairs: int) -> int:
    r"""Default number of order statistics: :math:`\lceil\sqrt{\text{num\_pairs}}/20\rceil`,
    at least 10 (100 for the default 4,000,000 pairs).

    The moment estimator's variance falls like 1/k while its bias grows as k reaches into the body
    of the distribution; a k growing like :math:`\sqrt{N}` is the usual compromise, and the factor
    1/20 keeps the threshold in the extreme :math:`2.5 \cdot 10^{-5}` tail at the default N.
    """
    return max(10, math.ceil(math.sqrt(num_pairs) / 20))


def _extrapolate(top: np.ndarray, k: int, num_pairs: int, pairs: float) -> dict:
    r"""The Dekkers-Einmahl-de Haan extrapolation of the largest inverse distance.

    ``top``: the ``k + 1`` smallest sampled distances, ascending.
    """
    x_inv = 1.0 / top  # descending: X_(1) >= ... >= X_(k+1)
    u = float(x_inv[k])
    logs = np.log(x_inv[:k] / u)
    m1 = float(np.mean(logs))
    m2 = float(np.mean(logs**2))
    a = k / num_pairs * pairs
    if m1 <= 0.0 or m2 <= m1 * m1:
        # All k largest equal the threshold: no tail to extrapolate.
        return dict(u=u, M1=m1, M2=m2, gamma=math.nan, a=a, x_max=u)
    gamma = m1 + 1.0 - 0.5 / (1.0 - m1 * m1 / m2)
    log_a = math.log(a)
    # (a^gamma - 1)/gamma, continuous at gamma = 0 (where it is log a).
    growth = math.expm1(gamma * log_a) / gamma if gamma != 0.0 else log_a
    x_max = u + u * m1 * growth
    return dict(u=u, M1=m1, M2=m2, gamma=gamma, a=a, x_max=x_max)


def min_class_distance_extreme_value(
    key: jax.Array,
    x,
    y,
    *,
    num_pairs: int = 4_000_000,
    k: int | None = None,
    min_distance: float | None = None,
    chunk_size: int = 4096,
    progress=None,
) -> Resolution:
    r"""Extreme-value estimate of delta from random cross-class pairs (Boopathy et al. 2023).

    Sample ``num_pairs`` ordered cross-class pairs uniformly (class c with probability
    :math:`\propto n_c(n - n_c)`, then i uniform in c and j uniform outside c), and let
    :math:`X = 1/\|x_i - x_j\|`. With the order statistics :math:`X_{(1)} \ge X_{(2)} \ge \dots`,
    threshold :math:`u = X_{(k+1)}` and the Dekkers-Einmahl-de Haan moment estimator

    .. math::
        M_1 = \frac1k \sum_{i=1}^{k} \log\frac{X_{(i)}}{u}, \quad
        M_2 = \frac1k \sum_{i=1}^{k} \log^2\frac{X_{(i)}}{u}, \quad
        \gamma = M_1 + 1 - \frac{1}{2}\Big(1 - \frac{M_1^2}{M_2}\Big)^{-1},

    the largest X among all :math:`P = n^2 - \sum_c n_c^2` ordered cross-class pairs is
    extrapolated as

    .. math::
        a = \frac{k}{\text{num\_pairs}} P, \qquad
        x_{\max} = u + u M_1 \frac{a^\gamma - 1}{\gamma},

    and :math:`\delta = \min(1/x_{\max}, \min \text{sampled distance})`. (The paper writes
    :math:`P = n^2 (1 - 1/C)`, the same count for balanced classes.)

    The pair stream depends only on ``key`` and ``num_pairs``: pairs are drawn in blocks of
    :data:`PAIR_BLOCK` = 2**20 with ``fold_in(key, block_index)``, so ``chunk_size`` (pairs per
    distance step) changes speed and memory, never the sample. The ``k + 1`` smallest distances
    are carried across chunks and recomputed exactly in float64 at the end.

    The authors' code drops sampled distances below 1, a hack that depends on the data's scale;
    here that is the explicit option ``min_distance`` (None keeps every pair), recorded in
    ``details`` with the number of pairs it discarded.

    Args:
      key: PRNG key of the pair stream.
      x, y: data ``(n, ...)`` and ``(n,)`` integer labels.
      num_pairs: pairs to sample (with replacement).
      k: order statistics used; None uses :func:`default_extreme_value_k` (100 for 4e6 pairs).
      min_distance: discard sampled distances below this (None: keep all).
      chunk_size: pairs per distance step (memory about ``2 * chunk_size * d * 4`` bytes).
      progress: optional ``progress(done, total)`` called after each block of 2**20 pairs.

    Returns:
      :class:`~ibcomplexity.results.Resolution` with ``method="extreme_value"``, the closest
      sampled pair, and ``details``: ``k``, ``u``, ``gamma``, ``M1``, ``M2``, ``a``, ``pairs``,
      ``x_max``, ``delta_extrapolated`` (:math:`1/x_{\max}`), ``min_sampled``, ``num_pairs``,
      ``min_distance``, ``num_discarded``, ``screen_rank`` (principal axes of the projection
      screen, 0 when off), ``duplicates_dropped``, ``classes``.

    Raises:
      InputError: bad input, fewer than two classes, identical rows with different labels, or
        fewer than ``k + 1`` sampled pairs left after ``min_distance``.
    """
    num_pairs = check_int("num_pairs", num_pairs, minimum=3)
    k = default_extreme_value_k(num_pairs) if k is None else check_int("k", k, minimum=2)
    if k + 1 > num_pairs:
        raise InputError(f"k={k} order statistics need num_pairs >= {k + 1}, got {num_pairs}")
    if min_distance is not None:
        min_distance = check_positive("min_distance", min_distance, allow_zero=True)
    chunk_size = check_chunk_size(chunk_size)
    progress = check_progress(progress)
    data = distinct_labelled_points(x, y)
    require_two_classes(data)
    s = _by_class(data)
    n, d = s.n, s.x.shape[1]

    # the centred float32 rows go straight to the device (no second host copy of the data)
    x32, sq, mean = device_rows(s.x, s.perm)
    z, norms = None, jnp.asarray(np.sqrt(sq))
    if d >= _SCREEN_MIN_DIM:

        def centred(i: np.ndarray) -> np.ndarray:
            return (s.x[s.perm[i]] - mean).astype(np.float32)

        sample = np.unique(np.linspace(0, n - 1, min(512, n)).astype(np.int64))
        basis, captured = projection_basis(centred(sample), _SCREEN_RANK, sample=sample.size)
        if captured >= _SCREEN_MIN_VARIANCE:
            z = jnp.asarray(
                np.concatenate(
                    [
                        project_f64(centred(np.arange(a, min(n, a + 4096))), basis)
                        for a in range(0, n, 4096)
                    ]
                )
            )
    screen_rank = 0 if z is None else int(z.shape[1])
    weights = s.counts.astype(np.float64) * (n - s.counts)
    cdf = np.cumsum(weights) / weights.sum()
    cdf[-1] = 1.0
    offsets = jnp.asarray(s.offsets.astype(np.int32))
    counts = jnp.asarray(s.counts.astype(np.int32))
    cdf32 = jnp.asarray(cdf.astype(np.float32))
    min_sq = 0.0 if min_distance is None else min_distance**2
    keep = k + 1
    carry = (
        jnp.full((keep,), jnp.inf, jnp.float32),
        jnp.zeros((keep,), jnp.int32),
        jnp.zeros((keep,), jnp.int32),
        jnp.zeros((), jnp.int32),
    )
    # Steps must divide the block: the largest power of two <= chunk_size.
    step = 1 << (min(chunk_size, PAIR_BLOCK).bit_length() - 1)
    num_blocks = -(-num_pairs // PAIR_BLOCK)
    min_sq32 = jnp.float32(min_sq)
    seed_len = min(PAIR_BLOCK, max(step, _SCREEN_SEED))

    def sample(b):
        return sample_pair_block(key, b, offsets, counts, cdf32, length=PAIR_BLOCK)

    upcoming = sample(0)
    for b in range(num_blocks):
        i, j = upcoming
        if b + 1 < num_blocks:
            # Dispatched now, so that drawing the next block overlaps this block's distances.
            upcoming = sample(b + 1)
        valid = min(PAIR_BLOCK, num_pairs - b * PAIR_BLOCK)
        start = 0
        if z is not None and b == 0:
            # The stream's first pairs are computed in full, to give the screen a threshold.
            carry, _ = pair_top_block(
                x32,
                None,
                norms,
                i[:seed_len],
                j[:seed_len],
                0,
                valid,
                min_sq32,
                carry,
                chunk=step,
                num_keep=keep,
                max_candidates=keep,
            )
            start = seed_len
        carry, overflow = pair_top_block(
            x32,
            z,
            norms,
            i,
            j,
            start,
            valid,
            min_sq32,
            carry,
            chunk=step,
            num_keep=keep,
            max_candidates=max(keep, step // _SCREEN_FRACTION),
        )
        # Steps with too many candidates for the screened path are folded in afterwards, in full.
        left_out = np.flatnonzero(np.asarray(overflow)).tolist()
        for t in left_out:
            carry = pair_top_step(
                x32, i, j, t, start, valid, min_sq32, carry, chunk=step, num_keep=keep
            )
        if z is not None and len(left_out) > _SCREEN_GIVE_UP * (PAIR_BLOCK // step):
            # The screen does not pay on these data: compute everything from now on.
            z = None
        if progress is not None:
            jax.block_until_ready(carry)
            progress(b * PAIR_BLOCK + valid, num_pairs)
    best_d2, best_i, best_j, discarded = (np.asarray(v) for v in carry)
    found = np.isfinite(best_d2)
    if found.sum() < keep:
        raise InputError(
            f"only {int(found.sum())} sampled pairs are at distance >= "
            f"min_distance={min_distance}; k={k} order statistics need {keep}: "
            "lower min_distance or k"
        )
    exact = distances_f64(s.x, s.perm[best_i], s.perm[best_j])
    if min_distance is not None:
        # The kernel compared float32 squares; settle the boundary on the exact distances.
        exact = np.where(exact < min_distance, np.inf, exact)
    order = np.argsort(exact, kind="stable")
    top = exact[order]
    if not np.isfinite(top[-1]):
        raise InputError(
            f"fewer than {keep} sampled pairs are at distance >= min_distance={min_distance}; "
            "lower min_distance or k"
        )
    classes = data.num_classes
    # Ordered cross-class pairs, the population the sample is drawn from: n^2 - sum_c n_c^2. The
    # paper's n^2 (1 - 1/C) is this count for balanced classes; the exact count keeps the
    # extrapolation consistent with the sampling when classes are unbalanced.
    pairs = 2.0 * s.cross_pairs
    fit = _extrapolate(top, k, num_pairs, pairs)
    min_sampled = float(top[0])
    delta_extrapolated = 1.0 / fit["x_max"] if fit["x_max"] > 0 else math.inf
    delta = min(delta_extrapolated, min_sampled)
    details = {
        "k": k,
        **fit,
        "pairs": pairs,
        "delta_extrapolated": delta_extrapolated,
        "min_sampled": min_sampled,
        "num_pairs": num_pairs,
        "min_distance": min_distance,
        "num_discarded": int(discarded),
        "screen_rank": screen_rank,
        "duplicates_dropped": data.points.duplicates_dropped,
        "classes": classes,
    }
    a, b = int(best_i[order[0]]), int(best_j[order[0]])
    return Resolution(
        delta=delta,
        method="extreme_value",
        num_points=n,
        num_pairs=num_pairs,
        pair=_pair_rows(s, a, b),
        details=details,
    )
