"""New records of one form written, with their audit rows, a chunk at a time.

An import writes a million checked records in one transaction. Made all at once,
their writable copies, their database rows and the driver's tuples were each a
million objects alive together: at 100,000 cases about 700 MB on top of the
checked records themselves. Made a chunk at a time, only a chunk's are alive. The
keys are given first, to every record at once, as before; the rows, the audit rows
and their order in the transaction's tables are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from ..dictionary import Form
from ..errors import NotFound
from ..frames import record_cells
from ..privacy import is_case_id
from ..problems import Problem, refusal
from .audit import BATCH, inserted
from .bulk import insert_rows
from .checked import Checked
from .late import make_room
from .numbering import draw_case_ids, missing_cases, placed
from .schema import TABLE_OF

CHUNK = BATCH  # records copied, turned into rows and written at a time


def new_keys(
    conn: sa.Connection,
    metadata: sa.MetaData,
    form: Form,
    checked: Sequence[Checked],
    audit: Callable[[Iterable[dict[str, Any]]], None],
) -> list[Any]:
    """The key each record is written with, in order: a case's id (its own, or a
    fresh one when it has none of casekit's form), a session's or follow-up's
    number (its own, or the one its date gives within its case). A new one dated
    before stored ones moves them up first, audited through ``audit``
    (:mod:`casekit.store.late`). ``NotFound`` for a session or follow-up of a case
    that is not stored."""
    table = metadata.tables[TABLE_OF[form.name]]
    cases = metadata.tables[TABLE_OF["case"]]
    records = [c.record for c in checked]  # read, not copied
    if form.instance is not None:
        missing = missing_cases(conn, cases, {r.get("case_id") for r in records})
        if missing:
            raise NotFound("case", missing[0])
        keys, moves = placed(conn, table, form, records)
        make_room(conn, metadata, form, moves, audit)
        return keys
    own = [r.get("case_id") for r in records]
    kept = [is_case_id(case_id) for case_id in own]  # screened once each
    given = {case_id for case_id, ok in zip(own, kept, strict=True) if ok}
    fresh = iter(draw_case_ids(conn, table, kept.count(False), given))
    return [c if ok else next(fresh) for c, ok in zip(own, kept, strict=True)]


def write_new(
    conn: sa.Connection,
    table: sa.Table,
    form: Form,
    checked: Sequence[Checked],
    keys: Sequence[Any],
    audit: Callable[[Iterable[dict[str, Any]]], None],
    *,
    reason: str | None = None,
    keep: bool = False,
) -> list[dict[str, Any]]:
    """Write ``checked`` with their ``keys`` into ``table`` and each one's audit
    row through ``audit``; the written records when ``keep`` (else none: an
    import's million are not kept only to be let go)."""
    kept: list[dict[str, Any]] = []
    code = form.instance or "case_id"

    def audit_rows() -> Iterator[dict[str, Any]]:
        # Drawn by the audit's writer, a batch at a time: each chunk's rows are
        # written just before the audit rows that describe them.
        for start in range(0, len(checked), CHUNK):
            records = [c.record_copy() for c in checked[start : start + CHUNK]]
            for record, key in zip(records, keys[start : start + CHUNK], strict=True):
                record[code] = key
            rows = record_cells(form, records)
            try:
                insert_rows(conn, table, rows)
            except sa.exc.IntegrityError as exc:
                clash = Problem(rule="clash", form=form.name, detail=str(exc.orig))
                raise refusal([clash]) from None
            if keep:
                kept.extend(records)
            for record, row in zip(records, rows, strict=True):
                yield {
                    **inserted(form.name, form.instance, record, row),
                    "reason": reason,
                }

    audit(audit_rows())
    return kept
