"""The draft of one form as the person sees it: kept in the store as they type
(:mod:`casekit.store.drafts`: screened, on this machine, removed at Save), a short
line saying when it was kept (in local time) and what was not kept, and a button to
discard it.

A draft is kept a record (the new entry of a form, of each case; each stored
record being changed): opening another record while one is half typed keeps its
draft, and coming back to it (a new entry again, the same case, the same stored
record) lays the draft over the form again (:class:`Drafting`), so that nothing
typed is lost without a word."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

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
    slot : tuple
        ``(case_id, editing)`` of the record the form holds: whose draft this is.
    discard_button : ipywidgets.Button
        Class ``casekit-discard-<form>``; the form decides what discarding does.
    widget : ipywidgets.HBox
        The line and the button, shown only while there is a draft.
    """

    def __init__(self, store: Store, form: str) -> None:
        self.store = store
        self.form = store.dictionary[form]
        self.draft: drafts.Draft | None = None
        self.slot: tuple[str | None, tuple | None] = (None, None)
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

    def keep(self, checked: Checked, **how) -> None:
        """Keep the checked answers as the draft of the record the form holds
        (:attr:`slot`) and say so; ``how`` as :func:`casekit.store.drafts.keep`."""
        if not self.enabled:
            return
        case_id, editing = self.slot
        try:
            self.draft = drafts.keep(
                self.store,
                self.form.name,
                checked,
                case_id=case_id,
                editing=editing,
                **how,
            )
        except CasekitError as exc:
            self.say(f"The draft could not be kept: {exc}.")
            return
        withheld = [self.form[code].label for code in self.draft.withheld]
        self.say(
            f"Draft kept {local_time(self.draft.kept_at)} (not saved yet)."
            + (f" Not kept until fixed: {', '.join(withheld)}." if withheld else "")
        )

    def at(self, case_id: str | None, editing: tuple | None) -> None:
        """The form now holds this record (the new entry of ``case_id``, or the
        stored ``editing``): its draft, if any, is not shown yet."""
        self.slot = (case_id, editing)
        self.draft = None
        self.hide()

    def kept(self) -> drafts.Draft | None:
        """The draft kept earlier of the record the form holds (None when there is
        none, or it cannot be read)."""
        if not self.enabled:
            return None
        try:
            return drafts.find(self.store, self.form.name, *self.slot)
        except CasekitError as exc:
            self.say(f"The draft of this entry could not be read: {exc}.")
            return None

    def restored(self, draft: drafts.Draft) -> None:
        """Say that ``draft`` was laid over the form."""
        self.draft = draft
        self.say(
            f"Restored what was typed {local_time(draft.kept_at)} and not saved "
            "yet: check it and Save, or discard it."
        )

    def forget(self, draft: drafts.Draft | None = None) -> None:
        """Remove the draft of the record the form holds (or ``draft``'s) from the
        store (after Save, or on discarding it)."""
        slot = self.slot if draft is None else (draft.case_id, draft.editing)
        case_id, editing = slot
        self.draft = None
        self.hide()
        if not self.enabled:
            return
        try:
            drafts.discard(self.store, self.form.name, case_id, editing)
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


class Drafting:
    """The drafts' side of :class:`~casekit.ui.forms.RecordForm` (here to keep
    that module small): keep what is typed as the draft of the record the form
    holds, lay a draft over the form, forget it.

    It uses the form's ``drafts`` (a :class:`DraftBar`), ``form``, ``fields``,
    ``folds``, ``_section``, ``case_id``, ``editing``, ``_proposed``, ``data``,
    ``new``, ``load``, ``_say``, ``_attend``, ``_refresh_visibility`` and
    ``_quietly``.
    """

    _start: dict[str, Any]

    def restore(self, draft: drafts.Draft) -> None:
        """Lay a kept draft over the form, which is ready for its case and entry
        (:meth:`new` or :meth:`load` first); the sections it answers are opened.
        An answer that was cleared comes back cleared, and a new entry's number
        typed by hand comes back (a stored entry keeps its own)."""
        fixed = set(self.form.key) if self.editing is not None else {"case_id"}
        with self._quietly():
            for code, value in draft.answers.items():
                if code in self.fields and code not in fixed:
                    self.fields[code].set(value)
            self._refresh_visibility()
        changed = {c for c, v in self.data.items() if v != self._start.get(c)}
        for code in changed:
            if code in self._section:
                self.folds[self._section[code]].open()
        self.drafts.restored(draft)

    def discard_draft(self) -> None:
        """Forget the draft and what it put in the form (a stored record being
        changed goes back to what is stored)."""
        self.drafts.forget()
        if self.editing is not None:
            self.load(self.editing)
        else:
            self.new(self.case_id)
        self._say("The draft was discarded.", "info")
        self._attend(f".casekit-status-{self.form.name}")  # its button is gone

    def _begin(self, offer: bool = True) -> None:
        """What the form holds now is where it started. With ``offer``, the draft
        this record was left with (a new entry half typed when another record was
        opened, a change not saved) is laid over it again."""
        self._start = self.data
        self.drafts.at(self.case_id, self.editing)
        draft = self.drafts.kept() if offer else None
        if draft is not None:
            self.restore(draft)

    def _keep_draft(self, checked: Checked) -> None:
        if self.data == self._start:  # back to where it started: nothing typed
            if self.drafts.draft is not None:
                self.drafts.forget()
            return
        # An answer the form was opened with and now empty is kept as cleared.
        cleared = [
            code
            for code, value in self.data.items()
            if value is None and self._start.get(code) is not None
        ]
        offered = self._proposed if self.editing is None else None
        self.drafts.keep(checked, offered=offered, cleared=cleared)

    def _abandon(self) -> None:
        """Leave the record being changed for a new one: its draft goes, and the
        new entry's draft, if one was left half typed, comes back."""
        self.drafts.forget()
        self.new(self.case_id if self.form.instance else None)  # a case: none yet
        if self.drafts.draft is None:  # else the draft restored says so
            self._say("A new entry: the one being changed was left as stored.", "info")
        self._attend(f".casekit-status-{self.form.name}")  # its button is gone
