"""Plots show what they say (issue 14): close log10 values on a linear axis from 0, every batch
target drawn, and short bandwidths in titles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ibcomplexity import plots


@pytest.fixture
def figures(monkeypatch):
    kept = []

    def save(fig, path):
        kept.append(fig)
        return Path(path)

    monkeypatch.setattr(plots, "_save", save)
    return kept


def test_bar_panels_choose_their_axis(figures, tmp_path):
    plots.plot_bars(
        tmp_path / "b.png",
        labels=["a", "b"],
        panels={"GP bits": [1e-5, 30.0], "log10 bits": [9.69, 9.72]},
        log={"log10 bits": False},
    )
    gp, bound = figures[0].axes
    assert gp.get_yscale() == "log" and bound.get_yscale() == "linear"
    assert bound.get_ylim()[0] == 0  # 9.69 and 9.72 look as close as they are


def test_every_target_gets_its_line_and_label(figures, tmp_path):
    losses = np.random.default_rng(0).normal(0.03, 0.003, 500).clip(0)
    plots.plot_loss_distribution(
        tmp_path / "l.png",
        target=[0.015, 0.025],
        losses=losses,
        bits_label=["target 0.015: >= 9 bits", "target 0.025: 2.3 bits"],
    )
    ax = figures[0].axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().startswith("target")]
    assert [line.get_xdata()[0] for line in lines] == [0.015, 0.025]
    assert [line.get_label() for line in lines] == [
        "target 0.015: >= 9 bits",
        "target 0.025: 2.3 bits",
    ]
    plots.plot_loss_distribution(tmp_path / "one.png", target=0.02, losses=losses)
    assert [x.get_label() for x in figures[1].axes[0].get_lines()] == ["target 0.02"]


def test_titles_show_short_bandwidths():
    from ibcomplexity.cli._output import short_spec

    assert short_spec("rbf:bandwidth=3.06632414300902") == "rbf:bandwidth=3.066"
    assert short_spec("nngp:depth=2,sigma_w2=2.0") == "nngp:depth=2,sigma_w2=2.0"
