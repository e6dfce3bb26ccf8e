"""The checkpoint store: atomic writes, round trip, temporaries, corruption, locking."""

import json
import os

import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.batch.store import ChunkStore, atomic_write_bytes, chunk_grid

JOB = {"format": "test", "value": 1}


def _new(root, job_hash="h1"):
    return ChunkStore.create(root, job_hash=job_hash, job=JOB, job_text=b"[job]\n")


def _arrays(start, stop):
    i = np.arange(start, stop)
    return {"loss": (i * 0.25).astype(np.float32), "fits": i % 2 == 0}


def test_atomic_write_replaces_and_leaves_no_temporaries(tmp_path):
    p = tmp_path / "f.bin"
    atomic_write_bytes(p, b"one")
    atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two"
    assert sorted(os.listdir(tmp_path)) == ["f.bin"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "f.bin"
    atomic_write_bytes(p, b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(p, b"new")
    assert p.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["f.bin"]


def test_chunk_grid():
    assert chunk_grid(20, 8) == [(0, 8), (8, 16), (16, 20)]
    assert chunk_grid(16, 8) == [(0, 8), (8, 16)]


def test_round_trip_and_reopen(tmp_path):
    root = tmp_path / "out"
    with _new(root) as store:
        for a, b in chunk_grid(20, 8):
            store.write_chunk("u0", a, b, _arrays(a, b), seconds=0.5)
        store.write_chunk("u1", 0, 8, _arrays(0, 8))
    manifest = json.loads((root / "manifest.json").read_text())
    entry = manifest["units"]["u0"]["chunks"][2]
    assert entry["start"] == 16 and entry["stop"] == 20 and len(entry["sha256"]) == 64
    assert entry["file"] == "units/u0/chunk_0000000016_0000000020.npz"
    with ChunkStore.open(root, job_hash="h1") as store:
        assert store.completed("u0") == {(0, 8), (8, 16), (16, 20)}
        assert store.seconds("u0") == 1.5
        got = store.read_unit("u0", 20)
        want = _arrays(0, 20)
        for k in want:
            assert got[k].dtype == want[k].dtype
            np.testing.assert_array_equal(got[k], want[k])
        np.testing.assert_array_equal(store.read_unit("u0", 12)["loss"], want["loss"][:12])
        with pytest.raises(InputError, match=r"u1 has hypotheses \[0, 8\) of 12"):
            store.read_unit("u1", 12)


def test_unlisted_chunk_and_temporaries_are_ignored(tmp_path):
    root = tmp_path / "out"
    with _new(root) as store:
        store.write_chunk("u0", 0, 8, _arrays(0, 8))
    folder = root / "units" / "u0"
    # a chunk written but killed before its manifest entry, and a torn temporary file
    (folder / "chunk_0000000008_0000000016.npz").write_bytes(b"half")
    (folder / ".chunk_0000000016_0000000020.npz.tmp-123-abcd1234").write_bytes(b"torn")
    (root / ".manifest.json.tmp-77-0badcafe").write_bytes(b"{")
    with ChunkStore.open(root, job_hash="h1") as store:
        assert store.completed("u0") == {(0, 8)}
        assert not any(".tmp-" in p.name for p in folder.iterdir())
        assert not (root / ".manifest.json.tmp-77-0badcafe").exists()
        store.write_chunk("u0", 8, 16, _arrays(8, 16))  # recomputed: overwrites the stray
        np.testing.assert_array_equal(store.read_unit("u0", 16)["loss"], _arrays(0, 16)["loss"])


def test_corrupt_or_missing_chunk_is_refused_then_repaired(tmp_path):
    root = tmp_path / "out"
    with _new(root) as store:
        for a, b in chunk_grid(24, 8):
            store.write_chunk("u0", a, b, _arrays(a, b))
    bad = root / "units/u0/chunk_0000000008_0000000016.npz"
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    (root / "units/u0/chunk_0000000016_0000000024.npz").unlink()
    with pytest.raises(InputError) as e:
        ChunkStore.open(root, job_hash="h1")
    msg = str(e.value)
    assert msg.startswith("2 corrupt checkpoints in")
    assert f"{bad}: checksum mismatch" in msg
    assert "chunk_0000000016_0000000024.npz: missing" in msg and "--repair" in msg
    with ChunkStore.open(root, job_hash="h1", repair=True) as store:
        assert store.completed("u0") == {(0, 8)}
    # the repair is recorded: a plain resume now opens and recomputes the two chunks
    with ChunkStore.open(root, job_hash="h1") as store:
        assert store.completed("u0") == {(0, 8)}


def test_changed_job_hash_and_occupied_folders_are_refused(tmp_path):
    root = tmp_path / "out"
    _new(root).close()
    with pytest.raises(InputError, match="job file differs"):
        ChunkStore.open(root, job_hash="h2", job={"format": "test", "value": 2})
    with pytest.raises(InputError, match=r"changed: value: 1 -> 2"):
        ChunkStore.open(root, job_hash="h2", job={"format": "test", "value": 2})
    with pytest.raises(InputError, match="is not empty; use --resume"):
        _new(root)
    with pytest.raises(InputError, match="no batch job to resume"):
        ChunkStore.open(tmp_path, job_hash="h1")
    with _new(tmp_path / "busy"):
        with pytest.raises(InputError, match="in use by another running"):
            ChunkStore.open(tmp_path / "busy", job_hash="h1")
    ChunkStore.open(tmp_path / "busy", job_hash="h1").close()  # the lock went with the holder


def test_a_create_killed_before_its_manifest_counts_as_unstarted(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    (root / "job.toml").write_bytes(b"[job]\n")
    (root / ".job.json.tmp-9-01234567").write_bytes(b"{")
    assert ChunkStore.unstarted(root) and ChunkStore.unstarted(tmp_path / "absent")
    with pytest.raises(InputError, match="is not empty; use --resume"):
        _new(root)
    with ChunkStore.create(root, job_hash="h1", job=JOB, job_text=b"[job]\n", resume=True):
        pass
    assert not ChunkStore.unstarted(root)
    assert sorted(p.name for p in root.iterdir()) == [
        ".lock",
        "job.json",
        "job.toml",
        "manifest.json",
        "units",
    ]


def test_two_hashes_are_shown_until_they_differ():
    from ibcomplexity.batch.store import two_hashes

    a = "85e9a68cb160" + "0" * 40 + "1234567890ab"
    b = a[:-1] + "c"
    x, y = two_hashes(a, b)
    assert x != y and x == a and y == b  # the difference is in the last character
    x, y = two_hashes("85e9a68cb1601111", "85e9a68cb1602222")
    assert (x, y) == ("85e9a68cb1601111", "85e9a68cb1602222")
    assert two_hashes("a" * 64, "b" * 64) == ("a" * 12 + "...", "b" * 12 + "...")
