"""Time the exact GP inductive bias (no sampling) at n_test = 1000.

Task: MNIST test set (../shared/data/mnist) if present, else scikit-learn digits; n_train = 1000,
n_test = 1000, 10 classes, RBF kernel with the median bandwidth. Reports, separately, the float64
posterior (kernel matrices, Cholesky, eigendecomposition) and the bits from the generalized
chi-square (saddlepoint/Imhof), each the best of 3 after a warm-up call.

    python benchmarks/bench_exact.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ibcomplexity.estimate import inductive_bias_from_posterior, loss_distribution
from ibcomplexity.hypotheses import GPSpace, gp_posterior
from ibcomplexity.tasks import load_dataset, make_regression_task

ROOT = Path(__file__).resolve().parents[1]


def _best(fn, repeats=3):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    mnist = ROOT.parent / "shared" / "data" / "mnist"
    spec = f"mnist:{mnist}" if mnist.is_dir() else "digits"
    data = load_dataset(spec)
    task = make_regression_task(data, n_train=1000, n_test=min(1000, data.n - 1000), seed=0)
    space = GPSpace(kernel="rbf")
    t_post, post = _best(lambda: gp_posterior(space, task))
    dist = loss_distribution(post)
    targets = {"mean-2sd": dist.mean - 2 * dist.variance**0.5, "mean/2": dist.mean / 2}
    rows = {}
    for name, eps in targets.items():
        t_bits, r = _best(lambda eps=eps: inductive_bias_from_posterior(post, eps))
        rows[name] = dict(target=eps, bits=r.bits, seconds=t_bits)
    total = {k: t_post + v["seconds"] for k, v in rows.items()}
    result = dict(
        dataset="mnist:../shared/data/mnist (test set)" if mnist.is_dir() else "digits",
        n_train=task.n_train,
        n_test=task.n_test,
        kernel=post.kernel.spec,
        posterior_seconds=t_post,
        bits=rows,
        total_seconds=total,
        target_total_under_1s=all(v < 1.0 for v in total.values()),
    )
    out = ROOT / "benchmarks" / "results" / "exact.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
