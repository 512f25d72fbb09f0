"""Is the audit whole, and does it explain the tables? What ``casekit check`` asks.

Two questions, each answered from the database alone:

1. The chain: every audit row's hash must be the hash of its values and of the row
   before it (:func:`casekit.store.audit.row_hash`), and the ids must run without a
   gap. A row changed afterwards, replaced, or deleted breaks it at that row.
2. The replay: applying the audit rows in order (an insert gives the stored row, an
   update one field, a delete the ``deleted`` mark, a ``renumber`` a record's new
   number and key, :mod:`casekit.store.late`) must give the tables as they are. A
   row or a value that differs was written behind the audit's back.

3. The guards: a ``restore_guards`` row says that the audit's guards were found
   removed and put back (:mod:`casekit.store.migrate`). While they were off, rows
   could be deleted from the audit's tail and the tables changed to match, which
   neither the chain nor the replay can see; the row itself is the one trace left,
   so each is an error for good. (``casekit check --redact-reasons`` lifts and
   puts back the guards inside its own transaction and writes a ``redact_reasons``
   row, not this one.) One with an ``origin`` speaks of another store, and no
   casekit command writes one (:mod:`casekit.io.pool` refuses to merge a store
   whose guards were put back): it was appended by hand, by the actor it names
   (on a server, the login, as the server records it: a site's until schema 8
   refused it, :mod:`casekit.store.trail`, or the owner's, which no policy
   holds; on SQLite, whoever wrote the file), a warning naming them, not this
   store's guards.
   A store opened to read only (:mod:`casekit.store.reading`) is not given its
   guards back: guards missing are an error of their own.

What a chain without a key cannot show: someone who rewrites the tail of the chain
and the tables consistently, or deletes the last rows together with the records
they describe. ``casekit check`` prints the chain's head (last id and hash), so a
practitioner who notes it can tell later that nothing before it changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from ..dictionary import Dictionary, Form
from ..problems import Problem
from .audit import (
    GENESIS,
    NETWORK_SET_UP,
    REDACT_ACTION,
    REDACTED_REASON,
    RESTORE_ACTION,
    TYPED_ACTIONS,
    row_hash,
)
from .late import RENUMBER_ACTION
from .schema import TABLE_OF, missing_guards


def audit_problems(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    *,
    chain: bool = True,
) -> tuple[list[Problem], tuple[int, str]]:
    """Every break of the chain (unless not ``chain``: a reader who sees only
    some rows) and every difference between the replay and the tables; with the
    chain's head (last id and hash, ``(0, "")`` when empty)."""
    audit = metadata.tables["audit"]
    rows = conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    problems = list(chain_problems(rows)) if chain else []
    problems += list(guard_problems(rows))
    gone = missing_guards(conn, metadata)
    if gone:  # opened to read only: a writing open would have put them back
        missing = ", ".join(gone)
        problems.append(
            Problem(rule="guards_missing", form="audit", detail=missing, source="audit")
        )
    problems += list(withheld_problems(rows))
    replayed = replay(rows, dictionary)
    for form in dictionary:
        stored = _stored(conn, metadata.tables[TABLE_OF[form.name]], form)
        problems += list(_differences(form, replayed[form.name], stored))
    head = (rows[-1]["id"], rows[-1]["hash"] or "") if rows else (0, GENESIS)
    return problems, head


def chain_problems(rows: list[Mapping[str, Any]]) -> Iterator[Problem]:
    """A problem for each audit row whose hash does not follow from it and the row
    before it, or that comes after a gap (rows deleted). A row whose reason was
    withheld keeps its hash: it must read as the row that withheld it vouches."""
    previous, last_id = GENESIS, 0
    redacted = vouched(rows)
    for row in rows:
        now = row_hash(previous, row)
        if row["id"] != last_id + 1:
            yield _audit_problem("audit_gap", row, f"{last_id + 1} to {row['id'] - 1}")
        elif row["hash"] != now and not (
            row["reason"] == REDACTED_REASON
            and redacted.get(row["id"], ("", 0))[0] == now
        ):
            yield _audit_problem("audit_forged", row)
        previous, last_id = row["hash"] or "", row["id"]


def guard_problems(rows: Iterable[Mapping[str, Any]]) -> Iterator[Problem]:
    """A problem for each ``restore_guards`` row, naming the day of it: the guards
    were off before it, for how long nobody knows, and whatever was changed behind
    the audit then (a withdrawal undone with its audit row deleted) looks whole."""
    for row in rows:
        if row["action"] != RESTORE_ACTION:
            continue
        if row.get("origin") is not None:
            # Of another store, and no merge carries one (casekit.io.pool refuses
            # a store whose guards were put back): appended by hand, what its
            # writer claims, not this store's guards off. Said, naming the actor
            # recorded (on a server, the login: casekit.store.server's trigger).
            yield _audit_problem(
                "history_claimed", row, str(row["actor"]), severity="warning"
            )
            continue
        day = str(row["time"])[:10]
        if row["reason"] == NETWORK_SET_UP:
            # An upgrade to network mode writes it once, in the ordinary course: a
            # warning, so that such a store can pass check, yet still in sight.
            yield _audit_problem("guards_set_up", row, day, severity="warning")
        else:
            yield _audit_problem("guards_restored", row, day)


def vouched(rows: Iterable[Mapping[str, Any]]) -> dict[int, tuple[str, int]]:
    """Each row whose reason was withheld, with the hash of the row as it reads
    since and the id of the row that withheld it, from this store's own
    ``redact_reasons`` rows (one merged in from another store speaks of that
    store's rows).

    A vouch counts only for an edit's or a removal's row (the reasons a person
    typed) written before it, and the first vouch for a row stands: a
    ``redact_reasons`` row written later cannot pass off another row, or a row
    changed again, as withheld. What the chain cannot show, having no key, is
    that nothing but the reason changed in a row so vouched for: each stays in
    sight as a warning (:func:`withheld_problems`).
    """
    rows = list(rows)
    typed = {row["id"] for row in rows if row["action"] in TYPED_ACTIONS}
    found: dict[int, tuple[str, int]] = {}
    for row in rows:
        if row["action"] == REDACT_ACTION and row.get("origin") is None:
            for i, digest in json.loads(row["new_value"] or "{}").items():
                if int(i) < row["id"] and int(i) in typed:
                    found.setdefault(int(i), (digest, row["id"]))
    return found


def withheld_problems(rows: list[Mapping[str, Any]]) -> Iterator[Problem]:
    """A warning for each row whose reason was withheld, naming the row that
    withheld it: a redaction is always in sight (see :func:`vouched`)."""
    redacted = vouched(rows)
    for row in rows:
        if row["id"] in redacted and row["reason"] == REDACTED_REASON:
            by = redacted[row["id"]][1]
            yield _audit_problem("reason_withheld", row, str(by), severity="warning")


def replay(
    rows: list[Mapping[str, Any]], dictionary: Dictionary
) -> dict[str, dict[tuple, dict[str, str | None]]]:
    """The tables as the audit tells them: per form, each record's cells as text
    (``deleted`` included), by key."""
    state: dict[str, dict[tuple, dict]] = {form.name: {} for form in dictionary}
    for row in rows:
        records = state.get(row["form"])
        # add_column, restore_guards: about the store itself; a row with an origin
        # is another store's history, pooled in with it (the merge's own rows
        # wrote its records here).
        if records is None or row.get("origin") is not None:
            continue
        form = dictionary[row["form"]]
        if row["action"] == "insert":
            values = json.loads(row["new_value"] or "{}")
            record = {f.code: _text(values.get(f.code)) for f in form.fields}
            record["deleted"] = "False"
            records[tuple(record[c] for c in form.key)] = record
            continue
        key = (
            (row["case_id"],)
            if form.instance is None
            else (
                row["case_id"],
                _text(row["instance"]),
            )
        )
        record = records.setdefault(key, {})
        if row["action"] in ("update", RENUMBER_ACTION):
            record[row["field"]] = row["new_value"]
        elif row["action"] == "delete":
            record["deleted"] = "True"
        if row["action"] == RENUMBER_ACTION and row["field"] == form.instance:
            # A late visit moved it (casekit.store.late): it goes to its new key,
            # unless that is taken; a row held twice then shows as a difference.
            moved = (key[0], row["new_value"])
            if moved not in records:
                records[moved] = records.pop(key)
    return state


def _stored(
    conn: sa.Connection, table: sa.Table, form: Form
) -> dict[tuple, dict[str, str | None]]:
    columns = [table.c[f.code] for f in form.fields] + [table.c.deleted]
    found = {}
    for row in conn.execute(sa.select(*columns)).mappings():
        record = {f.code: _text(row[f.code]) for f in form.fields}
        record["deleted"] = str(bool(row["deleted"]))
        found[tuple(record[c] for c in form.key)] = record
    return found


def _differences(
    form: Form, replayed: dict[tuple, dict], stored: dict[tuple, dict]
) -> Iterator[Problem]:
    for key in sorted(set(replayed) | set(stored), key=str):
        place = {
            "form": form.name,
            "case_id": key[0],
            "instance": int(key[1]) if len(key) > 1 and key[1] else None,
            "source": "audit",
        }
        if key not in replayed:
            yield Problem(rule="unaudited_row", **place)
        elif key not in stored:
            yield Problem(rule="row_gone", **place)
        else:
            audited, now = replayed[key], stored[key]
            for code in now:
                if audited.get(code) != now[code]:
                    # A note may hold what the screen refuses: its words stay out.
                    hidden = code in form and form[code].free_text
                    yield Problem(
                        rule="unaudited_change",
                        field=code,
                        value="(withheld)" if hidden else now[code],
                        other_value="(withheld)" if hidden else audited.get(code),
                        **place,
                    )


def _audit_problem(
    rule: str, row: Mapping[str, Any], detail: str = "", severity: str = "error"
) -> Problem:
    return Problem(
        rule=rule,
        form="audit",
        value=str(row["id"]),
        detail=detail,
        source="audit",
        severity=severity,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
