"""``ibc kernel`` and ``ibc estimate`` (the main job): exact and sampled inductive bias of
Gaussian-process spaces, beside the model-agnostic bound."""

from __future__ import annotations

import math
from typing import Any

from ibcomplexity._validation import check_target_error
from ibcomplexity.cli._checks import check_gp_memory, check_plot, kernel_option
from ibcomplexity.cli._output import (
    bits_text,
    make_console,
    print_json,
    progress,
    short_spec,
    write_text,
)
from ibcomplexity.cli.data import is_source, statistics_table

DEFAULT_TARGET_MSE = 0.01


def cmd_kernel(args) -> int:
    """``ibc kernel``: checks, then :func:`~ibcomplexity.workflows.gp_space_estimate`, rendered."""
    from ibcomplexity.workflows import gp_space_estimate

    check_plot(args)
    check_gp_memory(args)
    if args.samples is None:
        from ibcomplexity.cli._checks import note_ignored

        note_ignored(
            args,
            ("--bootstrap", "--dtype", "--seed"),
            "they apply to sampled hypotheses (--samples)",
        )
    if args.samples is not None:
        from ibcomplexity._limits import check_memory

        check_memory(
            32 * args.samples,  # the losses, their float64 copy, sorted copy and fit's weights
            f"--samples {args.samples} (the sampled losses and their fit)",
            hint="use fewer --samples",
        )
    kernel = kernel_option(args)
    with progress(not args.quiet) as pf:
        result = gp_space_estimate(
            args.dataset,
            kernel=kernel,
            preprocess=args.preprocess,
            n_train=args.n_train,
            n_test=args.n_test,
            split_seed=args.split_seed,
            target_mse=args.target_mse,
            samples=args.samples,
            seed=args.seed,
            bootstrap=args.bootstrap,
            dtype=args.dtype,
            progress=pf,
        )
    exact, est, inputs = result.exact, result.sampled, result.inputs
    if args.plot:
        from ibcomplexity.plots import plot_loss_distribution

        plot_loss_distribution(
            args.plot,
            target=args.target_mse,
            losses=result.losses,
            distribution=result.distribution,
            title=f"GP ({short_spec(exact.space['kernel'])}) on {inputs['dataset']}: "
            f"n_train={inputs['n_train']}, n_test={inputs['n_test']}",
            bits_label=f"target {args.target_mse:g}: {bits_text(exact.bits)}",
        )
    payload: dict[str, Any] = {**result.as_dict(), "plot": args.plot}
    if args.json:
        print_json(payload)
        return 0
    console = make_console()
    title = f"Inductive bias of a GP space on {inputs['dataset']}"
    console.print(_gp_table(exact, est, title=title))
    if est is not None and est.message:
        console.print(f"sampled: {est.message}", highlight=False)
    if args.plot:
        make_console().print(f"wrote {args.plot}")
    return 0


def _gp_table(exact, est, title: str):
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_row("[bold]exact bits (no sampling)[/bold]", f"[bold]{bits_text(exact.bits)}[/bold]")
    if exact.infinite:
        t.add_row("status", exact.message)
    else:
        t.add_row("bits per test point", f"{exact.bits_per_test_point:.6g}")
        t.add_row("Chernoff lower bound", bits_text(exact.chernoff_bits))
    if est is not None:
        from ibcomplexity.cli._estimate_text import estimate_rows

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


def cmd_estimate(args) -> int:
    """The README's main job: the bound from the task statistics, and the exact GP inductive bias,
    side by side, with a plot of the GP loss distribution."""

    from ibcomplexity._limits import check_output_dir, check_output_file
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION
    from ibcomplexity.plots import plot_loss_distribution
    from ibcomplexity.workflows import estimate_task

    source = is_source(args.dataset)
    check_target_error(args.target_error, rate=not source)
    out = check_output_dir(args.out, "--out")
    for name in ("estimate.json", "loss_distribution.png"):
        check_output_file(out / name, "--out")
    check_gp_memory(args)
    kernel = kernel_option(args)
    with progress(not args.quiet) as pf:
        result = estimate_task(
            args.dataset,
            target_error=args.target_error,
            target_mse=args.target_mse,
            kernel=kernel,
            preprocess=args.preprocess,
            n_train=args.n_train,
            n_test=args.n_test,
            split_seed=args.split_seed,
            seed=args.seed,
            k=args.k,
            num_queries=args.num_queries,
            delta_method=args.delta_method,
            progress=pf,
        )
    if result.is_source:
        from ibcomplexity.cli._card import card_table

        stats_table = card_table(result.statistics)
    else:
        stats_table = statistics_table(result.statistics)
    bounds, gp, task = result.bounds, result.gp, result
    plot = plot_loss_distribution(
        out / "loss_distribution.png",
        target=args.target_mse,
        distribution=result.distribution,
        title=f"Exact GP loss distribution on {task.dataset} ({short_spec(gp.space['kernel'])}, "
        f"n_train={task.n_train}, n_test={task.n_test})",
        bits_label=f"target MSE {args.target_mse:g}: {bits_text(gp.bits)}",
    )
    payload = {**result.as_dict(), "plot": str(plot)}
    from ibcomplexity.cli._output import platform

    if platform() is not None:  # the results file says where it was computed, as --json does
        payload["platform"] = platform()
    from ibcomplexity._json import to_json

    write_text(
        out / "estimate.json",
        to_json(payload) + "\n",
        "the results file",
    )
    if args.json:
        print_json(payload)
        return 0
    from rich.table import Table

    console = make_console()
    console.print(stats_table)
    t = Table(title=f"Inductive-bias complexity of {task.dataset}", header_style="bold")
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
        bits_text(gp.bits),
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
        f"{short_spec(gp.space['kernel'])} (Boopathy et al., IJCAI 2024), computed without "
        "sampling."
    )
    console.print(f"wrote {out / 'estimate.json'} and {plot}")
    return 0
