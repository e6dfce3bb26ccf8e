"""Device-count invariance: the same GP and network jobs on 1, 2, 4 and 8 simulated CPU devices
(``--xla_force_host_platform_device_count``, set in a subprocess before JAX starts) give the
same hypotheses as each other and as this process; chunks that are no multiple of the device
count are rounded up (visible in the progress reports)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _device_job import GP_JOBS, NN_FIELDS, NN_JOB, run_jobs

#: Long end-to-end runs: CI's second step (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
DEVICE_COUNTS = (1, 2, 4, 8)
# float32 losses: XLA may vectorise a reduction differently for another per-device batch width
# (seen: relative differences up to ~5e-7), so equality is to float32 rounding.
RTOL = 1e-6
# The subprocesses compile with LLVM's optimisations off, which halves their time (compilation
# dominates these tiny jobs); that changes rounding by no more than other batch widths do
# (measured: < 3e-7 relative against this process's optimised build).
FAST_COMPILE = "--xla_backend_optimization_level=0"


def _env(**extra) -> dict:
    """This environment without XLA flags, on the CPU backend, plus ``extra``."""
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    env.update(JAX_PLATFORMS="cpu", **extra)
    return env


@pytest.fixture(scope="module")
def by_devices(tmp_path_factory) -> dict[int, dict]:
    """The jobs' results for each device count (subprocesses run concurrently)."""
    tmp = tmp_path_factory.mktemp("devices")
    procs = {}
    for n in DEVICE_COUNTS:
        env = _env(XLA_FLAGS=f"--xla_force_host_platform_device_count={n} {FAST_COMPILE}")
        cmd = [
            sys.executable,
            str(HERE / "_device_job.py"),
            "devices",
            str(n),
            str(tmp / f"{n}.npz"),
        ]
        procs[n] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = {}
    for n, p in procs.items():
        log = p.communicate(timeout=300)[0].decode(errors="replace")
        assert p.returncode == 0, f"{n} devices failed:\n{log[-3000:]}"
        with np.load(tmp / f"{n}.npz") as f:
            out[n] = dict(f)
    return out


@pytest.fixture(scope="module")
def here(by_devices) -> dict:
    """The same jobs in this process (whatever its device count). On an accelerator the
    subprocesses' CPU results are compared with each other (like with like) and the cross-platform
    comparison is :func:`test_gp_samples_agree_across_platforms`."""
    import jax

    return run_jobs() if jax.default_backend() == "cpu" else by_devices[1]


def test_gp_samples_agree_across_platforms(by_devices):
    """Same key, same GP samples on this accelerator and on CPU: the posterior's canonical
    eigenbasis removes the eigensolvers' sign and rotation choices (float32 sums differ only in
    rounding)."""
    import jax

    if jax.default_backend() == "cpu":
        pytest.skip("needs an accelerator: compares its GP samples with the CPU subprocesses'")
    mine = run_jobs()
    for name in GP_JOBS:
        np.testing.assert_allclose(mine[name], by_devices[1][name], rtol=1e-4, err_msg=name)


def test_device_count_inside_the_subprocess(by_devices):
    assert {n: int(r["device_count"]) for n, r in by_devices.items()} == {
        n: n for n in DEVICE_COUNTS
    }


@pytest.mark.parametrize("name", [*GP_JOBS, *(f"nn_{f}" for f in NN_FIELDS)])
def test_same_hypotheses_on_any_device_count(by_devices, here, name):
    for n in DEVICE_COUNTS:
        got = by_devices[n][name]
        assert got.shape == here[name].shape and got.dtype == here[name].dtype
        np.testing.assert_allclose(got, here[name], rtol=RTOL, err_msg=f"{n} devices")


def test_gp_slice_is_a_slice_of_the_full_run(by_devices):
    num, start, _ = GP_JOBS["gp_slice"]
    for r in by_devices.values():
        np.testing.assert_allclose(r["gp_slice"], r["gp_full"][start : start + num], rtol=RTOL)


@pytest.mark.parametrize("job", ["gp_odd_chunk", "nn"])
def test_chunks_are_rounded_up_to_the_device_count(by_devices, job):
    """Progress after each chunk: the chunk is the requested one rounded up to a multiple of the
    device count, the last report is the total (padding trimmed)."""
    if job == "nn":
        total, chunk = NN_JOB["num"], min(NN_JOB["chunk"], NN_JOB["num"])
    else:
        total, _, chunk = GP_JOBS[job]
    for n, r in by_devices.items():
        rounded = math.ceil(chunk / n) * n
        expected = [min(total, (i + 1) * rounded) for i in range(math.ceil(total / rounded))]
        assert r[f"{job}_progress"].tolist() == expected, f"{n} devices"
