r"""Neural-network architectures for trained-network hypothesis spaces, configured by short specs.

A hypothesis of a network space is :math:`f_\theta : \mathbb{R}^d \to \mathbb{R}^k`, a network
with parameters :math:`\theta` obtained by training from a random initialisation (see
:mod:`ibcomplexity.hypotheses.training`). Every module here maps a batch of *flattened* inputs
``(batch, d)`` to ``(batch, k)`` outputs; image models reshape to the image shape
``(H, W, C)`` themselves, so all architectures share one data layout.

Specs (:func:`parse_arch`, :func:`arch_specs_help`), ``name[:key=value,...]``:

* ``mlp:width=512,depth=2,act=relu,init=lecun`` -- ``depth`` hidden layers of ``width`` units;
  ``init=torch`` uses PyTorch's default initialisation (below) instead of flax's LeCun-normal
  weights and zero biases.
* ``reference:width=512,depth=1`` -- the authors' network (Boopathy et al., IJCAI 2024):
  ``Linear(d,w) -> ReLU -> [Linear(w,w) -> ReLU] x depth -> Linear(w,k)``, i.e. ``depth + 1``
  hidden layers, with PyTorch's default ``nn.Linear`` initialisation. PyTorch draws weights from
  ``kaiming_uniform_(a=sqrt(5))``, whose bound is
  :math:`\mathrm{gain}\sqrt{3/\mathrm{fan\_in}}` with :math:`\mathrm{gain}=\sqrt{2/(1+a^2)}
  =\sqrt{1/3}`, and biases from the same interval:

  .. math:: W_{ij},\ b_j \sim U\left(-1/\sqrt{\mathrm{fan\_in}},\ 1/\sqrt{\mathrm{fan\_in}}\right).

  The authors train it with Adam (lr 1e-3) on the MSE against one-hot targets, the defaults of
  :func:`~ibcomplexity.hypotheses.training.train_hypotheses`. The defaults width 512, depth 1
  are ours: the released code has none.
* ``cnn:channels=32-64,kernel=5,dense=128,act=relu`` -- LeNet-style: per entry of ``channels``
  a ``kernel x kernel`` convolution (SAME padding), the activation and a 2x2 max-pool (SAME
  padding, so odd sizes round up and no size reaches 0), then a dense hidden layer of ``dense``
  units and the linear readout.
* ``mixer:patch=4,dim=64,depth=2,act=gelu`` -- MLP-Mixer: non-overlapping ``patch x patch``
  patches embedded to ``dim`` channels, ``depth`` blocks of token mixing (hidden width
  ``max(1, dim // 2)``) and channel mixing (hidden ``4 dim``), each pre-LayerNorm with a residual
  connection, then LayerNorm, mean over tokens and the linear readout (the width ratios of
  Tolstikhin et al.'s Mixer-B).
* ``rf:width=1024,act=relu`` -- random features: :math:`f(x) = V\,\sigma(Wx) + c`, where
  :math:`W_{ij} \sim N(0, 2/d)` (the He/NNGP scaling of ``nngp`` with
  :math:`\sigma_w^2 = 2`, no bias) is drawn at initialisation and never trained (it lives in the
  ``"fixed"`` variable collection); only the readout :math:`V, c` is in ``"params"``.
* ``linear`` -- :math:`f(x) = Vx + c`.

Sizes are bounded before any module is built: a depth (``mlp``, ``reference``, ``mixer``) is at
most :data:`MAX_DEPTH`, a ``cnn`` has at most :data:`MAX_DEPTH` convolution stages, every size is
at most :data:`MAX_SIZE`, and the weights of one network (4 bytes per parameter, counted in closed
form) must fit the memory limit (:func:`~ibcomplexity._limits.check_memory`), so
``mlp:width=10000000000`` is one clear error, not an allocation failure.

Image models (``cnn``, ``mixer``) need the image shape: either ``parse_arch`` gets
``input_shape=(H, W, C)`` (or ``(H, W)``, meaning one channel), or the spec says
``image=HxWxC`` (e.g. ``image=28x28x1`` for MNIST, ``8x8x1`` for the digits, ``32x32x3`` for
CIFAR-10), which must then agree with ``input_shape``.

Trainable parameters are the ``"params"`` collection of the flax variables; any other
collection (``"fixed"``) is carried along unchanged by training.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  LeCun et al., *Gradient-based learning applied to document recognition*, Proc. IEEE 1998.
  Tolstikhin et al., *MLP-Mixer: An all-MLP Architecture for Vision*, NeurIPS 2021,
  arXiv:2105.01601.
  Rahimi & Recht, *Random Features for Large-Scale Kernel Machines*, NeurIPS 2007.
  He et al., *Delving Deep into Rectifiers*, ICCV 2015 (PyTorch's ``kaiming_uniform_``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from ibcomplexity._options import parse_options
from ibcomplexity._specs_help import ARCH_SPECS
from ibcomplexity._validation import InputError

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "CNN",
    "MLP",
    "Architecture",
    "Linear",
    "Mixer",
    "RandomFeatures",
    "arch_specs_help",
    "parse_arch",
    "torch_bias_init",
    "torch_kernel_init",
]

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": nn.relu,
    "gelu": nn.gelu,
    "tanh": jnp.tanh,
    "sigmoid": nn.sigmoid,
    "silu": nn.silu,
    "elu": nn.elu,
    "softplus": nn.softplus,
}
INITS = ("lecun", "torch")


# --- initialisers ---------------------------------------------------------------------------


def torch_kernel_init() -> jax.nn.initializers.Initializer:
    r"""PyTorch's default ``nn.Linear`` weight init, :math:`U(\pm 1/\sqrt{\mathrm{fan\_in}})`.

    ``kaiming_uniform_(a=sqrt(5))`` has bound :math:`\sqrt{2/(1+a^2)}\sqrt{3/\mathrm{fan\_in}} =
    1/\sqrt{\mathrm{fan\_in}}`, which is ``variance_scaling(1/3, "fan_in", "uniform")`` (bound
    :math:`\sqrt{3 \cdot \mathrm{scale}/\mathrm{fan\_in}}`).
    """
    return nn.initializers.variance_scaling(1.0 / 3.0, "fan_in", "uniform")


def torch_bias_init(fan_in: int) -> jax.nn.initializers.Initializer:
    r"""PyTorch's default ``nn.Linear`` bias init, :math:`U(\pm 1/\sqrt{\mathrm{fan\_in}})`."""
    bound = 1.0 / math.sqrt(fan_in)

    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -bound, bound)

    return init


def _dense(features: int, fan_in: int, init: str) -> nn.Dense:
    if init == "torch":
        return nn.Dense(
            features, kernel_init=torch_kernel_init(), bias_init=torch_bias_init(fan_in)
        )
    return nn.Dense(features)


def _to_image(x: jax.Array, image_shape: tuple[int, int, int]) -> jax.Array:
    """``(batch, H*W*C)`` flattened inputs (row-major, channels last) to ``(batch, H, W, C)``."""
    return x.reshape((x.shape[0], *image_shape))


# --- modules --------------------------------------------------------------------------------


class MLP(nn.Module):
    """``hidden`` dense layers of ``width`` units with activation ``act``, then a linear readout."""

    width: int
    hidden: int
    outputs: int
    act: str = "relu"
    # not ``init``: that name is flax's Module.init
    init_scheme: str = "lecun"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.act]
        for _ in range(self.hidden):
            x = act(_dense(self.width, x.shape[-1], self.init_scheme)(x))
        return _dense(self.outputs, x.shape[-1], self.init_scheme)(x)


class CNN(nn.Module):
    """LeNet-style: [conv -> act -> 2x2 max-pool] per channel count, dense -> act, readout."""

    image_shape: tuple[int, int, int]
    channels: tuple[int, ...]
    kernel: int
    dense: int
    outputs: int
    act: str = "relu"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.act]
        x = _to_image(x, self.image_shape)
        for c in self.channels:
            x = act(nn.Conv(c, (self.kernel, self.kernel), padding="SAME")(x))
            x = nn.max_pool(x, (2, 2), strides=(2, 2), padding="SAME")
        x = x.reshape((x.shape[0], -1))
        x = act(nn.Dense(self.dense)(x))
        return nn.Dense(self.outputs)(x)


class _MixerMLP(nn.Module):
    hidden: int
    act: str

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        y = ACTIVATIONS[self.act](nn.Dense(self.hidden)(x))
        return nn.Dense(x.shape[-1])(y)


class Mixer(nn.Module):
    """MLP-Mixer: patch embedding, ``depth`` token/channel mixing blocks, mean pool, readout."""

    image_shape: tuple[int, int, int]
    patch: int
    dim: int
    depth: int
    outputs: int
    act: str = "gelu"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        p = self.patch
        x = _to_image(x, self.image_shape)
        x = nn.Conv(self.dim, (p, p), strides=(p, p), padding="VALID")(x)
        x = x.reshape((x.shape[0], -1, self.dim))  # (batch, tokens, dim)
        for _ in range(self.depth):
            y = jnp.swapaxes(nn.LayerNorm()(x), 1, 2)
            x = x + jnp.swapaxes(_MixerMLP(max(1, self.dim // 2), self.act)(y), 1, 2)
            x = x + _MixerMLP(4 * self.dim, self.act)(nn.LayerNorm()(x))
        x = jnp.mean(nn.LayerNorm()(x), axis=1)
        return nn.Dense(self.outputs)(x)


class RandomFeatures(nn.Module):
    r"""Random features :math:`V\sigma(Wx) + c`; :math:`W \sim N(0, 2/d)` is fixed (collection
    ``"fixed"``), only the readout is trainable."""

    width: int
    outputs: int
    act: str = "relu"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        d = x.shape[-1]
        w = self.variable(
            "fixed",
            "kernel",
            lambda: jax.random.normal(self.make_rng("params"), (d, self.width)) * math.sqrt(2 / d),
        )
        feats = ACTIVATIONS[self.act](jnp.dot(x, w.value))
        return nn.Dense(self.outputs)(feats)


class Linear(nn.Module):
    """A linear model :math:`Vx + c`."""

    outputs: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        return nn.Dense(self.outputs)(x)


# --- the architecture config ----------------------------------------------------------------


class _ById:
    """Compares by identity: a hand-built module is equal only to itself (hashable even when
    its fields are not)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ById) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


@dataclass(frozen=True)
class Architecture:
    """A parsed architecture: the flax module plus the config it came from.

    Equality and hashing use ``spec``, ``input_shape``, ``outputs`` and ``identity`` only (a spec
    determines its module; a hand-built one, :meth:`from_module`, is equal only to itself), so an
    ``Architecture`` can be a static argument of ``jax.jit``.

    Attributes:
      name: the architecture family (``"mlp"``, ``"cnn"``, ...; see :data:`ARCHITECTURES`).
      spec: the canonical spec, listing every parameter including defaults; parsing it again
        gives an equal ``Architecture``.
      input_shape: ``(d,)`` for flat inputs or the image shape ``(H, W, C)``; the module takes
        ``(batch, prod(input_shape))`` inputs either way.
      outputs: k, the number of outputs.
      params: read-only mapping of the architecture's hyper-parameters (not its weights).
      module: the ``flax.linen`` module.
    """

    name: str
    spec: str
    input_shape: tuple[int, ...]
    outputs: int
    params: Mapping[str, object] = field(compare=False)
    module: nn.Module = field(compare=False, repr=False)
    #: ``None`` when ``spec`` determines the module; the module itself for one built by hand
    #: (:meth:`from_module`), so that two hand-built networks never share a compiled program.
    identity: object = field(default=None, repr=False)

    @classmethod
    def from_module(
        cls, module: nn.Module, *, input_shape, outputs: int, name: str | None = None
    ) -> Architecture:
        """Your own ``flax.linen`` module as an architecture (the Python route).

        The module must map a batch of *flattened* inputs ``(batch, prod(input_shape))`` to
        ``(batch, outputs)`` float outputs with ``module.apply(variables, x)`` (no mutable
        collections such as batch statistics, no dropout RNGs: a hypothesis is a fixed function of
        its weights); trainable weights live in the ``"params"`` collection, any other collection
        is carried along unchanged. It is initialised and applied once on abstract inputs
        (``jax.eval_shape``: nothing is computed) to check this, and its weights are counted for
        the memory limit.

        Args:
          module: a ``flax.linen.Module`` instance, e.g. ``MyConvNet(outputs=10)``.
          input_shape: ``(d,)`` or the image shape ``(H, W, C)`` of the task's inputs (the
            module still receives them flattened; reshape inside it).
          outputs: k, the number of classes.
          name: the label results show (default ``module:<its class's dotted name>``).

        Raises:
          InputError: not a linen module, initialisation or application failing on inputs of
            the task's shape, outputs of another shape than ``(batch, outputs)``, no trainable
            parameters, or weights beyond the memory limit; one line naming the problem.

        Example:
          >>> arch = Architecture.from_module(nn.Dense(10), input_shape=(64,), outputs=10)
          >>> arch.spec, arch.num_parameters
          ('module:flax.linen.linear.Dense', 650)
        """
        shape = _check_input_shape(input_shape)
        _check_outputs(outputs)
        cls_name = f"{type(module).__module__}.{type(module).__qualname__}"
        label = name if name is not None else f"module:{cls_name}"
        if not isinstance(label, str) or not label.strip():
            raise InputError(f"name must be a non-empty string, got {name!r}")
        checked = _check_user_module(module, label, shape, outputs, source="the module")
        return cls(
            name="module",
            spec=label,
            input_shape=shape,
            outputs=outputs,
            params=MappingProxyType({"class": cls_name, **checked}),
            module=module,
            identity=_ById(module),
        )

    @property
    def input_dim(self) -> int:
        """d, the flattened input size the module expects."""
        return math.prod(self.input_shape)

    def init(self, key: jax.Array) -> dict:
        """Fresh flax variables ``{"params": ..., ["fixed": ...]}`` drawn with ``key``."""
        return self.module.init(key, jnp.zeros((1, self.input_dim), jnp.float32))

    def apply(self, variables: Mapping, x: ArrayLike) -> jax.Array:
        """Outputs ``(batch, outputs)`` of the network with ``variables`` on ``(batch, d)`` x."""
        return self.module.apply(variables, x)

    def _shapes(self):
        return jax.eval_shape(self.init, jax.random.key(0))

    @property
    def num_parameters(self) -> int:
        """Number of trainable parameters (the ``"params"`` collection)."""
        leaves = jax.tree.leaves(self._shapes()["params"])
        return int(sum(math.prod(a.shape) for a in leaves))

    @property
    def activations_per_example(self) -> int:
        """Number of values the submodules output per example (a memory estimate for chunking)."""
        x = jax.ShapeDtypeStruct((1, self.input_dim), jnp.float32)

        def run(v, x):
            return self.module.apply(v, x, capture_intermediates=True, mutable=["intermediates"])

        _, state = jax.eval_shape(run, self._shapes(), x)
        return int(sum(math.prod(a.shape) for a in jax.tree.leaves(state)))


# --- spec parsing ---------------------------------------------------------------------------

# Per architecture: parameter -> default (None: no default). Order = canonical spec order.
_PARAMS: dict[str, dict[str, object]] = {
    "mlp": {"width": 512, "depth": 2, "act": "relu", "init": "lecun"},
    "reference": {"width": 512, "depth": 1},
    "cnn": {"channels": (32, 64), "kernel": 5, "dense": 128, "act": "relu", "image": None},
    "mixer": {"patch": 4, "dim": 64, "depth": 2, "act": "gelu", "image": None},
    "rf": {"width": 1024, "act": "relu"},
    "linear": {},
}
ARCHITECTURES: tuple[str, ...] = tuple(_PARAMS)
_IMAGE_ARCHS = ("cnn", "mixer")
#: Longest architecture spec: a name and a few parameters (a longer one is refused, not echoed).
MAX_SPEC_CHARS = 500
#: Most hidden layers (``depth``) or convolution stages (entries of ``channels``) of a network.
MAX_DEPTH = 1000
#: Largest width, channel count, kernel or patch size (XLA array dimensions are int32-safe here).
MAX_SIZE = 2**31 - 1

_SPECS_HELP = ARCH_SPECS


def arch_specs_help() -> str:
    """A short description of the specs :func:`parse_arch` accepts (for the CLI)."""
    return _SPECS_HELP


def _parse_positive_int(
    value: str, what: str, *, minimum: int = 1, maximum: int = MAX_SIZE, why: str = ""
) -> int:
    # Plain decimal integers only (Python's int() would also take "+5", "5_0", " 5"); at most
    # 40 digits, so a hostile spec never builds (or prints) a huge integer.
    v = int(value) if re.fullmatch(r"-?[0-9]{1,40}", value) else None
    if v is None and re.fullmatch(r"[0-9]+", value):
        raise InputError(f"{what} must be a size of at most 40 digits, got {len(value)} digits")
    if v is None or v < minimum:
        bound = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise InputError(f"{what} must be {bound}, got {value!r}")
    if v > maximum:
        raise InputError(f"{what} must be at most {maximum:,}{why}, got {v:,}")
    return v


def _parameter_count(name: str, p: Mapping[str, object], input_shape, outputs: int) -> int:
    """Parameters of one network (trainable and fixed), in closed form: exact Python integers,
    so a huge width is measured without building (or overflowing) anything."""
    d, k = math.prod(input_shape), outputs
    if name in ("mlp", "reference"):
        w = p["width"]
        hidden = p["depth"] + (1 if name == "reference" else 0)
        return d * w + w + (hidden - 1) * (w * w + w) + w * k + k
    if name == "rf":
        return d * p["width"] + p["width"] * k + k
    if name == "linear":
        return d * k + k
    h, w_, c = p["image"]
    if name == "cnn":
        total, ksz = 0, p["kernel"]
        for ch in p["channels"]:
            total += ksz * ksz * c * ch + ch
            h, w_, c = -(-h // 2), -(-w_ // 2), ch
        return total + h * w_ * c * p["dense"] + p["dense"] + p["dense"] * k + k
    # mixer
    dim, patch = p["dim"], p["patch"]
    tokens, half = (h // patch) * (w_ // patch), max(1, dim // 2)
    block = 4 * dim + (2 * tokens * half + half + tokens) + (8 * dim * dim + 5 * dim)
    return patch * patch * c * dim + dim + p["depth"] * block + 2 * dim + dim * k + k


def _parse_image(value: str, what: str) -> tuple[int, int, int]:
    parts = value.lower().split("x")
    if len(parts) not in (2, 3):
        raise InputError(f"{what} must look like HxWxC or HxW (e.g. 28x28x1), got {value!r}")
    dims = tuple(_parse_positive_int(p, f"{what} ({value!r})") for p in parts)
    return dims if len(dims) == 3 else (*dims, 1)


def _check_input_shape(input_shape) -> tuple[int, ...]:
    if isinstance(input_shape, bool):
        raise InputError(f"input_shape must be (d,), (H, W) or (H, W, C), got {input_shape!r}")
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or not 1 <= len(shape) <= 3
        or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape)
    ):
        raise InputError(
            f"input_shape must be (d,), (H, W) or (H, W, C) with positive integers, got "
            f"{input_shape!r}"
        )
    return shape if len(shape) != 2 else (*shape, 1)


def _resolve_image(name: str, given, input_shape: tuple[int, ...], spec: str):
    """The (H, W, C) of an image model from the spec's ``image`` and/or ``input_shape``."""
    size = math.prod(input_shape)
    if given is None:
        if len(input_shape) != 3:
            raise InputError(
                f"architecture {name!r} needs the image shape: pass input_shape=(H, W, C) or add "
                f"image=HxWxC to the spec (e.g. image=28x28x1 for MNIST, 8x8x1 for digits); got "
                f"flat input_shape {input_shape} in {spec!r}"
            )
        return input_shape
    if math.prod(given) != size or (len(input_shape) == 3 and given != input_shape):
        shown = "x".join(map(str, given))
        raise InputError(
            f"image={shown} in {spec!r} expects inputs of {math.prod(given)} = {shown} values, "
            f"but input_shape is {input_shape} ({size} values)"
        )
    return given


def parse_arch(spec: str | Architecture, *, input_shape, outputs: int) -> Architecture:
    """Parse an architecture spec (see :func:`arch_specs_help`) into an :class:`Architecture`.

    Args:
      spec: e.g. ``"mlp:width=512,depth=2,act=relu"``, ``"cnn:channels=32-64,kernel=5"``,
        ``"mixer:patch=4,dim=64,depth=2"``, ``"rf:width=1024"``, ``"linear"``,
        ``"reference:width=256,depth=1"``, ``"py:my_models:make_convnet:width=32"`` (your own
        module, from a factory); an :class:`Architecture` (its spec is re-parsed for the given
        shapes); or a ``flax.linen.Module`` instance (:meth:`Architecture.from_module`).
      input_shape: ``d`` or ``(d,)`` for flat inputs, ``(H, W)`` or ``(H, W, C)`` for images.
      outputs: k, the number of outputs (classes).

    Returns:
      The :class:`Architecture`, whose ``spec`` lists every parameter (defaults included).

    Raises:
      InputError: for an unknown architecture or parameter, a malformed or repeated parameter,
        a non-positive or non-integer size, an unknown activation or init, an image model without
        an image shape or with one that does not match the inputs, a patch size that does not
        divide the image, a depth above :data:`MAX_DEPTH` or a size above :data:`MAX_SIZE`, or
        one network's weights beyond the memory limit (the message gives the memory needed).

    Example:
      >>> parse_arch("mlp:width=64", input_shape=(64,), outputs=10).spec
      'mlp:width=64,depth=2,act=relu,init=lecun'
    """
    if isinstance(spec, Architecture):
        if spec.identity is not None:  # built by hand: there is no spec to parse again
            shape = _check_input_shape(input_shape)
            if (spec.input_shape, spec.outputs) != (shape, outputs):
                raise InputError(
                    f"architecture {spec.spec!r} was built for inputs {spec.input_shape} and "
                    f"{spec.outputs} outputs, not {shape} and {outputs}; build it again with "
                    "Architecture.from_module"
                )
            return spec
        spec = spec.spec
    if isinstance(spec, nn.Module):  # the Python route: the user's module itself
        return Architecture.from_module(spec, input_shape=input_shape, outputs=outputs)
    if not isinstance(spec, str):
        raise InputError(
            f"architecture spec must be a string like 'mlp:width=512,depth=2', got {spec!r}"
        )
    if len(spec) > MAX_SPEC_CHARS:
        raise InputError(
            f"architecture spec of {len(spec):,} characters, more than {MAX_SPEC_CHARS}: a spec is "
            "a name and a few KEY=VALUE parameters (e.g. 'cnn:channels=32-64,kernel=5')"
        )
    shape = _check_input_shape(input_shape)
    _check_outputs(outputs)
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name == "py":
        return _user_architecture(spec, shape, outputs)
    if name not in _PARAMS:
        raise InputError(
            f"unknown architecture {name!r} in spec {spec!r}; valid: {', '.join(ARCHITECTURES)}, "
            "or py:MODULE:FACTORY (your own flax module)"
        )
    allowed = _PARAMS[name]
    given = parse_options(rest, what=f"architecture spec {spec!r}", allowed=allowed, lower=True)

    p: dict[str, object] = dict(allowed)
    for key, value in given.items():
        what = f"{key} of architecture {name!r}"
        if key == "act":
            if value.lower() not in ACTIVATIONS:
                raise InputError(
                    f"unknown activation {value!r} in {spec!r}; valid: {', '.join(ACTIVATIONS)}"
                )
            p[key] = value.lower()
        elif key == "init":
            if value.lower() not in INITS:
                raise InputError(f"unknown init {value!r} in {spec!r}; valid: {', '.join(INITS)}")
            p[key] = value.lower()
        elif key == "channels":
            parts = value.split("-")
            if len(parts) > MAX_DEPTH:
                raise InputError(
                    f"{what} lists {len(parts)} convolution stages, more than {MAX_DEPTH}"
                )
            shown = value if len(value) <= 40 else value[:37] + "..."
            p[key] = tuple(
                _parse_positive_int(v, f"{what} ({shown!r})", maximum=10**40) for v in parts
            )
        elif key == "image":
            p[key] = _parse_image(value, f"{what}")
        elif key == "depth":
            minimum = 0 if name == "reference" else 1
            p[key] = _parse_positive_int(
                value, what, minimum=minimum, maximum=MAX_DEPTH, why=" (layers)"
            )
        else:  # a size: measured by the memory check below, then bounded by MAX_SIZE
            p[key] = _parse_positive_int(value, what, maximum=10**40)

    if name in _IMAGE_ARCHS:
        p["image"] = _resolve_image(name, p["image"], shape, spec)
        if name == "mixer":
            h, w, _ = p["image"]
            if h % p["patch"] or w % p["patch"]:
                raise InputError(
                    f"patch={p['patch']} must divide the image height and width, got image "
                    f"{h}x{w} in {spec!r}"
                )

    from ibcomplexity._limits import check_memory

    count = _parameter_count(name, p, shape, outputs)
    shown = f"{count:,}" if count < 10**15 else f"about 10^{math.log10(count):.1f}"
    check_memory(
        4 * count,
        f"architecture {spec.strip()!r} ({shown} parameters of 4 bytes, one network's weights)",
        hint="use a smaller width, depth or channel count",
    )
    for key, value in p.items():
        sizes = value if key == "channels" else (value,)
        if key != "image" and all(isinstance(v, int) for v in sizes) and max(sizes) > MAX_SIZE:
            raise InputError(
                f"{key} of architecture {name!r} must be at most {MAX_SIZE:,}, got {max(sizes):,}"
            )
    k = outputs
    if name == "mlp":
        module = MLP(p["width"], p["depth"], k, act=p["act"], init_scheme=p["init"])
    elif name == "reference":
        module = MLP(p["width"], p["depth"] + 1, k, act="relu", init_scheme="torch")
    elif name == "cnn":
        module = CNN(p["image"], p["channels"], p["kernel"], p["dense"], k, act=p["act"])
    elif name == "mixer":
        module = Mixer(p["image"], p["patch"], p["dim"], p["depth"], k, act=p["act"])
    elif name == "rf":
        module = RandomFeatures(p["width"], k, act=p["act"])
    else:
        module = Linear(k)

    def fmt(key, value) -> str:
        if key == "image":
            return "x".join(map(str, value))
        if key == "channels":
            return "-".join(map(str, value))
        return str(value)

    canonical = name + (":" + ",".join(f"{a}={fmt(a, b)}" for a, b in p.items()) if p else "")
    return Architecture(
        name=name,
        spec=canonical,
        input_shape=shape,
        outputs=k,
        params=MappingProxyType(p),
        module=module,
    )


# --- the user's own modules -----------------------------------------------------------------


def _check_outputs(outputs) -> None:
    if isinstance(outputs, bool) or not isinstance(outputs, int) or outputs < 1:
        raise InputError(f"outputs must be a positive integer, got {outputs!r}")


def _check_user_module(module, spec: str, shape: tuple[int, ...], outputs: int, *, source: str):
    """Check a user's module against the task (see :meth:`Architecture.from_module`); returns
    ``{"parameters": count}``. Everything runs on abstract values (``jax.eval_shape``)."""
    from ibcomplexity._limits import check_memory
    from ibcomplexity._user_code import one_line

    what = f"architecture {spec!r}"
    if not isinstance(module, nn.Module):
        kind = type(module)
        if isinstance(module, type) and issubclass(module, nn.Module):
            got = f"the class {module.__name__}, not an instance of it"
        elif kind.__module__.startswith("flax.nnx"):
            got = "a flax.nnx module; only flax.linen modules are supported"
        else:
            got = f"a {kind.__module__}.{kind.__qualname__}, not a flax.linen.Module"
        raise InputError(f"{what}: {source} gave {got}")
    d = math.prod(shape)
    flat = f" (flattened {shape})" if len(shape) > 1 else ""
    x = jax.ShapeDtypeStruct((2, d), jnp.float32)
    try:
        variables = jax.eval_shape(module.init, jax.random.key(0), x)
    except Exception as e:
        raise InputError(
            f"{what}: initialising it on inputs of shape (2, {d}){flat} failed: {one_line(e)}"
        ) from None
    leaves = jax.tree.leaves(variables.get("params", {}) if hasattr(variables, "get") else {})
    if not leaves:
        raise InputError(
            f"{what} has no trainable parameters (its 'params' collection is empty); training "
            "needs some"
        )
    try:
        out = jax.eval_shape(module.apply, variables, x)
    except Exception as e:
        raise InputError(
            f"{what}: module.apply(variables, x) on inputs of shape (2, {d}){flat} failed: "
            f"{one_line(e)} (a hypothesis must be a pure function of its weights: no mutable "
            "batch statistics, no dropout RNGs)"
        ) from None
    if not isinstance(out, jax.ShapeDtypeStruct):
        raise InputError(
            f"{what} returns a {type(out).__name__}, not one array of shape (batch, {outputs})"
        )
    if out.shape != (2, outputs):
        raise InputError(
            f"{what} returns outputs of shape {out.shape} for a batch of 2 inputs; expected "
            f"(2, {outputs}): one output per class"
        )
    if not jnp.issubdtype(out.dtype, jnp.floating):
        raise InputError(f"{what} returns {out.dtype} outputs; expected floating point")
    count = sum(math.prod(a.shape) for a in jax.tree.leaves(variables))
    check_memory(
        4 * count,
        f"{what} ({count:,} parameters of 4 bytes, one network's weights)",
        hint="use a smaller network",
    )
    return {"parameters": int(count)}


def _user_architecture(spec: str, shape: tuple[int, ...], outputs: int) -> Architecture:
    """``py:MODULE:FACTORY[:KEY=VALUE,...]``: ``FACTORY(**options)`` returns a linen module;
    ``outputs`` (k) and ``input_shape`` are passed too when it takes them."""
    from ibcomplexity._user_code import accepts, call_user, code_digest, load_object

    parsed, factory = load_object(spec, what="architecture")
    kwargs = parsed.kwargs
    for key, value in (("outputs", outputs), ("input_shape", shape)):
        if key not in kwargs and accepts(factory, key):
            kwargs[key] = value
    module = call_user(factory, kwargs, spec=parsed.text, what="architecture")
    checked = _check_user_module(module, parsed.text, shape, outputs, source=parsed.name)
    params = {
        "module": parsed.module,
        "factory": parsed.name,
        **dict(parsed.options),
        "code": code_digest(factory),
        **checked,
    }
    return Architecture(
        name="py",
        spec=parsed.text,
        input_shape=shape,
        outputs=outputs,
        params=MappingProxyType(params),
        module=module,
    )
