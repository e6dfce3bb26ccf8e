"""Does MNIST < CIFAR hold on real data? Task statistics, the bound and exact GP bits, with knobs.

The paper's ordering (Boopathy et al., ICML 2023) is MNIST < CIFAR-10 < ImageNet in
inductive-bias complexity. Offline we have the real MNIST test set (10,000 images) and a real
CIFAR-100 subset (1,000 images of CIFAR-100 fine classes 0-9: apple ... bottle; NOT CIFAR-10), so
this script compares those two on equal footing, and shows how the preprocessing knobs move them:

* equal-size samples: 1,000 images in 10 classes each (MNIST: a stratified subsample of the test
  set, ``@n=1000,seed=S``; the CIFAR-100 subset is used whole);
* task statistics on those 1,000 points (``task_statistics``: R = max norm, m = Levina-Bickel MLE
  with k = 5, delta = exact minimum distance between classes), and the model-agnostic bound from
  them (``classification_bound``, reference convention) at a COMMON n = 1000 and eps = 0.01, so
  that only the statistics differ between tasks;
* exact GP bits with the recipe of ``experiments/gp_sweeps.py``: RBF kernel at the median
  bandwidth, stratified split n_train = 500, n_test = 300 (seed S), noise-free posterior,
  generalized chi-square tail. Two target rules, both documented and common to every task:
  ``relative``: eps = 0.25 x the task's own mean loss of a posterior sample (gp_sweeps' rule:
  "4x better than a typical posterior sample"); ``absolute``: eps = 0.05 for every task, half
  the MSE of the all-zero predictor on 10-class one-hot targets (1/k = 0.1);
* knobs (``ibcomplexity.tasks.preprocessing``): MNIST resized to 14x14; CIFAR in grayscale,
  grayscale resized to 28x28 (MNIST's shape) and to 16x16; both with Gaussian input noise of sd
  0.03, 0.1 and 0.3 (pixel units, pixels in [0, 1]). Input noise is the paper's suggested way to
  raise m; the statistics show what else it moves (R and delta);
* the ImageNet, CIFAR-10 and MNIST values of the bundled data cards (the paper's statistics and
  its n and eps), labelled as cards: ImageNet is not available offline.

Each configuration is evaluated for ``--seeds`` seeds (subsample, noise and split); the tables hold
every seed and the summary the mean and range. The verdict on the ordering is printed and stored.

Run (from the repository root; about 1-2 minutes on 2 shared CPU cores):

    python experiments/image_ordering.py [--data ../shared/data] [--seeds 0 1 2]
        [--out experiments/results/image_ordering]

Writes ``statistics.csv`` (one row per configuration and seed), ``summary.json`` and
``ordering.png`` under ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _results import data_root, jsonable

from ibcomplexity.bound import classification_bound
from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
from ibcomplexity.hypotheses import GPSpace, Kernel, gp_posterior
from ibcomplexity.stats import task_statistics
from ibcomplexity.tasks import load_card, load_dataset, make_regression_task
from ibcomplexity.workflows import bound_from_card

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = data_root()

N_POINTS = 1000  # examples per task (10 classes each)
BOUND_EPS = 0.01  # common target error of the bound (the paper's CIFAR-10 / SVHN value)
N_TRAIN, N_TEST = 500, 300  # gp_sweeps' base configuration
RELATIVE_FRACTION = 0.25  # gp_sweeps' TARGET_FRACTION
ABSOLUTE_TARGET = 0.05  # half the MSE of the all-zero predictor, 1/k = 0.1 for k = 10
CARDS = ("mnist", "cifar10", "imagenet")

# (key, family, label, knobs after the base spec)
CONFIGS = (
    ("mnist", "mnist", "MNIST 28x28", ""),
    ("mnist_r14", "mnist", "MNIST resize 14", "resize=14"),
    ("mnist_noise03", "mnist", "MNIST + noise 0.03", "input_noise=0.03"),
    ("mnist_noise10", "mnist", "MNIST + noise 0.1", "input_noise=0.1"),
    ("mnist_noise30", "mnist", "MNIST + noise 0.3", "input_noise=0.3"),
    ("cifar", "cifar", "CIFAR-100 sub. 32x32x3", ""),
    ("cifar_gray", "cifar", "CIFAR-100 sub. gray", "grayscale"),
    ("cifar_gray28", "cifar", "CIFAR-100 sub. gray 28", "grayscale,resize=28"),
    ("cifar_gray16", "cifar", "CIFAR-100 sub. gray 16", "grayscale,resize=16"),
    ("cifar_noise03", "cifar", "CIFAR-100 sub. + noise 0.03", "input_noise=0.03"),
    ("cifar_noise10", "cifar", "CIFAR-100 sub. + noise 0.1", "input_noise=0.1"),
    ("cifar_noise30", "cifar", "CIFAR-100 sub. + noise 0.3", "input_noise=0.3"),
)
COLORS = {"mnist": "#d95f02", "cifar": "#7570b3", "card": "#999999"}


def base_specs(data: Path) -> dict[str, str]:
    mnist, cifar = data / "mnist", data / "cifar100-subset" / "cifar100_10class_1000.npz"
    missing = [str(p) for p in (mnist / "t10k-images-idx3-ubyte.gz", cifar) if not p.is_file()]
    if missing:
        raise SystemExit(f"image_ordering.py: real data missing: {', '.join(missing)}")
    return {"mnist": f"mnist:{mnist}", "cifar": f"npz:{cifar}"}


def spec_for(base: dict[str, str], family: str, knobs: str, seed: int) -> str:
    parts = [f"n={N_POINTS}"] if family == "mnist" else []
    parts += [knobs] if knobs else []
    parts.append(f"seed={seed}")
    return f"{base[family]}@{','.join(parts)}"


def evaluate(spec: str, seed: int) -> dict:
    t0 = time.perf_counter()
    ds = load_dataset(spec)
    assert ds.n == N_POINTS and ds.classes == 10, (ds.n, ds.classes)
    ts = task_statistics(ds.x, ds.y, seed=seed, k=5, delta_method="exact")
    m = ts.intrinsic_dimension
    bound = classification_bound(
        n=N_POINTS,
        m=m.rounded,
        radius=ts.radius,
        delta=ts.resolution.delta,
        classes=10,
        target_error=BOUND_EPS,
        convention="reference",
    )
    t_stats = time.perf_counter() - t0
    task = make_regression_task(ds, n_train=N_TRAIN, n_test=N_TEST, seed=seed, stratified=True)
    post = gp_posterior(GPSpace(kernel=Kernel("rbf", "median")), task)
    dist = loss_distribution(post)
    mean = float(dist.mean)
    rel = inductive_bias_from_posterior(post, RELATIVE_FRACTION * mean)
    ab = inductive_bias_from_posterior(post, ABSOLUTE_TARGET)
    return dict(
        spec=spec,
        seed=seed,
        dim=ds.dim,
        shape="x".join(map(str, ds.shape)),
        preprocessing=" | ".join(ds.metadata.get("preprocessing", [])),
        n=ts.n,
        duplicates_dropped=ts.duplicates_dropped,
        radius=ts.radius,
        m=m.value,
        m_rounded=m.rounded,
        delta=ts.resolution.delta,
        r_over_delta=ts.radius / ts.resolution.delta,
        bound_log10_bits=bound.log10_bits,
        bound_vacuous=bound.vacuous,
        gp_bandwidth=post.kernel.bandwidth,
        gp_mean_mse=mean,
        gp_posterior_mean_mse=rel.posterior_mean_mse,
        gp_relative_target=RELATIVE_FRACTION * mean,
        gp_relative_bits=rel.bits + 0.0,
        gp_absolute_target=ABSOLUTE_TARGET,
        gp_absolute_bits=ab.bits + 0.0,
        seconds_stats=t_stats,
        seconds_total=time.perf_counter() - t0,
    )


def card_rows() -> list[dict]:
    rows = []
    for name in CARDS:
        card = load_card(name)
        s = card.statistics
        r = bound_from_card(card, convention="reference")
        rows.append(
            dict(
                card=name,
                title=card.title,
                n=s["n"],
                m=s["m"],
                radius=s["radius"],
                delta=s["delta"],
                classes=s["classes"],
                target_error=s["target_error"],
                log10_bits=r.log10_bits,
                note="data card (paper's statistics, n and eps); not computed from data here",
            )
        )
    return rows


def summarise(rows: list[dict]) -> dict:
    out = {}
    for key, family, label, knobs in CONFIGS:
        rs = [r for r in rows if r["key"] == key]
        entry = dict(label=label, family=family, knobs=knobs or "none", seeds=len(rs))
        for col in (
            "radius",
            "m",
            "delta",
            "r_over_delta",
            "bound_log10_bits",
            "gp_mean_mse",
            "gp_posterior_mean_mse",
            "gp_relative_bits",
            "gp_absolute_bits",
        ):
            vals = [r[col] for r in rs]
            entry[col] = dict(mean=statistics.fmean(vals), min=min(vals), max=max(vals))
        out[key] = entry
    return out


def verdict(summary: dict, rows: list[dict]) -> dict:
    """Per measure: does the raw MNIST sample sit below the raw CIFAR-100 subset, seed by seed?"""
    res = {}
    for col in ("bound_log10_bits", "gp_relative_bits", "gp_absolute_bits", "m", "r_over_delta"):
        per_seed = {}
        for r in rows:
            if r["key"] in ("mnist", "cifar"):
                per_seed.setdefault(r["seed"], {})[r["key"]] = r[col]
        holds = [v["mnist"] < v["cifar"] for v in per_seed.values()]
        res[col] = dict(
            mnist_mean=summary["mnist"][col]["mean"],
            cifar_mean=summary["cifar"][col]["mean"],
            mnist_below_cifar_in_seeds=f"{sum(holds)}/{len(holds)}",
            holds=all(holds),
        )
    return res


def plot(summary: dict, cards: list[dict], path: Path) -> None:
    keys = [c[0] for c in CONFIGS]
    labels = [summary[k]["label"] for k in keys]
    colors = [COLORS[summary[k]["family"]] for k in keys]
    fig, axes2 = plt.subplots(2, 2, figsize=(15, 11))
    ax_m, axes = axes2[0, 0], [axes2[0, 1], axes2[1, 0], axes2[1, 1]]

    def bars(ax, col, title, ylabel, log=False):
        means = [summary[k][col]["mean"] for k in keys]
        lo = [summary[k][col]["mean"] - summary[k][col]["min"] for k in keys]
        hi = [summary[k][col]["max"] - summary[k][col]["mean"] for k in keys]
        ax.bar(range(len(keys)), means, color=colors, yerr=[lo, hi], capsize=3)
        ax.set_xticks(range(len(keys)), labels, rotation=55, ha="right", fontsize=8)
        ax.set(title=title, ylabel=ylabel)
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3, axis="y", which="both")

    bars(ax_m, "m", "(a) statistics: intrinsic dimension m (bars), R/delta (diamonds)", "m (MLE)")
    twin = ax_m.twinx()
    twin.plot(range(len(keys)), [summary[k]["r_over_delta"]["mean"] for k in keys], "kD", ms=5)
    twin.set_ylabel("R / delta")
    twin.set_ylim(bottom=0)
    ax = axes[0]
    bars(
        ax,
        "bound_log10_bits",
        f"(b) model-agnostic bound, n={N_POINTS}, eps={BOUND_EPS}",
        "log10 bits (bound)",
    )
    for i, c in enumerate(cards):
        ax.axhline(c["log10_bits"], color=COLORS["card"], ls=["--", "-.", ":"][i], lw=1.2)
        ax.text(
            len(keys) - 0.5,
            c["log10_bits"],
            f"{c['card']} card: {c['log10_bits']:.1f}",
            fontsize=7,
            ha="right",
            va="bottom",
            color="#555555",
        )
    bars(
        axes[1],
        "gp_relative_bits",
        f"(c) exact GP bits, eps = {RELATIVE_FRACTION} x own mean loss",
        "bits (GP, RBF median bandwidth)",
    )
    bars(
        axes[2],
        "gp_absolute_bits",
        f"(d) exact GP bits, common eps = {ABSOLUTE_TARGET}",
        "bits (GP, RBF median bandwidth)",
        log=True,
    )
    for ax in axes[1:]:
        ax.set_ylim(bottom=0 if ax.get_yscale() == "linear" else None)
    fig.suptitle(
        f"MNIST test set vs CIFAR-100 subset (NOT CIFAR-10), {N_POINTS} images and 10 classes "
        f"each\nGP: RBF, n_train={N_TRAIN}, n_test={N_TEST}; bars = mean, whiskers = range over "
        "seeds; grey lines = data-card values (paper statistics), not computed here"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the shared data")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", type=Path, default=Path("experiments/results/image_ordering"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = base_specs(args.data)
    rows = []
    for key, family, label, knobs in CONFIGS:
        for seed in args.seeds:
            row = dict(key=key, label=label, **evaluate(spec_for(base, family, knobs, seed), seed))
            rows.append(row)
            print(
                f"{label:<28} seed {seed}: R={row['radius']:.3f} m={row['m']:.2f} "
                f"delta={row['delta']:.3f} R/delta={row['r_over_delta']:.2f} "
                f"bound=1e{row['bound_log10_bits']:.2f} bits | GP mean MSE "
                f"{row['gp_mean_mse']:.4f}, bits rel {row['gp_relative_bits']:.1f}, "
                f"abs {row['gp_absolute_bits']:.1f} [{row['seconds_total']:.1f} s]",
                flush=True,
            )
    cards = card_rows()
    for c in cards:
        print(f"card {c['card']:<9} (paper statistics): bound = 1e{c['log10_bits']:.2f} bits")
    summary = summarise(rows)
    ordering = verdict(summary, rows)
    for col, v in ordering.items():
        print(
            f"MNIST < CIFAR-100 subset by {col}: {v['mnist_below_cifar_in_seeds']} seeds "
            f"(means {v['mnist_mean']:.4g} vs {v['cifar_mean']:.4g})"
        )
    with open(args.out / "statistics.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    plot(summary, cards, args.out / "ordering.png")
    total = time.perf_counter() - t0
    (args.out / "summary.json").write_text(
        json.dumps(
            jsonable(
                dict(
                    description=__doc__.splitlines()[0],
                    seeds=args.seeds,
                    n_points=N_POINTS,
                    bound=dict(n=N_POINTS, target_error=BOUND_EPS, convention="reference"),
                    gp=dict(
                        kernel="rbf, median bandwidth",
                        n_train=N_TRAIN,
                        n_test=N_TEST,
                        relative_rule=f"eps = {RELATIVE_FRACTION} x mean loss of a sample",
                        absolute_rule=f"eps = {ABSOLUTE_TARGET} (half the all-zero MSE 1/k)",
                    ),
                    configurations=summary,
                    ordering_raw_mnist_vs_raw_cifar=ordering,
                    cards=cards,
                    seconds=total,
                )
            ),
            indent=2,
        )
    )
    print(f"wrote {args.out} in {total:.1f} s")


if __name__ == "__main__":
    main()
