"""The ``ibc`` command line: parse, call the library, print a table or one JSON object.

Exit status: 0 on success; 2 with a one-line ``ibc: error: ...`` on bad input; 130 when interrupted.
Progress bars go to stderr (only on a terminal), so ``--json`` output on stdout stays clean.

Bad input fails before any work: every numeric option is range-checked (:func:`check_options`)
before a dataset is read, target error rates must lie in (0, 1), output folders and plot paths are
checked (writable, a known image extension) before the computation, and memory estimates (GP
posterior, network weights) are checked against ``IBC_MEMORY_LIMIT``. A write that fails
afterwards (disk full) is one line naming the path, too.
"""

from __future__ import annotations

from ibcomplexity.cli._main import main

__all__ = ["main"]
