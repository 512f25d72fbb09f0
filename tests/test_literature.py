"""The literature table: published counts with their Wilson intervals, nothing made
up where a study gives a percentage only, and the practice's own rows from its
pattern tables and flare curves."""

import pytest
from test_derive import handbuilt

from casekit.literature import COLUMNS, REACTIONS, flare_timing, reactions
from casekit.patterns import flare_curve, pattern_table, recurrence_table


def test_the_literature_rows_and_their_intervals():
    table = reactions()
    assert list(table.columns) == COLUMNS
    assert len(table) == len(REACTIONS) == 7
    rows = table.set_index("Source")
    # Reference Wilson intervals of the domain brief: 283/465 -> 0.5635-0.6519,
    # 85/280 -> 0.2527-0.3598.
    assert rows.loc["Cagnie 2004", "k / n"] == "283 / 465"
    assert rows.loc["Cagnie 2004", "Rate"] == "61 %"
    assert rows.loc["Cagnie 2004", "95 % interval"] == "56 % to 65 %"
    assert rows.loc["Hurwitz 2005", "95 % interval"] == "25 % to 36 %"
    assert rows.loc["Eriksen 2011", "Rate"] == "31 %"
    # A percentage only: shown, with no count and no interval invented.
    assert rows.loc["Rubinstein 2007", ["k / n", "Rate", "95 % interval"]].tolist() == [
        "", "56 %", "",
    ]  # fmt: skip
    walker = table[table["Source"].str.startswith("Walker")]
    assert walker["Rate"].tolist() == ["42 %", "33 %"]
    assert "sham" in walker["What was counted"].iloc[1]
    assert "64 % began within 4 h" in rows.loc["Senstad 1997", "Timing"]


@pytest.fixture
def frames(store):
    store.add_many(handbuilt())
    return store.frames()


def test_the_practice_rows_are_its_own_counts(frames):
    table = reactions(frames)
    own = table[table["Source"] == "This practice"]
    assert len(own) == 2 and len(table) == 9
    cases = recurrence_table(frames).set_index("pattern").loc["flare_after_care_cases"]
    sessions = pattern_table(frames).set_index("pattern").loc["flare_after_care"]
    assert own["k / n"].tolist() == [
        f"{cases['k']} / {cases['n']}",
        f"{sessions['k']} / {sessions['n']}",
    ]
    assert own["What was counted"].iloc[0].startswith("Patients with a flare")
    assert own["What was counted"].iloc[1].startswith("sessions: flare within 72 h")
    assert (own["Timing"] == flare_timing(frames)).all()


def test_timing_is_read_off_the_kaplan_meier_curves(frames):
    onset = flare_curve(frames)
    lasted = flare_curve(frames, measure="duration")
    end = onset["cumulative_incidence"].iloc[-1]
    by_4h = onset.loc[onset["time"] <= 4, "cumulative_incidence"].iloc[-1]
    by_24h = onset.loc[onset["time"] <= 24, "cumulative_incidence"].iloc[-1]
    over = lasted.loc[lasted["time"] <= 24, "cumulative_incidence"].iloc[-1]
    assert flare_timing(frames) == (
        f"{100 * by_4h / end:.0f} % of flares began within 4 h, "
        f"{100 * by_24h / end:.0f} % within 24 h; "
        f"{100 * over:.0f} % were over within 24 h"
    )


def test_no_flare_yet(store):
    assert flare_timing(store.frames()) == "no flare to time yet"
    own = reactions(store.frames()).iloc[-2:]
    assert own["k / n"].tolist() == ["0 / 0", "0 / 0"]
    assert own["Rate"].tolist() == ["", ""]
