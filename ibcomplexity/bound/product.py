r"""The model-agnostic bound for the product of two classification tasks.

The authors call it a "union"; it is a product task: an input is a pair (x1, x2) and the label the
pair of labels. Its bound is the general form with eps_1, :math:`n_1 n_2` points, intrinsic
dimension :math:`m_1 + m_2`, radius :math:`\sqrt{R_1^2 + R_2^2}`, :math:`P = C_1 C_2`,
:math:`\delta_1`, :math:`D = C_1` and B = 1, exactly as in the released code. Note the asymmetry:
eps, delta and D come from the first task, so ``product_bound(a, b) != product_bound(b, a)``.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034 (task combinations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ibcomplexity._validation import InputError, check_error_rate, check_int, check_positive
from ibcomplexity.bound._convention import DEFAULT_CONVENTION, Convention, get_convention
from ibcomplexity.bound.general import MAX_COUNT, _general
from ibcomplexity.results import BoundResult

__all__ = ["ClassificationTask", "product_bound"]


@dataclass(frozen=True)
class ClassificationTask:
    """The statistics of a classification task that the bound needs."""

    n: int
    m: float
    radius: float
    delta: float
    classes: int
    target_error: float
    name: str = "task"

    def __post_init__(self):
        check_int(f"{self.name}.n", self.n)
        check_int(f"{self.name}.classes", self.classes, minimum=2, maximum=MAX_COUNT)
        for field in ("m", "radius", "delta"):
            check_positive(f"{self.name}.{field}", getattr(self, field))
        check_error_rate(f"{self.name}.target_error", self.target_error)
        if self.m < 1:
            raise InputError(f"{self.name}.m must be >= 1, got {self.m!r}")


def product_bound(
    first: ClassificationTask,
    second: ClassificationTask,
    *,
    convention: str | Convention = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    """The bound for the product task ``first x second`` (module docstring; asymmetric)."""
    conv = get_convention(convention)
    n = int(first.n) * int(second.n)
    C = int(first.classes) * int(second.classes)
    inputs = dict(
        first=first.name,
        second=second.name,
        n=n,
        m=first.m + second.m,
        R=math.hypot(first.radius, second.radius),
        delta=first.delta,
        classes=C,
        target_error=first.target_error,
    )
    return _general(
        log_eps=math.log(first.target_error),
        log_n=math.log(n),
        m=float(first.m + second.m),
        radius=math.hypot(first.radius, second.radius),
        delta=float(first.delta),
        P=float(C),
        D=float(first.classes),
        B=1.0,
        integer_degree=conv.integer_degree,
        task="product",
        convention=conv.name,
        inputs=inputs,
        unit=unit,
    )
