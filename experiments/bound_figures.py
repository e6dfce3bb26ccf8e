"""Reproduce the model-agnostic bound figures of Boopathy et al. (ICML 2023) from the data cards.

Every number comes from the library (``ibcomplexity.workflows.bound_from_card``,
``product_bound_from_cards``); nothing is re-derived here. Each figure is computed in the paper's
``reference`` convention and in the library's default ``integer-degree`` convention wherever the
convention applies (the RL / cart-pole torus form has a single form, so it has one value).

Outputs (under ``--out``, default ``experiments/results/bound``):

* ``benchmarks.png`` / ``benchmarks.csv``: the nine benchmark tasks, with the published values;
* ``sweeps.png`` / ``sweeps.csv``: one-statistic sweeps around the MNIST card (n, m, delta, C, eps);
* ``rl.png`` / ``rl.csv``: cart-pole T = 1..5 and the MuJoCo tasks, with the published values;
* ``products.png`` / ``products.csv``: the (asymmetric) task-product matrix of the image cards;
* ``summary.json``: all of the above in one file.

Usage::

    python experiments/bound_figures.py [--out experiments/results/bound]

References:
  Boopathy, Liu, Lee, Ishikawa, Sriram, Fiete. *Model-agnostic Measure of Generalization
  Difficulty*. ICML 2023. arXiv:2305.01034.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _results import write_csv
from matplotlib.colors import Normalize
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ibcomplexity._numerics import format_log10
from ibcomplexity.results import BoundResult
from ibcomplexity.tasks import load_card
from ibcomplexity.workflows import bound_from_card, product_bound_from_cards

CONVENTIONS = ("reference", "integer-degree")
CONVENTION_LABEL = {
    "reference": "reference convention (paper's formulas)",
    "integer-degree": "integer-degree convention (library default)",
}
COLOR = {"reference": "#1f4e79", "integer-degree": "#7fb3d5", "torus": "#2e7d32"}
PUBLISHED_STYLE = dict(marker="D", color="#c62828", markersize=6, linestyle="none", zorder=5)

BENCHMARKS = [
    ("mnist", "MNIST"),
    ("svhn", "SVHN"),
    ("cifar10", "CIFAR-10"),
    ("imagenet", "ImageNet"),
    ("omniglot", "Omniglot\n(20-way 1-shot)"),
    ("cartpole", "Cart-pole (T = 1)"),
    ("reacher", "Reacher"),
    ("hopper", "Hopper"),
    ("halfcheetah", "HalfCheetah"),
]
FAMILY = {
    "mnist": "image classification",
    "svhn": "image classification",
    "cifar10": "image classification",
    "imagenet": "image classification",
    "omniglot": "few-shot meta-learning",
    "cartpole": "reinforcement learning",
    "reacher": "reinforcement learning",
    "hopper": "reinforcement learning",
    "halfcheetah": "reinforcement learning",
}
PRODUCT_CARDS = [
    ("mnist", "MNIST"),
    ("svhn", "SVHN"),
    ("cifar10", "CIFAR-10"),
    ("imagenet", "ImageNet"),
]

#: Published cart-pole values for T = 1..5 (the paper's figure; method.md section 1.5). Only T = 1
#: has a data card (cartpole.yaml, whose reference.bits is the T = 1 value).
CARTPOLE_PUBLISHED = {1: 4.415e9, 2: 3.326e17, 3: 1.464e25, 4: 4.689e32, 5: 1.187e40}


# --------------------------------------------------------------------------------------------
# Helpers


def convention_applies(card) -> bool:
    """The convention changes only the spherical-harmonic forms (classification, meta)."""
    return card.task in ("classification", "meta")


def vacuity_reason(result: BoundResult) -> str:
    """Which of the two vacuity conditions holds ('' when the bound is not vacuous)."""
    if not result.vacuous:
        return ""
    reasons = []
    if result.terms.log10_dim_q is None:
        reasons.append("dim_q <= 0")
    if not result.terms.bracket > 0:
        reasons.append("bracket <= 0")
    return " and ".join(reasons)


def result_fields(result: BoundResult) -> dict:
    """The columns every CSV row shares."""
    return {
        "log10_bits": "" if result.vacuous else f"{result.log10_bits:.10f}",
        "bits": "vacuous" if result.vacuous else format_log10(result.log10_bits, 4),
        "vacuous": result.vacuous,
        "vacuous_reason": vacuity_reason(result),
    }


def sci(log10_value: float, digits: int = 2) -> str:
    """Compact scientific notation such as '1.48e16' from a base-10 log."""
    text = format_log10(log10_value, digits)
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def power_of_ten(value: float, _pos=None) -> str:
    return f"$10^{{{value:g}}}$"


# --------------------------------------------------------------------------------------------
# Figure 1: benchmarks


def benchmark_rows() -> list[dict]:
    rows = []
    for name, label in BENCHMARKS:
        card = load_card(name)
        published = float(card.reference["bits"])
        conventions = CONVENTIONS if convention_applies(card) else ("reference",)
        for conv in conventions:
            r = bound_from_card(card, convention=conv)
            rows.append(
                {
                    "task": name,
                    "label": label.replace("\n", " "),
                    "family": FAMILY[name],
                    "convention": conv if convention_applies(card) else "torus (single form)",
                    **result_fields(r),
                    "published_bits": f"{published:.5g}",
                    "log10_published": f"{math.log10(published):.6f}",
                    "ratio_to_published": ""
                    if r.vacuous
                    else f"{10 ** (r.log10_bits - math.log10(published)):.5f}",
                }
            )
    return rows


def plot_benchmarks(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 6.8))
    bar_h = 0.38
    yticks, ylabels = [], []
    for i, (name, label) in enumerate(BENCHMARKS):
        task_rows = [r for r in rows if r["task"] == name]
        yticks.append(i)
        ylabels.append(label)
        if len(task_rows) == 2:
            offsets = {"reference": -bar_h / 2, "integer-degree": bar_h / 2}
        else:
            offsets = {task_rows[0]["convention"]: 0.0}
        for r in task_rows:
            conv = r["convention"]
            color = COLOR["torus"] if conv.startswith("torus") else COLOR[conv]
            y = i + offsets[conv]
            value = float(r["log10_bits"])
            h = bar_h if len(task_rows) == 2 else bar_h * 1.3
            ax.barh(y, value, height=h, color=color, edgecolor="white", linewidth=0.5)
            ax.text(value + 3.0, y, sci(value), va="center", ha="left", fontsize=8.5)
        # The published values are the reference convention's: mark them on that bar.
        y_published = i + min(offsets.values())
        ax.plot(float(task_rows[0]["log10_published"]), y_published, **PUBLISHED_STYLE)
    ax.set_yticks(yticks, ylabels, fontsize=10)
    ax.invert_yaxis()
    # Separate the task families.
    for boundary in (3.5, 4.5):
        ax.axhline(boundary, color="0.6", linewidth=0.8, linestyle=":")
    for y, text in (
        (-0.6, "image classification"),
        (3.6, "meta-learning"),
        (4.6, "reinforcement learning"),
    ):
        ax.text(188, y, text, ha="right", va="top", fontsize=8.5, color="0.35", style="italic")
    ax.set_xlim(0, 190)
    ax.set_ylim(len(BENCHMARKS) - 0.4, -0.75)
    ax.xaxis.set_major_formatter(FuncFormatter(power_of_ten))
    ax.set_xticks(np.arange(0, 181, 20))
    ax.set_xlabel("inductive-bias complexity upper bound (bits, log scale)")
    ax.set_title(
        "Model-agnostic bound on inductive-bias complexity, from the data cards\n"
        "(Boopathy et al., ICML 2023)",
        fontsize=12,
    )
    ax.grid(axis="x", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    handles = [
        Patch(color=COLOR["reference"], label=CONVENTION_LABEL["reference"]),
        Patch(color=COLOR["integer-degree"], label=CONVENTION_LABEL["integer-degree"]),
        Patch(color=COLOR["torus"], label="RL torus form (no convention choice)"),
        plt.Line2D([], [], **PUBLISHED_STYLE, label="published value (card reference.bits)"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8.5, frameon=True, framealpha=0.95)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Figure 2: sweeps around the MNIST card


def sweep_grids(card) -> dict[str, dict]:
    """The swept statistic, its grid, and the card overrides for each grid value."""
    delta0 = card.statistics["delta"]
    s = card.statistics
    # Each grid includes the card's own value, so the CSV holds the card point exactly.
    n_grid = sorted({int(round(v)) for v in np.logspace(2, 9, 29)} | {s["n"]})
    class_grid = sorted({int(round(v)) for v in np.logspace(math.log10(2), 3, 40)} | {s["classes"]})
    factor_grid = sorted({float(v) for v in np.logspace(-1, 1, 41)} | {1.0})
    eps_grid = sorted(
        {float(v) for v in np.logspace(-6, math.log10(0.5), 34)} | {s["target_error"]}
    )
    return {
        "n": dict(values=n_grid, override=lambda v: {"n": v}, card_value=card.statistics["n"]),
        "m": dict(
            values=list(range(1, 61)), override=lambda v: {"m": v}, card_value=card.statistics["m"]
        ),
        "delta_factor": dict(
            values=factor_grid, override=lambda v: {"delta": v * delta0}, card_value=1.0
        ),
        "classes": dict(
            values=class_grid,
            override=lambda v: {"classes": v},
            card_value=card.statistics["classes"],
        ),
        "target_error": dict(
            values=eps_grid,
            override=lambda v: {"target_error": v},
            card_value=card.statistics["target_error"],
        ),
    }


def sweep_rows(card) -> list[dict]:
    rows = []
    for sweep, spec in sweep_grids(card).items():
        for value in spec["values"]:
            swept = card.with_statistics(**spec["override"](value))
            for conv in CONVENTIONS:
                r = bound_from_card(swept, convention=conv)
                rows.append(
                    {
                        "sweep": sweep,
                        "value": value,
                        "n": swept.statistics["n"],
                        "m": swept.statistics["m"],
                        "radius": swept.statistics["radius"],
                        "delta": swept.statistics["delta"],
                        "classes": swept.statistics["classes"],
                        "target_error": swept.statistics["target_error"],
                        "convention": conv,
                        "K": f"{r.terms.K:.6g}",
                        **result_fields(r),
                    }
                )
    return rows


SWEEP_PANELS = {
    "n": dict(xlabel="training points n", xlog=True, ylog=False, title="(a) training-set size n"),
    "m": dict(
        xlabel="intrinsic dimension m", xlog=False, ylog=True, title="(b) intrinsic dimension m"
    ),
    "delta_factor": dict(
        xlabel=r"resolution $\delta$ / card $\delta$",
        xlog=True,
        ylog=True,
        title=r"(c) resolution $\delta$",
    ),
    "classes": dict(
        xlabel="number of classes C", xlog=True, ylog=True, title="(d) number of classes C"
    ),
    "target_error": dict(
        xlabel=r"target error $\epsilon$",
        xlog=True,
        ylog=False,
        title=r"(e) target error $\epsilon$",
    ),
}


def plot_sweeps(rows: list[dict], card, path: Path) -> None:
    grids = sweep_grids(card)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.8))
    flat = axes.ravel()
    for ax, (sweep, panel) in zip(flat, SWEEP_PANELS.items(), strict=False):
        vacuous_x = set()
        linear_scale = None
        if not panel["ylog"]:
            # A linear bits axis shows the slow (n) and logarithmic (eps) dependence directly.
            finite = [
                float(r["log10_bits"]) for r in rows if r["sweep"] == sweep and not r["vacuous"]
            ]
            linear_scale = math.floor(min(finite))
        for conv in CONVENTIONS:
            sel = [r for r in rows if r["sweep"] == sweep and r["convention"] == conv]
            x = np.array([float(r["value"]) for r in sel])
            # NaN leaves a gap in the line: vacuous points are not drawn as numbers.
            y = np.array([np.nan if r["vacuous"] else float(r["log10_bits"]) for r in sel])
            if linear_scale is not None:
                y = 10.0 ** (y - linear_scale)
            style = "-" if conv == "reference" else "--"
            ax.plot(x, y, style, color=COLOR[conv], linewidth=2, label=CONVENTION_LABEL[conv])
            vacuous_x.update(float(r["value"]) for r in sel if r["vacuous"])
        if vacuous_x:
            xs = sorted(vacuous_x)
            ax.plot(
                xs,
                [0.04] * len(xs),
                "x",
                color="#c62828",
                transform=ax.get_xaxis_transform(),
                markersize=7,
                clip_on=False,
                label="vacuous (no bound)",
            )
            reasons = sorted(
                {r["vacuous_reason"] for r in rows if r["sweep"] == sweep and r["vacuous"]}
            )
            lo, hi = xs[0], xs[-1]
            ax.axvspan(lo, hi, color="#c62828", alpha=0.07, linewidth=0)
            # The note sits beside the crosses, on the side away from the vacuous range.
            if sweep == "m":
                x_text, ha = hi + 1.5, "left"
            elif panel["xlog"]:
                x_text, ha = lo / 1.15, "right"
            else:
                x_text, ha = lo - 1.5, "right"
            ax.text(
                x_text,
                0.04,
                "vacuous (" + ", ".join(reasons) + ")",
                transform=ax.get_xaxis_transform(),
                ha=ha,
                va="center",
                fontsize=8.5,
                color="#c62828",
            )
        ax.axvline(grids[sweep]["card_value"], color="0.45", linestyle=":", linewidth=1.2)
        ax.text(
            grids[sweep]["card_value"],
            0.97,
            " MNIST card",
            transform=ax.get_xaxis_transform(),
            ha="left",
            va="top",
            fontsize=8.5,
            color="0.35",
        )
        if panel["xlog"]:
            ax.set_xscale("log")
        if panel["ylog"]:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
            ax.set_ylabel("bits (log scale)")
        else:
            ax.set_ylabel(rf"bits ($\times 10^{{{linear_scale}}}$, linear scale)")
        ax.set_xlabel(panel["xlabel"])
        ax.set_title(panel["title"], fontsize=11)
        ax.grid(color="0.92")
        if sweep == "n":
            # The axis does not start at zero: state the size of the change in words.
            ref = [r for r in rows if r["sweep"] == "n" and r["convention"] == "reference"]
            change = 10 ** (float(ref[-1]["log10_bits"]) - float(ref[0]["log10_bits"])) - 1
            ax.text(
                0.97,
                0.55,
                f"n: {int(ref[0]['value']):.0e} \u2192 {int(ref[-1]['value']):.0e}\n"
                f"bits change by {100 * change:+.1f}%\n(axis does not start at 0)",
                transform=ax.transAxes,
                ha="right",
                fontsize=8.5,
                color="0.3",
            )
        if sweep == "m":
            # Vacuous points sit at the bottom: leave room for them below the first finite value.
            lo = min(float(r["log10_bits"]) for r in rows if r["sweep"] == "m" and not r["vacuous"])
            ax.set_ylim(lo - 3, None)
        if sweep == "delta_factor":
            lo = min(
                float(r["log10_bits"])
                for r in rows
                if r["sweep"] == "delta_factor" and not r["vacuous"]
            )
            ax.set_ylim(lo - 6, None)
    # The sixth panel holds the legend and the fixed statistics.
    legend_ax = flat[-1]
    legend_ax.axis("off")
    handles, labels = flat[1].get_legend_handles_labels()
    legend_ax.legend(handles, labels, loc="upper left", fontsize=10, frameon=False)
    s = card.statistics
    legend_ax.text(
        0.0,
        0.55,
        "Other statistics fixed at the MNIST card:\n"
        f"n = {s['n']:,}, m = {s['m']:g}, R = {s['radius']:.4g},\n"
        rf"$\delta$ = {s['delta']:.4g}, C = {s['classes']}, $\epsilon$ = {s['target_error']:g}"
        "\n\nVacuous: the training data already fix every\n"
        "counted dimension (dim_q <= 0) or the per-dimension\n"
        "bracket is <= 0; the bound then says nothing and\n"
        "is not plotted (red crosses, shaded range).",
        transform=legend_ax.transAxes,
        va="top",
        fontsize=9.5,
    )
    fig.suptitle(
        "Bound sweeps around the MNIST card: one statistic varied, the others fixed",
        fontsize=13,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Figures 3 and 4: reinforcement learning


def rl_rows() -> list[dict]:
    rows = []
    base = load_card("cartpole")
    for T in range(1, 6):
        r = bound_from_card(base.with_statistics(observations=T))
        rows.append(
            {
                "task": f"cartpole_T{T}",
                "label": f"T = {T}",
                "observability": "fully observed" if T == 1 else "partially observed",
                "m": 2 * T,
                "D": 1,
                "convention": "torus (single form)",
                **result_fields(r),
                "published_bits": f"{CARTPOLE_PUBLISHED[T]:.5g}",
                "ratio_to_published": ""
                if r.vacuous
                else f"{10 ** (r.log10_bits - math.log10(CARTPOLE_PUBLISHED[T])):.5f}",
            }
        )
    for name in ("reacher", "hopper", "halfcheetah"):
        card = load_card(name)
        r = bound_from_card(card)
        published = float(card.reference["bits"])
        rows.append(
            {
                "task": name,
                "label": card.title.split(" (")[0],
                "observability": "fully observed",
                "m": card.statistics["obs_dim"],
                "D": card.statistics["action_dim"],
                "convention": "torus (single form)",
                **result_fields(r),
                "published_bits": f"{published:.5g}",
                "ratio_to_published": ""
                if r.vacuous
                else f"{10 ** (r.log10_bits - math.log10(published)):.5f}",
            }
        )
    return rows


def plot_rl(rows: list[dict], path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5.2), gridspec_kw=dict(width_ratios=[5, 3.4]))
    cart = [r for r in rows if r["task"].startswith("cartpole")]
    colors = [COLOR["torus"] if r["observability"] == "fully observed" else "#a5d6a7" for r in cart]
    x = np.arange(len(cart))
    heights = [float(r["log10_bits"]) for r in cart]
    ax1.bar(x, heights, color=colors, width=0.62)
    ax1.plot(x, [math.log10(float(r["published_bits"])) for r in cart], **PUBLISHED_STYLE)
    for xi, h in zip(x, heights, strict=True):
        ax1.text(xi, h + 1.2, sci(h), ha="center", va="bottom", fontsize=9)
    ax1.set_xticks(x, [f"T = {r['label'].split('= ')[1]}\n(m = {r['m']})" for r in cart])
    ax1.set_xlabel("observations in the policy's history")
    ax1.set_title("(a) Simplified cart-pole: fully vs partially observed", fontsize=11)
    ax1.legend(
        handles=[
            Patch(color=COLOR["torus"], label="fully observed MDP (T = 1)"),
            Patch(color="#a5d6a7", label="partially observed (T > 1, needs a history)"),
            plt.Line2D([], [], **PUBLISHED_STYLE, label="published value"),
        ],
        loc="upper left",
        fontsize=8.5,
    )
    mujoco = [r for r in rows if not r["task"].startswith("cartpole")]
    x2 = np.arange(len(mujoco))
    heights2 = [float(r["log10_bits"]) for r in mujoco]
    ax2.bar(x2, heights2, color=COLOR["torus"], width=0.62)
    ax2.plot(x2, [math.log10(float(r["published_bits"])) for r in mujoco], **PUBLISHED_STYLE)
    for xi, h in zip(x2, heights2, strict=True):
        ax2.text(xi, h + 1.2, sci(h), ha="center", va="bottom", fontsize=9)
    ax2.set_xticks(x2, [f"{r['label']}\n(obs {r['m']}, act {r['D']})" for r in mujoco])
    ax2.set_xlabel("MuJoCo task (DeepMind-control dimensions)")
    ax2.set_title("(b) MuJoCo continuous control", fontsize=11)
    top = max(heights + heights2) * 1.12
    for ax in (ax1, ax2):
        ax.set_ylim(0, top)
        ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.set_ylabel("bits (log scale)")
        ax.grid(axis="y", color="0.92")
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    fig.suptitle(
        r"Reinforcement learning (flat-torus form; n, $\delta$, $\epsilon$ from the cards)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=140)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Figure 5: task products


def product_rows() -> list[dict]:
    rows = []
    for conv in CONVENTIONS:
        for first, _ in PRODUCT_CARDS:
            for second, _ in PRODUCT_CARDS:
                r = product_bound_from_cards(first, second, convention=conv)
                rows.append(
                    {"first": first, "second": second, "convention": conv, **result_fields(r)}
                )
    return rows


def plot_products(rows: list[dict], path: Path) -> None:
    names = [n for n, _ in PRODUCT_CARDS]
    labels = [lab for _, lab in PRODUCT_CARDS]
    values = {c: np.full((len(names), len(names)), np.nan) for c in CONVENTIONS}
    for r in rows:
        if not r["vacuous"]:
            values[r["convention"]][names.index(r["first"]), names.index(r["second"])] = float(
                r["log10_bits"]
            )
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    norm = Normalize(vmin=math.floor(finite.min()), vmax=math.ceil(finite.max()))
    fig, axes = plt.subplots(1, 2, figsize=(13.5, 5.8), gridspec_kw=dict(wspace=0.28))
    for ax, conv in zip(axes, CONVENTIONS, strict=True):
        im = ax.imshow(values[conv], cmap="viridis", norm=norm)
        for i in range(len(names)):
            for j in range(len(names)):
                v = values[conv][i, j]
                text = "vacuous" if not np.isfinite(v) else sci(v)
                color = "white" if np.isfinite(v) and norm(v) < 0.6 else "black"
                weight = "bold" if i == j else "normal"
                ax.text(
                    j, i, text, ha="center", va="center", fontsize=9.5, color=color, weight=weight
                )
        ax.set_xticks(range(len(names)), labels)
        ax.set_yticks(range(len(names)), labels)
        ax.set_xlabel("second task (column)")
        if conv == CONVENTIONS[0]:
            ax.set_ylabel("first task (row)")
        ax.set_title(CONVENTION_LABEL[conv], fontsize=10.5)
    cbar = fig.colorbar(im, ax=axes, shrink=0.85, pad=0.02)
    cbar.set_label("bits (log scale)")
    cbar.formatter = FuncFormatter(power_of_ten)
    cbar.update_ticks()
    fig.suptitle(
        "Bound for the product task  first \u00d7 second  (the paper's 'union'). ASYMMETRIC: "
        "row \u00d7 column \u2260 column \u00d7 row\n"
        r"both tasks contribute n, m, R and C; $\epsilon$, $\delta$ and D = C$_1$ come from "
        "the first (row) task only.  Diagonal: a task times a copy of itself.",
        fontsize=11,
    )
    fig.savefig(path, dpi=140, bbox_inches="tight")
    plt.close(fig)


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results" / "bound",
        help="output folder (default: experiments/results/bound)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    mnist = load_card("mnist")
    tables = {
        "benchmarks": benchmark_rows(),
        "sweeps": sweep_rows(mnist),
        "rl": rl_rows(),
        "products": product_rows(),
    }
    for name, rows in tables.items():
        write_csv(out / f"{name}.csv", rows)
    plot_benchmarks(tables["benchmarks"], out / "benchmarks.png")
    plot_sweeps(tables["sweeps"], mnist, out / "sweeps.png")
    plot_rl(tables["rl"], out / "rl.png")
    plot_products(tables["products"], out / "products.png")

    summary = {
        "description": "Model-agnostic bound (Boopathy et al., ICML 2023) from the data cards",
        "conventions": list(CONVENTIONS),
        "unit": "bits",
        "sweep_base_card": {"name": "mnist", **dict(mnist.statistics)},
        **tables,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")

    print(f"{'task':<24}{'convention':<22}{'bits':>12}{'published':>12}{'ratio':>9}")
    for r in tables["benchmarks"]:
        print(
            f"{r['label']:<24}{r['convention']:<22}{r['bits']:>12}{r['published_bits']:>12}"
            f"{r['ratio_to_published']:>9}"
        )
    n_vacuous = sum(r["vacuous"] for r in tables["sweeps"])
    print(f"sweeps: {len(tables['sweeps'])} points, {n_vacuous} vacuous")
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")


if __name__ == "__main__":
    main()
