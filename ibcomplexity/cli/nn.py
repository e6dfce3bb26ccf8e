"""``ibc nn`` and ``ibc compare``: neural-network hypothesis spaces from the command line.

``ibc nn`` trains S networks of one architecture (each from its own seed), keeps those that fit
the training data, and estimates the bits required within that space to reach a target test MSE
(:func:`~ibcomplexity.estimate.estimate_bits`). ``ibc compare`` does this for several
architectures and reports the inductive bias each *provides*, measured in a fixed base space.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ibcomplexity._validation import InputError


def add_parsers(sub, *, common, dataset_help: str, default_target_mse: float) -> None:
    """Register ``nn`` and ``compare`` on the ``ibc`` subparsers."""
    from ibcomplexity._specs_help import ARCH_SPECS, KERNEL_SPECS

    raw = argparse.RawDescriptionHelpFormatter
    arch_list = "Architecture specs (NAME or NAME:KEY=VALUE,...):\n" + ARCH_SPECS

    def training(sp: argparse.ArgumentParser, *, samples: int) -> None:
        g = sp.add_argument_group("networks and training")
        g.add_argument("--samples", type=int, default=samples, help=f"networks (default {samples})")
        g.add_argument("--epochs", type=int, default=20, help="epochs (default 20)")
        g.add_argument("--batch-size", type=int, default=50, help="batch size (default 50)")
        g.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
        g.add_argument("--optimizer", default="adam", help="adam (default) | adamw | sgd")
        g.add_argument("--weight-decay", type=float, default=0.0, help="default 0")
        g.add_argument(
            "--precision",
            default="default",
            choices=("default", "high", "highest"),
            help="float32 matmul precision of training: default (the platform's fast mode: full "
            "float32 on CPU, TF32 on recent NVIDIA GPUs) | high | highest (full float32 "
            "everywhere: networks that agree across platforms to float rounding)",
        )
        g.add_argument(
            "--loss",
            default="mse",
            help="training objective: mse (default) | cross_entropy; the estimate always uses "
            "the test MSE on one-hot targets",
        )
        g.add_argument(
            "--fit-threshold",
            type=float,
            default=None,
            help="a network fits when its train MSE is below this (default 0.01)",
        )
        g.add_argument("--chunk", type=int, default=None, help="networks trained together")
        g.add_argument("--n-train", type=int, default=500, help="default 500")
        g.add_argument("--n-test", type=int, default=500, help="default 500")
        g.add_argument(
            "--split-seed",
            type=int,
            default=0,
            help="seed of the train/test split: the task (default 0)",
        )
        g.add_argument(
            "--seed",
            type=int,
            default=0,
            help="seed of the networks (initialisation, data order) and the bootstrap (default 0)",
        )
        g.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (200)")

    n = sub.add_parser(
        "nn",
        help="inductive bias required within a neural-network space",
        formatter_class=raw,
        epilog=arch_list,
    )
    n.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    n.add_argument("--arch", required=True, help="architecture spec (the list is below)")
    training(n, samples=128)
    n.add_argument(
        "--target-mse",
        type=float,
        default=default_target_mse,
        help=f"target per-entry test MSE (default {default_target_mse:g})",
    )
    n.add_argument("--plot", default=None, metavar="PNG", help="save the loss distribution plot")
    common(n)
    n.set_defaults(func=cmd_nn)

    c = sub.add_parser(
        "compare",
        help="inductive bias provided by several architectures",
        formatter_class=raw,
        epilog=arch_list + "\n\n" + KERNEL_SPECS,
    )
    c.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    c.add_argument(
        "--arch", action="append", required=True, help="architecture spec (repeat for each)"
    )
    training(c, samples=128)  # the same default as ibc nn
    c.add_argument("--kernel", default="rbf", help="kernel of the base GP space (default rbf)")
    c.add_argument(
        "--bandwidth", default=None, help="base GP bandwidth: a number or 'median' (default)"
    )
    c.add_argument(
        "--base-scale",
        type=float,
        default=1.0,
        help="prior scale of the base GP (multiplies its kernel; > 1 broadens a base space that "
        "saturates; default 1)",
    )
    c.add_argument("--plot", default=None, metavar="PNG", help="save the bar chart")
    common(c)
    c.set_defaults(func=cmd_compare)


# ------------------------------------------------------------------------------------------------


def check_plot(args) -> None:
    """``--plot``: a writable path with an image extension, checked before any training."""
    if args.plot:
        from ibcomplexity.plots import check_plot_path

        check_plot_path(args.plot, "--plot")


def cmd_nn(args) -> int:
    """``ibc nn``: checks, then :func:`~ibcomplexity.workflows.nn_space_estimate`, rendered."""
    from ibcomplexity.cli._output import make_console, print_json, progress
    from ibcomplexity.distributions.generalized_chi2 import GeneralizedChiSquare
    from ibcomplexity.workflows import nn_space_estimate

    # the options were range-checked by ibc's main (--samples >= 20, --bootstrap >= 0, ...)
    check_plot(args)
    with progress(not args.quiet) as pf:
        result = nn_space_estimate(
            args.dataset,
            arch=args.arch,
            target_mse=args.target_mse,
            samples=args.samples,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            n_train=args.n_train,
            n_test=args.n_test,
            split_seed=args.split_seed,
            seed=args.seed,
            optimizer=args.optimizer,
            weight_decay=args.weight_decay,
            loss=args.loss,
            chunk=args.chunk,
            fit_threshold=args.fit_threshold,
            bootstrap=args.bootstrap,
            progress=pf,
            precision=args.precision,
        )
    est, summary, res, losses = result.estimate, result.training, result.trained, result.losses
    inputs = result.inputs
    if args.plot:
        from ibcomplexity.cli._estimate_text import headline_text
        from ibcomplexity.plots import plot_loss_distribution

        fit = est.fit
        models = {"noncentral chi-square fit": GeneralizedChiSquare([fit.scale], fit.df, fit.nc)}
        if est.cumulant_fit is not None:
            models[f"four-cumulant model ({est.cumulant_fit.model})"] = (
                est.cumulant_fit.distribution()
            )
        plot_loss_distribution(
            args.plot,
            target=args.target_mse,
            losses=losses,
            models=models,
            title=f"{result.arch.spec} on {inputs['dataset']}: {res.num_fit} of {res.num} "
            "networks fit",
            bits_label=f"target {args.target_mse:g}: {headline_text(est)} bits ({est.regime})",
        )
    payload = {**result.as_dict(), "plot": args.plot}
    if args.json:
        print_json(payload)
        return 0
    console = make_console()
    console.print(_nn_table(summary, est, inputs, args))
    if est.message:
        console.print(f"notes: {est.message}", highlight=False)
    if args.plot:
        console.print(f"wrote {args.plot}")
    return 0


def _nn_table(summary, est, inputs, args):
    from rich.table import Table

    from ibcomplexity.cli._estimate_text import estimate_rows

    t = Table(
        title=f"Inductive bias within {summary['arch']} on {inputs['dataset']}", header_style="bold"
    )
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for label, value in estimate_rows(est):
        t.add_row(label, value)
    for c in est.goodness_of_fit.tail_checks:
        t.add_row(f"fit check at the {c.level:g} quantile", f"fitted/empirical P = {c.ratio:.3g}")
    t.add_row("target test MSE", f"{args.target_mse:g}")
    t.add_row("networks fitting the training data", f"{summary['fit']} of {summary['networks']}")
    m = summary["test_mse_fit"]
    t.add_row("test MSE (fitting nets)", f"median {m['median']:.4g}, min {m['min']:.4g}")
    a = summary["test_accuracy_fit"]
    if a is not None:
        t.add_row("test accuracy (fitting nets)", f"{a['mean']:.4f} +- {a['sd']:.4f}")
    t.add_row("parameters per network", f"{summary['parameters']:,}")
    cfg = summary["config"]
    t.add_row(
        "training",
        f"{cfg['optimizer']} lr={cfg['lr']:g}, {cfg['epochs']} epochs, batch {cfg['batch_size']}, "
        f"loss {cfg['loss']}, matmul precision {cfg.get('precision', 'default')}",
    )
    t.add_row(
        "time", f"{summary['seconds']:.1f} s ({summary['networks_per_second']:.3g} networks/s)"
    )
    t.add_row(
        "task", f"{inputs['dataset']}: n_train={inputs['n_train']}, n_test={inputs['n_test']}"
    )
    t.add_row("seeds", f"split {args.split_seed} (the task), networks {args.seed}")
    return t


def cmd_compare(args) -> int:
    """Render :func:`ibcomplexity.workflows.compare_architectures` (table, JSON, plot)."""
    from ibcomplexity.cli._checks import kernel_option
    from ibcomplexity.cli._output import print_json, progress
    from ibcomplexity.hypotheses.gp import check_posterior_memory
    from ibcomplexity.workflows.compare import compare_architectures

    if len(set(args.arch)) != len(args.arch):
        raise InputError(f"--arch given twice: {args.arch}")
    if not (args.base_scale > 0 and math.isfinite(args.base_scale)):
        raise InputError(f"--base-scale must be a positive number, got {args.base_scale!r}")
    check_plot(args)
    check_posterior_memory(
        args.n_train,
        args.n_test,
        what=f"the base GP posterior on --n-train {args.n_train} and --n-test {args.n_test}",
        hint="use a smaller --n-train or --n-test",
    )
    kernel = kernel_option(args)
    with progress(not args.quiet) as pf:
        result = compare_architectures(
            args.dataset,
            args.arch,
            samples=args.samples,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            kernel=kernel,
            base_scale=args.base_scale,
            n_train=args.n_train,
            n_test=args.n_test,
            split_seed=args.split_seed,
            seed=args.seed,
            optimizer=args.optimizer,
            weight_decay=args.weight_decay,
            loss=args.loss,
            chunk=args.chunk,
            fit_threshold=args.fit_threshold,
            progress=pf,
            precision=args.precision,
        )
    payload = result.as_dict()
    rows = payload["architectures"]
    remedy = payload["base_gp"]["remedy"]
    if remedy is not None:
        argv = getattr(args, "argv", None) or ["compare", *(f"--arch={a}" for a in args.arch)]
        remedy = dict(remedy)
        remedy["command"] = _with_option(argv, "--base-scale", f"{remedy['base_scale']:g}")
        payload["base_gp"]["remedy"] = remedy
    payload["inputs"]["argv"] = getattr(args, "argv", None)
    payload["plot"] = args.plot
    if args.plot:
        from ibcomplexity.plots import plot_bars

        plot_bars(
            args.plot,
            labels=[r["arch"].split(",init=")[0] for r in rows],
            panels={
                "bits provided (exact GP base space)": [r["provided"]["bits_gp"] for r in rows],
                "log10 bits provided (model-agnostic bound)": [
                    r["provided"]["bound_log10_bits"] for r in rows
                ],
            },
            title=f"Inductive bias provided by each architecture on {payload['inputs']['dataset']}",
            # log10 bits differ in the second decimal: a linear axis from 0 shows them as they are
            log={"log10 bits provided (model-agnostic bound)": False},
        )
    if args.json:
        print_json(payload)
        return 0
    _print_compare(rows, result.differences, payload, args)
    return 0


def _print_compare(rows, differences, payload, args) -> None:
    from rich.table import Table

    from ibcomplexity.cli._estimate_text import interval_text
    from ibcomplexity.cli._output import make_console

    t = Table(
        title=f"Inductive bias provided on {payload['inputs']['dataset']}", header_style="bold"
    )
    for col in (
        "architecture",
        "fit",
        "median test MSE",
        "test acc.",
        "GP bits (95% CI)",
        "bound log10 bits",
    ):
        t.add_column(col, justify="left" if col == "architecture" else "right")
    for r in rows:
        s, p = r["training"], r["provided"]
        bits = p["bits_gp"]
        gp = "inf" if bits == "inf" else f"{bits:.5g} {interval_text(_floats(p['bits_gp_ci']))}"
        if p["saturated"]:
            gp += " (saturated)"
        lb = p["bound_log10_bits"]
        t.add_row(
            r["arch"],
            f"{s['fit']}/{s['networks']}",
            f"{p['achieved_test_mse']:.4g}",
            f"{s['test_accuracy_fit']['mean']:.4f}",
            gp,
            "n/a" if lb is None else f"{lb:.4f}",
        )
    console = make_console()
    console.print(t)
    for d in differences:
        console.print(
            f"{d.arch} vs {d.versus}: {d.bits_gp:+.4g} GP bits "
            f"{interval_text(d.bits_gp_ci)}; {d.message}",
            highlight=False,
        )
    remedy = payload["base_gp"]["remedy"]
    if remedy is not None:
        console.print(f"remedy: {remedy['command']}  ({remedy['why']})", highlight=False)
    console.print(PROVIDED_DEFINITION_SHORT, highlight=False)
    if args.plot:
        console.print(f"wrote {Path(args.plot)}")


PROVIDED_DEFINITION_SHORT = (
    "provided bits = bits the base space needs to reach the architecture's median test error "
    "(zero point: 1 bit; see --json 'definition')"
)


def _with_option(argv: list[str], option: str, value: str) -> str:
    """``ibc ARGV`` as a shell command, with ``option`` set to ``value`` (replaced if present)."""
    import shlex

    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == option:
            skip = True
            continue
        if a.startswith(option + "="):
            continue
        out.append(a)
    return shlex.join(["ibc", *out, option, value])


def _floats(pair):
    from ibcomplexity._json import number

    return tuple(number(v) for v in pair)
