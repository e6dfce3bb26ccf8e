"""ibc stats / bound / kernel accept every adapter's dataset spec (small files written here)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from ibcomplexity import cli

# the real data: $IBC_DATA when set, else ../shared/data (as tests/conftest.py's SHARED_DATA)
SHARED = (
    Path(os.environ["IBC_DATA"]).expanduser()
    if os.environ.get("IBC_DATA")
    else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
)


def _cifar10_binary(path: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 3
    pixels = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    records = np.concatenate([labels[:, None].astype(np.uint8), pixels], axis=1)
    path.mkdir()
    (path / "test_batch.bin").write_bytes(records.tobytes())
    return path


def _image_folder(path: Path, n: int = 20) -> Path:
    from PIL import Image

    rng = np.random.default_rng(1)
    for c in ("cat", "dog", "eel"):
        (path / c).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 256, size=(6, 6), dtype=np.uint8)
            Image.fromarray(img, mode="L").save(path / c / f"{i}.png")
    return path


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    root = tmp_path_factory.mktemp("adapters")
    out = {
        "cifar": f"cifar:{_cifar10_binary(root / 'cifar')}",
        "folder": f"folder:{_image_folder(root / 'folder')}",
        "preprocessed": "digits@classes=0-2,resize=4,label_noise=0.05,seed=1",
        "sphere": "sphere:m=2,D=6,n=150,classes=2,margin=0.05,seed=0",
        "torus": "torus:m=2,D=6,n=150,classes=3,seed=1",
        "cartpole": "cartpole:obs=positions,history=2,episodes=12,steps=40",
        "pendulum": "pendulum:history=2,episodes=12,steps=40",
    }
    zips = sorted((SHARED / "omniglot").glob("images_background_small1.zip"))
    if zips:
        out["omniglot"] = f"omniglot:{zips[0]}:size=10"
    return out


ALL = ["cifar", "folder", "preprocessed", "sphere", "torus", "cartpole", "pendulum", "omniglot"]


@pytest.mark.parametrize("name", ALL)
def test_stats_bound_kernel_accept_the_spec(name, specs, capsys):
    if name not in specs:
        pytest.skip("../shared/data/omniglot is absent (a fresh clone has no shared data)")
    spec = specs[name]
    source = name in ("cartpole", "pendulum")
    extra = ["--n-train", "200"] if source else []
    assert cli.main(["stats", "--dataset", spec, "--json", "--quiet", *extra]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert cli.main(["bound", "--dataset", spec, "--json", "--quiet", *extra]) == 0
    bound = json.loads(capsys.readouterr().out)
    assert bound["task"] == ("rl" if source else "classification")
    assert bound["vacuous"] or math.isfinite(bound["log10_bits"])
    if not source:
        assert stats["n"] >= 30 and stats["radius"] > 0 and stats["resolution"]["delta"] > 0
    argv = ["kernel", "--dataset", spec, "--n-train", "24", "--n-test", "12"]
    assert cli.main([*argv, "--target-mse", "0.05", "--json", "--quiet"]) == 0
    kernel = json.loads(capsys.readouterr().out)
    assert kernel["inputs"]["dataset"] == spec
    assert kernel["exact"]["bits"] >= 0
