"""Task statistics on MNIST: ibcomplexity.stats against the straightforward reference approach.

Usage::

    python benchmarks/bench_stats.py [--n 10000] [--repeats 3]

Data: the MNIST test set from ``../shared/data/mnist`` (beside the repository), first ``--n``
images, pixels scaled to [0, 1] (float64). Three statistics, each timed against a baseline written
the way the authors' reference code does it:

1. intrinsic dimension (MLE, k = 5, every point a query): sklearn ``pairwise_distances`` from the
   queries to all points, then ``argpartition`` for the neighbours;
2. exact delta: sklearn ``pairwise_distances`` over all points, same-class pairs masked, min;
3. extreme-value delta (4,000,000 pairs, k = 100): a pure Python loop computing
   ``np.linalg.norm(x[i] - x[j])`` one pair at a time. Only 200,000 iterations are run and the time
   is extrapolated linearly to 4,000,000 (the output says so). Two loops are timed: one drawing the
   pair inside the loop (as the reference does) and one over pre-drawn index arrays (norms only);
   the ratio is reported against the faster, stricter one.

Every measurement runs in its own subprocess, which reports its wall times and its peak resident
memory (``ru_maxrss``, whole process). A subprocess that only imports jax/numpy and loads the data
gives the floor, so the increment of each method is visible. For ours, the first call (including
JIT compilation) is reported separately; the "warm" time is the best of ``--repeats`` later calls.
Baselines report the best of ``--repeats`` calls. Results go to ``benchmarks/results/stats.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT / ".." / "shared" / "data" / "mnist"
RESULTS = ROOT / "benchmarks" / "results" / "stats.json"
EV_PAIRS = 4_000_000
EV_K = 100
LOOP_ITERATIONS = 200_000

# name -> (description, group)
WORKERS = {
    "load": ("imports jax + numpy, loads the data", None),
    "ours_id": ("intrinsic_dimension_mle (k=5, all queries)", "intrinsic dimension"),
    "base_id": ("sklearn pairwise_distances + argpartition", "intrinsic dimension"),
    "ours_exact": ("min_class_distance (exact)", "exact delta"),
    "base_exact": ("sklearn pairwise_distances over all points, mask, min", "exact delta"),
    "ours_ev": ("min_class_distance_extreme_value (4e6 pairs)", "extreme-value delta"),
    "base_ev_loop": ("Python loop, pair drawn in the loop (extrapolated)", "extreme-value delta"),
    "base_ev_pre": ("Python loop over pre-drawn pairs (extrapolated)", "extreme-value delta"),
}


def load_mnist(n: int) -> tuple[np.ndarray, np.ndarray]:
    """First ``n`` MNIST test images (float64 in [0, 1], flattened) and labels."""
    with gzip.open(MNIST / "t10k-images-idx3-ubyte.gz", "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(MNIST / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images[:n] / 255.0, labels[:n].astype(np.int64)


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


# ---------------------------------------------------------------------------- baselines


def baseline_id(x: np.ndarray, k: int = 5) -> float:
    from sklearn.metrics import pairwise_distances

    queries = np.arange(len(x))
    dist = pairwise_distances(x[queries], x)
    dist[queries, queries] = np.inf  # skip the query itself
    idx = np.argpartition(dist, k, axis=1)[:, :k]
    t = np.sort(np.take_along_axis(dist, idx, axis=1), axis=1)
    return float(1.0 / np.mean(np.log(t[:, -1:] / t[:, :-1])))


def baseline_exact(x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import pairwise_distances

    dist = pairwise_distances(x)
    dist[y[:, None] == y[None, :]] = np.inf
    return float(dist.min())


def baseline_ev_loop(x: np.ndarray, y: np.ndarray, iterations: int) -> float:
    """Reference-style loop: draw a cross-class pair, compute one norm, keep 1/distance."""
    rng = np.random.default_rng(0)
    n = len(y)
    inverse = []
    for _ in range(iterations):
        i = int(rng.integers(n))
        j = int(rng.integers(n))
        while y[j] == y[i]:
            j = int(rng.integers(n))
        inverse.append(1.0 / np.linalg.norm(x[i] - x[j]))
    return 1.0 / max(inverse)


def baseline_ev_pre(x: np.ndarray, y: np.ndarray, iterations: int) -> float:
    """The same loop over index arrays drawn beforehand: only the norms are in the loop."""
    rng = np.random.default_rng(0)
    i = rng.integers(len(y), size=3 * iterations)
    j = rng.integers(len(y), size=3 * iterations)
    cross = y[i] != y[j]
    i, j = i[cross][:iterations].tolist(), j[cross][:iterations].tolist()
    inverse = []
    for a, b in zip(i, j, strict=True):
        inverse.append(1.0 / np.linalg.norm(x[a] - x[b]))
    return 1.0 / max(inverse)


# ---------------------------------------------------------------------------- worker


def run_worker(name: str, n: int, repeats: int) -> dict:
    x, y = load_mnist(n)
    out: dict = {"name": name}
    if name == "load":
        import jax  # noqa: F401  (the floor includes the JAX import)

    elif name.startswith("ours"):
        import jax

        from ibcomplexity import stats

        key = jax.random.key(0)
        calls = {
            "ours_id": lambda: stats.intrinsic_dimension_mle(key, x, k=5),
            "ours_exact": lambda: stats.min_class_distance(x, y),
            "ours_ev": lambda: stats.min_class_distance_extreme_value(
                key, x, y, num_pairs=EV_PAIRS, k=EV_K
            ),
        }
        first, result = _timed(calls[name], 1)
        warm, result = _timed(calls[name], repeats)
        out.update(first_s=first[0], times_s=warm, best_s=min(warm))
        out["value"] = result.value if name == "ours_id" else result.delta
        if name != "ours_id":
            out["details"] = {k: v for k, v in result.details.items() if isinstance(v, int | float)}
    elif name in ("base_id", "base_exact"):
        fn = (lambda: baseline_id(x)) if name == "base_id" else (lambda: baseline_exact(x, y))
        times, value = _timed(fn, repeats)
        out.update(times_s=times, best_s=min(times), value=value)
    else:
        loop = baseline_ev_loop if name == "base_ev_loop" else baseline_ev_pre
        times, value = _timed(lambda: loop(x, y, LOOP_ITERATIONS), repeats)
        scale = EV_PAIRS / LOOP_ITERATIONS
        out.update(
            times_s=[t * scale for t in times],
            best_s=min(times) * scale,
            measured_iterations=LOOP_ITERATIONS,
            extrapolated_to=EV_PAIRS,
            value_on_measured_pairs=value,
        )
    out["peak_mib"] = peak_mib()
    return out


def run_in_subprocess(name: str, n: int, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--n", str(n), "--repeats", str(repeats)]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="MNIST test images used")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per method")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.n, args.repeats)))
        return 0
    if not (MNIST / "t10k-images-idx3-ubyte.gz").exists():
        print(f"MNIST test set not found in {MNIST.resolve()}", file=sys.stderr)
        return 1

    import jax

    results = {}
    for name in WORKERS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = run_in_subprocess(name, args.n, args.repeats)
    floor = results["load"]["peak_mib"]

    rows, summary = [], {}
    for group, ours, bases in [
        ("intrinsic dimension", "ours_id", ["base_id"]),
        ("exact delta", "ours_exact", ["base_exact"]),
        ("extreme-value delta", "ours_ev", ["base_ev_loop", "base_ev_pre"]),
    ]:
        o = results[ours]
        for base in bases:
            b = results[base]
            summary[f"{ours}/{base}"] = b["best_s"] / o["best_s"]
        rows.append((group, ours, o))
        rows.extend((group, base, results[base]) for base in bases)

    print(
        f"\nMNIST test set, n = {args.n}, d = 784, pixels in [0, 1]; {os.cpu_count()} CPUs, "
        f"jax {jax.__version__} on {jax.devices()[0].platform}"
    )
    print(
        f"peak memory of a process that only imports jax/numpy and loads the data: "
        f"{floor:.0f} MiB\n"
    )
    header = (
        f"{'statistic':<21} {'method':<56} {'best s':>8} {'1st s':>7} {'peak MiB':>9} {'+MiB':>6}"
    )
    print(header)
    print("-" * len(header))
    for group, name, r in rows:
        first = f"{r['first_s']:.2f}" if "first_s" in r else ""
        print(
            f"{group:<21} {WORKERS[name][0]:<56} {r['best_s']:>8.2f} {first:>7} "
            f"{r['peak_mib']:>9.0f} {r['peak_mib'] - floor:>6.0f}"
        )
    print("\nspeed-up (baseline best / ours best):")
    for pair, ratio in summary.items():
        print(f"  {pair:<28} {ratio:6.1f}x")
    print(
        f"\nThe extreme-value baselines ran {LOOP_ITERATIONS:,} iterations; their times are "
        f"extrapolated linearly to {EV_PAIRS:,} pairs."
    )
    print(
        "values: "
        + ", ".join(
            f"{name}={results[name].get('value', results[name].get('value_on_measured_pairs'))}"
            for name in WORKERS
            if name != "load"
        )
    )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": "python benchmarks/bench_stats.py " + " ".join(argv or sys.argv[1:]),
        "n": args.n,
        "repeats": args.repeats,
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "jax": jax.__version__,
            "device": str(jax.devices()[0]),
        },
        "load_floor_peak_mib": floor,
        "results": results,
        "speedup": summary,
    }
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
