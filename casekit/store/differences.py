"""How two sets of a share's entries differ: case by case, and form by form.

A release keeps each case it counted as an entry, ``ID:fingerprint``
(:mod:`casekit.store.fingerprints`), and a new share is refused when its entries
differ from an earlier release's by 1 to :data:`FEW` cases, or by 1 to :data:`FEW`
cases in one form, a form's cases being those with records in it whose records
there, or in a form its counts draw on (:data:`DRAWS_ON`), changed
(:mod:`casekit.store.releases` says why). :func:`difference`
counts both from the entries that differ alone (a set's difference, in C: the
cases unchanged are never looked at one by one), and :meth:`Difference.telling`
says what, if anything, two shares of the two sets would give away.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..disclosure import NHS
from .fingerprints import FORMS, VERSION, WHOLE, parts

# Two shares that differ by this many cases or fewer give them away: the largest
# count disclosure control hides (NHS Digital's 7).
FEW = NHS.suppress_max
# The forms each form's counts draw on: the counts among the cases with a record
# in a form move when any of these changed for one of them. How a case fared (the
# follow-ups' counts) reads its intake pain and its sessions' dates; a session's
# flare is told at a follow-up; an exam's findings are set beside the intake's.
# So an intake corrected of one case with follow-ups, among eight cases logged
# without any, moves the follow-ups' counts by that case alone.
DRAWS_ON = {
    "case": ("case",),
    "session": ("case", "session", "followup"),
    "followup": ("case", "session", "followup"),
    "exam": ("case", "exam"),
}
_DRAWN = tuple(tuple(FORMS.index(d) for d in DRAWS_ON[f]) for f in FORMS)


def case_id(entry: str) -> str:
    """The case id of an entry, ``ID:fingerprint`` or a plain ``ID``."""
    return entry.partition(":")[0]


def version(entry: str) -> str | None:
    """How an entry's fingerprint was made: None for a plain id, ``''`` for a
    fingerprint of a casekit before :data:`fingerprints.WHOLE`, else its
    version (:data:`~fingerprints.WHOLE` or :data:`~fingerprints.VERSION`)."""
    _, colon, mark = entry.partition(":")
    if not colon:
        return None
    return mark[:1] if mark[:1] in (VERSION, WHOLE) else ""


@dataclass(frozen=True)
class Difference:
    """How two sets of entries differ: ``cases`` changed (logged, withdrawn, or
    whose fingerprints differ), and for each form of :data:`fingerprints.FORMS`
    the cases with records in it whose records there, or in a form its counts
    draw on (:data:`DRAWS_ON`), differ (``forms``), where both fingerprints
    have parts; ``kept``: for each form, whether the two sets have a case's
    records in it in common, they and what they draw on unchanged (None where no
    form's count is in 1 to :data:`FEW`: not needed)."""

    cases: int
    forms: tuple[int, ...] = (0,) * len(FORMS)
    kept: tuple[bool, ...] | None = None

    def telling(self) -> tuple[str | None, int] | None:
        """What makes two shares of these sets give cases away, the fewest cases
        first: ``(None, n)`` for ``n`` cases changed (1 to :data:`FEW`), else
        ``(form, n)`` for ``n`` cases whose records in ``form`` changed (1 to
        :data:`FEW`, and some kept); None when nothing does."""
        if 0 < self.cases <= FEW:
            return None, self.cases
        found = None
        for i, n in enumerate(self.forms):
            if 0 < n <= FEW and self.kept and self.kept[i]:
                if found is None or n < found[1]:
                    found = (FORMS[i], n)
        return found


def _filled(now: set[str]) -> list[int]:
    """For each form, how many entries of ``now`` have a record in it (known
    from their parts); kept with a :class:`~casekit.store.releases.Counted`."""
    known = getattr(now, "filled", None)
    if known is not None:
        return known
    filled = [0] * len(FORMS)
    for entry in now:
        split = parts(entry.partition(":")[2])
        for i, part in enumerate(split or ()):
            if part:
                filled[i] += 1
    if hasattr(now, "filled"):  # a Counted (casekit.store.releases): kept
        now.filled = filled
    return filled


def difference(earlier: set[str], now: set[str]) -> Difference:
    """How the entries ``now`` differ from the ``earlier`` ones (a release's).

    A case counts as changed if it is in one set and not the other, or in both
    with fingerprints that differ; and for each form, if its records there differ,
    a case missing from a set counting as one with none there (a case logged is
    a change of the forms where it has records; a case withdrawn of those where
    it had them, and of the case form always). Only the entries that differ are
    looked at. A plain id (a release recorded before fingerprints) matches its
    case whatever it holds, as does a fingerprint made another way than its
    case's in the other set (by an earlier casekit), what the case held then not
    being known that way; but a whole-case fingerprint (``k``) is held to its
    case's one of now when ``now`` carries those (``whole``:
    :func:`~casekit.store.releases.counted`).
    Where a fingerprint has no parts, no form is counted of its case (but the
    case form of one logged or withdrawn)."""
    before = {case_id(e): e for e in earlier - now}
    after = {case_id(e): e for e in now - earlier}
    whole = getattr(now, "whole", None) or {}
    width = len(FORMS)
    cases, forms = 0, [0] * width
    fresh, same = [0] * width, [0] * width  # parts filled in `after`; kept alike
    for case in before.keys() | after.keys():
        old, new = before.get(case), after.get(case)
        was = None if old is None else parts(old.partition(":")[2])
        now_parts = None if new is None else parts(new.partition(":")[2])
        for i, part in enumerate(now_parts or ()):
            if part:
                fresh[i] += 1
        if old is None or new is None:  # logged or withdrawn
            cases += 1
            split = was if new is None else now_parts
            if split is None:
                forms[0] += 1  # the case form: a case has its record there
            else:
                for i, part in enumerate(split):
                    if part:
                        forms[i] += 1
        elif was is not None and now_parts is not None:
            cases += 1  # the entries differ: some part does
            pairs = list(zip(was, now_parts, strict=False))
            moved = {i for i, (a, b) in enumerate(pairs) if a != b}
            for i, (a, b) in enumerate(pairs):
                if not (a or b):
                    continue  # no record in the form: none of its counts
                if moved.intersection(_DRAWN[i]):
                    forms[i] += 1
                else:
                    same[i] += 1  # its records there, and what they draw on, alike
        else:
            v_old, v_new = version(old), version(new)
            if v_old == v_new and v_old is not None:  # alike, and they differ
                cases += 1
            elif v_old == WHOLE and v_new == VERSION and case in whole:
                cases += whole[case] != old.partition(":")[2]
    kept = None
    if any(0 < n <= FEW for n in forms):
        filled = _filled(now)
        kept = tuple(filled[i] - fresh[i] + same[i] > 0 for i in range(width))
    return Difference(cases, tuple(forms), kept)


def changed(earlier: set[str], now: set[str]) -> int:
    """How many cases differ between two sets of entries (:func:`difference`):
    cases in one and not the other, and cases in both whose fingerprints
    differ."""
    return difference(earlier, now).cases
