"""Drafts: what a form holds before Save, so that a reload or a closed tab loses
nothing that was typed.

One draft a form (``case``, ``session``, ``followup``), in the store's own ``drafts``
table, replaced as the person types and removed when the record is saved. Why the
store and not the browser's storage:

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
- **Found again from any page**: the Voila app and JupyterLab on the same store share
  their drafts, whatever port or browser they run in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
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
        Typed answers, key fields left out (a new entry takes the next number).
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
) -> Draft | None:
    """Keep the answers of ``form`` as its draft, replacing the one before.

    Raw answers go through :meth:`Store.check` first (a ``Checked`` record has been
    through it already); an answer with an error (an identifier in a note, a value
    out of range) is left out and named in ``withheld``. Returns the draft kept, or
    None when the store keeps no drafts.
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
    kept = {
        f.code: checked.record[f.code]
        for f in spec.fields
        if f.code not in spec.key
        and f.code not in refused
        and checked.record.get(f.code) is not None
    }
    cells = {
        code: _jsonable(to_cell(spec[code], value)) for code, value in kept.items()
    }
    kept_at = dt.datetime.now(dt.UTC)
    table = store.metadata.tables["drafts"]
    # The store's own write transaction: drafts are part of the store, unaudited.
    with store._write() as conn:
        conn.execute(sa.delete(table).where(table.c.form == form))
        conn.execute(
            sa.insert(table).values(
                form=form,
                case_id=case_id,
                editing=None if editing is None else json.dumps(list(editing)),
                answers=json.dumps(cells, sort_keys=True),
                kept_at=kept_at.isoformat(timespec="seconds"),
            )
        )
    return Draft(form, case_id, editing, kept, kept_at, withheld)


def read(store: Store, form: str) -> Draft | None:
    """The draft of ``form``, or None. An answer that no longer reads (the dictionary
    changed since) is left out."""
    if not keeps_drafts(store):
        return None
    table = store.metadata.tables["drafts"]
    with store.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.form == form)).first()
    if row is None:
        return None
    spec = store.dictionary[form]
    typed, problems = coerce_record(spec, json.loads(row.answers))
    unreadable = {p.field for p in problems}
    answers = {c: v for c, v in typed.items() if c not in unreadable}
    editing = None if row.editing is None else tuple(json.loads(row.editing))
    kept_at = dt.datetime.fromisoformat(row.kept_at)
    return Draft(form, row.case_id, editing, answers, kept_at)


def discard(store: Store, form: str) -> None:
    """Remove the draft of ``form`` (after Save, or when the person discards it)."""
    if not keeps_drafts(store):
        return
    table = store.metadata.tables["drafts"]
    with store._write() as conn:
        conn.execute(sa.delete(table).where(table.c.form == form))


def _jsonable(cell: Any) -> Any:
    return cell.isoformat() if isinstance(cell, dt.date) else cell
