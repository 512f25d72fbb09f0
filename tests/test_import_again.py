"""`casekit import` on a clinic day, as a walk-through found it: a store named
with a typo is refused, not made; the same file imported twice is refused, not
stored twice (and `casekit check` finds a store where it happened before); each
new case's id is said, and written to a file when asked; a withdrawn case's id
given again is one row's problem, not a database error."""

from __future__ import annotations

import datetime as dt
import re
import stat

import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.dictionary import load_dictionary
from casekit.errors import ValidationFailed
from casekit.frames import typed_frame
from casekit.io.importer import import_files
from casekit.repeats import compared, row_hashes, stored_repeats

CASES = "case_id,site,intake_date,age_band,sex,pain_side,duration,nprs\n"
TODAY = dt.date.today().isoformat()


def _cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _cases(path, *ids):
    """A cases.csv with one intake row per id (an empty one: no id)."""
    first = dt.date(2025, 1, 6)
    rows = [
        f"{case_id},main,{first + dt.timedelta(days=i)},40-49,female,left,acute,"
        f"{i % 10}\n"
        for i, case_id in enumerate(ids)
    ]
    path.write_text(CASES + "".join(rows))
    return path


# -- 1. a store that is not there is refused, not made ---------------------------


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_an_import_into_a_store_named_with_a_typo_is_refused(tmp_path, capsys, dry_run):
    """`--db a.bd` for a.db made a new store and imported into it (exit 0)."""
    assert main(["init", "--db", str(tmp_path / "x" / "a.db")]) == 0
    typo = tmp_path / "x" / "a.bd"
    cases = _cases(tmp_path / "cases.csv", "")
    code, out, err = _cli(capsys, "import", cases, "--db", typo, *dry_run)
    assert code == 1 and out == ""
    assert err == (
        f"casekit: error: store {typo}: does not exist; create it with "
        f"`casekit init --db {typo}`\n"
    )
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["a.db"]


def test_an_import_makes_no_folder_nor_store_for_casekit_db(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("CASEKIT_DB", str(tmp_path / "typo" / "x.db"))
    code, _, err = _cli(capsys, "import", _cases(tmp_path / "cases.csv", ""))
    assert code == 1 and "does not exist; create it with `casekit init" in err
    assert not (tmp_path / "typo").exists()


def test_a_failed_import_leaves_no_empty_store(tmp_path, capsys, monkeypatch):
    """`casekit import nothere.csv` said so (exit 2) and left data/casekit.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    code, _, err = _cli(capsys, "import", "nothere.csv")
    assert code == 1 and "data/casekit.db: does not exist" in err
    assert list(tmp_path.iterdir()) == []


# -- 2. the same file imported twice ---------------------------------------------


def test_a_cases_file_without_ids_imported_twice_is_refused(db_url, tmp_path, capsys):
    assert main(["init", "--db", db_url]) == 0
    cases = _cases(tmp_path / "cases.csv", "", "")
    assert _cli(capsys, "import", cases, "--db", db_url)[0] == 0
    with Store(db_url) as store:
        first = store.read("case").sort_values("intake_date")["case_id"].tolist()
    for dry_run in ([], ["--dry-run"]):
        code, out, err = _cli(capsys, "import", cases, "--db", db_url, *dry_run)
        assert code == 1 and "nothing was written" in err
        assert out == (
            f"cases.csv rows 2-3 (2 rows): identical to case {first[0]} already "
            "stored (every intake answer, its id aside): was this file imported "
            "before? If the rows are new records, import with --allow-repeats (row "
            f"2; other rows have case {first[1]})\n"
        )
    with Store(db_url) as store:
        assert len(store.case_ids()) == 2
    code, out, _ = _cli(capsys, "import", cases, "--db", db_url, "--allow-repeats")
    assert code == 0 and "imported 2 cases" in out
    # What --allow-repeats let in, `casekit check` still points at, as warnings.
    code, out, _ = _cli(capsys, "check", "--db", db_url)
    assert code == 0 and "0 errors, 2 warnings" in out
    assert len(re.findall(r"warning: case \w+: identical to case \w+ \(", out)) == 2


def test_a_session_imported_twice_is_refused(db_url, tmp_path, capsys):
    """`SSHDRS,2026-11-28,5,3` imported twice made sessions 1 and 2, identical."""
    with Store(db_url, create=True) as store:
        case_id = store.add("case", case_record())["case_id"]
    path = tmp_path / "sessions.csv"
    path.write_text(
        f"case_id,session_date,nprs_before,nprs_after\n{case_id},2025-03-28,5,3\n"
    )
    assert _cli(capsys, "import", path, "--db", db_url)[0] == 0
    code, out, err = _cli(capsys, "import", path, "--db", db_url)
    assert code == 1 and "1 problem found; nothing was written" in err
    assert out == (
        f"sessions.csv row 2: identical to session 1 of case {case_id} already "
        "stored (its date and every answer, its number aside): was this file "
        "imported before? If the rows are new records, import with --allow-repeats\n"
    )
    # Another answer, another day: a session of its own.
    path.write_text(
        "case_id,session_date,nprs_before,nprs_after\n"
        f"{case_id},2025-03-28,5,4\n{case_id},2025-03-29,5,3\n"
    )
    assert _cli(capsys, "import", path, "--db", db_url)[0] == 0
    with Store(db_url) as store:
        assert sorted(store.read("session")["session_no"]) == [1, 2, 3]


@pytest.mark.parametrize("form", ["followup", "exam"])
def test_a_followup_or_exam_identical_to_a_stored_one_is_refused(store, tmp_path, form):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    record = (
        followup_record(case_id)
        if form == "followup"
        else {"case_id": case_id, "exam_date": dt.date(2025, 3, 3), "examiner": "ab"}
    )
    store.add(form, record)
    path = tmp_path / f"{form}s.csv"
    cells = {k: v for k, v in record.items() if v is not None}
    path.write_text(
        ",".join(cells) + "\n" + ",".join(str(v) for v in cells.values()) + "\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        import_files(store, [path])
    [problem] = refused.value.found
    assert (problem.rule, problem.row, problem.source) == (
        "repeat_of_stored",
        2,
        path.name,
    )
    assert (
        problem.value
        == f"{'follow-up' if form == 'followup' else 'exam'} 1 of case {case_id}"
    )
    assert len(store.read(form)) == 1
    assert import_files(store, [path], allow_repeats=True).written
    assert len(store.read(form)) == 2


def test_an_export_imported_again_says_already_stored_once(store, tmp_path):
    """A row whose key is stored already is that problem alone, not two."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    path = tmp_path / "sessions.csv"
    path.write_text(
        "case_id,session_no,session_date,nprs_before,nprs_after,regions_treated,"
        f"techniques\n{case_id},1,2025-03-03,6,3,lumbar|hip_flexors,soft_tissue\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        import_files(store, [path])
    assert [p.rule for p in refused.value.found] == ["already_stored"]


def test_check_warns_of_identical_records_stored_before(store, capsys, db_url):
    """A store that took a file twice before imports refused it."""
    case_id = store.add("case", case_record())["case_id"]
    again = store.add("case", case_record())["case_id"]
    store.add_many({"session": [session_record(case_id)] * 2})
    store.add("session", session_record(case_id, nprs_after=2))
    found = stored_repeats(store.dictionary, store.frames())
    assert [(p.form, p.severity) for p in found] == [
        ("case", "warning"),
        ("session", "warning"),
    ]
    assert {found[0].case_id, found[0].value.removeprefix("case ")} == {
        case_id,
        again,
    }
    assert (found[1].case_id, found[1].instance) == (case_id, 2)
    assert found[1].value == f"session 1 of case {case_id}"
    code, out, _ = _cli(capsys, "check", "--db", db_url)
    assert code == 0 and "0 errors, 2 warnings" in out
    assert (
        f"warning: session 2 of case {case_id}: identical to session 1 of case "
        f"{case_id} (its date and every answer, its number aside): was a file "
        "imported twice? If so, remove the repeat"
    ) in out


def test_a_row_hashes_the_same_read_from_the_store_or_from_a_file():
    dictionary = load_dictionary()
    for form, record, field in [
        ("case", {**case_record(), "case_id": "K7Q2XM"}, "pain_regions"),
        ("session", session_record("K7Q2XM"), "nprs_after"),
        ("followup", followup_record("K7Q2XM"), "flare_onset_hours"),
    ]:
        spec = dictionary[form]
        frame = typed_frame(spec, [record, {**record}])
        other = typed_frame(spec, [{**record, field: None}])
        codes = compared(spec, frame)
        hashes = row_hashes(spec, frame, codes)
        assert hashes.iloc[0] == hashes.iloc[1]
        assert row_hashes(spec, other, codes).iloc[0] != hashes.iloc[0]


# -- 3. each new case's id, said -------------------------------------------------


def test_an_import_says_each_new_cases_id(store, db_url, tmp_path, capsys):
    cases = _cases(tmp_path / "cases.csv", "", "K7Q2XM", "MRN2345")
    code, out, _ = _cli(capsys, "import", cases, "--db", db_url)
    assert code == 0
    said = dict(re.findall(r"^  cases\.csv row (\d+) -> (\w+)$", out, re.M))
    assert set(said) == {"2", "4"}  # K7Q2XM is kept as the file gave it
    assert store.case_ids() == {"K7Q2XM", said["2"], said["4"]}
    assert "MRN2345" not in out
    assert "case ids given by this import (a file's row -> its case's id):" in out


def test_ids_past_the_first_twenty_are_written_when_asked(
    store, db_url, tmp_path, capsys
):
    cases = _cases(tmp_path / "cases.csv", *[""] * 25)
    code, out, _ = _cli(capsys, "import", cases, "--db", db_url, "--dry-run")
    assert "25 cases would get a new case id; the import lists the first 20" in out
    assert " -> " not in out  # a dry run's ids are drawn again by the import
    ids = tmp_path / "ids.csv"
    code, out, _ = _cli(capsys, "import", cases, "--db", db_url, "--ids-out", ids)
    assert code == 0
    assert len(re.findall(r"^  cases\.csv row \d+ -> \w+$", out, re.M)) == 20
    assert out.endswith(f"  ... and 5 more\nevery new case's row and case id: {ids}\n")
    lines = ids.read_text().splitlines()
    assert lines[0] == "row,case_id" and len(lines) == 26
    rows = dict(line.split(",") for line in lines[1:])
    assert list(rows) == [str(n) for n in range(2, 27)]
    assert set(rows.values()) == store.case_ids()
    assert stat.S_IMODE(ids.stat().st_mode) == 0o600


def test_without_ids_out_the_rest_are_counted(store, db_url, tmp_path, capsys):
    cases = _cases(tmp_path / "cases.csv", *[""] * 21)
    code, out, _ = _cli(capsys, "import", cases, "--db", db_url)
    assert code == 0 and out.endswith(
        "  ... and 1 more, not listed (--ids-out FILE: all)\n"
    )


def test_an_ids_file_in_the_way_is_refused_before_anything_is_written(
    store, db_url, tmp_path, capsys
):
    ids = tmp_path / "ids.csv"
    ids.write_text("mine\n")
    cases = _cases(tmp_path / "cases.csv", "")
    code, _, err = _cli(capsys, "import", cases, "--db", db_url, "--ids-out", ids)
    assert code == 2 and "already exists" in err
    assert ids.read_text() == "mine\n" and store.case_ids() == set()
    code, _, err = _cli(
        capsys, "import", cases, "--db", db_url, "--ids-out", tmp_path / "n.csv",
        "--dry-run",
    )  # fmt: skip
    assert code == 2 and "a --dry-run gives none" in err


def test_an_ids_file_that_cannot_be_made_is_refused_before_the_import(
    store, db_url, tmp_path, capsys
):
    """`--ids-out /proc/ids.csv` imported the cases, then failed to write the
    file: every drawn id was lost, and importing again is refused as repeats."""
    cases = _cases(tmp_path / "cases.csv", "", "")
    code, out, err = _cli(
        capsys, "import", cases, "--db", db_url, "--ids-out", "/proc/ids.csv"
    )
    assert code == 2 and "cannot be written there" in err and out == ""
    assert store.case_ids() == set()


def test_a_refused_import_leaves_no_ids_file(store, db_url, tmp_path, capsys):
    cases = _cases(tmp_path / "cases.csv", "", "")
    (tmp_path / "sessions.csv").write_text("case_id,session_date\nNOSUCH,2025-01-09\n")
    ids = tmp_path / "ids.csv"
    files = [cases, tmp_path / "sessions.csv"]
    assert _cli(capsys, "import", *files, "--db", db_url, "--ids-out", ids)[0] == 1
    assert not ids.exists() and store.case_ids() == set()
    assert _cli(capsys, "import", cases, "--db", db_url, "--ids-out", ids)[0] == 0
    assert ids.read_text().splitlines()[0] == "row,case_id"
    assert ids.stat().st_mode & 0o777 == 0o600


def test_a_refused_import_names_a_new_case_by_its_row(store, db_url, tmp_path, capsys):
    """`follow-up 1 of case UYRSZ5` named an id the refusal threw away, for a row
    that says MRN2345."""
    cases = _cases(tmp_path / "cases.csv", "", "MRN2345")
    (tmp_path / "followups.csv").write_text(
        "case_id,followup_date,after_session,nprs,flare\nMRN2345,2025-01-09,1,4,maybe\n"
    )
    files = [cases, tmp_path / "followups.csv"]
    code, out, _ = _cli(capsys, "import", *files, "--db", db_url)
    assert code == 1
    assert (
        "followups.csv row 2: follow-up of the case of cases.csv row 3: `flare` is "
        "'maybe'"
    ) in out
    assert "cases.csv row 3: warning: a new case: the given case id" in out
    assert not re.search(r"case [A-Z0-9]{6}\b", out)


# -- 4. a withdrawn case's id given again ----------------------------------------


def test_a_withdrawn_cases_id_imported_again_is_a_row_problem(
    store, db_url, tmp_path, capsys
):
    """It was `UNIQUE constraint failed: cases.case_id`, naming no file or row."""
    store.add("case", case_record(case_id="K7Q2XM"))
    store.delete("case", "K7Q2XM", reason="withdrew consent")
    cases = _cases(tmp_path / "cases.csv", "", "K7Q2XM")
    for dry_run in ([], ["--dry-run"]):
        code, out, err = _cli(capsys, "import", cases, "--db", db_url, *dry_run)
        assert code == 1 and "UNIQUE" not in out + err
        assert out == (
            "cases.csv row 3: case K7Q2XM: `case_id` 'K7Q2XM' is a case that was "
            f"withdrawn on {TODAY}: a withdrawn case takes no new records\n"
        )
    assert store.case_ids(include_deleted=False) == set()


def test_a_withdrawn_case_in_an_old_file_without_ids_is_not_logged_again(
    db_url, tmp_path, capsys
):
    """An old spreadsheet imported again, ids left empty, gave a withdrawn case a
    fresh id and its data back: refused, whatever --allow-repeats says."""
    assert main(["init", "--db", db_url]) == 0
    cases = _cases(tmp_path / "cases.csv", "", "")
    assert _cli(capsys, "import", cases, "--db", db_url)[0] == 0
    with Store(db_url) as store:
        frame = store.read("case").sort_values("intake_date")
        gone, kept = frame["case_id"].tolist()
        store.delete("case", gone, reason="withdrew consent")
    for flags in ([], ["--dry-run"], ["--allow-repeats"]):
        code, out, err = _cli(capsys, "import", cases, "--db", db_url, *flags)
        assert code == 1 and "nothing was written" in err
        assert (
            f"cases.csv row 2: identical in every intake answer to case {gone}, "
            f"withdrawn on {TODAY}: a withdrawn case is not logged again"
        ) in out
        # the other row repeats a case still stored: that one --allow-repeats lets in
        assert ("identical to case" in out) == (flags != ["--allow-repeats"])
    with Store(db_url) as store:
        assert store.case_ids(include_deleted=False) == {kept}
        assert len(store.case_ids()) == 2


def test_the_number_of_a_removed_session_given_again_is_a_row_problem(
    store, db_url, tmp_path, capsys
):
    """It was `UNIQUE constraint failed: sessions.case_id, sessions.session_no`."""
    store.add("case", case_record(case_id="K7Q2XM"))
    store.add("session", session_record("K7Q2XM"))
    store.add("session", session_record("K7Q2XM", nprs_after=2))
    store.delete("session", ("K7Q2XM", 2), reason="entered twice")
    path = tmp_path / "sessions.csv"
    path.write_text(
        "case_id,session_no,session_date,nprs_before,nprs_after\n"
        "K7Q2XM,2,2025-03-04,5,3\n"
    )
    code, out, err = _cli(capsys, "import", path, "--db", db_url)
    assert code == 1 and "UNIQUE" not in out + err
    assert out == (
        "sessions.csv row 2: session 2 of case K7Q2XM: `session_no` 2 is the number "
        f"of a session removed on {TODAY}: a removed one keeps its number; leave "
        "`session_no` empty to number it anew\n"
    )
    path.write_text(
        "case_id,session_date,nprs_before,nprs_after\nK7Q2XM,2025-03-04,5,3\n"
    )
    assert _cli(capsys, "import", path, "--db", db_url)[0] == 0
    assert sorted(store.read("session")["session_no"]) == [1, 3]
