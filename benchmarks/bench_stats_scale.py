"""Task statistics at dataset scale: exact delta and intrinsic dimension on synthetic data of a
real data set's shape (issue 13).

    python benchmarks/bench_stats_scale.py --n 200000 --d 784 \\
        --out benchmarks/results/stats_scale_cpu.json

Data: ``n`` points in ``d`` dimensions, 10 classes, on a 10-dimensional curved manifold plus a
little noise, float32 (MNIST's shape at n = 60000, d = 784; no offline data set is larger). Runs
the exact minimum cross-class distance (:func:`~ibcomplexity.stats.min_class_distance`), the
Levina-Bickel MLE over every point (:func:`~ibcomplexity.stats.intrinsic_dimension_mle`) and the
extreme-value delta from 4e6 pairs, each on all local devices, and records wall time and the
process's peak resident memory (``ru_maxrss``, which includes the data, JAX and the compiled
kernels) after each stage, with the backend and device count. The issue's targets: 2e5 points with
peak memory under 2 GiB on a 2-core CPU machine; 1e6 points in under a minute each on one H200.
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
import numpy as np

from ibcomplexity.stats import (
    intrinsic_dimension_mle,
    min_class_distance,
    min_class_distance_extreme_value,
)


def peak_mib() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on a 10-dimensional curved manifold in ``d`` dimensions, built in row blocks."""
    rng = np.random.default_rng(seed)
    lift = rng.standard_normal((20, d)).astype(np.float32) / np.sqrt(20)
    x = np.empty((n, d), np.float32)
    y = rng.integers(0, 10, n)
    for s in range(0, n, 8192):
        t = rng.uniform(0, 2 * np.pi, (min(8192, n - s), 10)).astype(np.float32)
        feats = np.concatenate([np.cos(t), np.sin(t)], axis=1)
        x[s : s + t.shape[0]] = feats @ lift + 0.01 * rng.standard_normal((t.shape[0], d)).astype(
            np.float32
        )
    return x, y


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--d", type=int, default=784)
    p.add_argument("--stages", default="delta,mle,extreme_value")
    p.add_argument("--out", default=None, help="write the measurements as JSON here")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    x, y = synthetic(args.n, args.d)
    record = {
        "n": args.n,
        "d": args.d,
        "backend": jax.default_backend(),
        "device_kind": jax.devices()[0].device_kind,
        "devices": jax.device_count(),
        "cpu_count": __import__("os").cpu_count(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "jax": jax.__version__,
        "data_mib": x.nbytes / 2**20,
        "data_seconds": time.perf_counter() - t0,
        "peak_mib_after_data": peak_mib(),
        "stages": {},
    }
    key = jax.random.key(0)
    for stage in args.stages.split(","):
        t = time.perf_counter()
        if stage == "delta":
            r = min_class_distance(x, y)
            value = {"delta": r.delta, "refined_rows": r.details["refined_rows"]}
        elif stage == "mle":
            r = intrinsic_dimension_mle(key, x, k=5)
            value = {"m": r.value, "queries": r.num_queries}
        elif stage == "extreme_value":
            r = min_class_distance_extreme_value(key, x, y, num_pairs=4_000_000)
            value = {"delta": r.delta}
        else:
            raise SystemExit(f"unknown stage {stage!r}")
        record["stages"][stage] = {
            **value,
            "seconds": time.perf_counter() - t,
            "peak_mib": peak_mib(),
        }
        print(stage, json.dumps(record["stages"][stage]), flush=True)
    record["peak_mib"] = peak_mib()
    print(json.dumps(record, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
