"""The statistics split their row blocks over a device mesh, and give identical results on 1, 2,
4 and 8 simulated CPU devices (``--xla_force_host_platform_device_count``, set in a subprocess
before JAX starts) and in this process (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
DEVICE_COUNTS = (1, 2, 4, 8)


@pytest.fixture(scope="module")
def by_devices(tmp_path_factory) -> dict[int, dict]:
    tmp = tmp_path_factory.mktemp("stats_devices")
    procs = {}
    for n in DEVICE_COUNTS:
        env = dict(os.environ)
        env.update(JAX_PLATFORMS="cpu", XLA_FLAGS=f"--xla_force_host_platform_device_count={n}")
        cmd = [sys.executable, str(HERE / "_stats_job.py"), str(tmp / f"{n}.npz")]
        procs[n] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = {}
    for n, p in procs.items():
        log = p.communicate(timeout=600)[0].decode(errors="replace")
        assert p.returncode == 0, f"{n} devices failed:\n{log[-3000:]}"
        with np.load(tmp / f"{n}.npz") as f:
            out[n] = dict(f)
    return out


def test_each_process_used_its_devices(by_devices):
    assert {n: int(r["devices"]) for n, r in by_devices.items()} == {n: n for n in DEVICE_COUNTS}


@pytest.mark.parametrize("field", ["delta", "pair", "subset", "mle", "twonn"])
def test_statistics_are_identical_on_every_device_count(by_devices, field):
    import importlib.util

    spec = importlib.util.spec_from_file_location("_stats_job", HERE / "_stats_job.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    here = job.run()  # this process: one device, the default mesh
    for n, r in by_devices.items():
        np.testing.assert_array_equal(r[field], here[field], err_msg=f"{field} on {n} devices")


@pytest.mark.parametrize(("n", "block"), [(1, 16), (37, 16), (5000, 1024)])
def test_device_blocks_hold_exactly_the_padded_host_blocks(n, block):
    """The in-place device fill (no second host copy of the data) gives the very values of the
    host reference, in a shuffled order too."""
    from ibcomplexity.stats._pairwise import device_blocks, device_rows, pad_blocks

    rng = np.random.default_rng(n)
    x = (rng.standard_normal((n, 9)) * 3 + 50).astype(np.float32)
    order = rng.permutation(n)
    want_x, want_sq = pad_blocks(x, block, order)
    got_x, got_sq = device_blocks(x, block, order)
    np.testing.assert_array_equal(np.asarray(got_x).reshape(-1, 9), want_x)
    np.testing.assert_array_equal(got_sq, want_sq)
    rows, sq, mean = device_rows(x, order)
    want_rows, want_sq1 = pad_blocks(x, 1, order)
    np.testing.assert_array_equal(np.asarray(rows), want_rows)
    np.testing.assert_array_equal(sq, want_sq1)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=0), rtol=1e-12)
