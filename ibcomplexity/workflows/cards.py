"""The model-agnostic bound from a data card alone (no data needed).

A card (:mod:`ibcomplexity.tasks.cards`) holds a task's statistics with their provenance; these
functions evaluate the bound of Boopathy et al. (ICML 2023) from it: the classification, RL,
cart-pole or meta-learning form by the card's ``task``, and the product of two classification
cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ibcomplexity._validation import InputError
from ibcomplexity.bound import (
    DEFAULT_CONVENTION,
    ClassificationTask,
    cartpole_bound,
    classification_bound,
    meta_learning_bound,
    product_bound,
    rl_bound,
)
from ibcomplexity.results import BoundResult
from ibcomplexity.tasks.cards import SCHEMAS, Card, load_card

__all__ = [
    "CardCatalogue",
    "bound_from_card",
    "card_catalogue",
    "classification_task",
    "product_bound_from_cards",
]


def classification_task(card: Card | str) -> ClassificationTask:
    """A classification card as a :class:`~ibcomplexity.bound.ClassificationTask`."""
    c = load_card(card) if not isinstance(card, Card) else card
    if c.task != "classification":
        raise InputError(f"card {c.name} is a {c.task} card, not a classification card")
    return ClassificationTask(**_classification_fields(c.statistics), name=c.name)


def _classification_fields(s) -> dict:
    """The classification form's inputs from a card's statistics."""
    keys = ("n", "m", "radius", "delta", "classes", "target_error")
    return {k: s[k] for k in keys}


def bound_from_card(
    card: Card | str,
    *,
    target_error: float | None = None,
    convention: str = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    """Evaluate the model-agnostic bound from a card alone (no data needed).

    Args:
      card: a :class:`Card` or a name/path for :func:`load_card`.
      target_error: overrides the card's target error.
      convention: bound convention (ignored by the torus forms, which have a single form).
      unit: ``"bits"`` or ``"nats"``.
    """
    c = load_card(card) if not isinstance(card, Card) else card
    s = dict(c.statistics)
    if target_error is not None:
        s["target_error"] = SCHEMAS[c.task]["target_error"]("target_error", target_error)
    if c.task == "classification":
        return classification_bound(**_classification_fields(s), convention=convention, unit=unit)
    if c.task == "rl":
        return rl_bound(
            obs_dim=s["obs_dim"],
            action_dim=s["action_dim"],
            n=s["n"],
            delta=s["delta"],
            target_error=s["target_error"],
            unit=unit,
        )
    if c.task == "cartpole":
        return cartpole_bound(
            s["observations"], n=s["n"], delta=s["delta"], target_error=s["target_error"], unit=unit
        )
    return meta_learning_bound(
        alphabet_sizes=s["alphabets"],
        ways=s["ways"],
        drawers=s["drawers"],
        m_inner=s["m_inner"],
        m_outer=s["m_outer"],
        radius=s["radius"],
        delta=s["delta"],
        target_error=s["target_error"],
        convention=convention,
        unit=unit,
    )


def product_bound_from_cards(
    first: Card | str,
    second: Card | str,
    *,
    convention: str = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    """The bound for the product task of two classification cards (eps, delta from ``first``)."""
    a = load_card(first) if not isinstance(first, Card) else first
    b = load_card(second) if not isinstance(second, Card) else second
    return product_bound(
        classification_task(a), classification_task(b), convention=convention, unit=unit
    )


@dataclass(frozen=True)
class CardCatalogue:
    """The bundled data cards with their bound in the paper's (``reference``) convention.

    Attributes:
      cards: per card ``{"name", "task", "title", "path", "reference_bits",
        "bound_reference_convention", "log10_bits_reference_convention"}``; ``reference_bits``
        is the published value (``None`` where the card has none).
    """

    cards: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc cards --json``."""
        return {"cards": [dict(c) for c in self.cards]}


def card_catalogue() -> CardCatalogue:
    """Every bundled card (``ibc cards``) and its bound in the ``reference`` convention."""
    from ibcomplexity.tasks.cards import card_names

    rows = []
    for name in card_names():
        card = load_card(name)
        r = bound_from_card(card, convention="reference")
        rows.append(
            dict(
                name=name,
                task=card.task,
                title=card.title,
                path=card.path,
                reference_bits=card.reference.get("bits"),
                bound_reference_convention=r.formatted(),
                log10_bits_reference_convention=r.log10_bits,
            )
        )
    return CardCatalogue(cards=rows)
