"""Largest-remainder apportionment: how many examples of each class a stratified subsample or
split takes (shared by :mod:`~ibcomplexity.tasks.regression` and
:mod:`~ibcomplexity.tasks.preprocessing`)."""

from __future__ import annotations

import numpy as np

__all__ = ["apportion"]


def apportion(
    total: int, capacity: np.ndarray, weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Integers ``a_c <= capacity_c`` summing to ``total``, as close to proportional as possible.

    Largest-remainder (Hamilton) apportionment of ``total`` in proportion to ``weights``, capped by
    ``capacity``; seats left over by the caps go, one at a time, to the classes with room and the
    largest remaining shortfall. Ties are broken by a seeded random order. Requires
    ``capacity.sum() >= total``.
    """
    ideal = total * weights / weights.sum()
    alloc = np.minimum(np.floor(ideal).astype(np.int64), capacity)
    tiebreak = rng.permutation(capacity.size)
    while (left := total - int(alloc.sum())) > 0:
        room = np.flatnonzero(alloc < capacity)
        shortfall = ideal[room] - alloc[room]
        # Sort by shortfall (descending), ties by the seeded random order.
        order = room[np.lexsort((tiebreak[room], -shortfall))]
        alloc[order[:left]] += 1
    return alloc
