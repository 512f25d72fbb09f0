"""Forms for logging cases, generated from the data dictionary.

:class:`RecordForm` lays out every field of one form (``case``, ``session`` or
``followup``): the core fields on one screen, the rest in folding sections named by
the dictionary's ``section`` (:class:`~casekit.ui.fold.Fold`: real buttons, several
open at once, each saying how many problems it holds). Its ``data`` reads the
answers as a raw record (hidden fields as ``None``) and, when set, checks and fills
the widgets. Show-if conditions are live. ``save()`` (the Save button) checks the
answers once, through the store's door (:meth:`Store.check`), shows each problem
beside its field in plain words (labels, not codes), opens the sections that hold
one, writes nothing until every hard problem is fixed, and then writes the record it
checked; a closed case asks for a reason before an edit. A message beside a field
goes as soon as its answer is fixed.

What is typed is kept as a draft in the store (:mod:`casekit.store.drafts`) as it
is typed (a draft a record: :mod:`casekit.ui.draft`), and removed at Save;
:meth:`RecordForm.restore` lays a draft over the form when the page is opened
again, or when the person comes back to a record they left half typed.

After Save the form asks for the focus to move (to the saved message, or to the
first problem): :attr:`RecordForm.attention` is the CSS selector of where, and
``on_attention`` callbacks (the page's helper, :mod:`casekit.ui.assist`) carry it to
the browser.

``load(key)`` opens a stored record; Save then updates it, and "Remove this
session" (or "Withdraw this case") takes it out, asked first
(:mod:`casekit.ui.removal`). The case chooser and the app around the forms live in
:mod:`casekit.ui.logbook`.

Everything works headlessly: set a widget's ``.value`` and call ``.click()``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ipywidgets as w
import pandas as pd

from ..dictionary import Field
from ..errors import (
    CasekitError,
    IdentifyingReason,
    ReasonRequired,
    ValidationFailed,
)
from ..problems import Problem, problems_frame, refusal, where
from ..store import Checked, Store, queries
from ..store.drafts import Draft
from ..validate import coerce_record
from .draft import DraftBar, Drafting
from .fold import Fold
from .reason import ReasonBox
from .removal import Removal
from .widgets import FieldWidget, build
from .wording import in_words as in_words  # re-exported: tests, notebooks
from .wording import renumbered, said_in, summary


class RecordForm(Drafting):
    """The widgets of one form of the dictionary, bound to a store.

    Parameters
    ----------
    store : casekit.Store
        Where a saved record goes.
    form : str
        ``case``, ``session`` or ``followup``.

    Attributes
    ----------
    fields : dict of str to FieldWidget
        One per field, by code.
    folds : dict of str to Fold
        The folding sections, by title.
    editing : tuple or None
        The key of the stored record being changed, or None for a new one.
    status : ipywidgets.HTML
        What the form says (refused, saved, opened), at its top: a live region.
    attention : str or None
        The CSS selector of where the focus should go after the last Save.
    drafts : DraftBar
        The draft of what is typed (:mod:`casekit.ui.draft`).
    widget : ipywidgets.VBox
        The whole form, ready to display.
    """

    def __init__(self, store: Store, form: str) -> None:
        self.store = store
        self.form = store.dictionary[form]
        self.fields: dict[str, FieldWidget] = {
            f.code: build(self._as_asked(f)) for f in self.form.fields
        }
        self.editing: tuple | None = None
        self.case_id: str | None = None
        self.attention: str | None = None
        self._saved: list[Callable[[dict], None]] = []
        self._attending: list[Callable[[str], None]] = []
        self._quiet = 0
        self._start: dict[str, Any] = {}
        self._proposed: int | None = None  # the number a new entry was offered

        self.heading = w.HTML()
        # The one place the form speaks: a live region (the helper marks it so),
        # at the top, where the focus goes after Save.
        self.status = w.HTML()
        self.status.add_class("casekit-status")
        self.status.add_class(f"casekit-status-{form}")
        self.general = w.HTML()
        self.general.add_class(f"casekit-problems-{form}")
        self.drafts = DraftBar(store, form)
        self.drafts.discard_button.on_click(lambda _b: self.discard_draft())
        sections: dict[str, list[FieldWidget]] = {}
        for fw in self.fields.values():
            sections.setdefault(fw.field.section, []).append(fw)
        core = sections.pop("core", [])
        self.folds = {
            title: Fold(title, [fw.row for fw in rows])
            for title, rows in sections.items()
        }
        self._section = {
            fw.field.code: title for title, rows in sections.items() for fw in rows
        }
        self.reasons = ReasonBox(form)  # why a closed case is changed
        self.reason, self.reason_row = self.reasons.text, self.reasons.row
        self.save_button = w.Button(
            description="Save", button_style="primary", icon="check"
        )
        self.save_button.add_class(f"casekit-save-{form}")
        self.save_button.on_click(self.save)
        self.new_button = w.Button(
            description="Start a new entry instead", layout=w.Layout(display="none")
        )
        self.new_button.add_class(f"casekit-new-{form}")
        self.new_button.on_click(lambda _b: self._abandon())
        self.removal = Removal(self)  # take the stored record out, asked first
        self.widget = w.VBox(
            [
                self.heading,
                self.status,
                self.general,
                self.drafts.widget,
                *(fw.row for fw in core),
                *(fold.widget for fold in self.folds.values()),
                self.reason_row,
                w.HBox([self.save_button, self.new_button, self.removal.button]),
                self.removal.panel,
            ]
        )
        self.widget.add_class("casekit-form")
        self.widget.add_class(f"casekit-form-{form}")
        for fw in self.fields.values():
            fw.observe(self._changed)
        self.new(offer=False)  # a draft is the app's to lay over it

    def _as_asked(self, f: Field) -> Field:
        """The field as the form asks it: a site is chosen from the store's site
        list (a code typed by hand would only be refused if it is not listed)."""
        if f.code == "site" and f.type == "text":
            sites = tuple((code, code) for code in self.store.sites())
            return dataclasses.replace(f, type="choice", codes=sites)
        return f

    # -- the record ------------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """The answers as a raw record, every field present; a hidden field is None."""
        shown = self._shown()
        return {
            code: fw.get() if code in shown else None
            for code, fw in self.fields.items()
        }

    @data.setter
    def data(self, record: dict[str, Any]) -> None:
        typed, problems = coerce_record(self.form, dict(record))
        if problems:
            raise refusal(problems)
        with self._quietly():
            for code, fw in self.fields.items():
                fw.set(typed.get(code))
            self._refresh_visibility()
        self.check()

    def check(self) -> pd.DataFrame:
        """Check the answers and show each problem beside its field."""
        return problems_frame(self._check().problems)

    def _door(self) -> Checked:
        """The answers through the store's door; a late visit's offered number is
        left to the store (:func:`casekit.store.queries.numbered_by_date`)."""
        checked = self.store.check(self.form.name, self.data)
        offered = self._proposed if self.editing is None else None
        return queries.numbered_by_date(self.store, checked, offered)

    def _check(self) -> Checked:
        checked = self._across(self._door())
        self._show(checked.problems)
        return checked

    def _across(self, checked: Checked) -> Checked:
        """``checked`` with the problems across forms its save would leave in its
        case (a session before intake), as the store and an import judge them; a
        field that has an error of its own is left to that error."""
        own = {p.field for p in checked.errors}
        found = queries.save_problems(
            self.store, self.form.name, checked.record, new=self.editing is None
        )
        found = tuple(p for p in found if not {p.field, p.other} & own)
        if not found:
            return checked
        return dataclasses.replace(checked, problems=checked.problems + found)

    def on_saved(self, callback: Callable[[dict], None]) -> None:
        """Call ``callback(record)`` after each successful save."""
        self._saved.append(callback)

    def on_attention(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(selector)`` when the focus should move: after Save, to the
        saved message or to the first problem."""
        self._attending.append(callback)

    @property
    def draft(self) -> Draft | None:
        """The draft kept of what is typed (or restored), None when there is none."""
        return self.drafts.draft

    # -- actions ---------------------------------------------------------------------

    def new(self, case_id: str | None = None, *, offer: bool = True) -> None:
        """Empty the form for a new entry (of ``case_id``), with its defaults; with
        ``offer``, the draft of that new entry, if one was kept, is laid over it."""
        with self._quietly():
            self.case_id = case_id
            self.editing = None
            for fw in self.fields.values():
                fw.set(None)
            if self.form.instance:
                self.fields[self.form.instance].control.disabled = False
            values = self.defaults(case_id)
            self._proposed = values.get(self.form.instance or "")
            for code, value in values.items():
                self.fields[code].set(value)
            self._refresh_visibility()
            self._show([])
            self.reasons.clear()
        self.new_button.layout.display = "none"
        self._begin(offer)
        label = "New case" if self.form.instance is None else f"New {self.form.noun}"
        of = f" of case {case_id}" if case_id and self.form.instance else ""
        self.heading.value = f"<h2>{label}{of}</h2>"
        self.removal.follow()

    def load(self, key: str | tuple) -> None:
        """Open a stored record to change it; Save then updates it."""
        key = (key,) if isinstance(key, str) else tuple(key)
        record = self.store.get(self.form.name, key)
        self.new(key[0], offer=False)
        self.data = record
        self.editing = key
        if self.form.instance:  # a stored entry keeps its number
            self.fields[self.form.instance].control.disabled = True
        self.new_button.layout.display = None
        self._begin()
        name = where(self.form.name, key[0], key[1] if len(key) > 1 else None)
        self.heading.value = f"<h2>Changing {html.escape(name)}</h2>"
        self.removal.follow()
        self._say(f"Opened {name}: change what is needed, then Save.", "info")

    def save(self, _button: w.Button | None = None) -> dict | None:
        """Check the answers once, then add (or update) the record checked; None
        when nothing was saved."""
        checked = self._check()
        if checked.errors:
            self._refused(len(checked.errors))
            return None
        moves: dict[int, int] = {}
        try:
            if self.editing is None:
                moves = queries.late_moves(self.store, self.form.name, checked.record)
                saved = self.store.add(self.form.name, checked)
            else:
                saved = self.store.update(
                    self.form.name,
                    self.editing,
                    checked,
                    reason=self.reason.value.strip() or None,
                )
        except (ReasonRequired, IdentifyingReason) as exc:
            self._say(self.reasons.refuse(exc), "error")
            self._attend(f".casekit-reason-{self.form.name}")
            return None
        except ValidationFailed as exc:
            self._show(exc.found)
            self._refused(int((exc.problems["severity"] == "error").sum()))
            return None
        except CasekitError as exc:
            self._say(f"Nothing was saved: {exc}", "error")
            self._attend(f".casekit-status-{self.form.name}")
            return None
        self.drafts.forget()
        verb = "Saved" if self.editing is None else "Saved the changes to"
        number = saved.get(self.form.instance or "")
        name = where(self.form.name, saved["case_id"], number)
        notes = [self._words(p) for p in checked.problems]
        self.new(saved["case_id"] if self.form.instance else None)
        message = f"{verb} {name}: {summary(self.form, saved)}"
        if notes:
            message += ". Note: " + "; ".join(notes)
        self._say(message + renumbered(self.form, moves), "ok")
        for callback in self._saved:
            callback(saved)
        self._attend(f".casekit-status-{self.form.name}")
        return saved

    def defaults(self, case_id: str | None = None) -> dict[str, Any]:
        """What a new entry starts with: the dictionary's defaults, today's date, and
        for a session or follow-up the case, its next number and (for a follow-up)
        the latest session."""
        values = {f.code: f.default for f in self.form.fields if f.default is not None}
        for f in self.form.fields:
            if f.type == "date" and f.default is None:
                values[f.code] = dt.date.today()
        if self.form.instance and case_id:
            values["case_id"] = case_id
            values[self.form.instance] = queries.next_number(
                self.store, self.form, case_id
            )
            if "after_session" in self.form:  # a follow-up reports on a session
                values["after_session"] = queries.latest_session(self.store, case_id)
        return values

    # -- showing -----------------------------------------------------------------------

    def _shown(self) -> set[str]:
        shown: set[str] = set()
        answers: dict[str, Any] = {}
        for f in self.form.fields:  # in order, so a condition on a hidden field fails
            if f.show_if is None or (
                f.show_if.field in shown and f.show_if.holds(answers)
            ):
                shown.add(f.code)
                answers[f.code] = self.fields[f.code].get()
        return shown

    def _refresh_visibility(self) -> None:
        shown = self._shown()
        for code, fw in self.fields.items():
            fw.visible = code in shown
            if code not in shown:
                fw.show([])

    def _show(self, problems: Iterable[Problem]) -> None:
        said = [(self._beside(p), p.severity, self._words(p)) for p in problems]
        for code, fw in self.fields.items():
            fw.show([(kind, text) for field, kind, text in said if field == code])
        self.general.value = "".join(
            f"<div class='casekit-error'>{html.escape(text)}</div>"
            for field, _, text in said
            if field not in self.fields
        )
        self._count()

    def _beside(self, problem: Problem) -> str | None:
        """The field a problem is shown beside: its own, or, for another record of
        the case (a session that an intake moved after), this form's field it
        names (the intake date)."""
        if problem.form in ("", self.form.name) or problem.other not in self.fields:
            return problem.field
        return problem.other

    def _words(self, problem: Problem) -> str:
        """A problem in words; one of another record names that record."""
        n = self.fields[self.form.instance].get() if self.form.instance else None
        n = n if self.editing or n != self._proposed else None  # a late one moves
        return said_in(problem, self.store.dictionary, self.form, n)

    def _count(self) -> None:
        """Each section's header says how many errors it holds."""
        for title, fold in self.folds.items():
            fold.count(
                sum(
                    fw.has_error
                    for code, fw in self.fields.items()
                    if self._section.get(code) == title
                )
            )

    def _refused(self, errors: int) -> None:
        """Nothing was saved: say so, open each section that holds an error, and
        send the focus to the first one."""
        first = None
        for code, fw in self.fields.items():
            if fw.has_error:
                if code in self._section:
                    self.folds[self._section[code]].open()
                first = first or code
        self._say(
            f"Nothing was saved: {errors} problem{'s' * (errors != 1)} to fix, "
            f"shown {'beside the fields' if first else 'under this line'}.",
            "error",
        )
        where_ = (
            f".casekit-field-{first}" if first else f".casekit-status-{self.form.name}"
        )
        self._attend(f".casekit-form-{self.form.name} {where_}")

    def _changed(self) -> None:
        """A person changed an answer: show or hide what depends on it, renew the
        messages already shown (a fixed answer loses its message at once), and keep
        the draft."""
        if self._quiet:
            return
        self._refresh_visibility()
        checked = self._door()
        if any(fw.messages for fw in self.fields.values()):
            # The store is read only while a message is shown, not at every key.
            problems = self._across(checked).problems
            for code, fw in self.fields.items():
                if fw.messages:
                    fw.show(
                        [
                            (p.severity, self._words(p))
                            for p in problems
                            if self._beside(p) == code
                        ]
                    )
            self._count()
        self._keep_draft(checked)

    # -- speaking --------------------------------------------------------------------

    def _say(self, message: str, kind: str) -> None:
        self.status.value = (
            f"<div class='casekit-say casekit-{kind}'>{html.escape(message)}</div>"
        )

    def _attend(self, selector: str) -> None:
        self.attention = selector
        for callback in self._attending:
            callback(selector)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes made by the form itself: no draft, no live check."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1
