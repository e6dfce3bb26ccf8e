"""Trained-network hypotheses per second against the authors' one-at-a-time PyTorch loop.

Usage::

    python benchmarks/bench_nn.py [--configs small,medium,large] [--scaling-configs small,medium]
        [--chunks 1,16,64,256] [--rounds 3] [--scaling-rounds 2] [--quick]
        [--out benchmarks/results/nn.json]

Every configuration is one task, ``make_regression_task(dataset, n_train, n_test, seed=0)``
(stratified, 10 classes, one-hot targets, pixels in [0, 1]) and one training setup: the authors'
MLP ``Linear(d, W) -> ReLU -> [Linear(W, W) -> ReLU] x depth -> Linear(W, 10)`` (``depth + 1``
hidden layers, PyTorch's default ``nn.Linear`` initialisation), Adam (lr 1e-3, torch defaults
otherwise) on the MSE against the one-hot targets, mini-batches of B in a fresh random order every
epoch, E epochs, then the per-entry test MSE.

1. Baseline, written the way the authors' code does it: for network i, one after the other,
   ``torch.manual_seed(i)``, an ``nn.Sequential`` of that MLP, ``torch.optim.Adam(lr=1e-3)``,
   ``nn.MSELoss()``, ``DataLoader(TensorDataset(x, y), batch_size=B, shuffle=True)``, E epochs of
   ``zero_grad / loss / backward / step``, then the test MSE under ``torch.no_grad()`` over a test
   ``DataLoader`` (summed squared errors over all m k entries: the true per-entry mean, not the
   reference's division by the test-set size). float32, as torch's default. Run with
   ``torch.set_num_threads(2)`` (the two cores XLA uses) and, because an OpenMP pool of two threads
   can lose badly on a shared two-core machine, also with one thread; the faster of the two is the
   baseline of the headline speed-up (both are reported). One warm-up network is trained (and not
   timed) first.
2. Ours: :func:`~ibcomplexity.hypotheses.training.train_hypotheses` with the
   ``reference:width=W,depth=D`` architecture and the same epochs, batch size, lr and data: with
   the library's default chunk (networks trained together per jitted call; the number of
   networks is rounded to a multiple of it, since a partial last chunk is padded to full size),
   and with ``chunk=1``. The first calls (compilation included) are reported separately; the
   warm time is what hypotheses/s uses. Ours also evaluates the train MSE and both accuracies of
   every network (extra work the baseline does not do; it is inside our timing).
3. The two are interleaved in ``--rounds`` rounds (baseline 2 threads, baseline 1 thread, ours,
   ours chunk 1); per-network times are reported as the best and the median over the rounds;
   speed-ups are best over best.
4. Arithmetic rate: the useful work per network (the training matmuls: forward, weight gradient,
   and input gradient of every layer but the first, over E n_train examples; plus the forward pass
   on the test set) divided by the time per network, against the machine's float32 matmul peak
   (best of 5 ``jnp.dot`` of 4096 x 4096, ``precision=HIGHEST``, as in ``bench_gp.py``; and
   ``torch.mm`` of the same size on 2 threads). Peak / baseline rate is the largest speed-up any
   implementation of the same arithmetic could reach.
5. Scaling: hypotheses/s of ours with ``chunk`` = 1, 16, 64, 256 networks trained together, on
   ``max(scaling_total, chunk)`` networks (256 for the small network, 64 for the medium one).
   First every chunk's first call (compile + one chunk, reported), then ``--scaling-rounds``
   interleaved warm rounds over the chunks, best of them (a row with chunk > scaling_total runs
   once). The process's peak RSS after each first call is recorded (chunks in increasing
   order, so a rise is that chunk's).

``--configs ''`` runs only the matmul peak and the scaling (``--scaling-configs ''`` skips it).
``--quick`` is a smoke run (about 2 minutes): small and medium, 1 round, 1 baseline network, at
most 32 of ours, scaling of the small network with chunks 1 and 16 on 32 networks; it writes
``benchmarks/results/nn_quick.json`` unless ``--out`` is given.

Results (JSON) go to ``--out``; the load average is recorded at the start and after every
measurement, because the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ibcomplexity.hypotheses.networks import parse_arch  # noqa: I001
from ibcomplexity.hypotheses.training import TrainConfig, default_chunk, train_hypotheses
from ibcomplexity.tasks import load_dataset, make_regression_task

DEFAULT_MNIST = ROOT / ".." / "shared" / "data" / "mnist"
THREADS = 2

# name -> dataset ("digits" or "mnist"), width W, depth D, n_train, n_test, batch B, epochs E,
# baseline networks per round, our networks per round, networks per scaling measurement
# (max(scaling_total, chunk); 64 for the medium network keeps the whole run near 10 minutes).
# Our networks per round are rounded to a multiple of the default chunk.
_FIELDS = (
    "dataset",
    "width",
    "depth",
    "n_train",
    "n_test",
    "batch",
    "epochs",
    "baseline_nets",
    "ours_nets",
    "scaling_total",
)
_ROWS = {
    "small": ("digits", 32, 1, 1000, 500, 64, 20, 4, 256, 256),
    "medium": ("mnist", 256, 1, 1000, 500, 64, 10, 3, 48, 64),
    "large": ("mnist", 512, 1, 1000, 500, 100, 10, 2, 24, 64),
}
CONFIGS: dict[str, dict] = {
    name: dict(zip(_FIELDS, row, strict=True)) for name, row in _ROWS.items()
}


def load_avg() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def layer_sizes(cfg: dict, d: int, k: int) -> list[tuple[int, int]]:
    w = cfg["width"]
    return [(d, w)] + [(w, w)] * cfg["depth"] + [(w, k)]


def useful_flops(cfg: dict, d: int, k: int) -> float:
    """Matmul flops of one network's training and test evaluation (what both sides must do)."""
    sizes = layer_sizes(cfg, d, k)
    macs = sum(a * b for a, b in sizes)
    train_per_example = 2 * macs + 2 * macs + 2 * (macs - sizes[0][0] * sizes[0][1])
    return cfg["epochs"] * cfg["n_train"] * train_per_example + cfg["n_test"] * 2 * macs


# --- the baseline: the authors' loop, one network at a time --------------------------------


def torch_network(i: int, cfg: dict, data) -> float:
    """Train network ``i`` the way the reference does; return its per-entry test MSE."""
    x, y, xt, yt = data
    torch.manual_seed(i)
    w = cfg["width"]
    layers = [torch.nn.Linear(x.shape[1], w), torch.nn.ReLU()]
    for _ in range(cfg["depth"]):
        layers += [torch.nn.Linear(w, w), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(w, y.shape[1]))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    criterion = torch.nn.MSELoss()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=cfg["batch"], shuffle=True
    )
    net.train()
    for _ in range(cfg["epochs"]):
        for xb, yb in loader:
            opt.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            opt.step()
    net.eval()
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(xt, yt), batch_size=cfg["batch"], shuffle=False
    )
    sq = 0.0
    with torch.no_grad():
        for xb, yb in test_loader:
            sq += float(torch.sum((net(xb) - yb) ** 2))
    return sq / yt.numel()


def time_torch(seeds, cfg: dict, data, threads: int) -> tuple[float, list[float]]:
    """Seconds per network (mean over ``seeds``) and the networks' test MSEs."""
    torch.set_num_threads(threads)
    start = time.perf_counter()
    mses = [torch_network(int(i), cfg, data) for i in seeds]
    return (time.perf_counter() - start) / len(seeds), mses


# --- ours -----------------------------------------------------------------------------------


def time_ours(seed: int, arch, task, cfg: dict, num: int, chunk: int | None):
    start = time.perf_counter()
    res = train_hypotheses(
        jax.random.key(seed),
        arch,
        task,
        num=num,
        epochs=cfg["epochs"],
        batch_size=cfg["batch"],
        lr=1e-3,
        chunk=chunk,
    )
    return time.perf_counter() - start, res


def dist(values) -> dict:
    v = np.asarray(values, np.float64)
    q25, q50, q75 = np.percentile(v, [25, 50, 75])
    return {
        "n": int(v.size),
        "median": float(q50),
        "q25": float(q25),
        "q75": float(q75),
        "mean": float(v.mean()),
    }


def make_task(cfg: dict, mnist: str):
    spec = "digits" if cfg["dataset"] == "digits" else f"mnist:{mnist}"
    dataset = load_dataset(spec)
    return make_regression_task(dataset, n_train=cfg["n_train"], n_test=cfg["n_test"], seed=0)


def bench_config(name: str, cfg: dict, task, rounds: int, peak: float) -> dict:
    d, k = task.dim, task.classes
    spec = f"reference:width={cfg['width']},depth={cfg['depth']}"
    arch = parse_arch(spec, input_shape=(d,), outputs=k)
    config = TrainConfig(epochs=cfg["epochs"], batch_size=cfg["batch"])
    # The library's default chunk, and a number of networks that is a multiple of it: the last
    # chunk is padded to full size, so any other number would count padded work as ours.
    chunk = default_chunk(arch, config, cfg["ours_nets"])
    num = chunk * max(1, round(cfg["ours_nets"] / chunk))
    data = tuple(
        torch.tensor(np.asarray(a, np.float32))
        for a in (task.x_train, task.y_train, task.x_test, task.y_test)
    )
    flops = useful_flops(cfg, d, k)
    print(
        f"\n[{name}] {task.name}: d={d}, {spec} ({arch.num_parameters:,} parameters), "
        f"n_train={cfg['n_train']}, n_test={cfg['n_test']}, batch {cfg['batch']}, "
        f"{cfg['epochs']} epochs; {flops / 1e9:.3f} GFLOP per network; ours: {num} networks, "
        f"default chunk {chunk}, and chunk 1",
        flush=True,
    )

    torch.set_num_threads(THREADS)
    torch_network(10_000, cfg, data)  # warm-up, not timed
    load_start = load_avg()
    first_s, first_res = time_ours(0, arch, task, cfg, num, None)
    first1_s, _ = time_ours(0, arch, task, cfg, 1, 1)
    print(
        f"  ours first call ({num} networks, compilation included): {first_s:.2f} s; "
        f"chunk 1, one network: {first1_s:.2f} s",
        flush=True,
    )

    nb = cfg["baseline_nets"]
    times = {"torch2": [], "torch1": [], "ours": [], "ours_chunk1": []}
    mse_torch, mse_torch1, mse_ours = [], [], []
    fit_fraction = []
    for r in range(rounds):
        seeds = range(r * nb, (r + 1) * nb)
        t2, m2 = time_torch(seeds, cfg, data, THREADS)
        t1, m1 = time_torch(seeds, cfg, data, 1)
        torch.set_num_threads(THREADS)
        t_ours, res = time_ours(r + 1, arch, task, cfg, num, None)
        t_one, _ = time_ours(r + 1, arch, task, cfg, num, 1)
        times["torch2"].append(t2)
        times["torch1"].append(t1)
        times["ours"].append(t_ours / num)
        times["ours_chunk1"].append(t_one / num)
        mse_torch += m2
        mse_torch1 += m1
        mse_ours += [float(v) for v in res.test_mse]
        fit_fraction.append(res.fit_fraction)
        print(
            f"  round {r + 1}: s/network torch 2 threads {t2:.4f}, 1 thread {t1:.4f}, ours "
            f"{t_ours / num:.5f}, ours chunk 1 {t_one / num:.5f} (load {load_avg()[0]})",
            flush=True,
        )
    best = {key: min(v) for key, v in times.items()}
    med = {key: float(np.median(v)) for key, v in times.items()}
    base_key = "torch1" if best["torch1"] < best["torch2"] else "torch2"
    out = {
        "dataset": task.name,
        "arch": arch.spec,
        "parameters": arch.num_parameters,
        "d": d,
        "classes": k,
        **{key: cfg[key] for key in ("width", "depth", "n_train", "n_test", "batch", "epochs")},
        "steps_per_epoch": -(-cfg["n_train"] // cfg["batch"]),
        "useful_gflop_per_network": flops / 1e9,
        "baseline_networks_per_round": nb,
        "ours_networks_per_round": num,
        "ours_chunk": chunk,
        "rounds": rounds,
        "ours_first_call_s": first_s,
        "ours_first_call_hypotheses_per_s": num / first_s,
        "ours_chunk1_first_call_one_network_s": first1_s,
        "seconds_per_network": {"best": best, "median": med, "all": times},
        "hypotheses_per_s": {key: 1.0 / v for key, v in best.items()},
        "gflops": {key: flops / v / 1e9 for key, v in best.items()},
        "fraction_of_jax_peak": {key: flops / v / 1e9 / peak for key, v in best.items()},
        # The largest speed-up possible if ours ran at the float32 matmul peak.
        "speedup_ceiling_at_peak": peak / (flops / best[base_key] / 1e9),
        "baseline_used": base_key,
        "speedup": best[base_key] / best["ours"],
        "speedup_vs_torch_2_threads": best["torch2"] / best["ours"],
        "speedup_vs_torch_1_thread": best["torch1"] / best["ours"],
        "speedup_median_rounds": med[base_key] / med["ours"],
        "speedup_first_call": best[base_key] / (first_s / num),
        "speedup_chunk1": best[base_key] / best["ours_chunk1"],
        "test_mse_torch": dist(mse_torch),
        "test_mse_torch_1_thread": dist(mse_torch1),
        "test_mse_ours": dist(mse_ours),
        "ours_fit_fraction": float(np.mean(fit_fraction)),
        "ours_first_call_test_mse_median": float(np.median(first_res.test_mse)),
        "load_average_start": load_start,
        "load_average_end": load_avg(),
    }
    print(
        f"  best s/network: torch 2 threads {best['torch2']:.4f}, 1 thread {best['torch1']:.4f}, "
        f"ours {best['ours']:.5f} -> {out['speedup']:.1f}x (vs 2 threads "
        f"{out['speedup_vs_torch_2_threads']:.1f}x, vs 1 thread "
        f"{out['speedup_vs_torch_1_thread']:.1f}x; median of rounds "
        f"{out['speedup_median_rounds']:.1f}x); ours chunk 1 {best['ours_chunk1']:.5f} -> "
        f"{out['speedup_chunk1']:.1f}x"
    )
    g = out["gflops"]
    print(
        f"  GFLOP/s: torch 2 threads {g['torch2']:.1f}, 1 thread {g['torch1']:.1f}, ours "
        f"{g['ours']:.1f}, ours chunk 1 {g['ours_chunk1']:.1f} (peak {peak:.0f}; speed-up "
        f"ceiling at peak {out['speedup_ceiling_at_peak']:.1f}x)"
    )
    print(
        f"  median test MSE: torch {out['test_mse_torch']['median']:.5f} "
        f"(n={len(mse_torch)}), ours {out['test_mse_ours']['median']:.5f} "
        f"(n={len(mse_ours)}); ours fit fraction {out['ours_fit_fraction']:.2f}",
        flush=True,
    )
    return out


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux: ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_scaling(name: str, cfg: dict, task, chunks, rounds: int, peak: float) -> dict:
    """First calls for every chunk, then ``rounds`` interleaved warm rounds over the chunks."""
    d, k = task.dim, task.classes
    arch = parse_arch(
        f"reference:width={cfg['width']},depth={cfg['depth']}", input_shape=(d,), outputs=k
    )
    flops = useful_flops(cfg, d, k)
    total = cfg["scaling_total"]
    print(f"\n[scaling: {name}] {arch.spec}, networks trained together per jitted call", flush=True)
    rows = {}
    # Once, so that every chunk's first call compiles, even one that section 1 compiled (clearing
    # inside the loop would also drop the chunks compiled before, and recompile them later).
    jax.clear_caches()
    for c in chunks:
        first_s, _ = time_ours(0, arch, task, cfg, c, c)
        rows[c] = {
            "chunk": c,
            "networks": max(total, c),
            # Rows that need more networks than ``total`` (chunk > total) run once: they are
            # the slowest (the medium network's chunk 256 alone takes ~90 s).
            "rounds": rounds if c <= total else 1,
            "first_call_s": first_s,
            # Chunks run in increasing order, so a rise here is this chunk's doing.
            "peak_rss_mib_after_first_call": peak_rss_mib(),
            "warm_s_all": [],
            "load_average": [],
        }
        print(
            f"  chunk {c:4d}: first call (compile + one chunk) {first_s:.2f} s; process peak RSS "
            f"{rows[c]['peak_rss_mib_after_first_call']:.0f} MiB",
            flush=True,
        )
    for r in range(rounds):
        for c, row in rows.items():
            if r >= row["rounds"]:
                continue
            warm_s, res = time_ours(r + 1, arch, task, cfg, row["networks"], c)
            row["warm_s_all"].append(warm_s)
            row["load_average"].append(load_avg()[0])
            row["test_mse_median"] = float(np.median(res.test_mse))
    for c, row in rows.items():
        num, warm_s = row["networks"], min(row["warm_s_all"])
        per_net = warm_s / num
        row.update(
            warm_s=warm_s,
            hypotheses_per_s=num / warm_s,
            gflops=flops / per_net / 1e9,
            fraction_of_jax_peak=flops / per_net / 1e9 / peak,
            compile_estimate_s=max(0.0, row["first_call_s"] - per_net * c),
        )
        print(
            f"  chunk {c:4d}: {num} networks, best of {len(row['warm_s_all'])} "
            f"{warm_s:.2f} s = {row['hypotheses_per_s']:.1f} hypotheses/s, "
            f"{row['gflops']:.1f} GFLOP/s; compile ~{row['compile_estimate_s']:.1f} s "
            f"(load {row['load_average']})",
            flush=True,
        )
    return {"arch": arch.spec, "dataset": task.name, "rows": list(rows.values())}


def bench_peak() -> dict:
    n = 4096
    a = jax.random.normal(jax.random.key(1), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.key(2), (n, n), jnp.float32)
    dot = jax.jit(lambda a, b: jnp.dot(a, b, precision=jax.lax.Precision.HIGHEST))
    dot(a, b).block_until_ready()
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        dot(a, b).block_until_ready()
        best = min(best, time.perf_counter() - start)
    torch.set_num_threads(THREADS)
    ta, tb = torch.from_numpy(np.array(a)), torch.from_numpy(np.array(b))
    torch.mm(ta, tb)
    best_t = math.inf
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(ta, tb)
        best_t = min(best_t, time.perf_counter() - start)
    return {
        "jax_matmul_gflops_f32_highest": 2 * n**3 / best / 1e9,
        "torch_matmul_gflops_f32_2_threads": 2 * n**3 / best_t / 1e9,
        "load_average": load_avg(),
    }


def print_table(result: dict) -> None:
    print(
        "\n| config | arch | torch 2 thr hyp/s | torch 1 thr hyp/s | ours hyp/s (chunk) | "
        "speed-up | ours chunk 1 hyp/s | speed-up |"
    )
    for name, row in result["configs"].items():
        h = row["hypotheses_per_s"]
        print(
            f"| {name} | {row['arch']} | {h['torch2']:.2f} | {h['torch1']:.2f} | "
            f"{h['ours']:.1f} ({row['ours_chunk']}) | {row['speedup']:.1f}x | "
            f"{h['ours_chunk1']:.1f} | {row['speedup_chunk1']:.1f}x |"
        )


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="small,medium,large", help=f"of {', '.join(CONFIGS)}")
    p.add_argument("--scaling-configs", default="small,medium")
    p.add_argument("--chunks", default="1,16,64,256")
    p.add_argument(
        "--scaling-total",
        type=int,
        default=None,
        help="networks per scaling measurement (default per config: small 256, medium 128)",
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scaling-rounds", type=int, default=2)
    p.add_argument("--mnist", default=str(DEFAULT_MNIST), help="directory of the MNIST IDX files")
    p.add_argument("--quick", action="store_true", help="smoke run of about 1-2 minutes")
    p.add_argument("--out", default=None, help="default benchmarks/results/nn.json (nn_quick)")
    args = p.parse_args(argv)

    configs = {name: dict(CONFIGS[name]) for name in args.configs.split(",") if name}
    scaling = [name for name in args.scaling_configs.split(",") if name]
    chunks = [int(c) for c in args.chunks.split(",")]
    total, rounds = args.scaling_total, args.rounds
    if args.quick:
        configs = {name: cfg for name, cfg in configs.items() if name != "large"}
        for cfg in configs.values():
            cfg["baseline_nets"], cfg["ours_nets"] = 1, min(cfg["ours_nets"], 32)
        scaling, chunks, total, rounds = scaling[:1], [c for c in chunks if c <= 16], 32, 1
        args.scaling_rounds = 1
    if total is not None:
        for cfg in configs.values():
            cfg["scaling_total"] = total
    default_out = ROOT / "benchmarks" / "results" / ("nn_quick.json" if args.quick else "nn.json")
    out = Path(args.out or default_out)

    torch.set_num_threads(THREADS)
    result = {
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "backend": jax.default_backend(),
            "device": jax.devices()[0].device_kind,
            "python": platform.python_version(),
            "jax": jax.__version__,
            "flax": __import__("flax").__version__,
            "optax": __import__("optax").__version__,
            "torch": torch.__version__,
            "torch_threads": THREADS,
            "load_average_start": load_avg(),
        },
        "quick": args.quick,
    }
    print(
        f"{result['machine']['cpu']}, {os.cpu_count()} CPUs; jax {jax.__version__} "
        f"({jax.default_backend()}), torch {torch.__version__} on {THREADS} threads (and 1); "
        f"load average {result['machine']['load_average_start']}",
        flush=True,
    )
    peak = bench_peak()
    result["peak"] = peak
    jpeak = peak["jax_matmul_gflops_f32_highest"]
    print(
        f"float32 matmul 4096^3: jax {jpeak:.0f} GFLOP/s (HIGHEST), torch "
        f"{peak['torch_matmul_gflops_f32_2_threads']:.0f} GFLOP/s (2 threads)",
        flush=True,
    )

    tasks = {}
    result["configs"] = {}
    for name, cfg in configs.items():
        tasks[name] = make_task(cfg, args.mnist)
        result["configs"][name] = bench_config(name, cfg, tasks[name], rounds, jpeak)
    result["scaling"] = {}
    for name in scaling:
        cfg = configs.get(name) or dict(CONFIGS[name])
        if total is not None:
            cfg["scaling_total"] = total
        task = tasks.get(name) or make_task(cfg, args.mnist)
        result["scaling"][name] = bench_scaling(name, cfg, task, chunks, args.scaling_rounds, jpeak)
    result["machine"]["load_average_end"] = load_avg()

    if result["configs"]:
        print_table(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {out}")
    return result


if __name__ == "__main__":
    main()
