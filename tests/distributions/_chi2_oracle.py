"""High-precision reference values for the generalized chi-square tests (mpmath, independent code).

* :func:`ncx2_log_cdf_mp`: the noncentral chi-square CDF as its Poisson mixture of regularised
  lower incomplete gamma functions, summed in mpmath (equal weights reduce to it; scipy underflows
  below 1e-308).
* :func:`contour_log_cdf_mp`: the exact inversion integral along the vertical line through a point
  ``c < 0`` (Helstrom's steepest-descent form),

  .. math::
      P(Q \\le x) = -\\frac{1}{2\\pi i}\\int_{c - i\\infty}^{c + i\\infty} e^{K(s) - s x}
      \\frac{ds}{s} = \\frac{e^{K(c) - c x}}{\\pi}\\int_0^\\infty
      \\mathrm{Re}\\frac{e^{K(c + iv) - K(c) - i v x}}{-(c + iv)}\\,dv,

  exact for every ``c < 0``; the prefactor carries the whole exponential smallness, so the
  integral is O(1) even where P is 1e-40000. ``c`` is found by brentq on its own CGF code.

References:
  Helstrom, *Approximate inversion of the Laplace transform*, in Probability and Stochastic
  Processes for Engineers, 1991; Lugannani & Rice, Adv. Appl. Probab. 12 (1980), eq. (2.1).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from scipy import optimize


def ncx2_log_cdf_mp(x: float, k: float, lam: float, upper: bool = False, dps: int = 40) -> float:
    """``log P(chi'^2_k(lam) <= x)`` (``> x`` when ``upper``) as the Poisson mixture
    ``sum_j Pois(j; lam/2) P(chi^2_{k+2j} <= x)`` of regularised incomplete gamma functions,
    summed in mpmath at ``dps`` digits until the terms past the Poisson mode are negligible."""
    with mp.workdps(dps):
        x, k, half_lam = mp.mpf(x), mp.mpf(k), mp.mpf(lam) / 2
        total = mp.mpf(0)
        j = 0
        while True:
            log_pois = -half_lam + j * mp.log(half_lam) - mp.loggamma(j + 1) if lam else 0
            bounds = (x / 2, mp.inf) if upper else (0, x / 2)
            term = mp.exp(log_pois) * mp.gammainc(k / 2 + j, *bounds, regularized=True)
            total += term
            if lam == 0 or (j > half_lam and term < total * mp.mpf(10) ** (-dps)):
                break
            j += 1
        return float(mp.log(total))


def _cgf_prime_np(t: float, w, k, lam, c0) -> float:
    a = 1.0 / (1.0 - 2.0 * w * t)
    return float(np.sum(w * a * (k + lam * a)) + c0)


def contour_log_cdf_mp(x: float, w, k, lam, c0: float = 0.0, dps: int = 30) -> float:
    """``log P(Q <= x)`` for ``c0 < x < mean`` by the contour integral above, in mpmath."""
    w, k, lam = (np.asarray(a, dtype=np.float64) for a in (w, k, lam))
    # c: root of K'(c) = x (any c < 0 is exact; the root makes the integrand non-oscillating).
    z = optimize.brentq(lambda z: _cgf_prime_np(-math.exp(z), w, k, lam, c0) - x, -80.0, 700.0)
    with mp.workdps(dps):
        ws = [mp.mpf(float(v)) for v in w]
        ks = [mp.mpf(float(v)) for v in k]
        ls = [mp.mpf(float(v)) for v in lam]
        c, xm, c0m = -mp.exp(mp.mpf(z)), mp.mpf(x), mp.mpf(c0)

        def cgf(s):
            total = c0m * s
            for wj, kj, lj in zip(ws, ks, ls, strict=True):
                d = 1 - 2 * wj * s
                total += -kj / 2 * mp.log(d) + wj * lj * s / d
            return total

        k_c = cgf(c)
        k2 = sum(
            2 * wj**2 * (kj / (1 - 2 * wj * c) ** 2 + 2 * lj / (1 - 2 * wj * c) ** 3)
            for wj, kj, lj in zip(ws, ks, ls, strict=True)
        )
        scale = 1 / mp.sqrt(k2)

        def integrand(v):
            s = c + 1j * v
            return mp.re(mp.exp(cgf(s) - k_c - 1j * v * xm) / (-s))

        points = [0] + [scale * 4**i for i in range(-1, 8)] + [mp.inf]
        integral = mp.quad(integrand, points)
        return float(k_c - c * xm + mp.log(integral / mp.pi))
