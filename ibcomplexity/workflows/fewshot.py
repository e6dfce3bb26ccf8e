r"""Few-shot meta-learning on Omniglot: the bound from data and an exact GP episode estimate.

* :func:`meta_statistics`: the bound of method.md section 1.3 with every statistic from the data.
* :func:`episode_loss_laws`, :func:`fewshot_vs_classification`: the exact GP estimate of an
  episode-level formulation (defined in :func:`fewshot_vs_classification`).
* :func:`fewshot_analysis` (``ibc fewshot``): both, from Omniglot sources, in one result.

Images and episodes come from :mod:`ibcomplexity.tasks.omniglot`.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034, section 6 (meta-learning).
  Boopathy et al., *Towards Exact Computation of Inductive Bias*, IJCAI 2024.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ibcomplexity._validation import InputError, check_int, check_positive
from ibcomplexity.bound import DEFAULT_CONVENTION
from ibcomplexity.tasks.omniglot import (
    Episodes,
    OmniglotImages,
    classification_episodes,
    sample_episodes,
)

__all__ = [
    "MetaStatistics",
    "EpisodeLossLaws",
    "EpisodeInductiveBias",
    "FewShotComparison",
    "meta_statistics",
    "episode_loss_laws",
    "fewshot_vs_classification",
    "FewShotAnalysis",
    "fewshot_analysis",
]


# --- the bound with statistics from data ----------------------------------------------------


@dataclass(frozen=True)
class MetaStatistics:
    r"""The few-shot bound (method.md 1.3) with statistics measured on Omniglot images.

    Attributes:
      ways, shots: W and K of the episodes.
      shape: image shape the statistics were measured at.
      alphabets: the alphabets that contribute episodes (at least W characters).
      characters_per_alphabet: their character counts :math:`c_a`.
      drawers: d, images per character (the minimum over characters).
      support_sets: :math:`\binom{d}{K}`, K-shot support sets per character (d for one-shot).
      episodes: :math:`n = \sum_a \binom{c_a}{W} \binom{d}{K}^W` (exact integer).
      m_inner: m0 (rounded), the mean over those alphabets of the MLE on each alphabet's images.
      m_inner_raw: the unrounded mean; ``m_inner_per_alphabet``: each alphabet's MLE.
      m_outer: m1 (rounded), the MLE on all images pooled across alphabets; ``m_outer_raw``.
      radius: R, max L2 norm of an image; delta: min distance between images of different
        characters (exact).
      target_error: eps.
      bound: :func:`~ibcomplexity.bound.meta.meta_learning_bound` with these inputs.
      classification: the classification bound of all the characters (n = images,
        m = m_outer, C = characters): image classification on the same pixels.
      classification_ways: the classification bound of W characters of one alphabet with all
        their drawers (n = W d, m = m_inner, C = W).
      seed, k: the MLE's seed and neighbours.
    """

    ways: int
    shots: int
    shape: tuple[int, int]
    alphabets: tuple[str, ...]
    characters_per_alphabet: tuple[int, ...]
    drawers: int
    support_sets: int
    episodes: int
    m_inner: int
    m_inner_raw: float
    m_inner_per_alphabet: tuple[float, ...]
    m_outer: int
    m_outer_raw: float
    radius: float
    delta: float
    target_error: float
    bound: Any
    classification: Any
    classification_ways: Any
    seed: int
    k: int

    @property
    def m(self) -> int:
        """The meta task's intrinsic dimension :math:`m_1 + (W-1) m_0`."""
        return self.m_outer + (self.ways - 1) * self.m_inner

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("bound", "classification", "classification_ways"):
            d[k] = getattr(self, k).as_dict()
        d["m"] = self.m
        d["log10_episodes"] = math.log10(self.episodes)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def meta_statistics(
    images: OmniglotImages,
    *,
    ways: int = 20,
    shots: int = 1,
    target_error: float = 0.01,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    convention: str = DEFAULT_CONVENTION,
) -> MetaStatistics:
    r"""Measure m0, m1, R, delta, n on ``images`` and evaluate the few-shot bound.

    Definitions (consistent with :math:`m = m_1 + (W-1) m_0` of method.md 1.3). An episode's
    input is W images of one alphabet. Its first image ranges over all the images, a manifold of
    dimension :math:`m_1`; given it, each of the other W-1 images ranges over its alphabet's
    images, of dimension :math:`m_0`. So

    * :math:`m_1` = Levina-Bickel MLE (k neighbours) on all images pooled across alphabets;
    * :math:`m_0` = mean over the alphabets that contribute episodes of the MLE on that
      alphabet's images; both rounded to integers as the bound uses them (the raw values are
      kept);
    * R = max image norm; delta = exact min distance between images of different characters;
    * :math:`n = \sum_a \binom{c_a}{W} \binom{d}{K}^W` via
      :func:`~ibcomplexity.bound.meta.episode_count` (with ``drawers`` = :math:`\binom{d}{K}`).

    The bound is :func:`~ibcomplexity.bound.meta.meta_learning_bound`; the comparisons are
    classification bounds on the same pixels (see :class:`MetaStatistics`).

    Args:
      images: from :func:`~ibcomplexity.tasks.omniglot.load_omniglot` (e.g. ``size=28``).
      ways, shots: W and K.
      target_error: eps of all three bounds.
      seed: seeds the MLE's query choice (``jax.random.key(seed)``; irrelevant when
        ``num_queries`` is None: every point is a query).
      k: MLE neighbours.
      num_queries: MLE queries per estimate (None: all points).
      convention: the bound convention (see :mod:`ibcomplexity.bound`).

    Returns:
      :class:`MetaStatistics`.

    Raises:
      InputError: no alphabet with W characters, too few images for the MLE, bad arguments.
    """
    import jax

    from ibcomplexity.bound import classification_bound, episode_count, meta_learning_bound
    from ibcomplexity.stats import intrinsic_dimension_mle, min_class_distance, radius

    W = check_int("ways", ways, minimum=2)
    K = check_int("shots", shots)
    seed = check_int("seed", seed, minimum=0)
    eps = check_positive("target_error", target_error)
    sizes = images.characters_per_alphabet
    used = [i for i, a in enumerate(images.alphabets) if sizes[a] >= W]
    if not used:
        raise InputError(f"no alphabet has at least ways={W} characters (have {sizes})")
    d = int(images.images_per_character.min())
    if d < K:
        raise InputError(f"shots={K} but some character has only {d} images")
    key_outer, key_inner = jax.random.split(jax.random.key(seed))
    m_alpha = []
    for i in used:
        xa = images.x[images.alphabet == i]
        q = None if num_queries is None else min(num_queries, xa.shape[0])
        est = intrinsic_dimension_mle(jax.random.fold_in(key_inner, i), xa, k=k, num_queries=q)
        m_alpha.append(est.value)
    m0_raw = float(np.mean(m_alpha))
    m1_raw = intrinsic_dimension_mle(key_outer, images.x, k=k, num_queries=num_queries).value
    m0, m1 = max(1, round(m0_raw)), max(1, round(m1_raw))
    R = radius(images.x)
    delta = min_class_distance(images.x, images.character).delta
    counts = [sizes[images.alphabets[i]] for i in used]
    support_sets = math.comb(d, K)
    common = dict(radius=R, delta=delta, target_error=eps, convention=convention)
    return MetaStatistics(
        ways=W,
        shots=K,
        shape=images.shape,
        alphabets=tuple(images.alphabets[i] for i in used),
        characters_per_alphabet=tuple(counts),
        drawers=d,
        support_sets=support_sets,
        episodes=episode_count(counts, W, support_sets),
        m_inner=m0,
        m_inner_raw=m0_raw,
        m_inner_per_alphabet=tuple(float(v) for v in m_alpha),
        m_outer=m1,
        m_outer_raw=float(m1_raw),
        radius=R,
        delta=delta,
        target_error=eps,
        bound=meta_learning_bound(
            alphabet_sizes=counts,
            ways=W,
            drawers=support_sets,
            m_inner=m0,
            m_outer=m1,
            **common,
        ),
        classification=classification_bound(
            n=images.n, m=m1, classes=len(images.characters), **common
        ),
        classification_ways=classification_bound(n=W * d, m=m0, classes=W, **common),
        seed=seed,
        k=k,
    )


# --- the exact GP estimate of episodes --------------------------------------------------------


@dataclass(frozen=True)
class EpisodeInductiveBias:
    r"""Exact GP bits of a set of episodes at one target MSE (see :func:`episode_loss_laws`).

    Attributes:
      bits: :math:`-\log_2 P(\overline{\mathrm{MSE}} \le \epsilon)`, the joint bits: the mean
        per-entry query MSE over all episodes at once (``inf`` when unreachable).
      nats: the same in nats.
      chernoff_bits: a guaranteed lower bound on ``bits``.
      bits_per_episode: ``bits / num_episodes``.
      episode_bits: per episode, :math:`-\log_2 P(\mathrm{MSE}_e \le \epsilon)`.
      sum_episode_bits: their sum, :math:`-\log_2 P(\text{every } \mathrm{MSE}_e \le \epsilon)`
        (episodes are independent): the stricter requirement, so never below ``bits``.
      target_mse: eps.
      N: total degrees of freedom (classes x sum of posterior ranks).
      mean_mse: expected joint MSE of a posterior sample; posterior_mean_mse: joint MSE of the
        posterior means; offset: the smallest joint MSE reachable.
      infinite, message: whether eps is below the offset, and why.
      num_episodes, n_train, n_test, classes: per-episode sizes.
      space: the kernel spec used.
    """

    bits: float
    nats: float
    chernoff_bits: float
    bits_per_episode: float
    episode_bits: tuple[float, ...]
    sum_episode_bits: float
    target_mse: float
    N: int
    mean_mse: float
    posterior_mean_mse: float
    offset: float
    infinite: bool
    message: str
    num_episodes: int
    n_train: int
    n_test: int
    classes: int
    space: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class EpisodeLossLaws:
    r"""Exact laws of the per-episode query MSE of GP posteriors, one per episode.

    ``laws[e]`` is the generalized chi-square of the per-entry MSE on episode e's queries of a
    sample of the GP posterior conditioned on its support (method.md 2.2). Episodes are
    independent (block-diagonal joint covariance), so the mean MSE over the E episodes (equal
    entries each) is the generalized chi-square with every episode's components, weights divided
    by E, and the mean offset: :attr:`joint`.
    """

    laws: tuple[Any, ...]
    posterior_mean_mse: tuple[float, ...]
    ranks: tuple[int, ...]
    n_train: int
    n_test: int
    classes: int
    space: dict[str, Any]

    @property
    def joint(self):
        from ibcomplexity.distributions import GeneralizedChiSquare

        E = len(self.laws)
        return GeneralizedChiSquare(
            weights=np.concatenate([law.weights for law in self.laws]) / E,
            dofs=np.concatenate([law.dofs for law in self.laws]),
            noncentralities=np.concatenate([law.noncentralities for law in self.laws]),
            offset=float(np.mean([law.offset for law in self.laws])),
        )

    def inductive_bias(self, target_mse: float) -> EpisodeInductiveBias:
        """Joint and per-episode bits at ``target_mse`` (see :class:`EpisodeInductiveBias`)."""
        eps = check_positive("target_mse", target_mse)
        joint = self.joint
        E = len(self.laws)
        ep_bits = tuple(
            math.inf if eps <= law.offset else (0.0 - float(law.log_cdf(eps))) / math.log(2)
            for law in self.laws
        )
        infinite = eps <= joint.offset
        if infinite:
            nats = chernoff = math.inf
            message = f"infinite: target {eps:g} is below the reachable minimum {joint.offset:.6g}"
        else:
            nats = 0.0 - float(joint.log_cdf(eps))
            chernoff = 0.0 - float(joint.chernoff_log_cdf(eps).log_cdf_bound)
            message = ""
        bits = nats / math.log(2)
        return EpisodeInductiveBias(
            bits=bits,
            nats=nats,
            chernoff_bits=chernoff / math.log(2),
            bits_per_episode=bits / E,
            episode_bits=ep_bits,
            sum_episode_bits=float(sum(ep_bits)),
            target_mse=eps,
            N=int(round(float(np.sum(joint.dofs)))) if joint.num_components else 0,
            mean_mse=float(joint.mean),
            posterior_mean_mse=float(np.mean(self.posterior_mean_mse)),
            offset=joint.offset,
            infinite=infinite,
            message=message,
            num_episodes=E,
            n_train=self.n_train,
            n_test=self.n_test,
            classes=self.classes,
            space=dict(self.space),
        )


def episode_loss_laws(space, episodes: Episodes) -> EpisodeLossLaws:
    """The exact GP query-MSE law of every episode (support = training set, one-hot targets).

    Args:
      space: a :class:`~ibcomplexity.hypotheses.gp.GPSpace` whose kernel has a numeric
        bandwidth (one hypothesis space for all episodes; resolve a median bandwidth once, e.g.
        ``Kernel("rbf").resolve(images.x)``).
      episodes: the :class:`Episodes`.

    Returns:
      :class:`EpisodeLossLaws`.
    """
    from ibcomplexity.distributions import GeneralizedChiSquare
    from ibcomplexity.hypotheses import GPSpace, gp_posterior

    if not isinstance(space, GPSpace):
        raise InputError(f"space must be a GPSpace, got {type(space).__name__}")
    if not space.kernel.resolved:
        raise InputError(
            "episode_loss_laws needs one kernel for all episodes: give a numeric bandwidth "
            "(e.g. Kernel('rbf').resolve(images.x)), not 'median' per episode"
        )
    laws, post_mse, ranks = [], [], []
    for e in range(episodes.num_episodes):
        post = gp_posterior(space, episodes.task(e))
        laws.append(GeneralizedChiSquare(**post.loss_components()))
        post_mse.append(float(np.mean((post.mu - post.y_test) ** 2)))
        ranks.append(post.rank)
    return EpisodeLossLaws(
        laws=tuple(laws),
        posterior_mean_mse=tuple(post_mse),
        ranks=tuple(ranks),
        n_train=int(episodes.support_x.shape[1]),
        n_test=int(episodes.query_x.shape[1]),
        classes=episodes.ways,
        space={"kernel": space.kernel.spec, "preprocessing": space.preprocessing},
    )


@dataclass(frozen=True)
class FewShotComparison:
    """Few-shot episodes vs image classification on the same queries (exact GP bits).

    Attributes:
      few_shot: bits of the W-way K-shot episodes (support = K images per class).
      classification: bits of the same classes and queries with ``train_per_class`` images
        per class (a superset of the support).
      ways, shots, queries, train_per_class, num_episodes, seed: the design.
      kernel: the kernel spec (one bandwidth for both).
    """

    few_shot: EpisodeInductiveBias
    classification: EpisodeInductiveBias
    ways: int
    shots: int
    queries: int
    train_per_class: int
    num_episodes: int
    seed: int
    kernel: str

    @property
    def extra_bits(self) -> float:
        """Joint bits of few-shot minus those of classification."""
        return self.few_shot.bits - self.classification.bits


def fewshot_vs_classification(
    images: OmniglotImages,
    *,
    ways: int,
    target_mse: float,
    shots: int = 1,
    queries: int = 5,
    num_episodes: int = 20,
    seed: int = 0,
    kernel="rbf",
    train_per_class: int | None = None,
) -> FewShotComparison:
    r"""Exact GP bits of few-shot meta-learning vs image classification on the same pixels.

    Formulation. Draw E test episodes with
    :func:`~ibcomplexity.tasks.omniglot.sample_episodes` (W characters of one
    alphabet, K support and Q query images per class). For episode e the inner hypothesis space
    is the noise-free GP posterior (one kernel, W one-hot outputs) conditioned on its support
    set; a hypothesis' loss is its per-entry MSE on the episode's W Q queries. The meta-learner
    must output a good inner classifier on every test episode at once: the hypotheses of the E
    episodes are independent (block-diagonal joint), and the meta task's bits are

    .. math:: I_{\text{few}}(\epsilon) = -\log_2 P\Big(\tfrac1E \sum_e \mathrm{MSE}_e \le
              \epsilon\Big)

    computed exactly (:class:`EpisodeLossLaws`); the per-episode bits and their sum (every
    episode on its own) are reported too. Image classification on the same pixels is the same
    computation with each episode's support replaced by ``train_per_class`` images of each of
    its W characters (the support plus the other non-query drawers): same classes, same query
    pixels, same targets, same eps, many training images per class. The difference is the
    information the meta-learner's inductive bias must add because each test episode gives only
    K examples per class.

    Args:
      images: from :func:`~ibcomplexity.tasks.omniglot.load_omniglot`.
      ways, shots, queries: W, K, Q.
      target_mse: eps, the per-entry MSE on one-hot targets (predicting 0 everywhere gives 1/W).
      num_episodes: E.
      seed: the episodes' seed.
      kernel: a :class:`~ibcomplexity.hypotheses.kernels.Kernel` or spec; a ``median``
        bandwidth is resolved once on all ``images`` (deterministic subset).
      train_per_class: images per class of the classification counterpart (default: all
        non-query images).

    Returns:
      :class:`FewShotComparison`.

    Example:
      >>> imgs = load_omniglot("images_background_small1.zip", size=28)  # doctest: +SKIP
      >>> c = fewshot_vs_classification(imgs, ways=20, target_mse=0.025)  # doctest: +SKIP
      >>> c.few_shot.bits > c.classification.bits  # doctest: +SKIP
      True
    """
    from ibcomplexity.hypotheses import GPSpace, make_kernel

    eps = check_positive("target_mse", target_mse)
    space = GPSpace(kernel=make_kernel(kernel).resolve(images.x))
    few = sample_episodes(
        images, seed=seed, num_episodes=num_episodes, ways=ways, shots=shots, queries=queries
    )
    cls = classification_episodes(images, few, train_per_class=train_per_class)
    return FewShotComparison(
        few_shot=episode_loss_laws(space, few).inductive_bias(eps),
        classification=episode_loss_laws(space, cls).inductive_bias(eps),
        ways=few.ways,
        shots=few.shots,
        queries=few.queries,
        train_per_class=cls.shots,
        num_episodes=few.num_episodes,
        seed=seed,
        kernel=space.kernel.spec,
    )


# --- ``ibc fewshot`` as one call ---------------------------------------------------------------


@dataclass(frozen=True)
class FewShotAnalysis:
    """Few-shot meta-learning against image classification on the same Omniglot pixels.

    Attributes:
      sources: the Omniglot sources read.
      images: the images (count, characters and shape appear in :meth:`as_dict`).
      statistics: the meta-learning bound with every statistic from the images
        (:class:`MetaStatistics`).
      gp: the exact GP episode estimate (:class:`FewShotComparison`).
      target_mse: the GP's target per-entry query MSE.
    """

    sources: list[str]
    images: OmniglotImages = field(repr=False)
    statistics: MetaStatistics
    gp: FewShotComparison
    target_mse: float

    @property
    def bounds(self) -> dict[str, Any]:
        """The three bounds by task: W-way K-shot, all-character and W-character classification."""
        s = self.statistics
        return {
            f"{s.ways}-way {s.shots}-shot meta-learning": s.bound,
            f"classification, all {len(self.images.characters)} characters": s.classification,
            f"classification, {s.ways} characters of one alphabet": s.classification_ways,
        }

    def as_dict(self) -> dict[str, Any]:
        """The JSON view: ``ibc fewshot --json`` less ``plot``."""
        from ibcomplexity._json import jsonable

        gp = self.gp
        return {
            "data": list(self.sources),
            "images": {
                "count": int(self.images.x.shape[0]),
                "characters": len(self.images.characters),
                "shape": list(self.images.shape),
            },
            "statistics": self.statistics.as_dict(),
            "gp": {
                "target_mse": self.target_mse,
                "few_shot": jsonable(gp.few_shot),
                "classification": jsonable(gp.classification),
                "extra_bits": gp.extra_bits,
                "design": {
                    "ways": gp.ways,
                    "shots": gp.shots,
                    "queries": gp.queries,
                    "train_per_class": gp.train_per_class,
                    "episodes": gp.num_episodes,
                    "seed": gp.seed,
                    "kernel": gp.kernel,
                },
            },
        }


def fewshot_analysis(
    sources: str | list[str],
    *,
    ways: int = 20,
    shots: int = 1,
    queries: int = 5,
    num_episodes: int = 50,
    target_error: float = 0.01,
    target_mse: float | None = None,
    size: int = 28,
    seed: int = 0,
    kernel="rbf",
    convention: str = DEFAULT_CONVENTION,
    progress: Callable[[str], Any] | None = None,
) -> FewShotAnalysis:
    """Read Omniglot, then the meta-learning bound and the exact GP episode estimate on it.

    Args:
      sources: Omniglot zip files or folders (a comma-separated string or a list).
      ways, shots, queries, num_episodes: W, K, Q and the GP's test episodes E.
      target_error: the bound's target error, in (0, 1).
      target_mse: the GP's target per-entry query MSE (default 1/W: what predicting 0 reaches).
      size: images resized to ``size`` x ``size``.
      seed: the episodes' and the MLE's seed.
      kernel, convention: the GP kernel (spec or object) and the bound's convention.
      progress: optional progress-bar factory ``factory(description) -> callback(done, total)``.

    Returns:
      :class:`FewShotAnalysis` (:func:`meta_statistics` and :func:`fewshot_vs_classification`).
    """
    from ibcomplexity._validation import check_error_rate
    from ibcomplexity.tasks.omniglot import load_omniglot

    check_error_rate("--target-error", target_error)
    names = sources.split(",") if isinstance(sources, str) else list(sources)
    names = [s for s in names if s.strip()]
    if not names:
        raise InputError("--dataset names no Omniglot source")
    eps = 1.0 / ways if target_mse is None else target_mse
    step = (progress or (lambda d: None))("reading images, statistics, GP episodes")
    step = step or (lambda done, total: None)
    step(0, 3)
    images = load_omniglot(names, size=size)
    step(1, 3)
    stats = meta_statistics(
        images,
        ways=ways,
        shots=shots,
        target_error=target_error,
        seed=seed,
        convention=convention,
    )
    step(2, 3)
    gp = fewshot_vs_classification(
        images,
        ways=ways,
        shots=shots,
        queries=queries,
        num_episodes=num_episodes,
        target_mse=eps,
        seed=seed,
        kernel=kernel,
    )
    step(3, 3)
    return FewShotAnalysis(sources=names, images=images, statistics=stats, gp=gp, target_mse=eps)
