"""What each case holds, as short hashes: how a share remembers the cases it counted.

Two shares of the same cases can still give one case away: a follow-up added to
it, a field corrected, a session removed, and every count that moved is that
case's. So a release records each case it counted with a fingerprint of its
content (``ID:fingerprint``, :mod:`casekit.store.releases`), and a case whose
fingerprint changed counts as changed, as one logged or withdrawn does.

A fingerprint is one short hash per form, in the order of
:data:`~casekit.store.schema.TABLE_OF` (the case, its sessions, follow-ups and
exams): ``p`` and the four parts, ``.`` between them, a form where the case has no
record an empty part (``ID:p1f2e3d4c.5b6a7988..``: no follow-up, no exam yet).
The case changed if any part did; but a share can also give away what one form
alone tells: eight old cases given a session and one new case logged are nine
cases changed, yet the counts of the case form (sex, age band, episode) moved by
the new case alone, and so did the rows of ``cases.csv``. So the rule counts the
cases changed in each form as well (:mod:`casekit.store.differences`),
which only the parts tell. A part is 8 hex digits (32 bits): a change of a form
goes unseen only if its new records hash to the old part, once in 2**32.

A case's parts cover every stored value of its records in every form that a
share shows or counts from (the case, its sessions, follow-ups and exams, their key
fields and dates too; notes, free text, identifiers, fields kept out of shares and
the site code left out: :func:`unshown`; withdrawn cases and removed records
out). They are canonical: the same cases give the same
fingerprints in any store that holds them, whatever the database and whatever the
order of its columns: a copy that is not a byte copy (a full export imported into
a PostgreSQL store, a store migrated beside one made afresh, cases pooled into a
network's store) is the very copy the rule is for, and were its every case
"changed", a share of its cases and one more would pass. So a row's text is its
values keyed by their column's name, in the names' order, each value in one
form: a text as it is, a whole number in decimal, a date ``YYYY-MM-DD``, a number
(a float) as Python's ``repr``, a multi-select as its codes sorted; each value
preceded by its length, so that its text tells where it ends. An empty value is
left out, so a column added to the store (a field new to the dictionary, empty in
every row) changes no fingerprint: were it to change them all at once, the next
share would pass whatever else changed. A column whose field left the dictionary
is kept in the store, and still counted: it is a stored value. The rows of a form
are taken in no order (sorted), so that the same records give the same part
however they are read.

The casekit before made one hash of the whole case (``ID:k`` and 12 hex digits,
:data:`WHOLE`), of the same texts: :func:`marks` makes it too, so that a release
recorded then is still held to what its cases held (the whole case: which form
changed is not known of it).

Where the work is done: the texts of text, whole numbers and dates are made by
the database (their SQL text is the same on SQLite and PostgreSQL), one text a
row; floats and multi-selects are read as values and written by Python (SQLite
writes a float with 15 digits, PostgreSQL with as many as it takes), and Python
hashes each case's texts. A PostgreSQL site role reads only its own rows
(row-level security), as it counts only them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import sqlalchemy as sa

from ..dictionary import Dictionary, Field
from ..frames import MULTI_SEPARATOR
from .schema import TABLE_OF

# Which way fingerprints are made, the letter that starts one: ``p``, a part per
# form. Before it, ``k`` (:data:`WHOLE`) was one hash of the whole case, and
# before that a fingerprint of hex digits alone was of each row's JSON text as
# the database wrote it (which differs between databases); a fingerprint made
# another way than its case's in the other share matches it whatever it holds
# (casekit.store.differences), as a plain id does, but for ``k``, which
# :func:`marks` still makes.
VERSION = "p"
WHOLE = "k"
FORMS = tuple(TABLE_OF)  # the forms of a fingerprint's parts, in their order
PART = 8  # a part's length in hex digits (32 bits)
# A whole-case (k) fingerprint's length in hex digits (48 bits).
LENGTH = 12
PARTS = "."  # between the parts of a fingerprint; a form without records: ""
ROW, FORM = "\x1e", "\x1d"  # separators of a case's rows, and of its forms
UNSHOWN = "unshown"  # a field no share shows (:func:`unshown`): not fingerprinted
# The key fields: whatever their flags, they say which record a row is.
KEPT = ("case_id", "session_no", "followup_no", "exam_no", "after_session")
UNIT = "\x1f"  # between a value's name, length and text


def _piece(conn: sa.Connection, name: str, kind: str, column: sa.ColumnClause):
    """``name``, the length of the value's text and the text; '' when empty.

    SQLite writes a whole number or a date (stored as text) as it is; PostgreSQL
    is told how (``to_char``: whatever its ``DateStyle``)."""
    length: sa.ColumnElement
    if conn.dialect.name == "postgresql":
        if kind == "date":
            text = sa.func.to_char(column, "YYYY-MM-DD")
        else:
            text = sa.cast(column, sa.Text)
        length = sa.cast(sa.func.length(text), sa.Text)
    else:  # || writes a number as CAST does
        text = sa.type_coerce(column, sa.Text)
        length = sa.func.length(text)
    keyed = sa.literal(name + UNIT, sa.Text) + length + UNIT + text
    return sa.case((sa.or_(text.is_(None), text == ""), ""), else_=keyed)


def _float(value) -> str:
    try:
        return repr(float(value) + 0.0)  # -0.0 as 0.0: they are equal
    except (TypeError, ValueError):  # not a number: written by another tool
        return str(value)


def _codes(value) -> str:
    """A multi-select's codes, sorted."""
    return MULTI_SEPARATOR.join(sorted(str(value).split(MULTI_SEPARATOR)))


def _pieces(name: str, kind: str, cells: tuple) -> list[str]:
    """The pieces of a column of floats or multi-selects written by Python, as
    :func:`_piece` writes the others. Each distinct value is written once: a
    multi-select's few combinations of codes come back in every row."""
    write = _float if kind == "float" else _codes
    written = {}
    for cell in set(cells):
        if cell is None or cell == "":
            written[cell] = ""
        else:
            text = write(cell)
            written[cell] = f"{name}{UNIT}{len(text)}{UNIT}{text}"
    return list(map(written.__getitem__, cells))


def _kinds(conn: sa.Connection, name: str, types: dict[str, str]) -> dict[str, str]:
    """Each column of the table ``name`` but ``deleted`` and those no share shows
    (:func:`unshown`), and how its value is written: ``plain``, ``date`` (SQL),
    ``float``, ``multi`` (Python)."""
    found = {}
    for column in sa.inspect(conn).get_columns(name):
        code = column["name"]
        if code == "deleted" or types.get(code) == UNSHOWN:
            continue
        kind = types.get(code)
        if kind is None:  # a field that left the dictionary: its SQL type
            if isinstance(column["type"], sa.Float):
                kind = "number"
            elif isinstance(column["type"], sa.Date):
                kind = "date"
        found[code] = {"number": "float", "multi": "multi", "date": "date"}.get(
            kind, "plain"
        )
    return found


def _row_texts(
    conn: sa.Connection, name: str, types: dict[str, str]
) -> dict[str, list[str]]:
    """The texts of the live rows of the table ``name``, by case id."""
    kinds = _kinds(conn, name, types)
    table = sa.table(
        name, *(sa.column(c) for c in kinds), sa.column("deleted", sa.Boolean)
    )
    names = sorted(kinds)
    plain = [n for n in names if kinds[n] in ("plain", "date")]
    values = [n for n in names if kinds[n] in ("float", "multi")]
    text = sa.literal("", sa.Text)
    for n in plain:
        text = text + _piece(conn, n, kinds[n], table.c[n])
    query = (
        sa.select(table.c.case_id, text, *(table.c[n] for n in values))
        .select_from(table)
        .where(table.c.deleted == sa.false())
    )
    found = conn.execute(query).all()
    rows: dict[str, list[str]] = defaultdict(list)
    if not found:
        return rows
    ids, texts, *cells = zip(*found, strict=True)
    del found
    if values:
        columns = [_pieces(n, kinds[n], c) for n, c in zip(values, cells, strict=True)]
        texts = tuple(map("".join, zip(texts, *columns, strict=True)))
    for case_id, text in zip(ids, texts, strict=True):
        rows[case_id].append(text)
    return rows


def unshown(f: Field) -> bool:
    """Whether no share shows ``f`` nor counts from it: a note or any free text, an
    identifier, a field of your own kept out of shares, and the site (a share names
    sites A, B, ...; a merge into a network's store changes the code, not what
    is shown). A date stays: a share counts weeks and outcomes from it. Edits to
    what no share shows change no fingerprint: were they to count, a few notes
    edited would let a share of one more case through, that case alone new in it.
    """
    if f.code == "site":
        return True
    return f.code not in KEPT and f.type != "date" and not f.is_shareable


def marks(
    conn: sa.Connection, dictionary: Dictionary, *, whole: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    """The fingerprint of each case the connection sees, withdrawn ones out
    (``dictionary``: the store's, which says which columns are numbers and
    multi-selects), and (unless not ``whole``: empty) the whole-case fingerprint
    the casekit before made of it (:data:`WHOLE`), to hold a release it recorded
    to what its cases held (a hash of all its texts again: about 5 % of the
    time)."""
    inspector = sa.inspect(conn)
    known = {form.name: form for form in dictionary}
    texts: list[dict[str, list[str]]] = []
    for form, name in TABLE_OF.items():
        if not inspector.has_table(name):  # a form new to this casekit
            texts.append({})
            continue
        fields = known[form].fields if form in known else ()
        types = {f.code: UNSHOWN if unshown(f) else f.type for f in fields}
        texts.append(_row_texts(conn, name, types))
    found, wholes = {}, {}
    blake2b, separator = hashlib.blake2b, FORM.encode("utf-8")
    for case_id in texts[0]:  # the cases' own rows: TABLE_OF["case"] is first
        parts = [
            ROW.join(sorted(rows[case_id])).encode("utf-8") if case_id in rows else b""
            for rows in texts
        ]
        found[case_id] = VERSION + PARTS.join(
            [
                blake2b(part, digest_size=PART // 2).hexdigest() if part else ""
                for part in parts
            ]
        )
        if whole:
            digest = blake2b(separator.join(parts), digest_size=16)
            wholes[case_id] = WHOLE + digest.hexdigest()[:LENGTH]
    return found, wholes


def fingerprints(conn: sa.Connection, dictionary: Dictionary) -> dict[str, str]:
    """The fingerprint of each case the connection sees, withdrawn ones out
    (:func:`marks`)."""
    return marks(conn, dictionary, whole=False)[0]


def parts(mark: str) -> list[str] | None:
    """The parts of a fingerprint, one per form of :data:`FORMS` (``""``: no
    record in it); None for a fingerprint made another way (no parts)."""
    if not mark.startswith(VERSION):
        return None
    found = mark[len(VERSION) :].split(PARTS)
    if len(found) < len(FORMS):  # a form new to the casekit: no record in it then
        found += [""] * (len(FORMS) - len(found))
    return found
