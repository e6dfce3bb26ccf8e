r"""Exact noise-free Gaussian-process posterior and the law of its test loss.

Given training inputs :math:`X` with one-hot targets :math:`Y` (n x k), test inputs :math:`X_*`
with targets :math:`Y_*` (m x k) and a kernel :math:`k`, the noise-free GP posterior over the
k outputs (independent, sharing the kernel) is Gaussian with

.. math::

   \mu = K_{*X} K_{XX}^{-1} Y \quad (m \times k), \qquad
   \Sigma = K_{**} - K_{*X} K_{XX}^{-1} K_{X*} \quad (m \times m,\ \text{shared by the outputs}).

It is computed in float64 from the Cholesky factor :math:`L L^\top = K_{XX} + s I`, with
:math:`A = L^{-1} K_{X*}`: :math:`\mu = A^\top L^{-1} Y`, :math:`\Sigma = K_{**} - A^\top A`
(symmetrised), then the symmetric eigendecomposition :math:`\Sigma = U \operatorname{diag}(\lambda)
U^\top`. Never a non-symmetric matrix square root.

The eigenvectors are then put in a canonical basis (signs, and bases of near-degenerate
eigenspaces, fixed by the mean error: :mod:`ibcomplexity.hypotheses._canonical`), so that the
same key gives the same samples whichever eigensolver (CPU, GPU, TPU) produced them.

Posterior samples are :math:`F = \mu + U \operatorname{diag}(\sqrt\lambda) Z`,
:math:`Z \sim N(0, I_{m \times k})`. With :math:`R = U^\top(\mu - Y_*)` (row :math:`R_j` for
eigenvalue :math:`\lambda_j`), the per-entry test MSE of a sample is exactly a generalized
chi-square (Boopathy et al. 2024; method notes section 2.2):

.. math::

   \mathrm{MSE} = \sum_{\lambda_j > 0} w_j\, \chi'^2_k(\delta_j) + c_0, \quad
   w_j = \frac{\lambda_j}{m k}, \quad \delta_j = \frac{\|R_j\|^2}{\lambda_j}, \quad
   c_0 = \sum_{\lambda_j = 0} \frac{\|R_j\|^2}{m k},

with mean :math:`\mathbb{E}[\mathrm{MSE}] = \sum_j w_j (k + \delta_j) + c_0`.

Numerical conventions (documented choices):

* **Jitter.** ``s = jitter * mean(diag K_XX)`` (relative, default ``1e-10``, like scikit-learn's
  ``alpha=1e-10`` for a unit-variance kernel). A factorisation *fails* if the factor has a
  non-finite entry or a pivot :math:`L_{ii}^2 < \max(s/2,\ n\,\epsilon\,\bar d)`
  (:math:`\epsilon` the float64 machine epsilon, :math:`\bar d` the mean diagonal): in exact
  arithmetic every pivot of :math:`K + sI` is at least :math:`\lambda_{\min} \ge s`, and rounding
  errors of Cholesky are of order :math:`n \epsilon \bar d`, so a smaller pivot means the
  factor is dominated by rounding error. On failure the jitter is multiplied by 10, up to
  ``max_jitter_tries`` tries; the jitter used and the number of retries are recorded.
* **Zero eigenvalues.** An eigenvalue of :math:`\Sigma` at or below
  ``tol = max(eig_rtol * m * max(lambda_max, mean(diag K_**)), 2 s)`` (default
  ``eig_rtol = 1e-12``) counts as exactly 0. The first term covers rounding: the error of
  :math:`K_{**} - A^\top A` is of order :math:`m\epsilon` times the prior variance. The second
  covers the jitter: at a training input the jittered posterior variance is
  :math:`s - s^2[(K_{XX} + sI)^{-1}]_{ii} \le s` instead of 0, so variances of the order of
  :math:`s` are what the jitter leaves in directions the training data pin down. The residual
  along zero eigenvalues goes into :math:`c_0`.

References:
  Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT Press 2006, sec. 2.2 and
  algorithm 2.1.
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM 2002, ch. 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np

from ibcomplexity._validation import InputError, check_finite_array, check_int, check_positive
from ibcomplexity.hypotheses._canonical import canonical_basis
from ibcomplexity.hypotheses.kernels import (
    KERNELS,
    PREPROCESSING_MODES,
    Kernel,
    Preprocessing,
    make_kernel,
    scale_inputs,
)

__all__ = ["GPPosterior", "GPSpace", "check_posterior_memory", "gp_posterior", "posterior_memory"]

_EPS64 = float(np.finfo(np.float64).eps)
_HIGHEST = jax.lax.Precision.HIGHEST


@dataclass(frozen=True)
class GPSpace:
    """The kernel/GP hypothesis space: kernel, input preprocessing and numerical settings.

    Attributes:
      kernel: a :class:`~ibcomplexity.hypotheses.kernels.Kernel` or a spec string for
        :func:`~ibcomplexity.hypotheses.kernels.make_kernel` (default: RBF, median bandwidth).
      preprocessing: ``"none"`` (default), ``"unit"`` or ``"standardize"``
        (see :func:`~ibcomplexity.hypotheses.kernels.scale_inputs`).
      jitter: initial diagonal jitter relative to the mean diagonal of :math:`K_{XX}` (> 0).
      max_jitter_tries: Cholesky attempts, the jitter multiplied by 10 after each failure (>= 1).
      eig_rtol: relative tolerance below which posterior eigenvalues count as 0 (see module).
    """

    kernel: Kernel | str = Kernel()
    preprocessing: str = "none"
    jitter: float = 1e-10
    max_jitter_tries: int = 6
    eig_rtol: float = 1e-12

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel", make_kernel(self.kernel))
        if self.preprocessing not in PREPROCESSING_MODES:
            raise InputError(
                f"unknown preprocessing {self.preprocessing!r}; valid: "
                f"{', '.join(PREPROCESSING_MODES)}"
            )
        object.__setattr__(self, "jitter", check_positive("jitter", self.jitter))
        object.__setattr__(
            self, "max_jitter_tries", check_int("max_jitter_tries", self.max_jitter_tries)
        )
        object.__setattr__(
            self, "eig_rtol", check_positive("eig_rtol", self.eig_rtol, allow_zero=True)
        )


@dataclass(frozen=True, eq=False)
class GPPosterior:
    r"""The exact GP posterior on the test inputs, in its eigenbasis (float64 numpy arrays).

    Eigenpairs are sorted by decreasing eigenvalue, so the first ``rank`` are the positive ones;
    eigenvalues at or below ``eig_tol`` are stored as exactly 0. Arrays are read-only.

    Attributes:
      mu: ``(m, k)`` posterior mean :math:`K_{*X} K_{XX}^{-1} Y`.
      eigenvalues: ``(m,)`` :math:`\lambda`, non-negative, decreasing.
      eigenvectors: ``(m, m)`` :math:`U` (columns), orthonormal.
      y_test: ``(m, k)`` one-hot test targets :math:`Y_*`.
      residuals: ``(m, k)`` :math:`R = U^\top (\mu - Y_*)`, row j along eigenvector j.
      kernel: the resolved kernel (the actual bandwidth number).
      preprocessing: the input scaling and its training statistics.
      jitter: the relative jitter used (``GPSpace.jitter * 10**retries``).
      jitter_abs: the absolute jitter added to the diagonal of :math:`K_{XX}`.
      retries: failed Cholesky attempts before the one used.
      rank: number of positive eigenvalues.
      eig_tol: the threshold below which eigenvalues were set to 0.
      min_raw_eigenvalue: the smallest eigenvalue before clipping (a diagnostic; about
        ``-eig_tol`` or larger in magnitude signals an inaccurate posterior).
      n_train, n_test, classes: n, m, k.
      task_name, seed: provenance of the task.
    """

    mu: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    y_test: np.ndarray
    residuals: np.ndarray
    kernel: Kernel
    preprocessing: Preprocessing
    jitter: float
    jitter_abs: float
    retries: int
    rank: int
    eig_tol: float
    min_raw_eigenvalue: float
    n_train: int
    n_test: int
    classes: int
    task_name: str = ""
    seed: int = 0

    @property
    def num_entries(self) -> int:
        """m k: the number of entries the MSE averages over."""
        return self.n_test * self.classes

    @property
    def covariance(self) -> np.ndarray:
        r"""The (clipped) posterior covariance :math:`U \operatorname{diag}(\lambda) U^\top`."""
        u = self.eigenvectors
        return (u * self.eigenvalues) @ u.T

    def loss_components(self) -> dict[str, np.ndarray | float]:
        r"""The generalized chi-square of the per-entry test MSE.

        .. math:: \mathrm{MSE} = \sum_j w_j \chi'^2_{k}(\delta_j) + c_0

        over the ``rank`` positive eigenvalues (see the module docstring).

        Returns:
          ``dict(weights=(rank,), dofs=(rank,), noncentralities=(rank,), offset=float)``:
          :math:`w_j = \lambda_j/(mk)`, the degrees of freedom k, :math:`\delta_j =
          \|R_j\|^2/\lambda_j` and :math:`c_0`; float64 numpy arrays.
        """
        r = self.rank
        lam = self.eigenvalues[:r]
        sq = np.einsum("jc,jc->j", self.residuals, self.residuals)
        n_entries = float(self.num_entries)
        return {
            "weights": lam / n_entries,
            "dofs": np.full(r, float(self.classes)),
            "noncentralities": sq[:r] / lam,
            "offset": float(sq[r:].sum() / n_entries),
        }

    @property
    def mean_mse(self) -> float:
        r""":math:`\mathbb{E}[\mathrm{MSE}] = \sum_j w_j (k + \delta_j) + c_0` (closed form)."""
        c = self.loss_components()
        return float(np.sum(c["weights"] * (c["dofs"] + c["noncentralities"])) + c["offset"])


jax.tree_util.register_dataclass(
    GPPosterior,
    data_fields=["mu", "eigenvalues", "eigenvectors", "y_test", "residuals"],
    meta_fields=[
        "kernel",
        "preprocessing",
        "jitter",
        "jitter_abs",
        "retries",
        "rank",
        "eig_tol",
        "min_raw_eigenvalue",
        "n_train",
        "n_test",
        "classes",
        "task_name",
        "seed",
    ],
)


def _task_arrays(task) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``x_train, y_train, x_test, y_test`` of a regression task (duck-typed)."""
    names = ("x_train", "y_train", "x_test", "y_test")
    missing = [a for a in names if not hasattr(task, a)]
    if missing:
        raise InputError(
            f"task must be a RegressionTask (see make_regression_task); {type(task).__name__} "
            f"has no {', '.join(missing)}"
        )
    xtr, ytr, xte, yte = (check_finite_array(a, getattr(task, a)) for a in names)
    if xtr.ndim != 2 or xte.ndim != 2 or xtr.shape[1] != xte.shape[1]:
        raise InputError(
            f"x_train and x_test must have shapes (n, d) and (m, d), got {xtr.shape} and "
            f"{xte.shape}"
        )
    if ytr.ndim != 2 or yte.ndim != 2 or ytr.shape[1] != yte.shape[1]:
        raise InputError(
            f"y_train and y_test must have shapes (n, k) and (m, k), got {ytr.shape} and "
            f"{yte.shape}"
        )
    if ytr.shape[0] != xtr.shape[0] or yte.shape[0] != xte.shape[0]:
        raise InputError(
            f"inputs and targets must have one row per example: x_train {xtr.shape} vs y_train "
            f"{ytr.shape}, x_test {xte.shape} vs y_test {yte.shape}"
        )
    if xtr.shape[0] < 1 or xte.shape[0] < 1:
        raise InputError("a GP posterior needs at least 1 training and 1 test example")
    return xtr, ytr, xte, yte


# gp_posterior is an entry point: its three array stages are jitted here, so that a new problem
# size costs three compilations instead of one per eager operation. Only the kernel's name and
# depth are static: bandwidths and variances are traced, so a new median bandwidth (a new task)
# does not recompile.
@partial(jax.jit, static_argnames=("name", "depth", "function", "options"))
def _gram_blocks(xtr, xte, params, *, name: str, depth: int, function=None, options=()):
    """``K_XX, K_X*, K_**`` and the mean diagonals of ``K_XX`` and ``K_**``.

    A user kernel (``function``) is called with both arguments, ``function(x1, x2, **kw)``."""
    if function is not None:
        kw = {**dict(options), **params}
        kxx, kxs, kss = function(xtr, xtr, **kw), function(xtr, xte, **kw), function(xte, xte, **kw)
    else:
        fn = KERNELS[name]
        kw = {**params, "depth": depth} if name == "nngp" else params
        kxx, kxs, kss = fn(xtr, None, **kw), fn(xtr, xte, **kw), fn(xte, None, **kw)
    return kxx, kxs, kss, jnp.mean(jnp.diagonal(kxx)), jnp.mean(jnp.diagonal(kss))


def _user_gram_blocks(kernel, xtr, xte, params):
    """:func:`_gram_blocks` for a user kernel, its failures and wrong results as one line each:
    an exception while tracing it, a result of the wrong shape, non-finite or non-symmetric
    entries (a covariance is symmetric; 1e-8 of the largest entry is allowed for rounding)."""
    from ibcomplexity._user_code import one_line

    what = f"kernel {kernel.spec!r}"
    try:
        blocks = _gram_blocks(
            xtr,
            xte,
            params,
            name=kernel.name,
            depth=kernel.depth,
            function=kernel.function,
            options=kernel.options,
        )
    except Exception as e:
        raise InputError(
            f"{what}: evaluating it (jitted, float64) on inputs of shape {xtr.shape} and "
            f"{xte.shape} failed: {one_line(e)}"
        ) from None
    n, m = xtr.shape[0], xte.shape[0]
    names = (("x_train", "x_train"), ("x_train", "x_test"), ("x_test", "x_test"))
    for block, want, args in zip(blocks[:3], ((n, n), (n, m), (m, m)), names, strict=True):
        if getattr(block, "shape", None) != want:
            got = getattr(block, "shape", type(block).__name__)
            raise InputError(
                f"{what} returns shape {got} for {args[0]} {(want[0], xtr.shape[1])} and "
                f"{args[1]} {(want[1], xtr.shape[1])}; expected {want} (one entry per pair)"
            )
        if not bool(jnp.all(jnp.isfinite(block))):
            raise InputError(f"{what} returns non-finite values (NaN or inf) on the task's inputs")
    for block, which in ((blocks[0], "training"), (blocks[2], "test")):
        scale = float(jnp.max(jnp.abs(block)))
        if float(jnp.max(jnp.abs(block - block.T))) > 1e-8 * max(scale, 1e-300):
            raise InputError(
                f"{what} is not symmetric on the {which} inputs (k(x, y) != k(y, x)); a "
                "covariance kernel must be"
            )
    return blocks


@jax.jit
def _cholesky(kxx, shift, floor):
    """Cholesky factor of ``K_XX + shift I`` and whether it is trustworthy: finite, with every
    squared pivot >= max(shift / 2, floor) (see the module docstring)."""
    chol = jnp.linalg.cholesky(kxx + shift * jnp.eye(kxx.shape[0], dtype=kxx.dtype))
    pivots = jnp.diagonal(chol)
    ok = jnp.all(jnp.isfinite(chol)) & (jnp.min(pivots * pivots) >= jnp.maximum(shift / 2, floor))
    return chol, ok


@jax.jit
def _posterior_arrays(chol, kxs, kss, ytr, yte):
    """Mean, eigenvalues (decreasing), eigenvectors and rotated residuals of the posterior."""
    a = jsl.solve_triangular(chol, kxs, lower=True)
    b = jsl.solve_triangular(chol, ytr, lower=True)
    mu = jnp.dot(a.T, b, precision=_HIGHEST)
    sigma = kss - jnp.dot(a.T, a, precision=_HIGHEST)
    lam, u = jnp.linalg.eigh(0.5 * (sigma + sigma.T))
    lam, u = lam[::-1], u[:, ::-1]
    residuals = jnp.dot(u.T, mu - yte, precision=_HIGHEST)
    return mu, lam, u, residuals


def posterior_memory(n_train: int, n_test: int, dim: int = 0) -> int:
    r"""Bytes of the float64 arrays :func:`gp_posterior` holds at its peak, in closed form.

    :math:`K_{XX}`, its jittered copy and the Cholesky factor (:math:`3n^2`), :math:`K_{X*}` and
    the triangular solve (:math:`2nm`), :math:`K_{**}`, :math:`\Sigma`, its eigenvectors and the
    eigensolver's workspace (:math:`4m^2`), and the inputs (:math:`2d(n+m)`), 8 bytes each.
    Python integers: any size is measured without overflow.
    """
    n, m, d = int(n_train), int(n_test), int(dim)
    return 8 * (3 * n * n + 2 * n * m + 4 * m * m + 2 * d * (n + m))


def check_posterior_memory(
    n_train: int,
    n_test: int,
    dim: int = 0,
    *,
    what: str | None = None,
    hint: str = "use fewer training or test points",
) -> None:
    """Refuse a GP posterior whose arrays (:func:`posterior_memory`) exceed the memory limit
    (:func:`~ibcomplexity._limits.check_memory`; ``IBC_MEMORY_LIMIT``), before any data is built.

    ``what`` names the sizes in the message (default: the numbers of points).
    """
    from ibcomplexity._limits import check_memory

    check_memory(
        posterior_memory(n_train, n_test, dim),
        what or f"the GP posterior on {int(n_train):,} training and {int(n_test):,} test points",
        hint=hint,
    )


def gp_posterior(space: GPSpace, task) -> GPPosterior:
    r"""The exact noise-free GP posterior of ``space`` on ``task``'s test inputs (float64).

    Steps: preprocess the inputs (training statistics), resolve the kernel's bandwidth on the
    preprocessed training inputs, build :math:`K_{XX}, K_{X*}, K_{**}`, factor
    :math:`K_{XX} + sI` (retrying with 10x jitter on failure), form :math:`\mu` and
    :math:`\Sigma`, and diagonalise :math:`\Sigma`. All of it inside
    ``jax.enable_x64(True)``; results are float64 numpy arrays.

    Args:
      space: the :class:`GPSpace`.
      task: a :class:`~ibcomplexity.tasks.regression.RegressionTask` (anything with
        ``x_train, y_train, x_test, y_test``).

    Returns:
      The :class:`GPPosterior`.

    Raises:
      InputError: for bad inputs, or when every Cholesky attempt fails (the message names the
        kernel and bandwidth).

    Example:
      >>> from ibcomplexity.tasks.datasets import load_digits
      >>> from ibcomplexity.tasks.regression import make_regression_task
      >>> task = make_regression_task(load_digits(), n_train=200, n_test=50)
      >>> post = gp_posterior(GPSpace("rbf:bandwidth=median"), task)
      >>> post.mu.shape, post.rank
      ((50, 10), 50)
    """
    if not isinstance(space, GPSpace):
        raise InputError(f"space must be a GPSpace, got {type(space).__name__}")
    xtr, ytr, xte, yte = _task_arrays(task)
    check_posterior_memory(xtr.shape[0], xte.shape[0], xtr.shape[1])
    xtr, xte, prep = scale_inputs(xtr, xte, space.preprocessing)
    kernel = space.kernel.resolve(xtr)
    n, m, k = xtr.shape[0], xte.shape[0], ytr.shape[1]
    with jax.enable_x64(True):
        params = {k: v for k, v in kernel.params.items() if k != "depth"}
        if kernel.function is not None:
            kxx, kxs, kss, diag_mean, prior_var = _user_gram_blocks(
                kernel, jnp.asarray(xtr), jnp.asarray(xte), params
            )
        else:
            kxx, kxs, kss, diag_mean, prior_var = _gram_blocks(
                jnp.asarray(xtr), jnp.asarray(xte), params, name=kernel.name, depth=kernel.depth
            )
        scale, prior_var = float(diag_mean), float(prior_var)
        if not (math.isfinite(scale) and scale > 0):
            raise InputError(
                f"kernel {kernel.spec!r} has zero, negative or non-finite variance on the "
                "training inputs (the mean of its Gram diagonal); choose other kernel parameters"
            )
        floor = n * _EPS64 * scale
        chol = None
        for retries in range(space.max_jitter_tries):
            rel = space.jitter * 10.0**retries
            candidate, ok = _cholesky(kxx, rel * scale, floor)
            if bool(ok):
                chol = candidate
                break
        if chol is None:
            raise InputError(
                f"the Cholesky factorisation of the training Gram matrix failed for kernel "
                f"{kernel.spec!r} with jitter up to {rel:g} x mean diagonal "
                f"({space.max_jitter_tries} tries); raise GPSpace.jitter or max_jitter_tries, "
                "or choose another bandwidth"
            )
        mu, lam, u, residuals = _posterior_arrays(
            chol, kxs, kss, jnp.asarray(ytr, jnp.float64), jnp.asarray(yte, jnp.float64)
        )
        lam_np = np.asarray(lam)
    tol = max(space.eig_rtol * m * max(float(lam_np[0]), prior_var), 2.0 * rel * scale)
    clipped = np.where(lam_np > tol, lam_np, 0.0)
    rank = int(np.count_nonzero(clipped))
    # the solver's eigenvector signs and degenerate bases vary by platform: fix them, so that a
    # key gives the same samples on any platform (:mod:`ibcomplexity.hypotheses._canonical`)
    u, residuals = canonical_basis(clipped, np.asarray(u), np.asarray(residuals), rank)

    def frozen(a) -> np.ndarray:
        a = np.array(a, dtype=np.float64)
        a.flags.writeable = False
        return a

    return GPPosterior(
        mu=frozen(mu),
        eigenvalues=frozen(clipped),
        eigenvectors=frozen(u),
        y_test=frozen(yte),
        residuals=frozen(residuals),
        kernel=kernel,
        preprocessing=prep,
        jitter=rel,
        jitter_abs=rel * scale,
        retries=retries,
        rank=rank,
        eig_tol=tol,
        min_raw_eigenvalue=float(lam_np[-1]),
        n_train=n,
        n_test=m,
        classes=k,
        task_name=str(getattr(task, "name", "")),
        seed=int(getattr(task, "seed", 0)),
    )
