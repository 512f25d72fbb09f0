"""The case store: SQLAlchemy Core over SQLite (default) or PostgreSQL (by URL).

One door: a record is validated once, by :meth:`Store.check`, which returns it as a
:class:`~casekit.store.checked.Checked` record (typed values and every problem).
``add``, ``add_many`` and ``update`` take raw values, which they put through the door
themselves, or ``Checked`` records, which they trust and write as they are (refusing
one with an error). So a form checks its answers once at Save, shows the problems and
writes the record it checked; the importer checks each row once (its problems keep
the file and spreadsheet row), runs its checks across rows, and writes the records
it checked; nothing validates a record twice.

Every write and its audit row share one transaction, so nothing is ever half-saved
or unaudited, even when the process is killed mid-write. SQLite runs in WAL mode with
a busy timeout and ``BEGIN IMMEDIATE`` for writes, so two notebooks (or a notebook and
an import) writing at once both succeed. Deletes are
soft: a withdrawn case keeps its rows, marked, and the audit says who and why.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..dictionary import Dictionary, Form
from ..frames import to_cell
from ..privacy import load_deny_list, refuse_identifying_reason
from ..problems import Problem, refusal
from . import columnar
from .across import refuse_breaking
from .audit import audit_frame, changed, login_name, removed, write_audit
from .checked import Checked, validate_once
from .closing import refuse_unexplained
from .database import (
    DEFAULT_DB,
    casekit_command,
    display_url,
    make_engine,
    prepare_sqlite_file,
    resolve_url,
    sqlite_path,
    translate_errors,
)
from .hidden import warn_hidden
from .inserting import new_keys, write_new
from .kept import KEY, local_dictionary
from .numbering import draw_case_ids, numbers, refuse_moved_references
from .reading import bring_up_to_date, refuse_writing
from .references import refuse_orphaning
from .rows import as_key, fetch, form_query, match, read_rows
from .schema import TABLE_OF, build_metadata, is_current, refuse_newer
from .server import access_of
from .sites import (
    insert_site,
    new_site_code,
    read_sites,
    site_added,
    stored_site_problems,
    with_site_code,
)
from .unsaved import discard_removed
from .verify import audit_problems


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
        beside the SQLite file (in ``data/`` for a server database) or kept in it.
    actor
        Who the audit rows name; default ``CASEKIT_ACTOR`` or the login name. On
        PostgreSQL, always the database role (``session_user``): the server
        refuses an audit row that names anyone else.
    timeout
        Seconds to wait for another writer; default ``CASEKIT_BUSY_TIMEOUT`` or 30.
    read_only
        Open it to read, never to write, not even on open: a store its user
        cannot write opens too (:mod:`casekit.store.reading`).
    """

    def __init__(
        self,
        db: str | os.PathLike | None = None,
        *,
        create: bool = False,
        dictionary: Dictionary | None = None,
        actor: str | None = None,
        timeout: float | None = None,
        read_only: bool = False,
    ) -> None:
        self.url = resolve_url(db)
        self.path = sqlite_path(self.url)
        self.where = str(self.path) if self.path else display_url(self.url)
        # Advice names this store as it was named: `casekit site add x --db s.db`.
        self.command = functools.partial(casekit_command, db)
        # Where the store's own files live: its local dictionary, deny-list and
        # settings (casekit.toml).
        self.home = home = self.path.parent if self.path else DEFAULT_DB.parent
        self.looked_in = str(home / KEY)
        self.deny_list = load_deny_list(home / "deny-list.txt")
        self.timeout = float(timeout or os.environ.get("CASEKIT_BUSY_TIMEOUT") or 30)
        if self.path is not None:
            prepare_sqlite_file(self.path, create)
        self.read_only = read_only
        self.engine = make_engine(self.url, self.timeout, read_only=read_only)
        self._sites: set[str] | None = None  # read when first needed
        with self.connect() as conn:
            refuse_newer(conn, self.where)
            local = local_dictionary(
                conn, dictionary, home / KEY, self.where, read_only=read_only
            )
            self.dictionary = local.dictionary
            self.metadata = build_metadata(self.dictionary)
            current = is_current(conn, self.metadata, self.dictionary)
            self.access = access_of(conn)
            self.hidden = warn_hidden(conn, self.dictionary, self.looked_in)
        self.actor = (
            self.access.role or actor or os.environ.get("CASEKIT_ACTOR") or login_name()
        )
        bring_up_to_date(self, current, local)

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        with translate_errors(self.where, self.timeout):
            yield

    @contextlib.contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection to read with; its database errors come as ``StoreError``."""
        with self._translate_errors(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        refuse_writing(self)
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

    def _meta(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    # -- the door ------------------------------------------------------------------

    def check(
        self,
        form: str,
        raw: Mapping[str, Any],
        *,
        source: str = "",
        row: int | None = None,
    ) -> Checked:
        """Validate one record, once: the store's one door.

        Parameters
        ----------
        form : str
            ``case``, ``session`` or ``followup``.
        raw : mapping
            Field code to value, as text (a CSV cell, a widget) or Python values; a
            field not given at all takes the dictionary's default.
        source, row
            Where the record came from (an import's file and spreadsheet row), for
            its problems.

        Returns
        -------
        Checked
            The typed record and every problem, errors and warnings; ``add``,
            ``add_many`` and ``update`` write it without checking it again.
        """
        spec = self.dictionary[form]
        mine = self.access.site
        if mine and "site" in spec and not raw.get("site"):
            raw = {**raw, "site": mine}  # a site role's new case is of its site
        checked = validate_once(
            spec, raw, deny_list=self.deny_list, source=source, row=row
        )
        if "site" not in spec or checked.record.get("site") is None:
            return checked
        place = {"source": source, "row": row, "case_id": checked.record.get("case_id")}
        return with_site_code(
            checked, self.sites, self.deny_list, mine, self.command, **place
        )

    def site_problems(self) -> list[Problem]:
        """A problem for each stored case whose site is not a code of the list (a
        store written by an older casekit or another tool), for ``casekit check``."""
        return stored_site_problems(
            self.read("case"), self.sites, self.deny_list, self.command
        )

    # -- sites ---------------------------------------------------------------------

    def sites(self, *, fresh: bool = True) -> list[str]:
        """The store's site codes, sorted (``fresh=False``: as last read)."""
        if fresh or self._sites is None:
            with self.connect() as conn:
                self._sites = set(read_sites(conn, self._meta("sites")))
        return sorted(self._sites)

    def add_site(self, code: str) -> bool:
        """Add a site code, lower case as an import reads it; whether it was new.

        Raises ``InvalidSite`` for a code that is not short and plain
        (:data:`casekit.privacy.SITE_CODE`) or looks like an identifier.
        """
        code = new_site_code(code, self.deny_list)
        with self._write() as conn:
            added = insert_site(conn, self._meta("sites"), code)
            if added:
                self._audit(conn, [site_added(code)])
        self._sites = None
        return added

    def _checked(self, form: Form, record: Mapping[str, Any] | Checked) -> Checked:
        """``record`` through the door, unless it has been through already."""
        if not isinstance(record, Checked):
            return self.check(form.name, record)
        if record.form != form.name:
            raise ValueError(
                f"a checked {record.form} record cannot be stored as a {form.noun}"
            )
        return record

    # -- writing -------------------------------------------------------------------

    def add(self, form: str, record: Mapping[str, Any] | Checked) -> dict[str, Any]:
        """Store one new record (raw values, or a ``Checked`` one); returns it typed,
        with its key filled.

        A case gets a fresh random ``case_id``; a session or follow-up the number
        its date gives in its case (:mod:`casekit.store.late`). Raises
        ``ValidationFailed`` (nothing written) for a hard problem, e.g. an identifier
        in the notes, or a rule across forms broken against the case's stored rows
        (:mod:`casekit.store.across`)."""
        spec = self.dictionary[form]
        checked = self._checked(spec, record)
        if checked.errors:
            raise refusal(checked.errors)
        with self._write() as conn:
            refuse_breaking(
                conn, self.metadata, self.dictionary, spec, checked.record, new=True
            )
            return self._insert(conn, spec, [checked], keep=True)[0]

    def add_many(
        self,
        batches: Mapping[str, Sequence[Mapping[str, Any] | Checked]],
        *,
        keep: bool = True,
    ) -> dict[str, list[dict[str, Any]]]:
        """Store many records of several forms in one transaction; returns them
        typed, keys filled (``keep=False``: empty lists, for a caller that would
        only let a million copies go, an import).

        Raw records go through the door here; ``Checked`` ones are written as they
        are. All or nothing: one error and nothing is written. Cases are stored
        first, so sessions may refer to cases of the same batch. The rules across
        forms are the caller's: the importer runs them on all it brings at once.
        """
        forms = [
            self.dictionary[name]
            for name in (form.name for form in self.dictionary)
            if batches.get(name)
        ]
        checked = {
            f.name: [self._checked(f, r) for r in batches[f.name]] for f in forms
        }
        errors = [p for batch in checked.values() for c in batch for p in c.errors]
        if errors:
            raise refusal(errors)
        with self._write() as conn:
            refuse_moved_references(conn, self.metadata, self.dictionary, checked)
            return {
                f.name: self._insert(conn, f, checked[f.name], keep=keep) for f in forms
            }

    def _insert(
        self,
        conn: sa.Connection,
        form: Form,
        checked: list[Checked],
        reason: str | None = None,
        *,
        keep: bool = False,
    ) -> list[dict[str, Any]]:
        """Write ``checked`` as new records of ``form``, audited; the written
        records, keys filled, when ``keep``."""
        table = self.table(form.name)
        audit = functools.partial(self._audit, conn)
        keys = new_keys(conn, self.metadata, form, checked, audit)
        return write_new(
            conn, table, form, checked, keys, audit, reason=reason, keep=keep
        )

    def update(
        self,
        form: str,
        key: tuple | str,
        changes: Mapping[str, Any] | Checked,
        *,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Change a stored record; one audit row per changed field.

        ``key`` is a case id, or ``(case_id, number)`` for a session or follow-up.
        ``changes`` are raw values of some fields, laid over the stored record and
        the result put through the door; or a ``Checked`` whole record (a form's
        answers, checked at Save), written as it is. The key stays the stored one.
        A closed case (discharged, lost, withdrew; not re-opened since:
        :mod:`casekit.closing`) needs a ``reason``.
        Like ``add``, it refuses a record that breaks a rule across forms.
        """
        spec = self.dictionary[form]
        key = as_key(key)
        refuse_identifying_reason(reason, self.deny_list)
        with self._write() as conn:
            current = fetch(conn, self.table(form), spec, key)
            refuse_unexplained(conn, self.metadata, key[0], reason)
            stored_key = {code: current[code] for code in spec.key}
            if not isinstance(changes, Checked):
                changes = {**current, **changes, **stored_key}
            checked = self._checked(spec, changes)
            if checked.errors:
                raise refusal(checked.errors)
            record = {**checked.record, **stored_key}
            refuse_breaking(conn, self.metadata, self.dictionary, spec, record)
            new_row = {f.code: to_cell(f, record.get(f.code)) for f in spec.fields}
            old_row = {f.code: to_cell(f, current.get(f.code)) for f in spec.fields}
            fields = [c for c in new_row if new_row[c] != old_row[c]]
            if fields:
                table = self.table(form)
                conn.execute(
                    sa.update(table)
                    .where(*match(table, spec, key))
                    .values({c: new_row[c] for c in fields})
                )
                self._audit(
                    conn,
                    [
                        changed(spec.name, key, c, old_row[c], new_row[c], reason)
                        for c in fields
                    ],
                )
        return record

    def delete(self, form: str, key: tuple | str, *, reason: str | None = None) -> None:
        """Withdraw a case, or remove a session or follow-up: soft, audited, kept;
        the drafts of what it takes out are discarded with it.

        Refuses (``ValidationFailed``, nothing removed) a session that follow-ups
        still report on: remove them, or point them at another session, first
        (:mod:`casekit.store.references`)."""
        spec = self.dictionary[form]
        key = as_key(key)
        refuse_identifying_reason(reason, self.deny_list)
        with self._write() as conn:
            fetch(conn, self.table(form), spec, key)
            refuse_unexplained(conn, self.metadata, key[0], reason)
            refuse_orphaning(
                conn, self.metadata, self.dictionary, spec, key, self.command
            )
            table = self.table(form)
            conn.execute(
                sa.update(table).where(*match(table, spec, key)).values(deleted=True)
            )
            self._audit(conn, [removed(spec.name, key, reason)])
            discard_removed(conn, self.metadata, spec.name, key)

    def _audit(self, conn: sa.Connection, rows: Iterable[dict[str, Any]]) -> None:
        write_audit(conn, self._meta("audit"), self.actor, rows)

    # -- ids and numbers -------------------------------------------------------------

    def fresh_case_ids(self, n: int, taken: Iterable[str] = ()) -> list[str]:
        """``n`` random case ids that no stored case has, nor any in ``taken``."""
        with self.connect() as conn:
            return draw_case_ids(conn, self.table("case"), n, set(taken))

    def numbers(self, form: str, records: Iterable[Mapping[str, Any]]) -> list[int]:
        """The number each session (or follow-up) of ``records`` has, or would get if
        written now: the next in its case, or the one its date gives (a late one)."""
        with self.connect() as conn:
            return numbers(conn, self.table(form), self.dictionary[form], records)

    # -- reading -----------------------------------------------------------------

    def get(self, form: str, key: tuple | str) -> dict[str, Any]:
        """One stored record, typed; ``NotFound`` if it is not there (or removed).

        ``key`` is a case id, or ``(case_id, number)`` for a session or follow-up.
        """
        with self.connect() as conn:
            return fetch(conn, self.table(form), self.dictionary[form], as_key(key))

    def read(
        self, form: str, *, include_deleted: bool = False, columnar: bool = False
    ) -> pd.DataFrame:
        """One form as a DataFrame typed from the dictionary: ordered categoricals,
        nullable integers, dates, multi-selects as lists. Rows of withdrawn cases are
        left out unless ``include_deleted``. ``columnar``: see :meth:`frames`."""
        forms = {form: self.dictionary[form]}
        return self._read(forms, include_deleted, in_columns=columnar)[form]

    def frames(
        self,
        *,
        columnar: bool = False,
        columns: Mapping[str, Iterable[str]] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Every form, typed, by name (``case``, ``session``, ``followup``, ``exam``).

        ``columnar``: SQLite or PostgreSQL read in columns through ADBC
        (:mod:`casekit.store.columnar`), into the same frames, several times faster
        on a large store; only for a process that reads the store and never writes
        it (``casekit patterns``): see that module for why. ``columns``: only the
        forms it names, with only the fields it lists and their keys.
        """
        forms = {form.name: form for form in self.dictionary}
        if columns is not None:
            forms = {
                name: forms[name].narrowed(fields) for name, fields in columns.items()
            }
        return self._read(forms, in_columns=columnar)

    def _read(
        self, forms: Mapping[str, Form], include_deleted: bool = False, *, in_columns
    ) -> dict[str, pd.DataFrame]:
        """Forms as typed frames: ``in_columns``, through ADBC in one snapshot;
        else, or when the driver cannot read it, row by row through
        SQLAlchemy. The frames are the same."""
        cases = self.table("case")
        selects = {
            name: form_query(self.table(name), cases, form, include_deleted)
            for name, form in forms.items()
        }
        frames = None
        if in_columns:
            frames = columnar.read_selects(
                self.engine, self.path, selects, forms, self.timeout
            )
        if frames is None:
            with self.connect() as conn:
                frames = read_rows(conn, selects, forms)
        if include_deleted:
            return frames
        return {name: frame.drop(columns="deleted") for name, frame in frames.items()}

    def case_ids(self, *, include_deleted: bool = True) -> set[str]:
        table = self.table("case")
        query = sa.select(table.c.case_id)
        if not include_deleted:
            query = query.where(table.c.deleted == sa.false())
        with self.connect() as conn:
            return set(conn.execute(query).scalars())

    def verify(self) -> tuple[list[Problem], tuple[int, str]]:
        """Whether the audit is whole and explains the tables
        (:mod:`casekit.store.verify`): every problem, and the chain's head (last
        row's id and hash). A site role sees its own site's rows alone: the
        audit is replayed against them, and the chain is left to a role that
        sees it whole (the owner, an analyst)."""
        whole = self.access.sees_every_site
        with self.connect() as conn:
            return audit_problems(conn, self.metadata, self.dictionary, chain=whole)

    def audit(self) -> pd.DataFrame:
        """The audit trail, oldest first."""
        table = self._meta("audit")
        with self.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.id)).all()
        return audit_frame(rows)
