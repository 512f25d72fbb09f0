"""Pooling a practitioner's own store into this one (``casekit merge``): the writing.

:mod:`casekit.io.pool` reads the source (a SQLite store or an export folder) and
puts its records through this store's door; :func:`write_merge` then writes, in one
transaction, all or nothing:

0. a source holding a case that is here already, in this site, with its id (or
   the one an earlier merge as this site redrew it to) and every value (merged
   before as a store, now as its export, say) is refused;
1. the records, each under the site it is merged as, with a case id the source had
   unless another case here has it already (then a fresh random one, for the case
   and its sessions and follow-ups): audited as inserts by whoever merges, the
   source named in their reason as :attr:`Pooled.called` says (no path); then
   every merged case is held to the rules across forms that an import keeps, and
   one broken rule refuses the whole merge, naming the problems. What was
   withdrawn or removed in the source does not come:
   a withdrawn case (its every record) and a removed session, follow-up or exam
   are held back, their data and their history; but a withdrawn case that is here
   already (merged earlier, as an export, and withdrawn in the source since) is
   withdrawn here too, audited, as are its records removed there;
2. the source's audit rows, oldest first, as rows of this store's own hash chain,
   each marked with its ``origin`` (the source, its row number there and who wrote
   it), under the case ids as merged: the history comes along, and ``casekit
   check`` does not replay it (it describes the source);
3. one ``merge`` audit row saying what came in, and a row of ``merges``, by which a
   second merge of the same source is recognised (:func:`merged_before`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from ..dictionary import Form
from ..errors import MergeRefused
from ..frames import from_cell, record_cells
from ..identifiers import scan_text
from ..privacy import actor_problem
from ..problems import refusal
from .across import cases_problems
from .audit import removed
from .checked import Checked
from .numbering import FEW, draw_case_ids, taken_case_ids
from .rows import match
from .store import Store


@dataclass(frozen=True)
class Pooled:
    """A source ready to be merged.

    Attributes
    ----------
    source : str
        What identifies it: ``store:`` and the hash of its first audit row (a
        store's chain starts with a row of its own, stamped to the microsecond),
        or ``export:`` and the SHA-256 of its files.
    name : str
        How messages name it (its path).
    called : str
        How the audit names it, in the reason of each row merged: its file's or
        folder's name alone, or neutral words where that name looks like an
        identifier (:func:`casekit.io.pool.audit_name`); never its path, whose
        folders can hold a person's name.
    checked : dict of list of Checked
        Its records by form, through this store's door, each case of the site it
        is merged as.
    withdrawn : dict of list of tuple
        The keys (as in the source) of records withdrawn or removed there.
    history : list of dict
        Its audit rows, oldest first, but those of records held back (none for
        an export folder).
    head : tuple of (int, str)
        Its audit's last row id and hash (``(0, "")`` for an export folder).
    held_back : dict of list of dict
        By form, the records not in ``checked``, as stored in the source (a
        case's site as merged): those withdrawn or removed there, and every
        record of a withdrawn case. None is merged.
    """

    source: str
    name: str
    called: str
    checked: dict[str, list[Checked]]
    withdrawn: dict[str, list[tuple]] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    head: tuple[int, str] = (0, "")
    held_back: dict[str, list[dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class Merged:
    """What a merge did, or found done before.

    Attributes
    ----------
    source, site : str
    counts : dict of int
        Records merged by form (0 each when ``before`` is set).
    redrawn : dict of str
        Case ids of the source that another case here had, and their new ids.
    history : int
        Audit rows of the source that came along.
    before : dict or None
        The ``merges`` row of an earlier merge of the same source: nothing was
        added this time.
    left_out : dict of int
        Records not merged by form: every record of a case withdrawn in the
        source, and each removed session, follow-up or exam.
    withdrawn : dict of int
        Records here already (merged earlier) that were withdrawn or removed in
        the source since, and now here, by form.
    """

    source: str
    site: str
    counts: dict[str, int]
    redrawn: dict[str, str] = field(default_factory=dict)
    history: int = 0
    before: dict | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    withdrawn: dict[str, int] = field(default_factory=dict)


def stored_records(store: Store, form: Form) -> list[tuple[dict[str, Any], bool]]:
    """Every record of ``form`` in ``store`` as stored (withdrawn ones too), typed,
    with whether it is withdrawn or removed."""
    table = store.table(form.name)
    query = sa.select(table).order_by(*[table.c[code] for code in form.key])
    with store.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        ({f.code: from_cell(f, row.get(f.code)) for f in form.fields}, row["deleted"])
        for row in rows
    ]


def audit_rows(store: Store) -> list[dict[str, Any]]:
    """Every audit row of ``store`` as stored, oldest first."""
    audit = store.metadata.tables["audit"]
    with store.connect() as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    return [dict(row) for row in rows]


def merged_before(store: Store, source: str) -> dict | None:
    """The ``merges`` row of ``source`` if it was merged into ``store`` before."""
    merges = store.metadata.tables["merges"]
    with store.connect() as conn:
        row = conn.execute(sa.select(merges).where(merges.c.source == source)).first()
    return None if row is None else dict(row._mapping)


def write_merge(store: Store, pooled: Pooled, site: str) -> Merged:
    """Write ``pooled`` into ``store`` as site ``site``, all or nothing (see the
    module's docstring); a source merged before adds nothing."""
    merges = store.metadata.tables["merges"]
    with store._write() as conn:
        before = conn.execute(
            sa.select(merges).where(merges.c.source == pooled.source)
        ).first()
        if before is not None:
            return Merged(pooled.source, site, {}, before=dict(before._mapping))
        _refuse_merged_again(conn, store, pooled, site)
        redrawn = _redrawn(conn, store, pooled)
        gone = {r["case_id"]: r for r in pooled.held_back.get("case", [])}
        here = _same_here(conn, store, gone, site)  # source id -> its id here
        reason = f"merged from {pooled.called} as site {site}"
        counts, withdrawn = {}, {}
        for form in store.dictionary:
            batch = [_renamed(c, redrawn) for c in pooled.checked.get(form.name, [])]
            if batch:
                store._insert(conn, form, batch, reason=reason)
            counts[form.name] = len(batch)
            keys = [
                (here[k[0]], *k[1:])
                for k in pooled.withdrawn.get(form.name, [])
                if k[0] in here
            ]
            withdrawn[form.name] = _withdraw(conn, store, form, keys)
        left_out = {
            name: sum(record["case_id"] not in here for record in records)
            for name, records in pooled.held_back.items()
        }
        _refuse_breaking(conn, store, pooled, redrawn)
        # After the records: a site role may write audit rows of its own cases only
        # (row-level security), and these cases are its own from now on.
        actors = Actors(store.deny_list)
        carried = [_carried(row, pooled, redrawn, actors) for row in pooled.history]
        store._audit(conn, _reasons_screened(carried, store.deny_list))
        summary = {"source": pooled.source, "site": site, **counts}
        summary["redrawn"] = redrawn
        summary["left_out"] = {name: n for name, n in left_out.items() if n}
        store._audit(
            conn,
            [
                {
                    "action": "merge",
                    "form": "store",
                    "new_value": json.dumps(summary, sort_keys=True),
                    "reason": reason,
                }
            ],
        )
        conn.execute(
            sa.insert(merges).values(
                source=pooled.source,
                site=site,
                head_id=pooled.head[0],
                head_hash=pooled.head[1],
                cases=counts.get("case", 0),
                merged_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                merged_by=store.actor,
            )
        )
    return Merged(
        pooled.source,
        site,
        counts,
        redrawn,
        len(pooled.history),
        left_out=left_out,
        withdrawn=withdrawn,
    )


def _refuse_breaking(
    conn: sa.Connection, store: Store, pooled: Pooled, redrawn: Mapping[str, str]
) -> None:
    """Raise ``ValidationFailed`` (the transaction rolled back: nothing merged) when
    a merged case breaks a rule across forms that the import keeps
    (:func:`casekit.checks.cross_form_problems`), e.g. a follow-up of a session
    removed in the source: the merged store would be one whose own export the
    import refuses. The problems name the source and its own case ids."""
    ids = {
        redrawn.get(c.record["case_id"], c.record["case_id"])
        for batch in pooled.checked.values()
        for c in batch
    }
    found = cases_problems(conn, store.metadata, store.dictionary, sorted(ids))
    if found:
        back = {new: old for old, new in redrawn.items()}
        raise refusal(
            [
                replace(p, source=pooled.name, case_id=back.get(p.case_id, p.case_id))
                for p in found
            ]
        )


def _refuse_merged_again(
    conn: sa.Connection, store: Store, pooled: Pooled, site: str
) -> None:
    """Raise ``MergeRefused`` when a case of the source is here already: a case of
    site ``site`` with its id, or the id an earlier merge as ``site`` redrew it
    to, and every one of its values (a store's file and its export, or two copies
    of a file, are different sources of the same cases). A case whose id alone is
    taken is another case: its id is redrawn."""
    source = {c.record["case_id"]: c.record for c in pooled.checked.get("case", [])}
    same = sorted(_same_here(conn, store, source, site))
    if same:
        n = len(same)
        raise MergeRefused(
            pooled.name,
            f"{n} case{'s' * (n != 1)} of it {'are' if n != 1 else 'is'} already in "
            f"site {site} (merged before, perhaps as a store or as an export: "
            f"{', '.join(same[:3])}{', ...' if n > 3 else ''})"
            + _still_active(conn, store, pooled, site),
        )


def _still_active(conn: sa.Connection, store: Store, pooled: Pooled, site: str) -> str:
    """What the refusal adds about cases withdrawn in the source that are here, not
    withdrawn: refused, the merge withdraws nothing, and a patient's withdrawal
    must not be lost on the way. Their ids here, and how to withdraw them."""
    gone = {r["case_id"]: r for r in pooled.held_back.get("case", [])}
    ids = sorted(_same_here(conn, store, gone, site).values())
    table = store.table("case")
    active = sorted(
        conn.execute(
            sa.select(table.c.case_id).where(
                table.c.case_id.in_(ids[:FEW]), table.c.deleted == sa.false()
            )
        ).scalars()
    )
    if not active:
        return ""
    n, withdraw = len(active), store.command("withdraw", "ID")
    return (
        f"; {n} case{'s' * (n != 1)} withdrawn in it since {'are' if n != 1 else 'is'}"
        f" not withdrawn here: {', '.join(active)} (`{withdraw}`)"
    )


def _same_here(
    conn: sa.Connection,
    store: Store,
    cases: Mapping[str, Mapping[str, Any]],
    site: str,
) -> dict[str, str]:
    """Each id of ``cases`` (case records by their source's id, each of site
    ``site``) that a case here has with every value, and that case's id here.

    A source case merged before may be here under its own id or under the id an
    earlier merge as ``site`` drew for it, that id being taken then (by another
    site's case, say): both are looked at, and only a case with every value, its
    site included, is the same case (so a map that does not fit is no match)."""
    earlier = _redrawn_before(conn, store, site)
    candidates = {old: [old, *sorted(earlier.get(old, ()))] for old in cases}
    wanted = sorted({cid for ids in candidates.values() for cid in ids})
    form = store.dictionary["case"]
    table = store.table("case")
    rows = {}
    for start in range(0, len(wanted), FEW):  # bind few values at a time
        chunk = wanted[start : start + FEW]
        query = sa.select(table).where(table.c.case_id.in_(chunk))
        rows.update({r["case_id"]: r for r in conn.execute(query).mappings()})
    same = {}
    for old, ids in candidates.items():
        for cid in (i for i in ids if i in rows):
            as_here = record_cells(form, [{**cases[old], "case_id": cid}])[0]
            if _cells(form, rows[cid]) == _cells(form, as_here):
                same[old] = cid
                break
    return same


def _redrawn_before(conn: sa.Connection, store: Store, site: str) -> dict:
    """The case ids earlier merges as ``site`` redrew: each source id with the ids
    it was given here. They are kept in each merge's own audit row (its summary,
    ``redrawn``), which a site's role reads (an audit row about no case); rows
    carried from a source describe that source's merges, not this store's."""
    audit = store.metadata.tables["audit"]
    query = sa.select(audit.c.new_value).where(
        audit.c.action == "merge",
        audit.c.form == "store",
        audit.c.case_id.is_(None),
        audit.c.origin.is_(None),
    )
    given: dict[str, set[str]] = {}
    for value in conn.execute(query).scalars():
        try:
            summary = json.loads(value or "")
        except ValueError:
            continue
        if not isinstance(summary, dict) or summary.get("site") != site:
            continue
        for old, new in (summary.get("redrawn") or {}).items():
            given.setdefault(old, set()).add(new)
    return given


def _cells(form: Form, row: Mapping[str, Any]) -> list[str | None]:
    """A record's stored values, as text: what the database and a file agree on."""
    return [None if row.get(f.code) is None else str(row[f.code]) for f in form.fields]


def _redrawn(conn: sa.Connection, store: Store, pooled: Pooled) -> dict[str, str]:
    """A fresh case id for each case of the source whose id a case here has (of
    any site: a site role cannot see the others, the server tells which)."""
    ids = [c.record["case_id"] for c in pooled.checked.get("case", [])]
    cases = store.table("case")
    clash = sorted(taken_case_ids(conn, cases, ids))
    fresh = draw_case_ids(conn, cases, len(clash), set(ids))
    return dict(zip(clash, fresh, strict=True))


def _renamed(checked: Checked, redrawn: Mapping[str, str]) -> Checked:
    case_id = checked.record.get("case_id")
    if case_id not in redrawn:
        return checked
    return replace(checked, record={**checked.record, "case_id": redrawn[case_id]})


def _carried(
    row: Mapping[str, Any], pooled: Pooled, redrawn: Mapping, actors: Actors
) -> dict:
    """A source audit row as a row of this store's chain: its values, its case
    id as merged, and where it comes from (who wrote it there included, as
    :class:`Actors` names them). Never a ``restore_guards`` row: carried, it would
    read as written by whoever merges; :mod:`casekit.io.pool` refuses a source
    whose audit holds one, before anything is written."""
    origin = f"{pooled.source} row {row['id']} by {actors.name(row['actor'])}"
    if row.get("origin"):  # the source had merged it from elsewhere before
        origin += f" ({actors.in_origin(row['origin'])})"
    carried = {
        key: row.get(key)
        for key in ("time", "action", "form", "instance", "field", "old_value")
    }
    carried.update(
        case_id=redrawn.get(row.get("case_id"), row.get("case_id")),
        new_value=row.get("new_value"),
        reason=row.get("reason"),
        origin=origin,
    )
    return carried


WITHHELD_ACTOR = "withheld when merged: it looked like an identifier"


class Actors:
    """How the origins of the carried rows name each actor of the source's audit.

    A practitioner's own store names who wrote each row by ``CASEKIT_ACTOR`` or
    their login name (:func:`casekit.store.audit.login_name`): often their name or
    e-mail address, which a network's audit, read by its owner and analyst and
    kept for good, should not hold. A network names its writers by their site
    codes, screened as codes when granted; an actor is screened the same way
    (:func:`casekit.privacy.actor_problem`). One the screen flags is named
    ``actor 1``, ``actor 2``, ... (in the order met, with why), so that the rows
    of one writer still read as one writer's; the others as they were.
    """

    def __init__(self, deny_list: Sequence[str] = ()) -> None:
        self.deny_list = deny_list
        self.named: dict = {}

    def name(self, actor: Any) -> str:
        if actor not in self.named:
            self.named[actor] = actor
            if actor_problem(str(actor), self.deny_list):
                count = sum(WITHHELD_ACTOR in str(n) for n in self.named.values())
                self.named[actor] = f"actor {count + 1} ({WITHHELD_ACTOR})"
        return self.named[actor]

    def in_origin(self, origin: str) -> str:
        """An origin the source carried from a merge of its own (``row 3 by
        ...``, perhaps nested again), each actor in it named as :meth:`name`
        does: one merged before actors were screened may hold an address."""

        def named(match: re.Match) -> str:
            actor = match["actor"]
            if actor.startswith("actor ") and actor.endswith(WITHHELD_ACTOR):
                return match[0]  # withheld there already
            return f"{match['row']}{self.name(actor)}"

        return _ORIGIN_ACTOR.sub(named, origin)


# An actor in an origin: after `row N by `, up to a nested origin, its end, or
# the end. (`(withheld ...)` after a withheld one is read with it.)
_ORIGIN_ACTOR = re.compile(
    r"(?P<row> row \d+ by )"
    rf"(?P<actor>actor \d+ \({re.escape(WITHHELD_ACTOR)}|.+?)"
    r"(?= \((?:store|export):|\)|$)"
)


def actors_named(history: Sequence[Mapping], deny_list: Sequence[str]) -> dict:
    """Each actor of ``history`` as :class:`Actors` names it in an origin."""
    actors = Actors(deny_list)
    return {row.get("actor"): actors.name(row.get("actor")) for row in history}


# A reason written before reasons were screened may name or reach a person. The
# source's audit cannot be changed, but its copy here need not carry that on.
WITHHELD_REASON = "(withheld when merged: it looked like an identifier)"


def _reasons_screened(rows: list[dict], deny_list: Sequence[str]) -> list[dict]:
    """``rows`` with each reason the identifier screen flags replaced by
    ``WITHHELD_REASON``."""
    for row in rows:
        if row.get("reason") and scan_text(row["reason"], deny_list):
            row["reason"] = WITHHELD_REASON
    return rows


def _withdraw(
    conn: sa.Connection, store: Store, form: Form, keys: Sequence[tuple]
) -> int:
    """Withdraw (or remove) the records of ``keys`` again, here, audited: those
    merged here earlier and withdrawn in the source since (a patient's
    withdrawal reaches every copy of the case). How many were still in."""
    table = store.table(form.name)
    rows = []
    for key in keys:
        done = conn.execute(
            sa.update(table)
            .where(*match(table, form, key), table.c.deleted == sa.false())
            .values(deleted=True)
        )
        if done.rowcount:  # one withdrawn here already stays as it is
            rows.append(
                removed(form.name, key, "withdrawn in the store it was merged from")
            )
    store._audit(conn, rows)
    return len(rows)
