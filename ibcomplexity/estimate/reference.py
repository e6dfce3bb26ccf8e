r"""The published procedure for bits from a loss sample, reproduced for comparison only.

Boopathy et al. (IJCAI 2024) model the test losses of sampled hypotheses as a scaled noncentral
chi-square fitted by scipy's generic maximum likelihood and read the inductive-bias complexity off
its lower tail, in nats:

.. math:: (k, \lambda, 0, s) = \texttt{ncx2.fit}(L, \texttt{floc}=0), \qquad
          I = -\texttt{ncx2.logcdf}(\varepsilon; k, \lambda, 0, s).

When ``logcdf`` is not finite it falls back to Sankaran's normal approximation of the noncentral
chi-square and returns :math:`z^2/2`. (scipy's ``logcdf`` is ``log(cdf)``, and its Boost-based
``ncx2.cdf`` returns 0 well before float64 underflows: measured, from P ~ 1e-160 to 1e-250,
i.e. ~370-570 nats, depending on the parameters.) With :math:`x = \varepsilon/s`,

.. math::
    h = 1 - \frac{2(k+\lambda)(k+3\lambda)}{3(k+2\lambda)^2}, \qquad
    p = \frac{k+2\lambda}{(k+\lambda)^2}, \qquad m = (h-1)(1-3h),

    z = \frac{\big(x/(k+\lambda)\big)^h - \big(1 + hp\,(h - 1 - \tfrac12(2-h)\,mp)\big)}
             {h\sqrt{2p}\,\big(1 + \tfrac12 mp\big)}

(:math:`(x/(k+\lambda))^h` is approximately normal with that mean and standard deviation), i.e.
:math:`P \approx \Phi(z)` and :math:`-\log\Phi(z) \approx z^2/2` for :math:`z \to -\infty`.

Defects this reproduces on purpose (:func:`ibcomplexity.estimate.estimate_bits` fixes them):

* **Generic start.** ``ncx2.fit`` starts its Nelder-Mead search from scipy's default shape guess
  (df = nc = 1) whatever the data, and often stops far from the maximum (in tests the fitted
  standard deviation was several times too wide), which moves the tail by many bits.
* **Location fixed at 0** without checking that this suits the sample (it does suit
  Gaussian-process losses; it is an assumption for trained networks).
* **The fallback** drops :math:`\log(-z) + \tfrac12\log 2\pi` of :math:`-\log\Phi(z)` and the
  normal approximation itself is off in the far tail: it always understates I, by 1-5% for the
  many-degrees-of-freedom losses of GP spaces (df ~ 1e3-1e4) and by 40-60% for df ~ 100
  (method.md quotes 2-13%; tests/estimate/test_reference_bits.py measures it). The switch is
  also a discontinuity, wherever scipy's CDF happens to reach 0.
* **Nats**, where the rest of the project reports bits (``bits`` is given too), and no interval,
  no goodness-of-fit check, no comparison with the empirical fraction.

``log_space_nats`` is the exact answer for the *same* fitted parameters
(:func:`~ibcomplexity.distributions.noncentral_chi2.ncx2_log_cdf`), so that the fallback's error
can be told apart from the fit's.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Sankaran, *Approximations to the non-central chi-square distribution*, Biometrika 50 (1963)
  199-204; the formula as given in Johnson, Kotz & Balakrishnan, *Continuous Univariate
  Distributions*, Vol. 2, ch. 29.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ibcomplexity._numerics import LN2
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf
from ibcomplexity.estimate._samples import _check_losses, _check_target

__all__ = ["ReferenceBits", "reference_bits", "sankaran_z"]


@dataclass(frozen=True)
class ReferenceBits:
    """Result of the published procedure.

    Attributes:
      nats: I in nats, as the reference reports it.
      bits: the same in bits.
      df, nc, loc, scale: ``scipy.stats.ncx2.fit(losses, floc=0)`` (loc is 0).
      used_fallback: ``logcdf`` was not finite and Sankaran's z^2/2 was returned.
      sankaran_z: z of the normal approximation (computed in every case, for comparison).
      log_space_nats: exact -log P at the same fitted parameters, computed in log space.
    """

    nats: float
    bits: float
    df: float
    nc: float
    loc: float
    scale: float
    used_fallback: bool
    sankaran_z: float
    log_space_nats: float

    @property
    def params(self) -> tuple[float, float, float, float]:
        """``(df, nc, loc, scale)`` in scipy's order."""
        return (self.df, self.nc, self.loc, self.scale)


def sankaran_z(x: float, df: float, nc: float) -> float:
    r"""Sankaran's normal deviate z with :math:`P(\chi'^2_k(\lambda) \le x) \approx \Phi(z)`.

    See the module docstring for the formula.

    Args:
      x: point (unit scale).
      df: degrees of freedom k.
      nc: noncentrality :math:`\lambda`.

    Returns:
      z.

    Example:
      >>> round(sankaran_z(10.0, 10.0, 5.0), 4)
      -0.7565

    References:
      Sankaran, Biometrika 50 (1963) 199-204.
    """
    k, lam = float(df), float(nc)
    h = 1.0 - 2.0 * (k + lam) * (k + 3.0 * lam) / (3.0 * (k + 2.0 * lam) ** 2)
    p = (k + 2.0 * lam) / (k + lam) ** 2
    m = (h - 1.0) * (1.0 - 3.0 * h)
    mean = 1.0 + h * p * (h - 1.0 - 0.5 * (2.0 - h) * m * p)
    sd = h * math.sqrt(2.0 * p) * (1.0 + 0.5 * m * p)
    return ((x / (k + lam)) ** h - mean) / sd


def reference_bits(losses, target) -> ReferenceBits:
    r"""Inductive-bias complexity by the published procedure (for comparison only).

    ``scipy.stats.ncx2.fit(losses, floc=0)``, then :math:`I = -\texttt{ncx2.logcdf}(\varepsilon)`
    in nats, or Sankaran's :math:`z^2/2` when that is not finite. The defects this keeps are listed
    in the module docstring.

    Args:
      losses: 1-D sample of at least 20 non-negative losses.
      target: target loss :math:`\varepsilon \ge 0`.

    Returns:
      :class:`ReferenceBits`.

    Raises:
      InputError: the same bad inputs as :func:`~ibcomplexity.estimate.estimate_bits` (exact
        zero losses are passed on to scipy, as in the reference).

    Example:
      >>> from scipy import stats
      >>> x = stats.ncx2.rvs(20, 15, scale=0.01, size=2000, random_state=0)
      >>> ref = reference_bits(x, 0.12)
      >>> ref.used_fallback
      False

    References:
      Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
    """
    x = _check_losses(losses)
    eps = _check_target(target)
    df, nc, loc, scale = (float(v) for v in stats.ncx2.fit(x, floc=0))
    nats = -float(stats.ncx2.logcdf(eps, df, nc, loc=loc, scale=scale))
    z = sankaran_z(eps / scale, df, nc)
    used_fallback = not math.isfinite(nats)
    if used_fallback:
        nats = z * z / 2.0
    exact = -float(ncx2_log_cdf(eps, df, nc, scale)) if nc >= 0 and df > 0 else math.nan
    return ReferenceBits(
        nats=nats,
        bits=nats / LN2,
        df=df,
        nc=nc,
        loc=loc,
        scale=scale,
        used_fallback=used_fallback,
        sankaran_z=z,
        log_space_nats=exact,
    )
