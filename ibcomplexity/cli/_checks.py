"""Checks run before any work: every numeric option's range, target errors, GP memory, plot
paths (issue 16: bad input fails in one line before it costs time or memory)."""

from __future__ import annotations

from ibcomplexity._validation import InputError

#: Seeds become JAX keys, which keep 32 bits: a larger seed would silently collide with another.
_MAX_SEED = 2**32 - 1
#: Loop counts and sizes that XLA or a jitted loop holds as int32.
_MAX_INT32 = 2**31 - 1
#: Sample counts: sample and network indices are uint32.
_MAX_SAMPLES = 2**32
#: Bootstrap resamples of an interval (each refits the loss model; the default is 200).
_MAX_BOOTSTRAP = 100_000
#: The commands whose options :func:`check_options` checks (``batch`` checks its own).
CHECKED_COMMANDS = frozenset(
    ("bound", "stats", "card", "kernel", "estimate", "nn", "compare", "fewshot")
)


def check_options(args) -> None:
    """Range-check every numeric option of this command before any data is read.

    Integers must be counts in a valid range (seeds 0 .. 2^32 - 1, samples >= 20 for a fitted
    estimate, bootstrap 0 .. 100000, ...), real options finite and positive. Options a command
    does not have are skipped; the error names the option as typed.
    """
    from ibcomplexity._validation import check_int, check_positive

    def get(name):
        return getattr(args, name, None)

    fitted = 20  # ibcomplexity.estimate.MIN_SAMPLES, without importing the estimators here
    ints = {
        "seed": (0, _MAX_SEED),
        "split_seed": (0, _MAX_SEED),
        "k": (1, _MAX_INT32),
        "num_queries": (1, _MAX_INT32),
        "n_train": (1, _MAX_INT32),
        "n_test": (1, _MAX_INT32),
        "samples": (fitted, _MAX_SAMPLES),
        "bootstrap": (0, _MAX_BOOTSTRAP),
        "epochs": (1, _MAX_INT32),
        "batch_size": (1, _MAX_INT32),
        "chunk": (1, _MAX_SAMPLES),
        "size": (1, _MAX_INT32),
        "ways": (2, 10_000),
        "shots": (1, _MAX_INT32),
        "queries": (1, _MAX_INT32),
        "episodes": (1, _MAX_INT32),
    }
    for name, (lo, hi) in ints.items():
        if get(name) is not None:
            check_int("--" + name.replace("_", "-"), get(name), minimum=lo, maximum=hi)
    for name in ("lr", "fit_threshold", "target_mse", "base_scale"):
        if get(name) is not None:
            check_positive("--" + name.replace("_", "-"), get(name))
    if get("weight_decay") is not None:
        check_positive("--weight-decay", get("weight_decay"), allow_zero=True)
    if get("size") is not None:
        from ibcomplexity._limits import check_pixels

        check_pixels(args.size, args.size, "--size")


def check_gp_memory(args) -> None:
    """The exact GP posterior's float64 arrays for --n-train and --n-test, before any data."""
    from ibcomplexity.hypotheses.gp import check_posterior_memory

    check_posterior_memory(
        args.n_train,
        args.n_test,
        what=f"the GP posterior on --n-train {args.n_train} and --n-test {args.n_test}",
        hint="use a smaller --n-train or --n-test",
    )


def check_plot(args) -> None:
    """``--plot``: a writable path with an image extension, checked before the computation."""
    if getattr(args, "plot", None):
        from ibcomplexity.plots import check_plot_path

        check_plot_path(args.plot, "--plot")


def kernel_option(args):
    """The kernel from --kernel and --bandwidth, parsed and checked before any data is read
    (``ibc kernel``, ``ibc estimate``, the base space of ``ibc compare``)."""
    import dataclasses

    from ibcomplexity.hypotheses import make_kernel

    kernel = make_kernel(args.kernel)
    if args.bandwidth is not None:
        bw: float | str = args.bandwidth
        if bw != "median":
            try:
                bw = float(bw)
            except ValueError:
                raise InputError(f"--bandwidth must be a number or 'median', got {bw!r}") from None
        kernel = make_kernel(dataclasses.replace(kernel, bandwidth=bw))
    return kernel


def note_ignored(args, options: tuple[str, ...], why: str) -> None:
    """One ``ibc: note:`` line on stderr naming the ``options`` the user gave (on the command
    line) that this command ignores, and ``why``; nothing when none was given."""
    argv = getattr(args, "argv", None) or []
    given = [o for o in options if any(a == o or a.startswith(o + "=") for a in argv)]
    if given:
        import sys

        sys.stderr.write(f"ibc: note: {', '.join(given)} ignored: {why}\n")
