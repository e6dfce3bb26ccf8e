"""Multi-process batch jobs: two CPU processes joined by a coordinator on localhost each write
their own shard; the merge reproduces a single-process run bit for bit. Also: ``--shard`` runs
without the runtime, per-shard resume, and the refusals (missing or incomplete shards, stale
shards, partial options)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ibcomplexity.cli import main

#: Long end-to-end runs: CI's second step (pytest -m 'integration and not slow').
pytestmark = pytest.mark.integration

# A GP unit and a tiny-MLP unit, 4 chunks of 8 each: process 0 of 2 gets [0, 16), process 1
# [16, 32).
JOB = """\
[job]
seed = 1
targets = [0.05, 0.08]
samples = [24, 32]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
dataset = "digits"
n_train = 100
n_test = 50

[[spaces]]
type = "gp"
name = "rbf"

[[spaces]]
type = "nn"
name = "mlp"
arch = "mlp:width=16,depth=1"
epochs = 4
batch_size = 25
lr = 0.003
fit_threshold = 0.05
"""
UNITS = ("t0-s0", "t0-s1")
NN_FIELDS = {"test_mse", "fits", "train_mse", "test_accuracy", "train_accuracy"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    return dict(os.environ, JAX_PLATFORMS="cpu")


def _ibc(*argv) -> list[str]:
    return [sys.executable, "-m", "ibcomplexity", "batch", *map(str, argv), "--quiet"]


def _finish(procs: dict[str, subprocess.Popen], timeout: float = 240) -> dict[str, tuple]:
    """Wait for every process; returns name -> (stdout, stderr)."""
    logs = {}
    try:
        for name, p in procs.items():
            logs[name] = tuple(x.decode(errors="replace") for x in p.communicate(timeout=timeout))
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return logs


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """The job run by two processes (explicit coordinator on localhost) into ``dist``, and by
    one plain process into ``single``, all three at once."""
    root = tmp_path_factory.mktemp("distributed")
    job = root / "job.toml"
    job.write_text(JOB)
    dist, single = root / "dist", root / "single"
    port = _free_port()
    procs = {
        f"p{i}": subprocess.Popen(
            _ibc(job, "--out", dist, "--coordinator", f"127.0.0.1:{port}")
            + ["--num-processes", "2", "--process-id", str(i), "--json"],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    }
    procs["single"] = subprocess.Popen(
        _ibc(job, "--out", single), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    logs = _finish(procs)
    for name, p in procs.items():
        out, err = logs[name]
        if p.returncode != 0 and "UNIMPLEMENTED" in err:
            pytest.skip("this jax's CPU backend cannot run multi-process: " + err[-300:])
        assert p.returncode == 0, f"{name}: {out[-2000:]}{err[-3000:]}"
    shards = {i: json.loads(logs[f"p{i}"][0])["shard"] for i in range(2)}
    # The merge itself runs in the tests, on copies of the shards: keep a pristine set.
    shutil.copytree(dist / "shards", root / "pristine")
    return {"root": root, "job": job, "dist": dist, "single": single, "shards": shards}


def _copy_shards(run, dest: Path) -> Path:
    shutil.copytree(run["root"] / "pristine", dest / "shards")
    return dest


def _run(capsys, *argv):
    import jax

    if jax.default_backend() != "cpu":
        # like with like: the shards and the reference ran on CPU, so the merge does too (on an
        # accelerator this process would compute the exact GP bits there)
        p = subprocess.run(_ibc(*argv), env=_env(), capture_output=True, text=True, timeout=240)
        return p.returncode, p.stdout, p.stderr
    rc = main(["batch", *map(str, argv), "--quiet"])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _assert_same_losses(read_units, a: Path, b: Path) -> None:
    ua, ub = read_units(a), read_units(b)
    assert sorted(ua) == sorted(ub)
    for unit in ua:
        assert sorted(ua[unit]) == sorted(ub[unit])
        for name in ua[unit]:
            x, y = ua[unit][name], ub[unit][name]
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y, err_msg=f"{unit}.{name}")


def test_two_processes_write_their_shards_and_the_merge_equals_one_process(
    capsys, read_units, two_processes
):
    run = two_processes
    dist, single = run["dist"], run["single"]
    # each process wrote only its own shard folder: nothing else is in the output yet
    assert sorted(p.name for p in dist.iterdir()) == ["shards"]
    assert sorted(p.name for p in (dist / "shards").iterdir()) == ["p0of2", "p1of2"]
    for i, (a, b) in enumerate([(0, 16), (16, 32)]):
        s = run["shards"][i]
        assert (s["process_index"], s["process_count"]) == (i, 2)
        assert s["blocks"] == {u: [a, b] for u in UNITS}
        assert s["chunks_computed"] == 4 and s["hypotheses_computed"] == 32
        folder = dist / "shards" / f"p{i}of2"
        record = json.loads((folder / "job.json").read_text())["shard"]
        assert record["blocks"] == s["blocks"] and record["process_index"] == i
        manifest = json.loads((folder / "manifest.json").read_text())
        for u in UNITS:
            spans = [(c["start"], c["stop"]) for c in manifest["units"][u]["chunks"]]
            assert spans == [(a, a + 8), (a + 8, b)]  # the single-process chunk grid
        assert not (folder / "results.json").exists()

    rc, out, err = _run(capsys, run["job"], "--out", dist, "--merge", "--json")
    assert rc == 0, err
    merged = json.loads(out)
    assert merged["merge"]["process_count"] == 2 and merged["merge"]["chunks_copied"] == 8
    assert merged["chunks_computed"] == 0 and merged["devices"] == 2
    _assert_same_losses(read_units, dist, single)
    assert set(read_units(dist)["t0-s1"]) == NN_FIELDS
    reference = json.loads((single / "results.json").read_text())
    for key in ("bits", "ci_low_bits", "ci_high_bits", "exact_bits", "fit_samples"):
        assert [r[key] for r in merged["rows"]] == [r[key] for r in reference["rows"]], key
    assert (dist / "results.csv").is_file() and (dist / "job.toml").read_text() == JOB
    # the merged folder is an ordinary output: a resume finds every chunk
    rc, out, _ = _run(capsys, run["job"], "--out", dist, "--resume", "--json")
    assert rc == 0 and json.loads(out)["chunks_computed"] == 0
    # merging again recomputes nothing and copies nothing
    rc, out, _ = _run(capsys, run["job"], "--out", dist, "--merge", "--json")
    again = json.loads(out)["merge"]
    assert rc == 0 and again["chunks_copied"] == 0 and again["chunks_present"] == 8


def test_missing_and_incomplete_shards_then_resume_one_shard(
    capsys, read_units, two_processes, tmp_path
):
    run = two_processes
    job, out = run["job"], _copy_shards(run, tmp_path / "out")
    kept = tmp_path / "p1of2"
    shutil.move(out / "shards" / "p1of2", kept)
    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    assert rc == 2 and "cannot merge" in err
    assert f"shard {out / 'shards' / 'p1of2'} of the 2-process run is missing" in err
    assert "--shard 1/2" in err and not (out / "manifest.json").exists()
    shutil.move(kept, out / "shards" / "p1of2")

    # drop the GP chunk [24, 32) from shard 1's manifest: the shard is incomplete
    manifest_path = out / "shards" / "p1of2" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["units"]["t0-s0"]["chunks"] = manifest["units"]["t0-s0"]["chunks"][:1]
    manifest_path.write_text(json.dumps(manifest))
    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    assert rc == 2 and "1 incomplete shard" in err
    assert f"shard {out / 'shards' / 'p1of2'} lacks t0-s0 hypotheses [24, 32)" in err
    assert "--shard 1/2 --resume" in err

    # a single-process run cannot take over a folder of unmerged shards
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    assert rc == 2 and "holds the unmerged shards" in err and "--merge" in err

    # resume that one shard alone (no coordinator): only the missing chunk is computed
    p = subprocess.run(
        _ibc(job, "--out", out, "--shard", "1/2", "--resume", "--json"),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert p.returncode == 0, p.stdout + p.stderr[-3000:]
    shard = json.loads(p.stdout)["shard"]
    assert shard["resumed"] and shard["chunks_computed"] == 1 and shard["chunks"] == 4
    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    assert rc == 0, err
    _assert_same_losses(read_units, out, run["single"])


def test_merge_refuses_another_job_stale_shards_and_corruption(capsys, two_processes, tmp_path):
    run = two_processes
    out = _copy_shards(run, tmp_path / "out")
    other = tmp_path / "other.toml"
    other.write_text(JOB.replace("targets = [0.05, 0.08]", "targets = [0.05]"))
    rc, _, err = _run(capsys, other, "--out", out, "--merge")
    assert rc == 2 and f"shard {out / 'shards' / 'p0of2'} (process 0 of 2)" in err
    assert "job file differs" in err and "job.targets" in err

    # a corrupt chunk file in a shard is named
    chunk = next((out / "shards" / "p1of2" / "units" / "t0-s1").iterdir())
    data = bytearray(chunk.read_bytes())
    data[-30] ^= 0x01
    chunk.write_bytes(bytes(data))
    rc, _, err = _run(capsys, run["job"], "--out", out, "--merge")
    assert rc == 2 and f"{chunk}: checksum mismatch" in err and "p1of2" in err

    # shards of another process count next to these: refused by the merge and by a new run
    (out / "shards" / "p0of3").mkdir()
    rc, _, err = _run(capsys, run["job"], "--out", out, "--merge")
    assert rc == 2 and "different process counts" in err and "p0of3" in err
    rc, _, err = _run(capsys, run["job"], "--out", out, "--shard", "1/3")
    assert rc == 2 and "shards of a run with 2 processes" in err

    # nothing to merge
    rc, _, err = _run(capsys, run["job"], "--out", tmp_path / "empty", "--merge")
    assert rc == 2 and "holds no shards to merge" in err


def test_shards_without_the_runtime_and_empty_blocks(
    capsys, read_units, write_job, gp_job, tmp_path
):
    """``--shard I/P`` in this process, with more processes (6) than chunks (5): one shard is
    empty; the merge equals a plain run of the same job in this process."""
    job = write_job(gp_job)
    out, single = tmp_path / "out", tmp_path / "single"
    counts = []
    for i in range(6):
        rc, stdout, err = _run(capsys, job, "--out", out, "--shard", f"{i}/6", "--json")
        assert rc == 0, err
        counts.append(json.loads(stdout)["shard"]["chunks_computed"])
    assert counts == [0, 1, 1, 1, 1, 1]
    # a finished shard is not started again without --resume
    rc, _, err = _run(capsys, job, "--out", out, "--shard", "2/6")
    assert rc == 2 and f"output directory {out / 'shards' / 'p2of6'} is not empty" in err
    rc, stdout, err = _run(capsys, job, "--out", out, "--merge")
    assert rc == 0 and "merged the 6 shard(s)" in stdout, err
    assert _run(capsys, job, "--out", single)[0] == 0
    _assert_same_losses(read_units, out, single)
    # the merged output is occupied for new shards; a plain resume of a shard still works
    rc, _, err = _run(capsys, job, "--out", out, "--shard", "0/6")
    assert rc == 2 and "is not empty (" in err and "results.csv" in err
    rc, stdout, _ = _run(capsys, job, "--out", out, "--shard", "3/6", "--resume")
    assert rc == 0 and "every chunk was already checkpointed" in stdout


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--coordinator", "127.0.0.1:1"], "got --coordinator without --num-processes, "),
        (
            ["--num-processes", "2", "--process-id", "0"],
            "go together (or use --distributed to auto-detect the cluster); got "
            "--num-processes, --process-id without --coordinator",
        ),
        (["--distributed", "--shard", "0/2"], "give one of --distributed or --shard, not both"),
        (
            ["--distributed", "--coordinator", "h:1", "--num-processes", "2", "--process-id", "1"],
            "give one of --distributed or --coordinator/--num-processes/--process-id",
        ),
        (["--merge", "--resume"], "--merge runs alone, after every process has finished"),
        (["--merge", "--shard", "0/2"], "--merge runs alone"),
        (["--shard", "2/2"], "--shard must be I/P with 0 <= I < P (e.g. 0/4), got '2/2'"),
        (["--shard", "x"], "--shard must be I/P"),
        (["--shard", "0/2", "--repair"], "--repair applies to --resume only"),
        (
            ["--coordinator", "h:1", "--num-processes", "2", "--process-id", "2"],
            "--process-id must be in 0 .. --num-processes - 1 = 1, got 2",
        ),
        (
            ["--coordinator", "h:1", "--num-processes", "0", "--process-id", "0"],
            "--num-processes must be >= 1, got 0",
        ),
        (
            ["--coordinator", "localhost", "--num-processes", "2", "--process-id", "0"],
            "--coordinator must be HOST:PORT, got 'localhost'",
        ),
        (["--num-processes", "two"], "invalid int value"),
    ],
)
def test_option_errors(capsys, write_job, gp_job, tmp_path, argv, match):
    """Refused before the runtime starts or anything is written, in one line."""
    rc, _, err = _run(capsys, write_job(gp_job), "--out", tmp_path / "out", *argv)
    assert rc == 2 and match in err, err
    assert err.startswith("ibc: error: ") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_distributed_without_a_cluster_says_what_to_pass(gp_job, write_job, tmp_path):
    """In a subprocess: the runtime can be started only once per process."""
    env = {k: v for k, v in _env().items() if not k.startswith(("SLURM_", "OMPI_", "PMI_"))}
    p = subprocess.run(
        _ibc(write_job(gp_job), "--out", tmp_path / "out", "--distributed"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr[-3000:]
    assert "ibc: error: --distributed found no cluster to join" in p.stderr
    assert "--coordinator HOST:PORT --num-processes P --process-id I" in p.stderr
    assert not (tmp_path / "out").exists()
