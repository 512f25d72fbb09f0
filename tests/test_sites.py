"""Site as a code: a short code from the store's site list, screened like every text,
and never shown in anything shared (site A, B, ... instead)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import case_record
from hypothesis import given
from hypothesis import strategies as st
from test_interop import CASES, _write

from casekit import Store
from casekit.cli import main
from casekit.disclosure import NHS
from casekit.errors import InvalidSite, ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.privacy import neutral_sites, site_code_problem
from casekit.report.series import EXACT, baseline, case_series
from casekit.synth import CohortParams, populate

IDENTIFYING = ["Jane Smith 07700900123", "07700900123", "jane-smith", "margaret"]
# Names run together or apart in a code: an initial, a title or a first name
# before a surname.
NAMED_CODES = ["jsmith", "drpatel", "mrjones", "jo-smith-77", "mrs-ward", "katesmith"]
# Sites and examiners' codes as they are: places (a surname or a compass point
# after a place is no name) and initials.
CODES = ["north", "main", "clinic2", "leeds-west", "nwest", "ne-leeds", "a", "kb"]


@pytest.mark.parametrize("code", NAMED_CODES)
def test_a_code_naming_someone_is_refused(code):
    assert "a name" in site_code_problem(code)
    assert "a name" in site_code_problem(code, noun="a short code")


@pytest.mark.parametrize("code", [*CODES, "ex1", "js", "kw-2"])
def test_a_site_or_an_examiner_code_passes(code):
    assert site_code_problem(code) is None


@given(st.from_regex(r"[a-z]{1,2}(?:-?[0-9]{1,2})?", fullmatch=True))
def test_initials_with_a_number_are_an_examiner_code(code):
    """An examiner's initials, perhaps with a number (`kb`, `a`, `jw-2`), never
    spell a name: no surname is that short."""
    assert site_code_problem(code, noun="a short code") is None


def test_a_new_store_knows_main_and_the_cli_adds_a_site(store, capsys):
    db = str(store.path)
    assert main(["site", "list", "--db", db]) == 0
    assert capsys.readouterr().out.split() == ["main"]
    assert main(["site", "add", "north-2", "--db", db]) == 0
    assert "site north-2 added" in capsys.readouterr().out
    assert main(["site", "add", "north-2", "--db", db]) == 0
    assert "already listed" in capsys.readouterr().out
    with Store(db) as again:
        assert again.sites() == ["main", "north-2"]
        assert again.audit()["action"].tolist() == ["add_site"]
    assert main(["site", "add", "--db", db]) == 2


@pytest.mark.parametrize("code", IDENTIFYING + ["-x", "a" * 21, "a b"])
def test_a_site_holding_a_name_or_a_number_is_refused(store, capsys, code):
    with pytest.raises(InvalidSite):
        store.add_site(code)
    assert main(["site", "--db", str(store.path), "--", "add", code]) == 1
    err = capsys.readouterr().err
    assert "cannot be used" in err
    assert store.sites() == ["main"]


@pytest.mark.parametrize("site", IDENTIFYING)
def test_a_case_whose_site_is_identifying_is_refused_and_not_echoed(store, site):
    with pytest.raises(ValidationFailed) as caught:
        store.add("case", case_record(site=site))
    problem = caught.value.problems.iloc[0]
    assert problem["field"] == "site" and problem["value"] == "(withheld)"
    assert store.case_ids() == set()


def test_a_case_of_an_unlisted_site_says_how_to_add_it(store, tmp_path):
    cases = CASES.replace(",main,", ",east,")
    with pytest.raises(ValidationFailed) as caught:
        import_files(store, _write(tmp_path / "in", cases=cases))
    words = caught.value.problems["problem"].tolist()
    assert any("add it first with: casekit site add east" in w for w in words)
    store.add_site("east")
    import_files(store, _write(tmp_path / "in", cases=cases))
    assert "east" in set(store.read("case")["site"])


def test_a_capitalised_site_is_its_code(store):
    stored = store.add("case", case_record(site=" Main "))
    assert stored["site"] == "main"


def test_synthetic_cohorts_list_their_sites(store):
    populate(store, 20, seed=3, params=CohortParams(sites=("main", "north")))
    assert store.sites() == ["main", "north"]
    assert set(store.read("case")["site"]) == {"main", "north"}


@pytest.fixture
def two_sites(store):
    populate(store, 60, seed=4, params=CohortParams(sites=("leeds-road", "main")))
    return store


# Each k of a store of its own: the same cases shared again at another k are refused.
@pytest.mark.parametrize("k", [1, 5])
def test_shared_outputs_never_show_a_site_code(two_sites, tmp_path, k):
    export_csv(two_sites, tmp_path / "share", share=True, k=k)
    shared = (tmp_path / "share" / "cases.csv").read_text()
    assert "leeds-road" not in shared and ",main," not in shared
    if k == 1:  # nothing generalised, every site shown by its label
        assert "site A" in shared and "site B" in shared
    series = case_series(two_sites.path)
    table = baseline(series, NHS).safe.table.to_string()
    full = baseline(series, EXACT).safe.table.to_string()
    assert "leeds-road" in full and "leeds-road" not in table
    assert "site A" in table


def test_neutral_labels_go_by_size_and_keep_missing():
    import pandas as pd

    labels = neutral_sites(pd.Series(["b", "a", "a", None, "c", "b", "a"]))
    assert labels.tolist()[:3] == ["site B", "site A", "site A"]
    assert pd.isna(labels[3]) and labels[4] == "site C"
    many = neutral_sites(pd.Series([f"s{i:02d}" for i in range(28)]))
    assert many.iloc[-1] == "site AB"


def test_check_reports_a_stored_site_that_is_not_a_listed_code(store, capsys):
    import sqlite3

    store.add("case", case_record())
    store.add("case", case_record())
    with sqlite3.connect(store.path) as raw:  # as an older casekit stored free text
        raw.execute("UPDATE cases SET site = 'Jane Smith 07700900123' WHERE rowid = 1")
        raw.execute("UPDATE cases SET site = 'west' WHERE rowid = 2")
    assert main(["check", "--db", str(store.path)]) == 1
    out = capsys.readouterr().out
    assert "`site` is not a site code of the store" in out
    assert "`site` 'west' is not in the store's site list" in out
    (line,) = [x for x in out.splitlines() if "is not a site code" in x]
    assert "Jane Smith" not in line.split("looks like")[0]


def test_a_site_close_to_a_listed_one_asks_whether_that_one_was_meant(store, tmp_path):
    cases = CASES.replace(",main,", ",mian,")
    with pytest.raises(ValidationFailed) as caught:
        import_files(store, _write(tmp_path / "in", cases=cases))
    words = caught.value.problems["problem"].tolist()
    assert any(
        "`site` 'mian' is not in the store's site list: did you mean main? If mian "
        "is a new site, add it first with: casekit site add mian" in w
        for w in words
    )


def test_a_site_added_by_mistake_is_removed_and_audited(store, capsys):
    db = str(store.path)
    assert main(["site", "add", "nrth", "--db", db]) == 0
    assert main(["site", "remove", "NRTH", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "site nrth removed"
    with Store(db) as again:
        assert again.sites() == ["main"]
        audit = again.audit()
        assert audit["action"].tolist() == ["add_site", "remove_site"]
        assert audit["old_value"].tolist()[-1] == "nrth"
    assert main(["check", "--db", db]) == 0
    assert main(["site", "remove", "--db", db]) == 2


def test_a_site_that_a_case_uses_is_not_removed_withdrawn_or_not(store, capsys):
    db = str(store.path)
    store.add_site("north")
    case_id = store.add("case", case_record(site="north"))["case_id"]
    store.delete("case", case_id, reason="at the patient's request")
    before = len(store.audit())
    assert main(["site", "remove", "north", "--db", db]) == 1
    err = capsys.readouterr().err
    assert "site north was not removed: 1 case of it is in the store" in err
    assert "withdrawn ones included" in err
    assert main(["site", "remove", "nroth", "--db", db]) == 1
    err = capsys.readouterr().err
    assert "not in the store's site list (did you mean north?)" in err
    assert store.sites() == ["main", "north"] and len(store.audit()) == before


def test_a_listed_code_the_screen_now_flags_can_still_be_removed(store, capsys):
    # A code listed before the screen learned to read it as a name (an initial
    # and a surname run together) is the one to take off the list: removal looks
    # it up, it does not screen it as a new code.
    assert site_code_problem("jsmith") is not None
    with store.connect() as conn:
        conn.execute(sa.insert(store.metadata.tables["sites"]).values(code="jsmith"))
        conn.commit()
    assert "jsmith" in store.sites()
    assert main(["site", "remove", "jsmith", "--db", str(store.path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "site jsmith removed"
    assert "jsmith" not in store.sites()
