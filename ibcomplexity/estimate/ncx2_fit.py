r"""Maximum-likelihood scaled noncentral chi-square for a sample of losses.

**Fitted model.** L is modelled as a scaled noncentral chi-square with location 0,
:math:`L \sim s\,\chi'^2_k(\lambda)` (positive support, the exact law of a Gaussian-process
hypothesis's MSE when all the posterior variances are equal, and a good two-moment-plus-skew
description of a generalized chi-square otherwise). The fit:

1. *Moment-matched start.* The sample mean m, variance v and third central moment
   :math:`\mu_3` are matched to

   .. math:: m = s(k + \lambda), \qquad v = 2s^2(k + 2\lambda), \qquad \mu_3 = 8s^3(k + 3\lambda).

   Eliminating k and :math:`\lambda` leaves :math:`8ms^2 - 8vs + \mu_3 = 0`, whose root with
   :math:`\lambda \ge 0` is :math:`s = \mu_3 / \big(4(v + \sqrt{v^2 - m\mu_3/2})\big)`, then
   :math:`\lambda = v/(2s^2) - m/s` and :math:`k = 2m/s - v/(2s^2)`. A solution exists only when
   :math:`3v^2/(2m) < \mu_3 \le 2v^2/m` (the sample skewness lies between that of the
   noncentral limit k -> 0 and that of the central chi-square). Outside that range the start
   matches two moments at the nearest end of it: too skewed (it would need
   :math:`\lambda < 0`): the scaled *central* chi-square, :math:`\lambda = 0`,
   :math:`s = v/(2m)`, :math:`k = 2m^2/v` (``"moments2-central"``); too little skew (it would
   need :math:`k \le 0`, e.g. a nearly normal sample): mean and variance with a small k,
   :math:`k \approx 0.007 \cdot 2m^2/v` (``"moments2-small-df"``). The result says which start
   was used.
2. *Maximum likelihood* from that start, on the losses divided by their mean (so every
   quantity is O(1)), by damped Newton iterations (central-difference gradient and Hessian, the
   Hessian's eigenvalues made positive, Armijo backtracking) in the coordinates
   :math:`(\log\mu, \log\sigma^2, \eta)`: mean, variance and
   :math:`\eta = \mathrm{logit}(k\sigma^2/2\mu^2)`, which places the shape between the
   k -> 0 limit and the central chi-square (see ``_to_theta``). In (s, k, lambda) the likelihood
   has a long curved ridge (k traded against lambda at nearly fixed mean and variance) along
   which L-BFGS-B and Newton crawl for hundreds of iterations; in these coordinates it is nearly
   an axis and a fit takes 2-8 iterations. When the maximum lies at an end of the family
   (:math:`\eta \to \pm\infty`: the central chi-square, or k -> 0, as for nearly normal
   samples), the objective saturates like :math:`e^{-|\eta|}`; past :math:`|\eta|` = 8 the end
   itself is tried and taken if it is at least as good, and the message says so. The iteration
   stops when the Newton decrement is below 1e-13 or a step gains less than 1e-10 in the mean
   log-likelihood. The log-density is
   :func:`~ibcomplexity.distributions.noncentral_chi2.ncx2_log_pdf`, which, unlike scipy's, does
   not underflow for large k.
3. *The tail* :math:`\log P(L \le \varepsilon)` with the log-space
   :func:`~ibcomplexity.distributions.noncentral_chi2.ncx2_log_cdf`: finite for any
   :math:`\varepsilon > 0`, however many bits.

**Bootstrap interval.** B resamples with replacement, drawn from ``numpy.random.default_rng(seed)``;
each one's bits are read off its refitted model and the interval is the percentile interval.
Each refit is the same Newton iteration started at the full-sample MLE (which is close: a few
iterations; with :math:`|\eta|` clipped to 5, see ``_to_theta``), capped at
:data:`_BOOT_MAXITER` (the result says how many refits did not converge), and all resamples are
iterated together as one batch.

**Fast likelihood.** An evaluation of the log-likelihood of S losses would cost S Bessel-function
evaluations (~10 ms for 10,000 losses with scipy's ``ive``), so ~20 per Newton iteration times
200 refits would take minutes. Instead the log-density is interpolated in :math:`u = \log L` by
a Chebyshev polynomial of degree D through its values at D + 1 Chebyshev-Lobatto nodes spanning
the sample; the log-likelihood of any weighting c of the sample (the full sample, or a resample's
counts) is then :math:`v_c \cdot \log f(\text{nodes})`, with :math:`v_c` computed once from
the sample. Each evaluation costs D + 1 density evaluations whatever S. D starts at 32 and is
doubled (up to 512) until the interpolant is within :data:`_CHEB_TOL` of the log-density at
every sample point at the fitted parameters (measured: 1e-14 to 3e-10 at D = 32); if none is,
the exact likelihood is used (slow, correct). The bootstrap refits reuse the accepted
interpolant (their parameters are close to the checked ones). Measured on one core: the fit
plus 200 refits of 10,000 losses take 0.3-0.5 s, of 100,000 losses ~2 s.

The same resamples also give the sample moments that
:mod:`ibcomplexity.estimate.cumulant_fit` needs, so both models are bootstrapped on identical
resamples (see :func:`_bootstrap_thetas`).

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13 (percentile interval).
  Nocedal & Wright, *Numerical Optimization*, 2nd ed., 2006, §3.4 (Newton with Hessian
  modification), §3.1 (Armijo backtracking).
  Trefethen, *Approximation Theory and Approximation Practice*, 2013 (Chebyshev interpolation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import chebyshev
from scipy import special

from ibcomplexity._numerics import LN2
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf, ncx2_log_pdf
from ibcomplexity.estimate._samples import _check_losses

__all__ = ["NcxFit", "NcxParams", "fit_ncx2", "ncx2_moment_match"]

# Box on the optimisation coordinates theta = (log mean, log variance, eta) of the normalised
# losses (mean ~ 1; see _to_theta): any sample lies well inside; outside it the objective is +inf,
# which the line search treats as a wall. eta = 40 is the central chi-square to 1e-17.
_THETA_BOX = (np.array([-30.0, -60.0, -40.0]), np.array([30.0, 30.0, 40.0]))
# Newton: iteration caps (full fit / bootstrap refits), stopping tolerance on the Newton decrement
# (mean log-likelihood units: far below its sampling noise ~1/sqrt(S)), a looser one accepted when
# the line search can no longer improve (rounding), the smallest gain of a step that continues
# (1e-10 per loss: a total log-likelihood change of 1e-6 for S = 10,000), the largest step per
# coordinate, the eigenvalue floor relative to the largest, and the number of step halvings.
_MAXITER = 200
_BOOT_MAXITER = 100
_NEWTON_TOL = 1e-13
_NEWTON_LOOSE_TOL = 1e-8
_F_TOL = 1e-10
_MAX_STEP = 2.0
_EIG_FLOOR = 1e-14
_MAX_HALVINGS = 40
# Central-difference steps. Mean and variance (relative to max(1, |theta_i|)): the curvature is
# ~1, and truncation ~h^2 and rounding ~1e-16/h^2 are both ~1e-8 of it at h = 1e-4. Shape eta: a
# step of _FD_STEP_ETA / 4 in q = expit(eta) (at most _FD_MAX_ETA_STEP in eta), because the
# curvature in eta can be 1e-6 (nearly normal samples) and the objective's rounding (~1e-13)
# divided by h^2 must stay well below that.
_FD_STEP = 1e-4
_FD_STEP_ETA = 2e-3
_FD_MAX_ETA_STEP = 0.5
# A central start (q = 1, eta = inf) begins here (nc ~ 0.09 k): the gradient in eta vanishes like
# exp(-eta) towards the central chi-square, so a start near it could not leave it.
_ETA_CENTRAL_START = 5.0
# Beyond this |eta| a fit moving outwards tries the end of the range (see _jump_to_wall).
_ETA_SATURATED = 8.0
# Chebyshev degrees tried for the compressed likelihood, then the exact likelihood; the accepted
# interpolation error of the log-density at the sample points (relative to 1 + |log f|).
_CHEB_DEGREES = (32, 64, 128, 256, 512)
_CHEB_TOL = 1e-9
# Sample points per chunk of Chebyshev moments; array elements held at once in batched work.
_CHUNK = 8192
_BLOCK_ELEMENTS = 8_000_000


@dataclass(frozen=True)
class NcxParams:
    """Parameters of a scaled noncentral chi-square ``scale * chi2'_df(nc)`` (location 0)."""

    scale: float
    df: float
    nc: float


@dataclass(frozen=True)
class NcxFit:
    """A fitted scaled noncentral chi-square and how the fit went.

    Attributes:
      scale, df, nc: the fitted parameters (scale in the units of the losses).
      log_likelihood: total log-likelihood of the sample at the fit.
      converged: whether the Newton iteration met its stopping rule.
      start: the starting point (moment-matched) in the units of the losses.
      start_method: ``"moments3"`` (three-moment match), ``"moments2-central"`` or
        ``"moments2-small-df"`` (the two-moment fallbacks, see the module docstring) or
        ``"scipy-default"`` (the reference procedure).
      iterations: Newton iterations.
      message: how the fit went (start fallback and why, likelihood used, iterations, an end of
        the family reached).
    """

    scale: float
    df: float
    nc: float
    log_likelihood: float
    converged: bool
    start: NcxParams
    start_method: str
    iterations: int
    message: str

    @property
    def params(self) -> NcxParams:
        """The fitted parameters as one object."""
        return NcxParams(self.scale, self.df, self.nc)


def _moment_match(y: np.ndarray) -> tuple[NcxParams, str, str]:
    """Moment-matched (scale, df, nc) of a sample, with the method used and why it fell back."""
    m = float(np.mean(y))
    d = y - m
    return _match_three_moments(m, float(np.mean(d * d)), float(np.mean(d * d * d)))


def _match_three_moments(m: float, v: float, t: float) -> tuple[NcxParams, str, str]:
    """(scale, df, nc) with mean m, variance v and third central moment t (module docstring)."""
    disc = v * v - 0.5 * m * t
    if t > 1.5 * v * v / m and disc >= 0.0:
        s = t / (4.0 * (v + math.sqrt(disc)))
        nc = max(v / (2.0 * s * s) - m / s, 0.0)
        df = 2.0 * m / s - v / (2.0 * s * s)
        if df > 0:
            return NcxParams(s, df, nc), "moments3", ""
    if t <= 1.5 * v * v / m:
        # The nearest feasible shape is the other end, k -> 0 (the least skewed for m and v).
        why = "the sample skewness is below any noncentral chi-square's (it would need df <= 0)"
        start = _from_theta(np.array([math.log(m), math.log(v), -_ETA_CENTRAL_START]))
        return start, "moments2-small-df", why
    why = "the sample skewness is above the central chi-square's (it would need nc < 0)"
    return NcxParams(v / (2.0 * m), 2.0 * m * m / v, 0.0), "moments2-central", why


def ncx2_moment_match(losses) -> NcxParams:
    r"""Scaled noncentral chi-square matching the sample mean, variance and third central moment.

    Solves :math:`m = s(k+\lambda)`, :math:`v = 2s^2(k+2\lambda)`,
    :math:`\mu_3 = 8s^3(k+3\lambda)`; when no solution has :math:`k > 0` and
    :math:`\lambda \ge 0`, matches m and v at the nearest end of the feasible skewness range:
    the central fit :math:`s = v/(2m)`, :math:`k = 2m^2/v`, :math:`\lambda = 0` when the sample
    is too skewed, a small-k fit when it is not skewed enough (see the module docstring).

    Args:
      losses: 1-D sample of at least ``MIN_SAMPLES`` non-negative losses.

    Returns:
      :class:`NcxParams` (scale in the units of the losses).

    Example:
      >>> from scipy import stats
      >>> x = stats.ncx2.rvs(20, 15, scale=0.01, size=100_000, random_state=0)
      >>> p = ncx2_moment_match(x)
      >>> round(p.df), round(p.nc), round(p.scale, 2)
      (21, 12, 0.01)
    """
    x = _check_losses(losses)
    m = float(np.mean(x))
    p, _, _ = _moment_match(x / m)
    return NcxParams(p.scale * m, p.df, p.nc)


def _shape_params(theta: np.ndarray):
    r"""(scale, df, nc) arrays from theta = (log mean, log variance, eta), see :func:`_to_theta`."""
    mean, var, eta = np.exp(theta[..., 0]), np.exp(theta[..., 1]), theta[..., 2]
    big_k = 2.0 * mean * mean / var
    q = special.expit(eta)
    sq = np.sqrt(special.expit(-eta))  # sqrt(1 - q) without cancellation
    return var / (2.0 * mean * (1.0 + sq)), big_k * q, big_k * sq * (1.0 + sq)


def _to_theta(p: NcxParams) -> np.ndarray:
    r"""Optimisation coordinates :math:`(\log\mu, \log\sigma^2, \eta)` of (scale, df, nc).

    :math:`\mu = s(k + \lambda)` and :math:`\sigma^2 = 2s^2(k + 2\lambda)` are the mean and
    variance; :math:`q = \mathrm{expit}(\eta) = k\sigma^2/(2\mu^2) \in (0, 1]` places the
    distribution between the k -> 0 limit (q -> 0) and the central chi-square (q = 1). Inverse:
    with :math:`K = 2\mu^2/\sigma^2` and :math:`r = \sqrt{1 - q}`, :math:`k = Kq`,
    :math:`\lambda = Kr(1 + r)`, :math:`s = \sigma^2/(2\mu(1 + r))`. In these coordinates the
    likelihood's long, curved ridge (k traded against nc at fixed mean and variance) becomes
    nearly an axis, which Newton's method follows in a few steps. Starts are moved to
    :math:`|\eta| \le` :data:`_ETA_CENTRAL_START` (a central start, q = 1, has
    :math:`\eta = \infty`): towards either end the objective flattens like q(1 - q) and a start
    there could not leave.
    """
    mean = p.scale * (p.df + p.nc)
    var = 2.0 * p.scale**2 * (p.df + 2.0 * p.nc)
    q = p.df * var / (2.0 * mean * mean)
    eta = _ETA_CENTRAL_START if p.nc == 0.0 else float(special.logit(min(q, 1.0)))
    eta = min(max(eta, -_ETA_CENTRAL_START), _ETA_CENTRAL_START)
    return np.array([math.log(mean), math.log(var), eta])


def _from_theta(theta) -> NcxParams:
    scale, df, nc = _shape_params(np.asarray(theta, dtype=float))
    return NcxParams(float(scale), float(df), float(nc))


class _Likelihood:
    r"""Weighted log-likelihoods of the sample as linear functionals of the log-density at P points.

    Compressed form (``degree`` given): with :math:`g_\theta(u) = \log f_\theta(e^u)` interpolated
    at the D + 1 Chebyshev-Lobatto nodes of :math:`[\min_j u_j, \max_j u_j]`
    (:math:`u_j = \log y_j`, mapped to :math:`t_j \in [-1, 1]`),
    :math:`\sum_j c_j g_\theta(u_j) \approx v_c \cdot g_\theta(\text{nodes})` with
    :math:`v_c = M^\top \sum_j c_j T(t_j)` (M: values -> Chebyshev coefficients), which depends on
    the sample and the weights c only. Exact form (``degree=None``): the points are the sample
    and :math:`v_c = c`.
    """

    def __init__(self, y: np.ndarray, degree: int | None):
        self.n = y.size
        self.degree = degree
        if degree is None:
            self.points = y
            return
        u = np.log(y)
        lo, hi = float(u.min()), float(u.max())
        self.t = (2.0 * u - (lo + hi)) / (hi - lo)
        nodes = np.cos(np.pi * np.arange(degree + 1) / degree)
        self.points = np.exp(0.5 * (lo + hi) + 0.5 * (hi - lo) * nodes)
        self.to_coeffs = np.linalg.inv(chebyshev.chebvander(nodes, degree))
        # T(t_j) for the whole sample, kept when it fits in _BLOCK_ELEMENTS, else made per chunk
        small = self.n * (degree + 1) <= _BLOCK_ELEMENTS
        self.vander = chebyshev.chebvander(self.t, degree) if small else None

    def functionals(self, weights: np.ndarray) -> np.ndarray:
        """Rows :math:`v_c` for the rows c of ``weights`` (shape (B, S))."""
        if self.degree is None:
            return weights
        if self.vander is not None:
            return (weights @ self.vander) @ self.to_coeffs
        moments = np.zeros((weights.shape[0], self.degree + 1))
        for a in range(0, self.n, _CHUNK):
            vander = chebyshev.chebvander(self.t[a : a + _CHUNK], self.degree)
            moments += np.ascontiguousarray(weights[:, a : a + _CHUNK]) @ vander
        return moments @ self.to_coeffs

    def objective(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Mean negative log-likelihood at parameters ``theta`` (B, m, 3) with rows v (B, P).

        ``inf`` outside :data:`_THETA_BOX` or where the log-likelihood is not finite.
        """
        inside = np.all((theta >= _THETA_BOX[0]) & (theta <= _THETA_BOX[1]), axis=-1)
        scale, df, nc = _shape_params(np.where(inside[..., None], theta, 0.0))
        out = np.empty(theta.shape[:-1])
        step = max(1, _BLOCK_ELEMENTS // (theta.shape[1] * self.points.size))
        for a in range(0, theta.shape[0], step):
            b = slice(a, a + step)
            log_f = ncx2_log_pdf(self.points, df[b, :, None], nc[b, :, None], scale[b, :, None])
            with np.errstate(invalid="ignore"):
                out[b] = -np.einsum("bmp,bp->bm", log_f, v[b]) / self.n
        out[~inside | ~np.isfinite(out)] = np.inf
        return out

    def max_error(self, y: np.ndarray, theta) -> float:
        """Largest interpolation error of the log-density at the sample (relative to 1 + |.|)."""
        p = _from_theta(theta)
        coeffs = self.to_coeffs @ ncx2_log_pdf(self.points, p.df, p.nc, p.scale)
        err = 0.0
        for a in range(0, self.n, _CHUNK):
            exact = ncx2_log_pdf(y[a : a + _CHUNK], p.df, p.nc, p.scale)
            approx = chebyshev.chebval(self.t[a : a + _CHUNK], coeffs)
            err = max(err, float(np.max(np.abs(approx - exact) / (1.0 + np.abs(exact)))))
        return err


def _stencil() -> np.ndarray:
    """Offsets (19, 3) for central-difference gradient and Hessian: 0, +-e_i, +-e_i +-e_j."""
    eye = np.eye(3)
    rows = [np.zeros(3)] + [s * eye[i] for i in range(3) for s in (1.0, -1.0)]
    for i in range(3):
        for j in range(i):
            rows += [si * eye[i] + sj * eye[j] for si in (1.0, -1.0) for sj in (1.0, -1.0)]
    return np.array(rows)


_STENCIL = _stencil()


def _newton(lik: _Likelihood, v: np.ndarray, theta0: np.ndarray, maxiter: int):
    """Damped Newton minimisation of ``lik.objective`` for B problems at once.

    Gradient and Hessian by central differences (one batched density evaluation per iteration);
    the Hessian's eigenvalues are replaced by their absolute values (floored), so the step is
    always a descent direction; Armijo backtracking; a step is at most :data:`_MAX_STEP` per
    coordinate. Stops when the Newton decrement :math:`g^\top H^{-1} g` is below
    :data:`_NEWTON_TOL` or a step gains less than :data:`_F_TOL`. Returns (theta, converged,
    iterations), each per problem.
    """
    theta = np.array(theta0, dtype=float)
    num = theta.shape[0]
    converged = np.zeros(num, dtype=bool)
    active = np.ones(num, dtype=bool)
    iterations = np.zeros(num, dtype=int)
    for _ in range(maxiter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        th, vb = theta[idx], v[idx]
        h = _FD_STEP * np.maximum(1.0, np.abs(th))  # (b, 3)
        # In eta the step is a fixed step in q = expit(eta): near q = 0 or 1 the objective is flat
        # in eta like q(1 - q), and a fixed eta step would drown its curvature in rounding.
        slope = 4.0 * special.expit(th[:, 2]) * special.expit(-th[:, 2])
        h[:, 2] = np.minimum(_FD_STEP_ETA / slope, _FD_MAX_ETA_STEP)
        values = lik.objective(th[:, None, :] + _STENCIL[None] * h[:, None, :], vb)
        ok = np.all(np.isfinite(values), axis=1)  # a stencil point off the box: stop there
        values[~ok] = 0.0
        f0 = values[:, 0]
        plus, minus = values[:, 1:7:2], values[:, 2:7:2]
        grad = (plus - minus) / (2.0 * h)
        hess = np.empty((idx.size, 3, 3))
        for i in range(3):
            hess[:, i, i] = (plus[:, i] - 2.0 * f0 + minus[:, i]) / h[:, i] ** 2
        col = 7
        for i in range(3):
            for j in range(i):
                pp, pm, mp, mm = (values[:, col + c] for c in range(4))
                hess[:, i, j] = hess[:, j, i] = (pp - pm - mp + mm) / (4.0 * h[:, i] * h[:, j])
                col += 4
        hess[~ok] = np.eye(3)
        grad[~ok] = 0.0
        lam, vec = np.linalg.eigh(hess)
        lam = np.maximum(np.abs(lam), _EIG_FLOOR * np.max(np.abs(lam), axis=1, keepdims=True))
        lam = np.maximum(lam, 1e-300)
        step = -np.einsum("bij,bj->bi", vec, np.einsum("bji,bj->bi", vec, grad) / lam)
        decrement = -np.einsum("bi,bi->b", grad, step)
        shrink = np.max(np.abs(step), axis=1) / _MAX_STEP
        step /= np.maximum(1.0, shrink)[:, None]
        iterations[idx] += 1
        done = ok & (decrement < _NEWTON_TOL)
        converged[idx[done]] = True
        active[idx[done | ~ok]] = False
        go = np.flatnonzero(ok & ~done)
        alpha = np.ones(go.size)
        pending = np.ones(go.size, dtype=bool)
        descent = -decrement[go]
        for _ in range(_MAX_HALVINGS):
            if not pending.any():
                break
            p = np.flatnonzero(pending)
            trial = th[go[p]] + alpha[p, None] * step[go[p]]
            f_trial = lik.objective(trial[:, None, :], vb[go[p]])[:, 0]
            accept = f_trial <= f0[go[p]] + 1e-4 * alpha[p] * descent[p]
            theta[idx[go[p[accept]]]] = trial[accept]
            pending[p[accept]] = False
            # a step that gains less than _F_TOL has reached the optimum for all purposes
            flat = go[p[accept]][f0[go[p[accept]]] - f_trial[accept] < _F_TOL]
            converged[idx[flat]] = True
            active[idx[flat]] = False
            _jump_to_wall(lik, theta, idx[go[p[accept]]], v, f_trial[accept], converged, active)
            alpha[p[~accept]] *= 0.5
        # no acceptable step: at the optimum up to rounding (or stuck); stop there
        stuck = go[pending]
        converged[idx[stuck]] = decrement[stuck] < _NEWTON_LOOSE_TOL
        active[idx[stuck]] = False
    return theta, converged, iterations


def _jump_to_wall(lik, theta, rows, v, f_rows, converged, active) -> None:
    """Move fits heading for an end of the shape range (eta -> +-inf) onto it when that is better.

    Beyond |eta| = :data:`_ETA_SATURATED` the objective saturates like exp(-|eta|) and Newton
    creeps outwards by ~1 per iteration; the end itself (the central chi-square, or the k -> 0
    limit) is then tried directly and, if at least as good, taken as the optimum.
    """
    eta = theta[rows, 2]
    out = np.abs(eta) > _ETA_SATURATED
    if not out.any():
        return
    rows, f_rows = rows[out], f_rows[out]
    wall = theta[rows].copy()
    wall[:, 2] = np.where(wall[:, 2] > 0, _THETA_BOX[1][2], _THETA_BOX[0][2])
    better = lik.objective(wall[:, None, :], v[rows])[:, 0] <= f_rows
    theta[rows[better]] = wall[better]
    converged[rows[better]] = True
    active[rows[better]] = False


def _fit_normalised(y: np.ndarray):
    """MLE on normalised losses: compressed likelihood, degree raised until accurate."""
    start, start_method, why = _moment_match(y)
    theta = _to_theta(start)
    ones = np.ones((1, y.size))
    for degree in (*_CHEB_DEGREES, None):
        lik = _Likelihood(y, degree)
        v = lik.functionals(ones)
        th, conv, nit = _newton(lik, v, theta[None], _MAXITER)
        theta = th[0]
        if degree is None or lik.max_error(y, theta) <= _CHEB_TOL:
            break
    return theta, start, start_method, why, bool(conv[0]), int(nit[0]), lik


def fit_ncx2(losses) -> NcxFit:
    r"""Maximum-likelihood scaled noncentral chi-square (location 0) from a moment-matched start.

    .. math:: \hat\theta = \arg\max_{s, k, \lambda} \sum_i \log f_{s\chi'^2_k(\lambda)}(L_i)

    Args:
      losses: 1-D sample of at least ``MIN_SAMPLES`` positive losses.

    Returns:
      :class:`NcxFit`.

    Raises:
      InputError: bad sample (see :func:`estimate_bits`).

    Example:
      >>> from scipy import stats
      >>> x = stats.ncx2.rvs(20, 15, scale=0.01, size=5000, random_state=0)
      >>> fit = fit_ncx2(x)
      >>> fit.converged, round(fit.scale * (fit.df + fit.nc), 2)
      (True, 0.35)
    """
    x = _check_losses(losses, allow_zero=False)
    return _fit(x)[0]


def _fit(x: np.ndarray):
    mean = float(np.mean(x))
    y = x / mean
    theta, start, start_method, why, converged, nit, lik = _fit_normalised(y)
    p = _from_theta(theta)
    loglik = float(np.sum(ncx2_log_pdf(x, p.df, p.nc, p.scale * mean)))
    how = "compressed" if lik.degree is not None else "exact"
    message = f"damped Newton on the {how} likelihood, {nit} iterations"
    if not converged:
        message += ", not converged"
    if abs(theta[2]) >= _THETA_BOX[1][2]:
        end = "the central chi-square (nc = 0)" if theta[2] > 0 else "the df -> 0 limit"
        message += f"; the maximum is at an end of the family: {end}"
    if why:
        message = f"moment start fell back to two moments ({start_method}): {why}; {message}"
    fit = NcxFit(
        scale=p.scale * mean,
        df=p.df,
        nc=p.nc,
        log_likelihood=loglik,
        converged=converged,
        start=NcxParams(start.scale * mean, start.df, start.nc),
        start_method=start_method,
        iterations=nit,
        message=message,
    )
    return fit, theta, y, mean, lik


# ------------------------------------------------------------------------------------------------
# Bootstrap


def _bootstrap_thetas(y, theta, lik: _Likelihood, rng, num: int, basis=None):
    """Refit ``num`` resamples from theta.

    Returns their parameters (num, 3), how many refits did not converge, and, when ``basis``
    (shape (r, S)) is given, each resample's sums ``counts @ basis.T`` (num, r) (else ``None``):
    the moments of the same resamples for :mod:`ibcomplexity.estimate.cumulant_fit`.
    """
    n = y.size
    start = theta.copy()
    start[2] = np.clip(start[2], -_ETA_CENTRAL_START, _ETA_CENTRAL_START)  # see _to_theta
    block = max(1, _BLOCK_ELEMENTS // n)
    thetas, sums, unconverged = [], [], 0
    for a in range(0, num, block):
        draws = rng.integers(0, n, size=(min(block, num - a), n))
        counts = np.stack([np.bincount(row, minlength=n) for row in draws]).astype(float)
        if basis is not None:
            sums.append(counts @ basis.T)
        v = lik.functionals(counts)
        th, conv, _ = _newton(lik, v, np.repeat(start[None], v.shape[0], axis=0), _BOOT_MAXITER)
        thetas.append(th)
        unconverged += int(np.sum(~conv))
    return np.concatenate(thetas), unconverged, (np.concatenate(sums) if sums else None)


def _bits_at(eps_norm: float, theta) -> float:
    p = _from_theta(theta)
    return -float(ncx2_log_cdf(eps_norm, p.df, p.nc, p.scale)) / LN2
