"""A small GP sampling job and a small network-training job, run as a script in a subprocess so
that the device count can be set before JAX starts (see ``test_devices.py``).

Usage::

    XLA_FLAGS=--xla_force_host_platform_device_count=N python _device_job.py devices N OUT.npz
    python _device_job.py distributed PROCESS_ID NUM_PROCESSES PORT OUT.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The jobs, shared with the in-process reference run of the tests.
GP_JOBS = {
    # name: (num_samples, start, chunk_size)
    "gp_full": (1000, 0, 256),
    "gp_slice": (200, 300, 48),
    "gp_odd_chunk": (100, 5, 6),  # 6 is no multiple of 4 or 8: rounded up to 8
}
NN_JOB = {"num": 6, "start": 2, "chunk": 4}  # 8 devices: the chunk is rounded up to 8
NN_FIELDS = ("train_mse", "test_mse", "train_accuracy", "test_accuracy", "epoch_loss")
# The distributed job: GP losses 0 .. DIST_STOP - 1 in chunks of DIST_CHUNK.
DIST_STOP, DIST_CHUNK = 1000, 128


def run_jobs() -> dict:
    """Run every job on all local devices; returns name -> array (progress calls included)."""
    import jax
    import numpy as np
    from _sampling_jobs import NN_KW, NN_SPEC, gp_posterior_small, nn_task

    from ibcomplexity.hypotheses.sampling import sample_losses
    from ibcomplexity.hypotheses.training import train_hypotheses

    key = jax.random.key(11)
    post = gp_posterior_small()
    out = {}
    for name, (num, start, chunk) in GP_JOBS.items():
        calls = []
        out[name] = sample_losses(
            key,
            post,
            num,
            start=start,
            chunk_size=chunk,
            progress=lambda d, t, c=calls: c.append(d),
        )
        out[name + "_progress"] = np.asarray(calls)
    calls = []
    res = train_hypotheses(
        key, NN_SPEC, nn_task(), progress=lambda d, t: calls.append(d), **NN_JOB, **NN_KW
    )
    for f in NN_FIELDS:
        out["nn_" + f] = getattr(res, f)
    out["nn_progress"] = np.asarray(calls)
    return out


def run_distributed(process_id: int, num_processes: int, port: int) -> dict:
    """Join a local multi-process runtime and compute this process's block of the job."""
    from ibcomplexity.sampling import initialize, process_range

    index, count = initialize(f"localhost:{port}", num_processes, process_id)
    import jax
    import numpy as np
    from _sampling_jobs import gp_posterior_small

    from ibcomplexity.hypotheses.sampling import sample_losses

    a, b = process_range(0, DIST_STOP, chunk=DIST_CHUNK)
    losses = sample_losses(
        jax.random.key(11), gp_posterior_small(), b - a, start=a, chunk_size=DIST_CHUNK
    )
    return {
        "losses": losses,
        "range": np.asarray([a, b]),
        "process": np.asarray([index, count, jax.process_count(), jax.local_device_count()]),
    }


def main(argv: list[str]) -> None:
    import numpy as np

    if argv[0] == "devices":
        import jax

        n = int(argv[1])
        if jax.device_count() != n:
            raise SystemExit(f"expected {n} devices, got {jax.device_count()}")
        out = run_jobs()
        out["device_count"] = np.asarray(jax.device_count())
        np.savez(argv[2], **out)
    elif argv[0] == "distributed":
        out = run_distributed(int(argv[1]), int(argv[2]), int(argv[3]))
        np.savez(argv[4], **out)
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
