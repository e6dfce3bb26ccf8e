"""Data cards: a task's statistics with their provenance, enough to evaluate the bound without data.

This module reads and validates cards; :func:`ibcomplexity.workflows.bound_from_card` evaluates
the bound from one.

A card is a YAML file (see ``data_cards/`` in the repository; they are installed with the package)::

    name: mnist
    title: MNIST handwritten digits
    task: classification            # classification | rl | cartpole | meta
    description: |
      Human-readable description of the task and where the numbers come from.
    statistics:
      n: {value: 60000, provenance: paper, note: training-set size}
      delta: {value: 2.39, provenance: computed, command: "ibc stats --dataset mnist:DIR --json"}
      ...
    reference:                      # optional: the published bound for this card
      bits: 1.4848e16
      convention: reference
      source: Boopathy et al., ICML 2023

Every statistic is a mapping with a ``value`` and a ``provenance`` (``paper``, ``computed``,
``default`` or ``option``, see :data:`PROVENANCES`; a computed value must give the ``command``
that computed it). :func:`load_card` validates the whole
card against the schema of its task family and rejects it with the offending field named: a
classification or meta-learning ``target_error`` is an error rate, strictly between 0 and 1 (an RL
target error is a policy's error, any positive number), a key given twice is an error (YAML
would keep the last silently), and so is nesting deeper than
:data:`~ibcomplexity._limits.MAX_NESTING` (checked before parsing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ibcomplexity._limits import check_nesting, check_regular_file, format_bytes
from ibcomplexity._validation import InputError, check_int, check_positive, check_probability

__all__ = [
    "Card",
    "load_card",
    "card_names",
    "card_paths",
]

#: ``paper``: a published value; ``computed``: measured on data (with its ``command``);
#: ``default``: the tool's default, from no paper and no data (e.g. a computed card's target error);
#: ``option``: given on the command line.
PROVENANCES = ("paper", "computed", "default", "option")


def _count(name, v):
    return check_int(name, v)


def _positive(name, v):
    return check_positive(name, v)


def _at_least_one(name, v):
    x = check_positive(name, v)
    if x < 1:
        raise InputError(f"{name} must be >= 1, got {v!r}")
    return x


def _error_rate(name, v):
    """An error rate: a finite number strictly between 0 and 1 (5, 0, 1, nan, inf refused)."""
    return check_probability(name, v)


def _classes(name, v):
    return check_int(name, v, minimum=2)


def _alphabets(name, v):
    if not isinstance(v, Mapping) or not v:
        raise InputError(f"{name} must be a non-empty mapping alphabet -> number of characters")
    return {str(k): check_int(f"{name}.{k}", c) for k, c in v.items()}


#: Required statistics of each task family and the check each value must pass.
SCHEMAS: dict[str, dict[str, Callable[[str, Any], Any]]] = {
    "classification": dict(
        n=_count,
        m=_at_least_one,
        radius=_positive,
        delta=_positive,
        classes=_classes,
        target_error=_error_rate,
    ),
    # An RL target error is the policy's error (a regression-type loss, Boopathy et al. 2023,
    # Sec. 5), any finite positive number, not a rate.
    "rl": dict(
        obs_dim=_count, action_dim=_count, n=_count, delta=_positive, target_error=_positive
    ),
    "cartpole": dict(observations=_count, n=_count, delta=_positive, target_error=_positive),
    "meta": dict(
        ways=_classes,
        drawers=_count,
        m_inner=_at_least_one,
        m_outer=_at_least_one,
        radius=_positive,
        delta=_positive,
        target_error=_error_rate,
        alphabets=_alphabets,
    ),
}


@dataclass(frozen=True)
class Card:
    """A validated data card.

    Attributes:
      name: short name (``mnist``).
      title: one-line title.
      task: task family (``classification``, ``rl``, ``cartpole``, ``meta``).
      description: human-readable description.
      statistics: the validated statistic values by name.
      provenance: per statistic, ``{"provenance": ..., "note": ..., "command": ...}``.
      reference: the published result, if the card records one.
      computed: statistics computed here from real data, with the dataset and the command.
      path: where the card was read from.
    """

    name: str
    title: str
    task: str
    description: str
    statistics: Mapping[str, Any]
    provenance: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    reference: Mapping[str, Any] = field(default_factory=dict)
    computed: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the card (what ``ibc card --json`` prints, less the bound)."""
        return {
            "name": self.name,
            "title": self.title,
            "task": self.task,
            "description": self.description,
            "statistics": dict(self.statistics),
            "provenance": {k: dict(v) for k, v in self.provenance.items()},
            "computed": dict(self.computed),
        }

    def with_statistics(self, **overrides: Any) -> Card:
        """A copy with some statistics replaced (validated; provenance becomes ``override``)."""
        schema = SCHEMAS[self.task]
        stats = dict(self.statistics)
        prov = {k: dict(v) for k, v in self.provenance.items()}
        for key, value in overrides.items():
            if key not in schema:
                raise InputError(
                    f"card {self.name}: unknown statistic {key!r} for a {self.task} card; "
                    f"known: {', '.join(schema)}"
                )
            try:
                stats[key] = schema[key](key, value)
            except InputError as e:
                raise InputError(f"card {self.name}: {e}") from None
            prov[key] = {"provenance": "override"}
        return dataclasses.replace(self, statistics=stats, provenance=prov)


def card_paths() -> dict[str, Path]:
    """All bundled cards by name (installed copy, or the repository's ``data_cards/``)."""
    dirs = []
    packaged = resources.files("ibcomplexity") / "_cards"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    repo = Path(__file__).resolve().parents[2] / "data_cards"
    if repo.is_dir():
        dirs.append(repo)
    found: dict[str, Path] = {}
    for d in dirs:
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return found


def card_names() -> list[str]:
    """Names of the bundled cards."""
    return sorted(card_paths())


def _parse(raw: Any, where: str) -> Card:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: a card must be a YAML mapping, got {type(raw).__name__}")
    for key in ("name", "title", "task", "description", "statistics"):
        if key not in raw:
            raise InputError(f"{where}: missing field {key!r}")
    for key in ("name", "title", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise InputError(f"{where}: field {key!r} must be a non-empty string")
    unknown = set(raw) - {
        "name",
        "title",
        "task",
        "description",
        "statistics",
        "reference",
        "computed",
    }
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    task = raw["task"]
    if task not in SCHEMAS:
        raise InputError(f"{where}: field 'task' must be one of {', '.join(SCHEMAS)}, got {task!r}")
    schema = SCHEMAS[task]
    stats_raw = raw["statistics"]
    if not isinstance(stats_raw, Mapping):
        raise InputError(f"{where}: field 'statistics' must be a mapping")
    missing = [k for k in schema if k not in stats_raw]
    if missing:
        raise InputError(
            f"{where}: missing statistic(s) {', '.join('statistics.' + k for k in missing)}"
        )
    extra = [k for k in stats_raw if k not in schema]
    if extra:
        raise InputError(
            f"{where}: unknown statistic(s) {', '.join('statistics.' + str(k) for k in extra)} "
            f"for a {task} card"
        )
    stats, prov = {}, {}
    for key, check in schema.items():
        entry = stats_raw[key]
        field_name = f"statistics.{key}"
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise InputError(
                f"{where}: {field_name} must be a mapping with a 'value' and a 'provenance'"
            )
        p = entry.get("provenance")
        if p not in PROVENANCES:
            raise InputError(
                f"{where}: {field_name}.provenance must be one of {PROVENANCES}, got {p!r}"
            )
        if p == "computed" and not entry.get("command"):
            raise InputError(
                f"{where}: {field_name} is computed but gives no 'command' that computed it"
            )
        try:
            stats[key] = check(f"{field_name}.value", entry["value"])
        except InputError as e:
            raise InputError(f"{where}: {e}") from None
        prov[key] = {k: str(v) for k, v in entry.items() if k != "value"}
    reference = raw.get("reference") or {}
    if reference:
        if not isinstance(reference, Mapping) or "bits" not in reference:
            raise InputError(f"{where}: field 'reference' must be a mapping with 'bits'")
        reference = dict(reference)
        try:
            # YAML 1.1 reads 1.4848e16 (no sign in the exponent) as a string: accept both.
            reference["bits"] = check_positive("reference.bits", float(reference["bits"]))
        except (TypeError, ValueError) as e:
            raise InputError(f"{where}: reference.bits must be a positive number ({e})") from None
    computed = raw.get("computed") or {}
    if computed:
        if not isinstance(computed, Mapping):
            raise InputError(f"{where}: field 'computed' must be a mapping")
        for key in ("dataset", "command"):
            if not isinstance(computed.get(key), str) or not computed[key].strip():
                raise InputError(f"{where}: computed.{key} must be a non-empty string")
        values = computed.get("statistics")
        if not isinstance(values, Mapping) or not values:
            raise InputError(f"{where}: computed.statistics must be a non-empty mapping")
        for key, value in values.items():
            try:
                check_positive(f"computed.statistics.{key}", value)
            except InputError as e:
                raise InputError(f"{where}: {e}") from None
    return Card(
        name=raw["name"],
        title=raw["title"].strip(),
        task=task,
        description=raw["description"].strip(),
        statistics=stats,
        provenance=prov,
        reference=dict(reference),
        computed=dict(computed),
        path=where,
    )


def _front_matter(text: str) -> tuple[str, int]:
    """The YAML of a card and the file line its first line is on (0-based offset).

    The YAML is the whole file, or the front matter of a Markdown card: a Markdown card (written
    by ``ibc card``) starts with a line ``---``, then the YAML, then a line ``---``, then
    Markdown.
    """
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return "\n".join(lines[1:i]), 1
        raise InputError("a Markdown card's front matter opens with '---' but never closes")
    return text, 0


#: Cards are short text files; anything bigger is not a card (and would be slow to parse).
MAX_CARD_BYTES = 1 << 20
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _CardLoader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader (no tags executed) that refuses a mapping repeating a key.

    Plain YAML keeps the last of two equal keys silently, so a card saying ``target_error``
    twice would be read with whichever came last. Merge keys (``<<``) may still be overridden.
    """

    line_offset = 0

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base constructor reports it
                line = key_node.start_mark.line + 1 + self.line_offset
                if first is not None:
                    raise InputError(
                        f"duplicate key {key!r} at line {line} (first at line {first}); each "
                        "key may appear once in a card"
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _read_card_text(path: Path) -> str:
    """The text of a card file: a regular file of at most :data:`MAX_CARD_BYTES` bytes."""
    path = check_regular_file(path, "card file")
    try:
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            raise InputError(
                f"card file {path} is {format_bytes(size)}; a card is a short text file (at most "
                f"{format_bytes(MAX_CARD_BYTES)})"
            )
        with path.open("rb") as f:
            return f.read(MAX_CARD_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read card ({e})") from None


def _load_yaml(text: str, where: str, line_offset: int = 0) -> Any:
    """Parse a card's YAML safely: nesting checked first, duplicate keys refused."""
    check_nesting(text, where)
    loader = _CardLoader(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        raise InputError(f"{where}: not valid YAML ({str(e).splitlines()[0]})") from None
    except InputError as e:
        raise InputError(f"{where}: {e}") from None
    except RecursionError:  # deeper than check_nesting counts (e.g. anchors); never a card
        raise InputError(f"{where}: nests too deeply to be a card") from None
    finally:
        loader.dispose()


def load_card(name_or_path: str | Path) -> Card:
    """Load and validate a card by bundled name (``mnist``) or by path to a YAML file.

    A Markdown card with YAML front matter (``ibc card --dataset SPEC > card.md``) is read too.
    The YAML is read as ``yaml.safe_load`` reads it (no tags executed), except that a key given
    twice in one mapping, nesting deeper than :data:`~ibcomplexity._limits.MAX_NESTING` levels and
    files larger than :data:`MAX_CARD_BYTES` are refused.

    Raises:
      InputError: unknown name, unreadable or special file, invalid YAML, a duplicate key, or a
        card that fails the schema (the message names the field).
    """
    paths = card_paths()
    key = str(name_or_path)
    if key.lower() in paths:
        path = paths[key.lower()]
    else:
        path = Path(key)
        if not path.exists():
            raise InputError(
                f"no card named {key!r} and no such file; bundled cards: {', '.join(sorted(paths))}"
            )
    try:
        text, offset = _front_matter(_read_card_text(path))
    except InputError as e:
        raise InputError(f"{path}: {e}" if str(path) not in str(e) else str(e)) from None
    raw = _load_yaml(text, str(path), offset)
    return _parse(raw, str(path))
