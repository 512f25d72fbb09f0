"""How long flares lasted, beside when they began: the totals of the two flare
tables cannot give back a count no table shows.

Every flare reported is in the duration windows (their ``n``); the onset windows
count those after a session that brought relief, checked within 7 days (their
``n``), and the pattern row "Flare within 72 h" those of them that began within
72 h (its ``k``). So the duration windows' ``n`` less the onset windows' ``n`` is
the number of flares after a session without relief (or reported later), and
less the pattern's ``k`` it is those and the flares that began later than 72 h:
counts no table shows, exact under a threshold rule. The reader here works out
every value they can take (:mod:`reader`): parts ``within 4 h, 4 to 24, 24 to
48, 48 to 72, later, outside the onset windows`` and the three duration windows,
which hold every flare once."""

from __future__ import annotations

import numpy as np
import pytest
from reader import possible_values, what_a_reader_holds
from stores import frames_of

from casekit.derive import derive
from casekit.disclosure import NHS, SUPPRESSED, threshold
from casekit.report import rates, series, timing
from casekit.synth import cohort

ONSET_PARTS, DURATION_PARTS = 6, 3


def flares(later: int, outside: int):
    """Synthetic cases (120, seed 1): ``later`` flares moved from 4 to 24 h to
    100 h after their session, 12 from within 4 h to 30 h, and of the 14 flares
    after a session without relief only ``outside`` kept (the others reported as
    no flare)."""
    frames = frames_of(cohort(120, seed=1))
    followup = frames["followup"].copy()
    hours = followup["flare_onset_hours"]
    middle = followup.index[(hours > 4) & (hours <= 24)]
    followup.loc[middle[:later], "flare_onset_hours"] = 100.0
    followup.loc[followup.index[hours <= 4][:12], "flare_onset_hours"] = 30.0
    derived = derive({**frames, "followup": followup})["followup"]
    assert derived.index.equals(followup.index)
    yes = followup["flare"] == "yes"
    away = yes & ~derived["after_relief"].fillna(False).astype(bool)
    keys = followup.loc[away, ["case_id", "after_session"]].drop_duplicates()
    kept = keys.iloc[:outside].itertuples(index=False)
    kept = (
        followup[["case_id", "after_session"]]
        .apply(tuple, axis=1)
        .isin([tuple(key) for key in kept])
    )
    gone = away & ~kept
    followup.loc[gone, "flare"] = "no"
    columns = ["flare_side", "flare_onset_hours", "flare_duration_hours"]
    followup.loc[gone, columns] = None
    return series.series_of({**frames, "followup": followup})


def flare_parts(cases, rule, part: int) -> set[int]:
    """Every number of flares in onset part ``part`` (3: 48 to 72 h, 4: later,
    5: outside the onset windows) that both flare tables and the pattern row
    allow."""
    size = ONSET_PARTS + DURATION_PARTS
    onset_forms = [np.eye(size)[i] for i in range(3)]
    onset_forms.append(np.eye(size)[3] + np.eye(size)[4])
    every_onset = np.r_[np.ones(5), 0, np.zeros(DURATION_PARTS)]
    every_flare = np.r_[np.zeros(ONSET_PARTS), np.ones(DURATION_PARTS)]
    forms, shown = [], []
    onset = timing.flare_windows(cases, rule).safe.table
    for form, (k, n) in zip(onset_forms, onset[["k", "n"]].to_numpy(), strict=True):
        forms += [form, every_onset]
        shown += [k, n]
    lasted = timing.flare_windows(cases, rule, measure="duration").safe.table
    for i, (k, n) in enumerate(lasted[["k", "n"]].to_numpy()):
        forms += [np.eye(size)[ONSET_PARTS + i], every_flare]
        shown += [k, n]
    pattern = rates.patterns(cases, rule).safe.table.set_index("pattern")
    forms.append(np.r_[np.ones(4), 0, 0, np.zeros(DURATION_PARTS)])
    shown.append(pattern.at["flare_after_care", "k"])
    rows, lo, hi = what_a_reader_holds(forms, shown, rule)
    # Every flare is in one duration window: the onset parts add up to them.
    rows.append(np.r_[np.ones(ONSET_PARTS), -np.ones(DURATION_PARTS)])
    lo.append(0), hi.append(0)
    return possible_values(rows, lo, hi, np.eye(size)[part])


def exact(cases):
    onset = timing.flare_windows(cases, series.EXACT).safe.table
    lasted = timing.flare_windows(cases, series.EXACT, "duration").safe.table
    pattern = rates.patterns(cases, series.EXACT).safe.table.set_index("pattern")
    return onset["n"].iat[0], lasted["n"].iat[0], pattern.at["flare_after_care", "k"]


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_flares_later_than_72_h_are_not_given_back_by_the_durations(rule):
    """3 flares began later than 72 h, and every flare followed relief: the
    onset windows hide their n, but the duration windows show it."""
    cases = flares(later=3, outside=0)
    assert exact(cases) == (92, 92, 89)
    # Before: the durations' n, 92, less the pattern's 89: 0 to 3 later flares
    # (the rest outside the onset windows), a count known to be small.
    found = flare_parts(cases, rule, part=4)
    assert len(found) > 1 and max(found) > rule.suppress_max, found


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_flares_after_no_relief_are_not_given_back_by_the_durations(rule):
    """3 flares followed a session without relief: the two tables' n differ by 3."""
    cases = flares(later=0, outside=3)
    assert exact(cases) == (92, 95, 92)
    # Before: 95 less 92, exactly 3 under a threshold rule; 0 to 7 rounded.
    found = flare_parts(cases, rule, part=5)
    assert len(found) > 1 and max(found) > rule.suppress_max, found


def test_where_the_totals_are_far_apart_the_durations_stay():
    """14 flares after no relief: both tables are shown, as before."""
    cases = flares(later=0, outside=14)
    lasted = timing.flare_windows(cases, NHS, measure="duration").safe.table
    assert (lasted["n"] != SUPPRESSED).all()


def test_the_full_durations_are_unchanged():
    cases = flares(later=3, outside=0)
    lasted = timing.flare_windows(cases, series.EXACT, "duration").safe.table
    assert lasted["k"].sum() == lasted["n"].iat[0] == 92
    assert SUPPRESSED not in lasted.to_numpy().ravel().tolist()
