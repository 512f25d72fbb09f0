"""Forms for logging cases, generated from the data dictionary.

:class:`RecordForm` lays out every field of one form (``case``, ``session`` or
``followup``): the core fields on one screen, the rest in folding sections named by
the dictionary's ``section``. Its ``data`` reads the answers as a raw record (hidden
fields as ``None``) and, when set, checks and fills the widgets. Show-if conditions
are live. ``save()`` (the Save button) checks the answers once, through the store's
door (:meth:`Store.check`), shows each problem beside its field in plain words
(labels, not codes), writes nothing until every hard problem is fixed, and then
writes the record it checked; a closed case asks for a reason before an edit.

``load(key)`` opens a stored record; Save then updates it. The case chooser and the
app around the forms live in :mod:`casekit.ui.logbook`.

Everything works headlessly: set a widget's ``.value`` and call ``.click()``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w
import pandas as pd

from ..dictionary import Form
from ..errors import CasekitError, ReasonRequired, ValidationFailed
from ..problems import Problem, problems_frame, refusal, where
from ..store import Checked, Store, queries
from ..validate import coerce_record
from .widgets import FieldWidget, build

_STATUS = {"ok": "#1b5e20", "error": "#b00020", "info": "#333"}


class RecordForm:
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
    editing : tuple or None
        The key of the stored record being changed, or None for a new one.
    widget : ipywidgets.VBox
        The whole form, ready to display.
    """

    def __init__(self, store: Store, form: str) -> None:
        self.store = store
        self.form = store.dictionary[form]
        self.fields: dict[str, FieldWidget] = {
            f.code: build(f) for f in self.form.fields
        }
        self.editing: tuple | None = None
        self.case_id: str | None = None
        self._saved: list[Callable[[dict], None]] = []

        self.heading = w.HTML()
        sections: dict[str, list[w.Widget]] = {}
        for fw in self.fields.values():
            sections.setdefault(fw.field.section, []).append(fw.row)
        core = sections.pop("core", [])
        self.sections = w.Accordion(
            children=[w.VBox(rows) for rows in sections.values()],
            titles=tuple(sections),
            selected_index=None,
        )
        self.reason = w.Text(
            placeholder="why this closed case is changed",
            layout=w.Layout(width="60%"),
        )
        self.reason.add_class(f"casekit-reason-{form}")
        self.reason_row = w.HBox(
            [
                w.HTML("<b>Reason for the change</b>", layout=w.Layout(width="40%")),
                self.reason,
            ],
            layout=w.Layout(display="none"),
        )
        self.save_button = w.Button(
            description="Save", button_style="primary", icon="check"
        )
        self.save_button.add_class(f"casekit-save-{form}")
        self.save_button.on_click(self.save)
        self.new_button = w.Button(
            description="Start a new entry instead", layout=w.Layout(display="none")
        )
        self.new_button.add_class(f"casekit-new-{form}")
        self.new_button.on_click(lambda _b: self.new(self.case_id))
        self.general = w.HTML()
        self.general.add_class(f"casekit-problems-{form}")
        self.status = w.HTML()
        self.status.add_class(f"casekit-status-{form}")
        parts = [self.heading, *core]
        if sections:
            parts.append(self.sections)
        self.widget = w.VBox(
            [
                *parts,
                self.reason_row,
                w.HBox([self.save_button, self.new_button]),
                self.general,
                self.status,
            ]
        )
        self.widget.add_class(f"casekit-form-{form}")
        for code in {f.show_if.field for f in self.form.fields if f.show_if}:
            self.fields[code].observe(self._refresh_visibility)
        self.new()

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
        for code, fw in self.fields.items():
            fw.set(typed.get(code))
        self._refresh_visibility()
        self.check()

    def check(self) -> pd.DataFrame:
        """Check the answers and show each problem beside its field."""
        return problems_frame(self._check().problems)

    def _check(self) -> Checked:
        checked = self.store.check(self.form.name, self.data)
        self._show(checked.problems)
        return checked

    def on_saved(self, callback: Callable[[dict], None]) -> None:
        """Call ``callback(record)`` after each successful save."""
        self._saved.append(callback)

    # -- actions ---------------------------------------------------------------------

    def new(self, case_id: str | None = None) -> None:
        """Empty the form for a new entry (of ``case_id``), with its defaults."""
        self.case_id = case_id
        self.editing = None
        for fw in self.fields.values():
            fw.set(None)
        if self.form.instance:
            self.fields[self.form.instance].control.disabled = False
        for code, value in self.defaults(case_id).items():
            self.fields[code].set(value)
        self._refresh_visibility()
        self._show([])
        self.reason.value = ""
        self.reason_row.layout.display = "none"
        self.new_button.layout.display = "none"
        label = "New case" if self.form.instance is None else f"New {self.form.noun}"
        of = f" of case {case_id}" if case_id and self.form.instance else ""
        self.heading.value = f"<h3>{label}{of}</h3>"

    def load(self, key: str | tuple) -> None:
        """Open a stored record to change it; Save then updates it."""
        key = (key,) if isinstance(key, str) else tuple(key)
        record = self.store.get(self.form.name, key)
        self.new(key[0])
        self.data = record
        self.editing = key
        if self.form.instance:  # a stored entry keeps its number
            self.fields[self.form.instance].control.disabled = True
        self.new_button.layout.display = None
        name = where(self.form.name, key[0], key[1] if len(key) > 1 else None)
        self.heading.value = f"<h3>Changing {html.escape(name)}</h3>"
        self._say(f"Opened {name}: change what is needed, then Save.", "info")

    def save(self, _button: w.Button | None = None) -> dict | None:
        """Check the answers once, then add (or update) the record checked; None
        when nothing was saved."""
        checked = self._check()
        if checked.errors:
            self._say(_nothing_saved(len(checked.errors)), "error")
            return None
        try:
            if self.editing is None:
                saved = self.store.add(self.form.name, checked)
            else:
                saved = self.store.update(
                    self.form.name,
                    self.editing,
                    checked,
                    reason=self.reason.value.strip() or None,
                )
        except ReasonRequired as exc:
            self.reason_row.layout.display = None
            self._say(
                f"Case {exc.case_id} is closed (discharged, lost or withdrew): write "
                "why you change it under 'Reason for the change', then Save again. "
                "Nothing was saved.",
                "error",
            )
            return None
        except ValidationFailed as exc:
            self._show(exc.found)
            self._say(
                _nothing_saved(int((exc.problems["severity"] == "error").sum())),
                "error",
            )
            return None
        except CasekitError as exc:
            self._say(f"Nothing was saved: {exc}", "error")
            return None
        verb = "Saved" if self.editing is None else "Saved the changes to"
        number = saved.get(self.form.instance or "")
        name = where(self.form.name, saved["case_id"], number)
        notes = [in_words(p, self.form) for p in checked.problems]
        self.new(saved["case_id"] if self.form.instance else None)
        message = f"{verb} {name}: {summary(self.form, saved)}"
        if notes:
            message += ". Note: " + "; ".join(notes)
        self._say(message, "ok")
        for callback in self._saved:
            callback(saved)
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
        said = [(p.field, p.severity, in_words(p, self.form)) for p in problems]
        for code, fw in self.fields.items():
            fw.show([(kind, text) for field, kind, text in said if field == code])
        self.general.value = "".join(
            f"<div style='color:#b00020'>{html.escape(text)}</div>"
            for field, _, text in said
            if field not in self.fields
        )

    def _say(self, message: str, kind: str) -> None:
        self.status.value = (
            f"<div style='color:{_STATUS[kind]};font-weight:bold'>"
            f"{html.escape(message)}</div>"
        )


def summary(form, record: dict[str, Any]) -> str:
    """A one-line summary of a record: its answered core fields, with labels."""
    parts = []
    for f in form.fields:
        value = record.get(f.code)
        if value is None or f.section != "core" or f.code in form.key:
            continue
        if f.type == "text":
            continue
        if f.type == "multi":
            value = ", ".join(f.label_of(code) for code in value)
        elif f.codes:
            value = f.label_of(value)
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{f.label} {value}")
    return "; ".join(parts[:6]) or "no answers"


def in_words(problem: Problem, form: Form) -> str:
    """A problem as a form shows it: fields by their labels, the record not named
    (the form shows which it is), e.g. 'Pain now (NPRS 0-10) is 14, expected 0 to
    10'."""
    text = problem.says(lambda code: form[code].label if code in form else f"`{code}`")
    return text[:1].upper() + text[1:]


def _nothing_saved(errors: int) -> str:
    return (
        f"Nothing was saved: {errors} problem{'s' * (errors != 1)} to fix, "
        "shown beside the fields."
    )
