r"""A generalized chi-square matched to the first four cumulants of a sample of losses.

Why a second loss model. The test MSE of a Gaussian-process hypothesis is a generalized
chi-square :math:`L = \sum_j w_j \chi'^2_{k_j}(\lambda_j)` (Boopathy et al., IJCAI 2024), whose
cumulants are

.. math:: \kappa_r = 2^{r-1}(r-1)! \sum_j w_j^r (k_j + r\lambda_j).

The scaled noncentral chi-square of :mod:`ibcomplexity.estimate.ncx2_fit` has one weight. Its
skewness at given mean and variance ranges from the k -> 0 limit up to the *central* chi-square's,
:math:`\kappa_1\kappa_3 \le 2\kappa_2^2`: noncentrality lowers the skewness, unequal weights
raise it. A GP loss with spread-out posterior variances is often *more* skewed than any member of
that family (measured on digits, RBF kernel, 500/200 points: :math:`\kappa_1\kappa_3/2\kappa_2^2
= 1.39`), so the maximum-likelihood fit is misspecified, and its bootstrap interval, which only
measures sampling noise inside the family, stops covering the truth once the sample is large
(``experiments/gp_convergence.py``). This module fits a family that contains weight spread.

**Two-point model.** For central components, :math:`\mu_r = \kappa_r / (2^{r-1}(r-1)!)
= \int s^r\,d\mu(s)` are the moments of the weight measure :math:`\mu = \sum_j k_j\delta_{w_j}`,
and the cumulant generating function is
:math:`K(t) = -\tfrac12\int \log(1 - 2st)\,d\mu(s)`. Replacing :math:`\mu` by the two-point
measure with the same moments :math:`\mu_1..\mu_4` is Gauss quadrature for the measure
:math:`\nu = s\,d\mu(s)` (moments :math:`\nu_r = \mu_{r+1}`, r = 0..3): the nodes
:math:`w_1, w_2` are the roots of :math:`p(s) = s^2 + c_1 s + c_0` with

.. math:: \begin{pmatrix}\nu_0 & \nu_1\\ \nu_1 & \nu_2\end{pmatrix}
          \begin{pmatrix}c_0\\ c_1\end{pmatrix} = -\begin{pmatrix}\nu_2\\ \nu_3\end{pmatrix},

the masses :math:`a_j` solve :math:`a_1 + a_2 = \nu_0`, :math:`a_1w_1 + a_2w_2 = \nu_1`, and
:math:`k_j = a_j / w_j`. Because :math:`\log(1 - 2st)` is smooth in s for t < 0 (the lower
tail), the quadrature reproduces :math:`K(t)` far below the mean: with the *exact* four cumulants
of the digits GP loss above, the two-point model's bits are within 0.7% of the exact value 10
standard deviations below the mean, where the noncentral chi-square fit is 10% low. A two-point
measure on (0, inf) with these moments exists iff both Hankel determinants are positive,
:math:`D_0 = \nu_0\nu_2 - \nu_1^2 > 0` (more skewed than the central chi-square) and
:math:`D_1 = \nu_1\nu_3 - \nu_2^2 > 0` (Stieltjes moment conditions).

**Fallbacks.** When :math:`D_0 \le 0` the sample is at most as skewed as a central chi-square, a
region the noncentral chi-square covers: the model is the scaled noncentral chi-square matching
:math:`\kappa_1..\kappa_3` (``"ncx2"``, with that module's own two-moment fallbacks). When
:math:`D_0 > 0` but :math:`D_1 \le 0` (more skewed than central, too little fourth cumulant for
two points) it is the limit of the two-point family at :math:`D_1 = 0`: one node tends to 0 with
its mass :math:`k_1w_1` fixed, so that component becomes the constant :math:`c = k_1w_1`, and the
model is a *shifted* scaled chi-square :math:`c + s\chi^2_k` matching
:math:`\kappa_1..\kappa_3`: :math:`s = \kappa_3/(4\kappa_2)`, :math:`k = 8\kappa_2^3/\kappa_3^2`,
:math:`c = \kappa_1 - sk > 0` (``"shifted"``). Both fallbacks join the two-point family
continuously, so the bits do not jump when a bootstrap resample crosses a boundary (a fallback to
the unshifted central chi-square did, and biased the interval low by ~10% at 10 sd). The fit says
which model it used.

**Noise.** Fourth sample cumulants converge slowly (their relative standard error at S = 1e5 is
~10% here). The bootstrap of :func:`~ibcomplexity.estimate.estimate_bits` refits this model on
the same resamples as the noncentral chi-square, so its interval carries that noise honestly;
:func:`~ibcomplexity.estimate.estimate_bits` reports both models and their union.

References:
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
  Golub & Welsch, *Calculation of Gauss quadrature rules*, Math. Comp. 23 (1969).
  Schmuedgen, *The Moment Problem*, Springer 2017, ch. 9 (truncated Stieltjes problem).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ibcomplexity._numerics import LN2
from ibcomplexity.distributions.generalized_chi2 import GeneralizedChiSquare
from ibcomplexity.estimate._samples import _check_losses
from ibcomplexity.estimate.ncx2_fit import _match_three_moments

__all__ = ["CUMULANT_MODELS", "CumulantFit", "fit_cumulants", "sample_cumulants"]

CUMULANT_MODELS = ("two-point", "ncx2", "shifted")
# Effective degrees of freedom from which bootstrap rows use the saddlepoint alone (_bits_rows).
_FAST_MIN_DOF = 100.0


@dataclass(frozen=True)
class CumulantFit:
    r"""A generalized chi-square matched to sample cumulants.

    Attributes:
      weights, dofs, noncentralities: the components :math:`w_j, k_j, \lambda_j` (weights in the
        units of the losses; two components for ``"two-point"``, one otherwise).
      offset: the constant c of ``"shifted"`` (0 otherwise), in the units of the losses.
      cumulants: the sample cumulants :math:`\kappa_1..\kappa_4` (units of the losses to the
        power r).
      model: ``"two-point"``, ``"ncx2"`` or ``"shifted"`` (see the module docstring).
      message: why a fallback was used; empty for the two-point model.
    """

    weights: tuple[float, ...]
    dofs: tuple[float, ...]
    noncentralities: tuple[float, ...]
    offset: float
    cumulants: tuple[float, float, float, float]
    model: str
    message: str

    def distribution(self) -> GeneralizedChiSquare:
        """The fitted law as a :class:`~ibcomplexity.distributions.GeneralizedChiSquare`."""
        return GeneralizedChiSquare(self.weights, self.dofs, self.noncentralities, self.offset)


def _power_basis(y: np.ndarray) -> np.ndarray:
    """Rows (y - 1)^r, r = 1..4, of losses normalised to mean 1: resample moments are linear."""
    d = y - 1.0
    d2 = d * d
    return np.stack([d, d2, d2 * d, d2 * d2])


def _cumulants_from_sums(sums: np.ndarray, n: int) -> np.ndarray:
    r"""Cumulants (B, 4) from sums :math:`\sum_i c_i (y_i - 1)^r` (B, 4) of resamples of size n."""
    m1, m2, m3, m4 = (sums[:, r] / n for r in range(4))
    c2 = m2 - m1 * m1
    c3 = m3 - 3.0 * m1 * m2 + 2.0 * m1**3
    c4 = m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1**4
    return np.stack([1.0 + m1, c2, c3, c4 - 3.0 * c2 * c2], axis=1)


def _components(kappa) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, str, str]:
    """(weights, dofs, noncentralities, offset, model, why) matched to kappa_1..kappa_4."""
    k1, k2, k3, k4 = (float(v) for v in kappa)
    nu = (k1, k2 / 2.0, k3 / 8.0, k4 / 48.0)  # nu_r = kappa_{r+1} / (2^r r!)
    d0 = nu[0] * nu[2] - nu[1] ** 2
    d1 = nu[1] * nu[3] - nu[2] ** 2
    if not (k2 > 0.0 and k1 > 0.0):
        raise ValueError("non-positive mean or variance")  # _check_losses excludes this
    if d0 > 1e-12 * nu[0] * nu[2] and d1 > 1e-12 * nu[1] * nu[3]:
        c0, c1 = np.linalg.solve(np.array([[nu[0], nu[1]], [nu[1], nu[2]]]), [-nu[2], -nu[3]])
        disc = c1 * c1 - 4.0 * c0
        if disc > 0.0:
            root = math.sqrt(disc)
            # the larger root without cancellation, the smaller from the product c0
            hi = (-c1 + root) / 2.0 if c1 < 0 else -2.0 * c0 / (c1 + root)
            lo = c0 / hi
            nodes = np.array([lo, hi])
            if lo > 0.0 and hi > lo:
                a_hi = (nu[1] - lo * nu[0]) / (hi - lo)
                masses = np.array([nu[0] - a_hi, a_hi])
                if np.all(masses > 0.0):
                    return nodes, masses / nodes, np.zeros(2), 0.0, "two-point", ""
    if d0 <= 0.0:
        p, how, why = _match_three_moments(k1, k2, k3)
        why = (
            "at most as skewed as a central chi-square: the noncentral chi-square matching three "
            f"cumulants ({how}{'; ' + why if why else ''})"
        )
        return np.array([p.scale]), np.array([p.df]), np.array([p.nc]), 0.0, "ncx2", why
    why = (
        "more skewed than a central chi-square but with too small a fourth cumulant for two "
        "components: the shifted scaled chi-square matching three cumulants (their boundary)"
    )
    s = k3 / (4.0 * k2)
    dof = 8.0 * k2**3 / (k3 * k3)
    return np.array([s]), np.array([dof]), np.zeros(1), max(k1 - s * dof, 0.0), "shifted", why


def _fit_row(kappa, scale: float) -> CumulantFit:
    w, k, lam, c, model, why = _components(kappa)
    powers = scale ** np.arange(1, 5)
    return CumulantFit(
        weights=tuple(float(v) for v in w * scale),
        dofs=tuple(float(v) for v in k),
        noncentralities=tuple(float(v) for v in lam),
        offset=float(c * scale),
        cumulants=tuple(float(v) for v in np.asarray(kappa) * powers),
        model=model,
        message=why,
    )


def _bits_rows(
    kappas: np.ndarray, eps_norm: float, *, fast: bool = False
) -> tuple[np.ndarray, list[str]]:
    r"""Bits at a normalised target for each row of cumulants, and each row's model.

    ``fast``: the saddlepoint instead of the blended ``auto`` method when the model has at least
    :data:`_FAST_MIN_DOF` effective degrees of freedom :math:`(\sum_j w_jk_j)^2/\sum_j w_j^2k_j`
    (for the bootstrap rows). Measured on two-component laws from 3 sd below the mean to 1 sd
    above it, Lugannani-Rice is then within 0.007 bits of the blended value (0.015 from 50, 0.07
    from 10), far below a bootstrap interval's width, and 50x faster than Imhof.
    """
    bits, models = np.empty(kappas.shape[0]), []
    for i, kappa in enumerate(kappas):
        w, k, lam, c, model, _ = _components(kappa)
        g = GeneralizedChiSquare(w, k, lam, c)
        n_eff = float(np.sum(w * k)) ** 2 / float(np.sum(w * w * k))
        method = "saddlepoint" if fast and n_eff >= _FAST_MIN_DOF else "auto"
        bits[i] = -float(g.log_cdf(eps_norm, method=method)) / LN2
        models.append(model)
    return bits, models


def sample_cumulants(losses) -> tuple[float, float, float, float]:
    r"""The sample cumulants :math:`\kappa_1..\kappa_4` (plug-in moment estimates).

    :math:`\kappa_1 = \bar L`, :math:`\kappa_2 = m_2`, :math:`\kappa_3 = m_3`,
    :math:`\kappa_4 = m_4 - 3m_2^2` with :math:`m_r` the central sample moments.

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).chisquare(4, size=200_000)
      >>> [round(v, 1) for v in sample_cumulants(x)]  # chi^2_4: 4, 8, 32, 192
      [4.0, 8.0, 32.0, 190.7]
    """
    x = _check_losses(losses)
    mean = float(np.mean(x))
    y = x / mean
    kappa = _cumulants_from_sums(_power_basis(y).sum(axis=1)[None], y.size)[0]
    return tuple(float(v) for v in kappa * mean ** np.arange(1, 5))


def fit_cumulants(losses) -> CumulantFit:
    r"""Generalized chi-square with two central components matched to four sample cumulants.

    See the module docstring for the quadrature and the fallbacks.

    Args:
      losses: 1-D sample of at least ``MIN_SAMPLES`` non-negative, not all equal losses.

    Returns:
      :class:`CumulantFit`.

    Example:
      >>> import numpy as np
      >>> rng = np.random.default_rng(0)
      >>> x = 0.5 * rng.chisquare(20, 400_000) + 2.0 * rng.chisquare(5, 400_000)
      >>> f = fit_cumulants(x)
      >>> f.model, [round(w, 2) for w in f.weights], [round(k, 1) for k in f.dofs]
      ('two-point', [0.5, 2.0], [19.9, 5.0])
    """
    x = _check_losses(losses)
    mean = float(np.mean(x))
    y = x / mean
    kappa = _cumulants_from_sums(_power_basis(y).sum(axis=1)[None], y.size)[0]
    return _fit_row(kappa, mean)
