"""Shared by the workflow tests: a command's JSON, less the platform it names."""

from __future__ import annotations

import json

import pytest

PLATFORM_KEYS = {"backend", "device_kind", "devices", "processes", "x64", "matmul_precision"}


@pytest.fixture
def command_json(capsys):
    """``read()`` -> the JSON the last command printed, its ``"platform"`` checked and removed
    (the library's result does not say where it ran; the command does)."""

    def read() -> dict:
        out = json.loads(capsys.readouterr().out)
        where = out.pop("platform")
        assert set(where) == PLATFORM_KEYS and where["devices"] >= 1
        return out

    return read
