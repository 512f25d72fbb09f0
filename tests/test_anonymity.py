"""k-anonymity of the share export, measured with pycanon on the 300-case demo, and
the export still read by the analysis within what it says it suppressed."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import case_record
from hypothesis import given, settings
from hypothesis import strategies as st
from pycanon import anonymity as pycanon

from casekit import Store
from casekit.anonymity import (
    LADDERS,
    disclosure_note,
    group_sizes,
    k_anonymise,
    l_diversity,
)
from casekit.cli.main import main
from casekit.errors import ShareRefused
from casekit.io.exporter import export_csv
from casekit.io.shared import read_share
from casekit.patterns import pattern_table
from casekit.synth import populate

QIS = ["site", "age_band", "sex", "pain_side", "duration", "episode"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's store (300 cases, seed 1, as `casekit demo` makes it) and its
    share export."""
    folder = tmp_path_factory.mktemp("demo")
    with Store(folder / "demo.db", create=True, actor="casekit-demo") as store:
        populate(store, 300, seed=1)
        export_csv(store, folder / "share", share=True)
        yield store, folder / "share"


def _shared_cases(folder) -> pd.DataFrame:
    # A blank cell is a value of its own here: blanked cases must form groups of k
    # too (pycanon's groupby would otherwise leave them out of every group).
    return pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False)


def test_the_flagged_fields_are_the_quasi_identifiers(demo):
    store, _ = demo
    flagged = [f.code for f in store.dictionary["case"].fields if f.quasi_identifier]
    assert flagged == QIS


def test_every_combination_is_shared_by_five_cases_or_more(demo):
    store, folder = demo
    cases = _shared_cases(folder)
    assert len(cases) == 300
    assert pycanon.k_anonymity(cases, QIS) >= 5
    # ... while the store's own values would single most cases out.
    raw = store.read("case")[QIS].astype(str)
    assert pycanon.k_anonymity(raw, QIS) == 1


def test_disclosure_txt_says_what_was_done_and_its_figures_hold(demo):
    store, folder = demo
    note = (folder / "disclosure.txt").read_text()
    cases = _shared_cases(folder)
    assert "at least 5 cases" in note
    suppressed = int(note.split("Suppressed cells (left blank): ")[1].split()[0])
    raw = store.read("case")
    blank_now = int((cases[QIS] == "").sum().sum())
    assert blank_now == int(raw[QIS].isna().sum().sum()) + suppressed
    for sensitive in ("pelvic_organ_history", "abdominal_surgery"):
        label = store.dictionary["case"][sensitive].label
        figure = int(note.split(f"- {label}: ")[1].split()[0])
        assert figure == pycanon.l_diversity(cases, QIS, [sensitive])
    assert "of cases have a pattern of session weeks no other case has" in note


def test_visits_are_in_weeks_and_no_case_is_singled_out_by_day(demo):
    _, folder = demo
    sessions = pd.read_csv(folder / "sessions.csv")
    assert "week" in sessions.columns and "day" not in sessions.columns
    assert sessions["week"].between(0, 60).all()


def test_the_export_gives_the_pattern_table_within_its_suppression(demo):
    store, folder = demo
    full = pattern_table(store.frames()).set_index("pattern")
    shared_frames = read_share(folder, store.dictionary)
    shared = pattern_table(shared_frames).set_index("pattern")
    cases = _shared_cases(folder)
    touched = set(cases.loc[(cases[QIS] == "").any(axis=1), "case_id"])
    rows = sum(
        int(frame["case_id"].isin(touched).sum()) for frame in shared_frames.values()
    )
    assert 0 < len(touched) <= rows
    for pattern in full.index:
        for column in ("k", "n"):
            assert abs(full.at[pattern, column] - shared.at[pattern, column]) <= rows
    # What needs no quasi-identifier comes out exactly.
    for pattern in ("flare_after_care", "improved", "improvement_held"):
        assert (full.loc[pattern, ["k", "n"]] == shared.loc[pattern, ["k", "n"]]).all()


def _one_case_store(path) -> Store:
    """A store of one case: 40-49, female, left, chronic (see conftest)."""
    store = Store(path, create=True)
    store.add("case", case_record())
    return store


def test_a_store_of_one_case_is_refused_and_nothing_is_written(tmp_path):
    with _one_case_store(tmp_path / "s.db") as store:
        with pytest.raises(ShareRefused) as refused:
            export_csv(store, tmp_path / "share", share=True)
    assert (refused.value.cases, refused.value.k, refused.value.smallest) == (1, 5, 1)
    assert not (tmp_path / "share").exists()


def test_k_larger_than_the_store_is_refused_in_plain_words(tmp_path, capsys):
    db = tmp_path / "s.db"
    with Store(db, create=True) as store:
        populate(store, 9, seed=2)
    out = tmp_path / "share"
    assert main(["export", str(out), "--db", str(db), "--share", "--k", "100000"]) == 1
    said = capsys.readouterr()
    assert "shareable export written" not in said.out
    assert said.err.startswith("casekit: error: a shareable export needs")
    assert "holds 9 cases" in said.err and "Traceback" not in said.err
    assert not out.exists()


def test_fewer_cases_than_k_blank_every_quasi_identifier_and_the_note_says_so():
    cases = pd.DataFrame(
        [["site A", "40-49", "female", "left", "chronic", "recurrent"]], columns=QIS
    )
    result = k_anonymise(cases, QIS, 5)
    # Even a field all the cases share: among fewer than k it is their own.
    assert result.frame[QIS].isna().all().all() and result.smallest == 1
    note = disclosure_note(result, {}, 0.0, {})
    assert "NOT reached" in note
    assert "every combination of them is shared" not in note


def test_an_empty_store_is_refused_like_any_store_of_fewer_than_k(store, tmp_path):
    with pytest.raises(ShareRefused) as refused:
        export_csv(store, tmp_path / "share", share=True)
    assert (refused.value.cases, refused.value.smallest) == (0, 0)
    assert not (tmp_path / "share").exists()


CODES = {
    "age_band": ["18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+", None],
    "sex": ["female", "male", "other", "undisclosed", None],
    "pain_side": ["left", "right", "both", "central"],
    "duration": ["acute", "subacute", "chronic"],
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(*(st.sampled_from(v) for v in CODES.values())),
        min_size=0,
        max_size=80,
    ),
    st.integers(2, 6),
)
def test_k_holds_for_any_cases_and_values_only_get_coarser(rows, k):
    frame = pd.DataFrame(rows, columns=list(CODES), dtype=object)
    result = k_anonymise(frame, list(CODES), k)
    sizes = group_sizes(result.frame, list(CODES))
    if len(frame) >= k:
        assert (sizes >= k).all()
    for q in CODES:
        allowed = set(CODES[q]) - {None}
        for step in LADDERS.get(q, []):
            allowed |= set(step.values())
        shared = set(result.frame[q].dropna())
        assert shared <= allowed | {"any"}


def test_l_diversity_agrees_with_pycanon():
    frame = pd.DataFrame(
        {"a": ["x", "x", "y", "y", "y"], "s": ["p", "q", "p", "p", "p"]}
    )
    assert l_diversity(frame, ["a"], "s") == pycanon.l_diversity(frame, ["a"], ["s"])
