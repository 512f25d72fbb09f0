"""The literature table: published counts with their Wilson intervals, nothing made
up where a study gives a percentage only, and the practice's own rows from its
pattern tables and flare curves."""

import ast
import re
from pathlib import Path

import pytest
from test_derive import handbuilt

import casekit
from casekit.literature import (
    ANKLE_BASE_RATE,
    REACTIONS,
    SENSTAD_GONE_24H,
    SENSTAD_WITHIN_4H,
    WALKER_SHAM,
    WALKER_USUAL,
)
from casekit.patterns import flare_curve, pattern_table, recurrence_table
from casekit.reactions import COLUMNS, flare_timing, reactions

PACKAGE = Path(casekit.__file__).parent


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


def test_the_literature_is_a_leaf():
    """It imports nothing from casekit, so every module may take its figures."""
    tree = ast.parse((PACKAGE / "literature.py").read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert all(name and not name.startswith("casekit") for name in imported)
    assert not any(
        isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree)
    )


def test_published_figures_are_typed_in_the_literature_only():
    # Counts and shares of the domain brief that no other use would write.
    figure = re.compile(r"\b(342|178|751|1058|4712|283|465|338|1090|0\.64|0\.33)\b")
    typed = {
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "literature.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines())
        if figure.search(line)
    }
    assert typed == set()
    assert ANKLE_BASE_RATE == (342 + 178) / 751
    assert (SENSTAD_WITHIN_4H, SENSTAD_GONE_24H) == (0.64, 0.74)
    assert (WALKER_SHAM, WALKER_USUAL) == (0.33, 0.42)
    assert [s.share for s in REACTIONS[5:]] == [WALKER_USUAL, WALKER_SHAM]
