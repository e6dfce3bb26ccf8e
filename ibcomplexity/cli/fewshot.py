"""``ibc fewshot``: few-shot meta-learning against image classification on Omniglot pixels."""

from __future__ import annotations

import math
from typing import Any


def add_parser(sub, *, common) -> None:
    from ibcomplexity.bound import CONVENTIONS, DEFAULT_CONVENTION

    p = sub.add_parser(
        "fewshot",
        help="few-shot meta-learning vs image classification on Omniglot (bound and exact GP)",
        description="Bits of W-way K-shot meta-learning and of image classification on the same "
        "Omniglot pixels: the meta-learning bound with m0, m1, R, delta and n measured on the "
        "images, and the exact GP episode estimate (see ibcomplexity.workflows.fewshot).",
    )
    p.add_argument(
        "--dataset",
        "--data",
        dest="data",
        required=True,
        metavar="SOURCES",
        help="Omniglot sources, comma-separated: zip files or folders in the standard layout "
        "(--data is the old spelling, still accepted)",
    )
    p.add_argument("--size", type=int, default=28, help="resize images to SIZE x SIZE (28)")
    p.add_argument("--ways", type=int, default=20, help="W classes per episode (20)")
    p.add_argument("--shots", type=int, default=1, help="K support images per class (1)")
    p.add_argument("--queries", type=int, default=5, help="query images per class (5)")
    p.add_argument("--episodes", type=int, default=50, help="test episodes of the GP (50)")
    p.add_argument(
        "--target-error", type=float, default=0.01, help="the bound's target error (0.01)"
    )
    p.add_argument(
        "--target-mse",
        type=float,
        default=None,
        help="the GP's target per-entry query MSE (default 1/W: what predicting 0 reaches)",
    )
    p.add_argument("--kernel", default="rbf", help="GP kernel spec (rbf, median bandwidth)")
    p.add_argument(
        "--convention", choices=tuple(CONVENTIONS), default=DEFAULT_CONVENTION, help="bound"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the episodes and the MLE (0)")
    p.add_argument("--plot", default=None, metavar="PNG", help="save a bar chart")
    common(p)
    p.set_defaults(func=cmd_fewshot)


def _bits(x: float) -> str:
    return "infinite" if math.isinf(x) else f"{x:.6g}"


def cmd_fewshot(args) -> int:
    """Render :func:`ibcomplexity.workflows.fewshot_analysis` (tables, JSON, plot)."""
    from ibcomplexity._validation import check_error_rate
    from ibcomplexity.cli._output import make_console, print_json, progress
    from ibcomplexity.plots import check_plot_path
    from ibcomplexity.workflows.fewshot import fewshot_analysis

    # the counts were range-checked by ibc's main (--ways >= 2, --shots >= 1, ...)
    check_error_rate("--target-error", args.target_error)
    if args.plot:
        check_plot_path(args.plot, "--plot")
    with progress(not args.quiet) as pf:
        result = fewshot_analysis(
            args.data,
            ways=args.ways,
            shots=args.shots,
            queries=args.queries,
            num_episodes=args.episodes,
            target_error=args.target_error,
            target_mse=args.target_mse,
            size=args.size,
            seed=args.seed,
            kernel=args.kernel,
            convention=args.convention,
            progress=pf,
        )
    images, stats, gp, eps = result.images, result.statistics, result.gp, result.target_mse
    bounds = result.bounds
    payload: dict[str, Any] = {**result.as_dict(), "plot": args.plot}
    if args.plot:
        from ibcomplexity.plots import plot_bars

        plot_bars(
            args.plot,
            labels=["few-shot", "classification"],
            panels={
                "log10 bits (bound)": [
                    stats.bound.log10_bits if not stats.bound.vacuous else None,
                    None if stats.classification.vacuous else stats.classification.log10_bits,
                ],
                f"exact GP bits at query MSE {eps:.3g}": [
                    gp.few_shot.bits,
                    gp.classification.bits,
                ],
            },
            title=f"Omniglot {args.ways}-way {args.shots}-shot vs classification "
            f"({args.size}x{args.size})",
            log=False,
        )
    if args.json:
        print_json(payload)
        return 0
    from rich.table import Table

    console = make_console()
    t = Table(title="Statistics measured on the images", header_style="bold")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    t.add_row("images / characters", f"{images.x.shape[0]} / {len(images.characters)}")
    t.add_row("alphabets with >= W characters", str(len(stats.alphabets)))
    t.add_row("m0 (mean per-alphabet MLE)", f"{stats.m_inner_raw:.4f} -> {stats.m_inner}")
    t.add_row("m1 (MLE on all images)", f"{stats.m_outer_raw:.4f} -> {stats.m_outer}")
    t.add_row("m = m1 + (W-1) m0", str(stats.m))
    t.add_row("R / delta", f"{stats.radius:.6g} / {stats.delta:.6g}")
    t.add_row("n (distinct training episodes)", f"10^{math.log10(stats.episodes):.4f}")
    console.print(t)
    b = Table(title=f"Model-agnostic bound at target error {args.target_error:g}")
    b.add_column("task")
    b.add_column("bits", justify="right")
    for name, r in bounds.items():
        b.add_row(name, r.message if r.vacuous else r.formatted())
    console.print(b)
    g = Table(title=f"Exact GP bits at mean query MSE {eps:.4g} over {gp.num_episodes} episodes")
    g.add_column("task")
    g.add_column("joint bits", justify="right")
    g.add_column("sum of per-episode bits", justify="right")
    g.add_column("training images per class", justify="right")
    g.add_row(
        "few-shot", _bits(gp.few_shot.bits), _bits(gp.few_shot.sum_episode_bits), str(gp.shots)
    )
    g.add_row(
        "classification",
        _bits(gp.classification.bits),
        _bits(gp.classification.sum_episode_bits),
        str(gp.train_per_class),
    )
    console.print(g)
    console.print(
        "GP formulation: each test episode's hypotheses are the noise-free GP posterior given its "
        "support set; the meta task needs -log2 P(mean query MSE over the episodes <= eps). "
        "Classification: the same classes and queries with all other drawers as training images."
    )
    if args.plot:
        console.print(f"wrote {args.plot}")
    return 0
