"""The case store: SQLAlchemy Core over SQLite (default) or PostgreSQL (by URL).

Every write and its audit row share one transaction, so nothing is ever half-saved
or unaudited, even when the process is killed mid-write. SQLite runs in WAL mode with
a busy timeout and ``BEGIN IMMEDIATE`` for writes, so two notebooks (or a notebook and
an import) writing at once both succeed. Deletes are
soft: a withdrawn case keeps its rows, marked, and the audit says who and why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import getpass
import json
import os
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..dictionary import Dictionary, Form, load_dictionary
from ..errors import NotFound, ReasonRequired
from ..frames import from_cell, records_to_frame, to_cell
from ..privacy import is_case_id, load_deny_list, new_case_id
from ..problems import Problem, refusal
from ..validate import validate_record
from .database import (
    DEFAULT_DB,
    display_url,
    make_engine,
    prepare_sqlite_file,
    resolve_url,
    sqlite_path,
    translate_errors,
)
from .schema import (
    AUDIT_COLUMNS,
    TABLE_OF,
    build_metadata,
    create_or_migrate,
    is_current,
)

CLOSED_STATUSES = ("discharged", "lost", "withdrew")
# Up to this many cases a write looks them up by id; beyond, it reads the whole
# column (SQLite limits the number of values one statement may bind).
_FEW = 500


class Store:
    """An open case store.

    Parameters
    ----------
    db
        A path or SQLAlchemy URL; default ``CASEKIT_DB`` or ``data/casekit.db``.
    create
        Create the store if it does not exist yet (otherwise a missing SQLite file is
        an error that says to run ``casekit init``).
    dictionary
        The data dictionary; default the built-in one plus ``dictionary.local.yaml``
        found beside the SQLite file (or in ``data/`` for a server database).
    actor
        Who the audit rows name; default ``CASEKIT_ACTOR`` or the login name.
    timeout
        Seconds to wait for another writer; default ``CASEKIT_BUSY_TIMEOUT`` or 30.
    """

    def __init__(
        self,
        db: str | os.PathLike | None = None,
        *,
        create: bool = False,
        dictionary: Dictionary | None = None,
        actor: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = resolve_url(db)
        self.path = sqlite_path(self.url)
        self.where = str(self.path) if self.path else display_url(self.url)
        home = self.path.parent if self.path else DEFAULT_DB.parent
        self.dictionary = dictionary or load_dictionary(home / "dictionary.local.yaml")
        self.deny_list = load_deny_list(home / "deny-list.txt")
        self.actor = actor or os.environ.get("CASEKIT_ACTOR") or _login()
        self.timeout = float(timeout or os.environ.get("CASEKIT_BUSY_TIMEOUT") or 30)
        if self.path is not None:
            prepare_sqlite_file(self.path, create)
        self.metadata = build_metadata(self.dictionary)
        self.engine = make_engine(self.url, self.timeout)
        with self._translate_errors():
            with self.engine.connect() as conn:
                current = is_current(conn, self.metadata, self.dictionary)
            if not current:
                with self._write() as conn:
                    for table, column in create_or_migrate(
                        conn, self.metadata, self.dictionary
                    ):
                        self._audit(conn, "add_column", table, None, None, column)

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        with translate_errors(self.where, self.timeout):
            yield

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._translate_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(casekit_write=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def table(self, form: str) -> sa.Table:
        return self.metadata.tables[TABLE_OF[self.dictionary[form].name]]

    # -- writing -----------------------------------------------------------------

    def add(self, form: str, record: dict[str, Any]) -> dict[str, Any]:
        """Validate and store one new record; returns it typed, with its key filled.

        A case gets a fresh random ``case_id``; a session or follow-up gets the next
        number within its case. Raises ``ValidationFailed`` (nothing written) when a
        hard problem is found, e.g. an identifier in the notes.
        """
        return self.add_many({form: [record]})[form][0]

    def add_many(self, batches: dict[str, list[dict[str, Any]]]) -> dict[str, list]:
        """Validate and store many records of several forms in one transaction.

        All or nothing: one problem and nothing is written. Cases are stored first,
        so sessions may refer to cases of the same batch.
        """
        forms = [
            self.dictionary[name]
            for name in ("case", "session", "followup")
            if batches.get(name)
        ]
        typed, problems = {}, []
        for form in forms:
            typed[form.name] = []
            defaults = {f.code: f.default for f in form.fields if f.default is not None}
            for raw in batches[form.name]:
                # A default fills a field that was not given at all; an empty answer
                # stays empty.
                record, found = validate_record(
                    form, {**defaults, **raw}, deny_list=self.deny_list
                )
                problems += [p for p in found if p.severity == "error"]
                typed[form.name].append(record)
        if problems:
            raise refusal(problems)
        with self._write() as conn:
            for form in forms:
                self._insert(conn, form, typed[form.name])
        return typed

    def _insert(self, conn: sa.Connection, form: Form, records: list[dict]) -> None:
        table = self.table(form.name)
        if form.instance is None:
            self._give_case_ids(conn, table, records)
        else:
            self._number_instances(conn, form, records)
        rows = [
            {f.code: to_cell(f, r.get(f.code)) for f in form.fields} for r in records
        ]
        try:
            conn.execute(sa.insert(table), rows)
        except sa.exc.IntegrityError as exc:
            clash = Problem(rule="clash", form=form.name, detail=str(exc.orig))
            raise refusal([clash]) from None
        self._audit_many(
            conn,
            [
                {
                    "action": "insert",
                    "form": form.name,
                    "case_id": r["case_id"],
                    "instance": r.get(form.instance) if form.instance else None,
                    "new_value": json.dumps(row, default=str, sort_keys=True),
                }
                for r, row in zip(records, rows, strict=True)
            ],
        )

    def _give_case_ids(self, conn: sa.Connection, table: sa.Table, records) -> None:
        """A fresh random id for each case that has none. Only the drawn ids are
        looked up, not the whole column: a form's save stays cheap at any size."""
        taken = {r["case_id"] for r in records if is_case_id(r.get("case_id"))}
        needing = [r for r in records if not is_case_id(r.get("case_id"))]
        while needing:
            for record in needing:
                record["case_id"] = new_case_id(taken)
                taken.add(record["case_id"])
            drawn = [r["case_id"] for r in needing]
            clash = set()
            for start in range(0, len(drawn), _FEW):  # bind few values at a time
                chunk = drawn[start : start + _FEW]
                clash |= set(
                    conn.execute(
                        sa.select(table.c.case_id).where(table.c.case_id.in_(chunk))
                    ).scalars()
                )
            needing = [r for r in needing if r["case_id"] in clash]

    def _number_instances(self, conn: sa.Connection, form: Form, records: list) -> None:
        table, cases_table = self.table(form.name), self.table("case")
        number = table.c[form.instance]
        cases = {r.get("case_id") for r in records}
        ids, counts = (
            sa.select(cases_table.c.case_id),
            sa.select(table.c.case_id, sa.func.max(number)).group_by(table.c.case_id),
        )
        if len(cases) <= _FEW:  # a form's save: look at this case alone
            ids = ids.where(cases_table.c.case_id.in_(cases))
            counts = counts.where(table.c.case_id.in_(cases))
        known = set(conn.execute(ids).scalars())
        missing = sorted(str(c) for c in cases - known)
        if missing:
            raise NotFound("case", missing[0])
        last = dict(conn.execute(counts).all())
        for record in records:
            if record.get(form.instance) is None:
                record[form.instance] = (last.get(record["case_id"]) or 0) + 1
            case = record["case_id"]
            last[case] = max(last.get(case) or 0, record[form.instance])

    def update(
        self,
        form: str,
        key: tuple | str,
        changes: dict[str, Any],
        *,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Change fields of a stored record; one audit row per changed field.

        ``key`` is a case id, or ``(case_id, number)`` for a session or follow-up.
        A closed case (discharged, lost, withdrew, or withdrawn) needs a ``reason``.
        """
        spec = self.dictionary[form]
        key = (key,) if isinstance(key, str) else tuple(key)
        with self._write() as conn:
            current = self._fetch(conn, spec, key)
            if reason is None and self._is_closed(conn, key[0]):
                raise ReasonRequired(key[0])
            merged = {**current, **changes}
            for code in spec.key:
                merged[code] = current[code]
            record, problems = validate_record(spec, merged, deny_list=self.deny_list)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise refusal(errors)
            new_row = {f.code: to_cell(f, record.get(f.code)) for f in spec.fields}
            old_row = {f.code: to_cell(f, current.get(f.code)) for f in spec.fields}
            changed = [c for c in new_row if new_row[c] != old_row[c]]
            if changed:
                table = self.table(form)
                conn.execute(
                    sa.update(table)
                    .where(*self._match(table, spec, key))
                    .values({c: new_row[c] for c in changed})
                )
                self._audit_many(
                    conn,
                    [
                        {
                            "action": "update",
                            "form": spec.name,
                            "case_id": key[0],
                            "instance": key[1] if len(key) > 1 else None,
                            "field": c,
                            "old_value": _text(old_row[c]),
                            "new_value": _text(new_row[c]),
                            "reason": reason,
                        }
                        for c in changed
                    ],
                )
        return record

    def delete(self, form: str, key: tuple | str, *, reason: str | None = None) -> None:
        """Withdraw a case, or remove a session or follow-up: soft, audited, kept."""
        spec = self.dictionary[form]
        key = (key,) if isinstance(key, str) else tuple(key)
        with self._write() as conn:
            self._fetch(conn, spec, key)
            if reason is None and self._is_closed(conn, key[0]):
                raise ReasonRequired(key[0])
            table = self.table(form)
            conn.execute(
                sa.update(table)
                .where(*self._match(table, spec, key))
                .values(deleted=True)
            )
            self._audit(
                conn,
                "delete",
                spec.name,
                key[0],
                key[1] if len(key) > 1 else None,
                reason=reason,
            )

    def _match(self, table: sa.Table, form: Form, key: tuple) -> list:
        return [
            table.c[code] == value for code, value in zip(form.key, key, strict=True)
        ]

    def _fetch(self, conn: sa.Connection, form: Form, key: tuple) -> dict[str, Any]:
        table = self.table(form.name)
        row = (
            conn.execute(
                sa.select(table).where(
                    *self._match(table, form, key), table.c.deleted == sa.false()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(form.noun, key[0] if len(key) == 1 else key)
        return {f.code: from_cell(f, row[f.code]) for f in form.fields}

    def _is_closed(self, conn: sa.Connection, case_id: str) -> bool:
        followups = self.table("followup")
        last = conn.execute(
            sa.select(followups.c.status)
            .where(
                followups.c.case_id == case_id,
                followups.c.deleted == sa.false(),
                followups.c.status.is_not(None),
            )
            .order_by(followups.c.followup_no.desc())
            .limit(1)
        ).scalar()
        return last in CLOSED_STATUSES

    def _audit(
        self,
        conn,
        action,
        form,
        case_id,
        instance,
        field=None,
        old=None,
        new=None,
        reason=None,
    ) -> None:
        self._audit_many(
            conn,
            [
                {
                    "action": action,
                    "form": form,
                    "case_id": case_id,
                    "instance": instance,
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                    "reason": reason,
                }
            ],
        )

    def _audit_many(self, conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        base = dict.fromkeys(AUDIT_COLUMNS[1:])
        conn.execute(
            sa.insert(self.metadata.tables["audit"]),
            [{**base, "time": now, "actor": self.actor, **row} for row in rows],
        )

    # -- reading -----------------------------------------------------------------

    def read(self, form: str, *, include_deleted: bool = False) -> pd.DataFrame:
        """One form as a DataFrame typed from the dictionary: ordered categoricals,
        nullable integers, dates, multi-selects as lists. Rows of withdrawn cases are
        left out unless ``include_deleted``."""
        spec = self.dictionary[form]
        table, cases = self.table(form), self.table("case")
        query = sa.select(
            *[_raw(table.c[f.code]) for f in spec.fields], table.c.deleted
        )
        if not include_deleted:
            query = query.where(table.c.deleted == sa.false())
            if spec.instance is not None:
                # Rows of a case that is not there at all stay visible: `check`
                # must see them.
                gone = sa.select(cases.c.case_id).where(cases.c.deleted == sa.true())
                query = query.where(table.c.case_id.not_in(gone))
        query = query.order_by(*[table.c[code] for code in spec.key])
        with self._translate_errors(), self.engine.connect() as conn:
            with _no_collection_pauses():
                rows = conn.execute(query).all()
                frame = records_to_frame(spec, rows, extra=["deleted"])
        return frame if include_deleted else frame.drop(columns="deleted")

    def frames(self) -> dict[str, pd.DataFrame]:
        """The three forms, typed, by name (``case``, ``session``, ``followup``)."""
        return {form.name: self.read(form.name) for form in self.dictionary}

    def case_ids(self, *, include_deleted: bool = True) -> set[str]:
        table = self.table("case")
        query = sa.select(table.c.case_id)
        if not include_deleted:
            query = query.where(table.c.deleted == sa.false())
        with self._translate_errors(), self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def audit(self) -> pd.DataFrame:
        """The audit trail, oldest first."""
        table = self.metadata.tables["audit"]
        with self._translate_errors(), self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.id)).all()
        frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
        frame["instance"] = frame["instance"].astype("Int64")
        return frame


@contextlib.contextmanager
def _no_collection_pauses() -> Iterator[None]:
    """Reading half a million rows makes millions of small objects (tuples, lists),
    and the cyclic collector re-walks all of them again and again while they pile
    up: pausing it for the read makes loading several times faster. None of these
    objects form cycles, so nothing is lost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _raw(column: sa.Column) -> sa.ColumnElement:
    # SQLite keeps a date as 'YYYY-MM-DD' text; converting it in one vectorised step
    # (frames.column) is many times faster than a date object per row.
    return (
        sa.type_coerce(column, sa.String)
        if column.type.python_type is dt.date
        else column
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
