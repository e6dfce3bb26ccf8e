"""A resume on another backend is refused; on another device kind of the same backend, warned."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibcomplexity import InputError
from ibcomplexity.batch import runner


def test_another_device_kind_is_a_warning_and_another_backend_a_refusal(monkeypatch):
    now = {"backend": "gpu", "x64": False, "device_kind": "NVIDIA H200"}
    monkeypatch.setattr(runner, "platform_record", lambda: dict(now))
    warnings: list[str] = []
    same = {"platform": dict(now)}
    runner.check_platform(same, Path("out"), warnings)
    assert warnings == []
    other_kind = {"platform": {**now, "device_kind": "NVIDIA A100"}}
    runner.check_platform(other_kind, Path("out"), warnings)
    assert len(warnings) == 1 and "'NVIDIA A100'" in warnings[0] and "highest" in warnings[0]
    with pytest.raises(InputError, match="JAX_PLATFORMS=cpu"):
        runner.check_platform({"platform": {**now, "backend": "cpu"}}, Path("out"), warnings)
