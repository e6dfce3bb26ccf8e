"""Tiny job files shared by the batch tests (digits; GP with n_train 100 / n_test 50)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

GP_JOB = """\
[job]
seed = 3
targets = [0.06, 0.08]
samples = [24, 40]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
dataset = "digits"
n_train = 100
n_test = 50

[[spaces]]
type = "gp"
name = "rbf"
"""

# GP first (fast), then a tiny MLP whose chunks of 8 networks take ~0.1-0.3 s each after the
# first chunk's compilation: slow enough to kill the process between two chunks.
MIXED_JOB = """\
[job]
seed = 0
targets = [0.05, 0.08]
samples = [24, 48]
chunk_size = 8
bootstrap = 10
plots = false

[[tasks]]
dataset = "digits"
n_train = 100
n_test = 50

[[spaces]]
type = "gp"
name = "rbf"

[[spaces]]
type = "nn"
name = "mlp"
arch = "mlp:width=16,depth=1"
epochs = 300
batch_size = 25
lr = 0.003
fit_threshold = 0.02
"""


@pytest.fixture
def write_job(tmp_path):
    """``write_job(text, name="job.toml") -> Path`` in the test's temporary folder."""

    def write(text: str, name: str = "job.toml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return write


def unit_arrays(out: Path) -> dict[str, dict[str, np.ndarray]]:
    """Every unit's arrays, read straight from the manifest and its chunk files (no lock)."""
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    result = {}
    for unit, entry in manifest["units"].items():
        parts: dict[str, list[np.ndarray]] = {}
        stop = 0
        for c in sorted(entry["chunks"], key=lambda c: c["start"]):
            assert c["start"] == stop, f"gap or overlap in {unit} at {c['start']}"
            stop = c["stop"]
            with np.load(io.BytesIO((Path(out) / c["file"]).read_bytes())) as z:
                for k in z.files:
                    parts.setdefault(k, []).append(z[k])
        result[unit] = {k: np.concatenate(v) for k, v in parts.items()}
    return result


@pytest.fixture
def read_units():
    """The function :func:`unit_arrays` (fixtures are how test modules share helpers here)."""
    return unit_arrays


@pytest.fixture
def gp_job():
    """The text of :data:`GP_JOB`."""
    return GP_JOB


@pytest.fixture
def mixed_job():
    """The text of :data:`MIXED_JOB`."""
    return MIXED_JOB
