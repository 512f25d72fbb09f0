"""Drafts: what a form holds before Save, so that a reload or a closed tab loses
nothing that was typed.

A draft a record being typed, in the store's own ``drafts`` table: one for a form's
new entry (a new case; a new session or follow-up of each case) and one for each
stored record being changed, replaced as the person types and removed when the
record is saved. Why one a record and not one a form: opening another record (a
saved case to change, another entry or another case) while a new entry is half
typed must not throw it away; it is laid over the form again when the person comes
back to it (:func:`find`). Why the store and not the browser's storage:

- **Screened like a save.** A draft goes through the store's door
  (:meth:`Store.check`) and keeps only the answers a save would accept: a note that
  the identifier screen refuses, a value out of range, is not kept (its field is
  named in :attr:`Draft.withheld`). Browser storage would hold every keystroke
  unscreened, in the browser's profile, beyond casekit's reach.
- **Never leaves the machine.** Drafts are kept only in a store that is a SQLite file
  (owner-only, on this machine); with a server database no draft is kept
  (:func:`keeps_drafts`). Exports and reports read the forms' tables, never this one.
- **Not audited.** The audit is the history of the case records; a draft is scratch,
  rewritten at each change. An audit row per keystroke would keep every half-typed
  note for ever in an append-only table: the opposite of removing it at Save. The
  record that is finally saved is audited as always.
- **No more than the store holds.** A draft's row names its form, its case and the
  key of the record being changed: ids and numbers the store holds already. (The
  ``form`` column, the table's key, holds the form's name, followed for a draft
  of more than a new case by a short random token that tells its rows apart.)
- **Taken out with its record**: the store's delete of a case, a session or a
  follow-up discards the drafts of what it removes (:mod:`casekit.store.unsaved`).
- **Found again from any page**: the Voila app and JupyterLab on the same store share
  their drafts, whatever port or browser they run in.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..frames import to_cell
from ..validate import coerce_record
from .checked import Checked
from .store import Store


@dataclass(frozen=True)
class Draft:
    """A form's answers as they were last kept.

    Attributes
    ----------
    form : str
        ``case``, ``session`` or ``followup``.
    case_id : str or None
        The case of a session or follow-up, or of a stored case being changed.
    editing : tuple or None
        The key of the stored record being changed, or None for a new one.
    answers : dict
        Typed answers; None for an answer cleared (of the stored record, or a
        default), so that it comes back cleared. The case id is left out (it is
        ``case_id``), and so is a new entry's number unless it was typed by hand
        (a new entry takes the next number).
    kept_at : datetime.datetime
        When it was kept, in UTC.
    withheld : tuple of str
        Fields whose answer was not kept, because a save would refuse it.
    """

    form: str
    case_id: str | None
    editing: tuple | None
    answers: dict[str, Any]
    kept_at: dt.datetime
    withheld: tuple[str, ...] = field(default=())


def keeps_drafts(store: Store) -> bool:
    """Whether ``store`` keeps drafts: only a SQLite file, which is on this machine."""
    return store.path is not None


def keep(
    store: Store,
    form: str,
    answers: Mapping[str, Any] | Checked,
    *,
    case_id: str | None = None,
    editing: tuple | None = None,
    offered: int | None = None,
    cleared: Iterable[str] = (),
) -> Draft | None:
    """Keep the answers of ``form`` as the draft of its record (the new entry of
    ``case_id``, or the stored record ``editing``), replacing that record's draft
    alone.

    Raw answers go through :meth:`Store.check` first (a ``Checked`` record has been
    through it already); an answer with an error (an identifier in a note, a value
    out of range) is left out and named in ``withheld``. ``cleared`` names the
    answers the person emptied (the form held one when it was opened): kept as
    None, so that a restored draft does not bring back what was cleared. A new
    entry's number is kept only when it is not the one ``offered`` (typed by hand).
    Returns the draft kept, or None when the store keeps no drafts.
    """
    if not keeps_drafts(store):
        return None
    spec = store.dictionary[form]
    checked = answers if isinstance(answers, Checked) else store.check(form, answers)
    if checked.form != form:
        raise ValueError(f"a checked {checked.form} record is no {spec.noun} draft")
    refused = {p.field for p in checked.errors}
    # An unanswered required field is refused too, but there is nothing to withhold.
    answered = {p.field for p in checked.errors if p.rule != "required"}
    withheld = tuple(f.code for f in spec.fields if f.code in answered)
    record = checked.record
    skipped = {"case_id"}
    if editing is not None or record.get(spec.instance or "") in (None, offered):
        skipped.add(spec.instance)  # a stored entry's number is in ``editing``
    emptied = set(cleared) - answered
    kept = {
        f.code: record.get(f.code)
        for f in spec.fields
        if f.code not in skipped
        and (
            (f.code not in refused and record.get(f.code) is not None)
            or (f.code in emptied and record.get(f.code) is None)
        )
    }
    cells = {
        code: _jsonable(to_cell(spec[code], value)) for code, value in kept.items()
    }
    kept_at = dt.datetime.now(dt.UTC)
    table = store.metadata.tables["drafts"]
    # The store's own write transaction: drafts are part of the store, unaudited.
    with store._write() as conn:
        for slot in _slots(conn, table, form, case_id, editing):
            conn.execute(sa.delete(table).where(table.c.form == slot))
        conn.execute(
            sa.insert(table).values(
                form=_slot_name(form, case_id, editing),
                case_id=case_id,
                editing=None if editing is None else json.dumps(list(editing)),
                answers=json.dumps(cells, sort_keys=True),
                kept_at=kept_at.isoformat(timespec="microseconds"),
            )
        )
    return Draft(form, case_id, editing, kept, kept_at, withheld)


def read(store: Store, form: str) -> Draft | None:
    """The draft of ``form`` kept last (of whichever record; ``kept_at`` is to the
    microsecond, to tell two kept in one second apart), or None: the one laid
    over the form when the app opens. An answer that no longer reads (the
    dictionary changed since) is left out."""
    rows = _rows(store, form)
    latest = max(rows, key=lambda r: dt.datetime.fromisoformat(r.kept_at), default=None)
    return None if latest is None else _draft(store, latest)


def find(
    store: Store, form: str, case_id: str | None, editing: tuple | None
) -> Draft | None:
    """The draft of one record of ``form`` (the new entry of ``case_id``, or the
    stored record ``editing``), or None."""
    for row in _rows(store, form):
        if (row.case_id, _editing(row)) == (case_id, _key(editing)):
            return _draft(store, row)
    return None


def discard(
    store: Store,
    form: str,
    case_id: str | None = None,
    editing: tuple | None = None,
) -> None:
    """Remove the draft of one record of ``form`` (after Save, or when the person
    discards it); by default, of a new entry without a case (a new case)."""
    if not keeps_drafts(store):
        return
    table = store.metadata.tables["drafts"]
    with store._write() as conn:
        for slot in _slots(conn, table, form, case_id, editing):
            conn.execute(sa.delete(table).where(table.c.form == slot))


def form_of(slot: str) -> str:
    """The form of a draft's row, from its ``form`` column (its name, then a token)."""
    return slot.split(" ", 1)[0]


def _rows(store: Store, form: str) -> list:
    if not keeps_drafts(store):
        return []
    table = store.metadata.tables["drafts"]
    with store.connect() as conn:
        return [
            row
            for row in conn.execute(sa.select(table)).all()
            if form_of(row.form) == form
        ]


def _slots(
    conn: sa.Connection,
    table: sa.Table,
    form: str,
    case_id: str | None,
    editing: tuple | None,
) -> list[str]:
    """The ``form`` column of the rows of one record's draft (one, or none)."""
    return [
        row.form
        for row in conn.execute(sa.select(table)).all()
        if form_of(row.form) == form
        and (row.case_id, _editing(row)) == (case_id, _key(editing))
    ]


def _slot_name(form: str, case_id: str | None, editing: tuple | None) -> str:
    """A new case's draft is the form's name (as before drafts were kept a record);
    another gets a token: its number may move (a late visit), its name must not."""
    if case_id is None and editing is None:
        return form
    return f"{form} {secrets.token_hex(4)}"


def _editing(row: Any) -> tuple | None:
    return None if row.editing is None else tuple(json.loads(row.editing))


def _key(editing: tuple | None) -> tuple | None:
    return None if editing is None else tuple(editing)


def _draft(store: Store, row: Any) -> Draft:
    spec = store.dictionary[form_of(row.form)]
    typed, problems = coerce_record(spec, json.loads(row.answers))
    unreadable = {p.field for p in problems}
    answers = {c: v for c, v in typed.items() if c not in unreadable}
    kept_at = dt.datetime.fromisoformat(row.kept_at)
    return Draft(spec.name, row.case_id, _editing(row), answers, kept_at)


def _jsonable(cell: Any) -> Any:
    return cell.isoformat() if isinstance(cell, dt.date) else cell
