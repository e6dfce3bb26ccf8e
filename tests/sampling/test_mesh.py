"""Meshes and chunk sizes: one axis over the local devices, chunks from free memory (a fake
accelerator's memory statistics; the CPU fallback), multiples of the device count."""

from __future__ import annotations

from types import SimpleNamespace

import jax
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.sampling.mesh import (
    AXIS,
    FALLBACK_BYTES,
    chunk_size_for,
    free_memory,
    local_mesh,
    round_chunk,
)

MIB = 2**20


def _fake(limit, in_use):
    """A device whose memory_stats() looks like a GPU's."""
    return SimpleNamespace(memory_stats=lambda: {"bytes_limit": limit, "bytes_in_use": in_use})


def test_local_mesh():
    mesh = local_mesh()
    assert mesh.axis_names == (AXIS,) == ("hypotheses",)
    assert mesh.size == jax.local_device_count()
    one = local_mesh(jax.local_devices()[:1])
    assert one.size == 1 and one.devices.ravel()[0] == jax.local_devices()[0]


@pytest.mark.parametrize(("devices", "match"), [([], "at least one"), (["gpu0"], "JAX devices")])
def test_local_mesh_errors(devices, match):
    with pytest.raises(InputError, match=match):
        local_mesh(devices)


def test_free_memory():
    assert free_memory(_fake(10 * MIB, 4 * MIB)) == 6 * MIB
    assert free_memory(SimpleNamespace(memory_stats=lambda: None)) is None
    if jax.default_backend() == "cpu":
        assert free_memory() is None  # the CPU backend reports no statistics


def test_chunk_from_free_memory():
    one = local_mesh(jax.local_devices()[:1])
    # Half of the 8 MiB free, 1 KiB per hypothesis: 4096.
    assert chunk_size_for(1024, mesh=one, device=_fake(10 * MIB, 2 * MIB)) == 4096
    assert chunk_size_for(1024, mesh=one, device=_fake(10 * MIB, 2 * MIB), fraction=1.0) == 8192
    assert chunk_size_for(1024, mesh=one, device=_fake(10 * MIB, 2 * MIB), maximum=100) == 100
    assert chunk_size_for(10**9, mesh=one, device=_fake(10 * MIB, 0)) == 1  # at least one
    assert chunk_size_for(4096, mesh=one, budget_bytes=MIB) == 256


def test_cpu_fallback_budget():
    if jax.default_backend() != "cpu":
        pytest.skip("the fallback is for backends without memory statistics")
    mesh = local_mesh()
    n = mesh.size
    assert chunk_size_for(1000, mesh=mesh) == (FALLBACK_BYTES // 1000) * n


def test_round_chunk():
    assert [round_chunk(c, 4) for c in (1, 4, 5, 8, 9)] == [4, 4, 8, 8, 12]
    assert round_chunk(7, 1) == 7


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bytes_per_hypothesis": 0}, "bytes_per_hypothesis must be >= 1"),
        ({"fraction": 0}, "fraction must be in"),
        ({"fraction": 1.5}, "fraction must be in"),
        ({"maximum": 0}, "maximum must be >= 1"),
        ({"budget_bytes": -1}, "budget_bytes must be > 0"),
        ({"mesh": "cpu"}, "mesh must be a jax.sharding.Mesh"),
    ],
)
def test_chunk_size_errors(kwargs, match):
    call = {"bytes_per_hypothesis": 100} | kwargs
    with pytest.raises(InputError, match=match):
        chunk_size_for(call.pop("bytes_per_hypothesis"), **call)
