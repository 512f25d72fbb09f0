"""The notebooks casekit ships inside the package, where every command finds them.

``casekit/notebooks/`` is their one and only copy: a checkout opens it in place
(``make lab``), and an installed casekit carries it as package data, so ``report``,
``workshop``, ``demo``, ``lab`` and ``serve`` work outside a checkout too.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
LOGGING = "01_log_cases.ipynb"
REPORT = "04_share_report.ipynb"
WORKSHOP = "05_workshop.ipynb"


def notebook(name: str) -> Path:
    """The path of a shipped notebook; a plain error when it is not there."""
    path = NOTEBOOKS / name
    if not path.is_file():
        raise UsageError(
            f"the notebook {path} is not there: reinstall casekit "
            "(pip install casekit, or pip install -e . in a checkout)"
        )
    return path
