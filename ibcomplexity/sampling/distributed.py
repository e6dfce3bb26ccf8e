r"""Multi-process runs: start JAX's distributed runtime, and split a job's indices over processes.

Each process computes its own contiguous, chunk-aligned block of global hypothesis indices on its
own local devices (:func:`~ibcomplexity.sampling.mesh.local_mesh`) and writes its own shard; no
computation spans processes, so nothing but the index assignment needs coordinating. Because
hypothesis :math:`i` depends only on :math:`\operatorname{fold\_in}(k, i)`, concatenating the
shards in process order reproduces the single-process run exactly.

Assignment (:func:`process_range`): the range :math:`[s, t)` is cut into
:math:`C = \lceil (t - s) / c \rceil` chunks of ``c`` indices (the last may be short), and
process :math:`p` of :math:`P` gets the chunks :math:`\lfloor pC/P \rfloor, \dots,
\lfloor (p+1)C/P \rfloor - 1`, i.e. the indices

.. math:: \left[\, s + c\lfloor pC/P \rfloor,\ \min\!\left(t,\ s + c\lfloor (p+1)C/P \rfloor
          \right) \right).

Contiguous blocks (rather than round-robin chunks) so that each process makes one
``start``/``num`` call and writes one shard covering one interval; block sizes differ by at most
one chunk; a process gets an empty range when :math:`P > C`.

References:
  JAX documentation, *Introduction to multi-controller JAX* (``jax.distributed.initialize``).
"""

from __future__ import annotations

import jax

from ibcomplexity._validation import InputError, check_int
from ibcomplexity.sampling.keys import MAX_HYPOTHESES

__all__ = ["initialize", "process_range"]


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    local_device_ids=None,
    initialization_timeout: int = 300,
) -> tuple[int, int]:
    """Start JAX's multi-process runtime (``jax.distributed.initialize``); call it first, before
    any other JAX work.

    With no arguments the cluster is auto-detected (Slurm, Open MPI, Cloud TPU); otherwise give
    all three of ``coordinator_address``, ``num_processes`` and ``process_id`` (explicit mode,
    e.g. ``initialize("10.0.0.1:1234", 4, rank)`` on every host, the address being process 0's).

    Args:
      coordinator_address: ``"host:port"`` of process 0's coordinator service.
      num_processes: number of processes (>= 1).
      process_id: this process's index, ``0 .. num_processes - 1``.
      local_device_ids: optional, restricts this process's visible devices (passed through).
      initialization_timeout: seconds to wait for all processes (default 300).

    Returns:
      ``(jax.process_index(), jax.process_count())``.

    Raises:
      InputError: for partial or invalid explicit arguments, or when auto-detection finds no
        cluster (the message says what to pass).
    """
    given = {
        "coordinator_address": coordinator_address,
        "num_processes": num_processes,
        "process_id": process_id,
    }
    named = [k for k, v in given.items() if v is not None]
    if named and len(named) != len(given):
        missing = [k for k in given if k not in named]
        raise InputError(
            f"give all of coordinator_address, num_processes and process_id (explicit mode) or "
            f"none of them (auto-detection on Slurm, Open MPI or Cloud TPU); got {', '.join(named)}"
            f" without {', '.join(missing)}"
        )
    if named:
        if not isinstance(coordinator_address, str) or ":" not in coordinator_address:
            raise InputError(
                f"coordinator_address must be a 'host:port' string, got {coordinator_address!r}"
            )
        num_processes = check_int("num_processes", num_processes, minimum=1)
        process_id = check_int("process_id", process_id, minimum=0)
        if process_id >= num_processes:
            raise InputError(
                f"process_id must be in 0 .. num_processes - 1 = {num_processes - 1}, got "
                f"{process_id}"
            )
    try:
        jax.distributed.initialize(
            coordinator_address,
            num_processes,
            process_id,
            local_device_ids=local_device_ids,
            initialization_timeout=initialization_timeout,
        )
    except ValueError as err:
        if named:
            raise
        raise InputError(
            "no cluster was detected (Slurm, Open MPI or Cloud TPU); pass coordinator_address, "
            f"num_processes and process_id explicitly ({err})"
        ) from err
    return jax.process_index(), jax.process_count()


def process_range(
    start: int,
    stop: int,
    *,
    process_index: int | None = None,
    process_count: int | None = None,
    chunk: int,
) -> tuple[int, int]:
    r"""The block ``[a, b)`` of global indices of ``[start, stop)`` that one process computes.

    Contiguous, chunk-aligned blocks (see the module docstring): the blocks of processes
    ``0 .. P - 1`` are disjoint, in order, and cover ``[start, stop)``; every block boundary
    other than ``stop`` lies at ``start + j * chunk``.

    Args:
      start, stop: the job's global index range, ``0 <= start <= stop <= 2^32``.
      process_index: this process, ``0 .. process_count - 1`` (default ``jax.process_index()``).
      process_count: number of processes (default ``jax.process_count()``).
      chunk: hypotheses per chunk (>= 1).

    Returns:
      ``(a, b)`` with ``start <= a <= b <= stop`` (``a == b``: nothing to do).

    Example:
      >>> [process_range(0, 10, process_index=p, process_count=3, chunk=3) for p in range(3)]
      [(0, 3), (3, 6), (6, 10)]
    """
    start = check_int("start", start, minimum=0)
    stop = check_int("stop", stop, minimum=0)
    if stop < start or stop > MAX_HYPOTHESES:
        raise InputError(f"need 0 <= start <= stop <= 2^32, got start={start}, stop={stop}")
    chunk = check_int("chunk", chunk, minimum=1)
    count = jax.process_count() if process_count is None else process_count
    count = check_int("process_count", count, minimum=1)
    index = jax.process_index() if process_index is None else process_index
    index = check_int("process_index", index, minimum=0)
    if index >= count:
        raise InputError(
            f"process_index must be in 0 .. process_count - 1 = {count - 1}, got {index}"
        )
    chunks = -(-(stop - start) // chunk)
    first, last = index * chunks // count, (index + 1) * chunks // count
    return min(stop, start + first * chunk), min(stop, start + last * chunk)
