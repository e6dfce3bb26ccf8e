r"""``ibc bound``, ``ibc stats`` and ``ibc card`` as library calls: the model-agnostic bound of a
task (Boopathy et al., ICML 2023) from a data card, from a dataset's measured statistics, or from
an MDP regression source's computed RL card.

* :func:`dataset_statistics`: a dataset spec loaded once and its
  :class:`~ibcomplexity.results.TaskStatistics` (n, m, R, delta, classes) measured.
* :func:`task_bound` -> :class:`TaskBound`: the bound with where its statistics came from.
* :func:`computed_card` -> :class:`ComputedCard`: a data card computed from a dataset spec, with
  the bound it gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ibcomplexity._validation import InputError, check_target_error
from ibcomplexity.bound import DEFAULT_CONVENTION

__all__ = [
    "ComputedCard",
    "TaskBound",
    "computed_card",
    "dataset_statistics",
    "task_bound",
    "DEFAULT_DATASET_TARGET_ERROR",
]

#: The target error of the bound computed from a dataset's statistics when none is given.
DEFAULT_DATASET_TARGET_ERROR = 0.01

Progress = Callable[[str], Any]


def dataset_statistics(
    dataset: str,
    *,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    progress: Progress | None = None,
):
    """Load a labelled dataset spec once and measure the statistics the bound needs.

    Args:
      dataset: a dataset spec (:func:`~ibcomplexity.tasks.load_dataset`).
      seed, k, num_queries: the intrinsic-dimension MLE's seed, neighbours and query points.
      delta_method: ``exact`` | ``subset`` | ``extreme_value`` (``-`` accepted for ``_``).
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.

    Returns:
      :class:`~ibcomplexity.results.TaskStatistics`
      (:func:`~ibcomplexity.stats.task_statistics`).
    """
    from ibcomplexity.stats import task_statistics
    from ibcomplexity.tasks import load_dataset

    data = load_dataset(dataset)  # a string or a parsed DatasetSpec
    return task_statistics(
        data.x,
        data.y,
        seed=seed,
        k=k,
        num_queries=num_queries,
        delta_method=delta_method.replace("-", "_"),
        dataset=data.name,
        progress=None if progress is None else progress("statistics"),
    )


@dataclass(frozen=True)
class ComputedCard:
    """A data card computed from a dataset spec and the bound it gives (``ibc card``).

    Attributes:
      card: the :class:`~ibcomplexity.tasks.cards.Card` (statistics with provenance and commands).
      bound: :class:`~ibcomplexity.results.BoundResult` evaluated from the card alone.
    """

    card: Any
    bound: Any

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc card --json``."""
        return {**self.card.as_dict(), "bound": self.bound.as_dict()}

    def markdown(self) -> str:
        """The card as Markdown with YAML front matter (``ibc card`` without ``--json``)."""
        from ibcomplexity.workflows.card_builder import card_markdown

        return card_markdown(self.card, bound=self.bound)


def computed_card(
    dataset: str,
    *,
    target_error: float | None = None,
    convention: str = DEFAULT_CONVENTION,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    n_train: int | None = None,
    progress: Progress | None = None,
) -> ComputedCard:
    """A data card computed from ``dataset`` (:func:`~ibcomplexity.workflows.card_from_spec`),
    and its bound in ``convention``.

    ``target_error`` is an error rate in (0, 1) for a labelled dataset and any positive number
    for a regression (RL) source, checked before the data is read.
    """
    from ibcomplexity.tasks import DatasetSpec
    from ibcomplexity.workflows.card_builder import card_from_spec
    from ibcomplexity.workflows.cards import bound_from_card

    spec = DatasetSpec.parse(dataset)
    if target_error is not None:
        check_target_error(target_error, rate=not spec.is_task_source)
    card = card_from_spec(
        spec,
        seed=seed,
        k=k,
        num_queries=num_queries,
        delta_method=delta_method.replace("-", "_"),
        target_error=target_error,
        n_train=n_train,
        progress=None if progress is None else progress("statistics"),
    )
    return ComputedCard(card=card, bound=bound_from_card(card, convention=convention))


@dataclass(frozen=True)
class TaskBound:
    """The model-agnostic bound of one task and where its statistics came from (``ibc bound``).

    Attributes:
      result: the :class:`~ibcomplexity.results.BoundResult`.
      title: a one-line description (the table title).
      source: ``{"card", "path", "provenance"[, "reference"]}`` for a card, ``{"dataset"}`` for
        data.
      statistics: the measured :class:`~ibcomplexity.results.TaskStatistics` (labelled data).
      card: the computed RL card (regression sources).
    """

    result: Any
    title: str
    source: dict[str, Any]
    statistics: Any = None
    card: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc bound --json`` (the bound's fields, then the source's)."""
        out: dict[str, Any] = {**self.result.as_dict(), "source": dict(self.source)}
        if self.card is not None:
            out["card"] = self.card.as_dict()
        if self.statistics is not None:
            out["statistics"] = self.statistics.as_dict()
        return out


def task_bound(
    *,
    card: Any = None,
    dataset: str | None = None,
    target_error: float | None = None,
    convention: str = DEFAULT_CONVENTION,
    unit: str = "bits",
    overrides: Mapping[str, Any] | None = None,
    product_with: Any = None,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    n_train: int | None = None,
    progress: Progress | None = None,
) -> TaskBound:
    """The model-agnostic bound from exactly one of a card or a dataset spec.

    * ``card`` (a :class:`~ibcomplexity.tasks.cards.Card`, a bundled card's name or a path):
      :func:`~ibcomplexity.workflows.bound_from_card`, with ``overrides`` replacing statistics
      and, with ``product_with`` (a second classification card), the product task's bound
      (:func:`~ibcomplexity.workflows.product_bound_from_cards`; eps and delta from ``card``).
    * ``dataset``, an MDP regression source (``cartpole:...``): the RL form from the card its
      data give (:func:`~ibcomplexity.workflows.card_from_spec`; ``n_train`` observations).
    * ``dataset``, labelled data: the classification form from the statistics measured on it
      (:func:`dataset_statistics`; ``seed``, ``k``, ``num_queries``, ``delta_method``) at
      ``target_error`` (default :data:`DEFAULT_DATASET_TARGET_ERROR`).

    ``target_error`` is an error rate in (0, 1) except for RL (a regression error: any positive
    number); it is checked before any data is read.
    """
    from ibcomplexity.bound import bound_from_statistics
    from ibcomplexity.tasks import DatasetSpec
    from ibcomplexity.tasks.cards import Card, load_card
    from ibcomplexity.workflows.cards import bound_from_card, product_bound_from_cards

    if (card is None) == (dataset is None):
        raise InputError("give exactly one of --card NAME_OR_PATH or --dataset SPEC")
    if card is not None:
        c = card if isinstance(card, Card) else load_card(card)
        check_target_error(
            target_error, rate=product_with is not None or c.task not in ("rl", "cartpole")
        )
        if overrides:
            c = c.with_statistics(**overrides)
        if product_with is not None:
            other = product_with if isinstance(product_with, Card) else load_card(product_with)
            if target_error is not None:
                c = c.with_statistics(target_error=target_error)
            result = product_bound_from_cards(c, other, convention=convention, unit=unit)
            title = f"Model-agnostic bound: product task {c.name} x {other.name}"
        else:
            result = bound_from_card(c, target_error=target_error, convention=convention, unit=unit)
            title = f"Model-agnostic bound: {c.title}"
            if overrides:  # the card's title describes its own statistics, not the overrides
                changed = ", ".join(f"{k} = {v}" for k, v in overrides.items())
                title = f"Model-agnostic bound: card {c.name} with {changed}"
        source: dict[str, Any] = {"card": c.name, "path": c.path, "provenance": dict(c.provenance)}
        if c.reference:
            source["reference"] = dict(c.reference)
        return TaskBound(result=result, title=title, source=source)
    if overrides or product_with is not None:
        raise InputError("--set and --product-with apply to --card only")
    spec = DatasetSpec.parse(dataset)
    if spec.is_task_source:
        check_target_error(target_error, rate=False)
        cc = computed_card(
            spec,
            target_error=target_error,
            seed=seed,
            k=k,
            num_queries=num_queries,
            delta_method=delta_method,
            n_train=n_train,
            progress=progress,
        )
        result = bound_from_card(cc.card, target_error=target_error, unit=unit)
        title = f"Model-agnostic bound (RL form): {spec.text}"
        return TaskBound(result=result, title=title, source={"dataset": spec.text}, card=cc.card)
    check_target_error(target_error, rate=True)
    stats = dataset_statistics(
        spec,
        seed=seed,
        k=k,
        num_queries=num_queries,
        delta_method=delta_method,
        progress=progress,
    )
    eps = DEFAULT_DATASET_TARGET_ERROR if target_error is None else target_error
    result = bound_from_statistics(stats, target_error=eps, convention=convention, unit=unit)
    return TaskBound(
        result=result,
        title=f"Model-agnostic bound: {stats.dataset}",
        source={"dataset": stats.dataset},
        statistics=stats,
    )
