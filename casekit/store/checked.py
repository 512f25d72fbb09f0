"""A record that has been through the store's door, :meth:`Store.check`.

Validation runs once a record: here, for a form's Save, an import's row and a write
of raw values alike. What comes out is a :class:`Checked` record, its typed values
with every problem found; the store writes a ``Checked`` record without checking it
again (it refuses one that has errors).
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import validate
from ..dictionary import Form
from ..problems import Problem


# Slots: an import holds a million of these until it writes (40 bytes less each).
@dataclass(frozen=True, slots=True)
class Checked:
    """A record checked once, through the door.

    Attributes
    ----------
    form : str
        The form's name (``case``, ``session`` or ``followup``).
    record : mapping
        The typed values, read-only: codes, lists of codes, numbers, dates; a field
        not answered is ``None``.
    problems : tuple of Problem
        Every problem found, errors and warnings, each keeping the file and row the
        record came from.
    """

    form: str
    record: Mapping[str, Any]
    problems: tuple[Problem, ...] = ()

    def record_copy(self) -> dict[str, Any]:
        """The typed values as a dict of their own, to fill in (a new case's id, a
        session's number) without touching this record."""
        if type(self.record) in (dict, types.MappingProxyType):
            # The dict's own copy (a view made here is of a dict): dict(view)
            # reads the view key by key, twice as slow, and an import copies a
            # million records.
            return self.record.copy()
        return dict(self.record)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that block a write."""
        return tuple(p for p in self.problems if p.severity == "error")


def validate_once(
    form: Form,
    raw: Mapping[str, Any],
    *,
    deny_list: Sequence[str] = (),
    source: str = "",
    row: int | None = None,
) -> Checked:
    """Validate ``raw`` (text or Python values) as a record of ``form``, once."""
    # A default fills a field that was not given at all; an empty answer stays empty.
    # Through the module, so that one patch of `validate_record` sees every call.
    record, problems = validate.validate_record(
        form, {**form.defaults, **raw}, source=source, row=row, deny_list=deny_list
    )
    return Checked(form.name, types.MappingProxyType(record), tuple(problems))
