"""The true rates of a synthetic cohort: :class:`CohortParams`, checked on creation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from ..literature import ANKLE_BASE_RATE, SENSTAD_GONE_24H, SENSTAD_WITHIN_4H

FORMS = ("case", "session", "followup", "exam")
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
    ankle_history: float = ANKLE_BASE_RATE  # any ankle injury, Hiller 2012: 0.692
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
    # Within the published range (Hurwitz 2005, Eriksen 2011, Walker 2013's two arms).
    flare_after_relief: float = 0.35
    flare_without_relief: float = 0.15
    flare_unknown: float = 0.05  # check-ins where the patient cannot say
    flare_same_side: float = 0.6  # among left/right flares of one-sided cases (hunch)
    flare_both: float = 0.1  # flare on both sides
    flare_other_region: float = 0.05  # flare somewhere else (neck, knee)
    flare_onset_4h: float = SENSTAD_WITHIN_4H  # Senstad 1997: began within 4 h
    flare_onset_day_two: float = 0.05  # began after 24 h (to 48 h): "unusual"
    flare_gone_24h: float = SENSTAD_GONE_24H  # Senstad: gone within 24 h, of ended
    flare_ongoing: float = 0.08  # still going on at the check-in (duration empty)
    # Recording
    not_tested: float = 0.08  # exam findings recorded as not_tested
    missing: float = 0.05  # optional answers left empty
    notes: float = 0.1  # records with a short note
    sites: tuple[str, ...] = ("main",)  # the first takes 70 % when there are several
    # Repeated exams (casekit.synth.exams): a second examiner on the day of intake
    second_exam: float = 0.3  # cases examined twice, blinded, by examiners a and b
    examiner_agreement: float = 0.3  # about the kappa between them (brief: 0.0-0.3)
    exam_again: float = 0.5  # ... of those, examined by a again a week later

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
