"""The user's own Python objects, named in a spec: ``py:MODULE:NAME[:KEY=VALUE,...]``.

``MODULE`` is a dotted module name (``my_models`` or ``lab.models.convnets``), imported the way
``python -m`` would: the current folder first, then ``sys.path``; or the path of a ``.py`` file
(``./models.py``, ``/home/me/models.py``). ``NAME`` is an attribute of that module (a dotted path
reaches into classes or submodules). The options after it are passed to the object as keyword
arguments; each value is read as a Python literal when it is one (``64``, ``0.5``, ``True``,
``(28, 28, 1)``, ``'same'``) and kept as text otherwise.

Every failure is one :class:`~ibcomplexity._validation.InputError` naming the spec and what went
wrong (a missing module, an error while importing it, with the file and line, a missing or
non-callable attribute), never a traceback from the user's code.

:func:`code_digest` is the SHA-256 of the file an object was defined in, so that results can say
which version of the user's code made them (a batch job counts it in its content hash).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ibcomplexity._validation import InputError

__all__ = [
    "PREFIX",
    "UserObject",
    "accepts",
    "call_user",
    "code_digest",
    "file_digest",
    "format_options",
    "load_object",
    "module_file",
    "one_line",
    "parse_user_spec",
]

#: The prefix of a spec that names the user's own Python object.
PREFIX = "py:"


@dataclass(frozen=True)
class UserObject:
    """A parsed ``py:`` spec.

    Attributes:
      module: the module's dotted name or the ``.py`` file's path, as written.
      name: the attribute (possibly dotted) inside the module.
      options: ``(key, value)`` pairs, values converted from literals, in spec order.
      text: the canonical spec, ``py:MODULE:NAME[:key=value,...]``.
    """

    module: str
    name: str
    options: tuple[tuple[str, object], ...]
    text: str

    @property
    def kwargs(self) -> dict[str, object]:
        return dict(self.options)


def _literal(value: str) -> object:
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def parse_user_spec(spec: str, *, what: str) -> UserObject:
    """Split ``py:MODULE:NAME[:KEY=VALUE,...]`` (the module docstring) without importing anything.

    Options are separated by commas; a value holding commas (a tuple) goes in brackets:
    ``py:models:make:widths=(64,32),act=gelu``.
    """
    text = spec.strip()
    if not text.startswith(PREFIX):
        raise InputError(f"{what} {spec!r} does not start with {PREFIX!r}")
    rest = text[len(PREFIX) :]
    head, colon, tail = rest.rpartition(":")
    options_text = ""
    if colon and "=" in tail:
        options_text, rest = tail, head
    module, colon, name = rest.rpartition(":")
    module, name = module.strip(), name.strip()
    if not colon or not module or not name:
        raise InputError(
            f"{what} {spec!r} must name a module and an object in it: py:MODULE:NAME, e.g. "
            "py:my_models:make_convnet or py:./models.py:make_convnet"
        )
    if not all(part.isidentifier() for part in name.split(".")):
        raise InputError(f"{what} {spec!r}: {name!r} is not a Python name")
    options: list[tuple[str, object]] = []
    for item in _split_top(options_text):
        key, eq, value = (p.strip() for p in item.partition("="))
        if not eq or not key.isidentifier():
            raise InputError(f"{what} {spec!r}: {item!r} is not KEY=VALUE (a Python name = value)")
        if key in dict(options):
            raise InputError(f"{what} {spec!r}: key {key!r} given twice")
        options.append((key, _literal(value)))
    shown = format_options(dict(options))
    canonical = f"{PREFIX}{module}:{name}" + (f":{shown}" if shown else "")
    return UserObject(module=module, name=name, options=tuple(options), text=canonical)


def format_options(options: dict[str, object]) -> str:
    """``key=value,...`` as a spec writes them (text quoted, so that it reads back the same)."""

    def show(v: object) -> str:
        plain = isinstance(v, str) and _literal(v) == v and not any(c in v for c in ",:()[]{}'\"")
        return v if plain else repr(v) if isinstance(v, str) else str(v)

    return ",".join(f"{k}={show(v)}" for k, v in options.items())


def _split_top(text: str) -> list[str]:
    """``text`` split at the commas outside brackets and quotes; empty items dropped."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [s.strip() for s in items if s.strip()]


def _is_file(module: str) -> bool:
    return module.endswith(".py") or "/" in module or os.sep in module


def _where(exc: BaseException) -> str:
    """``file, line N`` of the deepest frame of a user's exception (``""`` if unknown)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" ({exc.filename}, line {exc.lineno})"
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" ({last.filename}, line {last.lineno})"


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception from the user's code."""
    message = str(exc).strip().splitlines()
    text = message[0] if message else ""
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def _cwd_on_path():
    """The current folder first on ``sys.path`` while importing (as ``python -m`` has it)."""
    cwd = os.getcwd()
    added = cwd not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(cwd)


def _import(module: str, spec: str, what: str):
    if _is_file(module):
        path = Path(module).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"{what} {spec!r}: no Python file {module!r}")
        # keyed by the path and the file's bytes: an edited file is imported again
        where = hashlib.sha256(str(path).encode()).hexdigest()[:8]
        mod_name = f"_ibc_user_{path.stem}_{where}_{file_digest(path)[:8]}"
        if mod_name in sys.modules:
            return sys.modules[mod_name]
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise InputError(f"{what} {spec!r}: {module!r} is not an importable Python file")
        mod = importlib.util.module_from_spec(loader_spec)
        sys.modules[mod_name] = mod  # dataclasses (and so flax modules) look their module up here
        try:
            loader_spec.loader.exec_module(mod)
        except Exception as e:
            del sys.modules[mod_name]
            raise InputError(
                f"{what} {spec!r}: importing {module!r} raised {one_line(e)}{_where(e)}"
            ) from None
        return mod
    try:
        with _cwd_on_path():
            return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            raise InputError(
                f"{what} {spec!r}: no module named {module!r} (run from the folder holding it, "
                "add that folder to PYTHONPATH, or give the file: py:./models.py:NAME)"
            ) from None
        raise InputError(
            f"{what} {spec!r}: importing {module!r} raised {one_line(e)}{_where(e)}"
        ) from None
    except Exception as e:
        raise InputError(
            f"{what} {spec!r}: importing {module!r} raised {one_line(e)}{_where(e)}"
        ) from None


def load_object(spec: str | UserObject, *, what: str) -> tuple[UserObject, object]:
    """The parsed spec and the object it names (imported; not called).

    Args:
      spec: ``py:MODULE:NAME[:KEY=VALUE,...]`` or an already parsed :class:`UserObject`.
      what: names the input in messages (``"architecture"``, ``"kernel"``).

    Raises:
      InputError: a malformed spec, a module that cannot be found or fails to import (the
        message gives the exception and where it was raised), a missing attribute.
    """
    parsed = spec if isinstance(spec, UserObject) else parse_user_spec(spec, what=what)
    obj = _import(parsed.module, parsed.text, what)
    for i, part in enumerate(parsed.name.split(".")):
        if not hasattr(obj, part):
            owner = parsed.module if i == 0 else ".".join(parsed.name.split(".")[:i])
            names = sorted(n for n in dir(obj) if not n.startswith("_"))
            shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
            raise InputError(
                f"{what} {parsed.text!r}: {owner!r} has no attribute {part!r}"
                + (f"; it defines: {shown}" if shown else "")
            )
        obj = getattr(obj, part)
    return parsed, obj


def accepts(fn: Callable, name: str) -> bool:
    """Whether ``fn`` takes a keyword argument ``name`` (by name or through ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if name in params and params[name].kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    ):
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def call_user(fn: Callable, kwargs: dict, *, spec: str, what: str, role: str = "the factory"):
    """``fn(**kwargs)``; an exception from the user's code becomes one InputError line."""
    if not callable(fn):
        raise InputError(f"{what} {spec!r} names a {type(fn).__name__}, not a function or class")
    try:
        return fn(**kwargs)
    except TypeError as e:
        raise InputError(
            f"{what} {spec!r}: calling {role} with {', '.join(kwargs) or 'no arguments'} raised "
            f"{one_line(e)}"
        ) from None
    except Exception as e:
        raise InputError(f"{what} {spec!r}: {role} raised {one_line(e)}{_where(e)}") from None


def module_file(spec: str | UserObject, *, what: str) -> Path:
    """The file of the spec's module, found without running it (a dotted name's parent packages
    are imported, as ``importlib.util.find_spec`` does)."""
    parsed = spec if isinstance(spec, UserObject) else parse_user_spec(spec, what=what)
    if _is_file(parsed.module):
        path = Path(parsed.module).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"{what} {parsed.text!r}: no Python file {parsed.module!r}")
        return path
    try:
        with _cwd_on_path():
            found = importlib.util.find_spec(parsed.module)
    except ModuleNotFoundError:
        found = None
    except Exception as e:
        raise InputError(
            f"{what} {parsed.text!r}: looking up {parsed.module!r} raised {one_line(e)}"
        ) from None
    if found is None or not found.origin or not os.path.isfile(found.origin):
        raise InputError(
            f"{what} {parsed.text!r}: no module named {parsed.module!r} (run from the folder "
            "holding it, add that folder to PYTHONPATH, or give the file: py:./models.py:NAME)"
        )
    return Path(found.origin)


def file_digest(path: str | os.PathLike) -> str:
    """The first 16 hex digits of the SHA-256 of a file's bytes."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def code_digest(obj: object) -> str | None:
    """The first 16 hex digits of the SHA-256 of the file defining ``obj`` (``None`` if unknown)."""
    target = getattr(obj, "__wrapped__", obj)
    module = sys.modules.get(getattr(target, "__module__", "") or "")
    path = getattr(module, "__file__", None)
    if path is None:
        try:
            path = inspect.getsourcefile(target)
        except (TypeError, OSError):
            path = None
    if not path or not os.path.isfile(path):
        return None
    return file_digest(path)
