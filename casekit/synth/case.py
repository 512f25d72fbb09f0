"""How one synthetic case's intake is drawn: who, where it hurts, the exam.

The weights below make a plausible practice, not a sample of one; the rates that the
kit counts come from :class:`casekit.synth.CohortParams`. Small drawing helpers live
here too, for :mod:`casekit.synth.course`.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from itertools import accumulate
from typing import Any

from .params import CohortParams

_OTHER = {"left": "right", "right": "left"}
DAY = dt.timedelta(days=1)

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


def _table(weights: dict[str, float]) -> tuple[tuple[str, ...], list[float]]:
    total = sum(weights.values())
    cum = [w / total for w in accumulate(weights.values())]
    cum[-1] = 1.0  # rounding must never let bisect step past the last code
    return tuple(weights), cum


def _pick(rng: random.Random, table: tuple[tuple[str, ...], list[float]]) -> str:
    codes, cum = table
    return codes[bisect(cum, rng.random())]


def some_of(rng: random.Random, chances: tuple[tuple[str, float], ...]) -> list | None:
    # Chances are listed in dictionary order, so lists read back from the store equal.
    chosen = [code for code, chance in chances if rng.random() < chance]
    return chosen or None


def clip(value: float, low: int = 0, high: int = 10) -> int:
    return min(high, max(low, round(value)))


def pick_side(rng: random.Random, pain: str, same: float) -> str:
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
    return "both" if rng.random() < both else pick_side(rng, pain, same)


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
NOISE = (-1, 0, 0, 0, 1)


def maybe_missing(rng: random.Random, p: CohortParams, value: Any) -> Any:
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


def draw_case(
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

    ankle = maybe_missing(rng, p, "none")
    if ankle is not None and rng.random() < p.ankle_history:
        r = rng.random()
        ankle = (
            "unsure"
            if r < 0.05
            else "both"
            if r < 0.25
            else pick_side(rng, pain, p.ankle_same_side)
        )
    hurt = ankle not in (None, "none")
    knee = maybe_missing(rng, p, _finding(rng, pain, p.knee_pain, p.knee_same_side))
    plantar = maybe_missing(rng, p, _finding(rng, pain, p.plantar, p.plantar_same_side))
    below_knee = "yes" if rng.random() < 0.25 else "no"

    si = "none" if rng.random() < 0.6 else "both"
    if rng.random() < (p.si_one_side if pain in _OTHER else 0.5):
        si = pick_side(rng, pain, 1 - p.si_opposite)
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
        else pick_side(rng, pain, 0.5)
    )
    pelvis = "level" if rng.random() < 0.5 else pick_side(rng, pain, 0.5)

    regions = maybe_missing(
        rng,
        p,
        some_of(
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
        surgery = some_of(rng, _SURGERY[sex]) or ["other"]
    organs = _ORGAN.get(sex) or _ORGAN["male" if rng.random() < 0.5 else "female"]
    organ = None if rng.random() < 2 * p.missing else _pick(rng, organs)
    if sex not in _ORGAN and organ in ("prostate", "uterus_ovaries"):
        organ = "prefer_not"
    intake = start + rng.randrange(p.intake_days) * DAY
    return {
        "case_id": case_id,
        "site": site,
        "intake_date": intake,
        "age_band": _pick(rng, _AGE),
        "sex": sex,
        "pain_side": pain,
        "pain_regions": regions,
        "duration": _pick(rng, _DURATION),
        "episode": maybe_missing(
            rng, p, "first" if rng.random() < 0.4 else "recurrent"
        ),
        "leg_pain_below_knee": maybe_missing(rng, p, below_knee),
        "red_flags_cleared": maybe_missing(
            rng, p, "no" if rng.random() < p.red_flags_not_cleared else "yes"
        ),
        "nprs": nprs,
        "odi": None
        if rng.random() < 0.3
        else float(clip(nprs * 5 + 10 * rng.random() - 5, 0, 100) // 2 * 2),
        "ankle_injury_side": ankle,
        "ankle_injury_grade": maybe_missing(rng, p, _pick(rng, _GRADE))
        if hurt
        else None,
        "ankle_injury_years_ago": maybe_missing(rng, p, _pick(rng, _YEARS))
        if hurt
        else None,
        "knee_pain_side": knee,
        "plantar_fasciitis_side": plantar,
        "abdominal_surgery": maybe_missing(rng, p, surgery),
        "old_trauma": maybe_missing(rng, p, _pick(rng, _TRAUMA)),
        "stress_level": maybe_missing(rng, p, _pick(rng, _STRESS)),
        "pelvic_organ_history": organ,
        "si_tight_side": si,
        "si_provocation_positive": None
        if rng.random() < 0.5
        else min(6, int(rng.random() * 4) + (si in ("left", "right", "both")) * 2),
        "hip_flexor_tight_side": flexor,
        "hip_flexor_muscles": maybe_missing(rng, p, some_of(rng, _MUSCLES) or ["psoas"])
        if flexor in ("left", "right", "both")
        else None,
        "glute_weak_side": glute,
        "glute_med_strength_left": strength["left"],
        "glute_med_strength_right": strength["right"],
        "trendelenburg_side": _exam(rng, p, trend),
        "pelvic_high_side": _exam(rng, p, pelvis),
        "notes": rng.choice(CASE_NOTES) if rng.random() < p.notes else None,
    }
