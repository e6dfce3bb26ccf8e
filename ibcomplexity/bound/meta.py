r"""The model-agnostic bound for few-shot meta-learning (the paper's Omniglot form).

A meta-learner outputs an inner W-way classifier g. The inner hypothesis space has
:math:`\dim_g = 2 W (W-1) E(m_0, 2\pi R/\delta)` dimensions (E the eigenfunction count of the
general form at the inner intrinsic dimension :math:`m_0`). The meta task is then the general
form with

* eps: the target error, n: the number of distinct training episodes,
  :math:`n = \sum_a \binom{c_a}{W} \cdot d^W` over alphabets a with :math:`c_a` characters (choose W
  characters, then one of d drawers for each);
* :math:`m = m_1 + (W-1) m_0`, radius :math:`R\sqrt W`, P = 1, D = :math:`\dim_g`,
  :math:`B = \sqrt{W (W-1)}`.

Paper constants (20-way 1-shot Omniglot, 30 background alphabets, 964 characters): m0 = 22,
m1 = 29, R = 49.4064773081425, delta = sqrt(30), eps = 0.01, giving about 1.79e145 bits.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034, section 6 (meta-learning).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ibcomplexity._numerics import LN10
from ibcomplexity._validation import InputError, check_error_rate, check_int, check_positive
from ibcomplexity.bound._convention import DEFAULT_CONVENTION, Convention, get_convention
from ibcomplexity.bound.general import MAX_COUNT, _cutoff, _general, eigenfunction_count
from ibcomplexity.results import BoundResult

__all__ = ["meta_learning_bound", "OMNIGLOT_BACKGROUND_ALPHABETS", "episode_count"]

#: Most classes per episode: the exact episode count :math:`d^W` has about W log10(d) digits, so
#: an absurd W would take hours to count (the paper's W is 20).
MAX_WAYS = 10_000

#: Characters per alphabet in Omniglot's background set (30 alphabets, 964 characters), as in the
#: dataset's standard ``images_background`` folder layout.
OMNIGLOT_BACKGROUND_ALPHABETS: dict[str, int] = {
    "Alphabet_of_the_Magi": 20,
    "Anglo-Saxon_Futhorc": 29,
    "Arcadian": 26,
    "Armenian": 41,
    "Asomtavruli_(Georgian)": 40,
    "Balinese": 24,
    "Bengali": 46,
    "Blackfoot_(Canadian_Aboriginal_Syllabics)": 14,
    "Braille": 26,
    "Burmese_(Myanmar)": 34,
    "Cyrillic": 33,
    "Early_Aramaic": 22,
    "Futurama": 26,
    "Grantha": 43,
    "Greek": 24,
    "Gujarati": 48,
    "Hebrew": 22,
    "Inuktitut_(Canadian_Aboriginal_Syllabics)": 16,
    "Japanese_(hiragana)": 52,
    "Japanese_(katakana)": 47,
    "Korean": 40,
    "Latin": 26,
    "Malay_(Jawi_-_Arabic)": 40,
    "Mkhedruli_(Georgian)": 41,
    "N_Ko": 33,
    "Ojibwe_(Canadian_Aboriginal_Syllabics)": 14,
    "Sanskrit": 42,
    "Syriac_(Estrangelo)": 23,
    "Tagalog": 17,
    "Tifinagh": 55,
}


def episode_count(alphabet_sizes: Sequence[int], ways: int, drawers: int) -> int:
    r"""Exact number of distinct W-way episodes, :math:`\sum_a \binom{c_a}{W} d^W` (a Python int).

    Alphabets with fewer than W characters contribute no episode.
    """
    return sum(math.comb(c, ways) for c in alphabet_sizes) * drawers**ways


_LOG_FLOAT_MAX = math.log(2.0**1023)


def meta_learning_bound(
    *,
    alphabet_sizes: Sequence[int] | Mapping[str, int] = OMNIGLOT_BACKGROUND_ALPHABETS,
    ways: int = 20,
    drawers: int = 20,
    m_inner: float = 22,
    m_outer: float = 29,
    radius: float = 49.4064773081425,
    delta: float = 5.477225575051661,
    target_error: float = 0.01,
    convention: str | Convention = DEFAULT_CONVENTION,
    unit: str = "bits",
) -> BoundResult:
    r"""The bound for W-way few-shot meta-learning (module docstring has the formula).

    Args:
      alphabet_sizes: characters per alphabet (a mapping name -> count is accepted).
      ways: W, classes per episode.
      drawers: d, examples (drawers) per character.
      m_inner: m0, intrinsic dimension of one character's images.
      m_outer: m1, intrinsic dimension of the episode structure.
      radius: R, data radius of one image.
      delta: resolution.
      target_error: eps, an error rate strictly between 0 and 1.
      convention: only ``integer_degree`` applies (in both the inner and the meta count).
      unit: ``"bits"`` or ``"nats"``.

    Example:
      >>> r = meta_learning_bound(convention="reference")
      >>> r.formatted(3)
      '1.789e+145 bits'
    """
    conv = get_convention(convention)
    sizes = (
        list(alphabet_sizes.values())
        if isinstance(alphabet_sizes, Mapping)
        else list(alphabet_sizes)
    )
    if not sizes:
        raise InputError("alphabet_sizes must list at least one alphabet")
    sizes = [check_int("alphabet_sizes entry", c, maximum=MAX_COUNT) for c in sizes]
    W = check_int("ways", ways, minimum=2, maximum=MAX_WAYS)
    d_ = check_int("drawers", drawers, maximum=MAX_COUNT)
    m0 = check_positive("m_inner", m_inner)
    m1 = check_positive("m_outer", m_outer)
    if m0 < 1 or m1 < 1:
        raise InputError(f"m_inner and m_outer must be >= 1, got {m_inner!r}, {m_outer!r}")
    R = check_positive("radius", radius)
    d = check_positive("delta", delta)
    eps = check_error_rate("target_error", target_error)
    if max(sizes) < W:  # checked before counting: d**W alone can be enormous
        raise InputError(f"no alphabet has at least ways={W} characters: there are no episodes")
    n = episode_count(sizes, W, d_)
    _, log_E_inner = eigenfunction_count(m0, _cutoff(R, d), integer_degree=conv.integer_degree)
    log_dim_g = math.log(2 * W * (W - 1)) + log_E_inner
    if not log_dim_g < _LOG_FLOAT_MAX:
        raise InputError(
            f"the inner {W}-way hypothesis space would have 10^{log_dim_g / LN10:.4g} dimensions "
            f"(m_inner={m0:g}, 2*pi*R/delta={2.0 * math.pi * R / d:.4g}), beyond floating-point "
            "range; check the statistics"
        )
    inputs = dict(
        alphabets=len(sizes),
        characters=sum(sizes),
        ways=W,
        drawers=d_,
        m_inner=m0,
        m_outer=m1,
        R=R,
        delta=d,
        target_error=eps,
        n=n,
        m=m1 + (W - 1) * m0,
        inner_dim=math.exp(log_dim_g),
    )
    return _general(
        log_eps=math.log(eps),
        log_n=math.log(n),
        m=m1 + (W - 1) * m0,
        radius=R * math.sqrt(W),
        delta=d,
        P=1.0,
        D=math.exp(log_dim_g),
        B=math.sqrt(W * (W - 1)),
        integer_degree=conv.integer_degree,
        task="meta",
        convention=conv.name,
        inputs=inputs,
        unit=unit,
    )
