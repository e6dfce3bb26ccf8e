"""Table rows for a sampled estimate (:class:`~ibcomplexity.estimate.BitsEstimate`), shared by
``ibc kernel``, ``ibc nn`` and ``ibc batch``: the quotable answer first, then its models."""

from __future__ import annotations

import math


def interval_text(ci) -> str:
    """``[low, high]`` with an unbounded end written as ``inf``."""
    lo, hi = ci
    return f"[{lo:.4g}, {'inf' if math.isinf(hi) else f'{hi:.4g}'}]"


def headline_text(est) -> str:
    """The quotable answer in one cell: ``12.3 [10.1, 15.8]`` or ``>= 8.1`` (lower bound)."""
    if est.ci_bits is None:
        return f"{est.bits:.6g}"
    if est.bits is None:
        return f">= {est.ci_bits[0]:.4g}"
    return f"{est.bits:.6g} {interval_text(est.ci_bits)}"


def estimate_rows(est, *, prefix: str = "") -> list[tuple[str, str]]:
    """(label, value) rows: headline, regime, then the models and the count."""
    pct = round(est.confidence * 100)
    rows = [
        (
            f"[bold]{prefix}bits ({pct}% interval), {est.num_samples:,} samples[/bold]",
            f"[bold]{headline_text(est)}[/bold]",
        ),
        (
            f"{prefix}regime",
            f"{est.regime} ({est.count_below} at or below the target; the sample resolves "
            f"{est.resolvable_bits:.3g} bits empirically)",
        ),
    ]
    if est.fit_ci_bits is not None:
        rows.append(
            (
                f"{prefix}model: noncentral chi-square fit",
                f"{est.fit_bits:.6g} {interval_text(est.fit_ci_bits)}",
            )
        )
    if est.cumulant_bits is not None and est.cumulant_ci_bits is not None:
        rows.append(
            (
                f"{prefix}model: four-cumulant ({est.cumulant_fit.model})",
                f"{est.cumulant_bits:.6g} {interval_text(est.cumulant_ci_bits)}",
            )
        )
    if est.empirical_bits is not None:
        rows.append(
            (
                f"{prefix}empirical count ({est.count_below} below)",
                f"{est.empirical_bits:.6g} {interval_text(est.empirical_ci_bits)}",
            )
        )
    else:
        rows.append((f"{prefix}empirical count (none below)", f">= {est.empirical_ci_bits[0]:.4g}"))
    return rows
