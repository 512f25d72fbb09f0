"""How many of the five links sit on the pain side: a finding on both sides counts
on the pain side (as in the chain table), and a case with a link not examined is
left out, never counted as having fewer links. Counted again here in plain Python,
from the stored frames, on the hand-built cases and on the demo's store."""

from __future__ import annotations

import pytest
from test_derive import handbuilt

from casekit.chain import chain_distribution
from casekit.derive import CHAIN
from casekit.disclosure import NHS
from casekit.report import rates
from casekit.report.series import EXACT, case_series
from casekit.synth import populate

EXAMINED = {"none", "left", "right", "both"}


def plain_count(case) -> tuple[list[int], int]:
    """Cases by links on the pain side (0-5), and the one-sided cases left out."""
    counts, left_out = [0] * 6, 0
    for record in case.to_dict("records"):
        pain = record["pain_side"]
        if pain not in ("left", "right"):
            continue
        found = [record[link] for link in CHAIN]
        if not all(isinstance(x, str) and x in EXAMINED for x in found):
            left_out += 1
            continue
        counts[sum(x in (pain, "both") for x in found)] += 1
    return counts, left_out


def test_the_hand_built_cases(store):
    store.add_many(handbuilt())
    frames = store.frames()
    # A (4 links) and B (1) have all five examined; C, D, E and H are left out.
    assert plain_count(frames["case"]) == ([0, 1, 0, 0, 1, 0], 4)
    table = chain_distribution(frames)
    assert table["k"].tolist() == [0, 1, 0, 0, 1, 0] and (table["n"] == 2).all()


def test_both_sides_is_on_the_pain_side(store):
    store.add_many(handbuilt())
    case = store.frames()["case"]
    # H's ankle is injured on both sides; every other link of H on the pain side.
    h = case["case_id"] == "CASEH2"
    case.loc[h, "knee_pain_side"] = "both"
    assert plain_count(case)[0][5] == 1
    assert chain_distribution({**store.frames(), "case": case})["k"].iat[5] == 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's store: ``casekit demo``'s 300 cases of seed 1."""
    from casekit import Store

    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(db, create=True, actor="tests") as store:
        populate(store, 300, seed=1)
    return db


def test_the_demo_report_counts_as_a_plain_count(demo):
    series = case_series(demo)
    expected, left_out = plain_count(series.frames["case"])
    assert sum(expected) + left_out == series.frames["case"]["one_sided"].sum()
    assert left_out > 0  # the demo has exams not done
    assert chain_distribution(series.frames)["k"].tolist() == expected
    shown = rates.chain_links(series, EXACT)
    assert shown.safe.table["k"].tolist() == expected
    assert (shown.safe.table["n"] == sum(expected)).all()
    assert f"Left out: {left_out} one-sided cases" in shown.notes
    shared = rates.chain_links(series, NHS)
    assert f"Left out: {NHS.round(left_out)} one-sided cases" in shared.notes
    for k in shared.safe.table["k"]:  # still through disclosure control
        assert k == "*" or k % 5 == 0
