"""Plots written by the CLI: the loss distribution of a hypothesis space with the target marked.

matplotlib is imported lazily with the non-interactive Agg backend, so importing the package never
needs a display.

Each plot is written to exactly the path given, in the format its extension names
(:data:`PLOT_SUFFIXES`); a path without one, or with another, is refused by
:func:`check_plot_path` (matplotlib would silently append ``.png`` to a bare name). A failed write
(disk full, permission denied) is an :class:`~ibcomplexity._validation.InputError` naming the
path, not a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ibcomplexity._validation import InputError

__all__ = ["PLOT_SUFFIXES", "check_plot_path", "plot_bars", "plot_loss_distribution"]

#: The image formats a plot may be written in (matplotlib's Agg, PDF, SVG and PS backends).
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".eps", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")

_MODEL_COLORS = ("#e6550d", "#31a354", "#756bb1", "#636363")


def check_plot_path(path: str | os.PathLike, what: str = "--plot") -> Path:
    """Check, before any computation, that a plot can be written at ``path``.

    The extension must be one of :data:`PLOT_SUFFIXES`; the path must not be a folder, lie under
    a file, /proc, /sys or /dev, or on a read-only file system (see
    :func:`~ibcomplexity._limits.check_output_file`).

    Raises:
      InputError: naming ``what`` and the path.
    """
    from ibcomplexity._limits import check_output_file

    return check_output_file(path, what, suffixes=PLOT_SUFFIXES)


def _format(path: str | os.PathLike) -> str:
    """The savefig format of ``path``: its extension, which must be in :data:`PLOT_SUFFIXES`."""
    out = Path(path)
    if out.suffix.lower() not in PLOT_SUFFIXES:
        got = f"extension {out.suffix!r}" if out.suffix else "no extension"
        raise InputError(
            f"plot {out} has {got}; use one of {', '.join(PLOT_SUFFIXES)} (e.g. {out.stem}.png)"
        )
    return out.suffix.lower().lstrip(".")


def _save(fig, path: str | os.PathLike) -> Path:
    """Write ``fig`` to exactly ``path`` (format from the extension) and close it."""
    import matplotlib.pyplot as plt

    out = Path(path)
    try:
        fmt = _format(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(out, dpi=120, format=fmt)
        except OSError as exc:
            raise InputError(
                f"could not write the plot {out}: {exc.strerror or exc}"
                + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else "")
            ) from None
    finally:
        plt.close(fig)
    return out


#: Target lines, one color per target (reds, darkest first).
_TARGET_COLORS = ["#cb181d", "#fb6a4a", "#a50f15", "#fcbba1"]


def plot_loss_distribution(
    path: str | Path,
    *,
    target: float | Sequence[float],
    losses: np.ndarray | None = None,
    distribution=None,
    title: str = "",
    bits_label: str | Sequence[str] = "",
    models: dict | None = None,
) -> Path:
    r"""Two panels: the loss density (histogram of sampled losses and/or the exact density from the
    distribution's CDF) and :math:`\log_{10} P(L \le x)` over x, with the target marked.

    Args:
      path: image file to write, in the format its extension names (:data:`PLOT_SUFFIXES`;
        parent folders are created).
      target: the target loss, drawn as a vertical line, or several targets (one line each).
      losses: sampled losses (optional).
      distribution: an object with ``log_cdf(x)``, ``mean``, ``variance`` and ``offset``, e.g. a
        :class:`~ibcomplexity.distributions.GeneralizedChiSquare` (optional).
      title: figure title.
      bits_label: text for the target line's legend entry (e.g. ``"eps = 0.01: 523 bits"``),
        or one per target.
      models: fitted laws to overlay, ``{label: distribution}`` (same interface as
        ``distribution``), drawn dashed.
    """
    _format(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if losses is None and distribution is None:
        raise ValueError("plot_loss_distribution needs losses, a distribution, or both")
    targets = [float(target)] if np.ndim(target) == 0 else [float(t) for t in target]
    names = [bits_label] if isinstance(bits_label, str) else list(bits_label)
    names = [
        (names[i] if i < len(names) and names[i] else f"target {t:g}")
        for i, t in enumerate(targets)
    ]
    lo_candidates, hi_candidates = list(targets), list(targets)
    if losses is not None:
        losses = np.asarray(losses, dtype=np.float64)
        lo_candidates.append(float(losses.min()))
        hi_candidates.append(float(np.quantile(losses, 0.999)))
    if distribution is not None:
        mean, sd = float(distribution.mean), float(np.sqrt(distribution.variance))
        lo_candidates.append(max(float(distribution.offset), mean - 6 * sd))
        hi_candidates.append(mean + 5 * sd)
    lo, hi = min(lo_candidates), max(hi_candidates)
    pad = 0.05 * (hi - lo)
    grid = np.linspace(max(lo - pad, 0.0), hi + pad, 400)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    if losses is not None:
        ax1.hist(
            losses, bins=80, density=True, color="#9ecae1", label=f"{losses.size:,} sampled losses"
        )
        srt = np.sort(losses)
        emp = np.arange(1, srt.size + 1) / srt.size
        ax2.step(srt, np.log10(emp), where="post", color="#3182bd", label="empirical")
    if distribution is not None:
        log_cdf = np.asarray(distribution.log_cdf(grid), dtype=np.float64)
        cdf = np.exp(log_cdf)
        dens = np.gradient(cdf, grid)
        ax1.plot(grid, dens, color="#08306b", lw=1.8, label="exact density")
        ax2.plot(grid, log_cdf / np.log(10), color="#08306b", lw=1.8, label="exact")
    for (label, model), color in zip((models or {}).items(), _MODEL_COLORS, strict=False):
        with np.errstate(divide="ignore"):
            log_cdf = np.asarray(model.log_cdf(grid), dtype=np.float64)
        ax1.plot(grid, np.gradient(np.exp(log_cdf), grid), "--", color=color, lw=1.4, label=label)
        ax2.plot(grid, log_cdf / np.log(10), "--", color=color, lw=1.4, label=label)
    for ax in (ax1, ax2):
        for t, name, color in zip(targets, names, _TARGET_COLORS * len(targets), strict=False):
            ax.axvline(t, color=color, ls="--", lw=1.5, label=name)
        ax.set_xlabel("test loss (per-entry MSE)")
        ax.grid(alpha=0.3)
    ax1.set_ylabel("density")
    ax1.set_title("loss distribution")
    ax2.set_ylabel(r"$\log_{10} P(\mathrm{loss} \leq x)$")
    ax2.set_title("lower tail (bits = $-\\log_2 P$ at the target)")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_bars(
    path: str | Path,
    *,
    labels: list[str],
    panels: dict[str, list[float | None]],
    title: str = "",
    log: bool | Mapping[str, bool] = True,
) -> Path:
    """One bar chart per panel (``{y label: values per label}``), side by side; ``None`` or
    non-finite values are left out and marked "n/a". ``log``: a log y axis for every panel, or
    ``{y label: bool}`` per panel (default log); a linear panel starts at 0, so close values
    look close. ``path`` as for :func:`plot_loss_distribution`."""
    _format(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    pos = np.arange(len(labels))
    for ax, (ylabel, values) in zip(axes[0], panels.items(), strict=True):
        use_log = log.get(ylabel, True) if isinstance(log, Mapping) else log
        ok = [v is not None and np.isfinite(v) and (v > 0 or not use_log) for v in values]
        heights = [v if good else 0.0 for v, good in zip(values, ok, strict=True)]
        bars = ax.bar(pos, heights, color="#3182bd")
        for b, v, good in zip(bars, values, ok, strict=True):
            text = f"{v:.3g}" if good else "n/a"
            y = b.get_height() if good else (1.0 if use_log else 0.0)
            ax.annotate(text, (b.get_x() + b.get_width() / 2, y), ha="center", va="bottom")
        if use_log and any(ok):
            ax.set_yscale("log")
        elif all(h >= 0 for h in heights):
            ax.set_ylim(bottom=0)
        ax.set_xticks(pos, labels, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, axis="y")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)
