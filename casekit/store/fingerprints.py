"""What each case holds, as a short hash: how a share remembers the cases it counted.

Two shares of the same cases can still give one case away: a follow-up added to
it, a field corrected, a session removed, and every count that moved is that
case's. So a release records each case it counted with a fingerprint of its
content (``ID:fingerprint``, :mod:`casekit.store.releases`), and a case whose
fingerprint changed counts as changed, as one logged or withdrawn does.

A case's fingerprint covers every stored value of its records in every form (the
case, its sessions, follow-ups and exams; withdrawn cases and removed records
out), each value with its column's name, empty ones left out: a column added to
the store (a field new to the dictionary) changes no fingerprint, where it would
otherwise change them all at once and let the next share through whatever else
changed. A column whose field left the dictionary is kept in the store, and still
counted: it is a stored value. The rows of a form are taken in no order (sorted),
so that the same records give the same fingerprint however they are read.

Why in SQL: each row is made one text by the database and a case's rows joined
there (``group_concat``, ``string_agg``), so that Python hashes one text per case
and form rather than handling every cell: a store of 100,000 cases is read in
about the time its rows take to come over. The texts are the database's own (a
number as SQLite or PostgreSQL writes it): the same store gives the same
fingerprints each time, which is all the rule needs. A PostgreSQL site role reads
only its own rows (row-level security), as it counts only them.
"""

from __future__ import annotations

import functools
import hashlib
import operator

import sqlalchemy as sa

from .schema import TABLE_OF

# A fingerprint's length in hex digits (48 bits): a change goes unseen only if the
# new content hashes to the old fingerprint, once in 2**48.
LENGTH = 12
ROW, VALUE, FORM = "\x1e", "\x1f", "\x1d"  # separators of rows, values and forms


def _row_text(name: str, columns: list[str]) -> tuple[sa.TableClause, sa.ColumnElement]:
    """The table of ``name`` and the expression of one of its rows as a text: each
    value not empty as ``VALUE column=value``, columns in the order of their names."""
    table = sa.table(
        name, *(sa.column(c) for c in columns), sa.column("deleted", sa.Boolean)
    )
    parts = [
        sa.func.coalesce(
            sa.literal(f"{VALUE}{c}=", sa.Text) + sa.cast(table.c[c], sa.Text),
            sa.literal("", sa.Text),
        )
        for c in sorted(columns)
    ]
    return table, functools.reduce(operator.add, parts)


def fingerprints(conn: sa.Connection) -> dict[str, str]:
    """The fingerprint of each case the connection sees, withdrawn ones out."""
    inspector = sa.inspect(conn)
    texts: list[dict[str, str]] = []
    for name in TABLE_OF.values():
        if not inspector.has_table(name):  # a form new to this casekit
            texts.append({})
            continue
        columns = [c["name"] for c in inspector.get_columns(name)]
        table, text = _row_text(name, [c for c in columns if c != "deleted"])
        live = table.c.deleted == sa.false()
        case_id = sa.column("case_id")
        if name == TABLE_OF["case"]:
            query = sa.select(case_id, text).select_from(table).where(live)
        else:
            query = (
                sa.select(case_id, sa.func.aggregate_strings(text, ROW))
                .select_from(table)
                .where(live)
                .group_by(case_id)
            )
        texts.append(dict(conn.execute(query).all()))
    cases, *others = texts
    found = {}
    for case_id, text in cases.items():
        parts = [text]
        for rows in others:
            more = rows.get(case_id, "")
            parts.append(ROW.join(sorted(more.split(ROW))) if ROW in more else more)
        digest = hashlib.blake2b(FORM.join(parts).encode("utf-8"), digest_size=16)
        found[case_id] = digest.hexdigest()[:LENGTH]
    return found
