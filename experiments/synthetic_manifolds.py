r"""Synthetic manifolds with known m, R and delta: validate the statistics, then the bound vs m.

Tasks come from :mod:`ibcomplexity.tasks.synthetic`: n points uniform on the m-sphere (radius 1)
or the flat m-torus (circles of radius 1, so R = sqrt(m)), m = 1 ... 8, embedded in D = 32 by a
Haar rotation, either flat or through the bi-Lipschitz warp ``warp = 0.5`` (distances change by a
factor in [0.5, 1.5]); C = 2 classes from the argmax of band-limited random functions (spherical
harmonic degree / torus frequency ``|k|_2 <= 3``), keeping only points whose top-two gap is at
least ``margin = 0.05``, which guarantees a class separation of at least
delta_0 = (1 - warp) 2 margin r / (pi K) (about 0.0106 flat, 0.0053 warped; see the module).

1. **Validation table** (``validation.csv``): for each manifold, m, warp and seed, the Levina-Bickel
   MLE (k = 5, all points as queries) and TwoNN (10 % discarded) estimates of m, the radius
   R_hat = max norm against the truth (exact when flat, within [0.5 R, 1.5 R] when warped), and the
   resolution: the exact minimum cross-class distance of the sample and the extreme-value estimate,
   both to be compared with the guaranteed lower bound delta_0. The population separation lies
   between delta_0 and the sample minimum.
2. **Resolution vs n** (``delta_vs_n.csv``): the exact sample minimum for n = 1000 ... 64000 on
   flat spheres and tori with m = 2 and 4. It can only fall as n grows (the samples are nested: a
   smaller draw is a prefix of a larger one) and stays above the population separation, which in
   turn stays above delta_0: this shows how loose the guarantee is and how far the sample value
   at the experiment's n is from its limit.
3. **Bound vs m** (``bound.csv``): the model-agnostic classification bound (library default
   convention, n = the sample size, C = 2, target error ``--eps``) with (a) the statistics from
   the data (rounded MLE m, R_hat, exact sample delta), (b) the truth (m, R, delta_0), and (c) the
   true m with the data's R and delta (isolating the effect of m). log10 bits against m is
   log10(dim_q * bracket) with dim_q ~ E ~ 2 M^m / m!, M = 2 pi R / delta.

The exact GP estimate is not repeated here: ``experiments/gp_spheres.py`` already measured GP bits
against m on spheres at fixed n and found that they saturate at the GP-prior ceiling rather than
grow exponentially; the closed-form bound is what the synthetic truth can validate.

Run (from the repository root; about 2.7 minutes on 2 shared CPU cores):

    python experiments/synthetic_manifolds.py [--n 4000] [--seeds 3] [--eps 0.01]
        [--out experiments/results/synthetic_manifolds]

Writes ``validation.csv``, ``delta_vs_n.csv``, ``bound.csv``, ``summary.json`` and
``synthetic_manifolds.png``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from pathlib import Path

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _results import write_csv

from ibcomplexity.bound import classification_bound
from ibcomplexity.stats import (
    intrinsic_dimension_mle,
    intrinsic_dimension_twonn,
    min_class_distance,
    min_class_distance_extreme_value,
    radius,
)
from ibcomplexity.tasks.synthetic import synthetic_dataset

KINDS = ("sphere", "torus")
M_VALUES = tuple(range(1, 9))
WARPS = (0.0, 0.5)
AMBIENT_DIM = 32
CLASSES = 2
CUTOFF = 3
MARGIN = 0.05
SWEEP_M = (2, 4)
SWEEP_N = (1000, 4000, 16000, 64000)


def validation_row(kind: str, m: int, warp: float, seed: int, n: int) -> dict:
    """Generate one task and estimate its statistics next to the truth."""
    ds = synthetic_dataset(
        kind,
        seed,
        m=m,
        D=AMBIENT_DIM,
        n=n,
        classes=CLASSES,
        cutoff=CUTOFF,
        margin=MARGIN,
        warp=warp,
    )
    md = ds.metadata
    key_m, key_ev = jax.random.split(jax.random.key(seed))
    start = time.perf_counter()
    mle = intrinsic_dimension_mle(key_m, ds.x).value
    twonn = intrinsic_dimension_twonn(key_m, ds.x).value
    exact = min_class_distance(ds.x, ds.y).delta
    ev = min_class_distance_extreme_value(key_ev, ds.x, ds.y).delta
    return {
        "manifold": kind,
        "m": m,
        "warp": warp,
        "seed": seed,
        "n": ds.n,
        "m_mle": mle,
        "m_twonn": twonn,
        "radius_true": md["radius"],
        "radius_low": md["radius_bounds"][0],
        "radius_high": md["radius_bounds"][1],
        "radius_hat": radius(ds.x),
        "delta_lower_bound": md["min_separation"],
        "delta_exact_sample": exact,
        "delta_extreme_value": ev,
        "acceptance": md["acceptance"],
        "class_fraction_0": md["class_counts"][0] / ds.n,
        "seconds": time.perf_counter() - start,
    }


def delta_sweep() -> list[dict]:
    """Exact sample delta against n (nested samples) on flat spheres and tori."""
    out = []
    for kind in KINDS:
        for m in SWEEP_M:
            for n in SWEEP_N:
                ds = synthetic_dataset(
                    kind, 0, m=m, D=AMBIENT_DIM, n=n, classes=CLASSES, cutoff=CUTOFF, margin=MARGIN
                )
                out.append(
                    {
                        "manifold": kind,
                        "m": m,
                        "n": n,
                        "delta_exact_sample": min_class_distance(ds.x, ds.y).delta,
                        "delta_lower_bound": ds.metadata["min_separation"],
                    }
                )
    return out


def bound_rows(rows: list[dict], eps: float) -> list[dict]:
    """log10 bits of the classification bound for the three statistic sources, per task."""
    out = []
    for r in rows:
        sources = {
            "data": (max(1, round(r["m_mle"])), r["radius_hat"], r["delta_exact_sample"]),
            "truth": (r["m"], r["radius_true"], r["delta_lower_bound"]),
            "true_m_data_R_delta": (r["m"], r["radius_hat"], r["delta_exact_sample"]),
        }
        for source, (m, R, delta) in sources.items():
            b = classification_bound(
                n=r["n"], m=m, radius=R, delta=delta, classes=CLASSES, target_error=eps
            )
            out.append(
                {
                    "manifold": r["manifold"],
                    "m": r["m"],
                    "warp": r["warp"],
                    "seed": r["seed"],
                    "source": source,
                    "m_used": m,
                    "radius_used": R,
                    "delta_used": delta,
                    "M": 2 * math.pi * R / delta,
                    "log10_bits": b.log10_bits,
                    "vacuous": b.vacuous,
                    "convention": b.convention,
                }
            )
    return out


def _mean(rows, key, **match):
    vals = [r[key] for r in rows if all(r[k] == v for k, v in match.items())]
    vals = [v for v in vals if v is not None]
    return (float(np.mean(vals)), float(np.std(vals))) if vals else (math.nan, math.nan)


def summarise(rows: list[dict], bounds: list[dict]) -> dict:
    table = {}
    for kind in KINDS:
        for warp in WARPS:
            name = f"{kind}, warp={warp:g}"
            table[name] = {
                str(m): {
                    "m_mle": _mean(rows, "m_mle", manifold=kind, warp=warp, m=m),
                    "m_twonn": _mean(rows, "m_twonn", manifold=kind, warp=warp, m=m),
                    "delta_exact_over_lower_bound": _mean(
                        [
                            dict(r, ratio=r["delta_exact_sample"] / r["delta_lower_bound"])
                            for r in rows
                        ],
                        "ratio",
                        manifold=kind,
                        warp=warp,
                        m=m,
                    ),
                    "log10_bits": {
                        s: _mean(bounds, "log10_bits", manifold=kind, warp=warp, m=m, source=s)[0]
                        for s in ("data", "truth", "true_m_data_R_delta")
                    },
                }
                for m in M_VALUES
            }
    checks = {
        "max_relative_error_mle": max(abs(r["m_mle"] - r["m"]) / r["m"] for r in rows),
        "max_relative_error_twonn": max(abs(r["m_twonn"] - r["m"]) / r["m"] for r in rows),
        "rounded_mle_equals_m": sum(round(r["m_mle"]) == r["m"] for r in rows),
        "tasks": len(rows),
        "exact_delta_above_lower_bound": all(
            r["delta_exact_sample"] >= r["delta_lower_bound"] for r in rows
        ),
        "extreme_value_delta_above_lower_bound": sum(
            r["delta_extreme_value"] >= r["delta_lower_bound"] for r in rows
        ),
        "radius_within_truth": all(
            r["radius_low"] * (1 - 1e-6) <= r["radius_hat"] <= r["radius_high"] * (1 + 1e-6)
            for r in rows
        ),
        "max_radius_error_flat": max(
            abs(r["radius_hat"] / r["radius_true"] - 1) for r in rows if r["warp"] == 0
        ),
    }
    return {"by_task": table, "checks": checks}


def growth(bounds: list[dict]) -> dict:
    """Step in log10 bits from m - 1 to m (mean over seeds) next to log10(M / m).

    E ~ 2 M^m / m! gives E(m) / E(m - 1) ~ M / m; the bracket changes little, so with a fixed M
    (the truth series on the sphere) the steps should follow log10(M / m).
    """
    out = {}
    for kind in KINDS:
        for source in ("truth", "data"):
            means = {
                m: _mean(bounds, "log10_bits", manifold=kind, warp=0.0, m=m, source=source)[0]
                for m in M_VALUES
            }
            big_m = {
                m: _mean(bounds, "M", manifold=kind, warp=0.0, m=m, source=source)[0]
                for m in M_VALUES
            }
            out[f"{kind}, {source}"] = {
                f"{m - 1}->{m}": {
                    "step_log10_bits": means[m] - means[m - 1],
                    "log10_M_over_m": math.log10(big_m[m] / m),
                }
                for m in M_VALUES[1:]
                if math.isfinite(means[m]) and math.isfinite(means[m - 1])
            }
    return out


def plot(rows: list[dict], sweep: list[dict], bounds: list[dict], path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    ms = np.array(M_VALUES)
    style = {
        ("sphere", 0.0): "C0",
        ("sphere", 0.5): "C9",
        ("torus", 0.0): "C3",
        ("torus", 0.5): "C1",
    }
    ax = axes[0, 0]
    ax.plot(ms, ms, "k:", lw=1, label="truth")
    for (kind, warp), color in style.items():
        for est, marker in (("m_mle", "o"), ("m_twonn", "x")):
            mean = [_mean(rows, est, manifold=kind, warp=warp, m=m)[0] for m in ms]
            ls = "-" if est == "m_mle" else "--"
            label = f"{kind} w={warp:g} {est[2:]}"
            ax.plot(ms, mean, marker=marker, color=color, ls=ls, label=label, ms=5)
    ax.set(xlabel="true m", ylabel="estimated m", title=f"intrinsic dimension (D={AMBIENT_DIM})")
    ax.legend(fontsize=7, ncol=2)
    ax = axes[0, 1]
    keys = (("delta_exact_sample", "-"), ("delta_extreme_value", "--"), ("delta_lower_bound", ":"))
    for (kind, warp), color in style.items():
        for key, ls in keys:
            mean = [_mean(rows, key, manifold=kind, warp=warp, m=m)[0] for m in ms]
            label = f"{kind} w={warp:g} {key.split('_', 1)[1]}"
            ax.plot(ms, mean, ls=ls, color=color, marker=".", label=label)
    ax.set_yscale("log")
    ax.set(xlabel="true m", ylabel="delta", title="resolution: sample estimates vs guarantee")
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1, 0]
    for (kind, m), ls in zip(
        itertools.product(KINDS, SWEEP_M), ("-", "--", "-.", ":"), strict=True
    ):
        pts = [r for r in sweep if r["manifold"] == kind and r["m"] == m]
        color = style[(kind, 0.0)]
        ns = [r["n"] for r in pts]
        ax.plot(
            ns,
            [r["delta_exact_sample"] for r in pts],
            ls=ls,
            color=color,
            marker="o",
            label=f"{kind} m={m}: sample min",
        )
    ax.axhline(sweep[0]["delta_lower_bound"], color="k", lw=1, ls=":", label="guarantee delta_0")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="n",
        ylabel="exact sample delta",
        title="resolution vs n (flat, nested samples)",
    )
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    for kind in KINDS:
        color = style[(kind, 0.0)]
        for source, ls in (("data", "-"), ("truth", ":"), ("true_m_data_R_delta", "--")):
            mean = [
                _mean(bounds, "log10_bits", manifold=kind, warp=0.0, m=m, source=source)[0]
                for m in ms
            ]
            ax.plot(ms, mean, ls=ls, color=color, marker="o", ms=4, label=f"{kind}: {source}")
    ax.set(
        xlabel="true m",
        ylabel="log10 bits (bound)",
        title="model-agnostic bound vs m (flat; missing points: vacuous)",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--eps", type=float, default=0.01)
    parser.add_argument("--out", type=Path, default=Path("experiments/results/synthetic_manifolds"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = []
    for kind in KINDS:
        for warp in WARPS:
            for m in M_VALUES:
                for seed in range(args.seeds):
                    rows.append(validation_row(kind, m, warp, seed, args.n))
            print(f"{kind} warp={warp:g}: done ({time.perf_counter() - start:.0f} s)", flush=True)
    sweep = delta_sweep()
    print(f"delta vs n: done ({time.perf_counter() - start:.0f} s)", flush=True)
    bounds = bound_rows(rows, args.eps)
    write_csv(args.out / "validation.csv", rows)
    write_csv(args.out / "delta_vs_n.csv", sweep)
    write_csv(args.out / "bound.csv", bounds)
    summary = {
        "description": __doc__.split("\n")[0],
        "n": args.n,
        "seeds": args.seeds,
        "eps": args.eps,
        "ambient_dim": AMBIENT_DIM,
        "classes": CLASSES,
        "cutoff": CUTOFF,
        "margin": MARGIN,
        "warps": list(WARPS),
        "m_values": list(M_VALUES),
        **summarise(rows, bounds),
        "delta_vs_n": sweep,
        "bound_growth": growth(bounds),
        "runtime_seconds": time.perf_counter() - start,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plot(rows, sweep, bounds, args.out / "synthetic_manifolds.png")
    print(json.dumps(summary["checks"], indent=2))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
