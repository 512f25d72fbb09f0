"""The shared report of a store with too few cases to count: its sections in words.

Every count of a handful of cases is 0 or ``*``, and the zeros, and which rows are
there at all, say what each patient is: one case, and "not cleared: 0" tells that
it was cleared; its intake year is in the Setting sentence. So the shared report of
a series of fewer than :data:`FEWEST` cases (as the report counts them: the cases
not withdrawn) shows no count, no zero and no year: it keeps the report's headings
and explanations, and in each section, where a table or a figure would be, says
that the shared report shows counts from :data:`FEWEST` cases on. The store is not
read by it at all. The full report is unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

from ..disclosure import NHS
from ..labels import NOT_YET
from .markup import Prose

# From this many cases on, a shared report shows counts: one more than the largest
# count the rule hides.
FEWEST = NHS.suppress_max + 1


def too_few(cases: int) -> bool:
    """Whether a series of ``cases`` cases is too small for a shared report's counts."""
    return cases < FEWEST


class NotReleased(RuntimeError):
    """A shared report's counts asked of the notebook run by hand."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines in place of a traceback: the notebook's reader
        # needs the reason and what to do, not the call stack.
        return [str(self)]


def stop_unless_released(cases: int, share: bool, released: bool) -> None:
    """Stop the report notebook asked for a shared report (``share``) anywhere
    but in ``casekit report --share`` (``released``), before any count.

    The command holds a share to the shares made before (a release, recorded:
    :mod:`casekit.store.releases`) and shows no count of fewer than
    :data:`FEWEST` cases; a page saved from the notebook run by hand would be
    neither. ``cases`` is not said: a count of a handful is what is kept back.

    Raises
    ------
    NotReleased
        With what to do instead; Run All stops at an error, so no later cell runs.
    """
    if share and (not released or too_few(cases)):
        raise NotReleased(
            "A shared report is made with `casekit report --share`, which holds it "
            "to the shares made before and shows no count of a handful of cases; "
            "this notebook stops here, before any count. For your own full report "
            "with exact counts, set SHARE = False in the cell above and run it again."
        )


def banner() -> Prose:
    """The box at the top of the page: shareable, and why it shows no count."""
    return Prose(
        '<div class="casekit-banner casekit-shared"><b>Shareable report.</b> '
        f"{NOT_YET['few']}, so that no count, not even a zero, can describe one of "
        "the few patients there are.</div>"
    )


def withheld() -> Prose:
    """What a section says where its table or figure would be."""
    return Prose(f'<p class="casekit-withheld">{NOT_YET["few"]}.</p>')


def words_only(notebook: Any) -> dict:
    """The report notebook ``notebook`` (as read by nbformat) with its computing
    cells replaced: the parameters cell kept, the first code cell after it shows
    :func:`banner`, the first code cell of each section (after a markdown cell)
    shows :func:`withheld`, and every other code cell is left out (the checks
    too: nothing is counted for them to check)."""
    nb = copy.deepcopy(dict(notebook))
    cells, started, after_text = [], False, False
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "parameters" in tags:
            cells.append(cell)
            after_text = cell["cell_type"] == "markdown"
            continue
        if not started or after_text:
            call = "withheld" if started else "banner"
            cell = {**cell, "source": f"from casekit.report import few\n\nfew.{call}()"}
            cell["metadata"] = {
                k: v for k, v in cell["metadata"].items() if k != "tags"
            }
            cell["outputs"], cell["execution_count"] = [], None
            cells.append(cell)
        started, after_text = True, False
    nb["cells"] = cells
    return nb
