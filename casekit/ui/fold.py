"""A folding section whose header is a real button.

ipywidgets' ``Accordion`` draws its headers as plain ``div`` elements: they take no
keyboard focus, so a person without a mouse cannot open them, and it folds every
other section when one opens. A :class:`Fold` is a ``Button`` (Tab reaches it, Enter
and Space open it) over a box of its own; several can be open at once. The header
says how many problems the section holds, so an error inside a closed section is
never invisible. The page's helper (:mod:`casekit.ui.assist`) mirrors the open state
into ``aria-expanded`` from the ``casekit-fold-open`` class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ipywidgets as w


class Fold:
    """A titled section that opens and closes.

    Parameters
    ----------
    title : str
        What the header says.
    children : sequence of ipywidgets.Widget
        What the section holds.

    Attributes
    ----------
    header : ipywidgets.Button
        Opens and closes the section; class ``casekit-fold-header`` and
        ``casekit-fold-<slug of the title>``.
    body : ipywidgets.VBox
    widget : ipywidgets.VBox
        Header and body, ready to display.
    """

    def __init__(self, title: str, children: Sequence[w.Widget]) -> None:
        self.title = title
        self.problems = 0
        self.header = w.Button(layout=w.Layout(width="100%", height="auto"))
        self.header.add_class("casekit-fold-header")
        self.header.add_class(f"casekit-fold-{slug(title)}")
        self.header.on_click(lambda _button: self.toggle())
        self.body = w.VBox(list(children), layout=w.Layout(display="none"))
        self.body.add_class("casekit-fold-body")
        self.widget = w.VBox([self.header, self.body])
        self.widget.add_class("casekit-fold")
        self._describe()

    @property
    def is_open(self) -> bool:
        return self.body.layout.display != "none"

    def open(self) -> None:
        self.body.layout.display = None
        self.header.add_class("casekit-fold-open")

    def close(self) -> None:
        self.body.layout.display = "none"
        self.header.remove_class("casekit-fold-open")

    def toggle(self) -> None:
        if self.is_open:
            self.close()
        else:
            self.open()

    def count(self, problems: int) -> None:
        """Say on the header how many problems the section holds (0: none)."""
        self.problems = problems
        if problems:
            self.header.add_class("casekit-fold-problem")
        else:
            self.header.remove_class("casekit-fold-problem")
        self._describe()

    def _describe(self) -> None:
        n = self.problems
        self.header.description = self.title + (
            f" ({n} problem{'s' * (n != 1)} to fix)" if n else ""
        )


def slug(title: str) -> str:
    """'Intake exam' -> 'intake-exam': a title as a CSS class name."""
    return re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")
