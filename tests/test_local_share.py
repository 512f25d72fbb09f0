"""A practitioner's own fields and the share export: every text value is screened
for identifiers whatever its flags, a local field is shared only when declared
`share: true`, and a shared local field of the case form counts in k-anonymity.

The review's case: a local `employer` declared `free_text: false`, a `birth_year`
and a `gp_practice`, six cases alike."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import case_record, session_record
from hypothesis import given, settings
from hypothesis import strategies as st
from pycanon import anonymity as pycanon

from casekit import Store
from casekit.anonymity import group_sizes, k_anonymise
from casekit.cli.main import main
from casekit.dictionary import load_dictionary
from casekit.errors import DictionaryError, ShareRefused, ValidationFailed
from casekit.frames import text_cell
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.io.shared import read_share

REVIEW = """
forms:
  case:
    fields:
      - {code: birth_year, type: integer, label: Year of birth, min: 1900, max: 2025}
      - {code: employer, type: text, label: Employer, free_text: false}
      - code: gp_practice
        type: choice
        label: GP practice
        codes: [{kirkstall: Kirkstall Health Centre}, {other: Other}]
"""
HEADER = (
    "case_id,site,intake_date,age_band,sex,pain_side,duration,episode,nprs,"
    "employer,birth_year,gp_practice\n"
)
LEAK = "Jane Smith at Tesco 07700900123"


def _store(tmp_path, monkeypatch, local: str = REVIEW) -> Store:
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "dictionary.local.yaml").write_text(local, encoding="utf-8")
    return Store(data / "casekit.db", create=True, actor="tester")


@pytest.fixture
def review_store(tmp_path, monkeypatch):
    with _store(tmp_path, monkeypatch) as store:
        yield store


def _cases_csv(tmp_path, employer: str, rows: int = 6):
    path = tmp_path / "cases.csv"
    lines = [
        f",main,2025-01-1{i},40-49,female,left,acute,first,6,{employer},1961,"
        "kirkstall\n"
        for i in range(rows)
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


# -- 1. every text value is screened ------------------------------------------------


def test_a_name_and_a_phone_in_a_field_not_free_text_are_refused_on_import(
    review_store, tmp_path
):
    with pytest.raises(ValidationFailed) as info:
        import_files(review_store, [_cases_csv(tmp_path, LEAK)])
    problems = info.value.problems.query("field == 'employer'")
    assert len(problems) == 6
    assert "a phone number" in problems["problem"].iloc[0]
    assert "a name" in problems["problem"].iloc[0]
    # the refusal does not repeat what it refuses
    assert "07700" not in " ".join(info.value.problems["value"].dropna())
    assert review_store.read("case").empty


def test_a_name_in_a_field_not_free_text_is_refused_on_save(review_store):
    with pytest.raises(ValidationFailed) as info:
        review_store.add("case", case_record(employer="Tel 07700 900123"))
    assert "a phone number" in info.value.problems["problem"].iloc[0]
    assert review_store.read("case").empty


def test_a_short_code_in_a_field_not_free_text_is_saved(review_store):
    review_store.add("case", case_record(employer="retail"))
    assert review_store.read("case")["employer"].tolist() == ["retail"]


# -- 2. a local field is shared only when declared, and then it is a quasi-identifier

SHARED = """
forms:
  case:
    fields:
      - {code: birth_year, type: integer, label: Year of birth, share: true}
      - {code: employer, type: text, label: Employer, free_text: false}
      - code: gp_practice
        type: choice
        label: GP practice
        share: true
        quasi_identifier: false
        codes: [{kirkstall: Kirkstall Health Centre}, {other: Other}]
  session:
    fields:
      - {code: home_days, type: integer, label: Home exercise days, share: true}
"""
BUILTIN_QIS = ["site", "age_band", "sex", "pain_side", "duration", "episode"]
DATA_FILES = ("cases.csv", "dictionary.csv", "redcap_data.csv", "redcap_dictionary.csv")


def _exported(store, out, fmt: str = "csv", **options) -> dict[str, str]:
    paths = export_csv(store, out, share=True, fmt=fmt, **options)
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def test_a_local_field_not_declared_shared_is_in_no_file_of_a_share(
    review_store, tmp_path
):
    for _ in range(6):
        review_store.add(
            "case",
            case_record(employer="retail", birth_year=1961, gp_practice="kirkstall"),
        )
    files = {
        **_exported(review_store, tmp_path / "csv"),
        **_exported(review_store, tmp_path / "redcap", fmt="redcap"),
    }
    for name in DATA_FILES:
        for held in ("retail", "1961", "kirkstall", "Kirkstall"):
            assert held not in files[name], (name, held)
        for code in ("birth_year", "employer", "gp_practice"):
            assert code not in files[name], (name, code)
    note = files["disclosure.txt"]
    for label, code in [
        ("Year of birth", "birth_year"),
        ("Employer", "employer"),
        ("GP practice", "gp_practice"),
    ]:
        assert f"- left out: {label} (`{code}`, case form), not declared" in note
    assert "Year of birth" not in note.split("Quasi-identifiers")[1].split("\n")[0]


@pytest.fixture
def shared_store(tmp_path, monkeypatch):
    """30 cases alike but for their year of birth (1950 to 1979, each its own):
    shared, the year would single out every one of them."""
    with _store(tmp_path, monkeypatch, SHARED) as store:
        for year in range(1950, 1980):
            added = store.add(
                "case",
                case_record(
                    birth_year=year, employer="retail", gp_practice="kirkstall"
                ),
            )
            store.add("session", session_record(added["case_id"], home_days=3))
        yield store


def test_a_shared_local_field_is_a_quasi_identifier_made_k_anonymous(
    shared_store, tmp_path
):
    words = shared_store.dictionary
    assert words["case"]["birth_year"].quasi_identifier
    assert not words["case"]["gp_practice"].quasi_identifier  # declared so
    assert not words["session"]["home_days"].quasi_identifier
    raw = shared_store.read("case")[[*BUILTIN_QIS, "birth_year"]].astype(str)
    assert pycanon.k_anonymity(raw, [*BUILTIN_QIS, "birth_year"]) == 1

    files = _exported(shared_store, tmp_path / "csv")
    cases = pd.read_csv(
        tmp_path / "csv" / "cases.csv", dtype=str, keep_default_na=False
    )
    assert "birth_year" in cases.columns  # declared `share: true`: shared
    assert "employer" not in cases.columns and "retail" not in files["cases.csv"]
    assert pycanon.k_anonymity(cases, [*BUILTIN_QIS, "birth_year"]) >= 5
    # no year of birth left as it was
    assert not set(cases["birth_year"]) & {str(y) for y in range(1950, 1980)}
    note = files["disclosure.txt"]
    qis = note.split("Quasi-identifiers (what others may know of a person): ")[1]
    assert "Year of birth" in qis.split("\n")[0]
    assert "- shared: Year of birth (`birth_year`, case form), a quasi-identifier" in (
        note
    )
    assert "- shared: GP practice (`gp_practice`, case form), not a quasi-" in note
    assert "- shared: Home exercise days (`home_days`, session form)" in note
    assert "- left out: Employer (`employer`, case form)" in note
    # what was done to it is said, and the analysis reads the export back
    assert "Year of birth" in note.split("Generalised")[1] + note.split("Suppressed")[1]
    shared = read_share(tmp_path / "csv", shared_store.dictionary)
    assert len(shared["case"]) == 30


def test_a_shared_local_field_goes_to_redcap_made_k_anonymous(shared_store, tmp_path):
    _exported(shared_store, tmp_path / "redcap", fmt="redcap")
    data = pd.read_csv(
        tmp_path / "redcap" / "redcap_data.csv", dtype=str, keep_default_na=False
    )
    cases = data[data["redcap_repeat_instrument"] == ""]
    assert "birth_year" in cases.columns and "employer" not in cases.columns
    assert not set(cases["birth_year"]) & {str(y) for y in range(1950, 1980)}
    assert pycanon.k_anonymity(cases, ["sex", "pain_side", "birth_year"]) >= 5


def test_a_share_the_export_could_not_keep_is_refused_by_the_dictionary(tmp_path):
    local = tmp_path / "dictionary.local.yaml"
    for yaml, said in [
        (
            "forms: {case: {fields: [{code: note2, type: text, label: N, "
            "share: true}]}}",
            "free text",
        ),
        (
            "forms: {session: {fields: [{code: room, type: integer, label: R, "
            "share: true, quasi_identifier: true}]}}",
            "k-anonymous",
        ),
    ]:
        local.write_text(yaml, encoding="utf-8")
        with pytest.raises(DictionaryError, match=said):
            load_dictionary(local)


def test_the_kits_own_fields_keep_their_flags(tmp_path):
    local = tmp_path / "dictionary.local.yaml"
    local.write_text(SHARED, encoding="utf-8")
    for words in (load_dictionary(), load_dictionary(local)):
        case = words["case"]
        assert [f.code for f in case.fields if f.quasi_identifier][:6] == BUILTIN_QIS
        assert case["nprs"].is_shareable and not case["nprs"].quasi_identifier
        assert not case["notes"].is_shareable


# -- 3. a smaller k is said plainly, and an empty store is refused ------------------


def test_the_refusal_does_not_point_at_a_smaller_k(tmp_path):
    with Store(tmp_path / "s.db", create=True) as store:
        store.add("case", case_record())
        with pytest.raises(ShareRefused) as refused:
            export_csv(store, tmp_path / "share", share=True)
    said = str(refused.value)
    assert "--k" not in said and "smaller" not in said
    assert "Share when the store holds 5 cases or more" in said
    assert refused.value.quasi_identifiers[0] == "Site"
    assert not (tmp_path / "share").exists()


def test_k_below_the_default_is_said_plainly(shared_store, tmp_path):
    note = _exported(shared_store, tmp_path / "k1", k=1)["disclosure.txt"]
    assert "shared by at least 1 case (smallest group:" in note
    assert "1 cases" not in note
    assert "NOT k-anonymous in the usual sense" in note


def test_the_default_k_is_said_as_the_usual_promise(shared_store, tmp_path):
    # (a store of its own: the same cases shared again at another k are refused)
    note = _exported(shared_store, tmp_path / "k5")["disclosure.txt"]
    assert "at least 5 cases" in note and "usual sense" not in note


@pytest.mark.parametrize("fmt", ["csv", "redcap"])
def test_an_empty_store_is_refused_and_nothing_is_written(review_store, tmp_path, fmt):
    out = tmp_path / "share"
    with pytest.raises(ShareRefused) as refused:
        export_csv(review_store, out, share=True, fmt=fmt)
    assert (refused.value.cases, refused.value.smallest) == (0, 0)
    assert "holds 0 cases" in str(refused.value)
    assert not out.exists()


def test_an_empty_store_is_refused_by_the_command_line(tmp_path, capsys):
    db = tmp_path / "s.db"
    Store(db, create=True).close()
    out = tmp_path / "share"
    assert main(["export", str(out), "--db", str(db), "--share"]) == 1
    said = capsys.readouterr()
    assert said.err.startswith("casekit: error: a shareable export needs")
    assert "holds 0 cases" in said.err and not out.exists()


# -- a local number among the quasi-identifiers, for any cases ----------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["40-49", "50-59", None]),
            st.sampled_from(["female", "male"]),
            st.one_of(st.none(), st.integers(1930, 2005)),
        ),
        min_size=6,
        max_size=60,
    ),
    st.integers(2, 6),
)
def test_a_local_number_is_made_k_anonymous_and_written_for_any_cases(rows, k):
    words = load_dictionary(_local_file(SHARED))
    qis = ["age_band", "sex", "birth_year"]
    frame = pd.DataFrame(rows, columns=qis).astype({"birth_year": "Int64"})
    result = k_anonymise(frame, qis, k)
    assert int(group_sizes(result.frame, qis).min()) >= k
    given_years = {str(year) for year in frame["birth_year"].dropna()}
    shared_years = set(result.frame["birth_year"].dropna())
    assert shared_years <= given_years | {"any"}  # as given, merged whole or blank
    # ... and each is written as a cell of the export, as it is
    field = words["case"]["birth_year"]
    cells = {text_cell(field, v) for v in result.frame["birth_year"]}
    assert cells <= shared_years | {""}


def _local_file(text: str):
    folder = Path(tempfile.mkdtemp())
    (folder / "dictionary.local.yaml").write_text(text, encoding="utf-8")
    return folder / "dictionary.local.yaml"


def test_a_shared_local_year_is_written_as_a_year_beside_a_missing_one(
    tmp_path, monkeypatch
):
    with _store(tmp_path, monkeypatch, SHARED) as store:
        for year in [1961] * 10 + [None]:
            store.add("case", case_record(birth_year=year))
        files = _exported(store, tmp_path / "csv")
    cases = pd.read_csv(
        tmp_path / "csv" / "cases.csv", dtype=str, keep_default_na=False
    )
    assert "1961.0" not in files["cases.csv"]
    # the missing year joined by four blanked, for a group of five
    assert sorted(cases["birth_year"]) == [""] * 5 + ["1961"] * 6
