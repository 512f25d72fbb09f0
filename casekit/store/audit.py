"""The audit trail: one row for every insert, change and removal, written in the same
transaction as the write itself, with a UTC time and the actor."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .schema import AUDIT_COLUMNS


def write_audit(
    conn: sa.Connection, table: sa.Table, actor: str, rows: Iterable[Mapping]
) -> None:
    """Append ``rows`` (action, form, case_id, instance, field, old_value, new_value,
    reason; those not given stay empty), all at one time, by ``actor``."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    base = dict.fromkeys(AUDIT_COLUMNS[1:])
    rows = [{**base, "time": now, "actor": actor, **r} for r in rows]
    if rows:  # an insert of no rows would write one empty row
        conn.execute(sa.insert(table), rows)


def inserted(form: str, instance: str | None, record: Mapping, row: Mapping) -> dict:
    """The audit row of a new record: its stored ``row`` as JSON."""
    return {
        "action": "insert",
        "form": form,
        "case_id": record["case_id"],
        "instance": record.get(instance) if instance else None,
        "new_value": json.dumps(row, default=str, sort_keys=True),
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
