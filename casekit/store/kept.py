"""The store's own copy of its local dictionary, so that no local field is lost.

The fields a practitioner declares in ``dictionary.local.yaml`` beside the store are
columns of the store; without the file, nothing shows them. A backup opened from
its own folder, or a store copied to a new laptop after the old one died, would
lose sight of them. So the store keeps the file's text in ``casekit_meta``, and
every copy of the store (``casekit backup``) carries it:

- the folder's file, when there is one, is the dictionary: it is the one the
  practitioner edits. When its text differs from the copy kept, the copy is
  replaced (audited, old and new text in the row: an edit loses nothing) and,
  if there was a copy, a warning says so, once;
- without a file in the folder, the kept copy is the local dictionary;
- to drop every local field, the file says ``forms: {}`` (a deleted file means
  "the copy the store keeps").

The deny list (``deny-list.txt``) is not kept: it lists the names of real people,
which have no place in an anonymised store nor in each of its backups.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..dictionary import Dictionary, load_dictionary

KEY = "dictionary.local.yaml"
KEEP_ACTION = "keep_dictionary"


class LocalDictionaryChanged(UserWarning):
    """The folder's ``dictionary.local.yaml`` differs from the copy the store keeps:
    the folder's is used."""


@dataclass(frozen=True)
class LocalDictionary:
    """The dictionary a store opens with, and the text to keep in it (``None``: the
    copy kept is the one in use, or there is nothing to keep)."""

    dictionary: Dictionary
    to_keep: str | None


def kept_text(conn: sa.Connection) -> str | None:
    """The copy of ``dictionary.local.yaml`` the store keeps, if any, without a
    BOM: the previous casekit kept the file's as it read it, and the file read
    now has none (:func:`local_dictionary`), so the same dictionary would be
    said to differ and be kept again, audited, for a change nobody made."""
    if not sa.inspect(conn).has_table("casekit_meta"):  # a new store
        return None
    kept = conn.execute(
        sa.text("SELECT value FROM casekit_meta WHERE key = :key"), {"key": KEY}
    ).scalar()
    return None if kept is None else kept.removeprefix("\ufeff")


def local_dictionary(
    conn: sa.Connection,
    given: Dictionary | None,
    path: Path,
    where: str,
    *,
    read_only: bool = False,
) -> LocalDictionary:
    """The dictionary of the store at ``where``: ``given``, as it is; else the kit's
    plus the file at ``path`` if there is one, else plus the copy the store keeps.
    ``read_only``: the store is opened by a command that only reads, which keeps
    nothing (:mod:`casekit.store.reading`); the warning says when it will be."""
    if given is not None:
        return LocalDictionary(given, None)
    kept = kept_text(conn)
    if not path.is_file():
        if kept is None:
            return LocalDictionary(load_dictionary(), None)
        source = f"the copy of {KEY} kept in {where}"
        return LocalDictionary(load_dictionary(source, text=kept), None)
    # Without a BOM (Notepad's "UTF-8 with BOM"): the same dictionary is the
    # same text, and the copy kept is not said to differ once saved without it.
    text = path.read_text(encoding="utf-8-sig")
    dictionary = load_dictionary(path, text=text)
    if text == kept:
        return LocalDictionary(dictionary, None)
    when = (
        "this command only reads: the store keeps it, audited, when a command "
        "that writes opens it"
        if read_only
        else "the store keeps it from now on; the audit has both"
    )
    if kept is not None:
        warnings.warn(
            LocalDictionaryChanged(
                f"{path} differs from the copy of it kept in {where}: using {path} "
                f"({when})"
            ),
            stacklevel=3,
        )
    return LocalDictionary(dictionary, None if read_only else text)


def keep(conn: sa.Connection, metadata: sa.MetaData, text: str) -> list[dict]:
    """Keep ``text`` as the store's copy of its local dictionary; the audit row
    that says so, with the copy it replaces."""
    meta = metadata.tables["casekit_meta"]
    old = conn.execute(sa.select(meta.c.value).where(meta.c.key == KEY)).scalar()
    conn.execute(sa.delete(meta).where(meta.c.key == KEY))
    conn.execute(sa.insert(meta).values(key=KEY, value=text))
    return [{"action": KEEP_ACTION, "field": KEY, "old_value": old, "new_value": text}]
