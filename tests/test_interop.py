"""Import and export: exact round trips, all-or-nothing imports, safe shares."""

from __future__ import annotations

import csv
import gc
import re

import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.errors import ImportFileError, ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.synth import populate

CASES = """case_id,site,intake_date,age_band,sex,pain_side,pain_regions,duration,\
nprs,odi,ankle_injury_side,ankle_injury_grade,si_tight_side,notes
K7Q2XM,main,2025-01-06,40-49,female,left,low_back|hip,chronic,7,32.5,left,mild,right,\
"L4-5 tender, SLR 45 deg"
P3W9HD,,2025-01-09,60-69,male,both,,acute,4,,none,,not_tested,
"""
SESSIONS = """case_id,session_no,session_date,nprs_before,nprs_after,regions_treated
K7Q2XM,1,2025-01-06,7,3,lumbar|hip_flexors
K7Q2XM,2,2025-01-13,5,,
P3W9HD,1,2025-01-09,4,2,ankle_foot
"""
FOLLOWUPS = """case_id,followup_no,followup_date,after_session,nprs,flare,flare_side,\
flare_onset_hours,flare_duration_hours,status
K7Q2XM,1,2025-01-08,1,5,yes,left,30,,in_care
K7Q2XM,2,2025-02-10,2,2,no,,,,discharged
"""


def _write(folder, cases=CASES, sessions=SESSIONS, followups=FOLLOWUPS):
    folder.mkdir(exist_ok=True)
    paths = []
    for name, text in (
        ("cases", cases),
        ("sessions", sessions),
        ("followups", followups),
    ):
        path = folder / f"{name}.csv"
        path.write_text(text)
        paths.append(path)
    return paths


def test_import_then_export_then_import_gives_back_every_value(store, tmp_path):
    result = import_files(store, _write(tmp_path / "in"))
    assert result.counts == {"case": 2, "session": 3, "followup": 2}
    first = store.frames()
    assert first["case"].set_index("case_id").loc["P3W9HD", "site"] is not None
    export_csv(store, tmp_path / "out")
    with Store(tmp_path / "again.db", create=True) as again:
        import_files(again, sorted((tmp_path / "out").glob("[cfs]*s.csv")))
        second = again.frames()
    for form in first:
        pd.testing.assert_frame_equal(first[form], second[form])
    row = second["case"].set_index("case_id").loc["K7Q2XM"]
    assert row["pain_regions"] == ["low_back", "hip"] and row["odi"] == 32.5
    assert row["notes"] == "L4-5 tender, SLR 45 deg"
    assert pd.isna(second["case"].set_index("case_id").loc["P3W9HD", "odi"])
    flare = second["followup"].iloc[0]
    assert flare["flare_onset_hours"] == 30 and pd.isna(flare["flare_duration_hours"])


def test_round_trip_of_values_written_through_the_store(store, tmp_path):
    cid = store.add(
        "case",
        case_record(odi=12.345678901234567, abdominal_surgery=["caesarean", "other"]),
    )
    cid = cid["case_id"]
    store.add("session", session_record(cid, notes='said "better", then sore'))
    store.add("followup", followup_record(cid, flare_duration_hours=0.1 + 0.2))
    export_csv(store, tmp_path / "out")
    with Store(tmp_path / "again.db", create=True) as again:
        import_files(
            again,
            [
                tmp_path / "out" / f
                for f in ("cases.csv", "sessions.csv", "followups.csv")
            ],
        )
        for form, frame in store.frames().items():
            pd.testing.assert_frame_equal(frame, again.read(form))


def test_one_bad_row_writes_nothing_and_every_problem_is_named(store, tmp_path):
    bad_sessions = SESSIONS.replace(
        "K7Q2XM,2,2025-01-13,5,,", "K7Q2XM,2,2025-13-01,5,14,"
    )
    bad_followups = FOLLOWUPS.replace("yes,left,30", "maybe,left,30")
    paths = _write(tmp_path / "in", sessions=bad_sessions, followups=bad_followups)
    with pytest.raises(ValidationFailed) as info:
        import_files(store, paths)
    problems = info.value.problems
    errors = problems[problems["severity"] == "error"]
    found = set(zip(errors["source"], errors["row"], errors["field"], strict=True))
    assert found == {
        ("sessions.csv", 3, "session_date"),
        ("sessions.csv", 3, "nprs_after"),
        ("followups.csv", 2, "flare"),
    }
    nprs = errors[errors["field"] == "nprs_after"].iloc[0]
    assert nprs["value"] == "14" and "expected 0 to 10" in nprs["problem"]
    assert store.case_ids() == set() and store.audit().empty


def test_the_cycle_collector_pauses_for_an_import_and_comes_back(
    store, tmp_path, monkeypatch
):
    seen = []
    check = store.check

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return check(*args, **kwargs)

    monkeypatch.setattr(store, "check", watched)
    gc.disable()  # one paused by its caller stays paused
    try:
        import_files(store, _write(tmp_path / "dry"), dry_run=True)
        assert not gc.isenabled()
    finally:
        gc.enable()
    bad = SESSIONS.replace("2025-01-13", "2025-13-01")
    with pytest.raises(ValidationFailed):  # refused: put back all the same
        import_files(store, _write(tmp_path / "bad", sessions=bad))
    assert gc.isenabled()
    seen.clear()
    import_files(store, _write(tmp_path / "in"))
    assert seen and not any(seen) and gc.isenabled()
    assert len(store.case_ids()) == 2


def test_dry_run_checks_but_writes_nothing(store, tmp_path):
    result = import_files(store, _write(tmp_path / "in"), dry_run=True)
    assert result.counts["case"] == 2 and not result.written
    assert store.case_ids() == set()


def test_identifier_in_imported_notes_is_refused(store, tmp_path):
    cases = CASES.replace("SLR 45 deg", "mum is Mrs Ellery, ph 0161 496 0000")
    with pytest.raises(ValidationFailed) as info:
        import_files(store, _write(tmp_path / "in", cases=cases))
    notes = info.value.problems.query("field == 'notes'")
    assert len(notes) == 1
    assert "a name with a title" in notes["problem"].iloc[0]
    assert "a phone number" in notes["problem"].iloc[0]
    assert "0161" not in " ".join(info.value.problems["value"].dropna())


def test_record_numbers_are_replaced_by_random_case_ids(store, tmp_path):
    cases = CASES.replace("K7Q2XM", "MRN-000123")
    sessions = SESSIONS.replace("K7Q2XM", "MRN-000123")
    followups = FOLLOWUPS.replace("K7Q2XM", "MRN-000123")
    result = import_files(store, _write(tmp_path / "in", cases, sessions, followups))
    new_id = result.renamed["MRN-000123"]
    assert "MRN-000123" not in store.case_ids() and new_id in store.case_ids()
    assert (store.read("session")["case_id"] == new_id).sum() == 2
    assert "MRN-000123" not in store.audit().to_string()


def test_a_replacement_id_already_stored_is_drawn_again(store, tmp_path, monkeypatch):
    stored = store.add("case", case_record())["case_id"]
    draws = iter([stored, "W4TR7K"])  # the dice land on a stored id first
    monkeypatch.setattr(
        "casekit.store.numbering.new_case_id", lambda taken: next(draws)
    )
    cases = CASES.replace("K7Q2XM", "MRN-000123")
    sessions = SESSIONS.replace("K7Q2XM", "MRN-000123")
    followups = FOLLOWUPS.replace("K7Q2XM", "MRN-000123")
    result = import_files(store, _write(tmp_path / "in", cases, sessions, followups))
    assert result.renamed == {"MRN-000123": "W4TR7K"}
    (warning,) = result.problems.itertuples()
    assert (warning.source, warning.row) == ("cases.csv", 2)
    assert warning.severity == "warning"
    assert warning.problem.startswith("case W4TR7K: the given case id is not a casekit")
    assert (store.read("session")["case_id"] == "W4TR7K").sum() == 2


def test_new_sessions_are_numbered_as_the_store_numbers_them(store, tmp_path):
    """A removed session's number is never given again, on import too: the rules
    across forms see the numbers that will be written."""
    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    store.add("session", session_record(cid))
    store.delete("session", (cid, 2), reason="entered twice")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sessions.csv").write_text(
        f"case_id,session_date,nprs_before,nprs_after\n{cid},2025-03-10,5,3\n"
    )
    (folder / "followups.csv").write_text(
        f"case_id,followup_date,after_session,flare\n{cid},2025-03-12,3,no\n"
    )
    import_files(store, [folder])
    assert store.read("session")["session_no"].tolist() == [1, 3]
    assert store.read("followup")["after_session"].tolist() == [3]


def test_importing_a_case_twice_is_refused(store, tmp_path):
    paths = _write(tmp_path / "in")
    import_files(store, paths)
    with pytest.raises(ValidationFailed) as info:
        import_files(store, paths)
    assert "is already in the store" in " ".join(info.value.problems["problem"])


def test_unknown_column_is_one_problem_naming_the_column(store, tmp_path):
    cases = CASES.replace("notes\n", "notes,patient_name\n", 1)
    with pytest.raises(ValidationFailed) as info:
        import_files(store, _write(tmp_path / "in", cases=cases))
    problems = info.value.problems
    assert problems["field"].tolist() == ["patient_name"]
    assert problems["row"].tolist() == [1]


def test_xlsx_with_a_sheet_per_form(store, tmp_path):
    book = tmp_path / "cases.xlsx"
    folder = tmp_path / "in"
    _write(folder)
    with pd.ExcelWriter(book) as writer:
        for name in ("cases", "sessions", "followups"):
            frame = pd.read_csv(
                folder / f"{name}.csv", dtype=str, keep_default_na=False
            )
            frame.to_excel(writer, sheet_name=name, index=False)
    result = import_files(store, [book])
    assert result.counts == {"case": 2, "session": 3, "followup": 2}
    assert store.read("case").set_index("case_id").loc["K7Q2XM", "odi"] == 32.5


@pytest.mark.parametrize(
    "name, content, words, code",
    [
        ("visits.csv", "a,b\n1,2\n", "is not a form", 2),
        ("cases.txt", "a,b\n", "expected cases.csv", 2),
        ("cases.csv", "", "is empty", 1),
    ],
)
def test_unreadable_files_give_one_clear_error(
    store, tmp_path, name, content, words, code
):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ImportFileError, match=words) as info:
        import_files(store, [path])
    assert info.value.exit_code == code


def test_binary_file_is_not_a_csv(store, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match="not a CSV text file"):
        import_files(store, [path])


def test_share_export_holds_nothing_identifying(store, tmp_path):
    import_files(store, _write(tmp_path / "in"))
    store.add("case", case_record(notes="SENTINEL walks 5 km daily"))
    paths = export_csv(store, tmp_path / "share", share=True, k=2)  # of 3 cases
    text = "\n".join(p.read_text() for p in paths)
    for case_id in store.case_ids():
        assert case_id not in text
    assert "SENTINEL" not in text and "L4-5" not in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    shared = {
        p.stem: list(csv.DictReader(p.open())) for p in paths if p.suffix == ".csv"
    }
    assert "notes" not in shared["cases"][0] and "intake_date" not in shared["cases"][0]
    weeks = [row["week"] for row in shared["sessions"]]
    assert sorted(weeks) == ["0", "0", "1"]
    fields = {row["field"] for row in shared["dictionary"]}
    assert not fields & {"notes", "intake_date", "session_date", "followup_date"}
    # fresh ids still link the forms of one case
    case_ids = {row["case_id"] for row in shared["cases"]}
    assert {row["case_id"] for row in shared["sessions"]} <= case_ids


def test_spreadsheet_habits_are_understood(store, tmp_path):
    """Capitalised headers, blank rows, yes/no as 1/0, numbers left to the store,
    semicolons: what a spreadsheet saves is read as meant, and rows keep their
    spreadsheet numbers in problems."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "Case_ID ; Intake_Date;Age_Band;Sex;Pain_Side;Duration;NPRS;Red_Flags_Cleared\n"
        "K7Q2XM;2025-01-06;40-49;Female;Left;Chronic;7;1\n"
        ";;;;;;;\n"
        "P3W9HD;2025-01-09;60-69;male;both;acute;4;N\n"
    )
    (folder / "sessions.csv").write_text(
        "case_id,session_date,nprs_before,nprs_after\n"
        "K7Q2XM,2025-01-06,7,3\n"
        "\n"
        "K7Q2XM,2025-01-13,5,4\n"
    )
    (folder / "followups.csv").write_text(
        "case_id,followup_date,after_session,flare,flare_side\n"
        "K7Q2XM,2025-01-15,2,yes,left\n"
    )
    import_files(store, [folder])
    cases = store.read("case").set_index("case_id")
    assert cases.loc["K7Q2XM", "red_flags_cleared"] == "yes"
    assert cases.loc["P3W9HD", "red_flags_cleared"] == "no"
    assert store.read("session")["session_no"].tolist() == [1, 2]
    # a problem on the row after the blank ones names the row a spreadsheet shows
    (folder / "cases.csv").write_text(
        "case_id,intake_date,age_band,sex,pain_side,duration,nprs\n"
        ",,,,,,\n"
        ",2025-01-06,40-49,female,left,chronic,12\n"
    )
    (folder / "sessions.csv").unlink()
    (folder / "followups.csv").unlink()
    with pytest.raises(ValidationFailed) as info:
        import_files(store, [folder])
    assert info.value.problems["row"].tolist() == [3]


def test_an_export_leaves_no_file_of_another_kind_behind(store, tmp_path):
    populate(store, 12, seed=5)
    out = tmp_path / "X"
    export_csv(store, out, share=True)
    (out / "mine.txt").write_text("the practitioner's own file")
    export_csv(store, out)  # full data where a share was
    names = {p.name for p in out.iterdir()}
    assert "disclosure.txt" not in names and "cases.csv" in names
    export_csv(store, out, fmt="redcap")
    names = {p.name for p in out.iterdir()}
    assert names == {"redcap_data.csv", "redcap_dictionary.csv", "mine.txt"}
    export_csv(store, out, share=True)
    assert "redcap_data.csv" not in {p.name for p in out.iterdir()}
    assert (out / "mine.txt").read_text() == "the practitioner's own file"
