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
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from itertools import accumulate
from typing import Any

from .privacy import new_case_id

FORMS = ("case", "session", "followup")
START = dt.date(2024, 1, 8)
_OTHER = {"left": "right", "right": "left"}
_DAY = dt.timedelta(days=1)

# Short clinical notes, each checked to pass the identifier scan (tests/test_synth.py).
CASE_NOTES = (
    "L4-5 tender",
    "hip flexors tight L",
    "hip flexors tight R",
    "SI tender R",
    "desk job, sits most of the day",
    "rolled ankle years ago",
    "lifting at work",
    "C-section scar feels tight",
    "stiff in the mornings",
    "runs twice a week",
    "gardening aggravates",
    "NPRS 6/10 on waking",
    "stress at work high",
    "old fall on the stairs",
    "TFL, ITB tight",
    "Thomas test +ve L",
)
SESSION_NOTES = (
    "3x/week home exercise",
    "psoas tender on palpation",
    "glute med weak R",
    "advised heat and walking",
    "muscle energy to hip flexors",
    "L5/S1 stiff",
    "visceral work tolerated well",
    "reps 3x10 bridges",
    "see again in 10 days",
    "glute med 4/5 R",
    "better after last visit",
)
FOLLOWUP_NOTES = (
    "flare settled by next morning",
    "sore next day, settled",
    "felt worse for a day",
    "no flare, sleeping better",
    "back at work",
    "doing home exercises",
    "walks 5 km daily",
    "pain 3/10 after",
)


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


# -- drawing -------------------------------------------------------------------------


def _table(weights: dict[str, float]) -> tuple[tuple[str, ...], list[float]]:
    total = sum(weights.values())
    cum = [w / total for w in accumulate(weights.values())]
    cum[-1] = 1.0  # rounding must never let bisect step past the last code
    return tuple(weights), cum


def _pick(rng: random.Random, table: tuple[tuple[str, ...], list[float]]) -> str:
    codes, cum = table
    return codes[bisect(cum, rng.random())]


def _multi(rng: random.Random, chances: tuple[tuple[str, float], ...]) -> list | None:
    # Chances are listed in dictionary order, so lists read back from the store equal.
    chosen = [code for code, chance in chances if rng.random() < chance]
    return chosen or None


def _clip(value: float, low: int = 0, high: int = 10) -> int:
    return min(high, max(low, round(value)))


def _side(rng: random.Random, pain: str, same: float) -> str:
    """Left or right: the pain side with chance ``same`` when the pain is one-sided."""
    if pain in _OTHER:
        return pain if rng.random() < same else _OTHER[pain]
    return "left" if rng.random() < 0.5 else "right"


def _finding(
    rng: random.Random, pain: str, present: float, same: float, both: float = 0.2
) -> str:
    """A one- or two-sided finding (or ``none``), on the pain side with ``same``."""
    if rng.random() >= present:
        return "none"
    return "both" if rng.random() < both else _side(rng, pain, same)


_AGE = _table(
    {
        "18-29": 12,
        "30-39": 20,
        "40-49": 22,
        "50-59": 20,
        "60-69": 14,
        "70-79": 9,
        "80+": 3,
    }
)
_SEX = _table({"female": 55, "male": 43, "other": 1, "undisclosed": 1})
_DURATION = _table({"acute": 35, "subacute": 20, "chronic": 45})
_NPRS = _table(
    {str(k): w for k, w in zip(range(3, 10), (6, 10, 14, 16, 16, 12, 6), strict=True)}
)
_GRADE = _table({"mild": 50, "moderate": 30, "severe": 10, "fracture": 5, "unknown": 5})
_YEARS = _table({"<1": 5, "1-5": 20, "5-10": 20, ">10": 45, "unknown": 10})
_TRAUMA = _table({"none": 60, "fall": 15, "road": 8, "sport": 12, "other": 5})
_STRESS = _table({"low": 30, "moderate": 40, "high": 20, "not_asked": 10})
_ORGAN = {
    "female": _table(
        {
            "none": 80,
            "bladder": 5,
            "uterus_ovaries": 8,
            "colon": 3,
            "other": 2,
            "prefer_not": 2,
        }
    ),
    "male": _table(
        {
            "none": 83,
            "bladder": 4,
            "prostate": 8,
            "colon": 3,
            "other": 1,
            "prefer_not": 1,
        }
    ),
}
_SURGERY = {
    "female": (
        ("caesarean", 0.5),
        ("appendectomy", 0.2),
        ("hernia", 0.05),
        ("hysterectomy", 0.2),
        ("laparoscopy", 0.2),
        ("other", 0.05),
    ),
    "male": (
        ("appendectomy", 0.4),
        ("hernia", 0.4),
        ("laparoscopy", 0.1),
        ("prostate", 0.2),
        ("other", 0.05),
    ),
}
_MUSCLES = (
    ("psoas", 0.7),
    ("iliacus", 0.5),
    ("rectus_femoris", 0.4),
    ("tfl", 0.3),
    ("sartorius", 0.1),
    ("pectineus", 0.1),
    ("adductors", 0.3),
)
_NOISE = (-1, 0, 0, 0, 1)


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
        case = _case(rng, p, case_id, start)
        yield case, *_course(rng, p, case)


def _opt(rng: random.Random, p: CohortParams, value: Any) -> Any:
    return None if rng.random() < p.missing else value


def _exam(rng: random.Random, p: CohortParams, value: Any) -> Any:
    r = rng.random()
    return (
        "not_tested"
        if r < p.not_tested
        else None
        if r < p.not_tested + p.missing
        else value
    )


def _case(
    rng: random.Random, p: CohortParams, case_id: str, start: dt.date
) -> dict[str, Any]:
    r = rng.random()
    pain = (
        "left"
        if r < p.one_sided / 2
        else "right"
        if r < p.one_sided
        else "both"
        if r < p.one_sided + (1 - p.one_sided) * 2 / 3
        else "central"
    )
    sex = _pick(rng, _SEX)
    nprs = int(_pick(rng, _NPRS))
    site = (
        p.sites[0]
        if len(p.sites) == 1 or rng.random() < 0.7
        else rng.choice(p.sites[1:])
    )

    ankle = _opt(rng, p, "none")
    if ankle is not None and rng.random() < p.ankle_history:
        r = rng.random()
        ankle = (
            "unsure"
            if r < 0.05
            else "both"
            if r < 0.25
            else _side(rng, pain, p.ankle_same_side)
        )
    hurt = ankle not in (None, "none")
    knee = _opt(rng, p, _finding(rng, pain, p.knee_pain, p.knee_same_side))
    plantar = _opt(rng, p, _finding(rng, pain, p.plantar, p.plantar_same_side))
    below_knee = "yes" if rng.random() < 0.25 else "no"

    si = "none" if rng.random() < 0.6 else "both"
    if rng.random() < (p.si_one_side if pain in _OTHER else 0.5):
        si = _side(rng, pain, 1 - p.si_opposite)
    si = _exam(rng, p, si)
    flexor = _exam(
        rng, p, _finding(rng, pain, p.hip_flexor_tight, p.hip_flexor_same_side)
    )
    glute = _finding(rng, pain, p.glute_weak, 0.5)
    if flexor in _OTHER and glute in _OTHER:
        glute = flexor if rng.random() < p.flexor_glute_same_side else _OTHER[flexor]
    glute = _exam(rng, p, glute)
    weak = rng.random() < 0.5  # strengths measured at all (optional, often skipped)
    strength = {
        s: (
            3 + (rng.random() < 0.6)
            if glute in (s, "both")
            else 4 + (rng.random() < 0.8)
        )
        if weak
        else None
        for s in ("left", "right")
    }
    trend = (
        "none"
        if rng.random() < 0.8
        else glute
        if glute in _OTHER
        else _side(rng, pain, 0.5)
    )
    pelvis = "level" if rng.random() < 0.5 else _side(rng, pain, 0.5)

    regions = _opt(
        rng,
        p,
        _multi(
            rng,
            (
                ("low_back", 0.95),
                ("buttock", 0.5),
                ("hip", 0.25),
                ("groin", 0.1),
                ("thigh", 0.25),
                ("knee", 0.6 if knee not in (None, "none") else 0.05),
                ("lower_leg", 0.7 if below_knee == "yes" else 0.05),
                ("ankle_foot", 0.5 if plantar not in (None, "none") else 0.03),
            ),
        )
        or ["low_back"],
    )
    surgery = ["none"]
    if sex in _SURGERY and rng.random() < 0.25:
        surgery = _multi(rng, _SURGERY[sex]) or ["other"]
    organs = _ORGAN.get(sex) or _ORGAN["male" if rng.random() < 0.5 else "female"]
    organ = None if rng.random() < 2 * p.missing else _pick(rng, organs)
    if sex not in _ORGAN and organ in ("prostate", "uterus_ovaries"):
        organ = "prefer_not"
    intake = start + rng.randrange(p.intake_days) * _DAY
    return {
        "case_id": case_id,
        "site": site,
        "intake_date": intake,
        "age_band": _pick(rng, _AGE),
        "sex": sex,
        "pain_side": pain,
        "pain_regions": regions,
        "duration": _pick(rng, _DURATION),
        "episode": _opt(rng, p, "first" if rng.random() < 0.4 else "recurrent"),
        "leg_pain_below_knee": _opt(rng, p, below_knee),
        "red_flags_cleared": _opt(
            rng, p, "no" if rng.random() < p.red_flags_not_cleared else "yes"
        ),
        "nprs": nprs,
        "odi": None
        if rng.random() < 0.3
        else float(_clip(nprs * 5 + 10 * rng.random() - 5, 0, 100) // 2 * 2),
        "ankle_injury_side": ankle,
        "ankle_injury_grade": _opt(rng, p, _pick(rng, _GRADE)) if hurt else None,
        "ankle_injury_years_ago": _opt(rng, p, _pick(rng, _YEARS)) if hurt else None,
        "knee_pain_side": knee,
        "plantar_fasciitis_side": plantar,
        "abdominal_surgery": _opt(rng, p, surgery),
        "old_trauma": _opt(rng, p, _pick(rng, _TRAUMA)),
        "stress_level": _opt(rng, p, _pick(rng, _STRESS)),
        "pelvic_organ_history": organ,
        "si_tight_side": si,
        "si_provocation_positive": None
        if rng.random() < 0.5
        else min(6, int(rng.random() * 4) + (si in ("left", "right", "both")) * 2),
        "hip_flexor_tight_side": flexor,
        "hip_flexor_muscles": _opt(rng, p, _multi(rng, _MUSCLES) or ["psoas"])
        if flexor in ("left", "right", "both")
        else None,
        "glute_weak_side": glute,
        "glute_med_strength_left": strength["left"],
        "glute_med_strength_right": strength["right"],
        "trendelenburg_side": _exam(rng, p, trend),
        "pelvic_high_side": _exam(rng, p, pelvis),
        "notes": rng.choice(CASE_NOTES) if rng.random() < p.notes else None,
    }


def _course(
    rng: random.Random, p: CohortParams, case: dict[str, Any]
) -> tuple[list[dict], list[dict]]:
    """Sessions and follow-ups of one case, in date order and numbered."""
    case_id, pain, n0 = case["case_id"], case["pain_side"], case["nprs"]
    ankle = case["ankle_injury_side"] not in (None, "none")
    knee = case["knee_pain_side"] not in (None, "none")
    tight = case["hip_flexor_tight_side"] in ("left", "right", "both")
    n_sessions = 1 + sum(rng.random() < (p.sessions_mean - 1) / 9 for _ in range(9))
    improving = rng.random() < p.improving
    # Per-session fall in NPRS; non-improvers drift around their intake score.
    drop = 0.3 + 0.7 * rng.random() if improving else 0.3 * rng.random() - 0.1
    upstream = rng.random() < p.upstream_treated
    # Some people flare more than others; the mean per treatment stays the parameter.
    spread = 0.5 * min(p.flare_after_relief, 1 - p.flare_after_relief)
    flare_rate = p.flare_after_relief + (spread if rng.random() < 0.5 else -spread)
    sessions: list[dict] = []
    followups: list[dict] = []
    day = case["intake_date"]
    for no in range(1, n_sessions + 1):
        if no > 1:
            day += rng.randint(*p.gap_days) * _DAY
        before = n0 if no == 1 else _clip(n0 - drop * (no - 1) + rng.choice(_NOISE))
        after = before
        if before > 0 and rng.random() < p.relief:
            after = max(0, before - 1 - (rng.random() < 0.6) - (rng.random() < 0.25))
        elif rng.random() < 0.2:
            after = min(10, before + 1)
        if rng.random() < p.missing:
            after = None
            before = None if rng.random() < 0.5 else before
        # An upstream case has upstream work from its first visit on.
        flexors = 1.0 if no == 1 else 0.8 if tight else 0.5
        treated = _multi(
            rng,
            (
                ("lumbar", 0.9),
                ("si_pelvis", 0.7),
                ("hip_flexors", flexors * upstream),
                ("glutes", 0.5),
                ("abdomen_visceral", 0.3 * upstream),
                ("knee", 0.3 * knee),
                ("ankle_foot", 0.5 * upstream * ankle),
                ("thoracic", 0.3),
                ("other", 0.03),
            ),
        )
        techniques = _multi(
            rng,
            (
                ("soft_tissue", 0.8),
                ("mobilisation", 0.5),
                ("manipulation", 0.3),
                ("muscle_energy", 0.3),
                ("visceral", 0.9 if treated and "abdomen_visceral" in treated else 0),
                ("exercise", 0.4),
                ("advice", 0.5),
                ("other", 0.03),
            ),
        ) or ["soft_tissue"]
        # A re-test now and then; one not done at intake is not done later either.
        retest = case["si_tight_side"] if rng.random() < 0.2 else None
        sessions.append(
            {
                "case_id": case_id,
                "session_no": no,
                "session_date": day,
                "nprs_before": before,
                "nprs_after": after,
                "regions_treated": _opt(rng, p, treated or ["lumbar"]),
                "techniques": _opt(rng, p, techniques),
                "si_tight_side": retest,
                "notes": rng.choice(SESSION_NOTES) if rng.random() < p.notes else None,
            }
        )
        if rng.random() < p.checkin:
            relief = None if after is None or before is None else after < before
            rate = p.flare_without_relief if relief is False else flare_rate
            followups.append(
                _checkin(
                    rng,
                    p,
                    case_id,
                    len(followups) + 1,
                    no,
                    day,
                    pain,
                    rate,
                    after if after is not None else n0,
                )
            )
    followups += _outcomes(
        rng,
        p,
        case_id,
        len(followups),
        n_sessions,
        day,
        n0,
        _clip(n0 - drop * n_sessions),
        improving,
        upstream,
    )
    return sessions, followups


def _checkin(
    rng: random.Random,
    p: CohortParams,
    case_id: str,
    number: int,
    session: int,
    day: dt.date,
    pain: str,
    rate: float,
    now: int,
) -> dict[str, Any]:
    """The 48-hour check-in after a session: did it flare, where, when, how long."""
    flare = (
        "unknown"
        if rng.random() < p.flare_unknown
        else "yes"
        if rng.random() < rate
        else "no"
    )
    side = onset = duration = peak = None
    if flare == "yes":
        r = rng.random()
        side = (
            "other_region"
            if r < p.flare_other_region
            else "both"
            if r < p.flare_other_region + p.flare_both
            else _side(rng, pain, p.flare_same_side)
        )
        r = rng.random()
        # Whole hours as patients say them; half hours within the first four.
        onset = (
            0.5 * rng.randint(1, 8)
            if r < p.flare_onset_4h
            else float(rng.randint(5, 24))
            if r < 1 - p.flare_onset_day_two
            else float(rng.randint(25, 48))
        )
        if rng.random() >= p.flare_ongoing:
            duration = float(
                rng.randint(1, 24)
                if rng.random() < p.flare_gone_24h
                else rng.randint(25, 120)
            )
        peak = _opt(rng, p, _clip(now + rng.randint(1, 3)))
    return {
        "case_id": case_id,
        "followup_no": number,
        "followup_date": day + 2 * _DAY,
        "after_session": session,
        "nprs": _opt(
            rng,
            p,
            _clip(now + (flare == "yes" and duration is None) + rng.choice(_NOISE)),
        ),
        "flare": flare,
        "flare_side": side,
        "flare_onset_hours": onset,
        "flare_duration_hours": duration,
        "flare_peak_nprs": peak,
        "groc": None,
        "status": _opt(rng, p, "in_care"),
        "notes": rng.choice(FOLLOWUP_NOTES) if rng.random() < p.notes else None,
    }


def _outcomes(
    rng: random.Random,
    p: CohortParams,
    case_id: str,
    numbered: int,
    last: int,
    day: dt.date,
    n0: int,
    level: int,
    improving: bool,
    upstream: bool,
) -> list[dict[str, Any]]:
    """The 2- and 6-week follow-ups after the last session, or the loss of them."""
    held = rng.random() < (p.held_upstream if upstream else p.held)

    def report(weeks: int, status: str, told: bool = True) -> dict[str, Any]:
        nprs = (level if held or not improving else (level + n0) / 2) + rng.choice(
            _NOISE
        )
        nprs = _clip(nprs) if told else None
        groc = _clip(1.2 * (n0 - nprs) + rng.choice(_NOISE), -7, 7) if told else None
        return {
            "case_id": case_id,
            "followup_no": numbered + len(out) + 1,
            "followup_date": day + 7 * weeks * _DAY,
            "after_session": last,
            "nprs": nprs,
            "flare": None,
            "flare_side": None,
            "flare_onset_hours": None,
            "flare_duration_hours": None,
            "flare_peak_nprs": None,
            "groc": _opt(rng, p, groc) if told else None,
            "status": status,
            "notes": rng.choice(FOLLOWUP_NOTES)
            if told and rng.random() < p.notes
            else None,
        }

    out: list[dict[str, Any]] = []
    if rng.random() < p.lost_to_followup:
        r = rng.random()
        if r < 0.25:  # the 2-week call went unanswered
            out.append(report(2, "lost", told=False))
        elif r < 0.5:  # reached at 2 weeks, not at 6
            out.append(report(2, "in_care"))
            out.append(report(6, "lost", told=False))
        return out  # otherwise simply never heard from again
    out.append(report(2, "discharged" if rng.random() < 0.8 else "in_care"))
    out.append(report(6, "discharged"))
    return out
