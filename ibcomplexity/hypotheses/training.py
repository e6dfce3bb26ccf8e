r"""Trained-network hypotheses: many networks trained at once, each from its own seeds.

One hypothesis is one network of an :class:`~ibcomplexity.hypotheses.networks.Architecture`
initialised from its own key and trained on the task's training set with its own data order
(Boopathy et al., IJCAI 2024, section on neural-network hypothesis spaces). Its sample of the
loss distribution is the per-entry test MSE after the last epoch,

.. math:: \mathrm{MSE}(f) = \frac{1}{mk} \sum_{i=1}^{m} \sum_{c=1}^{k} (f_c(x^*_i) - Y^*_{ic})^2,

a true mean over all test entries (the reference code divides a sum of batch means by the
test-set size instead, i.e. by an extra factor of the batch size). The same per-entry mean over
the training set is the train MSE; a hypothesis *fits* the training data when its train MSE is
below ``fit_threshold`` (default :data:`DEFAULT_FIT_THRESHOLD` = 0.01, i.e. a summed squared
error of 0.1 per example for 10 classes).

Training objective (``loss``):

* ``"mse"`` (default, the authors' choice): the mean of :math:`(f_c(x) - y_c)^2` over a batch's
  examples and outputs (``torch.nn.MSELoss``); the hypothesis is :math:`f` itself.
* ``"cross_entropy"``: softmax cross-entropy, mean over the batch; the hypothesis (whose MSE and
  accuracy are reported) is then the softmax of the network's outputs.

Either way the loss used for the estimate is the test MSE above.

Optimisation: Optax ``adam`` (default, lr 1e-3, the authors' setting), ``adamw`` (decoupled
weight decay ``weight_decay``) or ``sgd`` (with ``weight_decay`` added to the gradient, L2 as in
``torch.optim.SGD``). Each epoch visits the training set in a fresh random order, in
:math:`\lceil n/B \rceil` steps; when B does not divide n the last batch holds the
:math:`n \bmod B` remaining examples, implemented as a full-size batch whose padding rows have
weight 0 (so every example is used every epoch and the gradient equals that of the smaller batch,
as in PyTorch's ``DataLoader(shuffle=True)`` that the reference uses).

Keys: network ``i`` of a job uses ``k_i = fold_in(key, i)`` and ``init_key, data_key =
split(k_i)``; epoch ``e`` uses the permutation drawn from ``fold_in(data_key, e)``. So network
``i``'s result depends only on ``key``, ``i``, the architecture, the data and the training
config: not on the chunk size or on how many networks are trained.

Execution: :func:`train_network` trains one network (``lax.scan`` over epochs, and over steps
inside); :func:`train_hypotheses` runs it (with the evaluation) on the sampling core
(:func:`~ibcomplexity.sampling.map_hypotheses`), which ``vmap``\ s it over chunks of network
indices sharded over the local devices, ``jit``\ s the chunk once per (architecture, config,
data shapes, chunk) -- the last chunk is padded, not recompiled -- and loops over chunks in
Python, reporting progress. ``start`` selects networks ``start .. start + num - 1`` of the job.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Kingma & Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015, arXiv:1412.6980.
  Loshchilov & Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019, arXiv:1711.05101.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh

from ibcomplexity._limits import check_memory
from ibcomplexity._validation import InputError, check_finite_array, check_int, check_positive
from ibcomplexity.hypotheses.networks import Architecture, parse_arch
from ibcomplexity.sampling.core import map_hypotheses
from ibcomplexity.sampling.mesh import local_mesh

__all__ = [
    "DEFAULT_FIT_THRESHOLD",
    "LOSSES",
    "OPTIMIZERS",
    "PRECISIONS",
    "TrainConfig",
    "TrainedHypotheses",
    "default_chunk",
    "network_key",
    "predict",
    "train_hypotheses",
    "train_network",
]

OPTIMIZERS = ("adam", "adamw", "sgd")
LOSSES = ("mse", "cross_entropy")
#: float32 matmul precision of training (``jax.default_matmul_precision``): ``default`` is the
#: platform's fast mode (full float32 on CPU; TF32 on recent NVIDIA GPUs; bfloat16 passes on
#: TPUs), ``high`` (3 bfloat16 passes on TPUs, TF32 elsewhere), ``highest`` full float32
#: everywhere: the setting for networks that agree across platforms to float rounding.
PRECISIONS = ("default", "high", "highest")
DEFAULT_FIT_THRESHOLD = 0.01
# Rows per evaluation step: bounds the (chunk, rows, width) activations of the final evaluation.
EVAL_ROWS = 1024
# Networks per chunk: at most this many, and their estimated memory under CHUNK_BYTES.
MAX_CHUNK = 256
CHUNK_BYTES = 512 * 2**20
# Network indices are folded into the key as uint32.
MAX_NETWORKS = 2**32


@dataclass(frozen=True)
class TrainConfig:
    """How each network is trained (hashable: a static argument of the jitted training step).

    Attributes:
      epochs: passes over the training set (>= 1).
      batch_size: examples per step (1 .. n_train); the last batch of an epoch holds the
        remainder (masked padding, see the module docstring).
      lr: learning rate (> 0).
      optimizer: one of :data:`OPTIMIZERS`.
      weight_decay: >= 0; decoupled for ``adamw``, L2 for ``sgd``; must be 0 for ``adam``.
      loss: training objective, one of :data:`LOSSES`.
      precision: float32 matmul precision, one of :data:`PRECISIONS`.
    """

    epochs: int
    batch_size: int
    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    loss: str = "mse"
    precision: str = "default"

    def __post_init__(self) -> None:
        object.__setattr__(self, "epochs", check_int("epochs", self.epochs, minimum=1))
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size))
        object.__setattr__(self, "lr", check_positive("lr", self.lr))
        wd = check_positive("weight_decay", self.weight_decay, allow_zero=True)
        object.__setattr__(self, "weight_decay", wd)
        if self.optimizer not in OPTIMIZERS:
            raise InputError(
                f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}"
            )
        if self.loss not in LOSSES:
            raise InputError(f"unknown loss {self.loss!r}; valid: {', '.join(LOSSES)}")
        if self.precision not in PRECISIONS:
            raise InputError(
                f"unknown precision {self.precision!r}; valid: {', '.join(PRECISIONS)}"
            )
        if self.optimizer == "adam" and wd > 0:
            raise InputError(
                f"weight_decay={self.weight_decay} needs optimizer='adamw' (decoupled weight "
                "decay) or 'sgd'; plain 'adam' has none"
            )

    def transform(self) -> optax.GradientTransformation:
        """The Optax optimiser."""
        if self.optimizer == "adam":
            return optax.adam(self.lr)
        if self.optimizer == "adamw":
            return optax.adamw(self.lr, weight_decay=self.weight_decay)
        return optax.chain(optax.add_decayed_weights(self.weight_decay), optax.sgd(self.lr))


@dataclass(frozen=True, eq=False)
class TrainedHypotheses:
    """Per-network results of :func:`train_hypotheses` (numpy arrays over networks).

    Attributes:
      train_mse: ``(num,)`` per-entry MSE of the hypothesis on the training set after training.
      test_mse: ``(num,)`` per-entry test MSE (the loss sample used by the estimate).
      train_accuracy: ``(num,)`` fraction of training examples whose argmax output is the argmax
        of the target.
      test_accuracy: ``(num,)`` the same on the test set.
      fits: ``(num,)`` bool, ``train_mse < fit_threshold``.
      epoch_loss: ``(num, epochs)`` the training objective averaged over each epoch's examples,
        as seen during the epoch (each batch's loss at the parameters before its step).
      arch: canonical architecture spec.
      config: the :class:`TrainConfig`.
      fit_threshold: the train-MSE threshold of ``fits``.
      key_data: the job key's raw data (``jax.random.key_data``), which rebuilds the key.
      task_name, task_seed: provenance of the task.
      n_train, n_test, classes: n, m, k.
    """

    train_mse: np.ndarray
    test_mse: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    fits: np.ndarray
    epoch_loss: np.ndarray
    arch: str
    config: TrainConfig
    fit_threshold: float
    key_data: tuple[int, ...]
    task_name: str
    task_seed: int
    n_train: int
    n_test: int
    classes: int

    @property
    def num(self) -> int:
        """Number of networks trained."""
        return int(self.test_mse.shape[0])

    @property
    def num_fit(self) -> int:
        """How many networks fit the training data."""
        return int(np.count_nonzero(self.fits))

    @property
    def fit_fraction(self) -> float:
        """Fraction of networks that fit the training data."""
        return self.num_fit / self.num

    @property
    def test_mse_fit(self) -> np.ndarray:
        """Test MSEs of the networks that fit the training data (the hypothesis-space sample)."""
        return self.test_mse[self.fits]

    @property
    def steps_per_epoch(self) -> int:
        r""":math:`\lceil n / B \rceil`."""
        return -(-self.n_train // self.config.batch_size)


jax.tree_util.register_dataclass(
    TrainedHypotheses,
    data_fields=[
        "train_mse",
        "test_mse",
        "train_accuracy",
        "test_accuracy",
        "fits",
        "epoch_loss",
    ],
    meta_fields=[
        "arch",
        "config",
        "fit_threshold",
        "key_data",
        "task_name",
        "task_seed",
        "n_train",
        "n_test",
        "classes",
    ],
)


# --- one network ----------------------------------------------------------------------------


def network_key(key: jax.Array, index) -> jax.Array:
    """The key of network ``index`` of the job with ``key``: ``fold_in(key, index)``.

    :func:`train_network` splits it into the init and data-order keys.
    """
    return jax.random.fold_in(key, index)


def _hypothesis(out: jax.Array, loss: str) -> jax.Array:
    """The hypothesis's prediction from the network output (softmax for cross-entropy)."""
    return jax.nn.softmax(out, axis=-1) if loss == "cross_entropy" else out


def predict(arch: Architecture, variables, x, *, loss: str = "mse") -> jax.Array:
    """Predictions ``(n, k)`` of a trained network's hypothesis on inputs ``x`` (``(n, d)``).

    The network's outputs for ``loss="mse"``, their softmax for ``loss="cross_entropy"``.
    """
    return _hypothesis(arch.apply(variables, x), loss)


def _objective(params, fixed, arch, x, y, w, loss):
    """Training objective of one (padded) batch: weighted mean over examples with weight > 0."""
    out = arch.apply({"params": params, **fixed}, x)
    if loss == "mse":
        per_example = jnp.mean((out - y) ** 2, axis=-1)
    else:
        per_example = optax.softmax_cross_entropy(out, y)
    return jnp.sum(w * per_example) / jnp.sum(w)


def train_network(
    key: jax.Array, arch: Architecture, x_train, y_train, config: TrainConfig
) -> tuple[dict, jax.Array]:
    """Initialise and train one network (pure; jit/vmap it).

    Args:
      key: the network's own key (``fold_in(job_key, i)``); split into the init and data keys.
      arch: the architecture.
      x_train, y_train: ``(n, d)`` inputs and ``(n, k)`` targets.
      config: the :class:`TrainConfig`.

    Returns:
      ``(variables, epoch_loss)``: the trained flax variables and the ``(epochs,)`` objective
      averaged over each epoch's examples.
    """
    init_key, data_key = jax.random.split(key)
    variables = arch.init(init_key)
    params = variables["params"]
    fixed = {c: v for c, v in variables.items() if c != "params"}
    tx = config.transform()
    n = x_train.shape[0]
    b = config.batch_size
    steps = -(-n // b)
    pad = steps * b - n
    weights = (jnp.arange(steps * b) < n).astype(x_train.dtype).reshape(steps, b)
    grad_fn = jax.value_and_grad(_objective)

    def step(carry, batch):
        params, opt_state = carry
        idx, w = batch
        value, grads = grad_fn(params, fixed, arch, x_train[idx], y_train[idx], w, config.loss)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), value * jnp.sum(w)

    def epoch(carry, e):
        perm = jax.random.permutation(jax.random.fold_in(data_key, e), n)
        idx = jnp.concatenate([perm, jnp.zeros(pad, perm.dtype)]).reshape(steps, b)
        carry, sums = jax.lax.scan(step, carry, (idx, weights))
        return carry, jnp.sum(sums) / n

    (params, _), epoch_loss = jax.lax.scan(
        epoch, (params, tx.init(params)), jnp.arange(config.epochs, dtype=jnp.uint32)
    )
    return {"params": params, **fixed}, epoch_loss


def _blocks(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x, y`` padded to whole blocks of at most :data:`EVAL_ROWS` rows, with row weights."""
    n = x.shape[0]
    rows = min(n, EVAL_ROWS)
    nb = -(-n // rows)
    pad = nb * rows - n
    xb = np.concatenate([x, np.zeros((pad, x.shape[1]), x.dtype)]).reshape(nb, rows, -1)
    yb = np.concatenate([y, np.zeros((pad, y.shape[1]), y.dtype)]).reshape(nb, rows, -1)
    w = (np.arange(nb * rows) < n).astype(np.float32).reshape(nb, rows)
    return xb, yb, w


def _evaluate(arch, variables, blocks, loss):
    """Per-entry MSE and argmax accuracy of one network over padded blocks."""
    xb, yb, wb = blocks

    def one(acc, block):
        x, y, w = block
        f = predict(arch, variables, x, loss=loss)
        sq = jnp.sum(w * jnp.sum((f - y) ** 2, axis=-1))
        hits = jnp.sum(w * (jnp.argmax(f, axis=-1) == jnp.argmax(y, axis=-1)))
        return (acc[0] + sq, acc[1] + hits), None

    zero = jnp.zeros((), jnp.float32)
    if xb.shape[0] == 1:
        # One block (small sets): no loop, which also compiles faster.
        (sq, hits), _ = one((zero, zero), (xb[0], yb[0], wb[0]))
    else:
        (sq, hits), _ = jax.lax.scan(one, (zero, zero), (xb, yb, wb))
    n = jnp.sum(wb)
    return sq / (n * yb.shape[-1]), hits / n


@dataclass(frozen=True)
class _TrainAndEvaluate:
    """The one-network function of the sampling core: train network ``key``, then evaluate it.

    A frozen dataclass (hashable by value), so that every call with the same architecture and
    config reuses the compiled chunk.
    """

    arch: Architecture
    config: TrainConfig

    def __call__(self, key, train_blocks, test_blocks, x_train, y_train):
        variables, epoch_loss = train_network(key, self.arch, x_train, y_train, self.config)
        train_mse, train_acc = _evaluate(self.arch, variables, train_blocks, self.config.loss)
        test_mse, test_acc = _evaluate(self.arch, variables, test_blocks, self.config.loss)
        return train_mse, test_mse, train_acc, test_acc, epoch_loss


# --- validation and the public entry point ---------------------------------------------------


def _check_key(key) -> tuple[int, ...]:
    """Validate a PRNG key (typed, or a raw ``uint32[2]``) and return its raw data."""
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise InputError(f"key must be a single PRNG key, got an array of shape {key.shape}")
        return tuple(int(v) for v in np.asarray(jax.random.key_data(key)).ravel())
    if isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,):
        return tuple(int(v) for v in np.asarray(key))
    raise InputError(
        f"key must be a JAX PRNG key such as jax.random.key(0), got {type(key).__name__}"
        + (f" of dtype {key.dtype}, shape {key.shape}" if hasattr(key, "dtype") else "")
    )


def _task_arrays(task, arch: Architecture):
    """Validated float32 ``x_train, y_train, x_test, y_test`` of a regression task."""
    names = ("x_train", "y_train", "x_test", "y_test")
    missing = [a for a in names if getattr(task, a, None) is None]
    if missing:
        raise InputError(
            f"task must be a RegressionTask (see make_regression_task); {type(task).__name__} "
            f"has no {', '.join(missing)}"
        )
    arrays = [check_finite_array(a, getattr(task, a)) for a in names]
    for a, arr in zip(names, arrays, strict=True):
        if arr.ndim != 2:
            raise InputError(f"task.{a} must be a 2-D array (examples, values), got {arr.shape}")
        if arr.shape[0] < 1:
            raise InputError(
                f"task.{a} is empty: training needs at least 1 example, got {arr.shape}"
            )
    xtr, ytr, xte, yte = (a.astype(np.float32) for a in arrays)
    if ytr.shape[0] != xtr.shape[0] or yte.shape[0] != xte.shape[0]:
        raise InputError(
            f"inputs and targets must have one row per example: x_train {xtr.shape} vs y_train "
            f"{ytr.shape}, x_test {xte.shape} vs y_test {yte.shape}"
        )
    if xtr.shape[1] != arch.input_dim or xte.shape[1] != arch.input_dim:
        shape = "x".join(map(str, arch.input_shape))
        raise InputError(
            f"architecture {arch.spec!r} expects inputs of {arch.input_dim} values (input shape "
            f"{shape}), but the task has x_train {xtr.shape} and x_test {xte.shape}"
        )
    if ytr.shape[1] != arch.outputs or yte.shape[1] != arch.outputs:
        raise InputError(
            f"architecture {arch.spec!r} has {arch.outputs} outputs, but the task's targets have "
            f"shapes y_train {ytr.shape} and y_test {yte.shape}"
        )
    return xtr, ytr, xte, yte


def default_chunk(arch: Architecture, config: TrainConfig, num: int, *, devices: int = 1) -> int:
    """Networks per chunk: at most ``num`` and :data:`MAX_CHUNK` per device, with an estimated
    memory per device (weights, gradients and two Adam moments, plus a batch's and an evaluation
    block's activations, forward and backward) under a budget: :data:`CHUNK_BYTES` where the
    device reports no memory (CPU), else a quarter of the device's free memory (at least
    :data:`CHUNK_BYTES`): a GPU trains wide networks 256 at a time, not about 20 (on an H200:
    561 vs 390 networks/s for ``mlp:width=512,depth=2`` on MNIST). The sampling core rounds the
    chunk up to a multiple of ``devices``; the chunk never changes the networks."""
    from ibcomplexity.sampling.mesh import free_memory

    per_net = _network_bytes(arch, config)
    free = free_memory()
    budget = CHUNK_BYTES if free is None else max(CHUNK_BYTES, free // 4)
    return int(max(1, min(num, MAX_CHUNK * devices, (budget // per_net) * devices)))


def _network_bytes(arch: Architecture, config: TrainConfig) -> int:
    """Estimated float32 bytes to train one network: weights, gradients and two Adam moments
    (six copies of the parameters, with slack), plus a batch's and an evaluation block's
    activations, forward and backward."""
    return 4 * (
        6 * arch.num_parameters
        + (3 * config.batch_size + EVAL_ROWS) * (arch.activations_per_example + arch.input_dim)
    )


def train_hypotheses(
    key: jax.Array,
    arch: Architecture | str,
    task,
    *,
    num: int,
    start: int = 0,
    epochs: int,
    batch_size: int,
    lr: float = 1e-3,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    loss: str = "mse",
    chunk: int | None = None,
    fit_threshold: float = DEFAULT_FIT_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
    mesh: Mesh | None = None,
    precision: str = "default",
) -> TrainedHypotheses:
    r"""Train ``num`` networks, each from its own keys, and record their losses.

    Network :math:`i` is initialised and shuffled with keys split from ``fold_in(key, i)``,
    trained for ``epochs`` epochs, then evaluated: per-entry train and test MSE (see the module
    docstring), argmax accuracies, and ``fits = train_mse < fit_threshold``. The networks are
    trained by :func:`~ibcomplexity.sampling.map_hypotheses` (chunks sharded over the devices
    of ``mesh``); results are identical (to float rounding) for every ``chunk`` and device count.

    Args:
      key: a JAX PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
      arch: an :class:`~ibcomplexity.hypotheses.networks.Architecture`, or a spec string for a
        flat-input architecture (parsed with the task's input size and classes; image models need
        ``image=HxWxC`` in the spec).
      task: a :class:`~ibcomplexity.tasks.regression.RegressionTask` (anything with ``x_train``,
        ``y_train``, ``x_test``, ``y_test``).
      num: number of networks (1 .. 2^32).
      start: global index of the first network (default 0): the call trains networks
        ``start .. start + num - 1`` of the job with ``key``, exactly the slice
        ``[start:start + num]`` of a bigger run (``start + num <= 2^32``).
      epochs: passes over the training set.
      batch_size: examples per step (<= n_train; the remainder forms a smaller last batch).
      lr: learning rate (default 1e-3, the authors' Adam setting).
      optimizer: ``"adam"`` (default), ``"adamw"`` or ``"sgd"``.
      weight_decay: decoupled weight decay for ``"adamw"``, L2 for ``"sgd"`` (default 0).
      loss: training objective, ``"mse"`` (default) or ``"cross_entropy"``.
      chunk: networks trained together per jitted call (default :func:`default_chunk`); at most
        ``num``, then rounded up to a multiple of the mesh's device count.
      fit_threshold: train-MSE threshold below which a network fits (default 0.01).
      progress: optional ``progress(done, total)`` called after each chunk.
      mesh: devices to shard the networks over (default
        :func:`~ibcomplexity.sampling.local_mesh`: all local devices).
      precision: float32 matmul precision of training and evaluation, one of
        :data:`PRECISIONS` (default ``"default"``, the platform's fast mode; ``"highest"`` for
        networks that agree across CPU, GPU and TPU to float rounding).

    Returns:
      The :class:`TrainedHypotheses`.

    Raises:
      InputError: for a bad key, architecture, task, size or option.

    Example:
      >>> from ibcomplexity.tasks.datasets import load_digits
      >>> from ibcomplexity.tasks.regression import make_regression_task
      >>> task = make_regression_task(load_digits(), n_train=100, n_test=50)
      >>> res = train_hypotheses(jax.random.key(0), "mlp:width=64", task, num=8,
      ...                        epochs=20, batch_size=20)  # doctest: +SKIP
      >>> res.test_mse.shape, res.fits.dtype  # doctest: +SKIP
      ((8,), dtype('bool'))
    """
    key_data = _check_key(key)
    if isinstance(arch, str):
        xtr = getattr(task, "x_train", None)
        ytr = getattr(task, "y_train", None)
        if xtr is None or ytr is None or np.ndim(xtr) != 2 or np.ndim(ytr) != 2:
            raise InputError(
                "task must be a RegressionTask with 2-D x_train and y_train (see "
                f"make_regression_task); got {type(task).__name__}"
            )
        arch = parse_arch(arch, input_shape=(np.shape(xtr)[1],), outputs=np.shape(ytr)[1])
    elif not isinstance(arch, Architecture):
        raise InputError(
            f"arch must be an Architecture (see parse_arch) or a spec string, got "
            f"{type(arch).__name__}"
        )
    xtr, ytr, xte, yte = _task_arrays(task, arch)
    num = check_int("num", num, minimum=1)
    if num > MAX_NETWORKS:
        raise InputError(f"num must be <= 2^32 = {MAX_NETWORKS}, got {num}")
    start = check_int("start", start, minimum=0)
    if start + num > MAX_NETWORKS:
        raise InputError(
            f"start + num must be <= 2^32 = {MAX_NETWORKS} (network indices are uint32), got "
            f"start={start}, num={num}"
        )
    config = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        weight_decay=weight_decay,
        loss=loss,
        precision=precision,
    )
    if config.batch_size > xtr.shape[0]:
        raise InputError(
            f"batch_size={config.batch_size} exceeds the {xtr.shape[0]} training examples; use "
            f"batch_size <= {xtr.shape[0]} (batch_size={xtr.shape[0]} for full-batch training)"
        )
    fit_threshold = check_positive("fit_threshold", fit_threshold)
    check_memory(
        _network_bytes(arch, config),
        f"training one network of {arch.spec!r} ({arch.num_parameters:,} parameters, batch size "
        f"{config.batch_size})",
        hint="use a smaller architecture or batch size",
    )
    mesh = local_mesh() if mesh is None else mesh
    if not isinstance(mesh, Mesh):
        raise InputError(f"mesh must be a jax.sharding.Mesh (see local_mesh), got {mesh!r}")
    if chunk is None:
        chunk = default_chunk(arch, config, num, devices=int(mesh.size))
    else:
        chunk = check_int("chunk", chunk)
    chunk = min(chunk, num)
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be a callable progress(done, total), got {progress!r}")

    # the precision applies when the chunk is lowered (it is part of jit's cache key)
    scope = (
        contextlib.nullcontext()
        if config.precision == "default"
        else jax.default_matmul_precision(config.precision)
    )
    with scope:
        outs = map_hypotheses(
            _TrainAndEvaluate(arch, config),
            key,
            start,
            start + num,
            args=(_blocks(xtr, ytr), _blocks(xte, yte), xtr, ytr),
            mesh=mesh,
            chunk=chunk,
            progress=progress,
        )
    train_mse, test_mse, train_acc, test_acc, epoch_loss = outs
    return TrainedHypotheses(
        train_mse=train_mse,
        test_mse=test_mse,
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        fits=train_mse < fit_threshold,
        epoch_loss=epoch_loss,
        arch=arch.spec,
        config=config,
        fit_threshold=fit_threshold,
        key_data=key_data,
        task_name=str(getattr(task, "name", "")),
        task_seed=int(getattr(task, "seed", 0)),
        n_train=int(xtr.shape[0]),
        n_test=int(xte.shape[0]),
        classes=int(ytr.shape[1]),
    )
