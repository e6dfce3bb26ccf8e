r"""Intrinsic dimension m of a data set: Levina-Bickel MLE and TwoNN.

Both estimators look at the distances :math:`T_1(x) \le T_2(x) \le \dots` from a point x to its
nearest neighbours. If the data are locally uniform on an m-dimensional manifold, the number of
points in a small ball grows like :math:`r^m`, and

* **MLE** (Levina & Bickel 2004, in the "average the inverse" form of MacKay & Ghahramani that
  Boopathy et al. use): :math:`-m \log(T_j/T_k)`, j < k, behave like independent Exp(1) draws, so

  .. math:: \hat m = \Big[\frac{1}{q(k-1)} \sum_{x \in Q} \sum_{j=1}^{k-1}
            \log\frac{T_k(x)}{T_j(x)}\Big]^{-1}

  over a set Q of q query points. The bracket is an unbiased estimate of 1/m for locally uniform
  data; curvature and the boundary bias it at high m (the estimate is too low for finite n).
* **TwoNN** (Facco et al. 2017): :math:`\mu = T_2/T_1` follows the Pareto law
  :math:`P(\mu > t) = t^{-m}`, i.e. :math:`L = \log\mu \sim \mathrm{Exp}(m)`. The largest
  ``discard_fraction`` of the :math:`\mu` (the least local ones, most affected by curvature and
  density changes) are discarded as in Facco et al.; the maximum-likelihood estimate of m from the
  remaining smallest :math:`r` values, treating the discarded ones as right-censored at
  :math:`L_{(r)}` (type-II censoring), is

  .. math:: \hat m = \frac{r}{\sum_{i=1}^{r} L_{(i)} + (N - r) L_{(r)}}.

  With ``discard_fraction = 0`` this is the plain Pareto MLE :math:`N/\sum_i L_i`. (Ignoring the
  censoring, :math:`r/\sum_{i \le r} L_{(i)}`, would overestimate m by 34% at a 10% discard.)

Exact duplicate rows are dropped first (their zero distance makes the logs infinite) and counted.
Neighbours are searched among all distinct points in bounded-memory chunks (the reference code
builds a 10000 x 60000 matrix); their distances are then recomputed exactly in float64.

References:
  Levina & Bickel, *Maximum Likelihood Estimation of Intrinsic Dimension*, NeurIPS 2004.
  MacKay & Ghahramani, *Comments on 'Maximum Likelihood Estimation of Intrinsic Dimension'*, 2005.
  Facco, d'Errico, Rodriguez & Laio, *Estimating the intrinsic dimension of datasets by a minimal
  neighborhood information*, Scientific Reports 7, 12140 (2017).
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034.
"""

from __future__ import annotations

import math

import jax
import numpy as np

from ibcomplexity._validation import InputError, check_int, check_positive
from ibcomplexity.results import IntrinsicDimension
from ibcomplexity.stats._pairwise import nearest_distances
from ibcomplexity.stats._prepare import (
    check_chunk_size,
    check_progress,
    distinct_points,
    require_distinct,
)

__all__ = ["intrinsic_dimension_mle", "intrinsic_dimension_twonn"]


def _query_indices(key, num_points: int, num_queries) -> np.ndarray:
    """All points when ``num_queries`` is None, else that many drawn without replacement."""
    if num_queries is None:
        return np.arange(num_points)
    q = check_int("num_queries", num_queries, minimum=1)
    if q > num_points:
        raise InputError(
            f"num_queries={q} exceeds the number of distinct points ({num_points}) in x"
        )
    if q == num_points:
        return np.arange(num_points)
    return np.asarray(jax.random.choice(key, num_points, (q,), replace=False))


def intrinsic_dimension_mle(
    key: jax.Array,
    x,
    *,
    k: int = 5,
    num_queries: int | None = None,
    chunk_size: int = 1024,
    progress=None,
    mesh=None,
) -> IntrinsicDimension:
    r"""Levina-Bickel maximum-likelihood intrinsic dimension, averaged in the inverse.

    .. math:: \hat m = \Big[\operatorname{mean}_{x \in Q,\ 1 \le j < k}
              \log\frac{T_k(x)}{T_j(x)}\Big]^{-1}

    where :math:`T_j(x)` is the distance from query x to its j-th nearest neighbour among all
    distinct points other than x itself.

    Args:
      key: PRNG key choosing the queries (unused when ``num_queries`` is None).
      x: data of shape ``(n, ...)``, rows flattened; exact duplicates are dropped.
      k: neighbours per query (the paper uses 5); at least 2.
      num_queries: number of query points drawn without replacement; None uses every point.
      chunk_size: rows per block of the neighbour search (memory is about
        ``chunk_size**2 * 4`` bytes per block plus the data).
      progress: optional ``progress(done, total)`` called after each chunk of queries.
      mesh: the devices the blocks are split over, one block per device at a time (a one-axis
        ``jax.sharding.Mesh``, default all local devices:
        :func:`~ibcomplexity.sampling.local_mesh`); the result does not depend on it.

    Returns:
      :class:`~ibcomplexity.results.IntrinsicDimension` with ``method="mle"``.

    Raises:
      InputError: bad ``x``, ``k``, ``num_queries`` or ``chunk_size``; fewer than ``k + 1``
        distinct points.

    Example:
      >>> import jax, numpy as np
      >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
      >>> circle = np.stack([np.cos(t), np.sin(t)], axis=1)
      >>> round(intrinsic_dimension_mle(jax.random.key(0), circle).value)
      1

    References:
      Levina & Bickel, NeurIPS 2004; MacKay & Ghahramani 2005; Boopathy et al., ICML 2023.
    """
    k = check_int("k", k, minimum=2)
    chunk_size = check_chunk_size(chunk_size)
    progress = check_progress(progress)
    points = distinct_points(x)
    require_distinct(points.num_points, k)
    queries = _query_indices(key, points.num_points, num_queries)
    t = nearest_distances(points.x, queries, k, chunk_size, progress, mesh)
    mean_log = float(np.mean(np.log(t[:, -1:] / t[:, :-1])))
    value = 1.0 / mean_log if mean_log > 0 else math.inf
    return IntrinsicDimension(
        value=value,
        method="mle",
        num_points=points.num_points,
        num_queries=int(queries.size),
        k=k,
        duplicates_dropped=points.duplicates_dropped,
    )


def intrinsic_dimension_twonn(
    key: jax.Array,
    x,
    *,
    num_queries: int | None = None,
    discard_fraction: float = 0.1,
    chunk_size: int = 1024,
    progress=None,
    mesh=None,
) -> IntrinsicDimension:
    r"""TwoNN intrinsic dimension (Facco et al. 2017), maximum likelihood with censoring.

    With :math:`L_i = \log(T_2/T_1)` for the N queries sorted ascending and
    :math:`r = N - \lfloor \text{discard\_fraction} \cdot N \rfloor` kept,

    .. math:: \hat m = \frac{r}{\sum_{i=1}^{r} L_{(i)} + (N - r) L_{(r)}}

    (the discarded largest ratios enter as right-censored at :math:`L_{(r)}`; see the module
    docstring).

    Args:
      key: PRNG key choosing the queries (unused when ``num_queries`` is None).
      x: data of shape ``(n, ...)``, rows flattened; exact duplicates are dropped.
      num_queries: number of query points drawn without replacement; None uses every point.
      discard_fraction: fraction of the largest ratios discarded, in ``[0, 1)``.
      chunk_size: rows per block of the neighbour search.
      progress: optional ``progress(done, total)`` called after each chunk of queries.
      mesh: the devices the blocks are split over, one block per device at a time (a one-axis
        ``jax.sharding.Mesh``, default all local devices:
        :func:`~ibcomplexity.sampling.local_mesh`); the result does not depend on it.

    Returns:
      :class:`~ibcomplexity.results.IntrinsicDimension` with ``method="twonn"`` and ``k=2``.

    Example:
      >>> import jax, numpy as np
      >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
      >>> circle = np.stack([np.cos(t), np.sin(t)], axis=1)
      >>> round(intrinsic_dimension_twonn(jax.random.key(0), circle).value)
      1

    References:
      Facco, d'Errico, Rodriguez & Laio, Scientific Reports 7, 12140 (2017).
    """
    discard_fraction = check_positive("discard_fraction", discard_fraction, allow_zero=True)
    if discard_fraction >= 1:
        raise InputError(f"discard_fraction must be in [0, 1), got {discard_fraction!r}")
    chunk_size = check_chunk_size(chunk_size)
    progress = check_progress(progress)
    points = distinct_points(x)
    require_distinct(points.num_points, 2)
    queries = _query_indices(key, points.num_points, num_queries)
    t = nearest_distances(points.x, queries, 2, chunk_size, progress, mesh)
    logs = np.sort(np.log(t[:, 1] / t[:, 0]))
    total = logs.size
    kept = total - int(math.floor(discard_fraction * total))
    kept = max(kept, 1)
    denominator = float(np.sum(logs[:kept]) + (total - kept) * logs[kept - 1])
    value = kept / denominator if denominator > 0 else math.inf
    return IntrinsicDimension(
        value=value,
        method="twonn",
        num_points=points.num_points,
        num_queries=int(total),
        k=2,
        duplicates_dropped=points.duplicates_dropped,
    )
