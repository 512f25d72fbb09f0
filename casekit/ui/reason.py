"""The box for why a closed case is changed, with its own problem line.

After a case is closed (discharged, lost, withdrew) an edit needs a reason, and the
audit keeps it for good, so it is screened like a note. Its refusal is said under
the box, not only in the status line at the top of the form (on a phone that is a
long way above it): the box sits in a row like a field's (``casekit-row``), so the
page's helper (:mod:`casekit.ui.assist`) marks it ``aria-invalid`` and describes
it by the message, as it does a field's.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..errors import IdentifyingReason, ReasonRequired
from .wording import FOR_A_CHANGE, Asking, reason_wanted


class ReasonBox:
    """``text``, the reason typed; ``row``, the box with its problem line, hidden
    until a closed case's edit asks for a reason.

    ``form`` names its classes (``casekit-reason-<form>``); ``asking``, its words
    (a change of a closed case by default; a removal asks in its own)."""

    def __init__(self, form: str, asking: Asking = FOR_A_CHANGE) -> None:
        self.asking = asking
        self.text = w.Text(description=asking.label, placeholder=asking.placeholder)
        self.text.add_class(f"casekit-reason-{form}")
        self.problem = w.HTML("")
        self.problem.add_class("casekit-problem")
        self.problem.add_class(f"casekit-problem-reason-{form}")
        self.row = w.VBox([self.text, self.problem], layout=w.Layout(display="none"))
        self.row.add_class("casekit-reason")
        self.row.add_class("casekit-row")
        self._missing = False  # the message says a reason is missing
        self.text.observe(self._typed, names="value")

    @property
    def message(self) -> str:
        """The message under the box, as HTML; empty when there is none."""
        return self.problem.value

    def refuse(self, refused: ReasonRequired | IdentifyingReason) -> str:
        """Show the box with why the save was refused under it, marked invalid;
        returns the short line for the form's status."""
        self.row.layout.display = None
        self._missing = isinstance(refused, ReasonRequired)
        self._show(reason_wanted(refused, self.asking))
        nothing, reason = self.asking.nothing, self.asking.reason
        if self._missing:
            return (
                f"{nothing}: the case is closed, so a {reason} is needed, under its "
                "box."
            )
        return f"{nothing}: the {reason} was refused, said under its box."

    def clear(self) -> None:
        """Empty and hide the box, without a message (a new entry, a save)."""
        self.text.value = ""
        self._show("")
        self.row.layout.display = "none"

    def _typed(self, _change) -> None:
        # A missing reason is fixed by typing one; a refused one only by Save,
        # which screens it again.
        if self._missing and self.text.value.strip():
            self._show("")

    def _show(self, message: str) -> None:
        self.problem.value = (
            f"<div class='casekit-error'>{html.escape(message)}</div>"
            if message
            else ""
        )
        if message:
            self.row.add_class("casekit-invalid")
        else:
            self._missing = False
            self.row.remove_class("casekit-invalid")
