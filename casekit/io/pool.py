"""``casekit merge``: a practitioner's own store pooled into a network store.

The source is a casekit SQLite store or an export folder (``casekit export``'s
``cases.csv``, ``sessions.csv``, ``followups.csv``). Its records go through the
network store's door (:meth:`Store.check`: this store's dictionary, its site list,
the identifier screen), each case under the site it is merged as; then
:func:`casekit.store.merge.write_merge` writes everything in one transaction, or
nothing.

How a source merged before is recognised, so that a second merge adds nothing:

- a **store** by its audit chain: its first row (stamped to the microsecond, by
  its own writer, at its first write) starts that store's chain and no other's,
  so the hash of that row names the store wherever its file is copied or moved;
  the hash of its last row says whether it changed since. A store merged before
  and unchanged adds nothing; one that changed since is refused (a store is merged
  once: afterwards its practitioner logs into the network with their site's role);
- an **export folder** by the SHA-256 of its files: the same export adds nothing.
  (A new export of the same store after changes is a new source: merge a store,
  not its exports, when it may be merged again.)

A store and its export are different sources of the same cases: a source any of
whose cases is already in the site, with its id and every value, is refused
whole (:func:`casekit.store.merge.write_merge`), rather than merged a second time
under new ids.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NoReturn

from ..errors import ImportFileError, InvalidSite, MergeRefused, RoleRefused
from ..identifiers import scan_text
from ..privacy import is_case_id
from ..problems import refusal
from ..store import Checked, Store
from ..store.audit import RESTORE_ACTION
from ..store.late import RENUMBER_ACTION
from ..store.merge import (
    Merged,
    Pooled,
    audit_rows,
    merged_before,
    stored_records,
    write_merge,
)
from ..store.sites import near_site
from .exporter import FILE_OF
from .importer import read_tables
from .share_signs import SHARE_EXPORT, share_export_in


def merge(
    store: Store,
    source: str | os.PathLike,
    site: str,
    *,
    progress: Callable[[str], None] | None = None,
) -> Merged:
    """Merge ``source`` into ``store`` under ``site``, all or nothing.

    Parameters
    ----------
    store : Store
        The network store (any casekit store, in fact), opened by its owner or by
        the role of ``site``.
    source : path
        A casekit SQLite store, or an export folder.
    site : str
        A site of ``store``'s list: every case merged is of this site.
    progress : callable, optional
        Told, in words, what the merge is doing.

    Returns
    -------
    Merged
        What was merged; ``before`` set (and nothing added) when the same source
        was merged earlier.

    Raises
    ------
    InvalidSite
        ``site`` is not in the store's list, or not this role's site.
    MergeRefused
        The source changed since it was merged; its audit does not explain its
        tables; it has fields this store's dictionary has not; a case of it is
        in the site already (merged before as another source).
    ValidationFailed
        A record does not pass this store's door, or a merged case breaks a rule
        across forms that an import keeps (every problem is listed; nothing is
        written).
    """
    say = progress or (lambda message: None)
    listed = store.sites()
    if site not in listed:
        add = f"`{store.command('site', 'add', site)}`"
        if store.access.kind != "local":  # a network store: the site gets its login
            add = f"`{store.command('grant', site)}` (or {add})"
        near = near_site(site, listed)
        raise InvalidSite(
            site,
            f"{site!r} is not in the store's site list"
            f"{f' (did you mean {near}?)' if near else ''}; add it first with {add}",
        )
    if store.access.site not in (None, site):
        raise RoleRefused(
            store.access.role, f"merges cases of its own site, {store.access.site}"
        )
    path = Path(source)
    if path.is_dir():
        pooled = _from_export(store, path, site)
    elif path.is_file():
        say(f"reading the store {path} and checking its audit ...")
        pooled = _from_store(store, path, site)
    else:
        raise ImportFileError(
            str(path), "no such store file or export folder", exit_code=2
        )
    if isinstance(pooled, Merged):  # merged before, or nothing in it
        return pooled
    cases = len(pooled.checked.get("case", []))
    say(f"writing {cases} cases and their history in one transaction ...")
    return write_merge(store, pooled, site)


def _earlier(store: Store, source: str, name: str, head, site: str) -> Merged | None:
    """The earlier merge of ``source``, if it is unchanged since; refused if it
    changed."""
    row = merged_before(store, source)
    if row is None:
        return None
    if (row["head_id"], row["head_hash"]) != tuple(head):
        raise MergeRefused(
            name,
            f"this store was merged on {row['merged_at'][:10]} as site "
            f"{row['site']} (up to its audit row {row['head_id']}) and has changed "
            f"since (audit row {head[0]} now); a store is merged once: log its new "
            "cases into the network with the site's own role (`casekit grant`)",
        )
    return Merged(source, site, {}, before=row)


def _refuse_guards_put_back(history: list, name: str, check: str) -> None:
    """Refuse a source whose audit says guards were put back, whatever its check
    makes of the row (one with an origin, of a store merged into it or so its
    writer says, is only a warning there): what was changed while they were off
    cannot be told, and carried here the row would read as written by whoever
    merges."""
    restored = [row["id"] for row in history if row["action"] == RESTORE_ACTION]
    if restored:
        rows = ", ".join(str(i) for i in restored)
        raise MergeRefused(
            name,
            "its audit says that guards were put back, its own or those of a store "
            f"merged into it (audit row{'s' * (len(restored) != 1)} {rows}): what "
            "was changed while they were off cannot be told, so its history cannot "
            f"join this store's (see `{check}`)",
        )


def _from_store(store: Store, path: Path, site: str) -> Pooled | Merged:
    name = str(path)
    # Read only: a merge writes nothing into its source, nor needs to be able to.
    with Store(path, read_only=True) as source:
        history = audit_rows(source)
        if not history:  # a store that was never written to
            return Merged(f"store:{name}", site, {})
        head = (history[-1]["id"], history[-1]["hash"] or "")
        identity = f"store:{history[0]['hash']}"
        earlier = _earlier(store, identity, name, head, site)
        if earlier is not None:
            return earlier
        _refuse_guards_put_back(history, name, source.command("check"))
        found, _ = source.verify()
        # A warning (a reason withheld) is no break.
        problems = [p for p in found if p.severity == "error"]
        if problems:
            raise MergeRefused(
                name,
                f"its audit does not explain its tables ({len(problems)} problem"
                f"{'s' * (len(problems) != 1)}; see `{source.command('check')}`)",
            )
        _same_fields(store, source, name)
        stored = {
            form.name: stored_records(source, source.dictionary[form.name])
            for form in store.dictionary
        }
    # A withdrawn case's data does not travel (a case may be withdrawn at the
    # patient's request): neither its records nor a removed one, nor their
    # history. Only one merged here earlier is withdrawn here too (write_merge).
    gone_cases = {record["case_id"] for record, gone in stored["case"] if gone}
    checked, withdrawn, held_back = {}, {}, {}
    for form in store.dictionary:
        rows = stored[form.name]
        held = [gone or record["case_id"] in gone_cases for record, gone in rows]
        checked[form.name] = [
            _through_door(store, form.name, record, site, name)
            for (record, _), out in zip(rows, held, strict=True)
            if not out
        ]
        withdrawn[form.name] = [
            tuple(record[code] for code in form.key) for record, gone in rows if gone
        ]
        held_back[form.name] = [
            _as_merged(store, form.name, record, site)
            for (record, _), out in zip(rows, held, strict=True)
            if out
        ]
    _refuse_errors(checked)
    history = _without(history, store, held_back)
    called = audit_name(path, identity, store.deny_list)
    return Pooled(identity, name, called, checked, withdrawn, history, head, held_back)


def _as_merged(store: Store, form: str, record: dict, site: str) -> dict:
    """A record as it would be merged (of site ``site``), not put through the door."""
    return {**record, "site": site} if "site" in store.dictionary[form] else record


def _without(history: list[dict], store: Store, held_back: dict) -> list[dict]:
    """``history`` without the audit rows of records held back (an insert row
    holds the whole record): every row of a withdrawn case, and the rows of a
    removed session, follow-up or exam.

    A record's rows name the key it had when each was written: a late visit
    (:mod:`casekit.store.late`) moves later records up, each move a ``renumber``
    row of the record's number. So the history is replayed, each key holding the
    record (its insert row's position) it names by then; every row of a held-back
    record goes, whatever number it was written under."""
    cases = {record["case_id"] for record in held_back.get("case", [])}
    records = {
        (form, record["case_id"], _number(record[store.dictionary[form].instance]))
        for form, held in held_back.items()
        if store.dictionary[form].instance
        for record in held
    }
    owners, current = _identities(history, store)
    gone = {owner for (_, *key), owner in current.items() if tuple(key) in records}
    return [
        row
        for row, owner in zip(history, owners, strict=True)
        if row.get("case_id") not in cases and (owner is None or owner not in gone)
    ]


def _identities(
    history: list[dict], store: Store
) -> tuple[list[int | None], dict[tuple, int]]:
    """Replay ``history``: the record each row belongs to (the position of the
    row that first named it, an insert row as a rule; ``None`` for a row of no
    numbered record), and the record each key names at the end.

    A ``renumber`` row of a record's number moves its record to the new key; one
    of another field (a follow-up's ``after_session``) changes no key. An insert
    row always starts a record: a moved record's old number goes to another. The
    rows a source merged from elsewhere (their ``origin``) are another store's
    numbering: each store's rows are replayed apart, and a key names a record in
    each."""
    owners: list[int | None] = []
    current: dict[tuple, int] = {}
    for at, row in enumerate(history):
        form = row.get("form")
        numbered = form in store.dictionary.forms and store.dictionary[form].instance
        if not numbered:
            owners.append(None)
            continue
        origin = row.get("origin")
        stream = None if origin is None else origin.split(" row ", 1)[0]
        key = (stream, *_key(row))
        if row.get("action") == "insert" or key not in current:
            current[key] = at
        owner = current[key]
        if row.get("action") == RENUMBER_ACTION and row.get("field") == numbered:
            del current[key]
            new = (stream, form, row.get("case_id"), _number(row.get("new_value")))
            current[new] = owner
        owners.append(owner)
    return owners, current


def _key(row: dict) -> tuple:
    return (row.get("form"), row.get("case_id"), _number(row.get("instance")))


def _number(value: Any) -> str:
    """A record's number as the audit and the tables may hold it: 3, 3.0, "3"."""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


# A name's words: `own.db` whole reads as a web address, `mary-brown.db` as nothing.
_SEPARATORS = re.compile(r"[\W_]+")


def audit_name(path: Path, identity: str, deny_list: Collection[str] = ()) -> str:
    """How the audit names a merged source (``Pooled.called``), identified by
    ``identity`` (``Pooled.source``).

    Its file's or folder's name, never the folders above it (``/home/jsmith/
    Patients/``): every merged row's reason keeps it for good, and the network's
    server holds it. Where the name itself looks like an identifier to the screen
    (:func:`casekit.identifiers.scan_text`, its words apart), neutral words and the
    start of the hash that identifies the source (a store's first audit row, or an
    export's files).
    """
    kind, digest = identity.split(":", 1)
    words = _SEPARATORS.sub(" ", path.name).strip()
    if words and not scan_text(words, deny_list) and not _addressed(path, kind):
        noun = "the store" if kind == "store" else "the export folder"
        return f"{noun} {path.name}"
    if kind == "store":
        return f"a store whose audit starts with row hash {digest[:16]}"
    return f"an export folder of SHA-256 {digest[:16]}"


# What a name split into words can no longer show: `@` and `.` are separators.
_ADDRESSES = ("an e-mail address", "a URL")


def _addressed(path: Path, kind: str) -> bool:
    """Whether the name whole (a store's without its suffix: `own.db` is no web
    address) holds an e-mail or web address (`k.ward@example.org.db`), which
    its words apart do not."""
    whole = path.stem if kind == "store" else path.name
    return any(f.kind in _ADDRESSES for f in scan_text(whole))


def _same_fields(store: Store, source: Store, name: str) -> None:
    """Refuse a source whose dictionary has fields this store's has not."""
    extra = sorted(
        f"{form.name}.{f.code}"
        for form in source.dictionary
        for f in form.fields
        if form.name in store.dictionary.forms
        and f.code not in store.dictionary[form.name]
    )
    if extra:
        raise MergeRefused(
            name,
            f"its fields {', '.join(extra)} are not in this store's dictionary; add "
            "them to the network's data/dictionary.local.yaml first",
        )


def _from_export(store: Store, folder: Path, site: str) -> Pooled | Merged:
    name = str(folder)
    if share_export_in([folder]):  # its disclosure.txt: refused before reading
        _refuse_share(name)
    files = sorted(folder / f for f in FILE_OF.values() if (folder / f).is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    identity = f"export:{digest.hexdigest()}"
    earlier = _earlier(store, identity, name, (0, ""), site)
    if earlier is not None:
        return earlier
    tables = read_tables([folder], store.dictionary)
    if share_export_in([folder], tables):
        _refuse_share(name)  # its disclosure.txt left behind
    checked = {}
    for form in store.dictionary:
        if form.name not in tables:
            continue
        source, table = tables[form.name]
        known = table[[c for c in table.columns if c in form]]
        ids = known.get("case_id")
        if ids is not None and not ids.map(is_case_id).all():
            raise MergeRefused(
                name,
                f"{source} holds case ids that casekit did not make; bring such "
                "files in with `casekit import`",
            )
        checked[form.name] = [
            _through_door(store, form.name, raw, site, source, row=int(i) + 2)
            for i, raw in zip(known.index, known.to_dict("records"), strict=True)
        ]
    _refuse_errors(checked)
    called = audit_name(folder, identity, store.deny_list)
    return Pooled(identity, name, called, checked)


def _refuse_share(name: str) -> NoReturn:
    raise MergeRefused(
        name,
        f"it is {SHARE_EXPORT}, which cannot be merged: merge the practitioner's "
        "store, or a full export of it (`casekit export` without --share)",
    )


def _through_door(
    store: Store, form: str, record: dict, site: str, source: str, row=None
) -> Checked:
    if "site" in store.dictionary[form]:
        record = {**record, "site": site}
    return store.check(form, record, source=source, row=row)


def _refuse_errors(checked: dict[str, list[Checked]]) -> None:
    errors = [p for batch in checked.values() for c in batch for p in c.errors]
    if errors:
        raise refusal(errors)
