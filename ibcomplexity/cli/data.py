"""``ibc bound``, ``ibc stats``, ``ibc cards``, ``ibc card`` and ``ibc datasets``: the
model-agnostic bound and task statistics, from a card or from data."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ibcomplexity._validation import InputError
from ibcomplexity.cli._output import fmt, make_console, print_json, progress

#: ``--target-error`` default of a bound from data (the library's
#: ``workflows.task_bound.DEFAULT_DATASET_TARGET_ERROR``; kept here so parsing imports no JAX).
DEFAULT_DATASET_TARGET_ERROR = 0.01


def bound_table(result, title: str):
    from rich.table import Table

    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_row("[bold]inductive-bias complexity[/bold]", f"[bold]{result.formatted()}[/bold]")
    if not result.vacuous:
        t.add_row(f"log10({result.unit})", f"{result.log10_value:.6f}")
    t.add_row("task family", result.task)
    t.add_row("convention", result.convention)
    for k, v in result.inputs.items():
        t.add_row(f"input {k}", fmt(v))
    terms = result.terms.as_dict()
    for k in ("M", "K", "E", "dim", "dim_q", "L_f", "W", "bracket"):
        if terms.get(k) is not None:
            t.add_row(f"term {k}", fmt(terms[k]))
    return t


def statistics_table(stats):
    from rich.table import Table

    t = Table(title=f"Task statistics of {stats.dataset} (seed {stats.seed})", header_style="bold")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    t.add_column("how", justify="left")
    md = stats.intrinsic_dimension
    rd = stats.resolution
    t.add_row(
        "n (distinct points)", str(stats.n), f"{stats.duplicates_dropped} exact duplicates dropped"
    )
    t.add_row("classes", str(stats.classes), "")
    t.add_row("R (radius)", f"{stats.radius:.6g}", "max L2 norm of a point")
    t.add_row(
        "m (intrinsic dim.)",
        f"{md.value:.4f} -> {md.rounded}",
        f"{md.method}, k={md.k}, {md.num_queries} queries over {md.num_points} points",
    )
    t.add_row(
        "delta (resolution)", f"{rd.delta:.6g}", f"{rd.method}, {rd.num_pairs} cross-class pairs"
    )
    return t


def add_stats_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("statistics from data")
    g.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")
    g.add_argument(
        "--k", type=int, default=5, help="neighbours for the intrinsic-dimension MLE (default 5)"
    )
    g.add_argument(
        "--num-queries",
        type=int,
        default=None,
        help="query points for the MLE (default: all points)",
    )
    g.add_argument(
        "--delta-method",
        choices=("exact", "subset", "extreme-value"),
        default="exact",
        help="how to estimate delta (default: exact minimum over all cross-class pairs)",
    )


def compute_stats(args, progress_factory):
    from ibcomplexity.workflows.task_bound import dataset_statistics

    return dataset_statistics(
        args.dataset,
        seed=args.seed,
        k=args.k,
        num_queries=args.num_queries,
        delta_method=args.delta_method,
        progress=progress_factory,
    )


def cmd_stats(args) -> int:
    from ibcomplexity.cli._checks import note_ignored
    from ibcomplexity.tasks import is_task_source

    if not is_task_source(args.dataset):
        note_ignored(args, ("--n-train",), "it sizes a regression source (cartpole, pendulum)")
    if is_task_source(args.dataset):
        from ibcomplexity.cli._card import source_stats

        return source_stats(args)
    with progress(not args.quiet) as pf:
        stats = compute_stats(args, pf)
    if args.json:
        print_json(stats.as_dict())
    else:
        make_console().print(statistics_table(stats))
    return 0


def _parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as a dict (values are JSON: numbers, or a mapping for the
    alphabets of a meta card); the card then checks each value's range."""
    from ibcomplexity._limits import check_nesting
    from ibcomplexity._validation import show_value

    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--set expects KEY=VALUE, got {show_value(item)}")
        key, value = item.split("=", 1)
        key = key.strip()
        check_nesting(value, f"--set {key}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(f"--set {key}: value {show_value(value)} is not a number") from None
        except ValueError:  # an integer of more than 4300 digits
            raise InputError(
                f"--set {key}: value has {len(value.strip()):,} characters, far beyond any "
                "statistic (integers past 4300 digits are refused)"
            ) from None
    return out


def cmd_bound(args) -> int:
    """Render :func:`ibcomplexity.workflows.task_bound` (tables or JSON)."""
    from ibcomplexity.workflows.task_bound import task_bound

    if (args.card is None) == (args.dataset is None):
        raise InputError("give exactly one of --card NAME_OR_PATH or --dataset SPEC")
    overrides = _parse_overrides(args.set) if args.set else None
    from ibcomplexity.cli._checks import note_ignored
    from ibcomplexity.tasks import is_task_source

    if args.card is not None:
        note_ignored(
            args,
            ("--seed", "--k", "--num-queries", "--delta-method", "--n-train"),
            "a card's statistics are already computed",
        )
    elif not is_task_source(args.dataset):
        note_ignored(args, ("--n-train",), "it sizes a regression source (cartpole, pendulum)")
    with progress(not args.quiet and args.card is None) as pf:
        r = task_bound(
            card=args.card,
            dataset=args.dataset,
            target_error=args.target_error,
            convention=args.convention,
            unit=args.unit,
            overrides=overrides,
            product_with=args.product_with,
            seed=args.seed,
            k=args.k,
            num_queries=args.num_queries,
            delta_method=args.delta_method,
            n_train=getattr(args, "n_train", None),
            progress=pf,
        )
    given = any(a == "--convention" or a.startswith("--convention=") for a in args.argv or [])
    if given and r.result.convention != args.convention:
        # the RL and cart-pole forms have one convention: say so rather than print another
        sys.stderr.write(
            f"ibc: note: --convention {args.convention} does not apply to the {r.result.task} "
            f"form, which has the single convention {r.result.convention!r}; ignored\n"
        )
    if args.json:
        print_json(r)
        return 0
    console = make_console()
    if r.card is not None:
        from ibcomplexity.cli._card import card_table

        console.print(card_table(r.card))
    if r.statistics is not None:
        console.print(statistics_table(r.statistics))
    console.print(bound_table(r.result, r.title))
    if r.result.vacuous:
        console.print(f"[yellow]{r.result.message}[/yellow]")
    return 0


def is_source(spec: str) -> bool:
    from ibcomplexity.tasks import is_task_source

    return is_task_source(spec)


def cmd_datasets(args) -> int:
    from ibcomplexity.tasks import dataset_specs_help

    print(dataset_specs_help())
    return 0


def cmd_cards(args) -> int:
    """Render :func:`ibcomplexity.workflows.card_catalogue`."""
    from ibcomplexity.workflows.cards import card_catalogue

    catalogue = card_catalogue()
    rows = catalogue.cards
    if args.json:
        print_json(catalogue)
        return 0
    from rich.table import Table

    t = Table(title="Data cards (bound in the reference convention)", header_style="bold")
    for col in ("name", "task", "title", "published", "computed here"):
        t.add_column(col)
    for r in rows:
        pub = f"{float(r['reference_bits']):g}" if r["reference_bits"] is not None else "-"
        t.add_row(r["name"], r["task"], r["title"], pub, r["bound_reference_convention"])
    make_console().print(t)
    return 0
