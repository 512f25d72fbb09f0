"""What each case holds, as a short hash: how a share remembers the cases it counted.

Two shares of the same cases can still give one case away: a follow-up added to
it, a field corrected, a session removed, and every count that moved is that
case's. So a release records each case it counted with a fingerprint of its
content (``ID:fingerprint``, :mod:`casekit.store.releases`), and a case whose
fingerprint changed counts as changed, as one logged or withdrawn does.

A case's fingerprint covers every stored value of its records in every form (the
case, its sessions, follow-ups and exams; withdrawn cases and removed records
out). A column added to the store (a field new to the dictionary) changes no
fingerprint: it is added last and empty, and a row's empty values at its end are
left out (stripped with the array's closing bracket: the values' texts tell where
each ends); were it to change them all at once, the next share would pass whatever
else changed. A column whose field left the dictionary is kept in the store, and
still counted: it is a stored value. The rows of a form are taken in no order
(sorted), so that the same records give the same fingerprint however they are
read.

Why in SQL: each row is made one text by the database (a JSON array of its values,
in the order of the table's columns) and a case's rows joined there
(``group_concat``, ``string_agg``), so that Python hashes one text per case and
form rather than handling every cell: a store of 100,000 cases is read in about the
time its rows take to come over. The texts are the database's own (a number as
SQLite or PostgreSQL writes it): the same store gives the same fingerprints each
time, which is all the rule needs. A PostgreSQL site role reads only its own rows
(row-level security), as it counts only them.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from .schema import TABLE_OF

# A fingerprint's length in hex digits (48 bits): a change goes unseen only if the
# new content hashes to the old fingerprint, once in 2**48.
LENGTH = 12
ROW, FORM = "\x1e", "\x1d"  # separators of a case's rows, and of its forms
# Stripped from the end of a row's JSON array: its closing bracket and the empty
# values before it (a column added since). A value ends in a digit or a quote, so
# that nothing else is taken.
TRAILING = ", nul]"


def _row_text(conn: sa.Connection, name: str) -> tuple[sa.TableClause, sa.Function]:
    """The table of ``name`` and one of its rows as a JSON array of its values,
    every column but ``deleted`` in the table's order, its empty values at the
    end left out (and its closing bracket)."""
    columns = [c["name"] for c in sa.inspect(conn).get_columns(name)]
    table = sa.table(
        name,
        *(sa.column(c) for c in columns if c != "deleted"),
        sa.column("deleted", sa.Boolean),
    )
    values = [table.c[c] for c in columns if c != "deleted"]
    if conn.dialect.name == "postgresql":
        array = sa.cast(sa.func.json_build_array(*values), sa.Text)
    else:
        array = sa.func.json_array(*values)
    return table, sa.func.rtrim(array, sa.literal(TRAILING, sa.Text))


def fingerprints(conn: sa.Connection) -> dict[str, str]:
    """The fingerprint of each case the connection sees, withdrawn ones out."""
    inspector = sa.inspect(conn)
    texts: list[dict[str, str]] = []
    for name in TABLE_OF.values():
        if not inspector.has_table(name):  # a form new to this casekit
            texts.append({})
            continue
        table, text = _row_text(conn, name)
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
