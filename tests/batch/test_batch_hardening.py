"""Issue 16, the batch half: hostile or broken inputs and folders give one line, never a traceback
or a silently mixed result.

Each refusal is checked in process through ``cli.main``: return code 2, one ``ibc: error:`` line
on stderr naming the problem, no traceback; where the message suggests a command, the command is
run and must work. The jobs are the tiny GP job of ``conftest`` (5 chunks of 8 hypotheses).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

import ibcomplexity.batch
import ibcomplexity.batch.runner as runner_mod
import ibcomplexity.batch.store as store_mod
from ibcomplexity.batch import load_job, run_job
from ibcomplexity.cli import main

UNIT = "t0-s0"
# The tiny GP job of conftest.GP_JOB (digits, 5 chunks of 8 hypotheses), here as well so that the
# module-scoped reference run can use it.
JOB = """\
[job]
seed = 3
targets = [0.06, 0.08]
samples = [24, 40]
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
"""


def _run(capsys, *argv):
    rc = main(["batch", *map(str, argv), "--quiet"])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _one_error(rc: int, err: str, *needles: str) -> str:
    """The single ``ibc: error:`` line of a refusal, after checking it holds every needle."""
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ibc: error: "), err
    for n in needles:
        assert n in lines[0], f"{n!r} not in {lines[0]!r}"
    return lines[0]


def _suggested(line: str, flag: str) -> list[str]:
    """The argv (after ``ibc``) of the first quoted ``ibc batch ...`` command holding ``flag``."""
    for cmd in re.findall(r"'(ibc batch [^']*)'", line):
        if flag in cmd:
            return shlex.split(cmd)[1:]
    raise AssertionError(f"no suggested command with {flag} in {line!r}")


def _run_suggested(capsys, line: str, flag: str) -> dict:
    argv = _suggested(line, flag)
    rc = main([*argv, "--quiet", "--json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return json.loads(cap.out)


def _same_losses(read_units, a: Path, b: Path) -> None:
    ua, ub = read_units(a), read_units(b)
    assert sorted(ua) == sorted(ub)
    for unit in ua:
        assert sorted(ua[unit]) == sorted(ub[unit])
        for k in ua[unit]:
            assert ua[unit][k].dtype == ub[unit][k].dtype
            np.testing.assert_array_equal(ua[unit][k], ub[unit][k], err_msg=f"{unit}.{k}")


def _bits(out: Path) -> list:
    return [r["bits"] for r in json.loads((out / "results.json").read_text())["rows"]]


def _disk_full_after(monkeypatch, k: int, target: str = "chunk_") -> None:
    """Make the store's writes of files whose names start with ``target`` fail with ENOSPC
    after ``k`` of them succeeded."""
    real = store_mod.atomic_write_bytes
    done = [0]

    def write(path, data):
        if Path(path).name.startswith(target):
            if done[0] >= k:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            done[0] += 1
        return real(path, data)

    monkeypatch.setattr(store_mod, "atomic_write_bytes", write)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _write_manifest(out: Path, m) -> None:
    (out / "manifest.json").write_text(json.dumps(m))


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """:data:`JOB` run to the end once: ``(job file, output folder)`` (copy before changing)."""
    root = tmp_path_factory.mktemp("finished")
    job = root / "job.toml"
    job.write_text(JOB)
    run_job(load_job(job), root / "out")
    return job, root / "out"


@pytest.fixture
def gp_job():
    """:data:`JOB` (the same text as conftest's ``gp_job``)."""
    return JOB


def _copy(finished, tmp_path) -> tuple[Path, Path]:
    job, out = finished
    dest = tmp_path / "out"
    shutil.copytree(out, dest)
    return job, dest


# ------------------------------------------------------------------ 1. data and platform


NPZ_JOB = """\
[job]
seed = 3
targets = [0.06, 0.08]
samples = [24, 40]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
name = "a"
dataset = "npz:data.npz"
n_train = 100
n_test = 50

[[spaces]]
type = "gp"
name = "rbf"
"""


def test_resume_refuses_changed_data_then_resumes_with_the_original(
    capsys, monkeypatch, write_job, read_units, tmp_path
):
    from ibcomplexity.tasks import load_digits

    d = load_digits()
    data = tmp_path / "data.npz"
    np.savez(data, x=d.x[:300], y=d.y[:300])
    job, out = write_job(NPZ_JOB), tmp_path / "out"
    _disk_full_after(monkeypatch, 2)
    _one_error(*_run(capsys, job, "--out", out)[::2], "no space left on device")
    monkeypatch.undo()
    recorded = json.loads((out / "job.json").read_text())
    assert set(recorded["data"]) == {"t0"} and len(recorded["data"]["t0"]["sha256"]) == 64
    assert recorded["data"]["t0"]["dataset"] == "npz:data.npz"
    assert {"backend", "x64", "device_kind"} <= set(recorded["platform"])
    assert _manifest(out)["info"]["data"] == recorded["data"]

    np.savez(data, x=d.x[300:600], y=d.y[300:600])  # the same file name, other data
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(
        rc,
        err,
        "task 'a' (npz:data.npz): its data changed since the run started (fingerprint ",
        "start a fresh run with --out NEWDIR, or restore the original data",
    )
    now, was = re.search(r"fingerprint (\S+) was (\S+?)\)", line).groups()
    assert now != was
    assert len(_manifest(out)["units"][UNIT]["chunks"]) == 2  # nothing was touched
    # --repair does not get around it either
    _one_error(*_run(capsys, job, "--out", out, "--resume", "--repair")[::2], "data changed")

    np.savez(data, x=d.x[:300], y=d.y[:300])  # restored: the resume completes the run
    assert _run(capsys, job, "--out", out, "--resume")[0] == 0
    assert _run(capsys, job, "--out", tmp_path / "fresh")[0] == 0
    _same_losses(read_units, out, tmp_path / "fresh")
    assert _bits(out) == _bits(tmp_path / "fresh")


def test_resume_refuses_another_backend_or_x64_setting(
    capsys, monkeypatch, gp_job, write_job, tmp_path
):
    job, out = write_job(gp_job), tmp_path / "out"
    other = {"backend": "tpu", "x64": True, "device_kind": "TPU v9"}
    monkeypatch.setattr(runner_mod, "platform_record", lambda: other)
    _disk_full_after(monkeypatch, 1)
    assert _run(capsys, job, "--out", out)[0] == 2
    monkeypatch.undo()
    assert json.loads((out / "job.json").read_text())["platform"] == other
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    _one_error(
        rc,
        err,
        "was computed on JAX backend 'tpu' with 64-bit floats on, but this process runs on "
        "JAX backend ",
        "JAX_ENABLE_X64=1",
        "--out NEWDIR",
    )


def test_a_folder_without_fingerprints_resumes_with_a_warning(capsys, finished, tmp_path):
    job, out = _copy(finished, tmp_path)
    old = json.loads((out / "job.json").read_text())
    for k in ("data", "platform"):
        old.pop(k)
    (out / "job.json").write_text(json.dumps(old))
    m = _manifest(out)
    m.pop("info")
    m["units"][UNIT]["chunks"] = m["units"][UNIT]["chunks"][:3]  # something left to compute
    _write_manifest(out, m)
    rc, stdout, err = _run(capsys, job, "--out", out, "--resume", "--json")
    assert rc == 0 and json.loads(stdout)["chunks_computed"] == 2
    assert (
        err.startswith("ibc: warning: ") and "has no record of its tasks' data fingerprints" in err
    )
    assert "Traceback" not in err and "ibc: error" not in err
    now = json.loads((out / "job.json").read_text())
    assert set(now["data"]) == {"t0"} and "platform" in now
    # recorded now: the next resume is checked, silently
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    assert rc == 0 and err == ""


# ------------------------------------------------------- 2, 3. what the manifest may point at


def test_manifest_entries_outside_the_folder_are_refused_unread(capsys, finished, tmp_path):
    job, out = _copy(finished, tmp_path)
    fifo = tmp_path / "victim.fifo"  # reading it would block: the alarm below turns that into
    os.mkfifo(fifo)  # a failure
    m = _manifest(out)
    m["units"][UNIT]["chunks"][0]["file"] = "/etc/hostname"
    m["units"][UNIT]["chunks"][1]["file"] = "../victim.fifo"
    _write_manifest(out, m)
    # a chunk file replaced by a symlink that leaves the folder
    third = out / m["units"][UNIT]["chunks"][2]["file"]
    shutil.copy(third, tmp_path / "outside.npz")
    third.unlink()
    third.symlink_to(tmp_path / "outside.npz")

    def hang(*_):
        raise TimeoutError("a file outside the output folder was opened")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        rc, _, err = _run(capsys, job, "--out", out, "--resume")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    line = _one_error(
        rc,
        err,
        "3 corrupt checkpoints",
        f"the entry for {UNIT} hypotheses [0, 8) names the file '/etc/hostname', outside {out}",
        "names the file '../victim.fifo', outside",
        f"the entry for {UNIT} hypotheses [16, 24) names the file",
        "refusing to read it",
        "--resume --repair",
    )
    signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        repaired = _run_suggested(capsys, line, "--repair")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert repaired["chunks_computed"] == 3
    assert _bits(out) == _bits(finished[1])
    assert all(c["file"].startswith("units/") for c in _manifest(out)["units"][UNIT]["chunks"])


def _forge(out: Path, index: int, change) -> Path:
    """Rewrite chunk ``index`` of the unit with ``change(arrays)`` and give the manifest its
    new checksum: a forgery that every checksum accepts."""
    m = _manifest(out)
    entry = m["units"][UNIT]["chunks"][index]
    path = out / entry["file"]
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    data = store_mod.npz_bytes(change(arrays))
    path.write_bytes(data)
    entry["bytes"] = len(data)
    entry["sha256"] = store_mod._sha256(data)
    _write_manifest(out, m)
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda a: {"loss": a["loss"][:6]},
            "array 'loss' has 6 values, but the manifest promises 8 (hypotheses [8, 16))",
        ),
        (lambda a: {"loss": -a["loss"]}, "array 'loss' has negative or NaN losses: 8 (first:"),
        (
            lambda a: {"loss": a["loss"].astype(np.float64)},
            "array 'loss' has dtype float64, not the space's float32",
        ),
        (lambda a: {"losses": a["loss"]}, "holds the arrays losses, not loss"),
    ],
    ids=["short", "negative", "dtype", "names"],
)
def test_a_forged_chunk_with_matching_checksums_is_refused_then_repaired(
    capsys, finished, tmp_path, change, problem
):
    job, out = _copy(finished, tmp_path)
    path = _forge(out, 1, change)
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, f"1 corrupt checkpoint in {out}: {path}: {problem}", "--repair")
    assert _run_suggested(capsys, line, "--repair")["chunks_computed"] == 1
    assert _bits(out) == _bits(finished[1])


# ---------------------------------------------------------------- 4, 5, 7. broken records


def _no_sha256(m: dict) -> str:
    del m["units"][UNIT]["chunks"][0]["sha256"]
    return json.dumps(m)


def _null_chunks(m: dict) -> str:
    m["units"][UNIT]["chunks"] = None
    return json.dumps(m)


def _unit_path(m: dict) -> str:
    m["units"]["../../x"] = {"chunks": []}
    return json.dumps(m)


@pytest.mark.parametrize(
    ("breaks", "field"),
    [
        (_no_sha256, f"field 'units.{UNIT}.chunks[0].sha256' is missing"),
        (_null_chunks, f"field 'units.{UNIT}.chunks' is null, not a list of chunk entries"),
        (lambda m: json.dumps([m]), "its top level is a JSON list, not an object"),
        (lambda m: "{not json", "is not valid JSON (Expecting property name"),
        (_unit_path, "field 'units' has the key '../../x', not a unit id"),
    ],
    ids=["no-sha256", "chunks-null", "list", "not-json", "unit-path"],
)
def test_a_malformed_manifest_names_the_field_and_repair_rebuilds_it(
    capsys, finished, tmp_path, breaks, field
):
    job, out = _copy(finished, tmp_path)
    (out / "manifest.json").write_text(breaks(_manifest(out)))
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, f"{out / 'manifest.json'} ", field, "--resume --repair")
    repaired = _run_suggested(capsys, line, "--repair")
    assert repaired["chunks_computed"] == 0  # every chunk file was intact and adopted
    assert _bits(out) == _bits(finished[1])
    assert len(_manifest(out)["units"][UNIT]["chunks"]) == 5


def test_repair_rebuilds_lost_records_after_a_partial_run(
    capsys, monkeypatch, gp_job, write_job, read_units, tmp_path
):
    job, out = write_job(gp_job), tmp_path / "out"
    _disk_full_after(monkeypatch, 3)
    assert _run(capsys, job, "--out", out)[0] == 2
    monkeypatch.undo()
    (out / "manifest.json").unlink()
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, f"{out / 'manifest.json'} is missing; rebuild it", "--repair")
    assert _run_suggested(capsys, line, "--repair")["chunks_computed"] == 2
    assert _run(capsys, job, "--out", tmp_path / "fresh")[0] == 0
    _same_losses(read_units, out, tmp_path / "fresh")
    assert _bits(out) == _bits(tmp_path / "fresh")

    # both records lost: job.toml (a copy of the job file) vouches for the job
    (out / "manifest.json").unlink()
    (out / "job.json").unlink()
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, "job.json is missing and", "manifest.json is missing", "--repair")
    assert _run_suggested(capsys, line, "--repair")["chunks_computed"] == 0
    assert json.loads((out / "job.json").read_text())["data"]  # fingerprints recorded again
    _same_losses(read_units, out, tmp_path / "fresh")
    # ... but another job file cannot adopt the chunks
    (out / "manifest.json").unlink()
    (out / "job.json").unlink()
    other = write_job(gp_job.replace("seed = 3", "seed = 4"), "other.toml")
    rc, _, err = _run(capsys, other, "--out", out, "--resume", "--repair")
    _one_error(rc, err, f"cannot tell which job computed the chunks in {out}", "differs from")
    # ... nor the right one once job.toml is gone too
    (out / "job.toml").unlink()
    rc, _, err = _run(capsys, job, "--out", out, "--resume", "--repair")
    _one_error(rc, err, f"cannot tell which job computed the chunks in {out / 'units'}")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[1, 2]", "is malformed: its top level is a JSON list, not an object"),
        ('{"job": {}}', "is malformed: field 'job_hash' is missing"),
        ("{", "is not valid JSON"),
    ],
    ids=["list", "no-hash", "not-json"],
)
def test_a_malformed_job_record_is_rebuilt_from_the_manifest(
    capsys, finished, tmp_path, text, field
):
    job, out = _copy(finished, tmp_path)
    before = json.loads((out / "job.json").read_text())
    (out / "job.json").write_text(text)
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, f"{out / 'job.json'} {field}", "rebuild it from the manifest")
    assert _run_suggested(capsys, line, "--repair")["chunks_computed"] == 0
    assert json.loads((out / "job.json").read_text()) == before


@pytest.mark.parametrize("record", ["manifest.json", "job.json"])
def test_an_edited_job_hash_shows_hashes_that_differ(capsys, finished, tmp_path, record):
    job, out = _copy(finished, tmp_path)
    d = json.loads((out / record).read_text())
    h = d["job_hash"]
    d["job_hash"] = h[:-1] + ("0" if h[-1] != "0" else "1")
    (out / record).write_text(json.dumps(d))
    rc, _, err = _run(capsys, job, "--out", out, "--resume")
    line = _one_error(rc, err, f"{out / record} records the job hash ", "--repair")
    shown = re.findall(r"\b([0-9a-f]{12,64})(?:\.\.\.)?\b", line.split("records the job hash")[1])
    assert len(shown) >= 2 and shown[0] != shown[1], line
    assert _run_suggested(capsys, line, "--repair")["chunks_computed"] == 0
    assert json.loads((out / record).read_text())["job_hash"] == h


def test_a_changed_job_shows_hashes_that_differ(capsys, finished, tmp_path):
    job, out = _copy(finished, tmp_path)
    other = tmp_path / "other.toml"
    other.write_text(job.read_text().replace("seed = 3", "seed = 5"))
    rc, _, err = _run(capsys, other, "--out", out, "--resume")
    line = _one_error(rc, err, "the job file differs", "job.seed: 3 -> 5")
    a, b = re.search(r"content hash (\S+) != (\S+),", line).groups()
    assert a != b


# ------------------------------------------------------------------ 6. a corrupt shard


def test_a_corrupt_shard_names_a_command_that_repairs_it(
    capsys, gp_job, write_job, read_units, tmp_path
):
    job, out = write_job(gp_job), tmp_path / "out"
    for i in range(2):
        assert _run(capsys, job, "--out", out, "--shard", f"{i}/2")[0] == 0
    chunk = sorted((out / "shards" / "p1of2" / "units" / UNIT).iterdir())[0]
    data = bytearray(chunk.read_bytes())
    data[-30] ^= 0x01
    chunk.write_bytes(bytes(data))
    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    line = _one_error(rc, err, f"{chunk}: checksum mismatch", "--shard 1/2 --resume --repair")
    assert "merge again" in line
    assert _run_suggested(capsys, line, "--repair")["shard"]["chunks_computed"] == 1
    assert _run(capsys, job, "--out", out, "--merge")[0] == 0
    assert _run(capsys, job, "--out", tmp_path / "single")[0] == 0
    _same_losses(read_units, out, tmp_path / "single")


def test_merge_checks_each_shards_data_and_platform(
    capsys, monkeypatch, write_job, read_units, tmp_path
):
    import ibcomplexity.batch.shards as shards_mod
    from ibcomplexity.tasks import load_digits

    d = load_digits()
    data = tmp_path / "data.npz"
    np.savez(data, x=d.x[:300], y=d.y[:300])
    job, out = write_job(NPZ_JOB), tmp_path / "out"
    assert _run(capsys, job, "--out", out, "--shard", "0/2")[0] == 0
    other = {"backend": "tpu", "x64": False, "device_kind": "TPU v9"}
    monkeypatch.setattr(shards_mod, "platform_record", lambda: other)
    rc, _, err = _run(capsys, job, "--out", out, "--shard", "1/2")
    assert rc == 0, err
    monkeypatch.undo()

    np.savez(data, x=d.x[300:600], y=d.y[300:600])
    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    _one_error(rc, err, "(process 0 of 2): task 'a' (npz:data.npz): its data changed since")
    np.savez(data, x=d.x[:300], y=d.y[:300])

    rc, _, err = _run(capsys, job, "--out", out, "--merge")
    line = _one_error(
        rc,
        err,
        "its shards were computed on different platforms (process 0 on JAX backend ",
        "process 1 on JAX backend 'tpu' with 64-bit floats off",
        f"delete {out / 'shards' / 'p1of2'}",
    )
    shutil.rmtree(out / "shards" / "p1of2")
    assert _run_suggested(capsys, line, "--shard 1/2")["shard"]["chunks_computed"] == 3
    assert _run(capsys, job, "--out", out, "--merge")[0] == 0
    assert _run(capsys, job, "--out", tmp_path / "single")[0] == 0
    _same_losses(read_units, out, tmp_path / "single")


# ---------------------------------------------------------------- 8, 9. the job file itself


def test_job_files_that_are_devices_huge_or_deeply_nested(capsys, write_job, tmp_path):
    out = tmp_path / "out"
    rc, _, err = _run(capsys, "/dev/zero", "--out", out)
    _one_error(rc, err, "job file /dev/zero is not a regular file")
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(17 * 2**20)  # sparse: no disk used
    _one_error(*_run(capsys, big, "--out", out)[::2], "is 17.0 MiB, more than the 16.0 MiB")
    deep = write_job("x = " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.toml")
    _one_error(*_run(capsys, deep, "--out", out)[::2], "nests 100000 levels deep")
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("seed = 3", f"seed = {10**30}", "job.seed must be an integer in [0, 4294967295]"),
        ("seed = 3", f"seed = {2**32}", "job.seed must be an integer in [0, 4294967295]"),
        ("samples = [24, 40]", f"samples = [24, {10**30}]", "job.samples[1] must be an integer"),
        ("bootstrap = 10", f"bootstrap = {10**30}", "job.bootstrap must be an integer in [0, "),
        (
            "n_test = 50",
            f"n_test = 50\nsplit_seed = {10**30}",
            "tasks[0].split_seed must be an integer in [0, 4294967295]",
        ),
        (
            'name = "rbf"',
            f'name = "rbf"\n\n[[spaces]]\ntype = "nn"\narch = "mlp:width={10**30}"\n'
            "batch_size = 25",
            "spaces[1].arch: ",
        ),
    ],
    ids=["seed", "seed-2**32", "samples", "bootstrap", "split-seed", "width"],
)
def test_huge_numbers_are_refused_before_the_folder_exists(
    capsys, gp_job, write_job, tmp_path, old, new, message
):
    out = tmp_path / "out"
    rc, _, err = _run(capsys, write_job(gp_job.replace(old, new)), "--out", out)
    _one_error(rc, err, "1 problem in the job: " + message)
    assert not out.exists()


def test_samples_beyond_the_memory_limit(capsys, monkeypatch, gp_job, write_job, tmp_path):
    monkeypatch.setenv("IBC_MEMORY_LIMIT", "64MiB")
    out = tmp_path / "out"
    job = write_job(gp_job.replace("samples = [24, 40]", f"samples = [24, {2**22}]"))
    rc, _, err = _run(capsys, job, "--out", out)
    _one_error(
        rc,
        err,
        "job.samples: 4,194,304 hypotheses per unit",
        "more than the limit of 64.0 MiB (set IBC_MEMORY_LIMIT to raise it)",
        "lower the largest sample count",
    )
    # one network's weights fit, its optimizer state and activations do not
    nn = '[[spaces]]\ntype = "nn"\narch = "mlp:width=2048,depth=2"\nbatch_size = 25\n'
    rc, _, err = _run(capsys, write_job(gp_job + nn, "nn.toml"), "--out", out)
    _one_error(
        rc,
        err,
        "1 problem in the job: spaces[1].arch: one network of 'mlp:width=2048,depth=2' on "
        "tasks[0] (weights, optimizer state and activations) would need ",
        "use a smaller architecture or batch_size",
    )
    assert not out.exists()


# ---------------------------------------------------------------------- 10. --out itself


@pytest.fixture
def no_loading(monkeypatch):
    """Fail the test if the job is loaded (its data read) before --out is refused."""

    def boom(*a, **k):
        raise AssertionError("the job was loaded before --out was checked")

    monkeypatch.setattr(ibcomplexity.batch, "load_job", boom)


def test_out_that_is_a_file_under_a_file_or_under_proc(
    capsys, gp_job, write_job, tmp_path, no_loading
):
    job = write_job(gp_job)
    afile = tmp_path / "afile"
    afile.write_text("x")
    _one_error(*_run(capsys, job, "--out", afile)[::2], f"--out {afile} is a file; give a folder")
    _one_error(*_run(capsys, job, "--out", afile / "sub")[::2], f"{afile} is a file, not a folder")
    _one_error(*_run(capsys, job, "--out", "/proc/ibc-batch-test/out")[::2], "/proc")
    assert afile.read_text() == "x"


def _read_only_dir(tmp_path: Path) -> Path:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_out_in_a_read_only_folder(capsys, gp_job, write_job, tmp_path, no_loading):
    ro = _read_only_dir(tmp_path)
    try:
        rc, _, err = _run(capsys, write_job(gp_job), "--out", ro / "out")
        _one_error(rc, err, f"no write permission in {ro}")
    finally:
        ro.chmod(0o755)


def test_out_in_a_read_only_folder_simulated(
    capsys, monkeypatch, gp_job, write_job, tmp_path, no_loading
):
    """The same refusal where the tests run as root: os.access is made to deny the folder."""
    ro = _read_only_dir(tmp_path)
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **k: False if Path(p) == ro else real(p, mode, **k)
    )
    rc, _, err = _run(capsys, write_job(gp_job), "--out", ro / "out")
    _one_error(rc, err, f"--out {ro / 'out'} cannot be written: no write permission in {ro}")
    ro.chmod(0o755)


# ---------------------------------------------------------------------- 11. a full disk


@pytest.mark.parametrize("target", ["chunk_", "manifest.json"])
def test_a_full_disk_gives_one_line_and_a_resumable_folder(
    capsys, monkeypatch, finished, gp_job, write_job, read_units, tmp_path, target
):
    job, out = write_job(gp_job), tmp_path / "out"
    # the manifest is written once when the folder is created, then once per chunk
    _disk_full_after(monkeypatch, 2 if target == "chunk_" else 3, target)
    rc, _, err = _run(capsys, job, "--out", out)
    line = _one_error(
        rc, err, "no space left on device while writing ", "; free space and rerun with '"
    )
    written = "units/t0-s0/chunk_0000000016_0000000024.npz" if target == "chunk_" else target
    assert f"{out / written};" in line
    monkeypatch.undo()
    assert len(_manifest(out)["units"][UNIT]["chunks"]) == 2
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    resumed = _run_suggested(capsys, line, "--resume")
    assert resumed["resumed"] and resumed["chunks_computed"] == 3
    _same_losses(read_units, out, finished[1])
    assert _bits(out) == _bits(finished[1])
