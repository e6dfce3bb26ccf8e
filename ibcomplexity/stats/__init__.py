"""Task statistics from data: radius R, intrinsic dimension m and resolution delta.

See :mod:`ibcomplexity.stats.intrinsic_dimension`, :mod:`ibcomplexity.stats.resolution` and
:mod:`ibcomplexity.stats.radius` for the definitions and references.
"""

from ibcomplexity.stats.intrinsic_dimension import (
    intrinsic_dimension_mle,
    intrinsic_dimension_twonn,
)
from ibcomplexity.stats.radius import radius
from ibcomplexity.stats.resolution import (
    min_class_distance,
    min_class_distance_extreme_value,
    min_class_distance_subset,
)
from ibcomplexity.stats.task import task_statistics

__all__ = [
    "radius",
    "intrinsic_dimension_mle",
    "intrinsic_dimension_twonn",
    "min_class_distance",
    "min_class_distance_subset",
    "min_class_distance_extreme_value",
    "task_statistics",
]
