"""Seeded synthetic cohorts for tests, the demo, workshops and benchmarks.

Every pattern the kit counts has its true rate as a parameter of
:class:`CohortParams`, so a test (or a workshop) can check that the counting gets it
back. The defaults follow the domain brief: flare timing and incidence from the
post-treatment reaction literature (Senstad 1997, Hurwitz 2005, Eriksen 2011, Walker
2013), the ankle-injury base rate from Hiller 2012, and a modest 0.6 wherever the
brief has only the practitioner's hunch (SI opposite, same-side chains). None of it is
data about anyone: case ids come from a seeded ``random.Random``.

The awkward things real data holds are in on purpose: exams not done (``not_tested``)
or left empty, cases lost to follow-up, flares still going on, pain on both sides or
central, flares in another region, red flags not cleared. Hidden fields (``show_if``)
are always empty, and the cross-form rules of :mod:`casekit.checks` always hold.
How one case is drawn is in :mod:`casekit.synth_case` (the intake) and
:mod:`casekit.synth_course` (its sessions and follow-ups).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from .privacy import new_case_id
from .synth_case import draw_case
from .synth_course import draw_course

FORMS = ("case", "session", "followup")
START = dt.date(2024, 1, 8)


@dataclass(frozen=True)
class CohortParams:
    """True rates of a synthetic cohort; every probability is between 0 and 1.

    "One-sided" is pain on the left or right. A side "on the pain side" is the same
    absolute side as the pain. Where the brief gives a published figure the default is
    that figure; where it gives only the practitioner's hunch the default is a modest
    0.6 (so a cohort of a few hundred cases may or may not show it, as real data would).
    """

    # Case mix
    one_sided: float = 0.7  # pain left or right; the rest both (2/3) or central (1/3)
    red_flags_not_cleared: float = 0.01
    # SI motion palpation, one examiner's judgement (brief: kappa near 0)
    si_one_side: float = 0.6  # exactly one SI tighter, among tested one-sided cases
    si_opposite: float = 0.6  # ... and it is the side opposite the pain (hunch)
    # Upstream chain (each "_same_side": on the pain side, among one-sided findings)
    ankle_history: float = (342 + 178) / 751  # any ankle injury, Hiller 2012: 0.692
    ankle_same_side: float = 0.6
    knee_pain: float = 0.25
    knee_same_side: float = 0.6
    plantar: float = 0.12
    plantar_same_side: float = 0.6
    hip_flexor_tight: float = 0.6
    hip_flexor_same_side: float = 0.6
    glute_weak: float = 0.5
    flexor_glute_same_side: float = 0.6  # glute weak on the tight hip flexor's side
    # Care and outcome
    sessions_mean: float = 5.0  # sessions per case, 1 to 10
    gap_days: tuple[int, int] = (3, 14)  # days between sessions (at least 3)
    intake_days: int = 730  # intakes spread over this many days from `start`
    relief: float = 0.85  # nprs_after < nprs_before at a session
    improving: float = 0.75  # NPRS falls over the sessions
    upstream_treated: float = 0.5  # cases given hip flexor, visceral or ankle work
    held: float = 0.75  # improvement still there at 2 and 6 weeks...
    held_upstream: float = 0.75  # ...and when upstream treated: no effect by default
    lost_to_followup: float = 0.15  # no outcome at 6 weeks (no record, or `lost`)
    # Flares after care (48-hour check-ins)
    checkin: float = 0.5  # sessions followed by a 48-hour check-in
    flare_after_relief: float = 0.35  # Hurwitz 30 %, Eriksen 31 %, Walker 33-42 %
    flare_without_relief: float = 0.15
    flare_unknown: float = 0.05  # check-ins where the patient cannot say
    flare_same_side: float = 0.6  # among left/right flares of one-sided cases (hunch)
    flare_both: float = 0.1  # flare on both sides
    flare_other_region: float = 0.05  # flare somewhere else (neck, knee)
    flare_onset_4h: float = 0.64  # Senstad 1997: 64 % began within 4 h
    flare_onset_day_two: float = 0.05  # began after 24 h (to 48 h): "unusual"
    flare_gone_24h: float = 0.74  # Senstad: 74 % gone within 24 h, of ended flares
    flare_ongoing: float = 0.08  # still going on at the check-in (duration empty)
    # Recording
    not_tested: float = 0.08  # exam findings recorded as not_tested
    missing: float = 0.05  # optional answers left empty
    notes: float = 0.1  # records with a short note
    sites: tuple[str, ...] = ("main",)  # the first takes 70 % when there are several

    def __post_init__(self) -> None:
        low, high = self.gap_days
        rules = [
            (0 <= getattr(self, f.name) <= 1, f.name, "a probability from 0 to 1")
            for f in fields(self)
            if f.type == "float" and f.name != "sessions_mean"
        ]
        rules += [
            (
                self.flare_onset_4h + self.flare_onset_day_two <= 1,
                "flare_onset_4h",
                "at most 1 - flare_onset_day_two",
            ),
            (
                self.flare_both + self.flare_other_region <= 1,
                "flare_both",
                "at most 1 - flare_other_region",
            ),
            (self.not_tested + self.missing <= 1, "not_tested", "at most 1 - missing"),
            (1 <= self.sessions_mean <= 10, "sessions_mean", "from 1 to 10"),
            # A 48-hour check-in must come before the next visit.
            (3 <= low <= high, "gap_days", "(low, high) with 3 <= low <= high"),
            (self.intake_days >= 1, "intake_days", "at least 1"),
            (
                bool(self.sites) and all(isinstance(s, str) and s for s in self.sites),
                "sites",
                "one or more site codes",
            ),
        ]
        for ok, name, expected in rules:
            if not ok:
                raise ValueError(
                    f"`{name}` must be {expected}, got {getattr(self, name)!r}"
                )


def cohort(
    n_cases: int,
    *,
    seed: int = 0,
    params: CohortParams | None = None,
    start: dt.date = START,
) -> dict[str, list[dict[str, Any]]]:
    """A synthetic cohort's records, not yet stored.

    Parameters
    ----------
    n_cases : int
        How many cases (episodes of care).
    seed : int, default 0
        Same seed, same records (on a given Python version: ``random`` promises
        no more).
    params : CohortParams, optional
        The true rates; default :class:`CohortParams` ().
    start : datetime.date, default 2024-01-08
        The first possible intake date.

    Returns
    -------
    dict
        ``{"case": [...], "session": [...], "followup": [...]}``, plain dicts of field
        code to value, ready for ``Store.add_many``; cases carry their ``case_id`` and
        sessions and follow-ups their numbers.
    """
    out: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
    for case, sessions, followups in _generate(n_cases, seed, params, start, set()):
        out["case"].append(case)
        out["session"] += sessions
        out["followup"] += followups
    return out


def populate(
    store,
    n_cases: int,
    *,
    seed: int = 0,
    params: CohortParams | None = None,
    start: dt.date = START,
    batch: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write a synthetic cohort into ``store`` in batches of ``batch`` cases.

    Each batch is one ``store.add_many`` (one transaction), so an interruption leaves
    whole cases only. The records are those of ``cohort(n_cases, seed=seed, ...)``,
    except that a case id already in the store is replaced by a fresh one.

    Parameters
    ----------
    store : casekit.Store
        An open store.
    n_cases, seed, params, start
        As for :func:`cohort`.
    batch : int, default 2000
        Cases per transaction.
    progress : callable, optional
        Called as ``progress(done, total)`` in cases after each batch.

    Returns
    -------
    dict
        Records written per form: ``{"case": n, "session": ..., "followup": ...}``.
    """
    if batch < 1:
        raise ValueError(f"`batch` must be at least 1, got {batch!r}")
    counts = dict.fromkeys(FORMS, 0)
    pending: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
    done = 0
    for case, sessions, followups in _generate(
        n_cases, seed, params, start, set(store.case_ids())
    ):
        pending["case"].append(case)
        pending["session"] += sessions
        pending["followup"] += followups
        done += 1
        if done % batch == 0 or done == n_cases:
            store.add_many(pending)
            for form in FORMS:
                counts[form] += len(pending[form])
            pending = {form: [] for form in FORMS}
            if progress is not None:
                progress(done, n_cases)
    return counts


def _generate(
    n_cases: int,
    seed: int,
    params: CohortParams | None,
    start: dt.date,
    taken: set[str],
) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    """Each case with its sessions and follow-ups, one case at a time."""
    if n_cases < 0:
        raise ValueError(f"`n_cases` must be at least 0, got {n_cases!r}")
    p = params or CohortParams()
    rng = random.Random(seed)
    # Ids on their own stream, so that ids already in a store change nothing else.
    ids = random.Random(f"{seed}:case_id")
    for _ in range(n_cases):
        case_id = new_case_id(taken, ids)
        taken.add(case_id)
        case = draw_case(rng, p, case_id, start)
        yield case, *draw_course(rng, p, case)
