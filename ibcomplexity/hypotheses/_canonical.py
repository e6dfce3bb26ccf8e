r"""A canonical eigenbasis of the GP posterior: the same samples from any eigensolver.

A symmetric eigensolver returns each eigenvector up to its sign, and any orthonormal basis of a
(near-)degenerate eigenspace; CPU (LAPACK), GPU (cuSOLVER) and TPU solvers choose differently. A
posterior sample :math:`F = \mu + U \operatorname{diag}(\sqrt\lambda) Z` built on the solver's
:math:`U` would then give a *different hypothesis* for the same key on each platform, and a
batch job resumed on another machine would mix two streams. This module replaces :math:`U` by a
basis fixed by the posterior itself.

**Clusters.** The positive eigenvalues (decreasing) are grouped into clusters of consecutive
eigenvalues whose gaps are at most ``rtol * lambda_max`` (:data:`CLUSTER_RTOL`). The projector onto
a cluster whose gap to the rest exceeds that is stable under the solvers' rounding (an
eigenvector moves by about rounding / gap, Davis-Kahan), while single eigenvectors inside a
cluster are not.

**Canonical basis of a cluster** :math:`E` (eigenvectors :math:`U_E`, rotated residual
:math:`R_E = U_E^\top(\mu - Y_*)`, :math:`|E| \times k`): the pivoted QR
decomposition :math:`R_E P = Q T` with the diagonal of :math:`T` made non-negative, and
:math:`U_E \leftarrow U_E Q`, :math:`R_E \leftarrow Q^\top R_E`. The first basis vector points
along the largest column of the mean error inside :math:`E`, the next along what is left of the
next largest, and so on; for a single eigenvector this is the sign that makes the residual's
largest-magnitude entry positive. Directions of :math:`E` orthogonal to the whole mean error
(rows of :math:`T` that vanish) keep the solver's basis: a sample's loss sees them only through
:math:`\lambda_j \|Z_j\|^2`, which is the same for any basis when their eigenvalues are equal,
and differs by at most the cluster's eigenvalue spread otherwise.

Hence a key determines every sample's test loss, to the solvers' rounding, on any platform: the
rows :math:`R_j` and eigenvalues the sampler uses are the same. The rotation within a cluster
changes the covariance the samples have by at most the cluster's eigenvalue spread,
:math:`\le (|E| - 1)\,\mathrm{rtol}\,\lambda_{\max}` in operator norm; the exact law of the loss
(:meth:`~ibcomplexity.hypotheses.gp.GPPosterior.loss_components`) is unchanged by any basis.

References:
  Davis & Kahan, *The rotation of eigenvectors by a perturbation III*, SIAM J. Numer. Anal. 7
  (1970).
  Golub & Van Loan, *Matrix Computations*, 4th ed., 2013, sec. 5.4.2 (QR with column pivoting).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["CLUSTER_RTOL", "canonical_basis", "clusters"]

#: Consecutive positive eigenvalues closer than ``CLUSTER_RTOL * lambda_max`` form one cluster.
#: float64 solvers agree on eigenvalues to about ``m * eps * lambda_max`` (1e-13 for m = 1000),
#: so an eigenvector outside a cluster moves by at most about 1e-5 between solvers, and the
#: covariance a cluster's rotation changes is at most ``(|E| - 1) * 1e-8 * lambda_max``.
CLUSTER_RTOL = 1e-8


def clusters(eigenvalues: np.ndarray, rank: int, rtol: float = CLUSTER_RTOL) -> list[slice]:
    """Slices of consecutive positive eigenvalues (decreasing) with gaps ``<= rtol * max``."""
    lam = np.asarray(eigenvalues[:rank], dtype=np.float64)
    if rank == 0:
        return []
    breaks = np.flatnonzero(lam[:-1] - lam[1:] > rtol * lam[0]) + 1
    edges = [0, *breaks.tolist(), rank]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def canonical_basis(
    eigenvalues: np.ndarray,
    eigenvectors: np.ndarray,
    residuals: np.ndarray,
    rank: int,
    rtol: float = CLUSTER_RTOL,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The canonical eigenvectors and rotated residuals (module docstring).

    Args:
      eigenvalues: ``(m,)`` decreasing; the first ``rank`` are positive.
      eigenvectors: ``(m, m)`` orthonormal columns :math:`U`, in the eigenvalues' order.
      residuals: ``(m, k)`` :math:`R = U^\top(\mu - Y_*)`.
      rank: number of positive eigenvalues (the rest are treated as exactly 0 and left as they
        are: they only enter the loss through :math:`\|R_{\lambda=0}\|^2`).
      rtol: cluster tolerance relative to the largest eigenvalue.

    Returns:
      ``(U, R)``, float64 copies: the same eigenspaces, the same :math:`\|R_j\|` per cluster,
      with the basis fixed.
    """
    u = np.array(eigenvectors, dtype=np.float64)
    r = np.array(residuals, dtype=np.float64)
    groups = clusters(eigenvalues, rank, rtol)
    singles = np.array([g.start for g in groups if g.stop - g.start == 1], dtype=np.int64)
    if singles.size:
        rows = r[singles]
        lead = rows[np.arange(singles.size), np.argmax(np.abs(rows), axis=1)]
        sign = np.where(lead < 0, -1.0, 1.0)
        u[:, singles] *= sign
        r[singles] *= sign[:, None]
    for g in groups:
        if g.stop - g.start == 1:
            continue
        q, t, _ = scipy.linalg.qr(r[g], pivoting=True, mode="full")
        d = np.sign(np.diagonal(t)).copy()
        d[d == 0] = 1.0
        q[:, : d.size] *= d
        u[:, g] = u[:, g] @ q
        r[g] = q.T @ r[g]
    return u, r
