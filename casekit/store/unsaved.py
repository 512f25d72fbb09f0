"""The drafts a removal takes out with it, inside the store's delete.

A draft (:mod:`casekit.store.drafts`) is what a form held about a record and was
not saved. When the store takes a record out, what was typed about it goes in the
same transaction, whichever door removed it (the form, ``casekit withdraw``,
``casekit remove``): a case withdrawn takes every draft of the case, of every form;
a session or follow-up removed takes the draft of its changes, and the case's new
entry stays. Here and not in :mod:`casekit.store.drafts`, which works on a
:class:`casekit.Store` and so imports it: the store calls this one.
"""

from __future__ import annotations

import json

import sqlalchemy as sa


def discard_removed(
    conn: sa.Connection, metadata: sa.MetaData, form: str, key: tuple
) -> None:
    """Remove the drafts of the record ``key`` of ``form``, taken out on ``conn``."""
    if conn.dialect.name != "sqlite" or "drafts" not in metadata.tables:
        return  # only a SQLite store keeps drafts; a server's roles cannot read them
    table = metadata.tables["drafts"]
    if len(key) == 1:  # a whole case
        conn.execute(sa.delete(table).where(table.c.case_id == key[0]))
        return
    for row in conn.execute(sa.select(table).where(table.c.case_id == key[0])).all():
        of = row.form.split(" ", 1)[0]  # drafts.form_of: the form, then a token
        if of == form and row.editing and tuple(json.loads(row.editing)) == key:
            conn.execute(sa.delete(table).where(table.c.form == row.form))
