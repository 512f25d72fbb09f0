"""Reasons in the audit that a store wrote before reasons were screened.

Since :func:`casekit.privacy.refuse_identifying_reason`, a reason that looks like an
identifier is refused before anything is written; a store written before then may
still hold one ("typo fixed, patient John Smith 07700 900123 asked").
:func:`reason_problems` finds them for ``casekit check``, saying what kind of
identifier each looks like, never its words; :func:`redact_reasons` (``casekit
check --redact-reasons``) replaces each by ``REDACTED_REASON``.

The audit is append-only and hash-chained, so a redaction is the one change it
allows, and it keeps the chain checkable: each redacted row keeps its stored hash
(every later row is chained to it, and a head noted before still holds), and an
appended ``redact_reasons`` row records, for each, the hash of the row as it now
reads. :mod:`casekit.store.verify` accepts a row that no longer matches its own
hash only when such a row vouches for it and its reason is ``REDACTED_REASON``:
nothing but a reason can be withheld, and never unseen. Copies made before (a
backup, an export of the audit) still hold the words.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from ..errors import StoreError, UsageError
from ..identifiers import describe, scan_text
from ..problems import Problem
from .audit import (
    GENESIS,
    REDACT_ACTION,
    REDACTED_REASON,
    TYPED_ACTIONS,
    row_hash,
)
from .schema import add_guards
from .store import Store
from .verify import chain_problems


def reason_problems(store: Store) -> list[Problem]:
    """A problem for each audit row of ``store`` (as its role sees them) whose
    reason the identifier screen flags: the row, its case and date, and the kinds
    found."""
    audit = store.metadata.tables["audit"]
    query = (
        sa.select(
            audit.c.id, audit.c.time, audit.c.form, audit.c.case_id,
            audit.c.instance, audit.c.reason,
        )
        .where(audit.c.action.in_(TYPED_ACTIONS), audit.c.reason.is_not(None))
        .order_by(audit.c.id)
    )  # fmt: skip
    with store.connect() as conn:
        rows = conn.execute(query).all()
    problems = []
    for row in rows:
        findings = scan_text(row.reason, store.deny_list)
        if not findings:
            continue
        problems.append(
            Problem(
                rule="identifying_reason",
                form=row.form or "",
                case_id=row.case_id,
                instance=row.instance,
                field="reason",
                value=str(row.id),
                other_value=row.time[:10],
                # The rule withholds the words found (problems._VALUE_IS_FOUND).
                detail=describe(findings),
                fix=store.command("check", "--redact-reasons"),
                source="audit",
            )
        )
    return problems


def redact_reasons(store: Store) -> list[int]:
    """Replace every reason the screen flags by :data:`REDACTED_REASON`, in one
    transaction with the ``redact_reasons`` row that vouches for them; returns the
    ids of the rows redacted (none: nothing is written).

    Raises ``UsageError`` for a role that is not the store's owner (on a server
    only the owner may lift the audit's guards, and only it sees every row), and
    ``StoreError`` when the chain is broken already.
    """
    if store.access.kind not in ("local", "owner"):
        raise UsageError(
            "only the store's owner can withhold audit reasons: run "
            "`casekit check --redact-reasons` with the owner's --db URL"
        )
    audit = store.metadata.tables["audit"]
    with store._write() as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
        # A row vouched for as it reads now would no longer show a forgery.
        if next(chain_problems(rows), None) is not None:
            raise StoreError(
                store.where,
                "its audit chain is broken (see casekit check), and withholding "
                "reasons now would hide where; nothing was changed",
            )
        flagged = [
            row["id"]
            for row in rows
            if row["action"] in TYPED_ACTIONS
            and row["reason"]
            and scan_text(row["reason"], store.deny_list)
        ]
        if not flagged:
            return []
        _lift_guards(conn)
        if conn.dialect.name == "sqlite":  # the old words zeroed, not left as free
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        conn.execute(
            sa.update(audit)
            .where(audit.c.id.in_(flagged))
            .values(reason=REDACTED_REASON)
        )
        add_guards(conn, store.metadata)
        hashes = _hashes_as_redacted(rows, set(flagged))
        store._audit(
            conn,
            [
                {
                    "action": REDACT_ACTION,
                    "form": "audit",
                    "new_value": json.dumps(hashes, sort_keys=True),
                    "reason": f"withheld {len(flagged)} reason"
                    f"{'s' * (len(flagged) != 1)} that looked like an identifier",
                }
            ],
        )
    if store.path is not None:  # out of the write-ahead log into the file, too
        with store.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return flagged


def _hashes_as_redacted(rows: list, flagged: set[int]) -> dict[str, str]:
    previous, hashes = GENESIS, {}
    for row in rows:
        if row["id"] in flagged:
            hashes[str(row["id"])] = row_hash(
                previous, {**row, "reason": REDACTED_REASON}
            )
        previous = row["hash"] or GENESIS
    return hashes


def _lift_guards(conn: sa.Connection) -> None:
    """Let this transaction change the audit's reasons (:func:`add_guards` puts the
    guards back before it commits; both or neither)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER audit_append_only")
        conn.exec_driver_sql("ALTER TABLE audit NO FORCE ROW LEVEL SECURITY")
        return
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
