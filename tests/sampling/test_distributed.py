"""Multi-process runs: the index assignment (disjoint, in order, chunk-aligned, covering), the
argument checks of ``initialize``, and two CPU processes on a local coordinator that together
reproduce the single-process job."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
from _device_job import DIST_CHUNK, DIST_STOP
from _sampling_jobs import gp_posterior_small

from ibcomplexity._validation import InputError
from ibcomplexity.hypotheses.sampling import sample_losses
from ibcomplexity.sampling import initialize, process_range

#: Long end-to-end runs: CI's second step (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("processes", [1, 2, 3, 4])
@pytest.mark.parametrize(
    ("start", "stop", "chunk"),
    [(0, 1000, 128), (5, 6, 4), (7, 7, 3), (3, 40, 5), (0, 2**32, 2**20)],
)
def test_process_ranges_partition_the_job(processes, start, stop, chunk):
    ranges = [
        process_range(start, stop, process_index=p, process_count=processes, chunk=chunk)
        for p in range(processes)
    ]
    assert ranges[0][0] == start and ranges[-1][1] == stop
    for (a, b), (c, _) in zip(ranges, ranges[1:], strict=False):
        assert a <= b == c  # contiguous, in process order, disjoint
    for a, b in ranges:
        assert (a - start) % chunk == 0 and (b == stop or (b - start) % chunk == 0)
    sizes = [-(-(b - a) // chunk) for a, b in ranges]  # chunks per process
    assert max(sizes) - min(sizes) <= 1


def test_process_range_defaults_to_this_process():
    assert process_range(0, 10, chunk=4) == (0, 10)  # one process


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": 5, "stop": 4}, "0 <= start <= stop"),
        ({"stop": 2**32 + 1}, "0 <= start <= stop"),
        ({"chunk": 0}, "chunk must be >= 1"),
        ({"process_count": 0}, "process_count must be >= 1"),
        (
            {"process_index": 2, "process_count": 2},
            "process_index must be in 0 .. process_count - 1 = 1",
        ),
        ({"process_index": -1}, "process_index must be >= 0"),
    ],
)
def test_process_range_errors(kwargs, match):
    call = {"start": 0, "stop": 10, "chunk": 4} | kwargs
    with pytest.raises(InputError, match=match):
        process_range(call.pop("start"), call.pop("stop"), **call)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("localhost:1234", None, None), "give all of .* got coordinator_address without"),
        ((None, 2, 0), "without coordinator_address"),
        (("localhost", 2, 0), "'host:port'"),
        (("localhost:1234", 0, 0), "num_processes must be >= 1"),
        (("localhost:1234", 2, 2), "process_id must be in 0 .. num_processes - 1 = 1"),
    ],
)
def test_initialize_argument_errors(args, match):
    with pytest.raises(InputError, match=match):
        initialize(*args)


def test_initialize_without_a_cluster_says_what_to_pass():
    """Auto-detection outside Slurm/Open MPI/TPU: a clear InputError (in a subprocess, since the
    runtime can be initialised only once per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMPI_", "PMI_"))}
    env["JAX_PLATFORMS"] = "cpu"
    code = (
        "from ibcomplexity._validation import InputError\n"
        "from ibcomplexity.sampling import initialize\n"
        "try:\n    initialize()\nexcept InputError as e:\n    print('InputError:', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "InputError: no cluster was detected" in out.stdout, out.stdout + out.stderr[-2000:]
    assert "pass coordinator_address, num_processes and process_id" in out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_processes_reproduce_the_single_process_job(tmp_path):
    """Two CPU processes (two simulated devices each) join a coordinator on localhost, each
    samples its own block of the job, and the blocks concatenate to this process's run."""
    env = dict(os.environ)
    env.update(
        JAX_PLATFORMS="cpu",
        XLA_FLAGS="--xla_force_host_platform_device_count=2 --xla_backend_optimization_level=0",
    )
    port = _free_port()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(HERE / "_device_job.py"),
                "distributed",
                str(p),
                "2",
                str(port),
                str(tmp_path / f"{p}.npz"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for p in range(2)
    ]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=180)[0].decode(errors="replace"))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, log in zip(procs, logs, strict=True):
        if p.returncode != 0 and "UNIMPLEMENTED" in log:
            pytest.skip("this jax's CPU backend cannot run multi-process: " + log[-300:])
        assert p.returncode == 0, log[-3000:]
    shards = [dict(np.load(tmp_path / f"{p}.npz")) for p in range(2)]
    for p, s in enumerate(shards):
        assert s["process"].tolist() == [p, 2, 2, 2]  # index, count; 2 local devices each
    assert shards[0]["range"].tolist() == [0, 512] and shards[1]["range"].tolist() == [512, 1000]
    merged = np.concatenate([s["losses"] for s in shards])
    if jax.default_backend() == "cpu":
        single = sample_losses(
            jax.random.key(11), gp_posterior_small(), DIST_STOP, chunk_size=DIST_CHUNK
        )
    else:  # like with like: the processes ran on CPU, so does the reference
        code = (
            "import sys, jax, numpy as np; sys.path.insert(0, sys.argv[2]);"
            "from _sampling_jobs import gp_posterior_small;"
            "from ibcomplexity.hypotheses.sampling import sample_losses;"
            "np.save(sys.argv[1], sample_losses(jax.random.key(11), gp_posterior_small(), "
            f"{DIST_STOP}, chunk_size={DIST_CHUNK}))"
        )
        out = tmp_path / "single.npy"
        env = dict(os.environ, JAX_PLATFORMS="cpu")
        env.pop("XLA_FLAGS", None)
        here = str(Path(__file__).resolve().parent)
        subprocess.run([sys.executable, "-c", code, str(out), here], env=env, check=True)
        single = np.load(out)
    np.testing.assert_allclose(merged, single, rtol=1e-6)
