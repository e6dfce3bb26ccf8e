"""Few-shot meta-learning vs image classification on the same Omniglot pixels: bits compared.

Data: the two real Omniglot background subsets in ``../shared/data/omniglot``
(``images_background_small1.zip`` + ``images_background_small2.zip``, merged: 8 alphabets,
242 characters x 20 drawers = 4,840 images; Greek and Latin are in both and are kept once), and
the 20 standard one-shot runs (``all_runs.zip``). Pixels: strokes 1, background 0
(``ibcomplexity.tasks.omniglot``).

(A) The model-agnostic bound (Boopathy et al., ICML 2023; method.md 1.3) with statistics from
    the data (``ibcomplexity.workflows.fewshot.meta_statistics``): m0 = mean per-alphabet
    Levina-Bickel MLE (k = 5), m1 = MLE on
    all images, R = max norm, delta = exact min distance between different characters,
    n = sum_a C(c_a, W) 20^W; eps = 0.01 (the paper's). Compared with the classification bound
    on the same pixels: all 242 characters (n = 4,840, m = m1) and W characters of one alphabet
    (n = 20 W, m = m0). At 28x28 (area-downsampled) and at the native 105x105, for W = 20 and 5,
    in the library's default convention (integer-degree) and the paper's (reference).
(B) The exact GP estimate (Boopathy et al., IJCAI 2024) of the episode formulation of
    ``fewshot_vs_classification``: E = 50 seeded within-alphabet test episodes, W-way 1-shot,
    Q = 5 queries per class; inner hypothesis space = noise-free GP posterior (RBF kernel, one
    bandwidth for everything: the median heuristic on all images) conditioned on the support,
    loss = per-entry MSE on the queries' one-hot targets; meta-task bits = -log2 P(mean query MSE
    over the E episodes <= eps) (block-diagonal joint, exact). Image classification = the same
    classes and query pixels with 15 training images per class (support + the other non-query
    drawers). Targets eps = f / W (predicting 0 everywhere has MSE 1/W) for a grid of f. Also the
    few-shot bits of the 20 standard one-shot runs (evaluation alphabets; no classification
    counterpart exists for them: one image per class).

Run (from the repository root; about 1.5 min on 2 shared CPU cores, ~40 s of it the 105x105
statistics, which ``--sizes 28`` skips):

    python experiments/fewshot_ordering.py [--data ../shared/data/omniglot] [--seed 0]
        [--episodes 50] [--sizes 28 105] [--out experiments/results/fewshot_ordering]

Writes ``bound.csv``, ``gp.csv``, ``summary.json`` and ``fewshot_ordering.png`` under ``--out``.
"""

from __future__ import annotations

import argparse
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

from ibcomplexity.bound import classification_bound, meta_learning_bound
from ibcomplexity.hypotheses import GPSpace, Kernel
from ibcomplexity.tasks.omniglot import (
    classification_episodes,
    load_omniglot,
    load_one_shot_runs,
    sample_episodes,
)
from ibcomplexity.workflows.fewshot import (
    episode_loss_laws,
    meta_statistics,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = data_root() / "omniglot"
ZIPS = ("images_background_small1.zip", "images_background_small2.zip")
WAYS = (20, 5)
EPS_BOUND = 0.01
QUERIES = 5
GP_SIZE = 28
TARGET_FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0)
CONVENTIONS = ("integer-degree", "reference")
COLORS = {20: "#d95f02", 5: "#1b9e77"}


def bound_rows(stats, size: int) -> list[dict]:
    """The meta bound and the two classification bounds, in each convention."""
    rows = []
    common = dict(radius=stats.radius, delta=stats.delta, target_error=EPS_BOUND)
    for conv in CONVENTIONS:
        results = {
            "meta (few-shot)": meta_learning_bound(
                alphabet_sizes=stats.characters_per_alphabet,
                ways=stats.ways,
                drawers=stats.support_sets,
                m_inner=stats.m_inner,
                m_outer=stats.m_outer,
                convention=conv,
                **common,
            ),
            "classification, all characters": classification_bound(
                n=stats.classification.inputs["n"],
                m=stats.m_outer,
                classes=stats.classification.inputs["classes"],
                convention=conv,
                **common,
            ),
            "classification, W characters": classification_bound(
                n=stats.ways * stats.drawers,
                m=stats.m_inner,
                classes=stats.ways,
                convention=conv,
                **common,
            ),
        }
        for task, r in results.items():
            rows.append(
                dict(
                    size=size,
                    ways=stats.ways,
                    convention=conv,
                    task=task,
                    log10_bits=r.log10_bits,
                    bits=r.formatted(4),
                    vacuous=r.vacuous,
                    m=r.inputs.get("m"),
                    n=r.inputs.get("n"),
                    m_inner=stats.m_inner,
                    m_outer=stats.m_outer,
                    m_inner_raw=stats.m_inner_raw,
                    m_outer_raw=stats.m_outer_raw,
                    radius=stats.radius,
                    delta=stats.delta,
                )
            )
    return rows


def gp_rows(laws, ways: int, kind: str, fractions=TARGET_FRACTIONS) -> list[dict]:
    rows = []
    for f in fractions:
        r = laws.inductive_bias(f / ways)
        rows.append(
            dict(
                ways=ways,
                kind=kind,
                target_fraction=f,
                target_mse=r.target_mse,
                bits=r.bits + 0.0,
                sum_episode_bits=r.sum_episode_bits + 0.0,
                chernoff_bits=r.chernoff_bits + 0.0,
                bits_per_episode=r.bits_per_episode + 0.0,
                bits_per_query=r.bits / (r.num_episodes * r.n_test),
                mean_mse=r.mean_mse,
                posterior_mean_mse=r.posterior_mean_mse,
                N=r.N,
                num_episodes=r.num_episodes,
                n_train=r.n_train,
                n_test=r.n_test,
                infinite=r.infinite,
            )
        )
    return rows


def plot(brows: list[dict], grows: list[dict], path: Path) -> None:
    fig, (ax_a, ax_b, ax_c) = plt.subplots(1, 3, figsize=(17, 5.2))
    sel = [r for r in brows if r["convention"] == "integer-degree"]
    labels, values, colors = [], [], []
    for r in sel:
        if r["task"] == "classification, all characters" and r["ways"] != WAYS[0]:
            continue  # the same bound for every W
        short = {
            "meta (few-shot)": f"{r['ways']}-way 1-shot",
            "classification, W characters": (f"classif. {r['ways']} chars"),
            "classification, all characters": "classif. 242 chars",
        }
        labels.append(f"{short[r['task']]}\n{r['size']}px")
        values.append(r["log10_bits"] if r["log10_bits"] is not None else np.nan)
        colors.append("#7570b3" if r["task"].startswith("meta") else "#66a61e")
    ax_a.bar(range(len(values)), values, color=colors)
    ax_a.set_xticks(range(len(values)), labels, rotation=60, ha="right", fontsize=7)
    ax_a.set(ylabel="log10 bits", title=f"(a) bound, statistics from data (eps={EPS_BOUND})")
    for ways in WAYS:
        for kind, style in (("few-shot", "o-"), ("classification", "s--")):
            rs = [r for r in grows if r["ways"] == ways and r["kind"] == kind]
            x = [r["target_fraction"] for r in rs]
            y = [r["bits_per_query"] if r["bits"] > 1e-3 else np.nan for r in rs]
            ax_b.plot(x, y, style, color=COLORS[ways], label=f"{ways}-way {kind}")
        few = {
            r["target_fraction"]: r["bits"]
            for r in grows
            if r["ways"] == ways and r["kind"] == "few-shot"
        }
        cls = {
            r["target_fraction"]: r["bits"]
            for r in grows
            if r["ways"] == ways and r["kind"] == "classification"
        }
        fr = [f for f in few if cls[f] > 1e-3]
        ax_c.plot(fr, [few[f] / cls[f] for f in fr], "o-", color=COLORS[ways], label=f"{ways}-way")
    runs = [r for r in grows if r["kind"] == "one-shot runs"]
    if runs:
        ax_b.plot(
            [r["target_fraction"] for r in runs],
            [r["bits_per_query"] if r["bits"] > 1e-3 else np.nan for r in runs],
            "^:",
            color="grey",
            label="20-way few-shot, the 20 standard runs",
        )
    ax_b.set(
        xscale="log",
        yscale="log",
        xlabel="target MSE x W",
        ylabel="joint bits / query images",
        title="(b) exact GP bits per query image vs target",
    )
    ax_c.axhline(1, color="k", lw=0.8)
    ax_b.set_ylim(bottom=1e-2)
    ax_c.set(
        xscale="log",
        yscale="log",
        xlabel="target MSE x W",
        ylabel="few-shot bits / classification bits",
        title="(c) ratio (targets where classification > 0.001 bits)",
    )
    for ax in (ax_b, ax_c):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("Omniglot: few-shot meta-learning vs image classification on the same pixels")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--episodes", type=int, default=50)
    ap.add_argument("--sizes", type=int, nargs="+", default=[28, 105])
    ap.add_argument("--out", type=Path, default=Path("experiments/results/fewshot_ordering"))
    args = ap.parse_args()
    zips = [args.data / z for z in ZIPS]
    missing = [str(p) for p in zips if not p.is_file()]
    if missing:
        sys.exit(f"fewshot_ordering.py: Omniglot files not found: {', '.join(missing)}")
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    brows, stats_out = [], {}
    for size in args.sizes:
        imgs = load_omniglot(zips, size=None if size == 105 else size)
        print(
            f"{imgs.n} images {imgs.shape}, {len(imgs.characters)} characters, "
            f"{len(imgs.alphabets)} alphabets ({imgs.duplicates_dropped} duplicates dropped)"
        )
        for ways in WAYS:
            t = time.perf_counter()
            st = meta_statistics(imgs, ways=ways, target_error=EPS_BOUND, seed=args.seed)
            stats_out[f"{size}px_{ways}way"] = st.as_dict()
            brows += bound_rows(st, size)
            print(
                f" size {size} W={ways}: m0={st.m_inner_raw:.2f} m1={st.m_outer_raw:.2f} "
                f"R={st.radius:.4g} delta={st.delta:.4g} n=1e{math.log10(st.episodes):.2f}: "
                f"meta {st.bound.formatted()} vs classification {st.classification.formatted()} "
                f"/ {st.classification_ways.formatted()} [{time.perf_counter() - t:.1f} s]",
                flush=True,
            )
    write_csv(args.out / "bound.csv", brows)

    imgs = load_omniglot(zips, size=GP_SIZE)
    space = GPSpace(kernel=Kernel("rbf").resolve(imgs.x))
    print(f"GP: {space.kernel.spec} (median heuristic on all {imgs.n} images at {GP_SIZE}px)")
    grows, gp_summary = [], {}
    for ways in WAYS:
        t = time.perf_counter()
        few = sample_episodes(
            imgs, seed=args.seed, num_episodes=args.episodes, ways=ways, shots=1, queries=QUERIES
        )
        cls = classification_episodes(imgs, few)
        lf, lc = episode_loss_laws(space, few), episode_loss_laws(space, cls)
        rf, rc = gp_rows(lf, ways, "few-shot"), gp_rows(lc, ways, "classification")
        grows += rf + rc
        both = [(a, b) for a, b in zip(rf, rc, strict=True) if b["bits"] > 1e-3]
        gp_summary[f"{ways}way"] = dict(
            train_per_class=cls.shots,
            alphabets_drawn={a: few.alphabets.count(a) for a in sorted(set(few.alphabets))},
            few_mean_mse=rf[0]["mean_mse"],
            cls_mean_mse=rc[0]["mean_mse"],
            few_posterior_mean_mse=rf[0]["posterior_mean_mse"],
            cls_posterior_mean_mse=rc[0]["posterior_mean_mse"],
            ordering_holds_at=[a["target_fraction"] for a, b in both if a["bits"] > b["bits"]],
            ordering_fails_at=[a["target_fraction"] for a, b in both if a["bits"] <= b["bits"]],
            ratio=[(a["target_fraction"], a["bits"] / b["bits"]) for a, b in both],
        )
        for a, b in zip(rf, rc, strict=True):
            print(
                f" W={ways} eps={a['target_mse']:.4g} ({a['target_fraction']}/W): few-shot "
                f"{a['bits']:.6g} bits (sum {a['sum_episode_bits']:.6g}), classification "
                f"{b['bits']:.6g} (sum {b['sum_episode_bits']:.6g})"
            )
        print(f" W={ways} done [{time.perf_counter() - t:.1f} s]", flush=True)
    runs_path = args.data / "all_runs.zip"
    if runs_path.is_file():
        runs = load_one_shot_runs(runs_path, size=GP_SIZE)
        grows += gp_rows(episode_loss_laws(space, runs), runs.ways, "one-shot runs")
    write_csv(args.out / "gp.csv", grows)
    plot(brows, grows, args.out / "fewshot_ordering.png")
    total = time.perf_counter() - t0
    (args.out / "summary.json").write_text(
        json.dumps(
            dict(
                description=__doc__.splitlines()[0],
                seed=args.seed,
                bound_target_error=EPS_BOUND,
                statistics=stats_out,
                gp=dict(
                    kernel=space.kernel.spec,
                    size=GP_SIZE,
                    episodes=args.episodes,
                    queries=QUERIES,
                    shots=1,
                    target_fractions=TARGET_FRACTIONS,
                    **gp_summary,
                ),
                paper_reference_20way_log10_bits=meta_learning_bound(
                    convention="reference"
                ).log10_bits,
                paper_reference_note=(
                    "the paper's constants (30 background alphabets, 964 characters, m0=22, "
                    "m1=29, R=49.41, delta=sqrt 30), reference convention"
                ),
                seconds=total,
            ),
            indent=2,
            default=str,
        )
    )
    print(f"wrote {args.out} in {total:.1f} s")


if __name__ == "__main__":
    main()
