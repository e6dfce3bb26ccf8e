"""MNIST task statistics from the real test set, and the bound they give, next to the paper's card.

Computes R, the intrinsic dimension m (Levina-Bickel MLE with k = 5, and TwoNN when available) and
the resolution delta (exact, subset and extreme-value methods, when ``task_statistics`` lets one
choose) on the 10,000 MNIST *test* images in ``../shared/data/mnist`` (the only MNIST split
available offline; the paper used the 60,000 training images). Then evaluates the model-agnostic
bound with those statistics, at n = 10,000 (the points they were computed on) and at n = 60,000
(the paper's training-set size), in the ``reference`` and ``integer-degree`` conventions, next to
the paper's card values, and attributes the difference by swapping one statistic at a time into
the paper's card.

Outputs (under ``--out``, default ``experiments/results/mnist_statistics``):

* ``statistics.csv``: one row per statistic estimate (method, value, paper value, runtime);
* ``bounds.csv``: one row per (configuration, convention);
* ``summary.json``: everything, including the full ``TaskStatistics`` records;
* ``comparison.png``: statistics relative to the paper, and the bounds.

Usage::

    python experiments/mnist_statistics.py [--data ../shared/data/mnist] [--seed 0]
        [--out experiments/results/mnist_statistics]
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import math
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _results import data_root, write_csv
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ibcomplexity._numerics import format_log10
from ibcomplexity.bound import classification_bound
from ibcomplexity.tasks import load_card, load_dataset

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = data_root() / "mnist"
MNIST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CONVENTIONS = ("reference", "integer-degree")
DELTA_METHODS = ("exact", "subset", "extreme_value")
#: Extra pair streams (jax.random.key(s)) for the spread of the extreme-value delta.
EV_SEEDS = range(5)
COLOR = {"reference": "#1f4e79", "integer-degree": "#7fb3d5"}


def fail(message: str) -> None:
    print(f"mnist_statistics.py: {message}", file=sys.stderr)
    raise SystemExit(1)


def check_data(directory: Path) -> None:
    """Exit with a clear message when the MNIST test files are absent."""
    missing = [
        name
        for name in MNIST_FILES
        if not (directory / name).is_file() and not (directory / f"{name}.gz").is_file()
    ]
    if not directory.is_dir() or missing:
        fail(
            f"the MNIST test set is not available at {directory} (missing: "
            f"{', '.join(missing) if directory.is_dir() else 'the folder itself'}). "
            "This experiment needs t10k-images-idx3-ubyte[.gz] and "
            "t10k-labels-idx1-ubyte[.gz]; pass --data DIR."
        )


def import_stats():
    """The statistics module, or a clear exit when it does not (yet) provide task_statistics."""
    try:
        from ibcomplexity import stats
    except ImportError as e:
        fail(f"cannot import ibcomplexity.stats ({e})")
    if not hasattr(stats, "task_statistics"):
        fail("ibcomplexity.stats does not export task_statistics (yet)")
    return stats


def call_with_supported(fn, *args, **kwargs):
    """Call ``fn`` with only the keyword arguments its signature accepts (the API is young)."""
    params = inspect.signature(fn).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


def compute_statistics(stats, dataset, seed: int) -> tuple[list, dict]:
    """task_statistics for each delta method it supports, plus TwoNN; with wall-clock times."""
    supports_method = "delta_method" in inspect.signature(stats.task_statistics).parameters
    methods = DELTA_METHODS if supports_method else (None,)
    results = []
    for method in methods:
        kwargs = dict(seed=seed, k=5)
        if method is not None:
            kwargs["delta_method"] = method
        start = time.perf_counter()
        ts = call_with_supported(stats.task_statistics, dataset.x, dataset.y, **kwargs)
        elapsed = time.perf_counter() - start
        print(
            f"  task_statistics(delta_method={method!r}): n={ts.n} R={ts.radius:.6g} "
            f"m={ts.intrinsic_dimension.value:.4f} delta={ts.resolution.delta:.6g} "
            f"({ts.resolution.method}) in {elapsed:.1f} s",
            flush=True,
        )
        results.append((method or ts.resolution.method, ts, elapsed))
    extra = {"delta_method_selectable": supports_method}
    twonn = getattr(stats, "intrinsic_dimension_twonn", None)
    if twonn is not None:
        first = next(iter(inspect.signature(twonn).parameters))
        start = time.perf_counter()
        if first == "key":
            import jax

            est = twonn(jax.random.key(seed), dataset.x)
        else:
            est = call_with_supported(twonn, dataset.x, seed=seed)
        extra["twonn"] = (est, time.perf_counter() - start)
        print(f"  TwoNN: m={est.value:.4f} in {extra['twonn'][1]:.1f} s", flush=True)
    ev = getattr(stats, "min_class_distance_extreme_value", None)
    if ev is not None and EV_SEEDS:
        # The extreme-value delta is a random extrapolation: show its spread over pair streams.
        import jax

        start = time.perf_counter()
        values = [ev(jax.random.key(s), dataset.x, dataset.y).delta for s in EV_SEEDS]
        extra["ev_seeds"] = (values, time.perf_counter() - start)
        print(
            f"  extreme-value delta over seeds {list(EV_SEEDS)}: "
            + ", ".join(f"{v:.4f}" for v in values),
            flush=True,
        )
    return results, extra


def statistic_rows(results, extra, paper: dict) -> list[dict]:
    rows = []
    first = results[0][1]
    rows.append(
        dict(statistic="n", method="points used", value=first.n, paper=paper["n"], seconds="")
    )
    rows.append(
        dict(
            statistic="radius",
            method="max L2 norm",
            value=first.radius,
            paper=paper["radius"],
            seconds="",
        )
    )
    mle = first.intrinsic_dimension
    rows.append(
        dict(
            statistic="m",
            method=f"MLE k={mle.k} ({mle.num_queries} queries, rounded {mle.rounded})",
            value=mle.value,
            paper=paper["m"],
            seconds="",
        )
    )
    if "twonn" in extra:
        tw, secs = extra["twonn"]
        rows.append(
            dict(
                statistic="m",
                method=f"TwoNN ({tw.num_queries} queries, rounded {tw.rounded})",
                value=tw.value,
                paper=paper["m"],
                seconds=f"{secs:.2f}",
            )
        )
    for method, ts, secs in results:
        res = ts.resolution
        rows.append(
            dict(
                statistic="delta",
                method=f"{method} ({res.num_pairs:,} pairs)",
                value=res.delta,
                paper=paper["delta"],
                seconds=f"{secs:.2f}",
            )
        )
    if "ev_seeds" in extra:
        values, secs = extra["ev_seeds"]
        rows.append(
            dict(
                statistic="delta",
                method=f"extreme_value, mean of {len(values)} pair streams "
                f"(range {min(values):.4g}..{max(values):.4g})",
                value=float(np.mean(values)),
                paper=paper["delta"],
                seconds=f"{secs:.2f}",
            )
        )
    # Only R/delta enters the eigenfunction count (M = 2 pi R / delta): the ratio that matters.
    for method, ts, _ in results:
        rows.append(
            dict(
                statistic="R/delta",
                method=f"{method} delta",
                value=ts.radius / ts.resolution.delta,
                paper=paper["radius"] / paper["delta"],
                seconds="",
            )
        )
    for r in rows:
        r["ratio_to_paper"] = f"{float(r['value']) / float(r['paper']):.4f}"
    return rows


def bound_configurations(results, extra, paper: dict) -> list[dict]:
    """The statistics of each bound evaluated, with a short label and a group for the chart."""
    first = results[0][1]
    R, m = first.radius, first.intrinsic_dimension.rounded
    configs = [
        dict(
            config="paper card",
            group="paper",
            description="the paper's statistics (60k training set)",
            **paper,
        )
    ]
    for method, ts, _ in results:
        for n in (10_000, 60_000):
            configs.append(
                dict(
                    config=f"test set: m={m}; delta {method}; n={n // 1000}k",
                    group="test set",
                    description=f"R, m (MLE) and delta ({method}) from the test set; n = {n:,}",
                    n=n,
                    m=m,
                    radius=R,
                    delta=ts.resolution.delta,
                )
            )
    # The paper's delta method (extreme value) when available, else whichever was computed.
    delta_method, delta_stats = results[-1][0], results[-1][1]
    if "twonn" in extra:
        m_twonn = extra["twonn"][0].rounded
        configs.append(
            dict(
                config=f"test set: m={m_twonn} (TwoNN); delta {delta_method}; n=10k",
                group="test set",
                description=f"as the MLE rows but m from TwoNN; delta ({delta_method}); n = 10,000",
                n=10_000,
                m=m_twonn,
                radius=R,
                delta=delta_stats.resolution.delta,
            )
        )
    # Attribution: the paper's card with one statistic (or R and delta jointly: only R/delta
    # enters the dimension count) replaced by the test-set value.
    delta_t = delta_stats.resolution.delta
    for changes, label in (
        ({"n": 10_000}, "n = 10000"),
        ({"m": m}, f"m = {m}"),
        ({"radius": R}, f"R = {R:.4g}"),
        ({"delta": delta_t}, f"delta = {delta_t:.4g} ({delta_method})"),
        ({"radius": R, "delta": delta_t}, f"R and delta (R/delta = {R / delta_t:.3g})"),
    ):
        configs.append(
            dict(
                config=f"paper card but test-set {label}",
                group="attribution",
                description=f"the paper's statistics except the test set's {label}",
                **{**paper, **changes},
            )
        )
    return configs


def bound_rows(configs, paper_log10: dict) -> list[dict]:
    rows = []
    for c in configs:
        for conv in CONVENTIONS:
            r = classification_bound(
                n=int(c["n"]),
                m=c["m"],
                radius=c["radius"],
                delta=c["delta"],
                classes=10,
                target_error=c["target_error"] if "target_error" in c else 1e-3,
                convention=conv,
            )
            rows.append(
                dict(
                    config=c["config"],
                    group=c["group"],
                    description=c["description"],
                    n=int(c["n"]),
                    m=c["m"],
                    radius=f"{c['radius']:.6f}",
                    delta=f"{c['delta']:.6f}",
                    convention=conv,
                    log10_bits="" if r.vacuous else f"{r.log10_bits:.6f}",
                    bits="vacuous" if r.vacuous else format_log10(r.log10_bits, 4),
                    vacuous=r.vacuous,
                    ratio_to_paper_card=""
                    if r.vacuous
                    else f"{10 ** (r.log10_bits - paper_log10[conv]):.4g}",
                )
            )
    return rows


def sci(log10_value: float) -> str:
    mantissa, exponent = format_log10(log10_value, 2).split("e")
    return f"{mantissa}e{int(exponent)}"


def plot(stat_rows, rows, path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(17.5, 6.6), gridspec_kw=dict(width_ratios=[1, 1.6], wspace=0.75)
    )
    # (a) each statistic relative to the paper's value.
    shown = [r for r in stat_rows if r["statistic"] != "n"]
    labels = [f"{r['statistic']}: {r['method'].split(' (')[0]}" for r in shown]
    ratios = [float(r["ratio_to_paper"]) for r in shown]
    y = np.arange(len(shown))
    ax1.barh(y, ratios, color="#888888", height=0.6)
    ax1.axvline(1.0, color="#c62828", linestyle="--", linewidth=1.2)
    for yi, r, ratio in zip(y, shown, ratios, strict=True):
        ax1.text(
            ratio + 0.03,
            yi,
            f"{float(r['value']):.4g} (paper {float(r['paper']):.4g})",
            va="center",
            fontsize=8.5,
        )
    ax1.set_yticks(y, labels)
    ax1.invert_yaxis()
    ax1.set_xlim(0, max(ratios) * 2.1)
    ax1.set_xlabel("MNIST test-set estimate / paper's value (red line: equal)")
    ax1.set_title("(a) statistics: 10k test set vs paper (60k training set)", fontsize=10.5)
    # (b) the bounds, as a dot plot (the axis does not start at zero bits, so no bars).
    configs = list(dict.fromkeys(r["config"] for r in rows))
    yb = np.arange(len(configs))
    markers = {"reference": "o", "integer-degree": "s"}
    for conv in CONVENTIONS:
        xs, ys = [], []
        for yi, c in zip(yb, configs, strict=True):
            r = next(x for x in rows if x["config"] == c and x["convention"] == conv)
            if not r["vacuous"]:
                xs.append(float(r["log10_bits"]))
                ys.append(yi)
        ax2.plot(xs, ys, markers[conv], color=COLOR[conv], markersize=7, label=f"{conv} convention")
    finite = [float(r["log10_bits"]) for r in rows if not r["vacuous"]]
    lo, hi = math.floor(min(finite)) - 0.5, math.ceil(max(finite)) + 0.5
    # The values as a table column at the right edge of the panel.
    for yi, c in zip(yb, configs, strict=True):
        texts = []
        for conv in CONVENTIONS:
            r = next(x for x in rows if x["config"] == c and x["convention"] == conv)
            texts.append("vacuous" if r["vacuous"] else sci(float(r["log10_bits"])))
        ax2.text(
            1.02,
            yi,
            "  /  ".join(texts),
            transform=ax2.get_yaxis_transform(),
            va="center",
            fontsize=8.5,
        )
    ax2.text(
        1.02,
        -1.0,
        "reference / integer-degree",
        transform=ax2.get_yaxis_transform(),
        va="center",
        fontsize=8.5,
        weight="bold",
    )
    paper = next(r for r in rows if r["config"] == "paper card" and r["convention"] == "reference")
    ax2.axvline(
        float(paper["log10_bits"]),
        color="#c62828",
        linestyle="--",
        linewidth=1.2,
        label=f"paper: {sci(float(paper['log10_bits']))} bits",
    )
    groups = [next(r["group"] for r in rows if r["config"] == c) for c in configs]
    for i in range(1, len(groups)):
        if groups[i] != groups[i - 1]:
            ax2.axhline(i - 0.5, color="0.6", linewidth=0.8, linestyle=":")
    ax2.set_yticks(yb, configs, fontsize=8.5)
    ax2.set_ylim(len(configs) - 0.5, -1.5)
    ax2.set_xlim(lo, hi)
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"$10^{{{v:g}}}$"))
    ax2.set_xlabel(r"bound (bits, log scale); $\epsilon$ = 0.001, C = 10")
    ax2.set_title("(b) MNIST bound: test-set statistics vs the paper's card", fontsize=10.5)
    ax2.grid(axis="x", color="0.92")
    ax2.legend(loc="upper left", fontsize=8.5, framealpha=0.95)
    fig.suptitle("MNIST task statistics measured on the real 10,000-image test set", fontsize=12)
    fig.savefig(path, dpi=140, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with the MNIST test files"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results" / "mnist_statistics",
    )
    args = parser.parse_args(argv)
    check_data(args.data)
    stats = import_stats()
    dataset = load_dataset(f"mnist:{args.data}")
    print(
        f"loaded {dataset.name}: {dataset.n} points, dim {dataset.dim}, {dataset.scaling}",
        flush=True,
    )

    card = load_card("mnist")
    paper = {k: card.statistics[k] for k in ("n", "m", "radius", "delta", "target_error")}
    results, extra = compute_statistics(stats, dataset, args.seed)

    paper_log10 = {
        conv: classification_bound(
            n=paper["n"],
            m=paper["m"],
            radius=paper["radius"],
            delta=paper["delta"],
            classes=10,
            target_error=paper["target_error"],
            convention=conv,
        ).log10_bits
        for conv in CONVENTIONS
    }
    stat_rows = statistic_rows(results, extra, paper)
    configs = bound_configurations(results, extra, paper)
    rows = bound_rows(configs, paper_log10)

    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "statistics.csv", stat_rows)
    write_csv(args.out / "bounds.csv", rows)
    plot(stat_rows, rows, args.out / "comparison.png")
    summary = {
        "dataset": dataset.name,
        "split": "test (10,000 images); the paper used the 60,000 training images",
        "scaling": dataset.scaling,
        "seed": args.seed,
        "paper_card": paper,
        "delta_method_selectable": extra["delta_method_selectable"],
        "task_statistics": {
            method: {**ts.as_dict(), "seconds": secs} for method, ts, secs in results
        },
        "twonn": None
        if "twonn" not in extra
        else {
            **dataclasses.asdict(extra["twonn"][0]),
            "rounded": extra["twonn"][0].rounded,
            "seconds": extra["twonn"][1],
        },
        "extreme_value_delta_by_seed": None
        if "ev_seeds" not in extra
        else dict(zip((f"key({s})" for s in EV_SEEDS), extra["ev_seeds"][0], strict=True)),
        "statistics": stat_rows,
        "bounds": rows,
    }
    (args.out / "summary.json").write_text(
        json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8"
    )

    for r in stat_rows:
        print(
            f"  {r['statistic']:<9}{r['method']:<62}{float(r['value']):>12.6g}"
            f"  paper {float(r['paper']):.6g}"
        )
    for r in rows:
        print(
            f"  {r['config']:<58}{r['convention']:<16}{r['bits']:>12}  x{r['ratio_to_paper_card']}"
        )
    print(f"wrote {', '.join(sorted(p.name for p in args.out.iterdir()))} to {args.out}")


if __name__ == "__main__":
    main()
