"""Conventions for the model-agnostic bound: the authors' exact formulas and documented variants."""

from __future__ import annotations

from dataclasses import dataclass

from ibcomplexity._validation import InputError

__all__ = ["Convention", "CONVENTIONS", "DEFAULT_CONVENTION", "get_convention"]


@dataclass(frozen=True)
class Convention:
    r"""How the closed-form bound turns task statistics into a hypothesis-space dimension.

    Attributes:
      name: the registry name.
      integer_degree: floor the maximum eigenfunction degree :math:`K` to an integer before counting
        eigenfunctions and forming the Lipschitz constant. Spherical harmonics exist only for
        integer degrees, so :math:`E = \binom{m+K}{m} + \binom{m+K-1}{m}` is an eigenfunction
        *count*
        only for integer K; the authors evaluate it at the real-valued K, a smooth interpolation
        that overstates the count (by ~30% for MNIST).
      output_dim: ``"classes_minus_one"`` (``D = C - 1``, the free coordinates of a point on the
        probability simplex; the authors' choice) or ``"classes"`` (``D = C``, a one-hot output).
        Only classification uses it; the other task families fix D themselves.
    """

    name: str
    integer_degree: bool
    output_dim: str

    def output_dimension(self, classes: int) -> int:
        """D for a C-class classification task under this convention."""
        return classes - 1 if self.output_dim == "classes_minus_one" else classes


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        # Exactly the authors' released formulas (reproduces the paper's figures).
        Convention("reference", integer_degree=False, output_dim="classes_minus_one"),
        # Default: the eigenfunction count at an integer degree; D as the authors chose it.
        Convention("integer-degree", integer_degree=True, output_dim="classes_minus_one"),
        # The authors' real-valued degree with a one-hot output (D = C).
        Convention("one-hot", integer_degree=False, output_dim="classes"),
        Convention("integer-degree+one-hot", integer_degree=True, output_dim="classes"),
    )
}

#: The default convention. ``integer-degree`` differs from ``reference`` only by counting
#: eigenfunctions at the integer degree floor(K), which is what the count means; use
#: ``convention="reference"`` to reproduce the published numbers.
DEFAULT_CONVENTION = "integer-degree"


def get_convention(convention: str | Convention) -> Convention:
    """Look up a convention by name (or pass a :class:`Convention` through)."""
    if isinstance(convention, Convention):
        return convention
    try:
        return CONVENTIONS[convention]
    except (KeyError, TypeError):
        known = ", ".join(CONVENTIONS)
        raise InputError(f"unknown convention {convention!r}; known conventions: {known}") from None
