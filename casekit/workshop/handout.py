"""The workshop handout as one page that opens offline, with or without answers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .. import bundled
from ..report.render import render


def handout(
    out: str | os.PathLike = "workshop",
    *,
    instructor: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Render the workshop handout: ``OUT/participant.html`` (exercises, no answers)
    or ``OUT/instructor.html`` (with the answers, cells tagged ``solution``).

    The workshop never opens a store; the page keeps its short code cells, so that it
    matches the notebook participants run, and loads nothing from the network.
    """
    notebook = bundled.notebook(bundled.WORKSHOP)
    hidden = ("remove-cell",) if instructor else ("remove-cell", "solution")
    target = Path(out) / ("instructor.html" if instructor else "participant.html")
    return render(
        notebook, target, {}, hide_tags=hidden, show_code=True, progress=progress
    )
