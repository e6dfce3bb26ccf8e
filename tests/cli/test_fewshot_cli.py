"""ibc fewshot: the few-shot bound and GP episode estimate from an Omniglot-layout zip."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from ibcomplexity import cli
from ibcomplexity.tasks.omniglot import load_omniglot
from ibcomplexity.workflows.fewshot import fewshot_vs_classification, meta_statistics


@pytest.fixture(scope="module")
def omniglot_zip(tmp_path_factory):
    """2 alphabets x 6 characters x 6 drawers of random 8x8 strokes, in the standard layout."""
    from PIL import Image

    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("omni") / "images_background.zip"
    with zipfile.ZipFile(path, "w") as z:
        for a in ("Alpha", "Beta"):
            for c in range(1, 7):
                base = rng.random((8, 8)) < 0.3
                for d in range(1, 7):
                    strokes = base ^ (rng.random((8, 8)) < 0.1)
                    buf = io.BytesIO()
                    Image.fromarray(np.where(strokes, 0, 255).astype(np.uint8)).save(buf, "PNG")
                    name = f"images_background/{a}/character{c:02d}/{c:04d}_{d:02d}.png"
                    z.writestr(name, buf.getvalue())
    return path


@pytest.mark.integration
def test_fewshot_cli_matches_the_python_api(omniglot_zip, capsys, tmp_path):
    argv = ["fewshot", "--data", str(omniglot_zip), "--size", "8", "--ways", "3"]
    argv += ["--queries", "2", "--episodes", "3", "--seed", "1", "--json", "--quiet"]
    argv += ["--plot", str(tmp_path / "fs.png")]
    assert cli.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    images = load_omniglot(omniglot_zip, size=8)
    stats = meta_statistics(images, ways=3, seed=1)
    gp = fewshot_vs_classification(
        images, ways=3, queries=2, num_episodes=3, target_mse=1 / 3, seed=1
    )
    assert out["images"] == {"count": 72, "characters": 12, "shape": [8, 8]}
    assert out["statistics"]["m"] == stats.m and out["statistics"]["episodes"] == stats.episodes
    assert out["statistics"]["bound"]["log10_bits"] == pytest.approx(stats.bound.log10_bits)
    assert out["gp"]["target_mse"] == pytest.approx(1 / 3)
    assert out["gp"]["few_shot"]["bits"] == pytest.approx(gp.few_shot.bits, rel=1e-12)
    assert out["gp"]["classification"]["bits"] == pytest.approx(gp.classification.bits, rel=1e-12)
    assert (tmp_path / "fs.png").stat().st_size > 0
    # the human-readable tables
    assert cli.main([a for a in argv if a not in ("--json",)]) == 0
    text = capsys.readouterr().out
    assert "3-way 1-shot meta-learning" in text and "GP formulation" in text
    # the library call behind the command gives the same JSON, less the plot path
    from ibcomplexity import to_json
    from ibcomplexity.workflows import fewshot_analysis

    result = fewshot_analysis(str(omniglot_zip), ways=3, size=8, queries=2, num_episodes=3, seed=1)
    assert json.loads(to_json(result)) == {
        k: v for k, v in out.items() if k not in ("plot", "platform")
    }
    assert list(result.bounds)[0] == "3-way 1-shot meta-learning"


def test_fewshot_analysis_checks_before_reading(tmp_path):
    from ibcomplexity import InputError
    from ibcomplexity.workflows import fewshot_analysis

    with pytest.raises(InputError, match="target-error"):
        fewshot_analysis(str(tmp_path / "never-read.zip"), target_error=1.5)
    with pytest.raises(InputError, match="no Omniglot source"):
        fewshot_analysis(" , ")


def test_fewshot_cli_bad_source(tmp_path, capsys):
    assert cli.main(["fewshot", "--data", str(tmp_path / "missing.zip"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ibc: error:") and "missing.zip" in err
