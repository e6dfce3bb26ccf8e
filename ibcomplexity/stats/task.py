"""All task statistics the model-agnostic bound needs, from one data set and one seed.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034.
"""

from __future__ import annotations

import jax

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.results import TaskStatistics
from ibcomplexity.stats._prepare import check_progress, distinct_labelled_points
from ibcomplexity.stats.intrinsic_dimension import intrinsic_dimension_mle
from ibcomplexity.stats.radius import radius
from ibcomplexity.stats.resolution import (
    min_class_distance,
    min_class_distance_extreme_value,
    min_class_distance_subset,
)

__all__ = ["task_statistics", "DELTA_METHODS"]

DELTA_METHODS = ("exact", "subset", "extreme_value")


def task_statistics(
    x,
    y,
    *,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    dataset: str = "arrays",
    progress=None,
    mesh=None,
) -> TaskStatistics:
    """Radius R, intrinsic dimension m (MLE) and resolution delta of a labelled data set.

    The seed is turned into ``jax.random.key(seed)`` here (this is an entry point) and split into
    one key for the intrinsic-dimension queries and one for delta; the same seed always gives the
    same statistics.

    Args:
      x: data of shape ``(n, ...)``, rows flattened (scale them as the bound should see them).
      y: ``(n,)`` integer labels.
      seed: the seed every random choice derives from.
      k: neighbours of the MLE.
      num_queries: MLE query points (None: all).
      delta_method: ``"exact"`` (:func:`min_class_distance`), ``"subset"``
        (:func:`min_class_distance_subset`) or ``"extreme_value"``
        (:func:`min_class_distance_extreme_value`), each with its defaults.
      dataset: name recorded in the result.
      progress: optional ``progress(done, total)``, passed to each stage in turn (the count starts
        again at each stage).
      mesh: the devices the intrinsic dimension's and the exact delta's blocks are split over
        (default all local devices); the statistics do not depend on it.

    Returns:
      :class:`~ibcomplexity.results.TaskStatistics`; ``n`` is the number of distinct points and
      ``duplicates_dropped`` the number of exact duplicate rows removed.

    Raises:
      InputError: any bad input (see the individual estimators).
    """
    seed = check_int("seed", seed, minimum=0)
    if delta_method not in DELTA_METHODS:
        raise InputError(f"delta_method must be one of {DELTA_METHODS}, got {delta_method!r}")
    progress = check_progress(progress)
    data = distinct_labelled_points(x, y)
    key_m, key_delta = jax.random.split(jax.random.key(seed))
    m = intrinsic_dimension_mle(
        key_m, x, k=k, num_queries=num_queries, progress=progress, mesh=mesh
    )
    if delta_method == "exact":
        delta = min_class_distance(x, y, progress=progress, mesh=mesh)
    elif delta_method == "subset":
        delta = min_class_distance_subset(key_delta, x, y, progress=progress, mesh=mesh)
    else:
        delta = min_class_distance_extreme_value(key_delta, x, y, progress=progress)
    return TaskStatistics(
        dataset=str(dataset),
        n=data.points.num_points,
        classes=data.num_classes,
        radius=radius(x),
        intrinsic_dimension=m,
        resolution=delta,
        seed=seed,
        duplicates_dropped=data.points.duplicates_dropped,
    )
