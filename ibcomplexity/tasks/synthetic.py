r"""Synthetic classification tasks with known structure: m-spheres and m-tori in R^D.

Every statistic the model-agnostic bound needs (intrinsic dimension m, radius R, resolution
delta) is known here by construction, so the estimators of :mod:`ibcomplexity.stats` can be
checked against the truth. A task is drawn from a seed in four steps:

1. **Manifold.** Points uniform on

   * the m-sphere :math:`S^m(r) \subset \mathbb{R}^{m+1}`: :math:`z = r\,g/\|g\|`,
     :math:`g \sim N(0, I_{m+1})`; or
   * the flat m-torus :math:`T^m = (S^1(r))^m \subset \mathbb{R}^{2m}`:
     :math:`z = r(\cos\theta_1, \sin\theta_1, \dots, \cos\theta_m, \sin\theta_m)`,
     :math:`\theta \sim U[0, 2\pi)^m`. Every point has norm :math:`r\sqrt m`.

2. **Embedding.** :math:`x = \Phi(Q z) + \text{noise}` where :math:`Q` is the first d columns
   (d = m + 1 or 2m) of a Haar-random orthogonal :math:`D \times D` matrix (QR of a Gaussian
   matrix with the signs of R's diagonal moved into Q, Mezzadri 2007) and, when ``warp = w > 0``,

   .. math:: \Phi(x) = x + \frac{w\,r}{s}\tanh\!\Big(\frac{s}{r} U x\Big),
             \qquad \|U\|_2 = 1,\ s = 2,

   with U a Gaussian matrix scaled to spectral norm 1. tanh is 1-Lipschitz, so the perturbation
   is w-Lipschitz and :math:`(1-w)\|x-x'\| \le \|\Phi(x)-\Phi(x')\| \le (1+w)\|x-x'\|`: for
   w < 1, :math:`\Phi` is a bi-Lipschitz diffeomorphism of :math:`\mathbb{R}^D` (its Jacobian
   :math:`I + w\,\mathrm{diag}(\mathrm{sech}^2)U` is invertible), and :math:`\Phi(0) = 0`, so norms
   change by at most a factor :math:`1 \pm w`. Optional i.i.d. Gaussian noise (sd ``noise``) is
   added to every ambient coordinate last; it destroys the manifold and separation guarantees.

3. **Band-limited labels.** C functions :math:`f_c = \sum_{j=1}^J a_{cj}\varphi_{cj} /
   \sum_j |a_{cj}|`, :math:`a_{cj} \sim N(0, 1)`, with :math:`|\varphi_{cj}| \le 1`, so
   :math:`\|f_c\|_\infty \le 1`:

   * sphere: zonal spherical harmonics :math:`\varphi(u) = C^{\lambda}_{d}(w \cdot u) /
     C^{\lambda}_{d}(1)`, :math:`\lambda = (m-1)/2` (Chebyshev :math:`T_d` for m = 1), w uniform on
     :math:`S^m`, degrees d cycling through 1..K: each is a Laplace-Beltrami eigenfunction of degree
     d, so :math:`f_c` is a spherical polynomial of degree :math:`\le K` (harmonics up to degree K;
     equivalently a polynomial of degree :math:`\le K` restricted to the sphere);
   * torus: :math:`\varphi(\theta) = \cos(k \cdot \theta + \beta)`, integer frequencies drawn
     uniformly from :math:`0 < \|k\|_2 \le K` (the eigenvalues of the flat torus Laplacian are
     :math:`\|k\|_2^2`, so this is the spectral cutoff K), phases :math:`\beta \sim U[0, 2\pi)`.

   Labels :math:`y = \arg\max_c f_c` (the functions are exchangeable, so classes are balanced in
   expectation, not exactly).

4. **Margin.** With ``margin = g > 0`` only points whose top-two gap
   :math:`f_{(1)} - f_{(2)} \ge g` are kept (rejection sampling; the kept points are uniform on
   that subset of the manifold). This gives a guaranteed minimum distance between classes.
   *Proof.* For x in class a and x' in class b, :math:`h = f_a - f_b` has :math:`h(x) \ge g`,
   :math:`h(x') \le -g` and :math:`\|h\|_\infty \le 2`. Along a geodesic (great circle / straight
   line on the torus) h is a trigonometric polynomial (band-limited function) of degree/type
   :math:`\le K` in arc length / r, so Bernstein's inequality bounds its derivative by
   :math:`2K/r`. The geodesic distance is at most :math:`\pi/2` times the chord (sphere:
   :math:`\theta \le \frac{\pi}{2} \cdot 2\sin(\theta/2)`; torus: the same per circle). Hence
   :math:`2g \le (2K/r)(\pi/2)\|z - z'\|` and, through :math:`\Phi`,

   .. math:: \|x - x'\| \ge \delta_0 = (1 - w)\,\frac{2 g r}{\pi K}.

   :math:`\delta_0` is a rigorous but loose lower bound (:math:`\|h\|_\infty` is usually well
   below 2); every sample's exact minimum cross-class distance lies above it.

The truth travels in ``Dataset.metadata``: ``true_m``, ``radius`` (population max norm of the
noise-free, unwarped points: r, or :math:`r\sqrt m` on the torus), ``radius_bounds`` (with a
warp), ``cutoff``, ``min_separation`` (:math:`\delta_0`; ``None`` with noise), ``embedding``.

Sizes are checked before anything is allocated: the D x D rotation and the n x D points must fit
in memory (``IBC_MEMORY_LIMIT``, see :mod:`ibcomplexity._limits`), ``classes`` is at most 999,999
and ``cutoff`` at most 10**6.

Randomness: the seed feeds independent numpy streams for the rotation, the warp, the label
functions, the points and the noise, so the manifold and labels do not depend on n, and the first
n points of a larger draw with the same parameters are the n-point dataset.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034 (band-limited hypotheses on the data manifold).
  Mezzadri, *How to generate random matrices from the classical compact groups*, Notices of the
  AMS 54 (2007) 592-604 (Haar orthogonal matrices by QR).
  Boas, *Entire Functions*, Academic Press 1954, Thm 11.1.2 (Bernstein's inequality).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ibcomplexity._limits import check_memory
from ibcomplexity._options import parse_options
from ibcomplexity._validation import InputError, check_int, check_positive
from ibcomplexity.tasks.dataset import Dataset

__all__ = [
    "SyntheticProblem",
    "dataset_from_spec",
    "haar_orthogonal",
    "sphere_dataset",
    "synthetic_dataset",
    "synthetic_problem",
    "torus_dataset",
]

KINDS = ("sphere", "torus")
#: s in the warp tanh((s/r) U x): tanh arguments reach about s on the manifold, clearly nonlinear.
WARP_SCALE = 2.0
# Independent numpy streams derived from one seed (SeedSequence spawn keys).
_STREAM = {"rotation": 0, "warp": 1, "labels": 2, "points": 3, "noise": 4}
# Candidate points per rejection-sampling batch; fixed, so the kept points never depend on n.
_BATCH = 4096
# Rejection sampling gives up when, after this many candidates, fewer than _MIN_ACCEPT are kept.
_GIVE_UP_AFTER = 65536
_MIN_ACCEPT = 1e-3
# Torus frequencies are drawn by rejection from the cube [-K, K]^m; give up after this many tries.
_MAX_FREQUENCY_TRIES = 2**24
# Labels index count arrays (as in datasets._MAX_LABEL); harmonic degrees / frequencies are int64.
_MAX_CLASSES = 999_999
_MAX_CUTOFF = 1_000_000


def _check_caps(classes: int, cutoff: int) -> None:
    """Refuse class counts and band limits beyond any use (they index int64 arrays)."""
    if classes > _MAX_CLASSES:
        raise InputError(f"classes must be at most {_MAX_CLASSES:,}, got {classes}")
    if cutoff > _MAX_CUTOFF:
        raise InputError(
            f"cutoff must be at most {_MAX_CUTOFF:,} (a band limit far beyond what float64 "
            f"points resolve), got {cutoff}"
        )


def _check_size(kind: str, D: int, classes: int, terms: int, n: int | None = None) -> None:
    """Refuse parameters whose arrays would not fit in memory, before any is allocated.

    Float64 values held at the peak: about 4 D x D (the Gaussian matrix, its QR factors and the
    warp matrix with its SVD copy), 4 n x D (points, the warp's products, noise) and, per
    rejection-sampling batch, 3 x 4096 x C x J label-function terms.
    """
    values = 4 * D * D + 3 * _BATCH * classes * terms + (0 if n is None else 4 * n * D)
    points = "" if n is None else f"n={n}, "
    check_memory(
        8 * values,
        f"a synthetic {kind} with D={D}, {points}classes={classes}, terms={terms} (a D x D "
        f"random rotation, {'n x D points, ' if n else ''}{_BATCH} x classes x terms label terms)",
        hint=f"lower D{', n' if n else ''}, classes or terms",
    )


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAM[stream],)))


def haar_orthogonal(rng: np.random.Generator, dim: int) -> np.ndarray:
    r"""A Haar-distributed random orthogonal ``dim x dim`` matrix (float64).

    QR-factorise a standard Gaussian matrix, :math:`G = QR`, and return :math:`Q\,\mathrm{diag}
    (\mathrm{sign}\,R_{ii})`; without the sign fix the law of Q is not Haar (Mezzadri 2007).

    Example:
      >>> q = haar_orthogonal(np.random.default_rng(0), 4)
      >>> bool(np.allclose(q.T @ q, np.eye(4)))
      True
    """
    dim = check_int("dim", dim, minimum=1)
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    return q * signs


@dataclass(frozen=True, eq=False)
class SyntheticProblem:
    r"""The seed-determined part of a synthetic task: manifold, embedding and label functions.

    Attributes:
      kind: ``"sphere"`` or ``"torus"``.
      m: intrinsic dimension.
      D: ambient dimension.
      radius: r, the sphere radius or the radius of each circle of the torus.
      cutoff: K, the maximum harmonic degree (sphere) or :math:`\|k\|_2` (torus).
      warp: w in [0, 1), the bi-Lipschitz distortion of the warp (0: none).
      rotation: ``(D, d)`` orthonormal columns Q (d = m + 1 or 2m).
      warp_matrix: ``(D, D)`` U with spectral norm 1 (used only when ``warp > 0``).
      directions: sphere: ``(C, J, m+1)`` unit vectors w; torus: ``(C, J, m)`` integer k.
      degrees: sphere: ``(J,)`` harmonic degrees (1..K cycling); torus: empty.
      phases: torus: ``(C, J)`` phases beta; sphere: empty.
      coefficients: ``(C, J)`` :math:`a_{cj} / \sum_j |a_{cj}|`.
    """

    kind: str
    m: int
    D: int
    radius: float
    cutoff: int
    warp: float
    rotation: np.ndarray
    warp_matrix: np.ndarray
    directions: np.ndarray
    degrees: np.ndarray
    phases: np.ndarray
    coefficients: np.ndarray

    @property
    def classes(self) -> int:
        return int(self.coefficients.shape[0])

    @property
    def ambient_dim(self) -> int:
        """d: the dimension of the flat space the manifold sits in before the rotation."""
        return self.m + 1 if self.kind == "sphere" else 2 * self.m

    @property
    def max_norm(self) -> float:
        """Norm of every noise-free, unwarped point: r (sphere) or :math:`r\\sqrt m` (torus)."""
        return self.radius if self.kind == "sphere" else self.radius * math.sqrt(self.m)

    def separation_lower_bound(self, margin: float) -> float:
        r""":math:`\delta_0 = (1 - w)\,2 g r/(\pi K)` (module docstring) for ``margin`` g."""
        return (1.0 - self.warp) * 2.0 * margin * self.radius / (math.pi * self.cutoff)

    def sample_coordinates(self, rng: np.random.Generator, num: int) -> np.ndarray:
        """Uniform intrinsic coordinates: unit vectors ``(num, m+1)`` or angles ``(num, m)``."""
        if self.kind == "sphere":
            g = rng.standard_normal((num, self.m + 1))
            return g / np.linalg.norm(g, axis=1, keepdims=True)
        return rng.uniform(0.0, 2.0 * math.pi, (num, self.m))

    def flat_points(self, coords: np.ndarray) -> np.ndarray:
        """Points z in :math:`\\mathbb{R}^d` (radius r) from intrinsic coordinates."""
        coords = np.asarray(coords, dtype=np.float64)
        if self.kind == "sphere":
            return self.radius * coords
        z = np.empty((coords.shape[0], 2 * self.m))
        z[:, 0::2] = np.cos(coords)
        z[:, 1::2] = np.sin(coords)
        return self.radius * z

    def embed(self, z: np.ndarray) -> np.ndarray:
        """:math:`\\Phi(Q z)`: rotate flat points into :math:`\\mathbb{R}^D`, then warp."""
        x = np.asarray(z, dtype=np.float64) @ self.rotation.T
        if self.warp > 0:
            s = WARP_SCALE / self.radius
            x = x + (self.warp / s) * np.tanh(s * (x @ self.warp_matrix.T))
        return x

    def label_functions(self, coords: np.ndarray) -> np.ndarray:
        """The ``(num, C)`` values :math:`f_c` (each in [-1, 1]) at intrinsic coordinates."""
        coords = np.asarray(coords, dtype=np.float64)
        if self.kind == "sphere":
            t = np.clip(np.einsum("cjd,nd->ncj", self.directions, coords), -1.0, 1.0)
            phi = _zonal(self.degrees, self.m, t)
        else:
            phase = np.einsum("cjd,nd->ncj", self.directions, coords) + self.phases
            phi = np.cos(phase)
        return np.einsum("ncj,cj->nc", phi, self.coefficients)


def _zonal(degrees: np.ndarray, m: int, t: np.ndarray) -> np.ndarray:
    """Normalised zonal harmonics on S^m: C_d^((m-1)/2)(t) / C_d^((m-1)/2)(1), broadcast on d."""
    if m == 1:
        return special.eval_chebyt(degrees, t)
    lam = 0.5 * (m - 1)
    return special.eval_gegenbauer(degrees, lam, t) / special.eval_gegenbauer(degrees, lam, 1.0)


def _torus_frequencies(rng: np.random.Generator, m: int, cutoff: int, num: int) -> np.ndarray:
    """``num`` integer vectors uniform on {k in Z^m: 0 < |k|_2 <= cutoff} (cube rejection)."""
    found: list[np.ndarray] = []
    have, tries = 0, 0
    while have < num:
        if tries >= _MAX_FREQUENCY_TRIES:
            raise InputError(
                f"could not draw torus frequencies with 0 < |k|_2 <= cutoff={cutoff} in m={m} "
                "dimensions by rejection from the cube; lower m or raise the cutoff"
            )
        k = rng.integers(-cutoff, cutoff + 1, size=(8192, m))
        norm2 = np.einsum("ij,ij->i", k, k)
        keep = k[(norm2 > 0) & (norm2 <= cutoff * cutoff)]
        found.append(keep)
        have += keep.shape[0]
        tries += k.shape[0]
    return np.concatenate(found)[:num]


def synthetic_problem(
    kind: str,
    seed: int,
    *,
    m: int,
    D: int,
    classes: int = 2,
    cutoff: int = 3,
    radius: float = 1.0,
    warp: float = 0.0,
    terms: int = 16,
) -> SyntheticProblem:
    """Draw the manifold embedding and the C label functions from ``seed`` (see module docstring).

    Args:
      kind: ``"sphere"`` or ``"torus"``.
      seed: non-negative integer; every random choice derives from it.
      m: intrinsic dimension (>= 1).
      D: ambient dimension, at least m + 1 (sphere) or 2m (torus).
      classes: C >= 2.
      cutoff: K >= 1, the band limit of the label functions.
      radius: r > 0.
      warp: w in [0, 1), the bi-Lipschitz distortion of the nonlinear warp.
      terms: J >= 1, terms per label function.

    Returns:
      The :class:`SyntheticProblem`.
    """
    if kind not in KINDS:
        raise InputError(f"kind must be one of {KINDS}, got {kind!r}")
    seed = check_int("seed", seed, minimum=0)
    m = check_int("m", m, minimum=1)
    D = check_int("D", D, minimum=1)
    classes = check_int("classes", classes, minimum=2)
    cutoff = check_int("cutoff", cutoff, minimum=1)
    radius = check_positive("radius", radius)
    warp = check_positive("warp", warp, allow_zero=True)
    if warp >= 1:
        raise InputError(f"warp must be in [0, 1) to keep the map a diffeomorphism, got {warp!r}")
    terms = check_int("terms", terms, minimum=1)
    _check_caps(classes, cutoff)
    d = m + 1 if kind == "sphere" else 2 * m
    if D < d:
        raise InputError(f"D={D} is too small: an {m}-{kind} needs D >= {d}")
    _check_size(kind, D, classes, terms)
    rotation = haar_orthogonal(_rng(seed, "rotation"), D)[:, :d]
    u = _rng(seed, "warp").standard_normal((D, D))
    warp_matrix = u / np.linalg.norm(u, 2)
    rng = _rng(seed, "labels")
    if kind == "sphere":
        w = rng.standard_normal((classes, terms, d))
        directions = w / np.linalg.norm(w, axis=2, keepdims=True)
        degrees = np.arange(terms) % cutoff + 1
        phases = np.zeros((0,))
    else:
        directions = _torus_frequencies(rng, m, cutoff, classes * terms).reshape(classes, terms, m)
        phases = rng.uniform(0.0, 2.0 * math.pi, (classes, terms))
        degrees = np.zeros((0,), dtype=np.int64)
    a = rng.standard_normal((classes, terms))
    coefficients = a / np.sum(np.abs(a), axis=1, keepdims=True)
    return SyntheticProblem(
        kind=kind,
        m=m,
        D=D,
        radius=radius,
        cutoff=cutoff,
        warp=warp,
        rotation=rotation,
        warp_matrix=warp_matrix,
        directions=directions,
        degrees=degrees,
        phases=phases,
        coefficients=coefficients,
    )


def _sample(problem: SyntheticProblem, seed: int, n: int, margin: float):
    """The first n candidates (fixed-size batches) with top-two gap >= margin; kept and drawn."""
    rng = _rng(seed, "points")
    kept_coords, kept_labels, have, drawn = [], [], 0, 0
    while have < n:
        if drawn >= _GIVE_UP_AFTER and have < _MIN_ACCEPT * drawn:
            raise InputError(
                f"margin={margin} keeps only {have} of {drawn} candidate points; lower the margin "
                "(label functions lie in [-1, 1]; typical top-two gaps are a few tenths)"
            )
        coords = problem.sample_coordinates(rng, _BATCH)
        f = problem.label_functions(coords)
        top2 = np.sort(f, axis=1)[:, -2:]
        keep = top2[:, 1] - top2[:, 0] >= margin
        kept_coords.append(coords[keep])
        kept_labels.append(np.argmax(f[keep], axis=1))
        have += int(keep.sum())
        drawn += _BATCH
    coords = np.concatenate(kept_coords)[:n]
    labels = np.concatenate(kept_labels)[:n]
    return coords, labels, have, drawn


def synthetic_dataset(
    kind: str,
    seed: int,
    *,
    m: int,
    D: int,
    n: int,
    classes: int = 2,
    cutoff: int = 3,
    radius: float = 1.0,
    margin: float = 0.0,
    noise: float = 0.0,
    warp: float = 0.0,
    terms: int = 16,
    name: str | None = None,
) -> Dataset:
    """A labelled synthetic dataset on an m-sphere or m-torus; the truth is in its metadata.

    Args:
      kind, seed, m, D, classes, cutoff, radius, warp, terms: see :func:`synthetic_problem`.
      n: number of points (>= 1).
      margin: g >= 0: keep only points whose top-two label-function gap is >= g (0: keep all).
      noise: sd >= 0 of Gaussian noise added to each ambient coordinate.
      name: the dataset name (default: the equivalent spec).

    Returns:
      A :class:`~ibcomplexity.tasks.datasets.Dataset` with float32 ``x`` of shape ``(n, D)``.
    """
    n = check_int("n", n, minimum=1)
    classes = check_int("classes", classes, minimum=2)
    _check_caps(classes, check_int("cutoff", cutoff, minimum=1))
    D, terms = check_int("D", D, minimum=1), check_int("terms", terms, minimum=1)
    _check_size(str(kind), D, classes, terms, n)
    problem = synthetic_problem(
        kind, seed, m=m, D=D, classes=classes, cutoff=cutoff, radius=radius, warp=warp, terms=terms
    )
    margin = check_positive("margin", margin, allow_zero=True)
    noise = check_positive("noise", noise, allow_zero=True)
    coords, labels, kept, drawn = _sample(problem, seed, n, margin)
    x = problem.embed(problem.flat_points(coords))
    if noise > 0:
        x = x + noise * _rng(seed, "noise").standard_normal((n, problem.D))
    params = dict(
        m=problem.m,
        D=problem.D,
        n=n,
        classes=problem.classes,
        cutoff=problem.cutoff,
        seed=seed,
        radius=problem.radius,
        margin=margin,
        noise=noise,
        warp=problem.warp,
        terms=terms,
    )
    # str() of a float is its shortest round-tripping repr, so the name rebuilds the same data.
    spec = f"{kind}:" + ",".join(f"{k}={v}" for k, v in params.items())
    R0 = problem.max_norm
    separation = problem.separation_lower_bound(margin) if noise == 0 else None
    cutoff_kind = "spherical-harmonic degree <= cutoff" if kind == "sphere" else "|k|_2 <= cutoff"
    metadata = {
        "format": "synthetic",
        "provenance": "generated by ibcomplexity.tasks.synthetic",
        "preprocessing": [],
        "manifold": kind,
        "parameters": params,
        "true_m": problem.m,
        "radius": R0,
        "radius_bounds": [R0 * (1.0 - problem.warp), R0 * (1.0 + problem.warp)],
        "manifold_radius": problem.radius,
        "cutoff": problem.cutoff,
        "cutoff_kind": cutoff_kind,
        "min_separation": separation,
        "min_separation_note": (
            "rigorous lower bound on the distance between points of different classes"
            if noise == 0
            else "no guarantee: ambient noise can move points across the margin"
        ),
        "acceptance": kept / drawn,
        "class_counts": np.bincount(labels, minlength=problem.classes).tolist(),
        "embedding": {
            "ambient_dim": problem.ambient_dim,
            "rotation": "first d columns of a Haar orthogonal D x D matrix (QR, sign fix)",
            "warp": problem.warp,
            "warp_map": "x + (w r/s) tanh((s/r) U x), ||U||_2 = 1" if problem.warp else None,
            "warp_scale": WARP_SCALE,
            "noise": noise,
        },
    }
    return Dataset.from_arrays(
        x.astype(np.float32),
        labels,
        name=name or spec,
        source="ibcomplexity.tasks.synthetic",
        metadata=metadata,
    )


def sphere_dataset(seed: int, **kwargs) -> Dataset:
    """:func:`synthetic_dataset` on the m-sphere (keywords ``m, D, n`` required).

    Example:
      >>> ds = sphere_dataset(0, m=3, D=20, n=500, classes=2, cutoff=3)
      >>> ds.x.shape, ds.metadata["true_m"], ds.metadata["radius"]
      ((500, 20), 3, 1.0)
    """
    return synthetic_dataset("sphere", seed, **kwargs)


def torus_dataset(seed: int, **kwargs) -> Dataset:
    """:func:`synthetic_dataset` on the flat m-torus (keywords ``m, D, n`` required).

    Example:
      >>> torus_dataset(0, m=2, D=8, n=100).metadata["radius"]  # r * sqrt(m)
      1.4142135623730951
    """
    return synthetic_dataset("torus", seed, **kwargs)


# Spec keys -> (parser, default); None marks required keys.
_INT_KEYS = {"m": None, "D": None, "n": 1000, "classes": 2, "cutoff": 3, "seed": 0, "terms": 16}
_FLOAT_KEYS = {"radius": 1.0, "margin": 0.0, "noise": 0.0, "warp": 0.0}


def dataset_from_spec(spec: str, rest: str) -> Dataset:
    """Build the dataset of a ``sphere:...`` or ``torus:...`` spec (``rest`` follows the colon).

    ``rest`` is ``KEY=VALUE`` pairs separated by commas: ``m`` and ``D`` are required; ``n``
    (1000), ``classes`` (2), ``cutoff`` (3), ``seed`` (0), ``terms`` (16), ``radius`` (1),
    ``margin`` (0), ``noise`` (0), ``warp`` (0) are optional.

    Example:
      >>> dataset_from_spec("sphere:m=2,D=5,n=50", "m=2,D=5,n=50").x.shape
      (50, 5)
    """
    kind = spec.strip().partition(":")[0].strip()
    if kind not in KINDS:
        raise InputError(f"dataset spec {spec!r}: unknown synthetic manifold {kind!r}")
    known = [*_INT_KEYS, *_FLOAT_KEYS]
    values: dict[str, object] = {}
    for key, text in parse_options(rest, what=f"dataset spec {spec!r}", allowed=known).items():
        try:
            # An integer literal is read exactly: float("1" + "0" * 30) would round it.
            exact = key in _INT_KEYS and text.lstrip("+-").isdigit()
            number = int(text) if exact else float(text)
        except ValueError:
            raise InputError(f"dataset spec {spec!r}: {key}={text!r} is not a number") from None
        if key in _INT_KEYS and isinstance(number, int):
            values[key] = number
        elif key in _INT_KEYS:
            if not (math.isfinite(number) and number.is_integer()):
                raise InputError(f"dataset spec {spec!r}: {key}={text!r} must be an integer")
            values[key] = int(number)
        else:
            values[key] = number
    missing = [k for k, default in _INT_KEYS.items() if default is None and k not in values]
    if missing:
        raise InputError(
            f"dataset spec {spec!r} is missing {' and '.join(missing)}; write e.g. "
            f"{kind}:m=3,D=20,n=2000"
        )
    for table in (_INT_KEYS, _FLOAT_KEYS):
        for key, default in table.items():
            values.setdefault(key, default)
    seed = values.pop("seed")
    try:
        return synthetic_dataset(kind, seed, name=spec.strip(), **values)
    except InputError as exc:
        raise InputError(f"dataset spec {spec!r}: {exc}") from None
