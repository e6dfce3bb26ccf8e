r"""Log CDF and log survival function of a scaled noncentral chi-square, natively in log space.

A scaled noncentral chi-square :math:`X = s\,\chi'^2_k(\lambda)` (scale s > 0, k > 0 degrees of
freedom, noncentrality :math:`\lambda \ge 0`) is a Poisson mixture of central chi-squares:

.. math::
    P(X \le x) = \sum_{i \ge 0} w_i\, P\!\left(a + i,\ z\right), \qquad
    w_i = e^{-\lambda/2} \frac{(\lambda/2)^i}{i!}, \quad a = \frac{k}{2}, \quad z = \frac{x}{2s},

with :math:`P(b, z) = \gamma(b, z)/\Gamma(b)` the regularized lower incomplete gamma function (and
:math:`Q = 1 - P` for the survival function). ``scipy.stats.ncx2.logcdf`` is ``log(cdf)``: it is
``-inf`` once the probability drops below ~1e-308, which for the loss distributions of
inductive-bias estimates happens routinely (the bits wanted are thousands). Here every quantity
is a logarithm from the start:

* **Mixture weights.** :math:`\log w_i = -\lambda/2 + i\log(\lambda/2) - \log i!`.
* **One incomplete gamma, then a recurrence.** Only one :math:`\log P` (or :math:`\log Q`) is
  evaluated directly per call; the others in the Poisson window follow from the exact recurrences

  .. math:: P(b, z) = P(b + 1, z) + d_b(z), \qquad Q(b + 1, z) = Q(b, z) + d_b(z), \qquad
            d_b(z) = \frac{z^b e^{-z}}{\Gamma(b + 1)},

  run in the *stable* direction (both add positive terms: P downwards in b, Q upwards) with
  ``numpy.logaddexp.accumulate``.
* **Direct log P and log Q** (regimes, the classic split of Numerical Recipes §6.2):

  - :math:`z \le b + 1`: the series
    :math:`\log P(b, z) = \log d_b(z) + \log\big(1 + \sum_{n\ge1} \prod_{j=1}^{n} z/(b + j)\big)`,
    whose terms decrease from the start (every ratio is below 1), summed until a term is below
    :data:`_SERIES_RTOL` of the sum;
  - :math:`z > b + 1`: Legendre's continued fraction for :math:`Q(b, z)` (modified Lentz), with
    :math:`\log Q = \log d_b(z) + \log b + \log \mathrm{CF}`, stopped at a relative change below
    :data:`_CF_RTOL`.

  The complement is taken with ``log1p(-exp(.))`` only where the complemented quantity is at
  least ~0.4 (the other side of the split), so that it costs at most a few ulps; the exception
  is a shape b < 1 in the series regime, where Q can be ~1e-3 of P and a few digits (of 16) are
  lost.
* **The log prefactor without cancellation.** For :math:`b \ge` :data:`_STIRLING_MIN_SHAPE`,
  :math:`\log d_b(z) = b\log z - z - \log\Gamma(b+1)` subtracts numbers of size ~b·log b to get a
  result of size ~1; it is rewritten with Stirling's series as

  .. math:: \log d_b(z) = -b\,\big(t - \log(1 + t)\big) - \tfrac12\log(2\pi b)
            - \mathrm{stirlerr}(b), \qquad t = \frac{z - b}{b},

  where :math:`t - \log(1 + t)` is summed as a power series for :math:`|t| <` 0.5.
* **The Poisson window.** The terms :math:`t_i = w_i P(a + i, z)` are unimodal in i (the Poisson
  weights and the gamma probabilities are both log-concave in i). The window starts around both
  the Poisson mode :math:`\lambda/2` and the root :math:`i_*` of :math:`i(a + i) = \lambda z/2`,
  which is where the terms peak in either tail (there :math:`t_i \propto (\lambda z/2)^i /
  (i!\,\Gamma(a + i + 1))`); it is widened by :data:`_WINDOW_SDS` standard deviations
  (:math:`\sqrt{i}`) and then grown until, at each open edge, the edge term is below the peak by
  ``_LOG_TAIL_TOL`` (= ln 1e-18) and so is the geometric bound
  :math:`t_{\mathrm{edge}}\,\rho/(1-\rho)` on everything beyond it (:math:`\rho` = the edge
  ratio, which log-concavity makes an upper bound on every later ratio). So each call drops at most
  ~2e-18 of the mass. Terms are summed with ``scipy.special.logsumexp``.
* **Which side.** ``log_cdf`` uses the lower mixture while the CDF is at most 1/2 and
  :math:`\log(1 - \mathrm{SF})` above (and symmetrically for ``log_sf``), so both keep full relative
  accuracy in both tails, e.g. ``ncx2_log_cdf`` near 0 where the CDF is 1 - 1e-20.

The log-density :func:`ncx2_log_pdf` (Bessel-function form, by regime: Debye's uniform expansion,
power series, scipy's ``ive``) is here too, because scipy's underflows for large k.

The functions work on the host (numpy); the window size depends on the data, which is why they are
not written for ``jax.jit``. They are used by the fitting code in :mod:`ibcomplexity.estimate`.

Accuracy (measured; tests/distributions/test_noncentral_chi2.py asserts 1e-10 and 1e-12): at
most 1.3e-14 relative to scipy's ``logcdf``/``logsf`` where those are accurate (3000 random
points, k from 0.03 to 1e4, lambda from 0 to 1e4), and at most 6e-16 relative to a 40-digit
mpmath Poisson mixture in the far tails, down to log P = -2.8e5; the log-density to 2e-13.

References:
  Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions*, Vol. 2, 2nd ed., Wiley 1995,
  ch. 29 (the Poisson mixture).
  Press, Teukolsky, Vetterling & Flannery, *Numerical Recipes*, 3rd ed., CUP 2007, §6.2 (series and
  continued fraction for the incomplete gamma function, modified Lentz).
  Loader, *Fast and Accurate Computation of Binomial Probabilities*, 2000 (the ``stirlerr`` and
  deviance form of the log prefactor).
  NIST Digital Library of Mathematical Functions, §10.41 (Debye's expansion of I_nu).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import special

from ibcomplexity._validation import InputError

__all__ = ["ncx2_log_cdf", "ncx2_log_sf", "ncx2_log_pdf"]

# A series term below this fraction of the running sum ends the series for log P: one ulp.
_SERIES_RTOL = 1e-17
# The continued fraction stops when a Lentz factor differs from 1 by less than this (~ 1.5 ulp).
_CF_RTOL = 3e-16
# Hard cap on series terms / CF iterations. Both need ~ 9 sqrt(b) steps at worst (z close to b);
# 2**24 covers shapes up to ~1e12, far beyond any fitted loss distribution.
_MAX_STEPS = 2**24
# Shapes from here on use the Stirling form of log d_b(z): the next neglected term of stirlerr,
# 691 / (360360 b^11), is 2e-16 at b = 15; below 15 the direct form has no cancellation to speak of.
_STIRLING_MIN_SHAPE = 15.0
# |t| below this uses the power series for t - log1p(t) (it converges like 0.5^n / n: 60 terms).
_LOG1PMX_SERIES_MAX = 0.5
_LOG1PMX_TERMS = 60
# Initial Poisson-window half width in standard deviations sqrt(i) of the term distribution.
_WINDOW_SDS = 12.0
# ln(1e-18): an edge term, and the geometric bound on what lies beyond it, must be this far below
# the peak term for the window to be accepted.
_LOG_TAIL_TOL = -41.5
_LOG_HALF = -math.log(2.0)
_FPMIN = 1e-300

# Bessel orders from here on use Debye's uniform expansion with u_1 .. u_14: measured against
# mpmath, the error in log I_nu is 1.4e-13 (relative to max(1, |log I|)) at nu = 10 and 4e-16 at
# nu = 15 (with 6 terms it would be 1.5e-9 at nu = 10). Below, scipy's exponentially scaled ive
# (for arguments >= _BESSEL_SERIES_MAX), which costs 2.5 times as much, or the power series.
_DEBYE_MIN_ORDER = 10.0
_DEBYE_TERMS = 14
# Bessel arguments below this use the power series in (w/2)^2 <= 1 in log space (ive underflows
# there for moderate orders); _BESSEL_SERIES_TERMS terms reach 1e-40 relative.
_BESSEL_SERIES_MAX = 2.0
_BESSEL_SERIES_TERMS = 30

# stirlerr(b) = lgamma(b + 1) - (b log b - b + log(2 pi b) / 2) ~ sum_j c_j / b^(2j-1)
_STIRLING_COEFFS = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)


def _debye_polynomials(count: int) -> list[np.ndarray]:
    r"""Coefficients (in powers of p) of Debye's :math:`u_1 .. u_{count}` (DLMF 10.41.10).

    Generated exactly (fractions) from the recurrence :math:`u_{k+1}(p) = \tfrac12 p^2(1-p^2)
    u_k'(p) + \tfrac18\int_0^p (1 - 5t^2)\,u_k(t)\,dt`, :math:`u_0 = 1`.
    """
    polys = [[Fraction(1)]]
    for _ in range(count):
        u = polys[-1]
        nxt = [Fraction(0)] * (len(u) + 4)
        for j in range(1, len(u)):  # p^2 (1 - p^2) u'(p) / 2
            nxt[j + 1] += j * u[j] / 2
            nxt[j + 3] -= j * u[j] / 2
        for j, c in enumerate(u):  # int_0^p (1 - 5 t^2) u(t) dt / 8
            nxt[j + 1] += c / (8 * (j + 1))
            nxt[j + 3] -= 5 * c / (8 * (j + 3))
        polys.append(nxt)
    return [np.array([float(c) for c in u]) for u in polys[1:]]


# u_k(p) = p^k * (polynomial in p^2 of degree k): keep those coefficients, lowest first
_DEBYE_POLYS = [u[k::2] for k, u in enumerate(_debye_polynomials(_DEBYE_TERMS), start=1)]


def _log1pmx_neg(t: np.ndarray, log1p_t: np.ndarray) -> np.ndarray:
    r"""Return :math:`t - \log(1 + t) \ge 0` without cancellation for small ``|t|``.

    ``log1p_t`` is :math:`\log(1 + t)` computed by the caller as ``log z - log b``: when z << b,
    ``1 + t`` itself would have lost its relative accuracy to rounding.
    """
    out = np.empty_like(t)
    small = np.abs(t) < _LOG1PMX_SERIES_MAX
    ts = t[small]
    # t - log1p(t) = sum_{n>=2} (-1)^n t^n / n, by Horner from the highest term.
    acc = np.zeros_like(ts)
    for n in range(_LOG1PMX_TERMS, 1, -1):
        acc = (-1.0) ** n / n + ts * acc
    out[small] = ts * ts * acc
    out[~small] = t[~small] - log1p_t[~small]
    return out


def _stirlerr(b: np.ndarray) -> np.ndarray:
    """Stirling's series remainder of lgamma(b + 1), valid for b >= _STIRLING_MIN_SHAPE."""
    inv = 1.0 / b
    inv2 = inv * inv
    acc = np.zeros_like(b)
    for c in reversed(_STIRLING_COEFFS):
        acc = c + inv2 * acc
    return acc * inv


def _log_gamma_term(b, z: float) -> np.ndarray:
    r"""``log d_b(z) = b log z - z - lgamma(b + 1)``: log of z times the Gamma(b + 1) density."""
    b = np.atleast_1d(np.asarray(b, dtype=float))
    out = np.empty_like(b)
    if z == 0.0:
        out.fill(-np.inf)
        return out
    big = b >= _STIRLING_MIN_SHAPE
    bb = b[big]
    log1p_t = math.log(z) - np.log(bb)
    out[big] = (
        -bb * _log1pmx_neg((z - bb) / bb, log1p_t) - 0.5 * np.log(2.0 * np.pi * bb) - _stirlerr(bb)
    )
    bs = b[~big]
    out[~big] = bs * math.log(z) - z - special.gammaln(bs + 1.0)
    return out


def _log_p_series(b: float, z: float) -> float:
    """log P(b, z) by the power series; for z <= b + 1 (every term ratio is then below 1)."""
    if z == 0.0:
        return -math.inf
    n = 64
    while True:
        ratios = z / (b + np.arange(1, n + 1, dtype=float))
        terms = np.cumprod(ratios)
        total = 1.0 + math.fsum(terms)
        if terms[-1] <= _SERIES_RTOL * total or n >= _MAX_STEPS:
            break
        n *= 2
    return float(_log_gamma_term(b, z)[0]) + math.log(total)


def _log_q_cf(b: float, z: float) -> float:
    """log Q(b, z) by Legendre's continued fraction (modified Lentz); for z > b + 1."""
    bcf = z + 1.0 - b
    c = 1.0 / _FPMIN
    d = 1.0 / bcf
    h = d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - b)
        bcf += 2.0
        d = an * d + bcf
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = bcf + an / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _CF_RTOL:
            break
    return float(_log_gamma_term(b, z)[0]) + math.log(b) + math.log(h)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for x <= 0, accurate on both sides of -ln 2 (Maechler 2012)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x > _LOG_HALF, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def _log_gamma_probs(a: float, z: float, lo: int, hi: int, upper: bool) -> np.ndarray:
    """log P(a + i, z) (log Q if ``upper``) for i = lo .. hi: one direct value, then recurrence."""
    b = a + np.arange(lo, hi + 1, dtype=float)
    if z > b[-1] + 1.0 or (upper and z > b[0] + 1.0):
        # Q side: continued fraction at the smallest shape, then Q(b+1) = Q(b) + d_b upwards.
        steps = np.empty(b.size)
        steps[0] = _log_q_cf(b[0], z)
        steps[1:] = _log_gamma_term(b[:-1], z)
        log_q = np.logaddexp.accumulate(steps)
        return log_q if upper else _log1mexp(log_q)
    # P side: series at the largest shape, then P(b) = P(b+1) + d_b downwards.
    steps = np.empty(b.size)
    steps[0] = _log_p_series(b[-1], z)
    steps[1:] = _log_gamma_term(b[-2::-1], z)
    log_p = np.logaddexp.accumulate(steps)[::-1]
    return _log1mexp(log_p) if upper else log_p


def _edge_ok(log_terms: np.ndarray, peak: float, at_lower: bool) -> bool:
    """True when the mass beyond one edge of the window is below exp(_LOG_TAIL_TOL) of the peak."""
    if log_terms.size < 2:
        return False
    edge, inner = (log_terms[0], log_terms[1]) if at_lower else (log_terms[-1], log_terms[-2])
    if edge == -np.inf:
        return True
    rho = edge - inner  # log of the ratio of successive terms moving outwards
    if not (edge - peak < _LOG_TAIL_TOL and rho < 0.0):
        return False
    tail = edge + rho - math.log(-math.expm1(rho))  # edge * r / (1 - r)
    return tail - peak < _LOG_TAIL_TOL


def _log_mixture(z: float, a: float, lam: float, upper: bool) -> float:
    """log sum_i Pois(i; lam) P(a + i, z) (Q when ``upper``) over an adaptive Poisson window."""
    if lam == 0.0:
        return float(_log_gamma_probs(a, z, 0, 0, upper)[0])
    # Where the terms peak: the Poisson mode in the bulk, the root of i (a + i) = lam z in a tail.
    i_root = 2.0 * lam * z / (a + math.sqrt(a * a + 4.0 * lam * z))
    c_lo, c_hi = min(i_root, lam), max(i_root, lam)
    half = _WINDOW_SDS * math.sqrt(c_hi + 1.0) + 10.0
    lo = max(0, math.floor(c_lo - half))
    hi = math.ceil(c_hi + half)
    while True:
        i = np.arange(lo, hi + 1, dtype=float)
        log_w = _log_gamma_term(i, lam)  # the Poisson pmf, with the cancellation-free form
        log_terms = log_w + _log_gamma_probs(a, z, lo, hi, upper)
        peak = float(np.max(log_terms))
        if peak == -np.inf:
            return -math.inf
        lower_ok = lo == 0 or _edge_ok(log_terms, peak, at_lower=True)
        upper_ok = _edge_ok(log_terms, peak, at_lower=False)
        if lower_ok and upper_ok:
            return float(special.logsumexp(log_terms))
        half *= 2.0
        if not lower_ok:
            lo = max(0, math.floor(lo - half))
        if not upper_ok:
            hi = math.ceil(hi + half)


def _log_prob_scalar(x: float, df: float, nc: float, scale: float, upper: bool) -> float:
    """log P(X <= x) (or log P(X > x) when ``upper``) for one set of scalar arguments."""
    if math.isnan(x):
        return math.nan
    if x <= 0.0:
        return 0.0 if upper else -math.inf
    if x == math.inf:
        return -math.inf if upper else 0.0
    z = x / (2.0 * scale)
    a = 0.5 * df
    lam = 0.5 * nc
    # Start on the side that is probably the smaller one; switch if it turns out to exceed 1/2.
    side = z > a + lam
    value = _log_mixture(z, a, lam, side)
    if value > _LOG_HALF:
        # That side holds more than 1/2: the other one is the small, accurately computable one.
        side = not side
        value = _log_mixture(z, a, lam, side)
    return value if side == upper else float(_log1mexp(value))


def _log_bessel_i_series(nu: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""log I_nu(w) by the power series, for w <= 2 and nu > -1 (log space, no underflow)."""
    q = 0.25 * w * w
    k = np.arange(1, _BESSEL_SERIES_TERMS + 1, dtype=float)
    ratios = q[:, None] / (k[None, :] * (nu[:, None] + k[None, :]))
    total = 1.0 + np.sum(np.cumprod(ratios, axis=1), axis=1)
    with np.errstate(divide="ignore"):
        return nu * np.log(0.5 * w) - special.gammaln(nu + 1.0) + np.log(total)


def _log_ncx2_pdf_debye(y: np.ndarray, nu: np.ndarray, lam: np.ndarray) -> np.ndarray:
    r"""Unit-scale ncx2 log-density through Debye's expansion of :math:`I_\nu`, for large nu."""
    t = np.sqrt(lam * y) / nu
    r = np.sqrt(1.0 + t * t)
    p = 1.0 / r
    p2 = p * p
    p_over_nu = p / nu
    correction = np.zeros_like(p)
    for coeffs in reversed(_DEBYE_POLYS):  # sum_k u_k(p) / nu^k by Horner in p / nu
        u = np.full_like(p, coeffs[-1])
        for c in coeffs[-2::-1]:
            u = u * p2 + c
        correction = (correction + u) * p_over_nu
    # -(y + lam)/2 + (nu/2) log(y/lam) + nu (r + log t - log(1 + r)) with log t expanded, so that
    # lam enters only through t and r (no log lam singularity as lam -> 0).
    with np.errstate(divide="ignore"):
        return (
            -math.log(2.0)
            - 0.5 * (y + lam)
            + nu * (np.log(y) - np.log(nu) + r - np.log1p(r))
            - 0.5 * np.log(2.0 * np.pi * nu)
            - 0.25 * np.log1p(t * t)
            + np.log1p(correction)
        )


def _log_ncx2_pdf_unit(y: np.ndarray, df: np.ndarray, nc: np.ndarray) -> np.ndarray:
    """Unit-scale log-density on flat arrays with y > 0."""
    nu = 0.5 * df - 1.0
    out = np.empty_like(y)
    central = nc == 0.0
    if np.any(central):
        a = 0.5 * df[central]
        yc = y[central]
        out[central] = (a - 1.0) * np.log(yc) - 0.5 * yc - a * math.log(2.0) - special.gammaln(a)
    debye = ~central & (nu >= _DEBYE_MIN_ORDER)
    if np.any(debye):
        out[debye] = _log_ncx2_pdf_debye(y[debye], nu[debye], nc[debye])
    rest = ~central & ~debye
    if np.any(rest):
        yr, nur, lr = y[rest], nu[rest], nc[rest]
        w = np.sqrt(lr * yr)
        log_i = np.empty_like(w)
        small = w < _BESSEL_SERIES_MAX
        log_i[small] = _log_bessel_i_series(nur[small], w[small])
        big = ~small
        log_i[big] = np.log(special.ive(nur[big], w[big])) + w[big]
        out[rest] = -math.log(2.0) - 0.5 * (yr + lr) + 0.5 * nur * np.log(yr / lr) + log_i
    return out


def ncx2_log_pdf(x, df, nc, scale=1.0):
    r"""Natural log of the density of a scaled noncentral chi-square, without underflow.

    .. math:: \log f(x) = -\log(2s) - \frac{x/s + \lambda}{2}
              + \frac{\nu}{2}\log\frac{x/s}{\lambda} + \log I_\nu\big(\sqrt{\lambda x/s}\big),
              \qquad \nu = \frac{k}{2} - 1

    ``scipy.stats.ncx2.logpdf`` takes the log of the exponentially scaled Bessel function
    ``ive``, which underflows to 0 once the order is large against the argument (k of a few
    hundred with a small noncentrality: every point then has log-density ``-inf``, which is
    exactly where the loss distributions of many-output tasks live). Here :math:`\log I_\nu` is
    computed by regime: Debye's uniform asymptotic expansion with 14 correction terms for
    :math:`\nu \ge` :data:`_DEBYE_MIN_ORDER` (DLMF 10.41.3), the power series in log space for
    arguments below :data:`_BESSEL_SERIES_MAX`, and ``log(ive) + w`` in between. The central
    case :math:`\lambda = 0` is the chi-square density in closed form. The density at x = 0 is
    ``-inf`` (k > 2), :math:`\log(e^{-\lambda/2}/(2s))` (k = 2) or ``+inf`` (k < 2).

    Args:
      x: point(s); ``x < 0`` gives ``-inf``, NaN gives NaN.
      df: degrees of freedom k > 0.
      nc: noncentrality :math:`\lambda \ge 0`.
      scale: scale s > 0.

    Returns:
      The log-density, broadcast over the arguments (a numpy float for scalar input).

    Raises:
      InputError: ``df <= 0``, ``nc < 0``, ``scale <= 0`` or a non-finite parameter.

    Example:
      >>> round(float(ncx2_log_pdf(2.0, df=3.0, nc=1.5)), 6)
      -1.864569

    References:
      NIST Digital Library of Mathematical Functions, §10.41 (Debye's expansion), §10.25.2.
    """
    x, df, nc, scale = _broadcast_checked(x, df, nc, scale)
    y = (x / scale).ravel()
    out = np.full(y.shape, np.nan)
    pos = y > 0
    dff, ncf = df.ravel(), nc.ravel()
    out[pos] = _log_ncx2_pdf_unit(y[pos], dff[pos], ncf[pos])
    out[y < 0] = -np.inf
    zero = y == 0
    out[zero & (dff > 2)] = -np.inf
    out[zero & (dff == 2)] = -0.5 * ncf[zero & (dff == 2)] - math.log(2.0)
    out[zero & (dff < 2)] = np.inf
    out = out.reshape(x.shape) - np.log(scale)
    return out[()] if out.ndim == 0 else out


def _broadcast_checked(x, df, nc, scale):
    x, df, nc, scale = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (x, df, nc, scale))
    )
    if not (np.all(np.isfinite(df)) and np.all(df > 0)):
        raise InputError("df must be finite and > 0")
    if not (np.all(np.isfinite(nc)) and np.all(nc >= 0)):
        raise InputError("nc must be finite and >= 0")
    if not (np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise InputError("scale must be finite and > 0")
    return x, df, nc, scale


def _evaluate(x, df, nc, scale, upper: bool):
    x, df, nc, scale = _broadcast_checked(x, df, nc, scale)
    out = np.empty(x.shape)
    for idx in np.ndindex(x.shape):
        out[idx] = _log_prob_scalar(
            float(x[idx]), float(df[idx]), float(nc[idx]), float(scale[idx]), upper
        )
    return out[()] if out.ndim == 0 else out


def ncx2_log_cdf(x, df, nc, scale=1.0):
    r"""Natural log of the CDF of a scaled noncentral chi-square, computed in log space.

    .. math:: \log P\big(s\,\chi'^2_k(\lambda) \le x\big)
              = \log \sum_{i\ge0} e^{-\lambda/2}\frac{(\lambda/2)^i}{i!}\,
                P\!\left(\tfrac{k}{2} + i,\ \tfrac{x}{2s}\right)

    Never underflows: log P of -1e5 and beyond is returned to ~1e-13 relative accuracy (see the
    module docstring for the regimes, cutoffs and the Poisson-window rule).

    Args:
      x: point(s) at which to evaluate; ``x <= 0`` gives ``-inf``, NaN gives NaN.
      df: degrees of freedom k > 0.
      nc: noncentrality :math:`\lambda \ge 0` (0 is the central chi-square).
      scale: scale s > 0.

    Returns:
      The log CDF, broadcast over the arguments (a numpy float for scalar input).

    Raises:
      InputError: ``df <= 0``, ``nc < 0``, ``scale <= 0`` or a non-finite parameter.

    Example:
      >>> round(float(ncx2_log_cdf(1e-3, df=100.0, nc=50.0)), 3)
      -553.523

    References:
      Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions*, Vol. 2, ch. 29.
    """
    return _evaluate(x, df, nc, scale, upper=False)


def ncx2_log_sf(x, df, nc, scale=1.0):
    r"""Natural log of the survival function :math:`P(s\,\chi'^2_k(\lambda) > x)`, in log space.

    The same Poisson mixture as :func:`ncx2_log_cdf` with the upper regularized gamma
    :math:`Q(k/2 + i, x/(2s))`; full relative accuracy far into the upper tail.

    Args:
      x: point(s); ``x <= 0`` gives 0, NaN gives NaN.
      df: degrees of freedom k > 0.
      nc: noncentrality :math:`\lambda \ge 0`.
      scale: scale s > 0.

    Returns:
      The log survival function, broadcast over the arguments.

    Raises:
      InputError: ``df <= 0``, ``nc < 0``, ``scale <= 0`` or a non-finite parameter.

    Example:
      >>> round(float(ncx2_log_sf(1e4, df=10.0, nc=20.0)), 2)
      -4554.3

    References:
      Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions*, Vol. 2, ch. 29.
    """
    return _evaluate(x, df, nc, scale, upper=True)
