r"""Data cards computed from a dataset spec: ``ibc card --dataset SPEC > card.md``.

A computed card is the bundled cards' YAML (:mod:`ibcomplexity.tasks.cards`) as the front matter
of a Markdown document: the statistics the model-agnostic bound needs, each with the command that
computed it, followed by a human-readable table and the dataset's provenance and preprocessing.
:func:`~ibcomplexity.tasks.cards.load_card` reads it back, so ``ibc bound --card card.md``
evaluates the bound from it.

* Labelled datasets give a ``classification`` card: :math:`n` (distinct points), :math:`m` (the
  Levina-Bickel MLE, rounded as the bound uses it), :math:`R`, :math:`\delta` and the number of
  classes (:func:`~ibcomplexity.stats.task_statistics`).
* Regression sources (expert state -> action data on an MDP) give an ``rl`` card: the
  observation dimension the policy sees (per-step dimension times the history length T: the
  torus dimension of the bound's RL form), the action dimension and :math:`n` (training
  observations). The RL form's :math:`\delta` is a frequency resolution, not a distance between
  classes, so it is not computed from data: the paper's 0.001 is used (provenance ``paper``). The
  measured intrinsic dimension of the policy's inputs is recorded beside it for comparison.

References:
  Boopathy et al., *Model-agnostic Measure of Generalization Difficulty*, ICML 2023,
  arXiv:2305.01034.
"""

from __future__ import annotations

import math
import re
import shlex
from typing import Any

import jax
import yaml

from ibcomplexity._validation import InputError, check_int, check_positive, check_probability
from ibcomplexity.tasks.cards import Card, _parse

__all__ = ["card_from_spec", "card_markdown", "RL_DELTA", "RL_TARGET_ERROR"]

#: The paper's frequency resolution and target error for its RL tasks (method.md section 1.2).
RL_DELTA = 0.001
RL_TARGET_ERROR = 0.001
#: Target error written into classification cards computed from data (as ``ibc bound --dataset``).
CLASSIFICATION_TARGET_ERROR = 0.01
#: Training observations of a regression source's card when none are given (the paper's cart-pole).
RL_DEFAULT_N = 10_000


def _command(spec: str, seed: int, extra: str = "") -> str:
    return f"ibc card --dataset {shlex.quote(spec)} --seed {seed}{extra}"


def _card_name(spec: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", spec).strip("-").lower()
    return name[:60] or "dataset"


def _description(meta: dict[str, Any], lines: list[str]) -> str:
    for key in ("source", "format", "scaling", "provenance"):
        if meta.get(key):
            lines.append(f"{key}: {meta[key]}")
    steps = meta.get("preprocessing") or []
    lines.append("preprocessing: " + ("; ".join(map(str, steps)) if steps else "none"))
    return "\n".join(lines)


def card_from_spec(
    spec: str | Any,
    *,
    seed: int = 0,
    k: int = 5,
    num_queries: int | None = None,
    delta_method: str = "exact",
    target_error: float | None = None,
    n_train: int | None = None,
    progress=None,
) -> Card:
    """Compute a data card from a dataset spec (see :func:`load_dataset` / :func:`load_task`).

    Args:
      spec: a dataset spec or a regression source (a string or a parsed
        :class:`~ibcomplexity.tasks.DatasetSpec`).
      seed: seed of every random choice (the MLE queries, delta's sampling, a source's rollouts).
      k, num_queries, delta_method: as :func:`~ibcomplexity.stats.task_statistics`.
      target_error: the card's target error (default 0.01 for classification, the paper's 0.001
        for RL).
      n_train: training observations of a regression source (default 10,000); ignored for
        labelled datasets, whose card describes the whole (preprocessed) dataset.
      progress: optional ``progress(done, total)`` for the statistics.

    Returns:
      A validated :class:`~ibcomplexity.tasks.cards.Card` (``path`` empty).
    """
    from ibcomplexity.tasks.datasets import DatasetSpec, load_dataset
    from ibcomplexity.tasks.task import load_task

    seed = check_int("seed", seed, minimum=0)
    parsed = DatasetSpec.parse(spec)
    spec, rl = parsed.text, parsed.is_task_source
    if target_error is not None:  # a policy's error is any positive number; a class error a rate
        check = check_positive if rl else check_probability
        target_error = check("target_error", target_error)
    if rl:
        n = RL_DEFAULT_N if n_train is None else check_int("n_train", n_train, minimum=1)
        task = load_task(parsed, n_train=n, n_test=1, seed=seed)
        return _rl_card(spec, task, seed=seed, k=k, num_queries=num_queries, eps=target_error)
    from ibcomplexity.stats import task_statistics

    data = load_dataset(parsed)
    stats = task_statistics(
        data.x,
        data.y,
        seed=seed,
        k=k,
        num_queries=num_queries,
        delta_method=delta_method,
        dataset=data.name,
        progress=progress,
    )
    extra = "" if delta_method == "exact" else f" --delta-method {delta_method.replace('_', '-')}"
    cmd = _command(spec, seed, extra)
    m = stats.intrinsic_dimension
    eps = CLASSIFICATION_TARGET_ERROR if target_error is None else target_error

    def computed(value, note: str) -> dict[str, Any]:
        return {"value": value, "provenance": "computed", "command": cmd, "note": note}

    raw = {
        "name": _card_name(spec),
        "title": f"{spec} (statistics computed from the data)",
        "task": "classification",
        "description": _description(
            {"source": data.source, "scaling": data.scaling, **data.metadata},
            [
                f"{data.n} examples of shape {data.shape}, {stats.classes} classes "
                f"({stats.duplicates_dropped} exact duplicates dropped)."
            ],
        ),
        "statistics": {
            "n": computed(stats.n, "distinct examples"),
            "m": computed(m.rounded, f"Levina-Bickel MLE k = {m.k}: {m.value:.6g}, rounded"),
            "radius": computed(stats.radius, "max L2 norm of an example"),
            "delta": computed(
                stats.resolution.delta, f"minimum cross-class distance ({delta_method})"
            ),
            "classes": computed(stats.classes, "classes present"),
            "target_error": (
                {"value": eps, "provenance": "default", "note": "the tool's default target error"}
                if target_error is None
                else {"value": eps, "provenance": "option", "note": "--target-error"}
            ),
        },
        "computed": {
            "dataset": spec,
            "command": cmd,
            "statistics": {
                "n": stats.n,
                "radius": stats.radius,
                "m": m.value,
                "delta": stats.resolution.delta,
            },
        },
    }
    return _parse(raw, f"computed card for {spec}")


def _rl_card(spec, task, *, seed, k, num_queries, eps) -> Card:
    from ibcomplexity.stats import intrinsic_dimension_mle, radius

    meta = dict(task.metadata)
    try:
        per_step = check_int("observation_dim", meta["observation_dim"], minimum=1)
        history = check_int("history", meta.get("history", 1), minimum=1)
    except KeyError:
        raise InputError(
            f"regression source {spec!r} records no 'observation_dim' in its metadata; an rl "
            "card needs the observation dimension"
        ) from None
    cmd = _command(spec, seed, f" --n-train {task.n_train}")
    m = intrinsic_dimension_mle(jax.random.key(seed), task.x_train, k=k, num_queries=num_queries)
    obs_dim = per_step * history
    raw = {
        "name": _card_name(spec),
        "title": f"{spec} (expert state -> action data)",
        "task": "rl",
        "description": _description(
            meta,
            [
                f"{task.n_train} training observations; the policy sees {history} step(s) of "
                f"{per_step} observed coordinates and outputs {task.outputs} action(s). "
                "The bound's RL form puts the observations on a flat torus of dimension "
                f"{obs_dim}; the measured intrinsic dimension of the inputs is {m.value:.4g}."
            ],
        ),
        "statistics": {
            "obs_dim": {
                "value": obs_dim,
                "provenance": "computed",
                "command": cmd,
                "note": f"{per_step} per step x history {history}",
            },
            "action_dim": {"value": task.outputs, "provenance": "computed", "command": cmd},
            "n": {"value": task.n_train, "provenance": "computed", "command": cmd},
            "delta": {"value": RL_DELTA, "provenance": "paper", "note": "frequency resolution"},
            "target_error": (
                {"value": RL_TARGET_ERROR, "provenance": "paper", "note": "the paper's RL target"}
                if eps is None
                else {"value": eps, "provenance": "option", "note": "--target-error"}
            ),
        },
        "computed": {
            "dataset": spec,
            "command": cmd,
            "statistics": {
                "n": task.n_train,
                "obs_dim": obs_dim,
                "m_mle": m.value,
                "radius": radius(task.x_train),
            },
        },
    }
    return _parse(raw, f"computed card for {spec}")


def card_markdown(card: Card, *, bound=None) -> str:
    """The card as Markdown with its YAML as front matter (readable by ``load_card``).

    Args:
      card: the card.
      bound: optional :class:`~ibcomplexity.results.BoundResult` to state under the table.
    """
    raw: dict[str, Any] = {
        "name": card.name,
        "title": card.title,
        "task": card.task,
        "description": card.description,
        "statistics": {
            key: {"value": _plain(card.statistics[key]), **card.provenance.get(key, {})}
            for key in card.statistics
        },
    }
    if card.computed:
        raw["computed"] = _plain(dict(card.computed))
    front = yaml.dump(raw, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    lines = ["---", front.rstrip(), "---", "", f"# {card.title}", "", card.description, ""]
    lines += ["| statistic | value | provenance | note |", "| --- | ---: | --- | --- |"]
    for key, value in card.statistics.items():
        p = card.provenance.get(key, {})
        v = f"{value:.6g}" if isinstance(value, float) else str(value)
        lines.append(f"| {key} | {v} | {p.get('provenance', '')} | {p.get('note', '')} |")
    if card.computed:
        lines += ["", f"Computed with: `{card.computed['command']}`"]
    if bound is not None:
        text = (
            bound.message
            if bound.vacuous
            else f"{bound.formatted()} (log10 {bound.log10_bits:.4f})"
        )
        lines += [
            "",
            f"Model-agnostic bound ({bound.convention} convention) at target error "
            f"{card.statistics['target_error']:g}: {text}.",
        ]
    return "\n".join(lines) + "\n"


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as literal blocks (readable descriptions)."""


def _str(dumper: yaml.SafeDumper, text: str):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def _plain(value):
    """YAML-safe plain Python values (numpy scalars -> float/int)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
