"""``ibc card``, and ``ibc stats`` / ``ibc bound`` on regression sources (private CLI helpers)."""

from __future__ import annotations

import argparse
from typing import Any

from ibcomplexity.cli._output import make_console, print_json, progress


def build_card(args, progress_factory):
    from ibcomplexity.tasks.card_builder import card_from_spec

    return card_from_spec(
        args.dataset,
        seed=args.seed,
        k=args.k,
        num_queries=args.num_queries,
        delta_method=args.delta_method.replace("-", "_"),
        target_error=getattr(args, "target_error", None),
        n_train=getattr(args, "n_train", None),
        progress=progress_factory("statistics"),
    )


def card_table(card):
    from rich.table import Table

    t = Table(title=card.title, header_style="bold")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    t.add_column("provenance")
    t.add_column("note")
    for key, value in card.statistics.items():
        p = card.provenance.get(key, {})
        v = f"{value:.6g}" if isinstance(value, float) else str(value)
        t.add_row(key, v, p.get("provenance", ""), p.get("note", ""))
    for key, value in card.computed.get("statistics", {}).items():
        if key not in card.statistics:
            t.add_row(key, f"{value:.6g}", "computed", "recorded beside the card's statistics")
    return t


def card_payload(card) -> dict[str, Any]:
    """A JSON-ready view of a card (:meth:`~ibcomplexity.tasks.cards.Card.as_dict`)."""
    return card.as_dict()


def cmd_card(args) -> int:
    """``ibc card --dataset SPEC``: a Markdown data card (YAML front matter) on stdout."""
    import sys

    from ibcomplexity._validation import check_error_rate, check_positive
    from ibcomplexity.tasks import is_task_source
    from ibcomplexity.tasks.card_builder import card_markdown
    from ibcomplexity.tasks.cards import bound_from_card

    if args.target_error is not None:  # a rate for classification, a regression error for RL
        if is_task_source(args.dataset):
            check_positive("--target-error (a regression target error)", args.target_error)
        else:
            check_error_rate("--target-error", args.target_error)
    with progress(not args.quiet) as pf:
        card = build_card(args, pf)
    bound = bound_from_card(card, convention=args.convention)
    if args.json:
        print_json({**card_payload(card), "bound": bound.as_dict()})
    else:
        sys.stdout.write(card_markdown(card, bound=bound))
    return 0


def source_stats(args) -> int:
    """``ibc stats`` on a regression source: the rl card's statistics."""
    with progress(not args.quiet) as pf:
        card = build_card(args, pf)
    if args.json:
        print_json(card_payload(card))
    else:
        make_console().print(card_table(card))
    return 0


def source_bound(args):
    """``ibc bound`` on a regression source: the RL form from the computed card."""
    from ibcomplexity.tasks.cards import bound_from_card

    with progress(not args.quiet) as pf:
        card = build_card(args, pf)
    result = bound_from_card(card, target_error=args.target_error, unit=args.unit)
    return card, result, card_table(card)


def add_card_parser(sub, *, common, add_stats_options, dataset_help: str) -> None:
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION

    c = sub.add_parser(
        "card",
        help="a data card (Markdown, YAML front matter) of statistics computed from a dataset",
        description="Compute a dataset's statistics and print them as a data card: "
        "ibc card --dataset SPEC > card.md; then ibc bound --card card.md.",
    )
    c.add_argument("--dataset", required=True, help=dataset_help)
    c.add_argument(
        "--target-error",
        type=float,
        default=None,
        help="the card's target error (default 0.01; 0.001 for RL sources, as the paper)",
    )
    c.add_argument(
        "--convention",
        choices=tuple(CONVENTIONS),
        default=DEFAULT_CONVENTION,
        help="convention of the bound stated under the table",
    )
    add_n_train(c)
    add_stats_options(c)
    common(c)


def add_n_train(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--n-train",
        type=int,
        default=None,
        help="training observations of a regression source such as cartpole (default 10000)",
    )
