"""The README's Python example runs and prints what the README says it prints."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs():
    text = README.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), {})
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("1.4848e+16 bits 16.1716")
    assert lines[1] == "1.4639e+25 bits" and lines[2] == "1.7894e+145 bits"
    # every value the comments quote is what the code printed
    for comment in re.findall(r"# prints: (\d\.\d{4}e\+\d+ bits)", code):
        assert any(comment in line for line in lines), comment


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ibc estimate" in text
    ci = (README.parent / ".ci" / "run").read_text()
    test_cmd = (
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest"
    )
    assert test_cmd in text
    assert test_cmd in ci
