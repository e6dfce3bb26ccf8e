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
  :math:`K'(\hat t) = x`, assembled in log space (the private module
  :mod:`ibcomplexity.distributions._saddlepoint` has the formulas). Relative error
  :math:`O(1/N)` in the tail probability, :math:`N = \sum_j k_j`: the error of :math:`\ln P`
  stays below about :math:`1/(6N)` nats (its limit far in the lower tail, Stirling's remainder
  of :math:`\ln\Gamma(N/2 + 1)`), so the relative error of :math:`-\ln P` vanishes deep in the
  tails. Unreliable for :math:`N < 1`.
* ``"imhof"``: exact numerical inversion of the characteristic function (Imhof 1961; formulas in
  the private module :mod:`ibcomplexity.distributions._imhof`), accurate to an absolute ~1e-14
  in probability, hence useless for :math:`P \lesssim 10^{-10}`. Costs ~5 ms a call plus ~0.1 ms
  a point for large :math:`N`, ~10 ms a point for :math:`N \lesssim 10`.
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
from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from ibcomplexity._validation import InputError
from ibcomplexity.distributions._imhof import imhof_log_probs
from ibcomplexity.distributions._numerics import blend, log1m_exp, row_blocks
from ibcomplexity.distributions._saddlepoint import saddlepoint_flat, saddlepoint_log_probs

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
# Elements of the (samples, components) arrays drawn at once by `sample`.
_SAMPLE_CHUNK_ELEMENTS = 2**22


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
        for rows in row_blocks(np.flatnonzero(ok), self.num_components):
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
        for rows in row_blocks(np.flatnonzero(ok), self.num_components):
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

        The root is found by a safeguarded Newton iteration on the log of the saddlepoint
        variable inside a bracket that provably contains it, and the rate is summed as
        non-negative terms, free of cancellation near the mean and of underflow deep in the lower
        tail; the bracket and formulas are in the private module
        :mod:`ibcomplexity.distributions._saddlepoint`.

        Args:
          x: evaluation points.

        Returns:
          :class:`Saddlepoint` with arrays of the shape of ``x`` (``t = -inf``, ``rate = inf``
          for ``x <= offset``; ``t = t_max``, ``rate = inf`` for ``x = inf``).
        """
        x = _as_x(x)
        t, rate, w, u = saddlepoint_flat(self._unit, self._unit_x(x.reshape(-1)))
        with np.errstate(over="ignore"):
            t = t / self._scale
        return Saddlepoint(*(_out(a, x.shape) for a in (t, rate, w, u)))

    # ----------------------------------------------------------------------------- probabilities
    def log_cdf(self, x: ArrayLike, method: str = "auto"):
        r"""Natural log of :math:`P(Q \le x)`, computed natively in log space.

        ``-inf`` exactly for ``x <= offset`` (with positive weights :math:`P(Q \le c_0) = 0`),
        ``0`` for ``x = inf``.

        Saddlepoint: the Lugannani-Rice formula with :math:`\phi(\hat w) = e^{-\hat I}/\sqrt{2\pi}`
        factored out, so it holds from :math:`P \approx 1/2` to :math:`-\ln P` of 1e5 nats and
        beyond, with the removable singularity at the mean bridged linearly; formula in the
        private module :mod:`ibcomplexity.distributions._saddlepoint`.

        Imhof (for ``x > offset``): :math:`P(Q \le x) = \frac12 - \frac1\pi \int_0^\infty
        \sin\theta(u) / (u\,\rho(u))\,du` by adaptive Gauss-Kronrod up to a truncation point
        where Imhof's bound on the remainder is below 1e-15, tolerance 1e-14 absolute, and
        QUADPACK's Fourier rule QAWF for the slowly decaying remainder at few degrees of freedom;
        formula in the private module :mod:`ibcomplexity.distributions._imhof`. The result is
        NaN where the computed probability is not positive (beyond its ~1e-14 absolute accuracy)
        or the integral is out of reach.

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
            log_cdf[inside], log_sf[inside] = imhof_log_probs(self, x[inside])
            return log_cdf, log_sf
        lc, ls = saddlepoint_log_probs(self, x[inside])
        if method == "auto":
            if self.total_dof < _AUTO_SMALL_DOF:
                bulk = np.arange(lc.size)
            else:
                bulk = np.flatnonzero(np.minimum(lc, ls) >= math.log(_AUTO_CANDIDATE_TAIL))
            if bulk.size:
                ic, is_ = imhof_log_probs(self, x[inside][bulk])
                good = np.isfinite(ic) & np.isfinite(is_)
                idx, ic, is_ = bulk[good], ic[good], is_[good]
                # Weight of the saddlepoint from Imhof's own (monotone) tail probability: 0 above
                # AUTO_IMHOF_MIN_TAIL, 1 below _AUTO_SADDLEPOINT_MAX_TAIL.
                hi, lo = math.log(AUTO_IMHOF_MIN_TAIL), math.log(_AUTO_SADDLEPOINT_MAX_TAIL)
                frac = np.clip((hi - np.minimum(ic, is_)) / (hi - lo), 0.0, 1.0)
                lc[idx] = blend(frac, lc[idx], ic)
                ls[idx] = blend(frac, ls[idx], is_)
            if self.total_dof < _AUTO_SMALL_DOF:
                # The saddlepoint can be off by orders of magnitude and Imhof is out of reach at
                # tiny x - c0; the two-term small-x expansion is exact there (and P >~ 1e-3
                # where it takes over, so Imhof is exact on the other side of the switch).
                log_p, size = self._small_x_expansion(x[inside] - self.offset)
                use = size <= _SMALL_X_MAX_CORRECTION
                lc[use], ls[use] = log_p[use], log1m_exp(log_p[use])
        log_cdf[inside], log_sf[inside] = lc, ls
        return log_cdf, log_sf

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
        t, rate, _, _ = saddlepoint_flat(self._unit, self._unit_x(flat))
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
