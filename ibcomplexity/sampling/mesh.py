r"""Devices for the sampling core: a one-axis mesh over the local devices, and chunk sizes.

A chunk of ``c`` hypotheses is split evenly over the ``n`` devices of the mesh (``c / n`` each),
so chunks are multiples of ``n``. :func:`chunk_size_for` picks the largest such chunk whose
per-device memory fits a fraction of the device's free memory,

.. math:: c = n \cdot \min\!\left(\left\lfloor \frac{f\,(B_{\text{limit}} - B_{\text{in use}})}
          {b} \right\rfloor, \frac{c_{\max}}{n}\right),

for ``b`` bytes per hypothesis and fraction ``f``, where ``device.memory_stats()`` reports the
limit and use (GPUs and TPUs). The CPU backend reports no memory statistics: there the budget is
:data:`FALLBACK_BYTES` per device (host memory is shared by all simulated CPU devices, and
cache-sized chunks run faster on CPU anyway).
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import AxisType, Mesh

from ibcomplexity._validation import InputError, check_int, check_positive, check_probability

__all__ = [
    "AXIS",
    "DEFAULT_MAX_CHUNK",
    "FALLBACK_BYTES",
    "chunk_size_for",
    "free_memory",
    "local_mesh",
    "platform_info",
    "round_chunk",
]

# The mesh axis that hypotheses are sharded over.
AXIS = "hypotheses"
# Per-device memory budget where the backend reports no memory statistics (CPU): 128 MiB.
FALLBACK_BYTES = 128 * 2**20
# Default upper bound on a chunk: keeps host-side index, key and output arrays small.
DEFAULT_MAX_CHUNK = 2**20


def local_mesh(devices=None) -> Mesh:
    """A one-dimensional mesh, axis :data:`AXIS`, over ``devices`` (default: all local devices).

    Local devices only (``jax.local_devices()``): in a multi-process run each process samples
    its own index range on its own devices (see :mod:`ibcomplexity.sampling.distributed`); no
    computation spans processes. The axis type is ``Auto`` (the compiler propagates shardings):
    per-hypothesis maps need no explicit sharding types.

    Args:
      devices: a sequence of JAX devices (default ``jax.local_devices()``).

    Returns:
      A ``jax.sharding.Mesh`` with axis names ``("hypotheses",)``.

    Example:
      >>> local_mesh().axis_names
      ('hypotheses',)
    """
    devs = jax.local_devices() if devices is None else list(devices)
    if not devs:
        raise InputError("devices must hold at least one JAX device, got an empty sequence")
    if not all(isinstance(d, jax.Device) for d in devs):
        raise InputError(f"devices must be JAX devices (see jax.local_devices()), got {devs!r}")
    return jax.make_mesh((len(devs),), (AXIS,), axis_types=(AxisType.Auto,), devices=devs)


def platform_info(precision: str | None = None) -> dict:
    """Where this process computes: ``{"backend", "device_kind", "devices", "processes",
    "x64", "matmul_precision"}`` (local device count; float32 matmul precision: ``precision``
    when a command sets its own, else JAX's default, ``"default"`` when unset).

    Example:
      >>> sorted(platform_info())
      ['backend', 'device_kind', 'devices', 'matmul_precision', 'processes', 'x64']
    """
    default = jax.config.jax_default_matmul_precision
    return {
        "backend": jax.default_backend(),
        "device_kind": str(jax.local_devices()[0].device_kind),
        "devices": jax.local_device_count(),
        "processes": jax.process_count(),
        "x64": bool(jax.config.jax_enable_x64),
        "matmul_precision": precision or (str(default) if default else "default"),
    }


def platform_text(info: dict) -> str:
    """One line for tables: ``ran on cpu (1 x cpu; float32 matmul precision default)``."""
    procs = f", {info['processes']} processes" if info.get("processes", 1) > 1 else ""
    x64 = ", 64-bit floats on" if info.get("x64") else ""
    return (
        f"ran on {info['backend']} ({info['devices']} x {info['device_kind']}{procs}{x64}; "
        f"float32 matmul precision {info['matmul_precision']})"
    )


def free_memory(device=None) -> int | None:
    """Free bytes on ``device`` (``bytes_limit - bytes_in_use`` of ``memory_stats()``), or
    ``None`` where the backend reports no statistics (CPU)."""
    dev = jax.local_devices()[0] if device is None else device
    try:
        stats = dev.memory_stats()
    except Exception:  # some backends raise instead of returning None
        stats = None
    if not stats or "bytes_limit" not in stats:
        return None
    return max(0, int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0)))


def round_chunk(chunk: int, num_devices: int) -> int:
    """``chunk`` rounded *up* to a multiple of ``num_devices`` (so every device gets the same
    share; the extra hypotheses are padding and are trimmed)."""
    return -(-chunk // num_devices) * num_devices


def chunk_size_for(
    bytes_per_hypothesis: int,
    *,
    mesh: Mesh | None = None,
    device=None,
    fraction: float = 0.5,
    maximum: int = DEFAULT_MAX_CHUNK,
    budget_bytes: int | None = None,
) -> int:
    r"""Hypotheses per chunk so that each device's share fits in memory (see the module
    docstring): a multiple of the mesh's device count ``n``, at least ``n``.

    Args:
      bytes_per_hypothesis: peak device memory of one hypothesis (its inputs, intermediates and
        outputs; an estimate).
      mesh: the mesh the chunk is split over (default :func:`local_mesh`).
      device: the device whose free memory sets the budget (default: the mesh device with the
        least free memory).
      fraction: share of the free memory one chunk may use (0, 1]; the default 0.5 leaves room
        for the second chunk in flight (the core dispatches one chunk ahead).
      maximum: upper bound on the chunk (rounded down to a multiple of ``n``, at least ``n``).
      budget_bytes: an explicit per-device budget, which skips the memory query.

    Returns:
      The chunk size.

    Example:
      >>> chunk_size_for(4096, budget_bytes=2**20, mesh=local_mesh(jax.local_devices()[:1]))
      256
    """
    b = check_int("bytes_per_hypothesis", bytes_per_hypothesis, minimum=1)
    fraction = check_probability("fraction", fraction, open_interval=False)
    if fraction == 0:
        raise InputError("fraction must be in (0, 1], got 0")
    maximum = check_int("maximum", maximum, minimum=1)
    mesh = local_mesh() if mesh is None else mesh
    if not isinstance(mesh, Mesh):
        raise InputError(f"mesh must be a jax.sharding.Mesh (see local_mesh), got {mesh!r}")
    n = int(mesh.size)
    if budget_bytes is not None:
        budget = check_positive("budget_bytes", budget_bytes)
    else:
        devices = [device] if device is not None else list(np.ravel(mesh.devices))
        free = [free_memory(d) for d in devices]
        known = [f for f in free if f is not None]
        budget = fraction * min(known) if known else FALLBACK_BYTES
    per_device = max(1, int(budget // b))
    per_device = min(per_device, max(1, maximum // n))
    return per_device * n
