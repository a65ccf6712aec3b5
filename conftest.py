"""Doctests in ``src/flowmap`` run only against the flowmap they document.

``--doctest-modules`` imports each module under ``src/flowmap``.  When the
flowmap on ``sys.path`` is another copy (a plain, non-editable install),
pytest would import both and stop with "import file mismatch"; the doctests
are then left out (the header says so) and the tests in ``tests/`` run against
the installed copy.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "src" / "flowmap"


def imported_flowmap() -> Path | None:
    """The directory of the flowmap package Python imports, or None."""
    spec = importlib.util.find_spec("flowmap")
    return Path(spec.origin).resolve().parent if spec and spec.origin else None


ELSEWHERE = imported_flowmap() != SOURCE


def pytest_configure(config) -> None:
    if ELSEWHERE:
        config.option.doctestmodules = False


def pytest_report_header(config) -> str | None:
    if ELSEWHERE:
        return (f"doctests in src/flowmap skipped: flowmap is imported from {imported_flowmap()}, "
                "not from this checkout (pip install -e . runs them)")
    return None
