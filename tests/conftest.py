"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

# The real data lives beside the repository (../shared/data), never inside it: a fresh clone of the
# project has no such folder, and the tests that need it skip instead of failing.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the offline real-data folder ``../shared/data``; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-data folder {SHARED_DATA} is absent (only CI and dev machines have it)")
    return SHARED_DATA
