r"""Exact GP inductive bias on synthetic tasks on the unit m-sphere, m = 1 ... 16, at fixed n.

The IJCAI 2024 paper (Boopathy et al.) finds that higher-dimensional tasks need more inductive
bias. Here the intrinsic dimension m is the only thing that changes. The task:

* **Inputs.** ``z`` uniform on the unit sphere :math:`S^m \subset \mathbb{R}^{m+1}` (normalised
  Gaussians), placed in the first m + 1 coordinates of :math:`\mathbb{R}^D`, D = 64, and rotated
  by a seeded random orthogonal matrix (QR of a Gaussian matrix). The ambient dimension is 64 for
  every m. (The RBF kernel and the median heuristic are rotation invariant, so the rotation
  changes nothing but rounding; it is there so that no coordinate reveals m.)
* **Targets.** k = 3 continuous outputs (a regression task, not one-hot classes), each a smooth
  random function of z: a random-Fourier-feature draw
  :math:`f(z) = \sqrt{2/F} \sum_j a_j \cos(\omega_j \cdot z + b_j)`, F = 1024,
  :math:`\omega_j \sim N(0, \ell^{-2} I_{m+1})`, :math:`b_j \sim U[0, 2\pi)`,
  :math:`a_j \sim N(0, 1)`, i.e. approximately a draw of a GP with covariance
  :math:`\exp(-|z - z'|^2 / 2\ell^2)` in the chordal distance, so the function has the same
  smoothness on every sphere. Each output is centred and scaled to unit variance over the
  n_train + n_test points, so a target MSE eps means "explain a fraction 1 - eps of the variance".
* **Hypothesis space.** RBF kernel at the median bandwidth of the training inputs (main series,
  ``coarse``). The median chordal distance on any sphere is sqrt(2) (the median angle is pi/2 by
  symmetry), so the bandwidth is ~1.414 for every m, and the target lengthscale ``ell`` is set
  to sqrt(2) too: the prior matches the target's smoothness. A supplementary series (``fine``)
  divides both the kernel bandwidth and ``ell`` by 4 (0.354), a finer resolution, to show where
  the behaviour of the main series comes from.

For each m and seed (3 seeds; the seed draws the points, the rotation and the function), the
exact bits ``-log2 P(MSE <= eps)`` are computed at the fixed targets ``eps`` in ``TARGETS``
(1e-2, 1e-3, 1e-4; the main one is 1e-3), together with the bits of the GP *prior* (no training
data) at the same targets: the ceiling that the posterior approaches when the data stop helping.

One-hot labels (argmax of 10 random functions) were tried first and rejected: the labels are
discontinuous at class boundaries, which a noise-free RBF posterior cannot fit, while its
variance collapses at small m, so the bits were astronomically large or infinite at small m and
fell with m: a misspecification effect, not a dimension effect.

Run (from the repository root; about 1.5 minutes on 2 idle CPU cores, 2.7 when shared):

    python experiments/gp_spheres.py [--n-train 1000] [--n-test 200] [--seeds 3]
        [--out experiments/results/gp_spheres]

Writes ``spheres.csv`` (one row per series, m, seed and target), ``spheres.png`` and
``summary.json`` under ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _results import jsonable

from ibcomplexity.distributions import GeneralizedChiSquare
from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
from ibcomplexity.hypotheses import GPSpace, Kernel, gp_posterior, median_bandwidth, rbf
from ibcomplexity.tasks import RegressionTask

AMBIENT_DIM = 64
OUTPUTS = 3
FEATURES = 1024
M_VALUES = tuple(range(1, 17))
TARGETS = (1e-2, 1e-3, 1e-4)
MAIN_TARGET = 1e-3
#: series name -> factor applied to the median bandwidth and to the target lengthscale sqrt(2)
SERIES = {"coarse": 1.0, "fine": 0.25}
LN2 = math.log(2.0)
#: bits below this are drawn at this floor on the log axis (the target is above a typical loss)
PLOT_FLOOR = 1e-2


def sphere_task(m: int, n_train: int, n_test: int, seed: int, ell: float) -> RegressionTask:
    """A regression task on S^m (rotated into R^64) with OUTPUTS smooth random targets."""
    rng = np.random.default_rng([seed, m])
    n = n_train + n_test
    z = rng.standard_normal((n, m + 1))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    q, r = np.linalg.qr(rng.standard_normal((AMBIENT_DIM, AMBIENT_DIM)))
    q *= np.sign(np.diag(r))  # Haar-distributed rotation
    x = z @ q[:, : m + 1].T
    omega = rng.standard_normal((FEATURES, m + 1)) / ell
    phase = rng.uniform(0.0, 2.0 * np.pi, FEATURES)
    amp = rng.standard_normal((FEATURES, OUTPUTS))
    f = math.sqrt(2.0 / FEATURES) * np.cos(z @ omega.T + phase) @ amp
    y = (f - f.mean(axis=0)) / f.std(axis=0)
    labels = np.zeros(n, dtype=np.int64)  # no classes: a placeholder for the required field
    return RegressionTask(
        x_train=x[:n_train].astype(np.float32),
        y_train=y[:n_train].astype(np.float32),
        x_test=x[n_train:].astype(np.float32),
        y_test=y[n_train:].astype(np.float32),
        labels_train=labels[:n_train],
        labels_test=labels[n_train:],
        classes=OUTPUTS,
        name=f"sphere:m={m}",
        seed=seed,
        stratified=False,
    )


def prior_loss(task: RegressionTask, bandwidth: float) -> GeneralizedChiSquare:
    r"""The law of the test MSE of a GP *prior* sample (mean 0, covariance :math:`K_{**}`).

    The same generalized chi-square as the posterior's, with :math:`\mu = 0` and
    :math:`\Sigma = K_{**}`: the reference "no training data" level.
    """
    with jax.enable_x64(True):
        kss = np.asarray(rbf(jnp.asarray(task.x_test, jnp.float64), bandwidth=bandwidth))
    lam, u = np.linalg.eigh(0.5 * (kss + kss.T))
    m, k = task.y_test.shape
    res = u.T @ (0.0 - task.y_test.astype(np.float64))
    sq = np.einsum("jc,jc->j", res, res)
    pos = lam > 1e-12 * m * lam.max()
    return GeneralizedChiSquare(
        weights=lam[pos] / (m * k),
        dofs=np.full(int(pos.sum()), float(k)),
        noncentralities=sq[pos] / lam[pos],
        offset=float(sq[~pos].sum() / (m * k)),
    )


def run(n_train: int, n_test: int, seeds: int) -> list[dict]:
    rows = []
    for series, factor in SERIES.items():
        ell = math.sqrt(2.0) * factor
        for m in M_VALUES:
            for seed in range(seeds):
                start = time.perf_counter()
                task = sphere_task(m, n_train, n_test, seed, ell)
                bw = factor * median_bandwidth(task.x_train)
                post = gp_posterior(GPSpace(kernel=Kernel("rbf", bw)), task)
                dist = loss_distribution(post)
                prior = prior_loss(task, bw)
                results = [inductive_bias_from_posterior(post, t) for t in TARGETS]
                secs = time.perf_counter() - start
                for t, res in zip(TARGETS, results, strict=True):
                    prior_bits = -float(prior.log_cdf(t)) / LN2 if t > prior.offset else math.inf
                    rows.append(
                        dict(
                            series=series,
                            m=m,
                            seed=seed,
                            target_mse=t,
                            bits=res.bits + 0.0,  # + 0.0 turns the -0.0 of P = 1 into 0.0
                            bits_per_test_point=res.bits_per_test_point + 0.0,
                            chernoff_bits=res.chernoff_bits + 0.0,
                            prior_bits=prior_bits,
                            mean_mse=float(dist.mean),
                            posterior_mean_mse=res.posterior_mean_mse,
                            prior_mean_mse=float(prior.mean),
                            offset=res.offset,
                            infinite=res.infinite,
                            rank=res.rank,
                            N=res.N,
                            n_train=n_train,
                            n_test=n_test,
                            bandwidth=post.kernel.bandwidth,
                            target_lengthscale=ell,
                            jitter=post.jitter,
                            seconds=secs,
                        )
                    )
                r = rows[-len(TARGETS) + TARGETS.index(MAIN_TARGET)]
                print(
                    f"{series:>6} m={m:<2} seed={seed}: bandwidth {r['bandwidth']:.4f}, "
                    f"mean loss {r['mean_mse']:.4g} (posterior mean {r['posterior_mean_mse']:.3g}"
                    f", offset {r['offset']:.2g}, rank {r['rank']}), bits at {MAIN_TARGET:g}: "
                    f"{r['bits']:.4g} (prior {r['prior_bits']:.4g}) [{secs:.2f} s]",
                    flush=True,
                )
    return rows


def aggregate(rows: list[dict]) -> list[dict]:
    """Mean, min and max over seeds of bits, prior bits and mean loss, per series, m, target."""
    out = []
    for series in SERIES:
        for t in TARGETS:
            for m in M_VALUES:
                rr = [r for r in rows if (r["series"], r["target_mse"], r["m"]) == (series, t, m)]
                bits = np.array([r["bits"] for r in rr])
                loss = np.array([r["mean_mse"] for r in rr])
                out.append(
                    dict(
                        series=series,
                        target_mse=t,
                        m=m,
                        bits_mean=float(bits.mean()),
                        bits_min=float(bits.min()),
                        bits_max=float(bits.max()),
                        prior_bits_mean=float(np.mean([r["prior_bits"] for r in rr])),
                        mean_mse_geomean=float(np.exp(np.log(loss).mean())),
                        mean_mse_min=float(loss.min()),
                        mean_mse_max=float(loss.max()),
                        any_infinite=bool(any(r["infinite"] for r in rr)),
                    )
                )
    return out


def growth(agg: list[dict], series: str, target: float) -> dict:
    """Step ratios of the mean bits, and the fitted doubling rate over the growing range."""
    a = [r for r in agg if r["series"] == series and r["target_mse"] == target]
    bits = np.array([r["bits_mean"] for r in a])
    ms = np.array([r["m"] for r in a])
    ratios = {
        f"{ms[i]}->{ms[i + 1]}": float(bits[i + 1] / bits[i]) if bits[i] > 1 else None
        for i in range(len(ms) - 1)
    }
    ok = bits > 1.0
    fit = None
    if ok.sum() >= 2:
        slope, icpt = np.polyfit(ms[ok], np.log2(bits[ok]), 1)
        fit = dict(m_range=[int(ms[ok][0]), int(ms[ok][-1])], log2_bits_per_dimension=slope)
    return dict(
        first_m_above_1_bit=int(ms[ok][0]) if ok.any() else None,
        step_ratios=ratios,
        log2_linear_fit=fit,
        bits_by_m={int(m): float(b) for m, b in zip(ms, bits, strict=True)},
    )


def plot(agg: list[dict], args, path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    colors = {1e-2: "#9ecae1", 1e-3: "#2171b5", 1e-4: "#08306b"}
    for ax, series in zip(axes[:2], SERIES, strict=True):
        for t in TARGETS:
            a = [r for r in agg if r["series"] == series and r["target_mse"] == t]
            ms = [r["m"] for r in a]
            mean = np.maximum([r["bits_mean"] for r in a], PLOT_FLOOR)
            lo = np.maximum([r["bits_min"] for r in a], PLOT_FLOOR)
            hi = np.maximum([r["bits_max"] for r in a], PLOT_FLOOR)
            ax.plot(ms, mean, "o-", color=colors[t], label=f"posterior, eps = {t:g}")
            ax.fill_between(ms, lo, hi, color=colors[t], alpha=0.2)
            ax.plot(ms, [r["prior_bits_mean"] for r in a], "--", color=colors[t], lw=1, alpha=0.8)
        ax.plot([], [], "k--", lw=1, label="GP prior (no training data)")
        f = SERIES[series]
        ax.set(
            yscale="log",
            xlabel="intrinsic dimension m (sphere S^m in R^64)",
            ylabel="bits (mean, band = min..max over seeds)",
            title=f"{series}: RBF bandwidth = {f:g} x median, target lengthscale "
            f"{math.sqrt(2) * f:.3g}",
        )
        ax.axhline(PLOT_FLOOR, color="grey", lw=0.8, ls=":")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    for series, style in zip(SERIES, ("o-", "s--"), strict=True):
        a = [r for r in agg if r["series"] == series and r["target_mse"] == MAIN_TARGET]
        ms = [r["m"] for r in a]
        ax.plot(ms, [r["mean_mse_geomean"] for r in a], style, color="black", label=series)
        ax.fill_between(
            ms,
            [r["mean_mse_min"] for r in a],
            [r["mean_mse_max"] for r in a],
            color="grey",
            alpha=0.25,
        )
    for t in TARGETS:
        ax.axhline(t, color=colors[t], lw=1, ls=":", label=f"eps = {t:g}")
    ax.set(
        yscale="log",
        xlabel="intrinsic dimension m",
        ylabel="mean test MSE of a posterior sample",
        title="mean loss (geometric mean over seeds, band = min..max)",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.suptitle(
        f"Exact GP inductive bias on S^m: n_train = {args.n_train}, n_test = {args.n_test}, "
        f"{OUTPUTS} smooth random outputs, {args.seeds} seeds (bits below {PLOT_FLOOR:g} drawn "
        f"at {PLOT_FLOOR:g})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=1000)
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="experiments/results/gp_spheres")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    rows = run(args.n_train, args.n_test, args.seeds)
    with open(out / "spheres.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    agg = aggregate(rows)
    plot(agg, args, out / "spheres.png")
    total = time.perf_counter() - t0
    summary = dict(
        description=__doc__.splitlines()[0],
        n_train=args.n_train,
        n_test=args.n_test,
        seeds=args.seeds,
        ambient_dim=AMBIENT_DIM,
        outputs=OUTPUTS,
        random_features=FEATURES,
        m_values=M_VALUES,
        targets=TARGETS,
        main_target=MAIN_TARGET,
        series={
            k: dict(bandwidth_factor=v, target_lengthscale=math.sqrt(2) * v)
            for k, v in SERIES.items()
        },
        growth={s: {str(t): growth(agg, s, t) for t in TARGETS} for s in SERIES},
        aggregate=agg,
        seconds=total,
    )
    (out / "summary.json").write_text(json.dumps(jsonable(summary), indent=2))
    print(f"wrote {out} in {total:.1f} s")


if __name__ == "__main__":
    main()
