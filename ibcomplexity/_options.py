"""One ``KEY=VALUE,...`` option parser, with one error style, for every spec family.

Kernels (``nngp:depth=3,sigma_b2=0.1``), architectures (``mlp:width=256,depth=2``), regression
sources (``cartpole:history=3``), synthetic manifolds (``sphere:m=3,D=20``) and preprocessing
knobs (``digits@resize=4,grayscale``) all split their options here; each family then converts
the values it knows. Errors read the same everywhere::

    kernel spec 'rbf:depth=2': unknown key 'depth'; valid keys: bandwidth
    dataset spec 'sphere:m=3,n': 'n' is not KEY=VALUE; valid keys: m, D, n, ...
    task spec 'cartpole:history=2,history=3': key 'history' given twice

Empty items (``a=1,,b=2``, a trailing comma) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ibcomplexity._validation import InputError

__all__ = ["parse_options"]


def parse_options(
    text: str,
    *,
    what: str,
    allowed: Iterable[str],
    flags: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    lower: bool = False,
) -> dict[str, str]:
    """Split ``text`` (``"k1=v1,k2=v2"``) into ``{key: value}`` in order, values stripped.

    Args:
      text: the options (may be empty).
      what: names the input in messages (``"kernel spec 'rbf:depth=2'"``).
      allowed: the valid keys, in the order messages list them.
      flags: keys that may be given without ``=VALUE`` (their value is then ``""``).
      aliases: other names of a key (``{"n": "max_examples"}``); the result uses the canonical key
        and a key given under both names counts as given twice.
      lower: compare keys case-insensitively (the result holds them lower-cased).

    Raises:
      InputError: an item that is not ``KEY=VALUE`` (or a bare flag), an unknown key, a key
        given twice.
    """
    allowed = tuple(allowed)
    flags = frozenset(flags)
    aliases = dict(aliases or {})
    valid = ", ".join(allowed) if allowed else "none (it takes no options)"
    out: dict[str, str] = {}
    typed: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, eq, value = (part.strip() for part in item.partition("="))
        if lower:
            key = key.lower()
        canonical = aliases.get(key, key)
        if canonical not in allowed and key not in allowed:
            if not eq and not allowed:
                raise InputError(f"{what}: takes no options, got {item!r}")
            if not eq or not key:
                raise InputError(f"{what}: {item!r} is not KEY=VALUE; valid keys: {valid}")
            raise InputError(f"{what}: unknown key {key!r}; valid keys: {valid}")
        if (not eq or not value) and canonical not in flags:
            raise InputError(f"{what}: {item!r} is not KEY=VALUE; valid keys: {valid}")
        if canonical in out:
            also = f" (also as {typed[canonical]!r})" if typed[canonical] != key else ""
            raise InputError(f"{what}: key {key!r} given twice{also}")
        out[canonical] = value
        typed[canonical] = key
    return out
