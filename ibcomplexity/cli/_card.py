"""``ibc card``, and ``ibc stats`` / ``ibc bound`` on regression sources (private CLI helpers)."""

from __future__ import annotations

import argparse

from ibcomplexity.cli._output import make_console, print_json, progress


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


def cmd_card(args) -> int:
    """``ibc card --dataset SPEC``: a Markdown data card (YAML front matter) on stdout."""
    import sys

    from ibcomplexity.cli._checks import note_ignored
    from ibcomplexity.tasks import is_task_source
    from ibcomplexity.workflows.task_bound import computed_card

    if not is_task_source(args.dataset):
        note_ignored(args, ("--n-train",), "it sizes a regression source (cartpole, pendulum)")
    with progress(not args.quiet) as pf:
        r = computed_card(
            args.dataset,
            target_error=args.target_error,
            convention=args.convention,
            seed=args.seed,
            k=args.k,
            num_queries=args.num_queries,
            delta_method=args.delta_method,
            n_train=args.n_train,
            progress=pf,
        )
    if args.json:
        print_json(r)
    else:
        sys.stdout.write(r.markdown())
    return 0


def source_stats(args) -> int:
    """``ibc stats`` on a regression source: the rl card's statistics."""
    from ibcomplexity.workflows.task_bound import computed_card

    with progress(not args.quiet) as pf:
        card = computed_card(
            args.dataset,
            target_error=getattr(args, "target_error", None),
            seed=args.seed,
            k=args.k,
            num_queries=args.num_queries,
            delta_method=args.delta_method,
            n_train=getattr(args, "n_train", None),
            progress=pf,
        ).card
    if args.json:
        print_json(card)
    else:
        make_console().print(card_table(card))
    return 0


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
