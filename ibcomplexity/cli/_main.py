"""The ``ibc`` command line: parse, call the library, print a table or one JSON object.

Exit status: 0 on success; 2 with a one-line ``ibc: error: ...`` on bad input; 130 when interrupted.
Progress bars go to stderr (only on a terminal), so ``--json`` output on stdout stays clean.

Bad input fails before any work: every numeric option is range-checked (:func:`check_options`)
before a dataset is read, target error rates must lie in (0, 1), output folders and plot paths are
checked (writable, a known image extension) before the computation, and memory estimates (GP
posterior, network weights) are checked against ``IBC_MEMORY_LIMIT``. A write that fails
afterwards (disk full) is one line naming the path, too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ibcomplexity._validation import InputError
from ibcomplexity.cli._checks import CHECKED_COMMANDS, check_options
from ibcomplexity.cli._output import Parser
from ibcomplexity.cli.data import (
    DEFAULT_DATASET_TARGET_ERROR,
    add_stats_options,
    cmd_bound,
    cmd_cards,
    cmd_datasets,
    cmd_stats,
)
from ibcomplexity.cli.gp import DEFAULT_TARGET_MSE, cmd_estimate, cmd_kernel


def _parser() -> argparse.ArgumentParser:
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION
    from ibcomplexity.cli._card import add_card_parser, add_n_train, cmd_card

    p = Parser(
        prog="ibc",
        description="Inductive-bias complexity of machine-learning tasks (bits a model designer "
        "must supply beyond the training data to reach a target error).",
    )
    from ibcomplexity import __version__

    p.add_argument("--version", action="version", version=f"ibcomplexity {__version__}")
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="the data directory for this command (sets $IBC_DATA; 'ibc data list' shows it)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
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
    b.add_argument(
        "--unit", choices=("bits", "nats"), default="bits", help="unit of the bound (default bits)"
    )
    b.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a card statistic"
    )
    b.add_argument(
        "--product-with",
        metavar="CARD",
        help="the bound for the product task (this card) x CARD; its target error and delta are "
        "this card's",
    )
    add_n_train(b)
    add_stats_options(b)
    common(b)
    b.set_defaults(func=cmd_bound)

    s = sub.add_parser("stats", help="task statistics (R, m, delta) of a dataset")
    s.add_argument("--dataset", required=True, help=dataset_help)
    add_n_train(s)
    add_stats_options(s)
    common(s)
    s.set_defaults(func=cmd_stats)

    c = sub.add_parser("cards", help="list the bundled data cards")
    common(c)
    c.set_defaults(func=cmd_cards)

    add_card_parser(
        sub, common=common, add_stats_options=add_stats_options, dataset_help=dataset_help
    )
    sub.choices["card"].set_defaults(func=cmd_card)

    ds = sub.add_parser("datasets", help="the dataset specs every command accepts")
    ds.set_defaults(func=cmd_datasets)

    def gp_options(sp: argparse.ArgumentParser, *, n_train: int, n_test: int) -> None:
        g = sp.add_argument_group("Gaussian-process hypothesis space")
        g.add_argument("--kernel", default="rbf", help="kernel spec (default rbf; listed below)")
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

    from ibcomplexity._specs_help import KERNEL_SPECS

    raw = argparse.RawDescriptionHelpFormatter
    k = sub.add_parser(
        "kernel",
        help="exact (and sampled) inductive bias of a GP/kernel space",
        formatter_class=raw,
        epilog=KERNEL_SPECS,
    )
    k.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    gp_options(k, n_train=1000, n_test=500)
    k.add_argument("--samples", type=int, default=None, help="also sample S hypotheses and fit")
    k.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (default 200)")
    k.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="dtype of the sampled losses (default float32; float64 for targets far in the tail)",
    )
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
    k.set_defaults(func=cmd_kernel)

    e = sub.add_parser(
        "estimate",
        help="the main job: the bound and the exact GP result",
        formatter_class=raw,
        epilog=KERNEL_SPECS,
    )
    e.add_argument("--dataset", default="digits", help=dataset_help + " (default: digits)")
    e.add_argument(
        "--target-error",
        type=float,
        default=DEFAULT_DATASET_TARGET_ERROR,
        help="target error of the bound (default 0.01)",
    )
    gp_options(e, n_train=1000, n_test=500)
    e.add_argument("--out", default="ibc-out", help="folder for estimate.json and the plot")
    add_stats_options(e)
    common(e)
    e.set_defaults(func=cmd_estimate)

    from ibcomplexity.cli.nn import add_parsers

    add_parsers(
        sub, common=common, dataset_help=dataset_help, default_target_mse=DEFAULT_TARGET_MSE
    )
    from ibcomplexity.cli.fewshot import add_parser as add_fewshot_parser

    add_fewshot_parser(sub, common=common)
    from ibcomplexity.cli.batch import add_parsers as add_batch_parsers

    add_batch_parsers(sub, common=common)
    from ibcomplexity.cli.downloads import add_parser as add_data_parser

    add_data_parser(sub, common=common)
    for name, parser in sub.choices.items():
        text, examples = _COMMAND_HELP[name]
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.description = parser.description or text
        if examples:
            ex = "examples:\n" + "\n".join(f"  {e}" for e in examples)
            parser.epilog = f"{parser.epilog}\n\n{ex}" if parser.epilog else ex
    return p


#: Each command's description (where its parser sets none) and examples, shown by ``--help``.
_COMMAND_HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "bound": (
        "The model-agnostic bound (Boopathy et al., ICML 2023) from a bundled or computed data "
        "card, or from the statistics measured on a dataset.",
        (
            "ibc bound --card mnist --convention reference",
            "ibc bound --dataset digits",
            "ibc bound --card cartpole --set observations=3",
        ),
    ),
    "stats": (
        "Task statistics of a dataset: n, classes, the radius R, the intrinsic dimension m "
        "(Levina-Bickel MLE) and the resolution delta.",
        ("ibc stats --dataset digits", "ibc stats --dataset mnist --delta-method extreme-value"),
    ),
    "cards": (
        "The bundled data cards, with their bound in the paper's (reference) convention.",
        ("ibc cards", "ibc cards --json"),
    ),
    "card": ("", ("ibc card --dataset digits > digits.md", "ibc bound --card digits.md")),
    "datasets": (
        "Every dataset spec: the built-in digits, downloaded data sets, IDX, npz, CIFAR, image "
        "folders, Omniglot, synthetic manifolds, MDP regression sources, and @knob "
        "preprocessing.",
        ("ibc datasets",),
    ),
    "kernel": (
        "The exact inductive bias of a Gaussian-process (kernel) hypothesis space on a task "
        "(Boopathy et al., IJCAI 2024), computed without sampling; with --samples, also the "
        "estimate from sampled hypotheses beside it.",
        (
            "ibc kernel --dataset digits --n-train 500 --n-test 200 --target-mse 0.02",
            "ibc kernel --kernel matern52 --samples 20000 --plot kernel.png",
        ),
    ),
    "estimate": (
        "The main job: the model-agnostic bound from the task's statistics and the exact GP "
        "inductive bias, side by side, with a plot of the GP loss distribution.",
        ("ibc estimate", "ibc estimate --dataset mnist --out mnist-out"),
    ),
    "nn": (
        "Train networks of one architecture from independent seeds and estimate the bits "
        "required within that space to reach a target test MSE.",
        ("ibc nn --arch mlp:width=256,depth=2 --samples 128 --target-mse 0.0115",),
    ),
    "compare": (
        "The inductive bias each architecture provides, measured in a fixed base space (the "
        "exact GP space and the model-agnostic bound), with paired differences.",
        ("ibc compare --arch mlp:width=32,depth=1 --arch mlp:width=8,depth=1 --samples 20",),
    ),
    "fewshot": ("", ("ibc fewshot --dataset images_background.zip --ways 20 --shots 1",)),
    "batch": (
        "",
        (
            "ibc batch experiments/batch/example.toml --out batch-out",
            "ibc batch experiments/batch/example.toml --out batch-out --resume",
        ),
    ),
    "data": ("", ()),
}


#: Commands that compute with JAX: their output names the platform (``ibc bound --card`` does
#: not compute; it is excluded by its ``--card``).
JAX_COMMANDS = frozenset(
    {"stats", "bound", "card", "estimate", "kernel", "nn", "compare", "fewshot", "batch"}
)


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
        if args.data_dir is not None:
            import os

            os.environ["IBC_DATA"] = str(args.data_dir)
        if args.command in CHECKED_COMMANDS:
            check_options(args)
        from ibcomplexity.cli import _output

        computes = args.command in JAX_COMMANDS and getattr(args, "card", None) is None
        _output.REPORT_PLATFORM = (getattr(args, "precision", None) or "") if computes else None
        try:
            rc = args.func(args)
            if rc == 0 and computes and not getattr(args, "json", False):
                from ibcomplexity.sampling.mesh import platform_text

                # ``ibc card`` writes a card file to stdout: the line goes to stderr there
                out = sys.stderr if args.command == "card" else sys.stdout
                print(platform_text(_output.platform()), file=out)
            return rc
        finally:
            _output.REPORT_PLATFORM = None
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
