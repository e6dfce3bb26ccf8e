r"""Imhof's numerical inversion of the characteristic function of the generalized chi-square.

Private helpers of :class:`ibcomplexity.distributions.generalized_chi2.GeneralizedChiSquare`
(notation in that module's docstring: weights :math:`w_j > 0`, degrees of freedom :math:`k_j`,
noncentralities :math:`\lambda_j`, offset :math:`c_0`, :math:`N = \sum_j k_j`). Every function
takes the distribution rescaled so that its largest weight is in [1, 2)
(``GeneralizedChiSquare._unit``) and flat float64 arrays of points.

For ``x > offset``, with :math:`y = x - c_0`:

.. math::
    P(Q \le x) = \frac12 - \frac1\pi \int_0^\infty \frac{\sin\theta(u)}{u\,\rho(u)}\,du,
    \quad \theta(u) = \frac12\sum_j\Big[k_j \arctan(w_j u)
    + \frac{\lambda_j w_j u}{1 + w_j^2 u^2}\Big] - \frac{y u}{2},

:math:`\rho(u) = \prod_j (1 + w_j^2 u^2)^{k_j/4}
\exp\big(\frac12 \sum_j \lambda_j w_j^2 u^2 / (1 + w_j^2 u^2)\big)`; adaptive Gauss-Kronrod up to
the truncation point where Imhof's bound on the remainder (refined in
:func:`_imhof_log_truncation`) is below 1e-15, tolerance 1e-14 absolute; for few degrees of
freedom, whose integrand decays too slowly to truncate, the oscillating remainder goes to
QUADPACK's Fourier rule QAWF. The result is NaN where the computed probability is not positive
(beyond its ~1e-14 absolute accuracy) or the integral is out of reach (see
:func:`_imhof_integral`).

References:
  Imhof, *Computing the distribution of quadratic forms in normal variables*, Biometrika 48
  (1961) 419-426.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import integrate

from ibcomplexity.distributions._numerics import ComponentsLike

__all__ = ["imhof_log_probs"]

# Truncate the integral at the first U = u_s 2^i (u_s = 2/sd, the scale where the
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


def imhof_log_probs(dist: ComponentsLike, x: np.ndarray):
    """Imhof ``(log_cdf, log_sf)`` for ``offset < x < inf``; NaN where not positive."""
    if x.size == 0:
        return np.zeros(0), np.zeros(0)
    integral = _imhof_integral(dist, x - dist.offset)
    cdf = 0.5 - integral / math.pi
    sf = 0.5 + integral / math.pi
    with np.errstate(divide="ignore", invalid="ignore"):
        lc = np.where(cdf > 0.0, np.log(np.where(cdf > 0.0, cdf, 1.0)), np.nan)
        ls = np.where(sf > 0.0, np.log(np.where(sf > 0.0, sf, 1.0)), np.nan)
    return np.minimum(lc, 0.0), np.minimum(ls, 0.0)


def _imhof_log_truncation(dist: ComponentsLike, u: np.ndarray) -> np.ndarray:
    r"""Log of a bound on the part of P beyond ``u`` (Imhof's, refined).

    For :math:`v \ge u` and any set :math:`S` of components,
    :math:`\rho(v) \ge \prod_{j \in S} (w_j v)^{k_j/2} \prod_{j \notin S}
    (1 + w_j^2 u^2)^{k_j/4} \exp(\frac12 \sum_j \lambda_j w_j^2 u^2 / (1 + w_j^2 u^2))`,
    so the remainder of :math:`P` is at most :math:`2 / (\pi N_S)` times the inverse of the
    same product at :math:`v = u`. Imhof's bound is :math:`S` = all components; the minimum
    over the sets of the largest weights is far smaller when many weights are small (the GP
    case), which lets the quadrature stop much earlier.
    """
    order = np.argsort(-dist.weights)
    w, k, lam = (a[order] for a in (dist.weights, dist.dofs, dist.noncentralities))
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


def _imhof_integral(dist: ComponentsLike, y: np.ndarray) -> np.ndarray:
    r""":math:`J(y) = \int_0^\infty \sin\theta(u) / (u\rho(u))\,du` for each ``y > 0``.

    NaN where it is out of reach: more than _IMHOF_MAX_OSCILLATIONS oscillations before the
    truncation point (far upper tail), or more than _IMHOF_MAX_TAIL_DOUBLINGS pieces before
    the Fourier rule applies (tiny ``y`` with few degrees of freedom).
    """
    w, k, lam = dist.weights, dist.dofs, dist.noncentralities
    u_s = 2.0 / math.sqrt(dist.variance)
    grid = u_s * 2.0 ** np.arange(_IMHOF_MAX_DOUBLINGS + 1)
    log_trunc = _imhof_log_truncation(dist, grid)
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
