"""What Excel and LibreOffice write is read as meant, and a bad file's problems fit
on one screen: booleans, whole numbers stored as floats, date cells, stray spaces,
semicolons; each kind of problem once, with its rows and their count."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from casekit.cli import main
from casekit.frames import text_cell
from casekit.io.exporter import export_csv
from casekit.io.importer import cell_text, import_files
from casekit.problems import Problem, summary

CASE_HEADER = [
    "case_id",
    "intake_date",
    "age_band",
    "sex",
    "pain_side",
    "pain_regions",
    "duration",
    "nprs",
    "odi",
    "red_flags_cleared",
    "leg_pain_below_knee",
]
SESSION_HEADER = ["case_id", "session_no", "session_date", "nprs_before", "nprs_after"]
FOLLOWUP_HEADER = [
    "case_id",
    "followup_no",
    "followup_date",
    "after_session",
    "nprs",
    "flare",
    "flare_side",
    "flare_onset_hours",
    "status",
]


def workbook(path, cases, sessions=(), followups=()):
    """An .xlsx as a spreadsheet saves it: a sheet per form, cells typed (openpyxl
    writes a Python bool as a boolean cell, a float as a number, a date or a
    datetime as a date cell)."""
    book = Workbook()
    book.remove(book.active)
    for name, header, rows in (
        ("cases", CASE_HEADER, cases),
        ("sessions", SESSION_HEADER, sessions),
        ("followups", FOLLOWUP_HEADER, followups),
    ):
        if rows:
            sheet = book.create_sheet(name)
            sheet.append(header)
            for row in rows:
                sheet.append(list(row))
    book.save(path)
    return path


def test_a_workbook_with_date_cells_floats_and_booleans_imports(store, tmp_path):
    book = workbook(
        tmp_path / "practice.xlsx",
        cases=[
            # A date cell, a whole number saved as a float, TRUE / FALSE cells, a
            # label with a capital and stray spaces, codes with spaces round `|`.
            ("17", dt.date(2025, 3, 3), "40-49", " Female ", "left ",
             "low_back | hip", "chronic", 7.0, 32, True, False),
            # A datetime cell, 1 / 0 for yes / no (as some tools write them).
            ("18", dt.datetime(2025, 3, 4, 9, 30), "50-59", "male", "right",
             None, "acute", 5, 32.5, 1, 0),
        ],
        sessions=[("17", 1.0, dt.datetime(2025, 3, 3, 10, 0), 6.0, 3.0)],
        followups=[
            ("17", 1, dt.datetime(2025, 3, 5, 18, 45), 1.0, 4.0, True, "left",
             30.0, "in_care"),
        ],
    )  # fmt: skip
    result = import_files(store, [book])
    assert result.counts == {"case": 2, "session": 1, "followup": 1}
    # The given record numbers were replaced by casekit ids, sessions following.
    new = result.renamed["17"]
    case = store.get("case", new)
    assert case["intake_date"] == dt.date(2025, 3, 3)
    assert case["sex"] == "female" and case["pain_side"] == "left"
    assert case["pain_regions"] == ["low_back", "hip"]
    assert case["nprs"] == 7 and isinstance(case["nprs"], int)
    assert case["red_flags_cleared"] == "yes"  # TRUE stored as yes
    assert case["leg_pain_below_knee"] == "no"
    other = store.get("case", result.renamed["18"])
    assert other["intake_date"] == dt.date(2025, 3, 4)
    assert (other["red_flags_cleared"], other["leg_pain_below_knee"]) == ("yes", "no")
    session = store.get("session", (new, 1))
    assert session["session_date"] == dt.date(2025, 3, 3)
    assert (session["nprs_before"], session["nprs_after"]) == (6, 3)
    followup = store.get("followup", (new, 1))
    assert followup["flare"] == "yes" and followup["flare_side"] == "left"
    assert followup["followup_date"] == dt.date(2025, 3, 5)
    assert followup["after_session"] == 1 and followup["flare_onset_hours"] == 30


def test_cells_are_read_as_the_sheet_shows_them():
    assert [cell_text(v) for v in (True, False, 7.0, 7.25, 32, "x", None)] == [
        "TRUE",
        "FALSE",
        "7",
        "7.25",
        "32",
        "x",
        "",
    ]
    assert cell_text(dt.datetime(2025, 3, 3)) == "2025-03-03"
    assert cell_text(pd.Timestamp("2025-03-03 14:30")) == "2025-03-03 14:30:00"
    assert cell_text(dt.date(2025, 3, 3)) == "2025-03-03"


def test_a_bad_workbook_names_every_kind_of_problem_on_its_first_screen(
    tmp_path, capsys
):
    db = str(tmp_path / "casekit.db")
    assert main(["init", "--db", db]) == 0
    capsys.readouterr()
    good = ("17", dt.date(2025, 3, 3), "40-49", "female", "left", None, "acute", 6)
    followups = [
        ("17", n, dt.date(2025, 3, 5), 1, 4, "maybe", "left", 30, "in_care")
        for n in range(1, 30)
    ]
    followups.append(("17", 30, dt.date(2025, 3, 5), 1, 4, "no", None, None, "busy"))
    book = workbook(
        tmp_path / "practice.xlsx",
        cases=[
            good,
            # A boolean where a side is asked: shown as the person typed it.
            ("18", dt.date(2025, 3, 3), "40-49", "male", True, None, "acute", 14),
            ("19", dt.date(2025, 3, 3), "40-49", "male", "left", None, "acute", 15),
            ("20", "next week", "40-49", "male", "left", None, "acute", 99),
        ],
        # Pain on arrival typed in words: said as typed, not "missing" after.
        sessions=[("17", 1, dt.date(2025, 3, 3), "six", 3)],
        followups=followups,
    )
    assert main(["import", str(book), "--db", db]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 20  # the first screen
    cases, follow = "practice.xlsx[cases]", "practice.xlsx[followups]"
    expected = [
        f"{follow} rows 2-30 (29 rows): `flare` is 'maybe', expected one of yes, "
        "no, unknown",
        # One problem, said as it is; a refused import's case named by its row,
        # not by the id the import drew for it (thrown away).
        f"{cases} row 3: a new case: "
        "`pain_side` is 'TRUE', expected one of left, right, both, central",
        f"{cases} rows 3-5 (3 rows): `nprs` is 14, expected 0 to 10 (row 3; other "
        "rows have 15, 99)",
        f"{cases} row 5: a new case: "
        "`intake_date` is 'next week', expected a date as YYYY-MM-DD",
        "practice.xlsx[sessions] row 2: session 1 of the case of practice.xlsx[cases] "
        "row 2: "
        "`nprs_before` is 'six', expected a number",
        f"{follow} row 31: follow-up 30 of the case of {cases} row 2: "
        "`status` is 'busy', expected one of in_care, discharged, lost, withdrew",
        f"{cases} rows 2-5 (4 rows): warning: the given case id is not a casekit "
        "code (or looks like a record, phone or other identifying number), so it was "
        "replaced",
    ]
    for words in expected:
        assert words in out, words
    # Nothing said in Python's words: an unreadable answer is not "None", and
    # whether `flare_side` should have been given is not guessed at.
    assert "None" not in out and "flare_side" not in out and "missing" not in out


def test_the_problems_of_stored_records_are_each_printed():
    """`casekit check` finds problems of stored records (no file rows): each is
    printed with its case, a warning of a rule at most `each` times."""
    found = [
        Problem(rule="flare_without_side", form="followup", case_id=f"CASE{i:02d}",
                instance=1, field="flare_side", severity="warning", source="followup")
        for i in range(12)
    ]  # fmt: skip
    lines = summary(found, each=10)
    assert len(lines) == 11 and "CASE00" in lines[0] and "CASE09" in lines[9]
    assert (
        lines[-1] == "... and 2 more warnings like these about `flare_side` (followup)"
    )


def test_an_unanswered_question_is_empty_not_none():
    problem = Problem(
        rule="hidden_given",
        form="followup",
        field="flare_side",
        value="left",
        other="flare",
        other_value=None,
        detail="yes",
        severity="warning",
    )
    assert "`flare_side` is given although `flare` is empty" in problem.problem
    assert "None" not in problem.problem


def test_ten_thousand_unknown_columns_are_one_line(store, tmp_path, capsys):
    extra = [f"column_{i}" for i in range(10_000)]
    header = "case_id,intake_date,age_band,sex,pain_side,duration,nprs," + ",".join(
        extra
    )
    row = ",2025-03-03,40-49,female,left,acute,6," + ",".join("x" * len(extra))
    (tmp_path / "cases.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    code = main(["import", str(tmp_path / "cases.csv"), "--db", str(store.path)])
    assert code == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "cases.csv: 10000 columns are not fields of the case form: `column_0`, "
        "`column_1`, `column_2`, `column_3`, `column_4` and 9995 more; expected "
        "field codes such as case_id, site, intake_date, age_band, ... (see "
        "dictionary.csv of an export)"
    ]


def test_a_semicolon_file_from_european_excel_is_read(store, tmp_path):
    (tmp_path / "cases.csv").write_text(
        "case_id;intake_date;age_band;sex;pain_side;duration;nprs;odi;notes\n"
        ';2025-03-03;40-49;female;left;acute;6;32,5;"sore; then better, walks"\n'
        ";2025-03-04;50-59;male;right;chronic;4;;\n",
        encoding="utf-8-sig",  # Excel's "CSV UTF-8" starts with a BOM
    )
    result = import_files(store, [tmp_path / "cases.csv"])
    assert result.counts == {"case": 2}
    cases = store.read("case").sort_values("intake_date")
    assert cases["odi"].iloc[0] == 32.5
    assert cases["notes"].iloc[0] == "sore; then better, walks"


@pytest.mark.parametrize(
    "text, where",
    [
        ("case_id,intake_date\n,2025-03-03,x,y\n", "row 2 has more cells"),
        ("case_id,intake_date\n,2025-03-03\n,2025-03-04,x\n", "row 3 has 3 cells"),
    ],
)
def test_a_row_longer_than_its_header_is_one_clear_line(tmp_path, capsys, text, where):
    (tmp_path / "cases.csv").write_text(text)
    assert main(["init", "--db", str(tmp_path / "a.db")]) == 0
    code = main(["import", str(tmp_path / "cases.csv"), "--db", str(tmp_path / "a.db")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and where in err[0] and "separator" in err[0]
    assert "tokenizing" not in err[0] and "C error" not in err[0]


def test_a_whole_number_comes_back_as_it_was_typed(store, tmp_path):
    from conftest import case_record

    store.add("case", case_record(odi=32))
    store.add("case", case_record(odi=32.5))
    (path, *_) = export_csv(store, tmp_path / "out")
    odi = pd.read_csv(path, dtype=str, keep_default_na=False)["odi"]
    assert sorted(odi) == ["32", "32.5"]
    field = store.dictionary["case"]["odi"]
    assert [text_cell(field, v) for v in (32.0, 0.1 + 0.2, 1e20)] == [
        "32",
        "0.30000000000000004",
        "1e+20",
    ]


HUGE = ["99999999999999999999", "9223372036854775807", "1e308"]


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_huge_whole_number_is_a_problem_and_nothing_is_written(
    tmp_path, capsys, huge, kind
):
    """In a whole-number cell of either form, the number is one problem line,
    exit 1 and an empty store (it was an OverflowError's traceback)."""
    db = str(tmp_path / "casekit.db")
    assert main(["init", "--db", db]) == 0
    case = ["", "2025-03-03", "40-49", "female", "left", "", "acute", huge]
    session = ["", huge, "2025-03-03", "6", "3"]
    if kind == "csv":
        files = [tmp_path / "cases.csv", tmp_path / "sessions.csv"]
        case[0] = session[0] = "K7Q2XM"
        for path, header, row in zip(
            files, (CASE_HEADER, SESSION_HEADER), (case, session), strict=True
        ):
            path.write_text(f"{','.join(header)}\n{','.join(row)}\n")
    else:
        case[0] = session[0] = "17"
        # Excel keeps a number as a float: 1e20 for twenty nines.
        case[7] = session[1] = float(huge) if huge != HUGE[1] else int(huge)
        files = [workbook(tmp_path / "practice.xlsx", [case], [session])]
    capsys.readouterr()
    code = main(["import", *map(str, files), "--db", db])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err and "Error" not in out + err
    assert "`nprs` is" in out and "expected a whole number from 0 to 10" in out
    assert "`session_no` is" in out and "from 1 to 2147483647" in out
    assert "nothing was written" in err
    capsys.readouterr()
    assert main(["check", "--db", db]) == 0
    assert "0 cases" in capsys.readouterr().out


CP1252_CASES = (
    "case_id;intake_date;age_band;sex;pain_side;duration;nprs;notes\n"
    ";2025-03-03;40-49;female;left;acute;6;café visit, paid £20 – sore\n"
)


def test_a_windows_1252_csv_from_excel_is_read_and_said_so(store, tmp_path, capsys):
    """Excel's "CSV (Comma delimited)" on Windows is Windows-1252, not UTF-8: its
    é, £ and – come through, and the import says which encoding it assumed."""
    path = tmp_path / "cases.csv"
    path.write_bytes(CP1252_CASES.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")  # the file really is not UTF-8
    assert main(["import", str(path), "--db", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cases.csv: not UTF-8 text, read as Windows-1252")
    assert store.read("case")["notes"].tolist() == ["café visit, paid £20 – sore"]


def test_a_file_neither_utf8_nor_windows_1252_is_refused(tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"case_id,notes\n,\x81\x8d\x8f\n")  # undefined in cp1252 too
    assert main(["init", "--db", str(tmp_path / "a.db")]) == 0
    code = main(["import", str(path), "--db", str(tmp_path / "a.db")])
    assert code == 1
    assert "neither UTF-8 nor Windows-1252" in capsys.readouterr().err


def test_an_empty_extra_sheet_is_skipped(store, tmp_path):
    good = ("17", dt.date(2025, 3, 3), "40-49", "female", "left", None, "acute", 6)
    book = workbook(tmp_path / "practice.xlsx", cases=[good])
    sheets = load_workbook(book)
    sheets.create_sheet("Sheet2")  # as a new workbook comes
    sheets.save(book)
    assert import_files(store, [book]).counts == {"case": 1}


@pytest.mark.parametrize(
    "header, said",
    [
        (["nprs", "nprs"], "column `nprs` appears twice; keep one"),
        (["NPRS ", "nprs"], "columns `NPRS` and `nprs` are the same field `nprs`"),
        (["nprs", "odi", "nprs", "odi", "nprs"], "column `nprs` appears 3 times"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_repeated_column_is_named_as_typed(tmp_path, capsys, header, said, kind):
    first = ["case_id", "intake_date", "age_band", "sex", "pain_side", "duration"]
    row = ["", "2025-03-03", "40-49", "female", "left", "acute"] + ["6"] * len(header)
    if kind == "csv":
        path = tmp_path / "cases.csv"
        path.write_text(",".join(first + header) + "\n" + ",".join(row) + "\n")
    else:
        path = tmp_path / "practice.xlsx"
        book = Workbook()
        book.active.title = "cases"
        book.active.append(first + header)
        book.active.append(row)
        book.save(path)
    assert main(["init", "--db", str(tmp_path / "a.db")]) == 0
    code = main(["import", str(path), "--db", str(tmp_path / "a.db")])
    err = capsys.readouterr().err
    assert code == 1
    assert said in err and "`nprs.1`" not in err
