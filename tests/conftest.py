"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The real data lives outside the repository, never inside it: in $IBC_DATA when set (the data
# directory the CLI and the experiments read), else in ../shared/data beside the repository. A fresh
# clone has neither, and the tests that need the data skip instead of failing.
SHARED_DATA = (
    Path(os.environ["IBC_DATA"]).expanduser()
    if os.environ.get("IBC_DATA")
    else Path(__file__).resolve().parents[1].parent / "shared" / "data"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the offline real-data folder ``../shared/data``; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-data folder {SHARED_DATA} is absent (only CI and dev machines have it)")
    return SHARED_DATA
