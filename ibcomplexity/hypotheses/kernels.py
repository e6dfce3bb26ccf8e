r"""Covariance kernels for Gaussian-process hypothesis spaces, their config and input preprocessing.

Every kernel is a pure JAX function ``k(x1, x2=None, **params) -> (n1, n2)`` returning the Gram
matrix :math:`K_{ij} = k(x^{(1)}_i, x^{(2)}_j)`; ``x2=None`` means ``x2 = x1`` and then the
diagonal is exact (zero distance) and the matrix symmetric (exactly in eager mode, to the last
bits under jit, where XLA may evaluate mirror entries in different vectorised code paths).

Stationary kernels, with :math:`r = \|x - x'\|` and lengthscale (bandwidth) :math:`\ell`:

.. math::

   k_\mathrm{rbf} &= \exp(-r^2 / 2\ell^2) \\
   k_\mathrm{laplace} &= \exp(-r/\ell) \\
   k_\mathrm{matern32} &= (1 + \sqrt3\, r/\ell)\, \exp(-\sqrt3\, r/\ell) \\
   k_\mathrm{matern52} &= (1 + \sqrt5\, r/\ell + 5 r^2/3\ell^2)\, \exp(-\sqrt5\, r/\ell)

and the ReLU network-GP kernel :func:`nngp_relu` (infinitely wide ReLU network with ``depth``
hidden layers; see its docstring for the exact convention).

Squared distances use the GEMM expansion :math:`\|a\|^2 + \|b\|^2 - 2a^\top b` on inputs centred
by the mean of ``x1`` (translation does not change distances but shrinks the norms, hence the
cancellation error), with ``precision=HIGHEST`` and tiny negative results clipped to 0. The
expansion's rounding error is about :math:`\epsilon \|x\|^2`, so distances below
:math:`\sqrt{\epsilon}\,\|x\|` are not resolved: negligible in float64 (the GP posterior), but in
float32 the non-smooth kernels (``laplace``, ``matern32``) of two equal points given in different
arguments may read slightly below 1 (about 1e-3 for 784 pixels in [0, 1] at bandwidth 3).

:class:`Kernel` is the frozen, hashable configuration used by the hypothesis spaces; it resolves
the ``"median"`` bandwidth heuristic from training inputs (:func:`median_bandwidth`).
:func:`make_kernel` parses command-line specs; :func:`scale_inputs` is the explicit input scaling
step applied before any kernel.

References:
  Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT Press 2006, ch. 4.
  Cho & Saul, *Kernel Methods for Deep Learning*, NeurIPS 2009.
  Lee et al., *Deep Neural Networks as Gaussian Processes*, ICLR 2018, arXiv:1711.00165.
  Garreau et al., *Large sample analysis of the median heuristic*, arXiv:1707.07269, 2017.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from ibcomplexity._options import parse_options
from ibcomplexity._specs_help import KERNEL_SPECS
from ibcomplexity._validation import InputError, check_finite_array, show_value

__all__ = [
    "KERNELS",
    "PREPROCESSING_MODES",
    "Kernel",
    "Preprocessing",
    "kernel_specs_help",
    "laplace",
    "make_kernel",
    "matern32",
    "matern52",
    "median_bandwidth",
    "nngp_relu",
    "scale_inputs",
    "rbf",
    "sq_distances",
]

_HIGHEST = jax.lax.Precision.HIGHEST
# The median heuristic uses at most this many training points (2000 points = ~2e6 pairs).
MEDIAN_MAX_POINTS = 2000


# --- distances and kernels ------------------------------------------------------------------


def sq_distances(x1: ArrayLike, x2: ArrayLike | None = None) -> jax.Array:
    r"""Squared Euclidean distances :math:`D_{ij} = \|x^{(1)}_i - x^{(2)}_j\|^2`, shape (n1, n2).

    Both inputs are centred by the mean of ``x1`` before the expansion
    :math:`\|a\|^2 + \|b\|^2 - 2 a^\top b` (distances are translation invariant; the smaller norms
    reduce cancellation). Results are clipped at 0. With ``x2=None`` the upper triangle is mirrored
    (exact symmetry) and the diagonal set to exactly 0.

    Args:
      x1: ``(n1, d)`` inputs.
      x2: ``(n2, d)`` inputs, or ``None`` for ``x1`` itself.

    Returns:
      The ``(n1, n2)`` matrix, in the floating dtype of the inputs.
    """
    x1 = jnp.asarray(x1)
    dtype = jnp.result_type(x1.dtype, jnp.float32)
    x1 = x1.astype(dtype)
    centre = jnp.mean(x1, axis=0)
    a = x1 - centre
    same = x2 is None
    b = a if same else jnp.asarray(x2).astype(dtype) - centre
    na = jnp.sum(a * a, axis=1)
    nb = na if same else jnp.sum(b * b, axis=1)
    cross = jnp.dot(a, b.T, precision=_HIGHEST)
    d2 = jnp.maximum(na[:, None] + nb[None, :] - 2.0 * cross, 0.0)
    if same:
        d2 = jnp.where(jnp.eye(d2.shape[0], dtype=bool), 0.0, _mirror_upper(d2))
    return d2


def _mirror_upper(k: jax.Array) -> jax.Array:
    """The symmetric matrix with ``k``'s upper triangle.

    Exactly symmetric when ``k`` is materialised (eager mode). Under jit, XLA may fuse the
    producer of ``k`` into this select and evaluate an entry and its mirror image in different
    (vectorised / scalar) code paths, so the two can differ in the last bit; callers that need
    exact symmetry symmetrise their own result (the GP posterior only reads one triangle of
    ``K_XX`` and symmetrises its covariance).
    """
    upper = jnp.triu(jnp.ones(k.shape, dtype=bool))
    return jnp.where(upper, k, k.T)


def _stationary(x1, x2, fn) -> jax.Array:
    """``fn(squared distances)``, mirrored to exact symmetry when ``x2`` is None."""
    k = fn(sq_distances(x1, x2))
    return k if x2 is not None else _mirror_upper(k)


def rbf(x1: ArrayLike, x2: ArrayLike | None = None, *, bandwidth: float = 1.0) -> jax.Array:
    r"""Squared-exponential (Gaussian, RBF) kernel :math:`\exp(-\|x-x'\|^2 / 2\ell^2)`.

    Args:
      x1, x2: ``(n1, d)``, ``(n2, d)`` inputs (``x2=None``: ``x1``).
      bandwidth: the lengthscale :math:`\ell > 0`.

    Example:
      >>> rbf(jnp.zeros((2, 3)), bandwidth=1.0).tolist()
      [[1.0, 1.0], [1.0, 1.0]]
    """
    return _stationary(x1, x2, lambda d2: jnp.exp(-d2 / (2.0 * bandwidth**2)))


def laplace(x1: ArrayLike, x2: ArrayLike | None = None, *, bandwidth: float = 1.0) -> jax.Array:
    r"""Laplace (exponential, Matérn-1/2) kernel :math:`\exp(-\|x-x'\|/\ell)`."""
    return _stationary(x1, x2, lambda d2: jnp.exp(-jnp.sqrt(d2) / bandwidth))


def matern32(x1: ArrayLike, x2: ArrayLike | None = None, *, bandwidth: float = 1.0) -> jax.Array:
    r"""Matérn-3/2 kernel :math:`(1 + \sqrt3 r/\ell) \exp(-\sqrt3 r/\ell)`, :math:`r = \|x-x'\|`."""

    def fn(d2):
        s = math.sqrt(3.0) * jnp.sqrt(d2) / bandwidth
        return (1.0 + s) * jnp.exp(-s)

    return _stationary(x1, x2, fn)


def matern52(x1: ArrayLike, x2: ArrayLike | None = None, *, bandwidth: float = 1.0) -> jax.Array:
    r"""Matérn-5/2 kernel :math:`(1 + \sqrt5 r/\ell + 5r^2/3\ell^2) \exp(-\sqrt5 r/\ell)`."""

    def fn(d2):
        s = math.sqrt(5.0) * jnp.sqrt(d2) / bandwidth
        return (1.0 + s + s * s / 3.0) * jnp.exp(-s)

    return _stationary(x1, x2, fn)


def nngp_relu(
    x1: ArrayLike,
    x2: ArrayLike | None = None,
    *,
    depth: int = 1,
    sigma_w2: float = 2.0,
    sigma_b2: float = 0.0,
) -> jax.Array:
    r"""Kernel of an infinitely wide fully connected ReLU network (NNGP, arc-cosine recursion).

    Convention (Lee et al. 2018, eq. 4-5, with the arc-cosine kernel of Cho & Saul 2009 of
    order 1): the first layer's pre-activations :math:`u^0 = W^0 x + b^0`,
    :math:`W^0_{ij} \sim N(0, \sigma_w^2/d)`, :math:`b^0 \sim N(0, \sigma_b^2)`, have covariance

    .. math:: K^0(x, x') = \sigma_b^2 + \sigma_w^2\, x^\top x' / d

    and each of the ``depth`` hidden ReLU layers maps :math:`K^{l-1}` to

    .. math::

       K^l(x, x') = \sigma_b^2 + \sigma_w^2\, \mathbb{E}_{u \sim GP(0, K^{l-1})}
                    [\mathrm{relu}(u(x))\, \mathrm{relu}(u(x'))]
                  = \sigma_b^2 + \frac{\sigma_w^2}{2\pi} \sqrt{K^{l-1}_{xx} K^{l-1}_{x'x'}}
                    \left(\sin\theta + (\pi - \theta)\cos\theta\right),

    :math:`\theta = \arccos\big(K^{l-1}_{xx'} / \sqrt{K^{l-1}_{xx} K^{l-1}_{x'x'}}\big)`. The
    result is :math:`K^{\mathrm{depth}}`, the covariance of the network's (linear) output layer.
    On the diagonal :math:`\theta = 0` and :math:`K^l_{xx} = \sigma_b^2 + \sigma_w^2 K^{l-1}_{xx}/2`
    exactly; the cosine is clipped to [-1, 1] and a zero-variance input (``x = 0`` with
    :math:`\sigma_b^2 = 0`) gives 0.

    Args:
      x1, x2: ``(n1, d)``, ``(n2, d)`` inputs (``x2=None``: ``x1``).
      depth: number of hidden ReLU layers (>= 1).
      sigma_w2: weight variance :math:`\sigma_w^2` (> 0), the :math:`1/d` scaling applied to the
        inputs, :math:`1/\text{width}` implied for hidden layers.
      sigma_b2: bias variance :math:`\sigma_b^2` (>= 0).

    References:
      Cho & Saul, *Kernel Methods for Deep Learning*, NeurIPS 2009.
      Lee et al., *Deep Neural Networks as Gaussian Processes*, ICLR 2018, arXiv:1711.00165.
    """
    x1 = jnp.asarray(x1)
    dtype = jnp.result_type(x1.dtype, jnp.float32)
    x1 = x1.astype(dtype)
    same = x2 is None
    x2 = x1 if same else jnp.asarray(x2).astype(dtype)
    d = x1.shape[1]
    k12 = sigma_b2 + sigma_w2 * jnp.dot(x1, x2.T, precision=_HIGHEST) / d
    k11 = sigma_b2 + sigma_w2 * jnp.sum(x1 * x1, axis=1) / d
    k22 = k11 if same else sigma_b2 + sigma_w2 * jnp.sum(x2 * x2, axis=1) / d
    for _ in range(depth):
        norm = jnp.sqrt(k11[:, None] * k22[None, :])
        safe = jnp.where(norm > 0, norm, 1.0)
        cos = jnp.where(norm > 0, jnp.clip(k12 / safe, -1.0, 1.0), 1.0)
        if same:
            cos = jnp.where(jnp.eye(cos.shape[0], dtype=bool), 1.0, _mirror_upper(cos))
        theta = jnp.arccos(cos)
        j = jnp.sin(theta) + (jnp.pi - theta) * cos
        k12 = sigma_b2 + sigma_w2 / (2.0 * jnp.pi) * norm * j
        k11 = sigma_b2 + 0.5 * sigma_w2 * k11
        k22 = k11 if same else sigma_b2 + 0.5 * sigma_w2 * k22
    if same:
        # Exact diagonal (theta = 0 there) and exact symmetry.
        k12 = jnp.where(jnp.eye(k12.shape[0], dtype=bool), k11[:, None], _mirror_upper(k12))
    return k12


KERNELS: dict[str, Callable[..., jax.Array]] = {
    "rbf": rbf,
    "laplace": laplace,
    "matern32": matern32,
    "matern52": matern52,
    "nngp": nngp_relu,
}
_STATIONARY = ("rbf", "laplace", "matern32", "matern52")
_NNGP_PARAMS = ("depth", "sigma_w2", "sigma_b2")
#: Longest kernel spec: a name and a few parameters (a longer one is refused, not echoed back).
MAX_SPEC_CHARS = 500
#: Most hidden layers of the ``nngp`` kernel: each is one pass over every Gram matrix, and the
#: deep ReLU NNGP kernel has converged to its fixed point long before.
MAX_NNGP_DEPTH = 1000


# --- median heuristic -----------------------------------------------------------------------


def median_bandwidth(x_train: ArrayLike, *, max_points: int = MEDIAN_MAX_POINTS) -> float:
    r"""Median heuristic: the median Euclidean distance between pairs of training inputs.

    Uses a deterministic subset of at most ``max_points`` rows: the evenly spaced rows
    ``round(linspace(0, n - 1, max_points))`` (all rows when ``n <= max_points``); training sets
    built by :func:`~ibcomplexity.tasks.regression.make_regression_task` are already in random
    order. The median runs over all unordered pairs :math:`i < j` of the subset (duplicates count
    as zero distances, as in ``scipy.spatial.distance.pdist``). Computed in float64 numpy.

    Raises:
      InputError: for fewer than 2 points, or a median of 0 (more than half the pairs identical).

    References:
      Garreau et al., *Large sample analysis of the median heuristic*, arXiv:1707.07269, 2017.
    """
    x = check_finite_array("x_train", x_train)
    if x.ndim != 2:
        raise InputError(f"x_train must have shape (n, d), got {x.shape}")
    n = x.shape[0]
    if n < 2:
        raise InputError(f"the median heuristic needs at least 2 training points, got {n}")
    if n > max_points:
        x = x[np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))]
    a = np.asarray(x, dtype=np.float64)
    a = a - a.mean(axis=0)
    sq = np.einsum("ij,ij->i", a, a)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (a @ a.T)
    iu = np.triu_indices(a.shape[0], k=1)
    value = float(np.median(np.sqrt(np.maximum(d2[iu], 0.0))))
    if not value > 0:
        raise InputError(
            "the median heuristic gave bandwidth 0 (more than half of the training pairs are "
            "identical); set the bandwidth explicitly"
        )
    return value


# --- configuration --------------------------------------------------------------------------


def _check_bandwidth(bandwidth, name: str):
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise InputError(
                f"bandwidth of kernel {name!r} must be a positive number or 'median', got "
                f"{bandwidth!r}"
            )
        return bandwidth
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float, np.number)):
        raise InputError(
            f"bandwidth of kernel {name!r} must be a positive number or 'median', got {bandwidth!r}"
        )
    value = float(bandwidth)
    if not (math.isfinite(value) and value > 0):
        raise InputError(
            f"bandwidth of kernel {name!r} must be a positive finite number or 'median', got "
            f"{bandwidth!r}"
        )
    return value


@dataclass(frozen=True)
class Kernel:
    """A kernel configuration: name and parameters (frozen, hashable: usable as a static argument).

    Attributes:
      name: one of :data:`KERNELS` (``rbf``, ``laplace``, ``matern32``, ``matern52``, ``nngp``).
      bandwidth: lengthscale of the stationary kernels: a positive number, or ``"median"`` for the
        median heuristic (:func:`median_bandwidth`), replaced by a number in :meth:`resolve`.
        ``None`` for ``nngp``, which has no bandwidth (``"median"`` is turned into ``None``).
      depth: hidden layers of ``nngp`` (ignored by the others).
      sigma_w2: weight variance of ``nngp`` (ignored by the others).
      sigma_b2: bias variance of ``nngp`` (ignored by the others).

    Example:
      >>> Kernel("rbf", 2.5).gram(jnp.zeros((1, 2)), jnp.ones((1, 2))).shape
      (1, 1)
    """

    name: str = "rbf"
    bandwidth: float | str | None = "median"
    depth: int = 1
    sigma_w2: float = 2.0
    sigma_b2: float = 0.0
    #: the user's Gram function ``function(x1, x2, **options[, bandwidth=L])`` (``None`` for the
    #: built-in kernels); see :meth:`from_function` and ``py:`` specs in :func:`make_kernel`.
    function: Callable[..., jax.Array] | None = field(default=None, repr=False)
    #: the user function's other keyword arguments, ``(key, value)`` pairs (static under jit).
    options: tuple[tuple[str, object], ...] = ()

    @classmethod
    def from_function(
        cls,
        function: Callable[..., jax.Array],
        *,
        name: str | None = None,
        bandwidth: float | str | None = "median",
        **options,
    ) -> Kernel:
        r"""Your own kernel (the Python route): a JAX function returning the Gram matrix.

        ``function(x1, x2, **options)`` takes inputs ``x1`` of shape ``(n1, d)`` and ``x2`` of
        shape ``(n2, d)`` and returns ``K`` of shape ``(n1, n2)``, :math:`K_{ij} = k(x1_i,
        x2_j)`, written with ``jax.numpy`` so that it can be jitted (it runs in float64). When it
        takes a ``bandwidth`` keyword, that is a lengthscale: ``"median"`` (the default) is the
        median heuristic of the training inputs, as for the built-in kernels. ``k`` must be a
        covariance: symmetric and positive semi-definite (checked where the GP posterior is
        built: a non-symmetric Gram matrix or one the Cholesky factorisation rejects is one
        clear error).

        Args:
          function: the Gram function (hashable: a module-level function, not a new lambda per
            call, or every call compiles again).
          name: the label results show (default ``function:<module>.<qualified name>``).
          bandwidth: the lengthscale, if ``function`` takes one.
          **options: further keyword arguments of ``function`` (hashable values).

        Example:
          >>> def cosine(x1, x2):
          ...     n1 = jnp.linalg.norm(x1, axis=1, keepdims=True)
          ...     n2 = jnp.linalg.norm(x2, axis=1, keepdims=True)
          ...     return (x1 @ x2.T) / (n1 * n2.T)
          >>> Kernel.from_function(cosine).spec.endswith("cosine")
          True
        """
        if not callable(function):
            raise InputError(f"a kernel function must be callable, got {type(function).__name__}")
        label = name or f"function:{function.__module__}.{function.__qualname__}"
        return cls(
            name=label,
            bandwidth=bandwidth,
            function=function,
            options=tuple(options.items()),
        )

    @property
    def takes_bandwidth(self) -> bool:
        """Whether the kernel has a lengthscale (the stationary built-ins, and user functions
        that take a ``bandwidth`` keyword)."""
        if self.function is not None:
            from ibcomplexity._user_code import accepts

            return accepts(self.function, "bandwidth")
        return self.name != "nngp"

    def __post_init__(self) -> None:
        if self.function is not None:
            self._check_user()
            return
        if self.name not in KERNELS:
            raise InputError(f"unknown kernel {self.name!r}; valid kernels: {', '.join(KERNELS)}")
        if self.name == "nngp":
            if self.bandwidth not in (None, "median"):
                raise InputError(
                    f"kernel 'nngp' has no bandwidth (got {self.bandwidth!r}); its parameters "
                    f"are {', '.join(_NNGP_PARAMS)}"
                )
            object.__setattr__(self, "bandwidth", None)
        else:
            object.__setattr__(self, "bandwidth", _check_bandwidth(self.bandwidth, self.name))
        depth = self.depth
        if (
            isinstance(depth, bool)
            or not isinstance(depth, (int, np.integer))
            or not 1 <= depth <= MAX_NNGP_DEPTH
        ):
            raise InputError(
                f"depth of kernel {self.name!r} must be an integer from 1 to {MAX_NNGP_DEPTH} "
                f"(hidden layers), got {show_value(depth)}"
            )
        object.__setattr__(self, "depth", int(depth))
        for pname, allow_zero in (("sigma_w2", False), ("sigma_b2", True)):
            v = getattr(self, pname)
            ok = not isinstance(v, bool) and isinstance(v, (int, float, np.number))
            ok = ok and math.isfinite(float(v)) and (float(v) > 0 or (allow_zero and v == 0))
            if not ok:
                bound = ">= 0" if allow_zero else "> 0"
                raise InputError(
                    f"{pname} of kernel {self.name!r} must be a finite number {bound}, got "
                    f"{show_value(v)}"
                )
            object.__setattr__(self, pname, float(v))

    def _check_user(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"a user kernel needs a name, got {self.name!r}")
        try:
            hash(self.options)
        except TypeError:
            raise InputError(
                f"kernel {self.name!r}: option values must be hashable (numbers, strings, "
                f"tuples), got {dict(self.options)!r}"
            ) from None
        if self.takes_bandwidth:
            object.__setattr__(self, "bandwidth", _check_bandwidth(self.bandwidth, self.name))
        elif self.bandwidth not in (None, "median"):
            raise InputError(
                f"kernel {self.name!r} has no bandwidth (its function takes no 'bandwidth' "
                f"keyword), got {self.bandwidth!r}"
            )
        else:
            object.__setattr__(self, "bandwidth", None)

    @property
    def resolved(self) -> bool:
        """Whether every parameter is a number (no ``"median"`` left)."""
        return self.bandwidth != "median"

    @property
    def params(self) -> dict[str, float | int]:
        """The numeric parameters the kernel function takes, as keyword arguments (traced under
        jit; a user kernel's other options are :attr:`options`)."""
        if self.function is not None:
            return {"bandwidth": self.bandwidth} if self.takes_bandwidth else {}
        if self.name == "nngp":
            return {"depth": self.depth, "sigma_w2": self.sigma_w2, "sigma_b2": self.sigma_b2}
        return {"bandwidth": self.bandwidth}

    @property
    def spec(self) -> str:
        """The spec string that :func:`make_kernel` parses back into this kernel (for a kernel
        built with :meth:`from_function`, a label: it cannot be parsed back)."""
        if self.function is not None:
            from ibcomplexity._user_code import PREFIX, format_options

            if not self.name.startswith(PREFIX):
                return self.name
            items = ({"bandwidth": self.bandwidth} if self.takes_bandwidth else {}) | dict(
                self.options
            )
            shown = format_options(items)
            return self.name + (f":{shown}" if shown else "")
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in self.params.items())

    def resolve(self, x_train: ArrayLike) -> Kernel:
        """This kernel with ``"median"`` replaced by :func:`median_bandwidth` of ``x_train``."""
        if self.resolved:
            return self
        return replace(self, bandwidth=median_bandwidth(x_train))

    def gram(self, x1: ArrayLike, x2: ArrayLike | None = None) -> jax.Array:
        """The Gram matrix ``k(x1, x2)`` (``x2=None``: symmetric ``k(x1, x1)``).

        Jit-compatible (the kernel is static). Raises InputError if the bandwidth is unresolved.
        """
        if not self.resolved:
            raise InputError(
                f"kernel {self.spec!r} has an unresolved median bandwidth; call "
                ".resolve(x_train) first"
            )
        if self.function is not None:
            return self.function(x1, x1 if x2 is None else x2, **dict(self.options), **self.params)
        return KERNELS[self.name](x1, x2, **self.params)


_SPECS_HELP = KERNEL_SPECS


def kernel_specs_help() -> str:
    """A short description of the specs :func:`make_kernel` accepts (for the CLI)."""
    return _SPECS_HELP


def make_kernel(spec: str | Kernel) -> Kernel:
    """Parse a kernel spec (see :func:`kernel_specs_help`) into a :class:`Kernel`.

    Specs look like ``"rbf"``, ``"rbf:bandwidth=2.5"``, ``"matern52:bandwidth=median"`` or
    ``"nngp:depth=3,sigma_w2=2.0,sigma_b2=0.1"``.

    A :class:`Kernel` is returned unchanged.

    Raises:
      InputError: for an unknown kernel, an unknown or malformed parameter, or a bad value; the
        message lists what is valid.

    Example:
      >>> make_kernel("nngp:depth=3,sigma_b2=0.1").depth
      3
    """
    if isinstance(spec, Kernel):
        return spec
    if callable(spec):
        return Kernel.from_function(spec)
    if not isinstance(spec, str):
        raise InputError(f"kernel spec must be a string like 'rbf:bandwidth=2.5', got {spec!r}")
    if len(spec) > MAX_SPEC_CHARS:
        raise InputError(
            f"kernel spec of {len(spec):,} characters, more than {MAX_SPEC_CHARS}: a spec is a "
            "name and a few KEY=VALUE parameters (e.g. 'nngp:depth=3,sigma_b2=0.1')"
        )
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name == "py":
        return _user_kernel(spec)
    if name not in KERNELS:
        raise InputError(
            f"unknown kernel {name!r} in spec {spec!r}; valid kernels: {', '.join(KERNELS)}, "
            "or py:MODULE:FUNCTION (your own)"
        )
    allowed = _NNGP_PARAMS if name == "nngp" else ("bandwidth",)
    params: dict[str, object] = {}
    for key, value in parse_options(rest, what=f"kernel spec {spec!r}", allowed=allowed).items():
        if key == "bandwidth" and value == "median":
            params[key] = value
            continue
        try:
            params[key] = int(value) if key == "depth" else float(value)
        except ValueError:
            what = "an integer" if key == "depth" else "a number"
            extra = " or 'median'" if key == "bandwidth" else ""
            raise InputError(
                f"parameter {key!r} of kernel {name!r} must be {what}{extra}, got {value!r}"
            ) from None
    return Kernel(name, **params)


def _user_kernel(spec: str) -> Kernel:
    """``py:MODULE:FUNCTION[:bandwidth=L,KEY=VALUE,...]``: the user's Gram function."""
    from ibcomplexity._user_code import load_object

    parsed, function = load_object(spec, what="kernel")
    if not callable(function):
        raise InputError(
            f"kernel {parsed.text!r} names a {type(function).__name__}, not a function"
        )
    options = dict(parsed.options)
    bandwidth = options.pop("bandwidth", "median")
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    base = f"py:{parsed.module}:{parsed.name}"
    return Kernel(name=base, bandwidth=bandwidth, function=function, options=tuple(options.items()))


# --- preprocessing --------------------------------------------------------------------------

PREPROCESSING_MODES = ("none", "unit", "standardize")


@dataclass(frozen=True, eq=False)
class Preprocessing:
    r"""The input scaling applied before a kernel, with the training statistics it used.

    ``apply(x) = (x - offset) * inv_scale`` per feature, where ``inv_scale = 1/scale`` except for
    constant training features (``max == min``), whose ``inv_scale`` is 0 so they map to 0.

    Attributes:
      mode: ``"none"``, ``"unit"`` (offset = training min, scale = max - min: training inputs land
        in [0, 1]) or ``"standardize"`` (offset = training mean, scale = training standard
        deviation, ``ddof=0``).
      offset: float64 ``(d,)`` or ``None`` for ``"none"``.
      scale: float64 ``(d,)`` or ``None`` for ``"none"``; 0 marks a constant feature.
      constant_features: number of constant training features (mapped to 0).
    """

    mode: str
    offset: np.ndarray | None = None
    scale: np.ndarray | None = None
    constant_features: int = 0

    def apply(self, x: ArrayLike) -> np.ndarray:
        """Scale ``x`` (``(n, d)``) with the stored statistics; float64 numpy out."""
        x = np.asarray(x, dtype=np.float64)
        if self.mode == "none":
            return x
        inv = np.divide(1.0, self.scale, out=np.zeros_like(self.scale), where=self.scale > 0)
        return (x - self.offset) * inv


def scale_inputs(
    x_train: ArrayLike, x_test: ArrayLike, mode: str = "none"
) -> tuple[np.ndarray, np.ndarray, Preprocessing]:
    """Scale training and test inputs with statistics of the training inputs only.

    Args:
      x_train: ``(n, d)`` training inputs.
      x_test: ``(m, d)`` test inputs (may fall outside [0, 1] under ``"unit"``).
      mode: one of :data:`PREPROCESSING_MODES`:

        * ``"none"``: unchanged;
        * ``"unit"``: ``(x - min) / (max - min)`` per feature;
        * ``"standardize"``: ``(x - mean) / std`` per feature.

        Features constant on the training set (``max == min``) map to 0 in both modes (not NaN).

    Returns:
      ``(x_train', x_test', stats)``: float64 arrays and the :class:`Preprocessing` used.

    Example:
      >>> xtr, xte, p = scale_inputs([[0.0, 5.0], [2.0, 5.0]], [[1.0, 7.0]], "unit")
      >>> xtr.tolist(), xte.tolist(), p.constant_features
      ([[0.0, 0.0], [1.0, 0.0]], [[0.5, 0.0]], 1)
    """
    if mode not in PREPROCESSING_MODES:
        raise InputError(f"unknown preprocessing {mode!r}; valid: {', '.join(PREPROCESSING_MODES)}")
    xtr = np.asarray(check_finite_array("x_train", x_train), dtype=np.float64)
    xte = np.asarray(check_finite_array("x_test", x_test), dtype=np.float64)
    if xtr.ndim != 2 or xte.ndim != 2 or xtr.shape[1] != xte.shape[1] or xtr.shape[0] < 1:
        raise InputError(
            f"x_train and x_test must have shapes (n, d) and (m, d) with n >= 1, got "
            f"{xtr.shape} and {xte.shape}"
        )
    if mode == "none":
        stats = Preprocessing("none")
        return xtr, xte, stats
    lo, hi = xtr.min(axis=0), xtr.max(axis=0)
    constant = hi == lo
    if mode == "unit":
        offset, scale = lo, hi - lo
    else:
        offset, scale = xtr.mean(axis=0), xtr.std(axis=0)
    scale = np.where(constant, 0.0, scale)
    for a in (offset, scale):
        a.flags.writeable = False
    stats = Preprocessing(mode, offset, scale, int(constant.sum()))
    return stats.apply(xtr), stats.apply(xte), stats
