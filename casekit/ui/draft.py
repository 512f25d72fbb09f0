"""The draft of one form as the person sees it: kept in the store as they type
(:mod:`casekit.store.drafts`: screened, on this machine, removed at Save), a short
line saying when it was kept (in local time) and what was not kept, and a button to
discard it."""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ..errors import CasekitError
from ..store import Checked, Store, drafts


class DraftBar:
    """The draft of one form: keeps, forgets and says.

    Parameters
    ----------
    store : casekit.Store
    form : str
        ``case``, ``session`` or ``followup``.

    Attributes
    ----------
    draft : casekit.store.drafts.Draft or None
        The draft now kept (or restored), None when there is none.
    discard_button : ipywidgets.Button
        Class ``casekit-discard-<form>``; the form decides what discarding does.
    widget : ipywidgets.HBox
        The line and the button, shown only while there is a draft.
    """

    def __init__(self, store: Store, form: str) -> None:
        self.store = store
        self.form = store.dictionary[form]
        self.draft: drafts.Draft | None = None
        self.note = w.HTML()
        self.discard_button = w.Button(description="Discard the draft")
        self.discard_button.add_class(f"casekit-discard-{form}")
        self.widget = w.HBox(
            [self.note, self.discard_button], layout=w.Layout(display="none")
        )
        self.widget.add_class("casekit-draft")
        self.widget.add_class(f"casekit-draft-{form}")

    @property
    def enabled(self) -> bool:
        """Whether drafts are kept (only in a store that is a file on this machine)."""
        return drafts.keeps_drafts(self.store)

    def keep(
        self, checked: Checked, *, case_id: str | None, editing: tuple | None
    ) -> None:
        """Keep the checked answers as the form's draft and say so."""
        if not self.enabled:
            return
        try:
            self.draft = drafts.keep(
                self.store, self.form.name, checked, case_id=case_id, editing=editing
            )
        except CasekitError as exc:
            self.say(f"The draft could not be kept: {exc}.")
            return
        withheld = [self.form[code].label for code in self.draft.withheld]
        self.say(
            f"Draft kept {local_time(self.draft.kept_at)} (not saved yet)."
            + (f" Not kept until fixed: {', '.join(withheld)}." if withheld else "")
        )

    def restored(self, draft: drafts.Draft) -> None:
        """Say that ``draft`` was laid over the form."""
        self.draft = draft
        self.say(
            f"Restored what was typed {local_time(draft.kept_at)} and not saved "
            "yet: check it and Save, or discard it."
        )

    def forget(self) -> None:
        """Remove the draft from the store (after Save, or on discarding it)."""
        self.draft = None
        self.hide()
        if not self.enabled:
            return
        try:
            drafts.discard(self.store, self.form.name)
        except CasekitError as exc:
            self.say(f"The draft could not be removed: {exc}.")

    def say(self, text: str) -> None:
        self.note.value = f"<small>{html.escape(text)}</small>"
        self.widget.layout.display = None

    def hide(self) -> None:
        self.widget.layout.display = "none"


def local_time(moment: dt.datetime) -> str:
    """When, in the practitioner's local time: 'at 14:32' today, else 'on 3 Mar
    2025 at 14:32'."""
    local = moment.astimezone()
    if local.date() == dt.date.today():
        return f"at {local:%H:%M}"
    return f"on {local.day} {local:%b %Y} at {local:%H:%M}"
