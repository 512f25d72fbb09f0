"""How one synthetic case's course is drawn: its sessions, the 48-hour check-ins
and their flares, and the 2- and 6-week follow-ups (or their loss)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .case import (
    DAY,
    FOLLOWUP_NOTES,
    NOISE,
    SESSION_NOTES,
    clip,
    maybe_missing,
    pick_side,
    some_of,
)
from .params import CohortParams


def draw_course(
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
            day += rng.randint(*p.gap_days) * DAY
        before = n0 if no == 1 else clip(n0 - drop * (no - 1) + rng.choice(NOISE))
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
        treated = some_of(
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
        techniques = some_of(
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
                "regions_treated": maybe_missing(rng, p, treated or ["lumbar"]),
                "techniques": maybe_missing(rng, p, techniques),
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
        clip(n0 - drop * n_sessions),
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
            else pick_side(rng, pain, p.flare_same_side)
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
        peak = maybe_missing(rng, p, clip(now + rng.randint(1, 3)))
    return {
        "case_id": case_id,
        "followup_no": number,
        "followup_date": day + 2 * DAY,
        "after_session": session,
        "nprs": maybe_missing(
            rng,
            p,
            clip(now + (flare == "yes" and duration is None) + rng.choice(NOISE)),
        ),
        "flare": flare,
        "flare_side": side,
        "flare_onset_hours": onset,
        "flare_duration_hours": duration,
        "flare_peak_nprs": peak,
        "groc": None,
        "status": maybe_missing(rng, p, "in_care"),
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
            NOISE
        )
        nprs = clip(nprs) if told else None
        groc = clip(1.2 * (n0 - nprs) + rng.choice(NOISE), -7, 7) if told else None
        return {
            "case_id": case_id,
            "followup_no": numbered + len(out) + 1,
            "followup_date": day + 7 * weeks * DAY,
            "after_session": last,
            "nprs": nprs,
            "flare": None,
            "flare_side": None,
            "flare_onset_hours": None,
            "flare_duration_hours": None,
            "flare_peak_nprs": None,
            "groc": maybe_missing(rng, p, groc) if told else None,
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
