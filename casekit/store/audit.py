"""The audit trail: one row for every insert, change and removal, written in the same
transaction as the write itself, with a UTC time and the actor.

The trail is tamper-evident: each row carries a SHA-256 ``hash`` of its own values
chained to the hash of the row before it, so that a row changed, replaced or deleted
afterwards breaks the chain (:mod:`casekit.store.verify` checks it). The chain is
computed here, in Python, inside the write's transaction, so it works the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

import pandas as pd
import sqlalchemy as sa

from . import server
from .bulk import insert_rows
from .schema import AUDIT_COLUMNS, HASHED_COLUMNS

GENESIS = ""  # what the first row's hash is chained to
BATCH = 10_000  # audit rows made, chained and written at a time
# The key of PostgreSQL's advisory lock that writers of the chain take in turn.
CHAIN_LOCK = 0x636B6974  # "ckit"
# The encoders of json.dumps(values, ensure_ascii=False, separators=(",", ":")) and
# json.dumps(row, default=str, sort_keys=True), made once: dumps makes one a call,
# which an import of 100,000 rows pays 200,000 times. The text is the same.
_HASHED_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ROW_JSON = json.JSONEncoder(default=str, sort_keys=True)
# A reason withheld after it was written (casekit.store.reasons), and the row that
# says so and vouches for the rows as they read after it.
REDACTED_REASON = "(withheld: it looked like an identifier)"
REDACT_ACTION = "redact_reasons"
# The rows whose reason a person typed (an edit's, a removal's): the only ones whose
# reason check screens and may withhold. The others' reasons are casekit's own words
# (a merge's, which name the file merged, or a login's).
TYPED_ACTIONS = ("update", "delete")
# The row that says the audit's guards were found removed and were put back.
RESTORE_ACTION = "restore_guards"
# The reason of the restore_guards row written when a server store of a casekit from
# before network mode gets its roles' guards for the first time: an upgrade, not
# necessarily guards taken off (casekit.store.verify warns of it, not errs).
NETWORK_SET_UP = "network mode set up on the server"


def login_name() -> str:
    """The login name, who the audit names when nobody else is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def row_hash(previous: str, row: Mapping) -> str:
    """The hash of one audit row: its values (``HASHED_COLUMNS``, and its
    ``origin`` when it has one) and the hash of the row before it (``GENESIS`` for
    the first)."""
    values = [previous, *(row.get(c) for c in HASHED_COLUMNS)]
    if row.get("origin") is not None:
        values.append(row["origin"])
    payload = _HASHED_JSON.encode(values)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_audit(
    conn: sa.Connection, table: sa.Table, actor: str, rows: Iterable[Mapping]
) -> None:
    """Append ``rows`` (action, form, case_id, instance, field, old_value, new_value,
    reason; those not given stay empty), all at one time, by ``actor``, each chained
    to the one before."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    base = dict.fromkeys(AUDIT_COLUMNS[1:])
    given = iter(rows)
    head = None  # read with the first row: no rows, no read (nor lock)
    # A batch at a time: an import's million audit rows, each with its record as
    # JSON, are never all in memory at once.
    while batch := [
        {**base, "time": now, "actor": actor, **r} for r in islice(given, BATCH)
    ]:
        last_id, last_hash = head or chain_head(conn, table)
        for number, row in enumerate(batch, start=last_id + 1):
            row["id"] = number
            row["hash"] = last_hash = row_hash(last_hash, row)
        insert_rows(conn, table, batch)
        head = (last_id + len(batch), last_hash)


def chain_head(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    """The id and hash of the last audit row, for the next row to chain to.

    Two writers must not both chain to the same row. On SQLite the write is already
    alone (``BEGIN IMMEDIATE`` holds the write lock); on PostgreSQL a transaction
    advisory lock makes writers take turns until their transaction ends, and the
    head is read through the server's ``casekit_chain_head`` (a site role cannot
    see the rows of other sites, the last one among them).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK)))
        return server.chain_head(conn) or (0, GENESIS)
    last = conn.execute(
        sa.select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (last.id, last.hash or GENESIS)


def seal(conn: sa.Connection, table: sa.Table) -> int:
    """Chain the rows of an audit written before rows had hashes (a store of an
    older casekit); returns how many were sealed. Runs once, at migration."""
    rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    previous = GENESIS
    for row in rows:
        previous = row_hash(previous, row)
        conn.execute(
            sa.update(table).where(table.c.id == row["id"]).values(hash=previous)
        )
    return len(rows)


def inserted(form: str, instance: str | None, record: Mapping, row: Mapping) -> dict:
    """The audit row of a new record: its stored ``row`` as JSON."""
    return {
        "action": "insert",
        "form": form,
        "case_id": record["case_id"],
        "instance": record.get(instance) if instance else None,
        "new_value": _ROW_JSON.encode(row),
    }


def changed(
    form: str, key: tuple, field: str, old: Any, new: Any, reason: str | None
) -> dict:
    """The audit row of one changed field of the record ``key``."""
    row = _about("update", form, key, reason)
    return {**row, "field": field, "old_value": _text(old), "new_value": _text(new)}


def removed(form: str, key: tuple, reason: str | None) -> dict:
    """The audit row of a withdrawn case, or a removed session or follow-up."""
    return _about("delete", form, key, reason)


def _about(action: str, form: str, key: tuple, reason: str | None) -> dict:
    return {
        "action": action,
        "form": form,
        "case_id": key[0],
        "instance": key[1] if len(key) > 1 else None,
        "reason": reason,
    }


def audit_frame(rows: list) -> pd.DataFrame:
    """The audit rows as a DataFrame (``AUDIT_COLUMNS``), instances as integers."""
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    frame["instance"] = frame["instance"].astype("Int64")
    return frame


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
