"""Every ``ibc`` command in the README runs as written (issue 14): after the Quick start, with
the environment active and ``$IBC_DATA`` naming the data (here the offline ``../shared/data``,
or the variable's own value), each exits 0. Synopsis lines (``[--option]``, ``SPEC``, ``...``)
are forms, not commands, and are left out. The numbers the README quotes from these commands are
checked by ``tests/test_readme.py``."""

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


def readme_commands() -> list[str]:
    """The ``ibc`` commands of the README's code blocks, continuation lines joined."""
    commands, block = [], False
    for raw in README.read_text().replace("\\\n", " ").splitlines():
        if raw.startswith("```"):
            block = not block
            continue
        line = raw.strip().removeprefix("$ ").split("  #")[0].strip()
        if block and line.startswith("ibc "):
            commands.append(re.sub(r"\s+", " ", line))
    return commands


def _runnable(cmd: str) -> bool:
    synopsis = "[" in cmd.split("|")[0] or re.search(r"\b(SPEC|NAME|DIR)\b|\.\.\.", cmd)
    return not synopsis and not any(s in cmd for s in ELSEWHERE)


COMMANDS = [c for c in readme_commands() if _runnable(c)]


def test_the_readme_has_the_commands_it_should():
    assert len(readme_commands()) >= 15 and len(COMMANDS) >= 8
    assert "ibc estimate" in COMMANDS and any(c.startswith("ibc batch") for c in COMMANDS)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder to run in (outputs land there), with the repository's experiments/ beside."""
    env_data = os.environ.get("IBC_DATA")
    data = Path(env_data) if env_data else ROOT.parent / "shared" / "data"
    if not (data / "mnist").is_dir():
        pytest.skip(f"no MNIST in the data directory {data} (set IBC_DATA)")
    work = tmp_path_factory.mktemp("readme")
    (work / "experiments").symlink_to(ROOT / "experiments")
    env = dict(os.environ, IBC_DATA=str(data), COLUMNS="100", JAX_PLATFORMS="cpu")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return work, env


@pytest.mark.parametrize("cmd", COMMANDS)
def test_readme_command_runs_as_written(workdir, cmd):
    work, env = workdir
    cmd = cmd.replace("/tmp/ibc-batch-example", str(work / "batch-example"))
    assert shutil.which("ibc", path=env["PATH"]), "the environment's ibc is not on PATH"
    p = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True)
    assert p.returncode == 0, f"{cmd}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
