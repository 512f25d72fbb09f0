"""Taking a record out from the form that holds it: a session, follow-up or exam
logged by mistake removed, a case withdrawn (the patient asked, or it was logged
by mistake).

A stored record opened in a form shows a "Remove this session" (follow-up, exam)
or "Withdraw this case" button. It takes nothing out at once: it opens a second
step in the page (no browser dialog, which a screen reader and a phone handle
badly) that says what it does, asks for a reason (kept in the audit; needed once
the case is closed; screened like a note, :class:`~casekit.ui.reason.ReasonBox`),
and offers Confirm and Cancel. Confirm calls :meth:`casekit.store.Store.delete`,
the same door as ``casekit remove`` and ``casekit withdraw``, so the audit and
every rule of the store hold unchanged (a closed case needs a reason, a reason
that names someone is refused, a session a follow-up reports on stays). A refusal
is said beside the Confirm button, and nothing typed in the form is lost; after a
removal, the form's draft of that record goes (a case's: every draft of the case),
the form opens a new entry and says what was done, and the app reads its lists
again (``on_removed``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..errors import (
    CasekitError,
    IdentifyingReason,
    NotFound,
    ReasonRequired,
    ValidationFailed,
)
from ..problems import where
from ..store import queries
from .reason import ReasonBox
from .wording import Asking


def asking(withdraw: bool) -> Asking:
    """How the second step asks for a reason, and says one is missing."""
    verb, doing = ("withdraw", "withdrawing") if withdraw else ("remove", "removing")
    return Asking(
        label="Reason (kept in the audit)",
        placeholder="e.g. logged twice by mistake; name no one",
        reason=f"reason for {doing} it",
        why=f"why you {verb} it",
        button="Confirm",
        nothing="The case was not withdrawn" if withdraw else "Nothing was removed",
    )


class Removal:
    """The button that takes the record a form holds out of the series, and the
    second step that confirms it.

    Parameters
    ----------
    record : casekit.ui.forms.RecordForm
        The form whose stored record (``record.editing``) is taken out; it builds
        its removal (so it is not imported here: no import cycle). Its
        ``store``, ``form``, ``editing``, ``drafts``, ``new``, ``_say`` and
        ``_attend`` are used.

    Attributes
    ----------
    button : ipywidgets.Button
        "Remove this session" or "Withdraw this case" (class
        ``casekit-remove-<form>``), shown while a stored record is open.
    panel : ipywidgets.VBox
        The second step (class ``casekit-removing-<form>``): the warning, the
        reason box, Confirm and Cancel, and the line that says a refusal.
    warning, problem : ipywidgets.HTML
    reasons : ReasonBox
    confirm_button, cancel_button : ipywidgets.Button
    key : tuple or None
        The record the open second step is about (None while it is closed).
    """

    def __init__(self, record: Any) -> None:
        self.record = record
        self.store = record.store
        self.form = record.form
        name = self.form.name
        self.withdraw = self.form.instance is None
        self.key: tuple | None = None
        self._removed: list[Callable[[tuple], None]] = []
        what = "case" if self.withdraw else self.form.noun
        self.button = w.Button(
            description=f"{'Withdraw' if self.withdraw else 'Remove'} this {what}",
            tooltip="Asks first: it takes the record out of every count, report "
            "and export",
            layout=w.Layout(display="none"),
        )
        self.button.add_class(f"casekit-remove-{name}")
        self.button.on_click(lambda _b: self.ask())
        self.heading = w.HTML()
        # Said to a screen reader as the step opens (a live region, where the
        # focus goes), as the form's status line is after Save.
        self.warning = w.HTML()
        self.warning.add_class("casekit-status")
        self.warning.add_class(f"casekit-remove-warning-{name}")
        self.reasons = ReasonBox(f"remove-{name}", asking(self.withdraw))
        self.confirm_button = w.Button(button_style="danger")
        self.confirm_button.add_class(f"casekit-confirm-remove-{name}")
        self.confirm_button.on_click(lambda _b: self.confirm())
        self.cancel_button = w.Button(description="Cancel: keep it")
        self.cancel_button.add_class(f"casekit-cancel-remove-{name}")
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.problem = w.HTML()
        self.problem.add_class("casekit-status")
        self.problem.add_class(f"casekit-remove-problem-{name}")
        self.panel = w.VBox(
            [
                self.heading,
                self.warning,
                self.reasons.row,
                w.HBox([self.confirm_button, self.cancel_button]),
                self.problem,
            ],
            layout=w.Layout(display="none"),
        )
        self.panel.add_class("casekit-removing")
        self.panel.add_class("casekit-region")
        self.panel.add_class(f"casekit-removing-{name}")

    def on_removed(self, callback: Callable[[tuple], None]) -> None:
        """Call ``callback(key)`` after a record is taken out."""
        self._removed.append(callback)

    def follow(self) -> None:
        """The form opened another record (or a new entry): the button is shown
        for a stored one, and a second step left open about the last one goes."""
        self._close()
        stored = self.record.editing is not None
        self.button.layout.display = None if stored else "none"

    # -- the second step -------------------------------------------------------------

    def ask(self) -> None:
        """Open the second step about the record the form holds."""
        if self.record.editing is None:
            return
        self.key = tuple(self.record.editing)
        name = self._name(self.key)
        closed = queries.case_closed(self.store, self.key[0])
        if self.withdraw:
            verb, what = "Withdraw", f"Case {self.key[0]}"
            does = (
                f"{what}, with all its sessions, follow-ups and exams, leaves every "
                "count, report and export from now on. Its rows stay in the store, "
                "marked, so its id is never given again; what was typed about it "
                "and not saved is discarded."
            )
        else:
            verb, what = "Remove", name[:1].upper() + name[1:]
            does = (
                f"{what} leaves every count, report and export from now on. Its row "
                "stays in the store, marked, so its number is never given again; "
                "the other entries keep their numbers. Changes typed here and not "
                "saved are discarded."
            )
        reason = (
            "The case is closed, so a reason is needed."
            if closed
            else "A reason is optional."
        )
        self.heading.value = f"<h3>{verb} {html.escape(name)}?</h3>"
        self.warning.value = (
            f"<div class='casekit-say casekit-warning'>{html.escape(does)} The "
            f"audit keeps this step and its reason for good. {reason}</div>"
        )
        self.confirm_button.description = f"Confirm: {verb.lower()} {name}"
        self.reasons.clear()
        self.reasons.row.layout.display = None
        self.problem.value = ""
        self.button.layout.display = "none"
        self.panel.layout.display = None
        self.record._attend(f".casekit-remove-warning-{self.form.name}")

    def cancel(self) -> None:
        """Close the second step; nothing is taken out."""
        if self.key is None:
            return
        name = self._name(self.key)
        self.follow()
        self.record._say(f"Nothing was removed: {name} is kept as it is.", "info")
        self.record._attend(f".casekit-remove-{self.form.name}")

    def confirm(self) -> bool:
        """Take the record out through the store; False (said beside the button,
        nothing lost) when the store refuses."""
        key = self.key
        if key is None or key != self.record.editing:  # never another record
            self.follow()
            return False
        reason = self.reasons.text.value.strip() or None
        name = self.form.name
        try:
            self.store.delete(self.form.name, key, reason=reason)
        except (ReasonRequired, IdentifyingReason) as exc:
            self._refused(self.reasons.refuse(exc), f".casekit-reason-remove-{name}")
            return False
        except NotFound:
            self._refused(
                f"{self._nothing}: {self._name(key)} is no longer in the store "
                "(taken out in another window?)."
            )
            return False
        except ValidationFailed as exc:
            self._refused(self._plain(exc))
            return False
        except CasekitError as exc:  # the store unwritable, a server's refusal
            self._refused(self._plain(exc, lead=self._nothing))
            return False
        self._done(key, reason)
        return True

    # -- after ---------------------------------------------------------------------

    def _done(self, key: tuple, reason: str | None) -> None:
        name = self._name(key)
        # The store's delete discarded the drafts of what it took out (a case's
        # every draft, a record's own): the form opens a new entry, and its bar.
        self.record.new(None if self.withdraw else key[0])
        if self.withdraw:
            said = (
                f"Withdrew case {key[0]}: it has left every count, report and "
                "export; its rows stay in the store, marked."
            )
        else:
            said = (
                f"Removed {name}: it has left every count, report and export; its "
                "number is not given again."
            )
        kept = " The reason is kept in the audit." if reason else ""
        self.record._say(said + kept, "ok")
        for callback in self._removed:
            callback(key)
        self.record._attend(f".casekit-status-{self.form.name}")

    def _refused(self, message: str, focus: str | None = None) -> None:
        """Say beside the Confirm button why nothing was taken out, and send the
        focus there (or to ``focus``, the reason box when it is the reason)."""
        self.problem.value = (
            f"<div class='casekit-say casekit-error'>{html.escape(message)}</div>"
        )
        self.record._attend(focus or f".casekit-remove-problem-{self.form.name}")

    def _close(self) -> None:
        self.key = None
        self.panel.layout.display = "none"
        self.problem.value = ""
        self.reasons.clear()

    def _name(self, key: tuple) -> str:
        return where(self.form.name, key[0], key[1] if len(key) > 1 else None)

    @property
    def _nothing(self) -> str:
        """How a refusal starts: what did not happen, in the button's verb."""
        return "The case was not withdrawn" if self.withdraw else "Nothing was removed"

    def _plain(self, refused: CasekitError, lead: str | None = None) -> str:
        """The store's refusal in a practitioner's words: fields named by their
        labels, not their codes, and nothing in backticks; after ``lead`` (what
        did not happen) when the refusal does not say it."""
        labels = {
            f.code: f.label for form in self.store.dictionary for f in form.fields
        }
        # The store names the commands that remove the rows in the way (its
        # problem's fix); here each is removed in its own form, by its own button.
        said = [
            p.says().replace(f" ({p.fix})", "") if p.fix else p.says()
            for p in getattr(refused, "found", [])
        ]
        text = "; ".join(said) or str(refused)
        text = re.sub(r"`([^`]*)`", lambda m: labels.get(m[1], m[1]), text)
        return f"{lead}: {text}" if lead else text[:1].upper() + text[1:]
