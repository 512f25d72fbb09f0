"""Columns of the store that its dictionary has no field for: data nobody sees.

A column stays when its field leaves the dictionary (:mod:`casekit.store.schema`),
and a store opened without its ``dictionary.local.yaml`` (a copy on a USB stick, a
store moved to a new laptop) has columns for every local field it was given.
Exports, reports and forms read only the dictionary's fields, so such a column's
values would be silently left out of all of them: the store says so instead, on
every open (:class:`HiddenColumns`) and in ``casekit check``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from ..dictionary import Dictionary
from ..problems import Problem
from .schema import TABLE_OF


class HiddenColumns(UserWarning):
    """The store has columns its dictionary does not know: their values are left
    out of every export, report and form. ``columns`` maps a form to them."""

    def __init__(self, columns: Mapping[str, Sequence[str]], looked_in: str) -> None:
        self.columns = {form: list(codes) for form, codes in columns.items()}
        self.looked_in = looked_in
        named = "; ".join(
            f"{TABLE_OF[form]}: {', '.join(codes)}"
            for form, codes in self.columns.items()
        )
        super().__init__(
            f"the store has columns its dictionary does not know ({named}); their "
            f"values are left out of exports, reports and forms. The local "
            f"dictionary was looked for in {looked_in}: put the "
            "dictionary.local.yaml that declares them there"
        )


def hidden_columns(conn: sa.Connection, dictionary: Dictionary) -> dict[str, list[str]]:
    """Form name to the columns of its table that are no field of ``dictionary``
    (the ``deleted`` mark aside); forms without any are left out."""
    inspector = sa.inspect(conn)
    found = {}
    for form in dictionary:
        if not inspector.has_table(TABLE_OF[form.name]):  # a new store, or form
            continue
        known = {*form.codes, "deleted"}
        present = [c["name"] for c in inspector.get_columns(TABLE_OF[form.name])]
        extra = [name for name in present if name not in known]
        if extra:
            found[form.name] = extra
    return found


def warn_hidden(
    conn: sa.Connection, dictionary: Dictionary, looked_in: str
) -> dict[str, list[str]]:
    """:func:`hidden_columns`, and a :class:`HiddenColumns` warning if there are
    any (the command line shows it as one line on stderr)."""
    found = hidden_columns(conn, dictionary)
    if found:
        warnings.warn(HiddenColumns(found, looked_in), stacklevel=4)
    return found


def hidden_problems(
    columns: Mapping[str, Sequence[str]], looked_in: str
) -> list[Problem]:
    """One warning for ``casekit check`` per hidden column."""
    return [
        Problem(
            rule="hidden_column",
            form=form,
            field=code,
            detail=looked_in,
            severity="warning",
        )
        for form, codes in columns.items()
        for code in codes
    ]
