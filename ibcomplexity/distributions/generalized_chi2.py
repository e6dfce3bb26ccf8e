r"""The generalized chi-square distribution with positive weights, with its log CDF in log space.

.. math::
    Q = \sum_{j=1}^{n} w_j\, \chi'^2_{k_j}(\lambda_j) + c_0,
    \qquad w_j > 0,\quad k_j > 0,\quad \lambda_j \ge 0,\quad c_0 \in \mathbb{R},

with independent noncentral chi-square variables. It is the exact law of the test MSE of
hypotheses drawn from a Gaussian-process posterior (method notes Sec. 2.2), where the inductive
bias is :math:`I(\epsilon) = -\ln P(Q \le \epsilon)`, needed from :math:`P \approx 1` down to
:math:`-\ln P` of tens of thousands of nats. Its cumulant generating function is

.. math::
    K(t) = \sum_j \Big[-\frac{k_j}{2}\ln(1 - 2 w_j t) + \frac{w_j \lambda_j t}{1 - 2 w_j t}\Big]
    + c_0 t, \qquad t < t_{\max} = \frac{1}{2 \max_j w_j},

and with :math:`a_j = 1/(1 - 2 w_j t)` its derivatives are, for :math:`r \ge 1` (plus
:math:`c_0` when :math:`r = 1`),

.. math:: K^{(r)}(t) = \sum_j 2^{r-1}(r-1)!\, w_j^r\, (k_j a_j^r + r \lambda_j a_j^{r+1}).

Three ways to the CDF (:meth:`GeneralizedChiSquare.log_cdf`):

* ``"saddlepoint"``: the Lugannani-Rice formula around the root :math:`\hat t` of
  :math:`K'(\hat t) = x`, assembled in log space (:meth:`GeneralizedChiSquare.saddlepoint` has
  the formulas). Relative error :math:`O(1/N)` in the tail probability, :math:`N = \sum_j k_j`:
  the error of :math:`\ln P` stays below about :math:`1/(6N)` nats (its limit far in the lower
  tail, Stirling's remainder of :math:`\ln\Gamma(N/2 + 1)`), so the relative error of
  :math:`-\ln P` vanishes deep in the tails. Unreliable for :math:`N < 1`.
* ``"imhof"``: exact numerical inversion of the characteristic function (Imhof 1961), accurate to
  an absolute ~1e-14 in probability, hence useless for :math:`P \lesssim 10^{-10}`. Costs ~5 ms
  a call plus ~0.1 ms a point for large :math:`N`, ~10 ms a point for :math:`N \lesssim 10`.
* ``"auto"`` (default): Imhof where its smaller tail probability is at least
  :data:`AUTO_IMHOF_MIN_TAIL` (1e-6), the saddlepoint below 1e-8, blended in log space between
  (so that the result stays monotone); for :math:`N < 1` the small-x expansion near the offset.

All numerics are float64 NumPy/SciPy (a bracketed root finder and adaptive quadrature, which JAX
cannot trace); only :meth:`GeneralizedChiSquare.sample` uses JAX. Inputs ``x`` are array-like;
results are NumPy float64 arrays of the same shape (0-d inputs give NumPy scalars).

References:
  Imhof, *Computing the distribution of quadratic forms in normal variables*, Biometrika 48
  (1961) 419-426.
  Lugannani & Rice, *Saddle point approximation for the distribution of the sum of independent
  random variables*, Adv. Appl. Probab. 12 (1980) 475-490.
  Kuonen, *Saddlepoint approximations for distributions of quadratic forms in normal variables*,
  Biometrika 86 (1999) 929-935.
  Butler, *Saddlepoint Approximations with Applications*, Cambridge University Press 2007,
  Secs. 1.2 and 2.1.
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024, arXiv:2406.15941.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate, special

from ibcomplexity._validation import InputError

__all__ = [
    "GeneralizedChiSquare",
    "Saddlepoint",
    "ChernoffBound",
    "METHODS",
    "AUTO_IMHOF_MIN_TAIL",
]

METHODS = ("auto", "saddlepoint", "imhof")

# "auto" uses Imhof where its min(P, 1 - P) is at least AUTO_IMHOF_MIN_TAIL and the saddlepoint
# where that is below _AUTO_SADDLEPOINT_MAX_TAIL; in between the two log probabilities are blended
# linearly in log P (a jump at a single cutoff would break monotonicity: the saddlepoint's relative
# error is up to 15% for N = 1). Measured (against the Poisson-mixture CDF in mpmath and the exact
# contour integral; N = 1..500 degrees of freedom): Imhof's absolute error is ~1e-16..1e-14, i.e.
# relative <= 1e-9 at P = 1e-6 and <= 1e-6 at P = 1e-8, while the Lugannani-Rice relative error at
# those P is 3e-4..1e-2 (15% for N = 1); beyond 1e-10 Imhof's relative error grows like 1e-15/P
# and the saddlepoint wins. Imhof is only evaluated where the saddlepoint's estimate of the tail
# is at least _AUTO_CANDIDATE_TAIL (a factor 100 of margin over its worst error at N >= 1), or
# everywhere when N < _AUTO_SMALL_DOF, where the saddlepoint can be off by orders of magnitude.
AUTO_IMHOF_MIN_TAIL = 1e-6
_AUTO_SADDLEPOINT_MAX_TAIL = 1e-8
_AUTO_CANDIDATE_TAIL = 1e-10
_AUTO_SMALL_DOF = 1.0
# Below N = _AUTO_SMALL_DOF "auto" uses the two-term small-x expansion near the offset, where its
# expansion parameter is at most this (the neglected third term is ~ its square, 1e-12).
_SMALL_X_MAX_CORRECTION = 1e-6
# Lugannani-Rice has a removable singularity at the mean (w_hat, u_hat -> 0 and 1/w - 1/u is a
# difference of two large numbers). In float64 the root t_hat is known only to an absolute
# eps * scale / K'' (scale = |mean| + |offset|, the size of the numbers subtracted), so
# 1/w - 1/u carries an error ~ eps * (scale / sd) / z^2 at z = (x - mean) / sd. Within |z| < z_c
# the formula is replaced by the straight line through its values at -z_c and +z_c, whose own
# error is ~ z_c^2 * skewness. Measured on five models with scale/sd = 0.7..130: the raw formula
# is off by 1e-6..3e-6 at z = 1e-4 and by < 2e-8 at z = 1e-3, where the bridge joins it
# continuously; z_c = max(1e-3, (eps * scale / sd)^(1/4)) balances the two errors when scale/sd
# exceeds ~1e4.
_LR_CENTER_CUTOFF = 1e-3
# Below this |q| the function q - log1p(q) is summed as its Taylor series (16 terms reach
# 0.1^16/16 < 1e-17 relative): the direct difference cancels catastrophically for small q.
_LOG1PMX_SERIES_CUTOFF = 0.1
_LOG1PMX_TERMS = 16
_EPS = float(np.finfo(np.float64).eps)
# Log of the smallest positive (subnormal) float64, the floor of the root finder's brackets.
_MIN_LOG = -745.0
# Safeguarded Newton on the log of the saddlepoint variable: stop when the step is below this
# (relative to max(1, |z|)), or after this many iterations (bisection alone would need ~ 60).
_ROOT_TOL = 4.0 * _EPS
_ROOT_MAX_ITER = 200
# Rows of x processed at once, so that the (rows, components) temporaries stay ~ 16 MiB.
_BLOCK_ELEMENTS = 2**21
# Imhof: truncate the integral at the first U = u_s 2^i (u_s = 2/sd, the scale where the
# characteristic function has decayed) where Imhof's bound on the neglected part of P is below
# _IMHOF_TRUNCATION; beyond 2^_IMHOF_MAX_DOUBLINGS u_s (few degrees of freedom: the integrand
# decays only like u^{-N/2-1}) the rest is integrated by QUADPACK's Fourier-integral rule QAWF.
_IMHOF_TRUNCATION = 1e-15
_IMHOF_MAX_DOUBLINGS = 8
_IMHOF_EPSABS = 1e-14
_IMHOF_EPSREL = 1e-12
_IMHOF_TAIL_CYCLES = 4
# At most this many doublings of the pieces before QAWF; points that would need more (tiny
# x - c0: P < ~1e-12 for N >= 1, but any P for N < 1) get NaN, and "auto" the saddlepoint.
_IMHOF_MAX_TAIL_DOUBLINGS = 80
# More oscillations of the integrand before the truncation point than quadrature can follow: only
# far out in the upper tail (P there is below Imhof's accuracy); NaN, and "auto" the saddlepoint.
_IMHOF_MAX_OSCILLATIONS = 1e5
# Elements of the (samples, components) arrays drawn at once by `sample`.
_SAMPLE_CHUNK_ELEMENTS = 2**22

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class Saddlepoint:
    r"""The saddlepoint quantities at each ``x`` (arrays of the shape of ``x``).

    Attributes:
      t: the root :math:`\hat t` of :math:`K'(\hat t) = x` (``< 0`` below the mean, ``0`` at it,
        ``-inf`` for ``x <= offset``).
      rate: :math:`\hat t x - K(\hat t) \ge 0`, the Legendre transform of :math:`K` at ``x``;
        ``-rate`` is the Chernoff bound on :math:`\ln P(Q \le x)` (below the mean) or
        :math:`\ln P(Q > x)` (above it).
      w: :math:`\hat w = \mathrm{sign}(\hat t)\sqrt{2\,\mathrm{rate}}`.
      u: :math:`\hat u = \hat t \sqrt{K''(\hat t)}`.
    """

    t: np.ndarray
    rate: np.ndarray
    w: np.ndarray
    u: np.ndarray


@dataclass(frozen=True)
class ChernoffBound:
    r"""The Chernoff bound :math:`\ln P(Q \le x) \le \inf_{t<0}[K(t) - t x]` and its minimiser.

    Attributes:
      log_cdf_bound: the bound (``<= 0``); ``-log_cdf_bound`` is a guaranteed lower bound on
        :math:`I = -\ln P(Q \le x)`.
      t: the minimising ``t`` (``0`` for ``x >= mean``, ``-inf`` for ``x <= offset``).
    """

    log_cdf_bound: np.ndarray
    t: np.ndarray


def _q_minus_log1p(q: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    r""":math:`q - \ln(1 + q) \ge 0` for :math:`q > -1`, given :math:`\ln d = -\ln(1 + q)`.

    Exists because the rate function is a sum of these terms and the direct difference loses all
    digits for small :math:`|q|` (near the mean), where the Taylor series
    :math:`\sum_{n \ge 2} (-q)^n / n` is used instead; ``log_d`` is passed in because the callers
    know :math:`d = 1/(1+q)` without cancellation even where :math:`1 + q` underflows.
    """
    small = np.abs(q) < _LOG1PMX_SERIES_CUTOFF
    qs = np.where(small, q, 0.0)
    series = np.zeros_like(qs)
    for n in range(_LOG1PMX_TERMS + 1, 1, -1):
        series = series * (-qs) + 1.0 / n
    return np.where(small, qs * qs * series, q + log_d)


def _as_params(name: str, value: ArrayLike, size: int | None) -> np.ndarray:
    """A finite float64 vector (a scalar broadcasts to ``size``), or :class:`InputError`."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"{name} must be an array of real numbers, got {value!r}") from err
    if arr.ndim > 1:
        raise InputError(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}")
    if size is not None:
        if arr.ndim == 0:
            arr = np.full(size, float(arr))
        elif arr.shape != (size,):
            raise InputError(
                f"{name} must be a scalar or have the shape of weights ({size},), got {arr.shape}"
            )
    else:
        arr = np.atleast_1d(arr)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got NaN or inf in {arr!r}")
    return arr


def _as_x(x: ArrayLike) -> np.ndarray:
    """``x`` as a float64 array (NaN rejected; +-inf allowed)."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"x must be real numbers, got {x!r}") from err
    if np.isnan(arr).any():
        raise InputError("x must not contain NaN")
    return arr


def _out(arr: np.ndarray, shape: tuple[int, ...]):
    """Reshape a flat result to the shape of ``x`` (a NumPy scalar for 0-d ``x``)."""
    return arr.reshape(shape)[()]


@dataclass(frozen=True, eq=False)
class GeneralizedChiSquare:
    r"""The law of :math:`Q = \sum_j w_j \chi'^2_{k_j}(\lambda_j) + c_0` with :math:`w_j > 0`.

    Args:
      weights: :math:`w_j \ge 0`, shape ``(n,)``. Zero weights are dropped (their terms are
        exactly 0); the stored arrays hold only the positive-weight components.
      dofs: degrees of freedom :math:`k_j > 0` (real), scalar or shape ``(n,)``.
      noncentralities: :math:`\lambda_j \ge 0`, scalar or shape ``(n,)``.
      offset: :math:`c_0`, the essential infimum of :math:`Q`.

    Example:
      >>> q = GeneralizedChiSquare([0.5, 1.0], dofs=10, noncentralities=[0.0, 2.0])
      >>> float(q.mean)
      17.0
      >>> bool(q.log_cdf(1.0) < -10)
      True

    With no positive weight, :math:`Q = c_0` is a point mass (``log_cdf`` is 0 from ``c_0`` on).

    Raises:
      InputError: for negative or non-finite weights, non-positive or non-finite dofs, negative
        or non-finite noncentralities, a non-finite offset, or mismatched shapes.
    """

    weights: np.ndarray
    dofs: np.ndarray
    noncentralities: np.ndarray = 0.0
    offset: float = 0.0

    def __post_init__(self):
        w = _as_params("weights", self.weights, None)
        k = _as_params("dofs", self.dofs, w.size)
        lam = _as_params("noncentralities", self.noncentralities, w.size)
        try:
            c0 = float(self.offset)
        except (TypeError, ValueError) as err:
            raise InputError(f"offset must be a real number, got {self.offset!r}") from err
        if not math.isfinite(c0):
            raise InputError(f"offset must be finite, got {self.offset!r}")
        if np.any(w < 0):
            raise InputError(f"weights must be >= 0, got {w[w < 0][:3]!r} among them")
        if np.any(k <= 0):
            raise InputError(f"dofs must be > 0, got {k[k <= 0][:3]!r} among them")
        if np.any(lam < 0):
            raise InputError(f"noncentralities must be >= 0, got {lam[lam < 0][:3]!r} among them")
        keep = w > 0
        for name, arr in (("weights", w[keep]), ("dofs", k[keep]), ("noncentralities", lam[keep])):
            arr = np.ascontiguousarray(arr)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "offset", c0)

    def __eq__(self, other) -> bool:
        if not isinstance(other, GeneralizedChiSquare):
            return NotImplemented
        return self.offset == other.offset and all(
            np.array_equal(a, b) for a, b in zip(self._arrays(), other._arrays(), strict=True)
        )

    def __hash__(self) -> int:
        return hash((self.offset, *(a.tobytes() for a in self._arrays())))

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.weights, self.dofs, self.noncentralities

    @cached_property
    def _scale(self) -> float:
        """The power of two at or below the largest weight (1 with no components)."""
        if not self.num_components:
            return 1.0
        return math.ldexp(1.0, math.frexp(float(np.max(self.weights)))[1] - 1)

    @cached_property
    def _unit(self) -> GeneralizedChiSquare:
        r"""The law of :math:`Q / s` with :math:`s` = :attr:`_scale`, largest weight in [1, 2).

        All probabilities are computed on it at ``x / s``: the numerics then never see weights
        of 1e-300 or 1e300 (whose variance would underflow or overflow), and dividing by a power
        of two is exact, so :math:`P(aQ \le ax) = P(Q \le x)` holds to the last bit for
        powers of two ``a``.
        """
        if self._scale == 1.0:
            return self
        unit = object.__new__(GeneralizedChiSquare)
        w = self.weights / self._scale
        w.setflags(write=False)
        for name, value in zip(
            ("weights", "dofs", "noncentralities", "offset"),
            (w, self.dofs, self.noncentralities, self.offset / self._scale),
            strict=True,
        ):
            object.__setattr__(unit, name, value)
        return unit

    def _unit_x(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return x / self._scale

    # ----------------------------------------------------------------------------- moments, CGF
    @property
    def num_components(self) -> int:
        """Number of positive-weight components."""
        return int(self.weights.size)

    @property
    def total_dof(self) -> float:
        r""":math:`N = \sum_j k_j`, the small-ball exponent (``P(Q - c_0 <= y) ~ y^{N/2}``)."""
        return float(np.sum(self.dofs))

    @property
    def mean(self) -> float:
        r""":math:`E Q = \sum_j w_j (k_j + \lambda_j) + c_0`."""
        u = self._unit
        return self._scale * float(np.sum(u.weights * (u.dofs + u.noncentralities))) + self.offset

    @property
    def variance(self) -> float:
        r""":math:`\mathrm{Var}\, Q = \sum_j 2 w_j^2 (k_j + 2 \lambda_j)`."""
        u = self._unit
        unit_var = float(np.sum(2.0 * u.weights**2 * (u.dofs + 2.0 * u.noncentralities)))
        return self._scale * self._scale * unit_var

    @property
    def min_value(self) -> float:
        """The essential infimum of :math:`Q`: the offset (every weight is positive)."""
        return self.offset

    @property
    def t_max(self) -> float:
        r""":math:`1 / (2 \max_j w_j)`: the CGF is finite exactly for ``t < t_max``."""
        return 0.5 / float(np.max(self.weights)) if self.num_components else math.inf

    def cgf(self, t: ArrayLike):
        r"""The cumulant generating function :math:`K(t) = \ln E e^{tQ}` (``inf`` for
        ``t >= t_max``); formula in the module docstring."""
        t = _as_x(t)
        flat = t.reshape(-1)
        out = np.full(flat.shape, np.inf)
        ok = flat < self.t_max
        for rows in _blocks(np.flatnonzero(ok), self.num_components):
            e = 2.0 * self.weights * flat[rows, None]
            d = 1.0 - e
            out[rows] = (
                np.sum(0.5 * self.dofs * -np.log1p(-e) + 0.5 * self.noncentralities * e / d, 1)
                + self.offset * flat[rows]
            )
        return _out(out, t.shape)

    def cgf_derivatives(self, t: ArrayLike):
        r"""``(K'(t), K''(t), K'''(t))`` (each ``inf`` for ``t >= t_max``).

        .. math:: K^{(r)}(t) = \sum_j 2^{r-1}(r-1)!\, w_j^r (k_j a_j^r + r\lambda_j a_j^{r+1})
            + c_0 [r = 1], \qquad a_j = 1/(1 - 2 w_j t).
        """
        t = _as_x(t)
        flat = t.reshape(-1)
        outs = [np.full(flat.shape, np.inf) for _ in range(3)]
        ok = flat < self.t_max
        w, k, lam = self._arrays()
        for rows in _blocks(np.flatnonzero(ok), self.num_components):
            a = 1.0 / (1.0 - 2.0 * w * flat[rows, None])
            wa = w * a
            outs[0][rows] = np.sum(wa * (k + lam * a), 1) + self.offset
            outs[1][rows] = np.sum(2.0 * wa**2 * (k + 2.0 * lam * a), 1)
            outs[2][rows] = np.sum(8.0 * wa**3 * (k + 3.0 * lam * a), 1)
        return tuple(_out(o, t.shape) for o in outs)

    # ------------------------------------------------------------------------------ saddlepoint
    def saddlepoint(self, x: ArrayLike) -> Saddlepoint:
        r"""Solve :math:`K'(\hat t) = x` and return :math:`\hat t`, the rate, :math:`\hat w`,
        :math:`\hat u`.

        Below the mean, :math:`\hat t = -s` with :math:`s > 0` is found by a safeguarded Newton
        iteration on :math:`F(z) = \ln(K'(-e^z) - c_0) - \ln(x - c_0)`, which is decreasing in
        :math:`z = \ln s` with slope in :math:`(-2, 0)`, inside the bracket

        .. math::
            \frac{\sqrt{(\mu - c_0)/y} - 1}{2 w_{\max}} \le s
            \le \frac{N/2 + \sqrt{N^2/4 + y \sum_j \lambda_j / w_j}}{2 y},
            \qquad y = x - c_0,

        (from :math:`(1 + 2 w_{\max} s)^{-1} \le a_j \le (2 w_j s)^{-1}`); the upper end is the
        root itself deep in the lower tail. Above the mean the variable is
        :math:`z = \ln(1 - 2 w_{\max}\hat t)`, bracketed by the largest-weight term alone. All
        sums are written so that nothing underflows as :math:`s \to \infty`. With
        :math:`q_j = 2 w_j \hat t / (1 - 2 w_j \hat t)` the rate is a sum of non-negative terms,

        .. math::
            \hat t x - K(\hat t) = \sum_j \Big[\frac{k_j}{2}\big(q_j - \ln(1 + q_j)\big)
            + \frac{\lambda_j}{2} q_j^2\Big] + \hat t\,(x - K'(\hat t)),

        (the last term corrects for the residual of the root), free of cancellation near the
        mean, and :math:`\hat u^2 = \hat t^2 K''(\hat t) = \sum_j \frac{q_j^2}{2}
        (k_j + 2 \lambda_j (1 - 2 w_j \hat t)^{-1})`.

        Args:
          x: evaluation points.

        Returns:
          :class:`Saddlepoint` with arrays of the shape of ``x`` (``t = -inf``, ``rate = inf``
          for ``x <= offset``; ``t = t_max``, ``rate = inf`` for ``x = inf``).
        """
        x = _as_x(x)
        t, rate, w, u = self._unit._saddlepoint_flat(self._unit_x(x.reshape(-1)))
        with np.errstate(over="ignore"):
            t = t / self._scale
        return Saddlepoint(*(_out(a, x.shape) for a in (t, rate, w, u)))

    def _saddlepoint_flat(self, x: np.ndarray):
        n = x.size
        t = np.zeros(n)
        rate = np.zeros(n)
        u = np.zeros(n)
        y = x - self.offset
        mean = self.mean
        below = x <= self.offset
        t[below] = -np.inf
        rate[below] = np.inf
        u[below] = -np.inf
        if self.num_components == 0:
            above = x > self.offset
            t[above], rate[above], u[above] = 0.0, 0.0, 0.0
            return t, rate, np.sign(t) * np.sqrt(2.0 * rate), u
        top = x == np.inf
        t[top], rate[top], u[top] = self.t_max, np.inf, np.inf
        lower = np.flatnonzero((x > self.offset) & (x < mean))
        upper = np.flatnonzero((x > mean) & (x < np.inf))
        for rows in _blocks(lower, self.num_components):
            t[rows], rate[rows], u[rows] = self._lower_point(y[rows], mean - self.offset)
        for rows in _blocks(upper, self.num_components):
            t[rows], rate[rows], u[rows] = self._upper_point(y[rows], mean - self.offset)
        return t, rate, np.sign(t) * np.sqrt(2.0 * rate), u

    def _lower_point(self, y: np.ndarray, mu: float):
        """Saddlepoint below the mean: ``(t, rate, u)`` for ``0 < y < mu`` (``mu = mean - c0``)."""
        w, k, lam = self._arrays()
        n_dof = float(np.sum(k))
        big_l = float(np.sum(lam / w))
        log_y = np.log(y)
        # Logs of the bracket ends; log(sqrt(mu/y) - 1) written without cancellation or
        # overflow, and floored (mu - y may round to 0 within an ulp of the mean).
        with np.errstate(divide="ignore"):
            z_lo = (
                np.log(mu - y)
                - log_y
                - np.logaddexp(0.5 * (math.log(mu) - log_y), 0.0)
                - math.log(2.0 * np.max(w))
            )
        z_lo = np.maximum(z_lo, _MIN_LOG)
        z_hi = np.log(0.5 * n_dof + np.sqrt(0.25 * n_dof**2 + big_l * y)) - math.log(2.0) - log_y
        log_2w = np.log(2.0 * w)

        def terms(z):
            # With s = e^z: p = w s / (1 + 2 w s) in [0, 1/2] and lam / (1 + 2 w s), finite even
            # where s overflows (x - c0 subnormal).
            with np.errstate(over="ignore", divide="ignore"):
                ws = w * np.exp(z)[:, None]
                p = 1.0 / (2.0 + 1.0 / ws)
                lam_d = lam / (1.0 + 2.0 * ws)
            return p, lam_d

        def state(z, rows):
            p, lam_d = terms(z)
            s_sp = np.sum(p * (k + lam_d), 1)  # s (K'(t) - c0): no underflow as s -> inf
            s2_k2 = np.sum(2.0 * p * p * (k + 2.0 * lam_d), 1)  # s^2 K''(t)
            return np.log(s_sp) - z - log_y[rows], -s2_k2 / s_sp

        z = _safeguarded_newton(state, z_lo, z_hi, start_high=True)
        p, lam_d = terms(z)
        q = -2.0 * p
        log_d = np.logaddexp(0.0, log_2w + z[:, None])  # log(1 + 2 w s)
        # t (x - K'(t)) = s S - s y (the residual of the root).
        residual = np.sum(p * (k + lam_d), 1) - np.exp(z + log_y)
        rate = np.sum(0.5 * k * _q_minus_log1p(q, log_d) + 0.5 * lam * q * q, 1)
        u = -np.sqrt(np.sum(0.5 * q * q * (k + 2.0 * lam_d), 1))
        with np.errstate(over="ignore"):
            return -np.exp(z), np.maximum(rate + residual, 0.0), u

    def _upper_point(self, y: np.ndarray, mu: float):
        """Saddlepoint above the mean: ``(t, rate, u)`` for ``y > mu``."""
        w, k, lam = self._arrays()
        w_max = float(np.max(w))
        r = w / w_max
        is_top = r == 1.0
        k_top = float(np.sum(k[is_top]))
        lam_top = float(np.sum(lam[is_top]))
        # K'(t) - c0 >= w_max (k_top / b + lam_top / b^2) with b = 1 - 2 w_max t.
        half = 0.5 * w_max * k_top / y
        b_lo = half + np.sqrt(half * half + w_max * lam_top / y)
        log_y = np.log(y)

        def state(z, rows):
            # Scaled by powers of b so that nothing overflows as b -> 0 (g = b / d <= 1 / r).
            b = np.exp(z)[:, None]
            g = b / ((1.0 - r) + r * b)
            wg = w * g
            b2_sp = np.sum(wg * (k * b + lam * g), 1)  # b^2 (K'(t) - c0)
            b3_k2 = np.sum(2.0 * wg * wg * (k * b + 2.0 * lam * g), 1)  # b^3 K''(t)
            return np.log(b2_sp) - 2.0 * z - log_y[rows], -b3_k2 / (2.0 * w_max * b2_sp)

        z = _safeguarded_newton(state, np.log(b_lo), np.zeros_like(y), start_high=False)
        t = -np.expm1(z) / (2.0 * w_max)
        d = (1.0 - r) + r * np.exp(z)[:, None]
        # Only absurdly far out (x - c0 > ~1e150 w_max) do these overflow; the rate is then inf
        # and log_sf = -inf.
        with np.errstate(over="ignore", invalid="ignore"):
            q = 2.0 * w * t[:, None] / d
            lam_d = lam / d
            residual = t * (y - np.sum(w / d * (k + lam_d), 1))
            rate = np.sum(0.5 * k * _q_minus_log1p(q, np.log(d)) + 0.5 * lam * q * q, 1)
            u = np.sqrt(np.sum(0.5 * q * q * (k + 2.0 * lam_d), 1))
            rate = np.where(np.isfinite(rate), np.maximum(rate + residual, 0.0), np.inf)
        return t, rate, u

    # ----------------------------------------------------------------------------- probabilities
    def log_cdf(self, x: ArrayLike, method: str = "auto"):
        r"""Natural log of :math:`P(Q \le x)`, computed natively in log space.

        ``-inf`` exactly for ``x <= offset`` (with positive weights :math:`P(Q \le c_0) = 0`),
        ``0`` for ``x = inf``.

        Saddlepoint (Lugannani-Rice): on the tail side of the mean (:math:`\hat w \hat u > 0`),

        .. math::
            \ln P_{\rm tail} = -\hat I - \tfrac12\ln 2\pi
            + \ln\Big[\mathcal{R}(|\hat w|) - \frac{1}{|\hat w|} + \frac{1}{|\hat u|}\Big],
            \qquad \mathcal{R}(a) = \frac{\Phi(-a)}{\phi(a)} = \sqrt{\pi/2}\,
            \mathrm{erfcx}(a/\sqrt2),

        which is :math:`\Phi(\hat w) + \phi(\hat w)(1/\hat w - 1/\hat u)` with
        :math:`\phi(\hat w) = e^{-\hat I}/\sqrt{2\pi}` factored out, so it holds from
        :math:`P \approx 1/2` to :math:`-\ln P` of 1e5 nats and beyond; the other side is
        ``log1p(-P_tail)``. Where the bracket is not positive (a breakdown of the approximation
        that was never observed for positive weights) :math:`\ln\Phi(-|\hat w|)` is used. Within
        :data:`_LR_CENTER_CUTOFF` standard deviations of the mean the removable singularity is
        bridged linearly (see the constant).

        Imhof (for ``x > offset``), with :math:`y = x - c_0`:

        .. math::
            P(Q \le x) = \frac12 - \frac1\pi \int_0^\infty \frac{\sin\theta(u)}{u\,\rho(u)}\,du,
            \quad \theta(u) = \frac12\sum_j\Big[k_j \arctan(w_j u)
            + \frac{\lambda_j w_j u}{1 + w_j^2 u^2}\Big] - \frac{y u}{2},

        :math:`\rho(u) = \prod_j (1 + w_j^2 u^2)^{k_j/4}
        \exp\big(\frac12 \sum_j \lambda_j w_j^2 u^2 / (1 + w_j^2 u^2)\big)`; adaptive
        Gauss-Kronrod up to the truncation point where Imhof's bound on the remainder is below
        1e-15, tolerance 1e-14 absolute; for few degrees of freedom, whose integrand decays too
        slowly to truncate, the oscillating remainder goes to QUADPACK's Fourier rule QAWF. The
        result is NaN where the computed probability is not positive (beyond its ~1e-14
        absolute accuracy) or the integral is out of reach (see ``_imhof_integral``).

        Auto: Imhof, saddlepoint or their blend by Imhof's own tail probability (module
        constants ``AUTO_IMHOF_MIN_TAIL`` and ``_AUTO_SADDLEPOINT_MAX_TAIL``); Imhof is computed
        only where the saddlepoint's tail estimate exceeds 1e-10. For :math:`N < 1` Imhof is
        computed everywhere and, near the offset, :meth:`_small_x_expansion` is used.

        Args:
          x: evaluation points (NaN rejected).
          method: ``"auto"``, ``"saddlepoint"`` or ``"imhof"``.

        Returns:
          ``log P(Q <= x)``, float64, of the shape of ``x``.

        References:
          Lugannani & Rice (1980); Kuonen (1999); Imhof (1961); Butler (2007) Sec. 1.2.
        """
        x = _as_x(x)
        return _out(self._unit._log_probs(self._unit_x(x.reshape(-1)), method)[0], x.shape)

    def log_sf(self, x: ArrayLike, method: str = "auto"):
        r"""Natural log of :math:`P(Q > x)` (``0`` for ``x <= offset``, ``-inf`` for
        ``x = inf``); same methods and formulas as :meth:`log_cdf`."""
        x = _as_x(x)
        return _out(self._unit._log_probs(self._unit_x(x.reshape(-1)), method)[1], x.shape)

    def _log_probs(self, x: np.ndarray, method: str):
        if method not in METHODS:
            raise InputError(f"method must be one of {METHODS}, got {method!r}")
        log_cdf = np.zeros(x.size)
        log_sf = np.zeros(x.size)
        if self.num_components == 0:
            log_cdf[x < self.offset] = -np.inf
            log_sf[x >= self.offset] = -np.inf
            return log_cdf, log_sf
        log_cdf[x <= self.offset] = -np.inf
        log_sf[x == np.inf] = -np.inf
        inside = np.flatnonzero((x > self.offset) & (x < np.inf))
        if method == "imhof":
            log_cdf[inside], log_sf[inside] = self._imhof_log_probs(x[inside])
            return log_cdf, log_sf
        lc, ls = self._saddlepoint_log_probs(x[inside])
        if method == "auto":
            if self.total_dof < _AUTO_SMALL_DOF:
                bulk = np.arange(lc.size)
            else:
                bulk = np.flatnonzero(np.minimum(lc, ls) >= math.log(_AUTO_CANDIDATE_TAIL))
            if bulk.size:
                ic, is_ = self._imhof_log_probs(x[inside][bulk])
                good = np.isfinite(ic) & np.isfinite(is_)
                idx, ic, is_ = bulk[good], ic[good], is_[good]
                # Weight of the saddlepoint from Imhof's own (monotone) tail probability: 0 above
                # AUTO_IMHOF_MIN_TAIL, 1 below _AUTO_SADDLEPOINT_MAX_TAIL.
                hi, lo = math.log(AUTO_IMHOF_MIN_TAIL), math.log(_AUTO_SADDLEPOINT_MAX_TAIL)
                frac = np.clip((hi - np.minimum(ic, is_)) / (hi - lo), 0.0, 1.0)
                lc[idx] = _blend(frac, lc[idx], ic)
                ls[idx] = _blend(frac, ls[idx], is_)
            if self.total_dof < _AUTO_SMALL_DOF:
                # The saddlepoint can be off by orders of magnitude and Imhof is out of reach at
                # tiny x - c0; the two-term small-x expansion is exact there (and P >~ 1e-3
                # where it takes over, so Imhof is exact on the other side of the switch).
                log_p, size = self._small_x_expansion(x[inside] - self.offset)
                use = size <= _SMALL_X_MAX_CORRECTION
                lc[use], ls[use] = log_p[use], _log1m_exp(log_p[use])
        log_cdf[inside], log_sf[inside] = lc, ls
        return log_cdf, log_sf

    def _saddlepoint_log_probs(self, x: np.ndarray):
        """Lugannani-Rice ``(log_cdf, log_sf)`` for ``offset < x < inf`` (formula: log_cdf)."""
        sd = math.sqrt(self.variance)
        mean = self.mean
        size = abs(mean) + abs(self.offset)
        z_c = max(_LR_CENTER_CUTOFF, (_EPS * size / sd) ** 0.25)
        half_width = min(z_c * sd, 0.5 * (mean - self.offset))
        center = np.abs(x - mean) < half_width
        lc, ls = self._lr_log_probs(np.where(center, mean + 2.0 * half_width, x))
        if center.any():
            ends = self._lr_log_probs(np.array([mean - half_width, mean + half_width]))[0]
            p_lo, p_hi = np.exp(ends)
            frac = (x[center] - (mean - half_width)) / (2.0 * half_width)
            p = p_lo + frac * (p_hi - p_lo)
            lc[center], ls[center] = np.log(p), np.log1p(-p)
        return lc, ls

    def _lr_log_probs(self, x: np.ndarray):
        t, rate, w_hat, u_hat = self._saddlepoint_flat(x)
        a = np.abs(w_hat)
        mills = math.sqrt(0.5 * math.pi) * special.erfcx(a / math.sqrt(2.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            bracket = mills + (1.0 / np.abs(u_hat) - 1.0 / a)
            log_tail = np.where(
                bracket > 0.0,
                -rate - _HALF_LOG_2PI + np.log(np.where(bracket > 0.0, bracket, 1.0)),
                special.log_ndtr(-a),
            )
        log_tail = np.minimum(log_tail, 0.0)
        log_other = _log1m_exp(log_tail)
        is_lower = t < 0.0
        return np.where(is_lower, log_tail, log_other), np.where(is_lower, log_other, log_tail)

    def _imhof_log_probs(self, x: np.ndarray):
        """Imhof ``(log_cdf, log_sf)`` for ``offset < x < inf``; NaN where not positive."""
        if x.size == 0:
            return np.zeros(0), np.zeros(0)
        integral = self._imhof_integral(x - self.offset)
        cdf = 0.5 - integral / math.pi
        sf = 0.5 + integral / math.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            lc = np.where(cdf > 0.0, np.log(np.where(cdf > 0.0, cdf, 1.0)), np.nan)
            ls = np.where(sf > 0.0, np.log(np.where(sf > 0.0, sf, 1.0)), np.nan)
        return np.minimum(lc, 0.0), np.minimum(ls, 0.0)

    def _imhof_log_truncation(self, u: np.ndarray) -> np.ndarray:
        r"""Log of a bound on the part of P beyond ``u`` (Imhof's, refined).

        For :math:`v \ge u` and any set :math:`S` of components,
        :math:`\rho(v) \ge \prod_{j \in S} (w_j v)^{k_j/2} \prod_{j \notin S}
        (1 + w_j^2 u^2)^{k_j/4} \exp(\frac12 \sum_j \lambda_j w_j^2 u^2 / (1 + w_j^2 u^2))`,
        so the remainder of :math:`P` is at most :math:`2 / (\pi N_S)` times the inverse of the
        same product at :math:`v = u`. Imhof's bound is :math:`S` = all components; the minimum
        over the sets of the largest weights is far smaller when many weights are small (the GP
        case), which lets the quadrature stop much earlier.
        """
        order = np.argsort(-self.weights)
        w, k, lam = (a[order] for a in self._arrays())
        log_wu = np.log(w) + np.log(u)[:, None]
        log_1p = np.logaddexp(0.0, 2.0 * log_wu)  # log(1 + w^2 u^2)
        frac = np.exp(-np.logaddexp(0.0, -2.0 * log_wu))  # w^2 u^2 / (1 + w^2 u^2)
        # Bound for S = the m largest weights, m = 1..n.
        inside = np.cumsum(0.5 * k * log_wu, 1)
        outside = np.sum(0.25 * k * log_1p, 1)[:, None] - np.cumsum(0.25 * k * log_1p, 1)
        n_s = np.cumsum(k)
        log_bound = (
            -np.log(0.5 * math.pi * n_s) - inside - outside - np.sum(0.5 * lam * frac, 1)[:, None]
        )
        return np.min(log_bound, 1)

    def _imhof_integral(self, y: np.ndarray) -> np.ndarray:
        r""":math:`J(y) = \int_0^\infty \sin\theta(u) / (u\rho(u))\,du` for each ``y > 0``.

        NaN where it is out of reach: more than _IMHOF_MAX_OSCILLATIONS oscillations before the
        truncation point (far upper tail), or more than _IMHOF_MAX_TAIL_DOUBLINGS pieces before
        the Fourier rule applies (tiny ``y`` with few degrees of freedom).
        """
        w, k, lam = self._arrays()
        u_s = 2.0 / math.sqrt(self.variance)
        grid = u_s * 2.0 ** np.arange(_IMHOF_MAX_DOUBLINGS + 1)
        log_trunc = self._imhof_log_truncation(grid)
        reached = np.flatnonzero(log_trunc <= math.log(_IMHOF_TRUNCATION))
        last = int(reached[0]) if reached.size else _IMHOF_MAX_DOUBLINGS
        upper = float(grid[last])
        out = np.full(y.size, np.nan)
        ok = np.flatnonzero(y * upper / (4.0 * math.pi) <= _IMHOF_MAX_OSCILLATIONS)
        if not ok.size:
            return out
        y = y[ok]

        def phase_and_log_rho(u: float):
            # Written to stay finite for w u up to the float64 range (tiny x - c0 needs u ~ 1/y).
            wu = w * u
            log_wu2 = 2.0 * np.log(wu)
            frac = np.exp(-np.logaddexp(0.0, -log_wu2))  # w^2 u^2 / (1 + w^2 u^2)
            theta0 = 0.5 * float(np.sum(k * np.arctan(wu) + lam / (wu + 1.0 / wu)))
            log_rho = float(np.sum(0.25 * k * np.logaddexp(0.0, log_wu2) + 0.5 * lam * frac))
            return theta0, log_rho

        def integrand(u: float) -> np.ndarray:
            theta0, log_rho = phase_and_log_rho(u)
            return np.sin(theta0 - 0.5 * y * u) * (math.exp(-log_rho) / u)

        value, _ = integrate.quad_vec(
            integrand,
            0.0,
            upper,
            epsabs=_IMHOF_EPSABS,
            epsrel=_IMHOF_EPSREL,
            norm="max",
            points=list(grid[:last]),
        )
        value = np.atleast_1d(np.asarray(value, dtype=np.float64)).copy()
        if not reached.size:
            # Few degrees of freedom: the remainder decays too slowly to truncate. Integrate on
            # to where sin(theta0 - y u/2) has made _IMHOF_TAIL_CYCLES oscillations (geometric
            # pieces, each with at most a few), then write sin(theta0 - y u/2) =
            # sin(theta0) cos(y u/2) - cos(theta0) sin(y u/2): theta0 and rho vary slowly, so
            # QUADPACK's Fourier-integral rule QAWF integrates the rest.
            def scalar(u: float, yi: float) -> float:
                theta0, log_rho = phase_and_log_rho(u)
                return math.sin(theta0 - 0.5 * yi * u) * math.exp(-log_rho) / u

            def amp(u: float, trig) -> float:
                theta0, log_rho = phase_and_log_rho(u)
                return trig(theta0) * math.exp(-log_rho) / u

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                for i, yi in enumerate(y):
                    start = upper
                    stop = max(upper, 4.0 * math.pi * _IMHOF_TAIL_CYCLES / yi)
                    if stop > math.ldexp(upper, _IMHOF_MAX_TAIL_DOUBLINGS):
                        value[i] = np.nan
                        continue
                    while start < stop:
                        end = min(2.0 * start, stop)
                        value[i] += integrate.quad(
                            scalar, start, end, args=(yi,), epsabs=_IMHOF_EPSABS, limit=200
                        )[0]
                        start = end
                    for trig, weight, sign in ((math.sin, "cos", 1.0), (math.cos, "sin", -1.0)):
                        tail = integrate.quad(
                            amp,
                            stop,
                            np.inf,
                            args=(trig,),
                            weight=weight,
                            wvar=0.5 * yi,
                            epsabs=_IMHOF_EPSABS,
                            limlst=200,
                        )[0]
                        value[i] += sign * tail
        out[ok] = value
        return out

    def _small_x_expansion(self, y: np.ndarray):
        r"""Two terms of :math:`\ln P(Q - c_0 \le y)` for small ``y > 0``, and the size of the
        expansion parameter :math:`y \sum_j (\lambda_j + k_j) / (4 w_j) / (N/2 + 1)`.

        From the Laplace transform :math:`C s^{-N/2}(1 + B/s + O(s^{-2}))` at :math:`s \to \infty`
        (Watson's lemma), :math:`P = \frac{C y^{N/2}}{\Gamma(N/2 + 1)}
        (1 + \frac{B y}{N/2 + 1} + O(y^2))` with :math:`B = \sum_j (\lambda_j - k_j)/(4 w_j)`,
        :math:`C = e^{-\sum\lambda_j/2} \prod_j (2 w_j)^{-k_j/2}`. The returned size bounds
        the second term without the cancellation in :math:`B`; the third is of its square.
        """
        w, k, lam = self._arrays()
        scale = y / (0.5 * float(np.sum(k)) + 1.0)
        corr = float(np.sum((lam - k) / (4.0 * w))) * scale
        size = float(np.sum((lam + k) / (4.0 * w))) * scale
        log_p = -self._small_x_asymptote_flat(y) + np.log1p(np.clip(corr, -0.5, 0.5))
        return np.minimum(log_p, 0.0), size

    def _small_x_asymptote_flat(self, y: np.ndarray) -> np.ndarray:
        w, k, lam = self._arrays()
        n_dof = float(np.sum(k))
        const = (
            float(np.sum(0.5 * k * np.log(2.0 * w)))
            + math.lgamma(0.5 * n_dof + 1.0)
            + 0.5 * float(np.sum(lam))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y > 0.0, -0.5 * n_dof * np.log(np.where(y > 0, y, 1.0)) + const, np.inf)

    # ------------------------------------------------------------------------- bounds, asymptote
    def chernoff_log_cdf(self, x: ArrayLike) -> ChernoffBound:
        r"""The Chernoff bound :math:`\ln P(Q \le x) \le \inf_{t < 0}[K(t) - t x]`.

        The infimum is attained at the saddlepoint :math:`\hat t` for ``offset < x < mean``
        (value ``-rate``); it is ``0`` (at ``t -> 0``) for ``x >= mean`` and ``-inf`` for
        ``x <= offset``. The bound holds for any ``t < 0``, so an inexact root only loosens it:
        ``-log_cdf_bound`` is a guaranteed lower bound on :math:`I = -\ln P(Q \le x)` (up to
        float64 rounding of the rate, ~1e-16 relative).

        Example:
          >>> q = GeneralizedChiSquare([1.0], dofs=4)
          >>> b = q.chernoff_log_cdf(0.5)
          >>> bool(b.log_cdf_bound >= q.log_cdf(0.5))
          True
        """
        x = _as_x(x)
        flat = x.reshape(-1)
        t, rate, _, _ = self._unit._saddlepoint_flat(self._unit_x(flat))
        bound = np.where(t < 0.0, -rate, 0.0)
        with np.errstate(over="ignore"):
            t_opt = np.where(t < 0.0, t / self._scale, 0.0)
        if self.num_components == 0:
            bound = np.where(flat < self.offset, -np.inf, 0.0)
            t_opt = np.where(flat < self.offset, -np.inf, 0.0)
        return ChernoffBound(_out(bound, x.shape), _out(t_opt, x.shape))

    def small_x_asymptote(self, x: ArrayLike):
        r"""Leading behaviour of :math:`-\ln P(Q \le x)` as :math:`x \downarrow c_0`.

        .. math::
            -\ln P(Q \le c_0 + y) = \frac{N}{2}\ln\frac1y + \sum_j \frac{k_j}{2}\ln(2 w_j)
            + \ln\Gamma\Big(\frac N2 + 1\Big) + \sum_j \frac{\lambda_j}{2} + O(y),

        with :math:`N = \sum_j k_j`. Derivation: for integer :math:`k_j`,
        :math:`Q - c_0 = \sum_j w_j |Z_j + \mu_j|^2` with :math:`Z_j \sim N(0, I_{k_j})`,
        :math:`|\mu_j|^2 = \lambda_j`, so :math:`P(Q - c_0 \le y)` is the Gaussian mass of the
        ellipsoid :math:`\{v: \sum_j w_j |v_j|^2 \le y\}` of volume
        :math:`\pi^{N/2} y^{N/2} / (\Gamma(N/2 + 1) \prod_j w_j^{k_j/2})`, on which the
        :math:`N(-\mu, I)` density is :math:`(2\pi)^{-N/2} e^{-\sum_j\lambda_j/2}(1 + O(y))`. For
        real :math:`k_j` the same follows from the densities
        :math:`e^{-\lambda/2} z^{k/2-1} / ((2w)^{k/2}\Gamma(k/2))(1 + O(z))` at :math:`z \to 0`,
        whose convolution is a Dirichlet integral. Returns ``inf`` for ``x <= offset``.

        References:
          Ruben, *Probability content of regions under spherical normal distributions, IV*,
          Ann. Math. Statist. 33 (1962) 542-570.
        """
        x = _as_x(x)
        y = x.reshape(-1) - self.offset
        return _out(self._small_x_asymptote_flat(y), x.shape)

    # ------------------------------------------------------------------------------- sampling
    def sample(self, key: jax.Array, n: int) -> jax.Array:
        r"""``n`` independent draws of :math:`Q` with JAX (for Monte-Carlo checks).

        A component with :math:`k \ge 1` is drawn as :math:`(Z + \sqrt\lambda)^2 +
        2\,\mathrm{Gamma}((k - 1)/2)`, one with :math:`k < 1` as the Poisson mixture
        :math:`2\,\mathrm{Gamma}(k/2 + J)`, :math:`J \sim \mathrm{Poisson}(\lambda/2)`. Draws
        come in chunks of ~4M variates, chunk ``i`` from ``fold_in(key, i)``. The dtype is
        JAX's default float (float32 unless ``jax_enable_x64``). JAX's gamma sampler costs ~1 us
        a variate on a CPU (plus ~3 s of compilation per new shape): for millions of draws of
        many components a NumPy generator is ~30x faster.

        Args:
          key: a ``jax.random`` key.
          n: number of draws (``>= 0``).

        Returns:
          ``jax.Array`` of shape ``(n,)``.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(f"n must be a non-negative integer, got {n!r}")
        n = int(n)
        dtype = jnp.asarray(1.0).dtype
        m = self.num_components
        if m == 0 or n == 0:
            return jnp.full((n,), self.offset, dtype)
        big = self.dofs >= 1.0
        w_big = jnp.asarray(self.weights[big], dtype)
        w_small = jnp.asarray(self.weights[~big], dtype)
        shift = jnp.asarray(np.sqrt(self.noncentralities[big]), dtype)
        rest = jnp.asarray(0.5 * (self.dofs[big] - 1.0), dtype)
        half_k = jnp.asarray(0.5 * self.dofs[~big], dtype)
        half_lam = jnp.asarray(0.5 * self.noncentralities[~big], dtype)
        rows = max(1, _SAMPLE_CHUNK_ELEMENTS // m)
        chunks = []
        for i, start in enumerate(range(0, n, rows)):
            size = min(rows, n - start)
            k_norm, k_gamma, k_pois, k_mix = jax.random.split(jax.random.fold_in(key, i), 4)
            z = jax.random.normal(k_norm, (size, w_big.size), dtype) + shift
            x_big = z * z + 2.0 * jax.random.gamma(k_gamma, rest, (size, w_big.size), dtype)
            extra = jax.random.poisson(k_pois, half_lam, (size, w_small.size)).astype(dtype)
            x_small = 2.0 * jax.random.gamma(k_mix, half_k + extra, (size, w_small.size), dtype)
            chunks.append(x_big @ w_big + x_small @ w_small + self.offset)
        return jnp.concatenate(chunks)


def _blend(frac: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``frac * a + (1 - frac) * b``, exactly ``b`` where ``frac == 0`` even if ``a`` is -inf."""
    with np.errstate(invalid="ignore"):
        mixed = frac * a + (1.0 - frac) * b
    return np.where(frac == 0.0, b, np.where(frac == 1.0, a, mixed))


def _log1m_exp(a: np.ndarray) -> np.ndarray:
    r""":math:`\ln(1 - e^a)` for :math:`a \le 0`, accurate at both ends (Maechler 2012 switch at
    :math:`-\ln 2`); ``-inf`` at ``a = 0``."""
    with np.errstate(divide="ignore"):
        return np.where(a > -math.log(2.0), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


def _blocks(rows: np.ndarray, width: int):
    """Split row indices into blocks of at most ``_BLOCK_ELEMENTS / width`` rows."""
    size = max(1, _BLOCK_ELEMENTS // max(width, 1))
    for start in range(0, rows.size, size):
        yield rows[start : start + size]


def _safeguarded_newton(state, lo: np.ndarray, hi: np.ndarray, *, start_high: bool) -> np.ndarray:
    """Root of decreasing functions ``F_i(z)`` with ``F_i(lo_i) >= 0 >= F_i(hi_i)``.

    ``state(z, rows) -> (F, dF)`` evaluates the rows ``rows`` at ``z``. Newton steps are taken when
    they stay strictly inside the current bracket, bisection otherwise, so the iteration cannot
    leave the bracket and converges; the bracket shrinks at every evaluation.
    """
    lo, hi = lo.astype(np.float64).copy(), hi.astype(np.float64).copy()
    z = (hi if start_high else lo).copy()
    active = np.arange(z.size)
    for _ in range(_ROOT_MAX_ITER):
        if active.size == 0:
            break
        za = z[active]
        f, df = state(za, active)
        pos = f > 0.0
        lo[active] = np.where(pos, za, lo[active])
        hi[active] = np.where(pos, hi[active], za)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z_new = za - f / df
        la, ha = lo[active], hi[active]
        inside = np.isfinite(z_new) & (z_new > la) & (z_new < ha)
        z_new = np.where(inside, z_new, 0.5 * (la + ha))
        tol = _ROOT_TOL * np.maximum(1.0, np.abs(za))
        done = (np.abs(z_new - za) <= tol) | (f == 0.0) | (ha - la <= tol)
        z[active] = np.where(f == 0.0, za, z_new)
        active = active[~done]
    return z
