"""The ``ibc`` command line: parse, call the library, print a table or one JSON object.

Exit status: 0 on success; 2 with a one-line ``ibc: error: ...`` on bad input; 130 when interrupted.
Progress bars go to stderr (only on a terminal), so ``--json`` output on stdout stays clean.

Bad input fails before any work: every numeric option is range-checked (:func:`_check_options`)
before a dataset is read, target error rates must lie in (0, 1), output folders and plot paths are
checked (writable, a known image extension) before the computation, and memory estimates (GP
posterior, network weights) are checked against ``IBC_MEMORY_LIMIT``. A write that fails
afterwards (disk full) is one line naming the path, too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ibcomplexity._validation import InputError

__all__ = ["main"]

DEFAULT_DATASET_TARGET_ERROR = 0.01
DEFAULT_TARGET_MSE = 0.01


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (argparse's default prints the whole usage first)."""

    def error(self, message: str):  # noqa: D401
        # a 5000-digit "--samples 999..." is quoted back by argparse: shorten long values
        message = re.sub(r"'([^']{40})[^']{20,}'", r"'\1...'", message)
        raise InputError(f"{message} (see '{self.prog} --help')")


# ------------------------------------------------------------------------- checks before work

#: Seeds become JAX keys, which keep 32 bits: a larger seed would silently collide with another.
_MAX_SEED = 2**32 - 1
#: Loop counts and sizes that XLA or a jitted loop holds as int32.
_MAX_INT32 = 2**31 - 1
#: Sample counts: sample and network indices are uint32.
_MAX_SAMPLES = 2**32
#: Bootstrap resamples of an interval (each refits the loss model; the default is 200).
_MAX_BOOTSTRAP = 100_000
#: The commands whose options :func:`_check_options` checks (``batch`` checks its own).
_CHECKED_COMMANDS = frozenset(
    ("bound", "stats", "card", "kernel", "estimate", "nn", "compare", "fewshot")
)


def _check_options(args) -> None:
    """Range-check every numeric option of this command before any data is read.

    Integers must be counts in a valid range (seeds 0 .. 2^32 - 1, samples >= 20 for a fitted
    estimate, bootstrap 0 .. 100000, ...), real options finite and positive. Options a command
    does not have are skipped; the error names the option as typed.
    """
    from ibcomplexity._validation import check_int, check_positive

    def get(name):
        return getattr(args, name, None)

    fitted = 20  # ibcomplexity.estimate.MIN_SAMPLES, without importing the estimators here
    ints = {
        "seed": (0, _MAX_SEED),
        "split_seed": (0, _MAX_SEED),
        "k": (1, _MAX_INT32),
        "num_queries": (1, _MAX_INT32),
        "n_train": (1, _MAX_INT32),
        "n_test": (1, _MAX_INT32),
        "samples": (fitted, _MAX_SAMPLES),
        "bootstrap": (0, _MAX_BOOTSTRAP),
        "epochs": (1, _MAX_INT32),
        "batch_size": (1, _MAX_INT32),
        "chunk": (1, _MAX_SAMPLES),
        "size": (1, _MAX_INT32),
        "ways": (2, 10_000),
        "shots": (1, _MAX_INT32),
        "queries": (1, _MAX_INT32),
        "episodes": (1, _MAX_INT32),
    }
    for name, (lo, hi) in ints.items():
        if get(name) is not None:
            check_int("--" + name.replace("_", "-"), get(name), minimum=lo, maximum=hi)
    for name in ("lr", "fit_threshold", "target_mse", "base_scale"):
        if get(name) is not None:
            check_positive("--" + name.replace("_", "-"), get(name))
    if get("weight_decay") is not None:
        check_positive("--weight-decay", get("weight_decay"), allow_zero=True)
    if get("size") is not None:
        from ibcomplexity._limits import check_pixels

        check_pixels(args.size, args.size, "--size")


def _check_target_error(value, *, rate: bool, option: str = "--target-error") -> None:
    """``--target-error``: an error rate in (0, 1) for classification and meta-learning; any
    finite positive number for a regression (RL) source, whose target is a regression error."""
    from ibcomplexity._validation import check_error_rate, check_positive

    if value is None:
        return
    if rate:
        check_error_rate(option, value)
    else:
        check_positive(f"{option} (a regression target error)", value)


def _check_gp_memory(args) -> None:
    """The exact GP posterior's float64 arrays for --n-train and --n-test, before any data."""
    from ibcomplexity.hypotheses.gp import check_posterior_memory

    check_posterior_memory(
        args.n_train,
        args.n_test,
        what=f"the GP posterior on --n-train {args.n_train} and --n-test {args.n_test}",
        hint="use a smaller --n-train or --n-test",
    )


def _check_plot(args) -> None:
    """``--plot``: a writable path with an image extension, checked before the computation."""
    if getattr(args, "plot", None):
        from ibcomplexity.plots import check_plot_path

        check_plot_path(args.plot, "--plot")


def _write_text(path: Path, text: str, what: str) -> None:
    """Write a results file; a failed write (disk full, permissions) is one line naming it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise InputError(f"could not write {what} {path}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------------- output


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """Yield a factory ``task(description) -> callback(done, total)`` driving rich progress bars."""
    if not enabled or not sys.stderr.isatty():
        yield lambda description: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as bar:

        def factory(description: str) -> Callable[[int, int], None]:
            task_id = bar.add_task(description, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task_id, completed=done, total=total)

            return update

        yield factory


def _print_json(obj: Any) -> None:
    """One JSON object on stdout, by the library's one convention (inf as "inf")."""
    from ibcomplexity._json import jsonable

    sys.stdout.write(json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**7:
        import math

        from ibcomplexity._numerics import format_log10

        # through the log: a count such as 20^20 episodes (or a --set n=10^400) is past float range
        mantissa, exponent = format_log10(math.log10(abs(v)), 5).split("e")
        return ("-" if v < 0 else "") + mantissa.rstrip("0").rstrip(".") + "e" + exponent
    return str(v)


def _bound_table(result, title: str):
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
        t.add_row(f"input {k}", _fmt(v))
    terms = result.terms.as_dict()
    for k in ("M", "K", "E", "dim", "dim_q", "L_f", "W", "bracket"):
        if terms.get(k) is not None:
            t.add_row(f"term {k}", _fmt(terms[k]))
    return t


def _stats_table(stats):
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


# --------------------------------------------------------------------------------- commands


def _add_stats_options(p: argparse.ArgumentParser) -> None:
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


def _compute_stats(args, progress_factory):
    from ibcomplexity.stats import task_statistics
    from ibcomplexity.tasks import load_dataset

    data = load_dataset(args.dataset)
    return task_statistics(
        data.x,
        data.y,
        seed=args.seed,
        k=args.k,
        num_queries=args.num_queries,
        delta_method=args.delta_method.replace("-", "_"),
        dataset=data.name,
        progress=progress_factory("statistics"),
    )


def _cmd_stats(args) -> int:
    from ibcomplexity.tasks import is_task_source

    if is_task_source(args.dataset):
        from ibcomplexity._cli_card import source_stats

        return source_stats(args, progress=_progress, print_json=_print_json, console=_console)
    with _progress(not args.quiet) as pf:
        stats = _compute_stats(args, pf)
    if args.json:
        _print_json(stats.as_dict())
    else:
        _console().print(_stats_table(stats))
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


def _cmd_bound(args) -> int:
    from ibcomplexity.bound import classification_bound
    from ibcomplexity.tasks.cards import bound_from_card, load_card, product_bound_from_cards

    if (args.card is None) == (args.dataset is None):
        raise InputError("give exactly one of --card NAME_OR_PATH or --dataset SPEC")
    payload: dict[str, Any] = {}
    stats = None
    if args.card is not None:
        card = load_card(args.card)
        _check_target_error(
            args.target_error, rate=bool(args.product_with) or card.task not in ("rl", "cartpole")
        )
        if args.set:
            card = card.with_statistics(**_parse_overrides(args.set))
        if args.product_with:
            other = load_card(args.product_with)
            if args.target_error is not None:
                card = card.with_statistics(target_error=args.target_error)
            result = product_bound_from_cards(
                card, other, convention=args.convention, unit=args.unit
            )
            title = f"Model-agnostic bound: product task {card.name} x {other.name}"
        else:
            result = bound_from_card(
                card, target_error=args.target_error, convention=args.convention, unit=args.unit
            )
            title = f"Model-agnostic bound: {card.title}"
        payload["source"] = {
            "card": card.name,
            "path": card.path,
            "provenance": dict(card.provenance),
        }
        if card.reference:
            payload["source"]["reference"] = dict(card.reference)
    elif _is_source(args.dataset):
        if args.set or args.product_with:
            raise InputError("--set and --product-with apply to --card only")
        _check_target_error(args.target_error, rate=False)
        from ibcomplexity._cli_card import card_payload, source_bound

        card, result, table = source_bound(args, progress=_progress)
        title = f"Model-agnostic bound (RL form): {args.dataset}"
        payload["source"] = {"dataset": args.dataset}
        payload["card"] = card_payload(card)
        if not args.json:
            _console().print(table)
    else:
        if args.set or args.product_with:
            raise InputError("--set and --product-with apply to --card only")
        _check_target_error(args.target_error, rate=True)
        with _progress(not args.quiet) as pf:
            stats = _compute_stats(args, pf)
        eps = DEFAULT_DATASET_TARGET_ERROR if args.target_error is None else args.target_error
        result = classification_bound(
            n=stats.n,
            m=stats.intrinsic_dimension.rounded,
            radius=stats.radius,
            delta=stats.resolution.delta,
            classes=stats.classes,
            target_error=eps,
            convention=args.convention,
            unit=args.unit,
        )
        title = f"Model-agnostic bound: {stats.dataset}"
        payload["source"] = {"dataset": stats.dataset}
        payload["statistics"] = stats.as_dict()
    if args.json:
        _print_json({**result.as_dict(), **payload})
    else:
        console = _console()
        if stats is not None:
            console.print(_stats_table(stats))
        console.print(_bound_table(result, title))
        if result.vacuous:
            console.print(f"[yellow]{result.message}[/yellow]")
    return 0


def _is_source(spec: str) -> bool:
    from ibcomplexity.tasks import is_task_source

    return is_task_source(spec)


def _cmd_datasets(args) -> int:
    from ibcomplexity.tasks import dataset_specs_help

    print(dataset_specs_help())
    return 0


def _cmd_card(args) -> int:
    from ibcomplexity._cli_card import cmd_card

    return cmd_card(args, progress=_progress, print_json=_print_json)


def _cmd_cards(args) -> int:
    from ibcomplexity.tasks.cards import bound_from_card, card_names, load_card

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
    if args.json:
        _print_json({"cards": rows})
        return 0
    from rich.table import Table

    t = Table(title="Data cards (bound in the reference convention)", header_style="bold")
    for col in ("name", "task", "title", "published", "computed here"):
        t.add_column(col)
    for r in rows:
        pub = f"{float(r['reference_bits']):g}" if r["reference_bits"] is not None else "-"
        t.add_row(r["name"], r["task"], r["title"], pub, r["bound_reference_convention"])
    _console().print(t)
    return 0


def _gp_kernel(args):
    """The kernel from --kernel and --bandwidth (checked before any data is read)."""
    import dataclasses

    from ibcomplexity.hypotheses import make_kernel

    kernel = make_kernel(args.kernel)
    if args.bandwidth is not None:
        bw: float | str = args.bandwidth
        if bw != "median":
            try:
                bw = float(bw)
            except ValueError:
                raise InputError(f"--bandwidth must be a number or 'median', got {bw!r}") from None
        kernel = make_kernel(dataclasses.replace(kernel, bandwidth=bw))
    return kernel


def _gp_space_and_task(args, kernel=None):
    """Dataset -> seeded train/test split -> GP space, from the kernel options."""
    from ibcomplexity.hypotheses import GPSpace
    from ibcomplexity.tasks import load_task

    kernel = _gp_kernel(args) if kernel is None else kernel
    task = load_task(args.dataset, n_train=args.n_train, n_test=args.n_test, seed=args.split_seed)
    space = GPSpace(kernel=kernel, preprocessing=args.preprocess)
    return space, task


def _sampled(args, posterior, target, progress):
    import jax
    import jax.numpy as jnp

    from ibcomplexity.estimate import estimate_bits
    from ibcomplexity.hypotheses import sample_losses

    dtype = jnp.float64 if args.dtype == "float64" else jnp.float32
    losses = sample_losses(
        jax.random.key(args.seed), posterior, args.samples, dtype=dtype, progress=progress
    )
    est = estimate_bits(losses, target, bootstrap=args.bootstrap, seed=args.seed)
    return losses, est


def _estimate_dict(est) -> dict[str, Any]:
    return est.as_dict()


def _cmd_kernel(args) -> int:
    from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
    from ibcomplexity.hypotheses import gp_posterior

    _check_plot(args)
    _check_gp_memory(args)
    if args.samples is not None:
        from ibcomplexity._limits import check_memory

        check_memory(
            32 * args.samples,  # the losses, their float64 copy, sorted copy and fit's weights
            f"--samples {args.samples} (the sampled losses and their fit)",
            hint="use fewer --samples",
        )
    space, task = _gp_space_and_task(args)
    posterior = gp_posterior(space, task)
    exact = inductive_bias_from_posterior(posterior, args.target_mse)
    losses = est = None
    if args.samples is not None:
        with _progress(not args.quiet) as pf:
            losses, est = _sampled(args, posterior, args.target_mse, pf("sampling losses"))
    if args.plot:
        from ibcomplexity.plots import plot_loss_distribution

        plot_loss_distribution(
            args.plot,
            target=args.target_mse,
            losses=losses,
            distribution=loss_distribution(posterior),
            title=f"GP ({exact.space['kernel']}) on {task.name}: n_train={task.n_train}, "
            f"n_test={task.n_test}",
            bits_label=f"target {args.target_mse:g}: {_bits_text(exact.bits)}",
        )
    payload: dict[str, Any] = {
        "exact": exact.as_dict(),
        "sampled": None if est is None else _estimate_dict(est),
        "inputs": {
            "dataset": task.name,
            "n_train": task.n_train,
            "n_test": task.n_test,
            "classes": task.classes,
            "target_mse": args.target_mse,
            "split_seed": args.split_seed,
            "seed": args.seed if args.samples else None,
            "kernel": exact.space["kernel"],
            "preprocessing": exact.space["preprocessing"],
            "samples": args.samples,
            "dtype": args.dtype if args.samples else None,
        },
        "plot": args.plot,
    }
    if args.json:
        _print_json(payload)
        return 0
    console = _console()
    console.print(_gp_table(exact, est, title=f"Inductive bias of a GP space on {task.name}"))
    if est is not None and est.message:
        console.print(f"sampled: {est.message}", highlight=False)
    if args.plot:
        _console().print(f"wrote {args.plot}")
    return 0


def _bits_text(bits: float) -> str:
    import math

    return "infinite" if math.isinf(bits) else f"{bits:.6g} bits"


def _gp_table(exact, est, title: str):
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_row("[bold]exact bits (no sampling)[/bold]", f"[bold]{_bits_text(exact.bits)}[/bold]")
    if exact.infinite:
        t.add_row("status", exact.message)
    else:
        t.add_row("bits per test point", f"{exact.bits_per_test_point:.6g}")
        t.add_row("Chernoff lower bound", _bits_text(exact.chernoff_bits))
    if est is not None:
        from ibcomplexity._cli_estimate import estimate_rows

        for label, value in estimate_rows(est, prefix="sampled: "):
            t.add_row(label, value)
    t.add_row("target MSE", f"{exact.target_mse:g}")
    t.add_row("mean MSE of a posterior sample", f"{exact.mean_mse:.6g}")
    t.add_row("MSE of the posterior mean", f"{exact.posterior_mean_mse:.6g}")
    t.add_row("smallest reachable MSE (offset)", f"{exact.offset:.6g}")
    t.add_row("N = classes x rank(Sigma)", str(exact.N))
    t.add_row("kernel", exact.space["kernel"])
    t.add_row("preprocessing", exact.space["preprocessing"])
    t.add_row(
        "jitter (relative)", f"{exact.space['jitter']:g} ({exact.space['jitter_retries']} retries)"
    )
    for k in ("name", "n_train", "n_test", "classes"):
        t.add_row(f"task {k}", str(exact.task[k]))
    t.add_row("split seed (the task)", str(exact.task["seed"]))
    return t


def _cmd_estimate(args) -> int:
    """The README's main job: the bound from the task statistics, and the exact GP inductive bias,
    side by side, with a plot of the GP loss distribution."""
    import math

    from ibcomplexity._limits import check_output_dir, check_output_file
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION, classification_bound
    from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
    from ibcomplexity.hypotheses import gp_posterior
    from ibcomplexity.plots import plot_loss_distribution

    source = _is_source(args.dataset)
    _check_target_error(args.target_error, rate=not source)
    out = check_output_dir(args.out, "--out")
    for name in ("estimate.json", "loss_distribution.png"):
        check_output_file(out / name, "--out")
    _check_gp_memory(args)
    kernel = _gp_kernel(args)
    bounds = {}
    if source:
        # A regression source (an expert policy on an MDP): the bound's RL form from its card,
        # whose n is the GP's n_train (one form, no conventions).
        from ibcomplexity._cli_card import _card, _card_table, card_payload
        from ibcomplexity.tasks.cards import bound_from_card

        with _progress(not args.quiet) as pf:
            card = _card(args, pf)
        bounds["RL form"] = bound_from_card(card, target_error=args.target_error)
        statistics, stats_table = card_payload(card), _card_table(card)
    else:
        with _progress(not args.quiet) as pf:
            stats = _compute_stats(args, pf)
        for conv in dict.fromkeys((DEFAULT_CONVENTION, "reference")):
            bounds[conv] = classification_bound(
                n=stats.n,
                m=stats.intrinsic_dimension.rounded,
                radius=stats.radius,
                delta=stats.resolution.delta,
                classes=stats.classes,
                target_error=args.target_error,
                convention=conv,
            )
        statistics, stats_table = stats.as_dict(), _stats_table(stats)
    space, task = _gp_space_and_task(args, kernel)
    posterior = gp_posterior(space, task)
    gp = inductive_bias_from_posterior(posterior, args.target_mse)
    plot = plot_loss_distribution(
        out / "loss_distribution.png",
        target=args.target_mse,
        distribution=loss_distribution(posterior),
        title=f"Exact GP loss distribution on {task.name} ({gp.space['kernel']}, "
        f"n_train={task.n_train}, n_test={task.n_test})",
        bits_label=f"target MSE {args.target_mse:g}: {_bits_text(gp.bits)}",
    )
    payload = {
        "dataset": task.name,
        "seed": args.seed,
        "split_seed": args.split_seed,
        "target_error": args.target_error,
        "target_mse": args.target_mse,
        "statistics": statistics,
        "bound": {conv: r.as_dict() for conv, r in bounds.items()},
        "gp": gp.as_dict(),
        "plot": str(plot),
    }
    from ibcomplexity._json import jsonable

    _write_text(
        out / "estimate.json",
        json.dumps(jsonable(payload), indent=2, allow_nan=False) + "\n",
        "the results file",
    )
    if args.json:
        _print_json(payload)
        return 0
    from rich.table import Table

    console = _console()
    console.print(stats_table)
    t = Table(title=f"Inductive-bias complexity of {task.name}", header_style="bold")
    t.add_column("estimate")
    t.add_column("target")
    t.add_column("bits", justify="right")
    t.add_column("log10(bits)", justify="right")
    for conv, r in bounds.items():
        label = "upper bound, " + conv + (" (default)" if conv == DEFAULT_CONVENTION else "")
        label = label if conv in CONVENTIONS else f"upper bound, {conv}"
        t.add_row(
            label,
            f"error {args.target_error:g}",
            r.formatted(),
            "-" if r.vacuous else f"{r.log10_bits:.4f}",
        )
    t.add_row(
        f"exact GP ({gp.space['kernel_name']}, n_train={task.n_train}, n_test={task.n_test})",
        f"MSE {args.target_mse:g}",
        _bits_text(gp.bits),
        "-" if gp.infinite or gp.bits <= 0 else f"{math.log10(gp.bits):.4f}",
    )
    console.print(t)
    console.print(
        "upper bound: Boopathy et al., ICML 2023 (model-agnostic, "
        + (
            "RL form: observation and action dims, n, delta"
            if "RL form" in bounds
            else "from n, m, R, delta"
        )
        + "). exact GP: "
        "-log2 P(test MSE <= target) for posterior samples of a GP with "
        f"{gp.space['kernel']} (Boopathy et al., IJCAI 2024), computed without sampling."
    )
    console.print(f"wrote {out / 'estimate.json'} and {plot}")
    return 0


# ----------------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    from ibcomplexity._cli_card import add_card_parser, add_n_train
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION

    p = _Parser(
        prog="ibc",
        description="Inductive-bias complexity of machine-learning tasks (bits a model designer "
        "must supply beyond the training data to reach a target error).",
    )
    from ibcomplexity import __version__

    p.add_argument("--version", action="version", version=f"ibcomplexity {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    dataset_help = (
        "dataset spec: digits | mnist:DIR[:train|test] | idx:IMAGES,LABELS | npz:FILE | "
        "cifar:PATH | folder:DIR | omniglot:PATH | sphere:m=M,D=D | torus:m=M,D=D | "
        "cartpole[:KEY=VALUE,...] | pendulum[:...]; add @KNOB=VALUE,... to preprocess "
        "(see 'ibc datasets')"
    )

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.add_argument("--quiet", action="store_true", help="no progress bars")

    b = sub.add_parser("bound", help="the model-agnostic bound from a data card or from data")
    src = b.add_argument_group("source (exactly one)")
    src.add_argument("--card", help="bundled card name (see 'ibc cards') or path to a card YAML")
    src.add_argument("--dataset", help=dataset_help)
    b.add_argument(
        "--target-error",
        type=float,
        default=None,
        help="target error eps (default: the card's; 0.01 for data)",
    )
    b.add_argument(
        "--convention",
        choices=tuple(CONVENTIONS),
        default=DEFAULT_CONVENTION,
        help=f"bound convention (default {DEFAULT_CONVENTION}; 'reference' reproduces the paper)",
    )
    b.add_argument("--unit", choices=("bits", "nats"), default="bits")
    b.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a card statistic"
    )
    b.add_argument(
        "--product-with", metavar="CARD", help="bound for the product task CARD x (this card)"
    )
    add_n_train(b)
    _add_stats_options(b)
    common(b)
    b.set_defaults(func=_cmd_bound)

    s = sub.add_parser("stats", help="task statistics (R, m, delta) of a dataset")
    s.add_argument("--dataset", required=True, help=dataset_help)
    add_n_train(s)
    _add_stats_options(s)
    common(s)
    s.set_defaults(func=_cmd_stats)

    c = sub.add_parser("cards", help="list the bundled data cards")
    common(c)
    c.set_defaults(func=_cmd_cards)

    add_card_parser(
        sub, common=common, add_stats_options=_add_stats_options, dataset_help=dataset_help
    )
    sub.choices["card"].set_defaults(func=_cmd_card)

    ds = sub.add_parser("datasets", help="the dataset specs every command accepts")
    ds.set_defaults(func=_cmd_datasets)

    def gp_options(sp: argparse.ArgumentParser, *, n_train: int, n_test: int) -> None:
        g = sp.add_argument_group("Gaussian-process hypothesis space")
        g.add_argument("--kernel", default="rbf", help="kernel spec (default rbf): " + kernel_help)
        g.add_argument("--bandwidth", default=None, help="a number or 'median' (the default)")
        g.add_argument(
            "--preprocess",
            choices=("none", "unit", "standardize"),
            default="none",
            help="input preprocessing before the kernel (default none: the dataset's scaling)",
        )
        g.add_argument("--n-train", type=int, default=n_train, help=f"default {n_train}")
        g.add_argument("--n-test", type=int, default=n_test, help=f"default {n_test}")
        g.add_argument(
            "--split-seed",
            type=int,
            default=0,
            help="seed of the train/test split: the task (default 0)",
        )
        g.add_argument(
            "--target-mse",
            type=float,
            default=DEFAULT_TARGET_MSE,
            help=f"target per-entry test MSE on one-hot targets (default {DEFAULT_TARGET_MSE:g})",
        )

    from ibcomplexity.hypotheses import kernel_specs_help

    kernel_help = " ".join(kernel_specs_help().split())

    k = sub.add_parser("kernel", help="exact (and sampled) inductive bias of a GP/kernel space")
    k.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    gp_options(k, n_train=1000, n_test=500)
    k.add_argument("--samples", type=int, default=None, help="also sample S hypotheses and fit")
    k.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (default 200)")
    k.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    k.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the sampled hypotheses and the bootstrap (default 0; the split has "
        "--split-seed)",
    )
    k.add_argument(
        "--plot", default=None, metavar="PNG", help="save a plot of the loss distribution"
    )
    common(k)
    k.set_defaults(func=_cmd_kernel)

    e = sub.add_parser("estimate", help="the main job: the bound and the exact GP result")
    e.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    e.add_argument(
        "--target-error",
        type=float,
        default=DEFAULT_DATASET_TARGET_ERROR,
        help="target error of the bound (default 0.01)",
    )
    gp_options(e, n_train=1000, n_test=500)
    e.add_argument("--out", default="ibc-out", help="folder for estimate.json and the plot")
    _add_stats_options(e)
    common(e)
    e.set_defaults(func=_cmd_estimate)

    from ibcomplexity._cli_nn import add_parsers

    add_parsers(
        sub, common=common, dataset_help=dataset_help, default_target_mse=DEFAULT_TARGET_MSE
    )
    from ibcomplexity._cli_fewshot import add_parser as add_fewshot_parser

    add_fewshot_parser(sub, common=common)
    from ibcomplexity._cli_batch import add_parsers as add_batch_parsers

    add_batch_parsers(sub, common=common)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ibc`` console script."""
    try:
        parser = _parser()
        argv = list(sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(argv)
        args.argv = argv  # the command as given (a remedy repeats it with one option changed)
        if args.command is None:
            parser.print_help()
            return 0
        if args.command in _CHECKED_COMMANDS:
            _check_options(args)
        return args.func(args)
    except InputError as e:
        sys.stderr.write(f"ibc: error: {e}\n")
        return 2
    except OSError as e:  # an environment failure the commands did not name (disk, permissions)
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        sys.stderr.write(f"ibc: error: {e.strerror or e}{where}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("ibc: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
