"""The repeated exam form: through the dictionary, the door, the store, the audit,
import and export (CSV, XLSX, REDCap, shared) like the other forms."""

from __future__ import annotations

import csv
import sqlite3

import pandas as pd
import pytest
from test_interop import _write

from casekit import Store
from casekit.errors import ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files

EXAMS = """case_id,exam_no,exam_date,examiner,blinded,si_tight_side,\
hip_flexor_tight_side,glute_weak_side,trendelenburg_side,pelvic_high_side
K7Q2XM,1,2025-01-06,a,yes,right,left,none,,level
K7Q2XM,2,2025-01-06,KB,yes,left,left,none,not_tested,left
P3W9HD,1,2025-01-09,a,no,both,,,,
"""


def _files(folder, exams=EXAMS):
    paths = _write(folder)
    (folder / "exams.csv").write_text(exams)
    return [*paths, folder / "exams.csv"]


def test_exams_import_beside_the_other_three_and_export_back_exactly(store, tmp_path):
    result = import_files(store, _files(tmp_path / "in"))
    assert result.counts == {"case": 2, "session": 3, "followup": 2, "exam": 3}
    exams = store.read("exam")
    assert list(exams["examiner"]) == ["a", "kb", "a"]  # a code is kept lowercase
    assert exams["blinded"].tolist() == ["yes", "yes", "no"]
    paths = export_csv(store, tmp_path / "out")
    assert (tmp_path / "out" / "exams.csv") in paths
    with Store(tmp_path / "again.db", create=True) as again:
        import_files(again, [tmp_path / "out"])
        for form, frame in store.frames().items():
            pd.testing.assert_frame_equal(frame, again.read(form))
        export_csv(again, tmp_path / "back")
    for name in ("cases.csv", "sessions.csv", "followups.csv", "exams.csv"):
        first = (tmp_path / "out" / name).read_bytes()
        assert first == (tmp_path / "back" / name).read_bytes(), name


@pytest.mark.parametrize(
    "row, field",
    [
        ("K7Q2XM,3,2025-01-06,Karl Baker,yes,left,,,,", "examiner"),
        ("K7Q2XM,3,2025-01-06,+44 20 7946 0958,yes,left,,,,", "examiner"),
        ("K7Q2XM,3,2025-01-06,a,yes,upwards,,,,", "si_tight_side"),
        ("K7Q2XM,3,2024-12-01,a,yes,left,,,,", "exam_date"),  # before intake
        ("NOSUCH,1,2025-01-06,a,yes,left,,,,", "case_id"),
        ("K7Q2XM,3,,a,yes,left,,,,", "exam_date"),
    ],
)
def test_one_bad_exam_row_imports_nothing(store, tmp_path, row, field):
    with pytest.raises(ValidationFailed) as info:
        import_files(store, _files(tmp_path / "in", EXAMS + row + "\n"))
    problems = info.value.problems
    errors = problems[problems["severity"] == "error"]
    assert set(zip(errors["source"], errors["row"], errors["field"], strict=True)) == {
        ("exams.csv", 5, field)
    }
    assert "Karl" not in problems.to_string() and "7946" not in problems.to_string()
    assert store.case_ids() == set() and store.audit().empty


def test_an_exam_is_stored_numbered_and_audited(store):
    case = store.add("case", {"intake_date": "2025-03-03", "age_band": "40-49",
                              "sex": "female", "pain_side": "left",
                              "duration": "acute", "nprs": 5})  # fmt: skip
    for examiner in ("a", "b"):
        store.add("exam", {"case_id": case["case_id"], "exam_date": "2025-03-03",
                           "examiner": examiner, "si_tight_side": "right"})  # fmt: skip
    assert list(store.read("exam")["exam_no"]) == [1, 2]
    audit = store.audit()
    assert (audit["form"] == "exam").sum() == 2
    problems, _ = store.verify()
    assert problems == []


def test_an_older_store_gains_the_exams_table_and_the_audit_says_so(tmp_path):
    db = tmp_path / "old.db"
    with Store(db, create=True) as store:
        store.add_site("north")
    with sqlite3.connect(db) as conn:  # a store of the casekit before exams
        conn.execute("DROP TABLE exams")
    with Store(db) as store:
        assert store.read("exam").empty
        rows = store.audit()
        added = rows[rows["action"] == "add_table"]
        assert list(added["form"]) == ["exams"]
        assert store.verify()[0] == []


def test_an_xlsx_sheet_of_exams(store, tmp_path):
    folder = tmp_path / "in"
    _files(folder)
    book = tmp_path / "practice.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name in ("cases", "sessions", "followups", "exams"):
            frame = pd.read_csv(folder / f"{name}.csv", dtype=str)
            frame.to_excel(writer, sheet_name=name, index=False)
    result = import_files(store, [book])
    assert result.counts["exam"] == 3
    assert store.read("exam")["si_tight_side"].tolist() == ["right", "left", "both"]


def test_redcap_carries_exams_as_a_repeating_instrument(store, tmp_path):
    import_files(store, _files(tmp_path / "in"))
    export_csv(store, tmp_path / "rc", fmt="redcap")
    data = pd.read_csv(tmp_path / "rc" / "redcap_data.csv", dtype=str)
    assert (data["redcap_repeat_instrument"] == "exam").sum() == 3
    assert "exam_si_tight_side" in data.columns  # unique across the project
    with Store(tmp_path / "copy.db", create=True) as copy:
        import_files(copy, [tmp_path / "rc"])
        pd.testing.assert_frame_equal(store.read("exam"), copy.read("exam"))


def test_a_shared_export_of_exams_has_weeks_and_neutral_examiners(store, tmp_path):
    import_files(store, _files(tmp_path / "in"))
    export_csv(store, tmp_path / "share", share=True, k=2)  # of 2 cases
    rows = list(csv.DictReader((tmp_path / "share" / "exams.csv").open()))
    assert "exam_date" not in rows[0] and {r["week"] for r in rows} == {"0"}
    assert {r["examiner"] for r in rows} == {"examiner A", "examiner B"}
    assert not {"K7Q2XM", "P3W9HD"} & {r["case_id"] for r in rows}


def test_a_share_export_reads_back_with_or_without_its_exams(store, tmp_path):
    from casekit.io.shared import read_share

    import_files(store, _files(tmp_path / "in"))
    export_csv(store, tmp_path / "share", share=True, k=2)  # of 2 cases
    frames = read_share(tmp_path / "share", store.dictionary)
    assert sorted(frames["exam"]["si_tight_side"]) == ["both", "left", "right"]
    (tmp_path / "share" / "exams.csv").unlink()  # a share export of an older casekit
    assert read_share(tmp_path / "share", store.dictionary)["exam"].empty
