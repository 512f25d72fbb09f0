"""The page's helper: what ipywidgets does not say to assistive technology, and the
styles that make the forms fit from a phone to a wide screen.

ipywidgets 8 names a single input by its ``description`` (a real ``<label>``), but
has no way to mark a group of buttons, a pressed button, an expanded section, a live
region or an invalid answer, and no way to move the focus to a message. The forms
state all of that in CSS classes (``casekit-group``, ``casekit-fold-open``,
``casekit-status``, ``casekit-invalid``); :class:`Assist`, a small front-end module
shipped with casekit (``assist.js``, loaded through anywidget: no CDN, nothing from
another host), mirrors those classes into ARIA attributes as the page changes, and
moves the focus when the forms ask it to. Its stylesheet (``assist.css``) gives
visible focus rings, contrast of at least 4.5:1 and the narrow layout (labels above
inputs, the side panel under the forms).

Without a browser (plain pytest) the widget still records what it was asked to
focus, so that the forms' requests can be tested headlessly.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_HERE = Path(__file__).resolve().parent


class Assist(anywidget.AnyWidget):
    """Mirrors the forms' state into ARIA and moves the focus on request.

    Place one inside the app's widget; it shows nothing itself.

    Attributes
    ----------
    focused : str
        The CSS selector last asked to receive the focus ('' before any).
    """

    _esm = _HERE / "assist.js"
    _css = _HERE / "assist.css"
    focused = traitlets.Unicode("").tag(sync=False)

    def focus_on(self, selector: str) -> None:
        """Move the keyboard focus to the first element matching ``selector`` inside
        the app (an input of it, when it is a field), and scroll it into view, once
        it is shown."""
        self.focused = selector
        self.send({"focus": selector})
