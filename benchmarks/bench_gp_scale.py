"""The exact GP inductive bias at dataset scale: the scaling curve in n_train (issue 13).

    python benchmarks/bench_gp_scale.py --n-train 1000,2000,5000,10000 --n-test 1000 \\
        --out benchmarks/results/gp_scale_cpu.json

Synthetic data of MNIST's shape (784 dimensions, 10 classes, points on a curved 10-dimensional
manifold; no offline data set has 7x10^4 labelled points), RBF kernel with the median bandwidth.
Each size is a fresh task; the time is one call of :func:`~ibcomplexity.hypotheses.gp_posterior`
(float64 Gram matrices, Cholesky, eigendecomposition, canonical basis) plus
:func:`~ibcomplexity.estimate.inductive_bias_from_posterior` at target MSE 0.05, after a warm-up at
the smallest size. Sizes whose float64 arrays exceed the memory limit are reported with the
library's own refusal (the size they need) instead of a time. Records the backend, device kind,
wall time per size and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import jax
from bench_stats_scale import synthetic

from ibcomplexity import InputError
from ibcomplexity.estimate import inductive_bias_from_posterior
from ibcomplexity.hypotheses import GPSpace, gp_posterior
from ibcomplexity.hypotheses.gp import posterior_memory
from ibcomplexity.tasks import Dataset
from ibcomplexity.tasks.regression import make_regression_task


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(n_train: int, n_test: int, d: int) -> dict:
    x, y = synthetic(n_train + n_test, d, seed=n_train)
    task = make_regression_task(
        Dataset.from_arrays(x, y, name=f"synthetic-{d}d"), n_train=n_train, n_test=n_test, seed=0
    )
    t0 = time.perf_counter()
    post = gp_posterior(GPSpace("rbf"), task)
    t1 = time.perf_counter()
    r = inductive_bias_from_posterior(post, 0.05)
    t2 = time.perf_counter()
    return {
        "n_train": n_train,
        "n_test": n_test,
        "posterior_seconds": t1 - t0,
        "bits_seconds": t2 - t1,
        "seconds": t2 - t0,
        "bits": r.bits,
        "rank": post.rank,
        "jitter": post.jitter,
        "float64_bytes": posterior_memory(n_train, n_test, d),
        "peak_mib": peak_mib(),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-train", default="1000,2000,5000,10000")
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--d", type=int, default=784)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.n_train.split(",")]
    record = {
        "backend": jax.default_backend(),
        "device_kind": jax.devices()[0].device_kind,
        "devices": jax.device_count(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "jax": jax.__version__,
        "d": args.d,
        "sizes": [],
    }
    one(min(sizes), min(args.n_test, 200), args.d)  # warm-up: compilations
    for n in sizes:
        try:
            row = one(n, args.n_test, args.d)
        except InputError as e:
            row = {"n_train": n, "n_test": args.n_test, "refused": str(e)}
        record["sizes"].append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
