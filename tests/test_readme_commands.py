"""Every ``ibc`` command in the README runs as written (issue 14): after the Quick start, with
the environment active and ``$IBC_DATA`` naming the data (the variable's own value, else the
offline ``../shared/data``, else a small MNIST-format stand-in written here), each exits 0.
Synopsis lines (``[--option]``, ``SPEC``, ``...``) are forms, not commands, and are left out. The
numbers the README quotes from these commands are checked by ``tests/test_readme.py``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Long end-to-end runs: CI's integration step.
pytestmark = pytest.mark.integration
#: Run elsewhere, because they take minutes: the recorded MNIST comparison (the slow
#: ``test_rerun_the_mnist_comparison``) and the 128-network example (``test_readme_nn_example``).
ELSEWHERE = ("--epochs 64", "--samples 128 --epochs 20")


def readme_blocks(*, setup: bool = False) -> list[list[str]]:
    """The ``ibc`` commands of each README code block, continuation lines joined; with
    ``setup``, also the ``$ python -c ...`` lines that prepare a command's input (a CSV file)."""
    blocks, block = [], None
    for raw in README.read_text().replace("\\\n", " ").splitlines():
        if raw.startswith("```"):
            block = [] if block is None else blocks.append(block)
            continue
        if setup and block is not None and raw.startswith("$ python -c "):
            block.append(raw.removeprefix("$ "))
            continue
        line = raw.strip().removeprefix("$ ").split("  #")[0].strip()
        if block is not None and line.startswith("ibc "):
            block.append(re.sub(r"\s+", " ", line))
    return [b for b in blocks if b]


def readme_files() -> dict[str, str]:
    """The files the README asks the reader to save: ``python`` blocks whose first line is
    ``# NAME.py`` (``my_models.py``), by name."""
    found = re.findall(r"```python\n# (\w+\.py)\n(.*?)```", README.read_text(), re.S)
    return {name: f"# {name}\n{body}" for name, body in found}


def readme_commands() -> list[str]:
    return [c for b in readme_blocks() for c in b]


def _runnable(cmd: str) -> bool:
    if cmd.startswith("python -c "):
        return True  # a setup line: Python code, not a synopsis
    synopsis = "[" in cmd.split("|")[0] or re.search(r"\b(SPEC|NAME|DIR)\b|\.\.\.", cmd)
    return not synopsis and not any(s in cmd for s in ELSEWHERE)


COMMANDS = [c for c in readme_commands() if _runnable(c)]
#: Each code block's runnable commands, run in order (``ibc card ... > f.md`` then
#: ``ibc bound --card f.md``).
BLOCKS = [[c for c in b if _runnable(c)] for b in readme_blocks(setup=True)]
BLOCKS = [b for b in BLOCKS if any(c.startswith("ibc ") for c in b)]


def test_the_readme_has_the_commands_it_should():
    assert len(readme_commands()) >= 15 and len(COMMANDS) >= 8
    assert "ibc estimate" in COMMANDS and any(c.startswith("ibc batch") for c in COMMANDS)


def _fake_mnist(root: Path) -> Path:
    """600 28x28 uint8 digits-like images and labels as gzip IDX files in ``root/mnist``."""
    import numpy as np

    from ibcomplexity.tasks import write_idx

    rng = np.random.default_rng(0)
    labels = np.arange(600) % 10
    centres = rng.integers(0, 256, (10, 28, 28))
    noise = rng.integers(-40, 41, (600, 28, 28))
    images = np.clip(centres[labels] + noise, 0, 255).astype(np.uint8)
    (root / "mnist").mkdir(parents=True)
    write_idx(root / "mnist" / "t10k-images-idx3-ubyte.gz", images, gzip=True)
    write_idx(root / "mnist" / "t10k-labels-idx1-ubyte.gz", labels.astype(np.uint8), gzip=True)
    return root


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder to run in (outputs land there), with the repository's experiments/ beside."""
    env_data = os.environ.get("IBC_DATA")
    data = Path(env_data) if env_data else ROOT.parent / "shared" / "data"
    work = tmp_path_factory.mktemp("readme")
    if not (data / "mnist").is_dir():
        # no real MNIST here (a fresh clone): a small MNIST-format test set stands in for it, in
        # the layout 'ibc data download mnist' writes
        data = _fake_mnist(work / "data")
    (work / "experiments").symlink_to(ROOT / "experiments")
    for name, text in readme_files().items():  # saved by the reader before the commands
        (work / name).write_text(text)
    env = dict(os.environ, IBC_DATA=str(data), COLUMNS="100", JAX_PLATFORMS="cpu")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return work, env


def test_the_readme_files_and_setup_lines_are_found():
    """The user-model example's file and the CSV example's setup line are picked up (else the
    commands after them would fail for want of their input, not for a fault of the tool)."""
    assert "my_models.py" in readme_files()
    assert (ROOT / "experiments" / "my_models.py").read_text() == readme_files()["my_models.py"]
    setup = [c for b in BLOCKS for c in b if c.startswith("python -c ")]
    assert any("wine.csv" in c for c in setup)


@pytest.mark.parametrize("block", BLOCKS, ids=[b[-1][:60] for b in BLOCKS])
def test_readme_commands_run_as_written(workdir, block):
    work, env = workdir
    assert shutil.which("ibc", path=env["PATH"]), "the environment's ibc is not on PATH"
    for cmd in block:
        cmd = cmd.replace("/tmp/ibc-batch-example", str(work / "batch-example"))
        p = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True)
        assert p.returncode == 0, f"{cmd}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
