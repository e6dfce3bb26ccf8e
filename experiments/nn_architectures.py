"""Neural-network hypothesis spaces on real data: MLP widths/depths, CNN vs MLP, bits vs n_train.

For each dataset (digits, the real MNIST test set, the CIFAR-100 subset) the script trains S
networks per architecture with ``train_hypotheses`` (each from its own key, MSE on one-hot
targets, Adam), keeps those that fit the training data (train MSE < 0.01) and records:

* the fit fraction, the median test MSE and the test accuracy of the fitting networks;
* the inductive bias the architecture *provides*, with the definition of ``ibc compare``
  (``ibcomplexity.estimate.PROVIDED_DEFINITION``): the bits required in a fixed base space to
  reach the error the architecture reaches. Base spaces: the exact RBF GP space on the same split
  (median bandwidth), at the median test MSE of the fitting networks
  (``inductive_bias_from_posterior``), and the model-agnostic bound (``classification_bound``,
  statistics of the training inputs from ``task_statistics``) at their median test error. When no
  network fits, the medians are over all networks and the row says so (``ibc compare`` refuses
  such an architecture instead: it needs ``MIN_SAMPLES`` fitting networks);
* on the base task of each dataset, the bits required *within the architecture's own space* to
  reach one common target MSE (``estimate_bits`` on the fitting networks' test MSEs: the quoted
  bits, interval and regime), when at least ``MIN_SAMPLES`` = 20 networks fit. The common target
  is the lowest median test MSE among the architectures of that dataset's base task (so the best one
  needs about 1 bit). ``own_count_below`` > 0 means some network reached it; otherwise the value
  is a tail extrapolation ``own_target_sd_below_mean`` sample standard deviations below the mean.

Experiments (one CSV each; every architecture/task pair is trained once and shared):

(1) ``widths_depths.csv``: MLPs (``mlp:width=W,depth=D``, ReLU, LeCun init) of widths 64, 256,
    1024 at depth 1 and depths 1, 2, 3 at width 256 (CIFAR-100 subset: widths 64, 256 and depths
    1, 2 only, for time).
(2) ``cnn_vs_mlp.csv``: every architecture of the base task: a LeNet-style CNN
    (``cnn:channels=8-16,kernel=3,dense=64``), the MLPs of (1) and ``linear``; on digits and MNIST
    also the CNN and the deepest MLP trained for twice the epochs (8 networks each, "... 2x
    epochs"): a check of how much the test MSE of fitting networks still depends on training
    length.
(3) ``vs_n_train.csv``: provided bits vs n_train for ``mlp:width=256,depth=1`` and the CNN:
    n_train 100, 300, 500, 1000 (digits, MNIST); MLP 50, 100, 200 and CNN 100, 200 (CIFAR-100
    subset, whose 1000 images leave 500 for training at most, and where a CNN costs 1.3-3 ms per
    example and epoch).

Design. Each dataset is split ONCE (``make_regression_task``, seed ``--seed``, stratified) into a
training pool of max(n_train grid) examples and a 500-example test pool; every task is a prefix of
those pools (as in ``gp_sweeps.py``). So all tasks of a dataset share one test set and the
training sets of (3) are nested. The base task of (1) and (2) is the prefix of ``n_train`` = 500
(digits, MNIST) or 200 (CIFAR-100 subset) examples. The network keys are ``jax.random.key(seed)``
for every architecture (as ``ibc compare`` does).

Training: Adam, MSE on one-hot targets, constant lr; ``chunk=1`` for the CNN (on CPU a vmapped
chunk of CNNs was about 2x slower than one network at a time). At a smaller n_train than the base
the epochs are multiplied by sqrt(n_base / n_train) (rounded up).

=================  =============================  ===================================
dataset            MLPs and linear                CNN
=================  =============================  ===================================
digits (500)       lr 3e-3, 40 epochs, batch 50   lr 3e-3, 40 epochs, batch 50
MNIST (500)        lr 3e-3, 16 epochs, batch 50   lr 3e-3, 16 epochs, batch 50
CIFAR-100 (200)    lr 1e-4, 40 epochs, batch 50   lr 3e-3, 25 epochs, batch 25
=================  =============================  ===================================

Networks per architecture on the base task: 24 (digits, MNIST; at least 20 must fit for the
own-space estimate), 8 (CIFAR-100 subset MLPs and linear) and 6 (CIFAR-100 subset CNN); 8 at the
other n_train of (3) and for the "2x epochs" rows, where only the medians are used. On the CIFAR-100
subset the MLPs do not fit the training data within this budget (at lr 1e-3 or 3e-3 Adam hardly
moves an MLP on 3072 non-centred inputs; at 1e-4 it needs far more than 40 epochs), so their rows
use all networks, as ``ibc compare`` does, and say so in ``note``.

Run (from the repository root; 8-12 minutes on 2 shared CPU cores, ``--quick`` 4-5):

    python experiments/nn_architectures.py [--datasets digits mnist cifar100] [--seed 0]
        [--data ../shared/data] [--quick] [--out experiments/results/nn_architectures]
    python experiments/nn_architectures.py --plot-only   # redraw the figures from the CSVs

A dataset whose files are missing is skipped with a message. Writes ``widths_depths.csv``,
``cnn_vs_mlp.csv``, ``vs_n_train.csv``, ``widths_depths.png``, ``cnn_vs_mlp.png``,
``vs_n_train.png`` and ``summary.json`` under ``--out``. ``--quick``: digits and MNIST only (unless
``--datasets`` says otherwise), at most 8 networks per architecture (so no own-space bits), no
"2x epochs" rows, the n_train grid without its largest value, and ``--out`` defaulting to
``experiments/results/nn_architectures/quick``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import jax
import matplotlib.pyplot as plt
import numpy as np
from _results import data_root, jsonable

from ibcomplexity.bound import DEFAULT_CONVENTION, classification_bound
from ibcomplexity.estimate import (
    MIN_SAMPLES,
    PROVIDED_DEFINITION,
    estimate_bits,
    inductive_bias_from_posterior,
)
from ibcomplexity.hypotheses import GPSpace, gp_posterior, make_kernel
from ibcomplexity.hypotheses.networks import parse_arch
from ibcomplexity.hypotheses.training import DEFAULT_FIT_THRESHOLD, train_hypotheses
from ibcomplexity.stats import task_statistics
from ibcomplexity.tasks import RegressionTask, load_dataset, make_regression_task

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = data_root()
DEFAULT_OUT = "experiments/results/nn_architectures"

N_TEST = 500
BOOTSTRAP = 200
SWEEP_WIDTH = 256  # the MLP of the width/depth cross point, used in (3)
CNN = "cnn:channels=8-16,kernel=3,dense=64"
LINEAR = "linear"
LONG = "#2x"  # suffix of a spec: train twice as many epochs (a training-length check)


@dataclasses.dataclass(frozen=True)
class Training:
    """How one family of networks (MLPs and linear, or the CNN) is trained on a dataset.

    ``epochs`` applies at the base n_train; ``grid`` is the n_train grid of experiment (3);
    ``sweep_samples`` networks are trained at the n_train of the grid other than the base.
    """

    epochs: int
    lr: float
    samples: int
    grid: tuple[int, ...]
    batch_size: int = 50
    sweep_samples: int = 8
    chunk: int | None = None


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    key: str
    label: str
    n_train: int  # base task
    mlp: Training
    cnn: Training
    widths: tuple[int, ...] = (64, 256, 1024)
    depths: tuple[int, ...] = (1, 2, 3)
    # also the CNN and the deepest MLP with 2x epochs (sweep_samples networks each)
    long_check: bool = True

    def spec(self, data: Path) -> tuple[str | None, str]:
        """The load_dataset spec, or None and the reason when the files are missing."""
        if self.key == "digits":
            return "digits", ""
        if self.key == "mnist":
            d = data / "mnist"
            names = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
            missing = [n for n in names if not any((d / f"{n}{s}").is_file() for s in ("", ".gz"))]
            if missing:
                return None, f"MNIST test files not found in {d} (missing {', '.join(missing)})"
            return f"mnist:{d}", ""
        f = data / "cifar100-subset" / "cifar100_10class_1000.npz"
        if not f.is_file():
            return None, f"CIFAR-100 subset not found at {f}"
        return f"npz:{f}", ""


DATASETS = {
    "digits": DatasetConfig(
        "digits",
        "digits",
        n_train=500,
        mlp=Training(epochs=40, lr=3e-3, samples=24, grid=(100, 300, 500, 1000)),
        cnn=Training(epochs=40, lr=3e-3, samples=24, grid=(100, 300, 500, 1000), chunk=1),
    ),
    "mnist": DatasetConfig(
        "mnist",
        "MNIST (test set)",
        n_train=500,
        mlp=Training(epochs=16, lr=3e-3, samples=24, grid=(100, 300, 500, 1000)),
        cnn=Training(epochs=16, lr=3e-3, samples=24, grid=(100, 300, 500, 1000), chunk=1),
    ),
    "cifar100": DatasetConfig(
        "cifar100",
        "CIFAR-100 subset",
        n_train=200,
        mlp=Training(epochs=40, lr=1e-4, samples=8, grid=(50, 100, 200)),
        cnn=Training(epochs=25, lr=3e-3, samples=6, grid=(100, 200), batch_size=25, chunk=1),
        widths=(64, 256),
        depths=(1, 2),
        long_check=False,
    ),
}
COLORS = {"digits": "#1b9e77", "mnist": "#d95f02", "cifar100": "#7570b3"}


def prefix_task(pool: RegressionTask, n_train: int) -> RegressionTask:
    """The task made of the first ``n_train`` training examples of ``pool`` and its test set."""
    tr = slice(0, n_train)
    return dataclasses.replace(
        pool,
        x_train=pool.x_train[tr],
        y_train=pool.y_train[tr],
        labels_train=pool.labels_train[tr],
        train_indices=pool.train_indices[tr],
    )


def short(spec: str) -> str:
    """A short label for an architecture spec."""
    if spec.startswith("mlp"):
        p = dict(kv.split("=") for kv in spec.split(":", 1)[1].split(","))
        return f"MLP w{p['width']} d{p['depth']}"
    if spec.startswith("cnn"):
        return "CNN"
    return spec.split(":")[0]


class Runner:
    """Trains each (architecture, n_train) of one dataset once and evaluates it."""

    def __init__(self, cfg: DatasetConfig, spec: str, seed: int, quick: bool):
        self.cfg, self.seed, self.quick = cfg, seed, quick
        self.ds = load_dataset(spec)
        self.grids = {}
        for fam, tr in (("mlp", cfg.mlp), ("cnn", cfg.cnn)):
            grid = tr.grid[:-1] if quick and tr.grid[-1] > cfg.n_train else tr.grid
            self.grids[fam] = tuple(sorted(set(grid) | {cfg.n_train}))
        self.pool_size = max(max(g) for g in self.grids.values())
        self.pool = make_regression_task(
            self.ds, n_train=self.pool_size, n_test=N_TEST, seed=seed, stratified=True
        )
        self.kernel = make_kernel("rbf")
        self.tasks: dict[int, tuple] = {}
        self.rows: dict[tuple[str, int], dict] = {}
        self.samples: dict[tuple[str, int], np.ndarray] = {}

    def task(self, n: int):
        """(task, GP posterior, bound statistics) of the prefix task with n training examples."""
        if n not in self.tasks:
            t0 = time.perf_counter()
            task = prefix_task(self.pool, n)
            post = gp_posterior(GPSpace(kernel=self.kernel), task)
            stats = task_statistics(
                task.x_train, task.labels_train, seed=self.seed, dataset=task.name
            )
            # reference: the best constant predictor (training class frequencies)
            const_mse = float(np.mean((task.y_test - task.y_train.mean(axis=0)) ** 2))
            const_bits = inductive_bias_from_posterior(post, const_mse).bits + 0.0
            self.tasks[n] = (task, post, stats, const_mse, const_bits)
            print(
                f"  task n_train={n} n_test={task.n_test}: GP posterior + statistics "
                f"[{time.perf_counter() - t0:.1f} s]",
                flush=True,
            )
        return self.tasks[n]

    def training(self, spec: str) -> Training:
        tr = self.cfg.cnn if spec.startswith("cnn") else self.cfg.mlp
        return dataclasses.replace(tr, samples=min(tr.samples, 8)) if self.quick else tr

    def run(self, spec: str, n: int) -> dict:
        """Train and evaluate ``spec`` on the prefix task of ``n`` examples (cached)."""
        if (spec, n) in self.rows:
            return self.rows[(spec, n)]
        cfg = self.cfg
        task, post, stats, const_mse, const_bits = self.task(n)
        long = spec.endswith(LONG)
        real = spec.removesuffix(LONG)
        tr = self.training(real)
        base = n == cfg.n_train and not long
        num = tr.samples if base else min(tr.samples, tr.sweep_samples)
        # more epochs at a smaller n_train: sqrt(n_base / n) times as many
        epochs = math.ceil(tr.epochs * math.sqrt(max(1.0, cfg.n_train / n))) * (2 if long else 1)
        arch = parse_arch(real, input_shape=tuple(self.ds.shape), outputs=task.classes)
        t0 = time.perf_counter()
        res = train_hypotheses(
            jax.random.key(self.seed),
            arch,
            task,
            num=num,
            epochs=epochs,
            batch_size=min(tr.batch_size, n),
            lr=tr.lr,
            chunk=tr.chunk,
            fit_threshold=DEFAULT_FIT_THRESHOLD,
        )
        seconds = time.perf_counter() - t0
        # ibc compare: eps_A over the fitting networks, over all networks when none fits
        used = res.fits if res.num_fit else np.ones_like(res.fits)
        mse = res.test_mse[used].astype(np.float64)
        eps = float(np.median(mse))
        err = float(np.median(1.0 - res.test_accuracy[used]))
        gp = inductive_bias_from_posterior(post, eps)
        bound = None
        if err > 0:
            bound = classification_bound(
                n=stats.n,
                m=stats.intrinsic_dimension.rounded,
                radius=stats.radius,
                delta=stats.resolution.delta,
                classes=stats.classes,
                target_error=err,
                convention=DEFAULT_CONVENTION,
            )
        row = dict(
            dataset=cfg.key,
            arch=short(arch.spec) + (" 2x epochs" if long else ""),
            spec=arch.spec.split(",init=")[0],
            n_train=n,
            n_test=task.n_test,
            parameters=int(arch.num_parameters),
            networks=res.num,
            fit=res.num_fit,
            fit_fraction=res.fit_fraction,
            epochs=epochs,
            steps=epochs * res.steps_per_epoch,
            lr=tr.lr,
            batch_size=min(tr.batch_size, n),
            train_mse_median=float(np.median(res.train_mse)),
            test_mse_median=eps,
            test_mse_min=float(mse.min()),
            test_mse_max=float(mse.max()),
            test_mse_sd=float(mse.std(ddof=1)) if mse.size > 1 else 0.0,
            test_accuracy_mean=float(np.mean(res.test_accuracy[used])),
            test_error_median=err,
            provided_bits_gp=gp.bits + 0.0,
            provided_bits_gp_per_test_point=gp.bits_per_test_point + 0.0,
            gp_mean_mse=gp.mean_mse,
            gp_posterior_mean_mse=gp.posterior_mean_mse,
            constant_predictor_test_mse=const_mse,
            gp_bits_at_constant_predictor=const_bits,
            provided_bits_bound_log10=None if bound is None or bound.vacuous else bound.log10_bits,
            bound_m=stats.intrinsic_dimension.rounded,
            bound_radius=stats.radius,
            bound_delta=stats.resolution.delta,
            seconds=seconds,
            note=""
            if res.num_fit
            else f"no network fits (train MSE < {res.fit_threshold:g}): medians over all networks",
        )
        self.rows[(spec, n)] = row
        self.samples[(spec, n)] = res.test_mse_fit.astype(np.float64)
        lb = row["provided_bits_bound_log10"]
        lb_text = "n/a" if lb is None else f"{lb:.4f}"
        print(
            f"  {row['arch']:<12} n={n:<5} fit {res.num_fit:>2}/{res.num:<2} "
            f"train {row['train_mse_median']:.3g} test MSE {eps:.4g} "
            f"acc {row['test_accuracy_mean']:.3f} -> GP {gp.bits:.5g} bits, "
            f"bound log10 {lb_text} [{epochs} ep, {seconds:.1f} s]",
            flush=True,
        )
        return row

    def own_bits(self, specs: list[str]) -> float | None:
        """Own-space bits of every base-task architecture at one common target (in place)."""
        n = self.cfg.n_train
        rows = [self.rows[(s, n)] for s in specs]
        eligible = [r for r in rows if r["fit"] >= MIN_SAMPLES]
        if not eligible:
            for r in rows:
                r.update(own_status=f"n/a (fewer than {MIN_SAMPLES} fitting networks)")
            return None
        target = min(
            r["test_mse_median"]
            for s, r in zip(specs, rows, strict=True)
            if r["fit"] and not s.endswith(LONG)
        )
        for s, r in zip(specs, rows, strict=True):
            r["own_target_mse"] = target
            if r["fit"] < MIN_SAMPLES:
                r["own_status"] = f"n/a ({r['fit']} < {MIN_SAMPLES} fitting networks)"
                continue
            est = estimate_bits(self.samples[(s, n)], target, bootstrap=BOOTSTRAP, seed=self.seed)
            r.update(
                own_bits=est.bits,
                own_ci_low=est.ci_bits[0],
                own_ci_high=est.ci_bits[1],
                own_regime=est.regime,
                own_fit_bits=est.fit_bits,
                own_cumulant_bits=est.cumulant_bits,
                own_empirical_bits=est.empirical_bits,
                own_count_below=est.count_below,
                own_target_sd_below_mean=est.target_sd_below_mean,
                own_status=est.regime
                + (
                    ""
                    if est.count_below
                    else f" ({est.target_sd_below_mean:.1f} sd below the mean)"
                ),
            )
        return target


OWN_COLUMNS = (
    "own_target_mse",
    "own_bits",
    "own_ci_low",
    "own_ci_high",
    "own_regime",
    "own_fit_bits",
    "own_cumulant_bits",
    "own_empirical_bits",
    "own_count_below",
    "own_target_sd_below_mean",
    "own_status",
)


def run_dataset(cfg: DatasetConfig, spec: str, seed: int, quick: bool):
    t0 = time.perf_counter()
    r = Runner(cfg, spec, seed, quick)
    print(
        f"{cfg.label}: {r.ds.n} examples, shape {r.ds.shape}; training pool {r.pool_size}, "
        f"test {N_TEST}; base n_train {cfg.n_train}",
        flush=True,
    )
    n = cfg.n_train
    mlps = [f"mlp:width={w},depth=1" for w in cfg.widths]
    mlps += [f"mlp:width={SWEEP_WIDTH},depth={d}" for d in cfg.depths if d != 1]
    sweep_mlp = f"mlp:width={SWEEP_WIDTH},depth=1"
    base_specs = [LINEAR, *mlps, CNN]
    if cfg.long_check and not quick:
        base_specs += [f"mlp:width={SWEEP_WIDTH},depth={max(cfg.depths)}" + LONG, CNN + LONG]
    for s in base_specs:
        r.run(s, n)
    target = r.own_bits(base_specs)
    fams = {sweep_mlp: "mlp", CNN: "cnn"}
    for s, fam in fams.items():
        for m in r.grids[fam]:
            r.run(s, m)

    def rows_of(specs, ns=None):
        out = []
        for s in specs:
            for m in ns or r.grids[fams[s]]:
                row = dict(r.rows[(s, m)])
                if m == n:
                    row.update({c: row.get(c) for c in OWN_COLUMNS})
                out.append(row)
        return out

    wd = rows_of(mlps, [n])
    for row in wd:
        w, d = (int(v.split("=")[1]) for v in row["spec"].split(":")[1].split(",")[:2])
        row["sweep"] = "width" if d == 1 else "depth"
        row["width"], row["depth"] = w, d
    wd += [dict(x, sweep="depth") for x in wd if x["width"] == SWEEP_WIDTH and x["depth"] == 1]
    results = dict(
        widths_depths=wd,
        cnn_vs_mlp=rows_of(base_specs, [n]),
        n_train=rows_of([sweep_mlp, CNN]),
    )
    base = {row["arch"]: row for row in results["cnn_vs_mlp"]}
    mlp_rows = [base[short(s)] for s in mlps]
    best_mlp = min(mlp_rows, key=lambda x: x["test_mse_median"])
    cnn = base["CNN"]
    summary = dict(
        label=cfg.label,
        spec=spec,
        examples=r.ds.n,
        shape=list(r.ds.shape),
        base_n_train=n,
        n_test=N_TEST,
        n_train_grids=dict(r.grids),
        training=dict(
            mlp=dataclasses.asdict(r.training(sweep_mlp)), cnn=dataclasses.asdict(r.training(CNN))
        ),
        common_target_mse=target,
        gp=dict(
            bandwidth=r.tasks[n][1].kernel.bandwidth,
            constant_predictor_test_mse=r.tasks[n][3],
            bits_at_constant_predictor=r.tasks[n][4],
            mean_mse=cnn["gp_mean_mse"],
            posterior_mean_mse=cnn["gp_posterior_mean_mse"],
        ),
        cnn_vs_mlp=dict(
            cnn=dict(
                test_mse=cnn["test_mse_median"],
                accuracy=cnn["test_accuracy_mean"],
                fit=f"{cnn['fit']}/{cnn['networks']}",
                gp_bits=cnn["provided_bits_gp"],
                bound_log10=cnn["provided_bits_bound_log10"],
            ),
            best_mlp=dict(
                arch=best_mlp["arch"],
                test_mse=best_mlp["test_mse_median"],
                accuracy=best_mlp["test_accuracy_mean"],
                fit=f"{best_mlp['fit']}/{best_mlp['networks']}",
                gp_bits=best_mlp["provided_bits_gp"],
                bound_log10=best_mlp["provided_bits_bound_log10"],
            ),
            two_x_epochs={
                a: dict(
                    test_mse=x["test_mse_median"],
                    accuracy=x["test_accuracy_mean"],
                    fit=f"{x['fit']}/{x['networks']}",
                    gp_bits=x["provided_bits_gp"],
                    bound_log10=x["provided_bits_bound_log10"],
                )
                for a, x in base.items()
                if a.endswith("2x epochs")
            },
            cnn_minus_best_mlp_gp_bits=cnn["provided_bits_gp"] - best_mlp["provided_bits_gp"],
            cnn_provides_more_gp_bits_than_every_mlp=all(
                cnn["provided_bits_gp"] > x["provided_bits_gp"] for x in mlp_rows
            ),
        ),
        n_train_gp_bits={
            short(s): [(m, r.rows[(s, m)]["provided_bits_gp"]) for m in r.grids[fam]]
            for s, fam in fams.items()
        },
        seconds=time.perf_counter() - t0,
    )
    print(f" {cfg.label} done in {summary['seconds']:.1f} s", flush=True)
    return results, summary


# --- output ---------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict], first: tuple[str, ...]) -> None:
    cols = list(first)
    for row in rows:
        cols += [c for c in row if c not in cols]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, restval="")
        w.writeheader()
        w.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)


CSV_FILES = {
    "widths_depths": "widths_depths.csv",
    "cnn_vs_mlp": "cnn_vs_mlp.csv",
    "n_train": "vs_n_train.csv",
}
CSV_FIRST = {
    "widths_depths": ("dataset", "sweep", "arch"),
    "cnn_vs_mlp": ("dataset", "arch"),
    "n_train": ("dataset", "arch", "n_train"),
}


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV written by :func:`write_csv`, numbers parsed, empty cells as None."""

    def parse(v: str):
        if v == "":
            return None
        for t in (int, float):
            try:
                return t(v)
            except ValueError:
                pass
        return v

    with open(path, newline="") as f:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def plot_all(all_rows: dict[str, list[dict]], out: Path) -> None:
    keys = {r["dataset"] for rows in all_rows.values() for r in rows}
    labels = {k: DATASETS[k].label for k in DATASETS if k in keys}
    plot_widths_depths(all_rows["widths_depths"], labels, out / "widths_depths.png")
    plot_cnn_vs_mlp(all_rows["cnn_vs_mlp"], labels, out / "cnn_vs_mlp.png")
    plot_n_train(all_rows["n_train"], labels, out / "vs_n_train.png")


def num(v) -> float:
    return float("nan") if v is None else float(v)


def plot_widths_depths(rows: list[dict], labels: dict[str, str], path: Path) -> None:
    fig, axes = plt.subplots(3, 2, figsize=(11, 10))
    for col, (sweep, var) in enumerate((("width", "width"), ("depth", "depth"))):
        ticks = sorted({r[var] for r in rows if r["sweep"] == sweep})
        for key, label in labels.items():
            rs = sorted(
                (r for r in rows if r["dataset"] == key and r["sweep"] == sweep),
                key=lambda r: r[var],
            )
            x = [r[var] for r in rs]
            c = COLORS[key]
            axes[0, col].plot(x, [r["test_mse_median"] for r in rs], "o-", color=c, label=label)
            for r in rs:
                axes[0, col].annotate(
                    f"{r['fit']}/{r['networks']}",
                    (r[var], r["test_mse_median"]),
                    fontsize=7,
                    color=c,
                    textcoords="offset points",
                    xytext=(3, 3),
                )
            axes[1, col].plot(x, [r["provided_bits_gp"] for r in rs], "o-", color=c, label=label)
            axes[2, col].plot(
                x, [num(r["provided_bits_bound_log10"]) for r in rs], "o-", color=c, label=label
            )
        xl = (
            "hidden width (depth 1)" if sweep == "width" else f"hidden layers (width {SWEEP_WIDTH})"
        )
        axes[0, col].set(ylabel="median test MSE (fitting nets; all if none fit)")
        axes[0, col].set_ylim(bottom=0)
        axes[1, col].set(ylabel="bits provided (exact GP base space)")
        axes[1, col].set_ylim(bottom=0)
        axes[2, col].set(ylabel="log10 bits provided (bound)", xlabel=xl)
        for ax in axes[:, col]:
            if sweep == "width":
                ax.set_xscale("log")
                ax.set_xticks(ticks, [str(w) for w in ticks])
                ax.minorticks_off()
            else:
                ax.set_xticks(ticks)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    axes[0, 0].set_title("MLP width (labels: fitting / trained networks)")
    axes[0, 1].set_title("MLP depth")
    fig.suptitle("Inductive bias provided by MLPs (base task of each dataset)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cnn_vs_mlp(rows: list[dict], labels: dict[str, str], path: Path) -> None:
    keys = list(labels)
    fig, axes = plt.subplots(3, len(keys), figsize=(5.4 * len(keys), 12), squeeze=False)
    for j, key in enumerate(keys):
        rs = [r for r in rows if r["dataset"] == key]
        names = [r["arch"] for r in rs]
        x = np.arange(len(rs))
        colors = [
            ("#e6a09a" if "2x" in r["arch"] else "#c0392b")
            if "CNN" in r["arch"]
            else ("#c8cfd0" if "2x" in r["arch"] else "#7f8c8d")
            for r in rs
        ]
        ax = axes[0, j]
        ax.bar(x, [r["test_mse_median"] for r in rs], color=colors)
        for i, r in enumerate(rs):
            ax.text(
                i,
                r["test_mse_median"],
                f"{r['test_accuracy_mean']:.2f}\n{r['fit']}/{r['networks']}",
                ha="center",
                va="bottom",
                fontsize=6,
            )
        gp_mean = rs[0]["gp_posterior_mean_mse"]
        ax.axhline(gp_mean, color="k", ls=":", lw=1, label="GP posterior-mean MSE")
        if "constant_predictor_test_mse" in rs[0]:
            ax.axhline(
                rs[0]["constant_predictor_test_mse"],
                color="#2980b9",
                ls="--",
                lw=1,
                label=f"constant predictor ({rs[0]['gp_bits_at_constant_predictor']:.0f} GP bits)",
            )
        ax.set(
            title=f"{labels[key]} (n_train={rs[0]['n_train']})",
            ylabel="median test MSE (labels: acc., fit)",
        )
        top = max([r["test_mse_median"] for r in rs] + [gp_mean])
        top = max(top, rs[0].get("constant_predictor_test_mse") or 0.0)
        ax.set_ylim(0, 1.4 * top)
        ax.legend(fontsize=6.5, loc="upper right")
        axes[1, j].bar(x, [r["provided_bits_gp"] for r in rs], color=colors)
        for i, r in enumerate(rs):
            axes[1, j].text(
                i,
                r["provided_bits_gp"],
                f"{r['provided_bits_gp']:.0f}",
                ha="center",
                va="bottom",
                fontsize=7,
            )
        axes[1, j].set(ylabel="bits provided (exact GP base space)")
        ax = axes[2, j]
        own = [num(r.get("own_bits")) for r in rs]
        lo = [num(r.get("own_robust_low")) for r in rs]
        hi = [num(r.get("own_robust_high")) for r in rs]
        if any(math.isfinite(v) for v in own):
            err = [
                [max(o - a, 0) if math.isfinite(a) else 0 for o, a in zip(own, lo, strict=True)],
                [max(b - o, 0) if math.isfinite(b) else 0 for o, b in zip(own, hi, strict=True)],
            ]
            ax.bar(x, own, color=colors, yerr=err, capsize=3)
            for i, r in enumerate(rs):
                if math.isfinite(own[i]) and not r.get("own_count_below"):
                    up = "" if math.isfinite(hi[i]) else "\nCI to inf"
                    ax.text(i, own[i] * 1.3, f"extrap.{up}", ha="center", va="bottom", fontsize=6)
            ax.set(
                yscale="log",
                ylabel="bits within own space (robust 95% interval)",
                title=f"at the common target MSE {rs[0].get('own_target_mse') or 0:.4g}",
            )
            fin = [v for v in own if math.isfinite(v)]
            ax.set_ylim(0.3 * min(fin + [1.0]), 10 * max(fin))
        else:
            ax.text(
                0.5,
                0.5,
                "no own-space estimate\n(< 20 fitting networks)",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set(ylabel="bits within own space")
        for ax in axes[:, j]:
            ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
            ax.grid(alpha=0.3, axis="y")
    fig.suptitle("CNN vs MLPs vs linear: inductive bias provided (rows 1-2) and required (row 3)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_n_train(rows: list[dict], labels: dict[str, str], path: Path) -> None:
    keys = list(labels)
    fig, axes = plt.subplots(3, len(keys), figsize=(4.6 * len(keys), 10), squeeze=False)
    styles = {"CNN": ("#c0392b", "s-"), f"MLP w{SWEEP_WIDTH} d1": ("#2c3e50", "o-")}
    for j, key in enumerate(keys):
        for arch, (c, st) in styles.items():
            rs = sorted(
                (r for r in rows if r["dataset"] == key and r["arch"] == arch),
                key=lambda r: r["n_train"],
            )
            x = [r["n_train"] for r in rs]
            axes[0, j].plot(x, [r["test_mse_median"] for r in rs], st, color=c, label=arch)
            axes[1, j].plot(x, [r["provided_bits_gp"] for r in rs], st, color=c, label=arch)
            axes[2, j].plot(
                x, [num(r["provided_bits_bound_log10"]) for r in rs], st, color=c, label=arch
            )
            for r in rs:
                if not r["fit"]:
                    axes[1, j].plot(r["n_train"], r["provided_bits_gp"], "x", color="k", ms=9)
        if any(not r["fit"] for r in rows if r["dataset"] == key):
            axes[1, j].plot([], [], "x", color="k", label="no network fits (all used)")
        rs = sorted((r for r in rows if r["dataset"] == key), key=lambda r: r["n_train"])
        ns = sorted({r["n_train"] for r in rs})
        pm = [next(r["gp_posterior_mean_mse"] for r in rs if r["n_train"] == m) for m in ns]
        axes[0, j].plot(ns, pm, "k:", label="GP posterior mean")
        axes[0, j].set(title=labels[key], ylabel="median test MSE")
        axes[1, j].set(ylabel="bits provided (exact GP)")
        axes[1, j].set_ylim(bottom=0)
        axes[2, j].set(ylabel="log10 bits provided (bound)", xlabel="n_train")
        for ax in axes[:, j]:
            ax.set_xscale("log")
            ax.set_xticks(ns, [str(m) for m in ns])
            ax.minorticks_off()
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle(f"Inductive bias provided vs n_train (test set fixed, {N_TEST} points)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        default=None,
        help="default: all three (--quick: digits mnist)",
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the shared data")
    ap.add_argument("--seed", type=int, default=0, help="seed of the split and the networks")
    ap.add_argument("--quick", action="store_true", help="a few-minute version (see docstring)")
    ap.add_argument("--out", default=None, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument(
        "--plot-only", action="store_true", help="redraw the figures from the CSVs in --out"
    )
    args = ap.parse_args()
    out = Path(args.out or (DEFAULT_OUT + ("/quick" if args.quick else "")))
    if args.plot_only:
        plot_all({k: read_csv(out / f) for k, f in CSV_FILES.items()}, out)
        print(f"redrew the figures in {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    all_rows: dict[str, list[dict]] = {"widths_depths": [], "cnn_vs_mlp": [], "n_train": []}
    summaries, skipped = {}, {}
    datasets = args.datasets or (["digits", "mnist"] if args.quick else list(DATASETS))
    for key in datasets:
        cfg = DATASETS[key]
        spec, why = cfg.spec(args.data)
        if spec is None:
            print(f"skipping {cfg.label}: {why}", flush=True)
            skipped[key] = why
            continue
        rows, summaries[key] = run_dataset(cfg, spec, args.seed, args.quick)
        for k, v in rows.items():
            all_rows[k].extend(v)
    if not summaries:
        raise SystemExit("nn_architectures.py: no dataset available; nothing to do")

    for k, f in CSV_FILES.items():
        write_csv(out / f, all_rows[k], CSV_FIRST[k])
    total = time.perf_counter() - t0
    (out / "summary.json").write_text(
        json.dumps(
            jsonable(
                dict(
                    description=__doc__.splitlines()[0],
                    definition=PROVIDED_DEFINITION,
                    seed=args.seed,
                    quick=args.quick,
                    base_gp="rbf, median bandwidth, same split",
                    bound_convention=str(DEFAULT_CONVENTION),
                    fit_threshold=DEFAULT_FIT_THRESHOLD,
                    bootstrap=BOOTSTRAP,
                    datasets=summaries,
                    skipped=skipped,
                    seconds=total,
                )
            ),
            indent=2,
        )
    )
    plot_all(all_rows, out)
    print(f"wrote {out} in {total:.1f} s")


if __name__ == "__main__":
    main()
