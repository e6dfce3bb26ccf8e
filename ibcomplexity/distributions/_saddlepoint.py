r"""Saddlepoint of the generalized chi-square law and its Lugannani-Rice tail probabilities.

Private helpers of :class:`ibcomplexity.distributions.generalized_chi2.GeneralizedChiSquare`
(notation in that module's docstring: weights :math:`w_j > 0`, degrees of freedom :math:`k_j`,
noncentralities :math:`\lambda_j`, offset :math:`c_0`, CGF :math:`K`, :math:`N = \sum_j k_j`).
Every function takes the distribution rescaled so that its largest weight is in [1, 2)
(``GeneralizedChiSquare._unit``) and flat float64 arrays of points.

**The root.** Below the mean, :math:`\hat t = -s` with :math:`s > 0` is found by a safeguarded
Newton iteration on :math:`F(z) = \ln(K'(-e^z) - c_0) - \ln(x - c_0)`, which is decreasing in
:math:`z = \ln s` with slope in :math:`(-2, 0)`, inside the bracket

.. math::
    \frac{\sqrt{(\mu - c_0)/y} - 1}{2 w_{\max}} \le s
    \le \frac{N/2 + \sqrt{N^2/4 + y \sum_j \lambda_j / w_j}}{2 y},
    \qquad y = x - c_0,

(from :math:`(1 + 2 w_{\max} s)^{-1} \le a_j \le (2 w_j s)^{-1}`); the upper end is the root
itself deep in the lower tail. Above the mean the variable is
:math:`z = \ln(1 - 2 w_{\max}\hat t)`, bracketed by the largest-weight term alone. All sums are
written so that nothing underflows as :math:`s \to \infty`. With
:math:`q_j = 2 w_j \hat t / (1 - 2 w_j \hat t)` the rate is a sum of non-negative terms,

.. math::
    \hat t x - K(\hat t) = \sum_j \Big[\frac{k_j}{2}\big(q_j - \ln(1 + q_j)\big)
    + \frac{\lambda_j}{2} q_j^2\Big] + \hat t\,(x - K'(\hat t)),

(the last term corrects for the residual of the root), free of cancellation near the mean, and
:math:`\hat u^2 = \hat t^2 K''(\hat t) = \sum_j \frac{q_j^2}{2}
(k_j + 2 \lambda_j (1 - 2 w_j \hat t)^{-1})`.

**Lugannani-Rice.** On the tail side of the mean (:math:`\hat w \hat u > 0`), with
:math:`\hat w = \mathrm{sign}(\hat t)\sqrt{2 \hat I}`, :math:`\hat I` the rate,

.. math::
    \ln P_{\rm tail} = -\hat I - \tfrac12\ln 2\pi
    + \ln\Big[\mathcal{R}(|\hat w|) - \frac{1}{|\hat w|} + \frac{1}{|\hat u|}\Big],
    \qquad \mathcal{R}(a) = \frac{\Phi(-a)}{\phi(a)} = \sqrt{\pi/2}\,
    \mathrm{erfcx}(a/\sqrt2),

which is :math:`\Phi(\hat w) + \phi(\hat w)(1/\hat w - 1/\hat u)` with
:math:`\phi(\hat w) = e^{-\hat I}/\sqrt{2\pi}` factored out, so it holds from
:math:`P \approx 1/2` to :math:`-\ln P` of 1e5 nats and beyond; the other side is
``log1p(-P_tail)``. Where the bracket is not positive (a breakdown of the approximation that was
never observed for positive weights) :math:`\ln\Phi(-|\hat w|)` is used. Within
:data:`_LR_CENTER_CUTOFF` standard deviations of the mean the removable singularity is bridged
linearly (see the constant).

References:
  Lugannani & Rice, *Saddle point approximation for the distribution of the sum of independent
  random variables*, Adv. Appl. Probab. 12 (1980) 475-490.
  Kuonen, *Saddlepoint approximations for distributions of quadratic forms in normal variables*,
  Biometrika 86 (1999) 929-935.
  Butler, *Saddlepoint Approximations with Applications*, Cambridge University Press 2007,
  Secs. 1.2 and 2.1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ibcomplexity.distributions._numerics import ComponentsLike, log1m_exp, row_blocks

__all__ = ["saddlepoint_flat", "saddlepoint_log_probs"]

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

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def saddlepoint_flat(dist: ComponentsLike, x: np.ndarray):
    r"""``(t, rate, w, u)`` at each point of the flat ``x`` (the fields of ``Saddlepoint``).

    ``t = -inf``, ``rate = inf`` for ``x <= offset``; ``t = t_max``, ``rate = inf`` for
    ``x = inf``; ``0`` at the mean. Method in the module docstring.
    """
    n = x.size
    t = np.zeros(n)
    rate = np.zeros(n)
    u = np.zeros(n)
    y = x - dist.offset
    mean = dist.mean
    below = x <= dist.offset
    t[below] = -np.inf
    rate[below] = np.inf
    u[below] = -np.inf
    if dist.num_components == 0:
        above = x > dist.offset
        t[above], rate[above], u[above] = 0.0, 0.0, 0.0
        return t, rate, np.sign(t) * np.sqrt(2.0 * rate), u
    top = x == np.inf
    t[top], rate[top], u[top] = dist.t_max, np.inf, np.inf
    lower = np.flatnonzero((x > dist.offset) & (x < mean))
    upper = np.flatnonzero((x > mean) & (x < np.inf))
    for rows in row_blocks(lower, dist.num_components):
        t[rows], rate[rows], u[rows] = _lower_point(dist, y[rows], mean - dist.offset)
    for rows in row_blocks(upper, dist.num_components):
        t[rows], rate[rows], u[rows] = _upper_point(dist, y[rows], mean - dist.offset)
    return t, rate, np.sign(t) * np.sqrt(2.0 * rate), u


def _lower_point(dist: ComponentsLike, y: np.ndarray, mu: float):
    """Saddlepoint below the mean: ``(t, rate, u)`` for ``0 < y < mu`` (``mu = mean - c0``)."""
    w, k, lam = dist.weights, dist.dofs, dist.noncentralities
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


def _upper_point(dist: ComponentsLike, y: np.ndarray, mu: float):
    """Saddlepoint above the mean: ``(t, rate, u)`` for ``y > mu``."""
    w, k, lam = dist.weights, dist.dofs, dist.noncentralities
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


def saddlepoint_log_probs(dist: ComponentsLike, x: np.ndarray):
    """Lugannani-Rice ``(log_cdf, log_sf)`` for ``offset < x < inf`` (formula: module docstring)."""
    sd = math.sqrt(dist.variance)
    mean = dist.mean
    size = abs(mean) + abs(dist.offset)
    z_c = max(_LR_CENTER_CUTOFF, (_EPS * size / sd) ** 0.25)
    half_width = min(z_c * sd, 0.5 * (mean - dist.offset))
    center = np.abs(x - mean) < half_width
    lc, ls = _lr_log_probs(dist, np.where(center, mean + 2.0 * half_width, x))
    if center.any():
        ends = _lr_log_probs(dist, np.array([mean - half_width, mean + half_width]))[0]
        p_lo, p_hi = np.exp(ends)
        frac = (x[center] - (mean - half_width)) / (2.0 * half_width)
        p = p_lo + frac * (p_hi - p_lo)
        lc[center], ls[center] = np.log(p), np.log1p(-p)
    return lc, ls


def _lr_log_probs(dist: ComponentsLike, x: np.ndarray):
    """The raw Lugannani-Rice ``(log_cdf, log_sf)``, without the bridge at the mean."""
    t, rate, w_hat, u_hat = saddlepoint_flat(dist, x)
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
    log_other = log1m_exp(log_tail)
    is_lower = t < 0.0
    return np.where(is_lower, log_tail, log_other), np.where(is_lower, log_other, log_tail)


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
