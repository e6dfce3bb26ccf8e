r"""Resumable batch jobs: tasks x hypothesis spaces x targets x sample counts, checkpointed.

``ibc batch JOB.toml [--out DIR] [--resume [--repair]] [--json] [--quiet]`` runs a job file;
killed at any moment (SIGKILL included) and rerun with ``--resume``, it finishes with exactly the
losses of an uninterrupted run.

Multi-process runs (:mod:`ibcomplexity.batch.shards`): the same command with ``--distributed``
(JAX's distributed runtime, cluster auto-detected: Slurm, Open MPI, Cloud TPU), with
``--coordinator HOST:PORT --num-processes P --process-id I``, or with ``--shard I/P`` (no
runtime) in every process makes each compute its own chunk-aligned block of every unit into
``DIR/shards/p<I>of<P>/``; ``ibc batch JOB.toml --out DIR --merge`` then checks and assembles
the shards into the usual output (losses identical to a single-process run) and writes the
results.

Job file schema (TOML)
----------------------

.. code-block:: toml

    [job]
    name = "example"        # optional label (default: the file's stem in reports)
    seed = 0                # required, integer in [0, 2**32 - 1]: the hypotheses (posterior
                            #   samples, network initialisations and data order) and the
                            #   bootstrap
    split_seed = 0          # default split seed of the tasks (default: job.seed, as before the
                            #   two were separated)
    targets = [0.02, 0.05]  # required: target per-entry test MSEs (> 0), a number or a list
    samples = [128, 512]    # required: sample counts S (>= 20), a number or a list
    chunk_size = 256        # hypotheses per checkpointed chunk (default 256)
    bootstrap = 200         # bootstrap resamples of each estimate (default 200; 0: no interval;
                            #   at most 10**6)
    confidence = 0.95       # level of the intervals (default 0.95)
    plots = true            # one loss-distribution PNG per (task, space) (default true)

    [[tasks]]               # one table per task; at least one
    dataset = "digits"      # required: any dataset spec (`ibc datasets`), e.g. digits,
                            #   mnist:DIR, cifar:PATH, cartpole:history=3; relative paths are
                            #   relative to the job file's folder
    n_train = 500           # required, >= 1
    n_test = 200            # required, >= 1; n_train + n_test <= the dataset's size
    split_seed = 0          # seed of the stratified split: the task (default: job.split_seed);
                            #   "seed" is accepted as its old name
    name = "digits"         # label (default: the dataset spec); unique among tasks
    optional = false        # true: skip the task (with a note) when its data is missing

    [[tasks]]               # a task given by a data card: the model-agnostic bound only
    card = "imagenet"       # a bundled card name (`ibc cards`) or a card file (YAML or the
                            #   Markdown of `ibc card`; relative to the job file's folder)
    target_errors = [0.01]  # the bound's target errors (default: the card's own)
    convention = "integer-degree"  # the bound's convention (default integer-degree)
    name = "imagenet"       # label (default: the card as written)

    [[spaces]]              # one table per hypothesis space; at least one (none needed when
                            #   every task is a card)
    type = "gp"             # Gaussian-process / kernel space
    kernel = "rbf"          # kernel spec (see `ibc kernel --help`), default "rbf"; your own:
                            #   "py:./kernels.py:my_kernel" (a .py path relative to this file;
                            #   the file's SHA-256 is part of the job's content hash)
    bandwidth = "median"    # a number or "median" (default; not for nngp)
    preprocess = "none"     # none | unit | standardize (default none)
    dtype = "float32"       # float32 | float64: dtype of the sampled losses (default float32)
    name = "rbf"            # label (default "gp:<kernel spec>"); unique among spaces

    [[spaces]]
    type = "nn"             # neural networks trained from random initialisations
    arch = "mlp:width=256,depth=2"   # required: architecture spec (see `ibc nn --help`);
                            #   your own Flax module: "py:./models.py:make_net" (as for kernel)
    epochs = 20             # default 20 (at most 10**6)
    batch_size = 50         # default 50; <= every task's n_train
    lr = 1e-3               # default 1e-3
    optimizer = "adam"      # adam | adamw | sgd (default adam)
    weight_decay = 0.0      # default 0 (needs adamw or sgd when > 0)
    loss = "mse"            # training objective: mse | cross_entropy (default mse)
    fit_threshold = 0.01    # a network fits when its train MSE is below this (default 0.01)
    precision = "default"   # float32 matmul precision: default (the platform's fast mode: TF32
                            #   on recent NVIDIA GPUs) | high | highest (full float32: networks
                            #   that agree across platforms to float rounding)

The job file must be a regular file of at most 16 MiB whose brackets nest at most 100 deep.
Seeds (``job.seed``, ``job.split_seed``, ``tasks.split_seed``) are uint32s, since JAX's keys
take 32-bit seeds. The memory a job needs is checked against ``IBC_MEMORY_LIMIT`` (see
:mod:`ibcomplexity._limits`): each unit's hypotheses, each GP space's kernel matrices, one
network of each architecture. The whole file is validated before any work starts (the data is
loaded, each architecture parsed against each task's input shape); every bad field is reported
at once, each named by its path (``tasks[0].n_train must be an integer >= 1, got -5``), in one
``InputError`` (one line when there is one problem).

Units, seeds, checkpoints
-------------------------

Each (task, space) pair is one *unit*: it samples ``S_max = max(samples)`` hypotheses (GP
posterior samples, or trained networks, whose test MSE, fit flag, train MSE and accuracies are
recorded); the row for sample count S and target eps uses the first S of them, so losses are
shared across targets and sample counts. The unit's key is
``fold_in(fold_in(jax.random.key(seed), w0), w1)`` with ``(w0, w1)`` taken from the sha256 of the
unit's canonical description (not its position), and hypothesis ``i`` uses
``fold_in(unit key, i)``: adding, removing or reordering tasks and spaces leaves every other unit's
draws unchanged (see :mod:`ibcomplexity.batch.runner`).

Chunks ``[a, a + chunk_size)`` are computed with ``sample_losses(..., start=a)`` /
``train_hypotheses(..., start=a)`` and checkpointed atomically with a sha256 in a manifest (see
:mod:`ibcomplexity.batch.store` for the format and the crash-safety argument). A resume recomputes
exactly the chunks the manifest lacks, and refuses, in one line each:

- a changed job file (its canonical content hash is stored in the output folder);
- changed data: ``job.json`` records, per task, the sha256 of the data its hypotheses see (the
  dtype, shape and bytes of the split's train/test inputs and targets, so data files and
  synthetic sources alike), and a resume or merge recomputes and compares it;
- another platform, when chunks remain to compute: the JAX backend and x64 setting that computed
  the chunks (``job.json``'s ``"platform"``) must match, since they change float rounding;
- corrupt checkpoints (a changed, missing or forged chunk: wrong checksum, a file outside the
  output folder, arrays other than the manifest promises) and malformed records, naming each
  file and field, unless ``--repair`` is given: then corrupt chunks are recomputed (bit for bit,
  since chunks are deterministic) and a lost or malformed ``manifest.json`` or ``job.json`` is
  rebuilt from the intact chunk files and records.

A failed write (no space left on device, say) stops the run in one line naming the file, with the
folder left resumable. Folders written before fingerprints were recorded still resume, with a
warning, and get them recorded.

Outputs: ``results.csv`` and ``results.json`` (task, space, target, samples, the quotable bits,
interval and regime of :func:`~ibcomplexity.estimate.estimate_bits` with both loss models and the
empirical count beside them, the exact GP bits of
:func:`~ibcomplexity.estimate.inductive_bias_from_posterior` for GP spaces, fitting networks for NN
spaces, seed, devices, timings) and ``plots/<unit>_<task>_<space>.png``.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from ibcomplexity.batch.job import load_job, parse_job
from ibcomplexity.batch.runner import BatchResult, Unit, run_job, unit_key
from ibcomplexity.batch.shards import (
    MergeResult,
    ShardResult,
    merge_shards,
    run_shard,
)
from ibcomplexity.batch.spec import CardTaskSpec, GPSpaceSpec, Job, NNSpaceSpec, TaskSpec

__all__ = [
    "GPSpaceSpec",
    "Job",
    "NNSpaceSpec",
    "TaskSpec",
    "CardTaskSpec",
    "load_job",
    "parse_job",
    "BatchResult",
    "Unit",
    "run_job",
    "unit_key",
    "MergeResult",
    "ShardResult",
    "merge_shards",
    "run_shard",
]
