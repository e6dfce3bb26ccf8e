"""A batch job's plots label every row, lower bounds included (the README's example job crashed
with a TypeError when a network space's row was a lower bound, bits = null)."""

from __future__ import annotations

import json

from ibcomplexity.cli import main

JOB = """
[job]
seed = 0
targets = 0.05
samples = 20
chunk_size = 20
bootstrap = 20

[[tasks]]
dataset = "digits"
n_train = 60
n_test = 30

[[spaces]]
type = "nn"
arch = "mlp:width=8,depth=1"
epochs = 1
fit_threshold = 1.0
"""


def test_a_lower_bound_row_is_plotted_with_its_bound(tmp_path, capsys):
    job = tmp_path / "job.toml"
    job.write_text(JOB)
    out = tmp_path / "out"
    assert main(["batch", str(job), "--out", str(out), "--json", "--quiet"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["regime"] == "lower-bound" and rows[0]["bits"] is None  # S < 1000
    plots = list((out / "plots").glob("*.png"))
    assert len(plots) == 1 and plots[0].stat().st_size > 0
