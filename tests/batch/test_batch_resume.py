"""Kill -9 in the middle of a job, resume it, and get exactly the losses of an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ibcomplexity.cli import main

#: Long end-to-end runs: CI's second step (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

NN_UNIT, NN_CHUNKS = "t0-s1", 6  # 48 networks in chunks of 8


def _chunks(out, unit):
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except FileNotFoundError:  # not created yet (the manifest itself is replaced atomically)
        return 0
    return len(manifest["units"].get(unit, {}).get("chunks", []))


def test_sigkill_mid_run_then_resume_equals_uninterrupted_run(
    capsys, write_job, read_units, mixed_job, tmp_path
):
    job = write_job(mixed_job)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "ibcomplexity", "batch", str(job), "--out", str(killed)]
    proc = subprocess.Popen(cmd + ["--quiet"], stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        # wait until the network unit is part done: at least one chunk, not all
        while not 1 <= _chunks(killed, NN_UNIT) < NN_CHUNKS:
            assert proc.poll() is None, f"the job ended before it could be killed: {proc.stderr}"
            assert time.monotonic() < deadline, "no chunk was checkpointed in time"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, stderr
    part = _chunks(killed, NN_UNIT)
    assert 1 <= part < NN_CHUNKS

    assert main(["batch", str(job), "--out", str(killed), "--resume", "--quiet", "--json"]) == 0
    resumed = json.loads(capsys.readouterr().out)
    # only what the manifest lacked was computed (a chunk file written just before the kill,
    # without its manifest entry, counts as lacking)
    assert resumed["resumed"] and resumed["chunks_computed"] == NN_CHUNKS - part

    fresh = tmp_path / "fresh"
    assert main(["batch", str(job), "--out", str(fresh), "--quiet", "--json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["chunks_computed"] == 12

    a, b = read_units(killed), read_units(fresh)
    assert sorted(a) == sorted(b) == ["t0-s0", NN_UNIT]
    for unit in a:
        assert sorted(a[unit]) == sorted(b[unit])
        for name in a[unit]:
            assert a[unit][name].dtype == b[unit][name].dtype
            assert a[unit][name].shape == (48,)
            np.testing.assert_array_equal(a[unit][name], b[unit][name], err_msg=f"{unit}.{name}")
    assert set(b[NN_UNIT]) == {"test_mse", "fits", "train_mse", "test_accuracy", "train_accuracy"}
    assert [r["bits"] for r in resumed["rows"]] == [r["bits"] for r in clean["rows"]]
    assert not [p for p in killed.rglob("*") if ".tmp-" in p.name]
