"""Approximation error vs number of sampled hypotheses, measured against the exact answer.

The IJCAI 2024 paper bounds how far a sampled-and-fitted estimate of the inductive bias can be from
the truth as the number of sampled hypotheses grows. For a GP space the truth is computable exactly
(the test MSE is a generalized chi-square), so here the error is *measured*: on one task we sample
S = 100 ... 1e6 posterior hypotheses, fit their losses with the default estimator (moment-matched
start + MLE of a scaled noncentral chi-square, bootstrap interval) and with the published
``reference`` procedure, and compare both with the exact bits at several targets (one inside the
sampled range, where the empirical count also applies, and two in the tail, where only the fitted
model can extrapolate). Each default estimate carries two models on the same bootstrap resamples:
the noncentral chi-square MLE (the headline bits) and the four-cumulant generalized chi-square,
and the quoted answer (``bits``, ``ci_bits``, ``regime``) follows the calibrated rule of
``ibcomplexity.estimate.calibration`` (whose coverage ``sampled_coverage.py`` measures on a grid).

A second part measures *coverage*: ``--replicates R`` independent samples of each size in
``COVERAGE_SIZES`` (disjoint slices of one long run), and the fraction of them whose intervals
contain the exact bits.

Run (from the repository root):

    python experiments/gp_convergence.py [--dataset digits] [--n-train 500] [--n-test 200]

Writes ``experiments/results/gp_convergence/{convergence.csv,convergence.png,summary.json}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path

import jax
import numpy as np

from ibcomplexity.estimate import estimate_bits, inductive_bias_from_posterior, loss_distribution
from ibcomplexity.hypotheses import GPSpace, gp_posterior, sample_losses
from ibcomplexity.tasks import load_dataset, make_regression_task

SAMPLE_SIZES = (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
COVERAGE_SIZES = (1_000, 10_000, 100_000)
# scipy's generic ncx2.fit (the reference procedure) takes many minutes beyond this size
REFERENCE_MAX_SAMPLES = 100_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--n-train", type=int, default=500)
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--out", default="experiments/results/gp_convergence")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    task = make_regression_task(
        load_dataset(args.dataset), n_train=args.n_train, n_test=args.n_test, seed=args.seed
    )
    posterior = gp_posterior(GPSpace(kernel="rbf"), task)
    dist = loss_distribution(posterior)
    sd = math.sqrt(dist.variance)
    # targets: 2 sd below the mean (inside the range of ~1e3+ samples), then 5 and 10 sd below
    targets = {
        "mean-2sd": dist.mean - 2 * sd,
        "mean-5sd": dist.mean - 5 * sd,
        "mean-10sd": dist.mean - 10 * sd,
    }
    exact = {k: inductive_bias_from_posterior(posterior, t).bits for k, t in targets.items()}
    print(
        f"task {task.name}: n_train={task.n_train} n_test={task.n_test}, "
        f"kernel {posterior.kernel.spec}"
    )
    print("exact bits:", {k: round(v, 3) for k, v in exact.items()})

    all_losses = sample_losses(jax.random.key(args.seed), posterior, max(SAMPLE_SIZES))
    rows = []
    for S in SAMPLE_SIZES:
        losses = all_losses[:S]
        for name, t in targets.items():
            for method in ("fit", "reference"):
                if method == "reference" and S > REFERENCE_MAX_SAMPLES:
                    continue
                t0 = time.perf_counter()
                est = estimate_bits(
                    losses,
                    t,
                    method=method,
                    bootstrap=args.bootstrap if method == "fit" else 0,
                    seed=args.seed,
                )
                quoted = est.ci_bits or (None, None)
                fit_ci = est.fit_ci_bits or (None, None)
                cum_ci = est.cumulant_ci_bits or (None, None)
                models_ci = est.models_ci_bits or (None, None)
                rows.append(
                    dict(
                        samples=S,
                        target=name,
                        target_mse=t,
                        method=method,
                        exact_bits=exact[name],
                        regime=est.regime,
                        bits=est.bits,
                        ci_low=quoted[0],
                        ci_high=quoted[1],
                        fit_bits=est.fit_bits,
                        fit_ci_low=fit_ci[0],
                        fit_ci_high=fit_ci[1],
                        cumulant_bits=est.cumulant_bits,
                        cumulant_ci_low=cum_ci[0],
                        cumulant_ci_high=cum_ci[1],
                        cumulant_model=None if est.cumulant_fit is None else est.cumulant_fit.model,
                        models_ci_low=models_ci[0],
                        models_ci_high=models_ci[1],
                        skew_excess=est.skew_excess,
                        empirical_bits=est.empirical_bits,
                        fit_rel_error=(est.fit_bits - exact[name]) / exact[name],
                        covers=None
                        if est.ci_bits is None
                        else bool(quoted[0] <= exact[name] <= quoted[1]),
                        seconds=time.perf_counter() - t0,
                    )
                )
                r = rows[-1]
                print(
                    f"S={S:>8} {name:>9} {method:>9}: fit {r['fit_bits']:10.3f} bits "
                    f"(exact {r['exact_bits']:.3f}, rel.err {r['fit_rel_error']:+.3f}); quoted "
                    f"{r['bits']} [{r['ci_low']}, {r['ci_high']}] ({r['regime']})"
                )
    coverage = []
    for S in COVERAGE_SIZES:
        if S * args.replicates > all_losses.shape[0]:
            continue
        for name, t in targets.items():
            hits = dict(fit=0, cumulant=0, models=0, quoted=0)
            for r in range(args.replicates):
                est = estimate_bits(
                    all_losses[r * S : (r + 1) * S], t, bootstrap=args.bootstrap, seed=args.seed + r
                )
                e = exact[name]
                hits["fit"] += est.fit_ci_bits[0] <= e <= est.fit_ci_bits[1]
                hits["cumulant"] += est.cumulant_ci_bits[0] <= e <= est.cumulant_ci_bits[1]
                hits["models"] += est.models_ci_bits[0] <= e <= est.models_ci_bits[1]
                hits["quoted"] += est.ci_bits[0] <= e <= est.ci_bits[1]
            coverage.append(
                dict(samples=S, target=name, replicates=args.replicates)
                | {f"{k}_coverage": v / args.replicates for k, v in hits.items()}
            )
            print("coverage", coverage[-1])
    with open(out / "coverage.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(coverage[0]))
        w.writeheader()
        w.writerows(coverage)
    with open(out / "convergence.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "summary.json").write_text(
        json.dumps(
            dict(
                task=dict(name=task.name, n_train=task.n_train, n_test=task.n_test, seed=args.seed),
                kernel=posterior.kernel.spec,
                targets=targets,
                exact_bits=exact,
                rows=rows,
                coverage=coverage,
                confidence=0.95,
                bootstrap=args.bootstrap,
            ),
            indent=2,
        )
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(targets), figsize=(5 * len(targets), 4), sharex=True)
    for ax, name in zip(axes, targets, strict=True):
        fit = [r for r in rows if r["target"] == name and r["method"] == "fit"]
        s = np.array([r["samples"] for r in fit])
        numeric = [k for k in fit[0] if k not in ("target", "method", "cumulant_model", "regime")]
        col = {k: np.array([r[k] for r in fit], dtype=float) for k in numeric}
        ax.plot(s, col["fit_bits"], "o-", color="#08519c", label="noncentral chi-square MLE")
        ax.fill_between(
            s,
            col["fit_ci_low"],
            col["fit_ci_high"],
            color="#08519c",
            alpha=0.15,
            label="its bootstrap CI",
        )
        ax.plot(s, col["cumulant_bits"], "^-", color="#e6550d", label="four-cumulant model")
        ax.plot(s, col["ci_low"], ":", color="k", label="quoted interval (estimate_bits)")
        ax.plot(s, col["ci_high"], ":", color="k")
        ref = [r for r in rows if r["target"] == name and r["method"] == "reference"]
        ax.plot(
            [r["samples"] for r in ref],
            [r["fit_bits"] for r in ref],
            "x--",
            color="#cb181d",
            label="published procedure (reference)",
        )
        emp = [
            (r["samples"], r["empirical_bits"])
            for r in rows
            if r["target"] == name and r["method"] == "fit" and r["empirical_bits"] is not None
        ]
        if emp:
            ax.plot(*zip(*emp, strict=True), "s", color="#31a354", ms=4, label="empirical count")
        ax.axhline(exact[name], color="black", ls="--", label="exact (generalized chi-square)")
        ax.set_xscale("log")
        ax.set_title(f"target = {name} ({targets[name]:.4g})")
        ax.set_xlabel("sampled hypotheses S")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("bits")
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"Sampled-and-fitted vs exact inductive bias, GP ({posterior.kernel.name}) on {task.name}"
    )
    fig.tight_layout()
    fig.savefig(out / "convergence.png", dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
