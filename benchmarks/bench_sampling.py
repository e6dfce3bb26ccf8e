"""The sampling core on several devices and on an accelerator: hypotheses/s and fraction of peak.

Usage::

    python benchmarks/bench_sampling.py --mode devices [--device-counts 1,2,4,8]
        [--out benchmarks/results/sampling_devices.json]
    python benchmarks/bench_sampling.py --mode gpu [--quick] [--out ...]

Two modes.

``--mode devices`` (CPU; correctness, not speed): for N = 1, 2, 4, 8 simulated CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=N``, set in a fresh subprocess before JAX
starts; one subprocess per N, run one after the other), the same two jobs through the sampling
core on a mesh over all N devices:

1. GP sampler: :func:`sample_losses` on the digits task (``make_regression_task(digits,
   n_train=500, n_test=200, seed=0)``, RBF kernel with the median bandwidth), 100,000 samples,
   the library's default chunk;
2. MLP training: :func:`train_hypotheses`, 64 networks ``mlp:width=128,depth=1`` on the same
   task, Adam lr 1e-3, 5 epochs, batch 50, the library's default chunk.

Each job reports its first call (compilation included) and the best of ``--repeats`` later
calls, as hypotheses/s; every N's losses are compared with N = 1 (maximum relative difference,
which must be <= 1e-6: the float32 rounding tolerance of ``tests/sampling/test_devices.py``).
Simulated devices share the same CPU cores, so throughput does not grow with N.

``--mode gpu`` (the default device, meant for a GPU; ``--quick`` shrinks everything to a CPU
smoke test of under ~2 minutes) at 1 device:

0. the device's float32 matmul rate: best of ``--repeats`` ``jnp.dot`` of two 8192 x 8192
   matrices (4096 with ``--quick``) at ``precision=HIGHEST`` (true float32) and ``DEFAULT``
   (TF32 on NVIDIA tensor cores);
1. GP sampler on MNIST-sized data: the real MNIST test set from ``../shared/data/mnist`` split
   into n_train 5000 / n_test 1000 (10 classes; the digits, 1200 / 500, with a note if the files
   are absent), RBF kernel with the median bandwidth. :func:`gp_posterior` is timed (float64),
   then :func:`sample_losses` in its fast eigenbasis form with the library's default chunk and
   with a chunk from :func:`chunk_size_for` (the device's free memory), and the direct form
   (one batched matmul per sample). FLOP counts per sample (rank r, m test points, k classes):
   the fast form ``e = R_r + sqrt(lam)[:, None] * Z`` and ``sum(e * e)`` is 4 r k flops (scale,
   add, square, sum), not counting the generation of the r k normals (threefry bits and
   Box-Muller transcendentals), which is where its time goes; its "matmul-equivalent" rate is
   the direct form's 2 m r k flops per sample divided by the fast form's time. The direct form
   is counted as 2 m r k + r k + 4 m k flops (the matmul, the scaling, and mean, subtraction,
   square and sum over the m k entries).
2. MLP training on MNIST-sized data: :func:`train_hypotheses`, ``mlp:width=512,depth=2`` on the
   same task (784 inputs, n_train 5000), Adam lr 1e-3, 5 epochs, batch 128, 64 and 256 networks
   each in one chunk, and 256 networks with the library's default chunk (20 networks for this
   architecture; the run is skipped where the default equals the largest count). FLOPs per
   network: the usual 6 P n E (forward + backward, P parameters, n training examples, E
   epochs); the train and test evaluation after training (2 P (n + m)) is recorded as well.

3. The deep empirical regime end to end through the CLI (also alone: ``--mode cli-nn``):
   ``python -m ibcomplexity nn`` in a subprocess, ``mlp:width=64,depth=1`` on the digits (n_train
   500 / n_test 500, Adam lr 3e-3, 40 epochs, batch 50), for each count in ``--cli-networks``
   (default 100,000; 2,000 with ``--quick``) with ``--chunk`` ``--cli-chunk`` (default 8192).
   Reported: wall-clock networks/s including start-up, training, the estimate on every fitting
   network's loss (``estimate_bits`` with 200 bootstrap resamples) and JSON output; the training
   rate the command reports itself; the regime, bits and interval at a deep target, and the
   deepest bits the sample resolves empirically; the child process's peak resident memory (the
   networks are trained a chunk at a time and never held together).

Every rate is also given as a fraction of the measured HIGHEST and DEFAULT matmul rates. Results
(JSON, with the machine, the device kind and the load average) go to ``--out`` (default
``benchmarks/results/sampling_devices.json``, ``sampling_gpu_<device kind>.json`` or, with
``--quick``, ``sampling_<device kind>_quick.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
# The MNIST test set: ../shared/data/mnist beside the repository, or shared/data/mnist inside it
# (where a copy of the working tree on another machine may carry it).
MNIST_CANDIDATES = (ROOT / ".." / "shared" / "data" / "mnist", ROOT / "shared" / "data" / "mnist")
DEFAULT_MNIST = next((p for p in MNIST_CANDIDATES if p.exists()), MNIST_CANDIDATES[0]).resolve()
# Largest relative difference allowed between device counts (float32 rounding; see
# tests/sampling/test_devices.py).
RTOL = 1e-6


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> float:
    return os.getloadavg()[0]


def sanitize(kind: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_") or "device"


def machine_info() -> dict:
    import jax

    dev = jax.devices()[0]
    info = {
        "backend": jax.default_backend(),
        "device": dev.device_kind,
        "device_count": jax.device_count(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "jax": jax.__version__,
    }
    try:
        stats = dev.memory_stats()
    except Exception:  # the CPU backend may raise
        stats = None
    if stats and "bytes_limit" in stats:
        info["device_memory_limit_gib"] = stats["bytes_limit"] / 2**30
    return info


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """First call (compilation included), best of ``repeats`` later calls, the last result.

    The sampling core returns numpy arrays (copied from the device), so each call is complete
    when it returns.
    """
    start = time.perf_counter()
    out = fn()
    first = time.perf_counter() - start
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return first, best, out


def rel_diff(a, b) -> float:
    """max |a - b| / |b| (b the reference)."""
    import numpy as np

    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return math.inf
    denom = np.maximum(np.abs(b), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


# --- mode devices: one subprocess per simulated device count ----------------------------------


def devices_worker(args) -> None:
    """Runs inside the subprocess: both jobs on all (simulated) local devices."""
    import jax
    import numpy as np

    from ibcomplexity.hypotheses import GPSpace, gp_posterior, sample_losses
    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.hypotheses.sampling import default_chunk_size
    from ibcomplexity.hypotheses.training import TrainConfig, default_chunk, train_hypotheses
    from ibcomplexity.sampling import local_mesh
    from ibcomplexity.tasks import load_dataset, make_regression_task

    n = jax.device_count()
    if n != args.n_devices:
        raise SystemExit(f"expected {args.n_devices} devices, got {n}")
    mesh = local_mesh()
    task = make_regression_task(
        load_dataset(args.dataset), n_train=args.n_train, n_test=args.n_test, seed=0
    )
    key = jax.random.key(0)
    out = {"machine": machine_info(), "load_start": load()}

    post = gp_posterior(GPSpace("rbf:bandwidth=median"), task)
    s = args.gp_samples
    first, best, losses = timed(lambda: sample_losses(key, post, s, mesh=mesh), args.repeats)
    out["gp"] = {
        "samples": s,
        "rank": post.rank,
        "chunk": int(default_chunk_size(post, s, devices=n)),
        "first_call_s": first,
        "best_s": best,
        "hypotheses_per_s": s / best,
        "mean_loss": float(np.mean(losses)),
        "load_after": load(),
    }

    spec = f"mlp:width={args.nn_width},depth={args.nn_depth}"
    kw = {"epochs": args.nn_epochs, "batch_size": args.nn_batch}
    num = args.nn_networks
    arch = parse_arch(spec, input_shape=(task.dim,), outputs=task.classes)
    first, best, res = timed(
        lambda: train_hypotheses(key, arch, task, num=num, mesh=mesh, **kw), args.repeats
    )
    out["nn"] = {
        "arch": arch.spec,
        "networks": num,
        "parameters": arch.num_parameters,
        **kw,
        "chunk": int(default_chunk(arch, TrainConfig(**kw), num, devices=n)),
        "first_call_s": first,
        "best_s": best,
        "hypotheses_per_s": num / best,
        "mean_test_mse": float(np.mean(res.test_mse)),
        "load_after": load(),
    }
    np.savez(
        args.arrays,
        gp_losses=losses,
        nn_test_mse=res.test_mse,
        nn_train_mse=res.train_mse,
        nn_epoch_loss=res.epoch_loss,
    )
    Path(args.result).write_text(json.dumps(out, indent=2))


def run_devices(args) -> dict:
    import numpy as np

    counts = [int(c) for c in args.device_counts.split(",")]
    result = {
        "mode": "devices",
        "config": {
            "dataset": args.dataset,
            "n_train": args.n_train,
            "n_test": args.n_test,
            "gp_samples": args.gp_samples,
            "nn_arch": f"mlp:width={args.nn_width},depth={args.nn_depth}",
            "nn_networks": args.nn_networks,
            "nn_epochs": args.nn_epochs,
            "nn_batch": args.nn_batch,
            "repeats": args.repeats,
            "rtol": RTOL,
        },
        "load_start": load(),
        "runs": {},
    }
    arrays = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            env = dict(os.environ)
            env.pop("XLA_FLAGS", None)
            env.update(JAX_PLATFORMS="cpu", XLA_FLAGS=f"--xla_force_host_platform_device_count={n}")
            res_path, arr_path = Path(tmp) / f"{n}.json", Path(tmp) / f"{n}.npz"
            cmd = [sys.executable, __file__, "--worker", "--n-devices", str(n)]
            cmd += ["--result", str(res_path), "--arrays", str(arr_path)]
            cmd += [a for a in sys.argv[1:] if a != "--worker"]
            start = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"{n} devices failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
            run = json.loads(res_path.read_text())
            run["subprocess_wall_s"] = wall
            with np.load(arr_path) as f:
                arrays[n] = dict(f)
            result["runs"][str(n)] = run
            print(
                f"N={n}: GP {run['gp']['hypotheses_per_s']:,.0f} samples/s "
                f"(first call {run['gp']['first_call_s']:.2f} s, chunk {run['gp']['chunk']}); "
                f"MLP {run['nn']['hypotheses_per_s']:.1f} networks/s (first call "
                f"{run['nn']['first_call_s']:.2f} s, chunk {run['nn']['chunk']}); "
                f"subprocess {wall:.1f} s",
                flush=True,
            )
    ref = arrays[counts[0]]
    ok = True
    for n in counts:
        diffs = {name: rel_diff(arrays[n][name], ref[name]) for name in ref}
        equal = {name: float(np.mean(arrays[n][name] == ref[name])) for name in ref}
        worst = max(diffs.values())
        ok &= worst <= RTOL
        result["runs"][str(n)]["max_rel_diff_vs_first"] = diffs
        result["runs"][str(n)]["fraction_bitwise_equal_vs_first"] = equal
        result["runs"][str(n)]["max_rel_diff"] = worst
        print(
            f"N={n} vs N={counts[0]}: max relative difference {worst:.3g} ("
            + ", ".join(f"{k} {v:.2g}" for k, v in diffs.items())
            + "); bitwise equal: "
            + ", ".join(f"{k} {100 * v:.0f}%" for k, v in equal.items())
        )
    result["all_within_rtol"] = bool(ok)
    result["machine"] = result["runs"][str(counts[0])]["machine"] | {"device_count": "per run"}
    print(f"all device counts within rtol {RTOL:g} of N={counts[0]}: {ok}")
    return result


# --- mode gpu: one device, hypotheses/s and fraction of peak ----------------------------------


def matmul_peak(n: int, repeats: int) -> dict:
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.key(1), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.key(2), (n, n), jnp.float32)
    out = {"n": n}
    for prec in ("HIGHEST", "DEFAULT"):
        dot = jax.jit(lambda a, b, p=prec: jnp.dot(a, b, precision=getattr(jax.lax.Precision, p)))
        dot(a, b).block_until_ready()
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            dot(a, b).block_until_ready()
            best = min(best, time.perf_counter() - start)
        out[f"gflops_{prec.lower()}"] = 2 * n**3 / best / 1e9
    return out


def fractions(gflops: float, peak: dict) -> dict:
    return {
        "fraction_of_highest": gflops / peak["gflops_highest"],
        "fraction_of_default": gflops / peak["gflops_default"],
    }


def bench_gp(args, task, mesh, peak: dict) -> dict:
    import jax
    import numpy as np

    from ibcomplexity.hypotheses import GPSpace, gp_posterior, sample_losses
    from ibcomplexity.hypotheses.sampling import default_chunk_size
    from ibcomplexity.sampling import chunk_size_for

    space = GPSpace("rbf:bandwidth=median")
    first, best, post = timed(lambda: gp_posterior(space, task), args.repeats)
    m, k, r = post.n_test, post.classes, post.rank
    out = {
        "posterior_first_call_s": first,
        "posterior_best_s": best,
        "rank": r,
        "m": m,
        "k": k,
        "exact_mean_mse": post.mean_mse,
        "fast": {},
    }
    print(f"   posterior: {best:.3f} s (first call {first:.2f} s), rank {r}", flush=True)
    key = jax.random.key(0)
    fast_flops = 4.0 * r * k
    equiv_flops = 2.0 * m * r * k
    direct_flops = 2.0 * m * r * k + r * k + 4.0 * m * k
    s = args.gp_samples
    # Device memory of one fast-form sample, generously: 8 float32 values per normal (random bits,
    # uniforms, radius and angle, cosine and sine, normals, error term), in case XLA materialises
    # them all.
    big = min(chunk_size_for(32 * r * k, mesh=mesh), s)
    chunks = {"default": int(default_chunk_size(post, s)), "chunk_size_for": int(big)}
    for name, chunk in chunks.items():
        first, best, losses = timed(
            lambda c=chunk: sample_losses(key, post, s, chunk_size=c, mesh=mesh), args.repeats
        )
        rate = s / best
        out["fast"][name] = {
            "chunk": chunk,
            "samples": s,
            "first_call_s": first,
            "best_s": best,
            "hypotheses_per_s": rate,
            "normals_per_s": rate * r * k,
            "own_gflops": rate * fast_flops / 1e9,
            "own": fractions(rate * fast_flops / 1e9, peak),
            "matmul_equivalent_gflops": rate * equiv_flops / 1e9,
            "matmul_equivalent": fractions(rate * equiv_flops / 1e9, peak),
            "mean_loss": float(np.mean(losses)),
            "se": float(np.std(losses) / math.sqrt(s)),
            "load_after": load(),
        }
        print(
            f"   fast form, chunk {chunk} ({name}): {rate:,.0f} samples/s "
            f"({rate * r * k / 1e9:.2f} G normals/s; first call {first:.2f} s, best {best:.3f} s); "
            f"own {rate * fast_flops / 1e9:.1f} GFLOP/s, matmul-equivalent "
            f"{rate * equiv_flops / 1e9:.0f} GFLOP/s = "
            f"{100 * rate * equiv_flops / 1e9 / peak['gflops_highest']:.1f}% of HIGHEST peak",
            flush=True,
        )
    sd = args.gp_direct_samples
    first, best, losses = timed(
        lambda: sample_losses(key, post, sd, direct=True, mesh=mesh), args.repeats
    )
    rate = sd / best
    out["direct"] = {
        "chunk": int(default_chunk_size(post, sd, direct=True)),
        "samples": sd,
        "first_call_s": first,
        "best_s": best,
        "hypotheses_per_s": rate,
        "gflops": rate * direct_flops / 1e9,
        **fractions(rate * direct_flops / 1e9, peak),
        "mean_loss": float(np.mean(losses)),
        "se": float(np.std(losses) / math.sqrt(sd)),
        "load_after": load(),
    }
    print(
        f"   direct form: {rate:,.0f} samples/s (first call {first:.2f} s, best {best:.3f} s), "
        f"{rate * direct_flops / 1e9:.0f} GFLOP/s = "
        f"{100 * out['direct']['fraction_of_highest']:.1f}% of HIGHEST, "
        f"{100 * out['direct']['fraction_of_default']:.1f}% of DEFAULT",
        flush=True,
    )
    out["flops_per_sample"] = {
        "fast_own": fast_flops,
        "matmul_equivalent": equiv_flops,
        "direct": direct_flops,
    }
    return out


def bench_nn(args, task, mesh, peak: dict) -> dict:
    import jax
    import numpy as np

    from ibcomplexity.hypotheses.networks import parse_arch
    from ibcomplexity.hypotheses.training import TrainConfig, default_chunk, train_hypotheses

    arch = parse_arch(
        f"mlp:width={args.nn_width},depth={args.nn_depth}",
        input_shape=(task.dim,),
        outputs=task.classes,
    )
    p = arch.num_parameters
    n, m, e = task.n_train, task.n_test, args.nn_epochs
    train_flops = 6.0 * p * n * e
    eval_flops = 2.0 * p * (n + m)
    kw = {"epochs": e, "batch_size": args.nn_batch}
    key = jax.random.key(0)
    out = {
        "arch": arch.spec,
        "parameters": p,
        **kw,
        "train_flops_per_network": train_flops,
        "eval_flops_per_network": eval_flops,
        "runs": [],
    }
    nets = [int(x) for x in args.nn_networks_list.split(",")]
    runs = [(num, num) for num in nets]
    if default_chunk(arch, TrainConfig(**kw), max(nets)) != max(nets):
        runs.append((max(nets), None))  # the library's default chunk, where it differs
    for num, chunk in runs:
        used = chunk if chunk is not None else default_chunk(arch, TrainConfig(**kw), num)
        first, best, res = timed(
            lambda num=num, chunk=chunk: train_hypotheses(
                key, arch, task, num=num, chunk=chunk, mesh=mesh, **kw
            ),
            args.nn_repeats,
        )
        rate = num / best
        gflops = rate * train_flops / 1e9
        row = {
            "networks": num,
            "chunk": int(used),
            "chunk_is_default": chunk is None,
            "first_call_s": first,
            "best_s": best,
            "hypotheses_per_s": rate,
            "gflops_6PnE": gflops,
            **fractions(gflops, peak),
            "gflops_with_evaluation": rate * (train_flops + eval_flops) / 1e9,
            "mean_test_mse": float(np.mean(res.test_mse)),
            "mean_test_accuracy": float(np.mean(res.test_accuracy)),
            "load_after": load(),
        }
        out["runs"].append(row)
        print(
            f"   {num} networks, chunk {used}{' (default)' if chunk is None else ''}: "
            f"{rate:.2f} networks/s (first call {first:.2f} s, best {best:.3f} s), "
            f"{gflops:.0f} GFLOP/s (6PnE) = {100 * row['fraction_of_highest']:.1f}% of HIGHEST, "
            f"{100 * row['fraction_of_default']:.1f}% of DEFAULT; mean test accuracy "
            f"{row['mean_test_accuracy']:.3f}",
            flush=True,
        )
    return out


def bench_cli_nn(args) -> dict:
    """``ibc nn`` through the CLI at large network counts (see the module docstring, step 3)."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = []
    for count in (int(c) for c in str(args.cli_networks).split(",")):
        cmd = [sys.executable, "-m", "ibcomplexity", "nn", "--dataset", "digits"]
        cmd += ["--arch", "mlp:width=64,depth=1", "--samples", str(count), "--epochs", "40"]
        cmd += ["--lr", "3e-3", "--batch-size", "50", "--n-train", "500", "--n-test", "500"]
        cmd += ["--chunk", str(min(args.cli_chunk, count)), "--target-mse", str(args.cli_target)]
        cmd += ["--json", "--quiet"]
        print(f"   {count:,} networks: {' '.join(cmd[2:])}", flush=True)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=args.cli_timeout
            )
        except subprocess.TimeoutExpired:
            runs.append({"networks": count, "timed_out_after_s": args.cli_timeout})
            print(f"   timed out after {args.cli_timeout} s", flush=True)
            continue
        wall = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            runs.append({"networks": count, "returncode": proc.returncode, "stderr": proc.stderr})
            print(f"   failed: {proc.stderr.strip()[-500:]}", flush=True)
            continue
        d = json.loads(proc.stdout)
        tr = d["training"]
        run = {
            "networks": count,
            "chunk": min(args.cli_chunk, count),
            "wall_s": wall,
            "networks_per_s_end_to_end": count / wall,
            "training_s": tr["seconds"],
            "networks_per_s_training": tr["networks_per_second"],
            "fit": tr["fit"],
            "test_mse_fit": tr["test_mse_fit"],
            "target_mse": args.cli_target,
            "regime": d["regime"],
            "bits": d["bits"],
            "ci_bits": d["ci_bits"],
            "count_below": d["estimate"]["count_below"],
            "resolvable_bits": d["resolvable_bits"],
            "peak_rss_mib_max_over_children": peak_mib,
        }
        runs.append(run)
        print(
            f"   {count / wall:,.0f} networks/s end to end ({wall:.1f} s; training alone "
            f"{tr['networks_per_second']:,.0f}/s), {tr['fit']:,} fit; {d['regime']}: "
            f"{d['bits']} bits {d['ci_bits']} ({d['estimate']['count_below']} below the target; "
            f"resolves {d['resolvable_bits']:.3g} bits); peak RSS <= {peak_mib:,.0f} MiB",
            flush=True,
        )
    out = {"arch": "mlp:width=64,depth=1", "dataset": "digits 500/500", "runs": runs}
    if args.cli_batch_networks:
        out["batch"] = bench_cli_batch(args, env)
    return out


BATCH_JOB = """\
[job]
seed = 0
targets = [{target}]
samples = [{count}]
chunk_size = {chunk}
bootstrap = 200
plots = false

[[tasks]]
dataset = "digits"
n_train = 500
n_test = 500

[[spaces]]
type = "nn"
arch = "mlp:width=64,depth=1"
epochs = 40
batch_size = 50
lr = 3e-3
"""


def bench_cli_batch(args, env) -> dict:
    """``ibc batch`` with one NN space of ``--cli-batch-networks`` networks, checkpointed."""
    count = args.cli_batch_networks
    chunk = min(args.cli_chunk, count)
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "job.toml"
        job.write_text(BATCH_JOB.format(target=args.cli_target, count=count, chunk=chunk))
        cmd = [sys.executable, "-m", "ibcomplexity", "batch", str(job), "--out", f"{tmp}/out"]
        cmd += ["--json", "--quiet"]
        print(f"   ibc batch: {count:,} networks in chunks of {chunk}", flush=True)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=args.cli_timeout
            )
        except subprocess.TimeoutExpired:
            return {"networks": count, "timed_out_after_s": args.cli_timeout}
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            print(f"   failed: {proc.stderr.strip()[-500:]}", flush=True)
            return {"networks": count, "returncode": proc.returncode, "stderr": proc.stderr}
        d = json.loads(proc.stdout)
        (row,) = d["rows"]
        res = {
            "networks": count,
            "chunk": chunk,
            "wall_s": wall,
            "networks_per_s_end_to_end": count / wall,
            "chunks_computed": d["chunks_computed"],
            "fit": row["fit_samples"],
            "regime": row["regime"],
            "bits": row["bits"],
            "ci_bits": [row["ci_low_bits"], row["ci_high_bits"]],
            "count_below": row["count_below"],
            "resolvable_bits": row["resolvable_bits"],
        }
        print(
            f"   {count / wall:,.0f} networks/s end to end ({wall:.1f} s, "
            f"{d['chunks_computed']} checkpointed chunks); {row['regime']}: {row['bits']} bits",
            flush=True,
        )
        return res


def run_gpu(args) -> dict:
    import jax

    from ibcomplexity.sampling import local_mesh
    from ibcomplexity.tasks import load_dataset, make_regression_task

    mesh = local_mesh(jax.local_devices()[:1])
    info = machine_info()
    print(
        f"device: {info['device']} ({info['backend']}, {info['device_count']} device(s), "
        f"using 1), {info['cpus']} CPUs, jax {info['jax']}",
        flush=True,
    )
    notes = []
    dataset, n_train, n_test = args.dataset, args.n_train, args.n_test
    if dataset.startswith("mnist:") and not Path(dataset.split(":", 1)[1]).exists():
        notes.append(
            f"{dataset} not found: fell back to the digits (1797 examples of 8x8 = 64 "
            "pixels), n_train 1200 / n_test 500; not MNIST-sized"
        )
        dataset, n_train, n_test = "digits", min(n_train, 1200), min(n_test, 500)
    for note in notes:
        print("NOTE:", note)
    task = make_regression_task(load_dataset(dataset), n_train=n_train, n_test=n_test, seed=0)
    result = {
        "mode": "gpu",
        "quick": args.quick,
        "machine": info,
        "load_start": load(),
        "task": {
            "dataset": dataset,
            "n_train": task.n_train,
            "n_test": task.n_test,
            "classes": task.classes,
            "dim": task.dim,
        },
        "notes": notes,
    }
    start = time.perf_counter()
    peak = matmul_peak(args.matmul_n, args.repeats)
    result["matmul_peak"] = peak
    print(
        f"0. float32 matmul {args.matmul_n}^3: {peak['gflops_highest']:,.0f} GFLOP/s (HIGHEST), "
        f"{peak['gflops_default']:,.0f} GFLOP/s (DEFAULT)",
        flush=True,
    )
    print(
        f"1. GP sampler: {dataset}, n_train {task.n_train}, n_test {task.n_test}, "
        f"k {task.classes}, d {task.dim}",
        flush=True,
    )
    result["gp"] = bench_gp(args, task, mesh, peak)
    print(
        f"2. MLP training: mlp:width={args.nn_width},depth={args.nn_depth}, "
        f"{args.nn_epochs} epochs, batch {args.nn_batch}",
        flush=True,
    )
    result["nn"] = bench_nn(args, task, mesh, peak)
    if not args.skip_cli_nn:
        print(f"3. ibc nn through the CLI: {args.cli_networks} networks", flush=True)
        result["cli_nn"] = bench_cli_nn(args)
    result["total_s"] = time.perf_counter() - start
    print(f"total {result['total_s']:.1f} s")
    return result


def main(argv=None) -> dict | None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("devices", "gpu", "cli-nn"), default="gpu")
    p.add_argument("--quick", action="store_true", help="gpu mode: small sizes (CPU smoke test)")
    p.add_argument("--device-counts", default="1,2,4,8")
    p.add_argument("--dataset", default=None, help="default: digits (devices), MNIST (gpu)")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    p.add_argument("--gp-samples", type=int, default=None)
    p.add_argument("--gp-direct-samples", type=int, default=None)
    p.add_argument("--nn-width", type=int, default=None)
    p.add_argument("--nn-depth", type=int, default=None)
    p.add_argument("--nn-epochs", type=int, default=None)
    p.add_argument("--nn-batch", type=int, default=None)
    p.add_argument("--nn-networks", type=int, default=64, help="devices mode")
    p.add_argument("--nn-networks-list", default=None, help="gpu mode, e.g. 64,256")
    p.add_argument("--matmul-n", type=int, default=None)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nn-repeats", type=int, default=None)
    p.add_argument("--cli-networks", default=None, help="counts for step 3, e.g. 100000")
    p.add_argument("--cli-chunk", type=int, default=8192, help="--chunk of step 3")
    p.add_argument("--cli-target", type=float, default=0.0136, help="--target-mse of step 3")
    p.add_argument(
        "--cli-batch-networks", type=int, default=None, help="step 3: also an ibc batch job"
    )
    p.add_argument("--cli-timeout", type=float, default=480.0, help="seconds per step-3 run")
    p.add_argument("--skip-cli-nn", action="store_true", help="gpu mode without step 3")
    p.add_argument("--out", default=None)
    # Internal: the per-device-count subprocess of --mode devices.
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--n-devices", type=int, help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--arrays", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.mode == "devices":
        defaults = {
            "dataset": "digits",
            "n_train": 500,
            "n_test": 200,
            "gp_samples": 100_000,
            "nn_width": 128,
            "nn_depth": 1,
            "nn_epochs": 5,
            "nn_batch": 50,
        }
    elif args.quick:
        defaults = {
            "dataset": f"mnist:{DEFAULT_MNIST}",
            "n_train": 1000,
            "n_test": 200,
            "gp_samples": 2**16,
            "gp_direct_samples": 8192,
            "nn_width": 256,
            "nn_depth": 2,
            "nn_epochs": 1,
            "nn_batch": 128,
            "nn_networks_list": "8",
            "cli_networks": "2000",
            "matmul_n": 4096,
            "nn_repeats": 2,
        }
    else:
        defaults = {
            "dataset": f"mnist:{DEFAULT_MNIST}",
            "n_train": 5000,
            "n_test": 1000,
            "gp_samples": 2**24,
            "gp_direct_samples": 2**20,
            "nn_width": 512,
            "nn_depth": 2,
            "nn_epochs": 5,
            "nn_batch": 128,
            "nn_networks_list": "64,256",
            "cli_networks": "100000",
            "matmul_n": 8192,
            "nn_repeats": 2,
        }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    if args.worker:
        devices_worker(args)
        return None
    if args.mode == "devices":
        result = run_devices(args)
        out = Path(args.out or RESULTS / "sampling_devices.json")
    elif args.mode == "cli-nn":
        # This process only reports the device: leave its memory to the ibc child process.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        info = machine_info()
        print(f"device: {info['device']} ({info['backend']}), jax {info['jax']}", flush=True)
        result = {"mode": "cli-nn", "quick": args.quick, "machine": info, "load_start": load()}
        result["cli_nn"] = bench_cli_nn(args)
        kind = sanitize(info["device"])
        out = Path(args.out or RESULTS / f"cli_nn_{kind}{'_quick' if args.quick else ''}.json")
    else:
        result = run_gpu(args)
        kind = sanitize(result["machine"]["device"])
        name = f"sampling_{kind}_quick.json" if args.quick else f"sampling_gpu_{kind}.json"
        out = Path(args.out or RESULTS / name)
    result["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
