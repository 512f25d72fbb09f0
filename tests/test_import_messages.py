"""An import's refusals in the practitioner's words, one line each, exit non-zero
and nothing written: headers typed as labels, Excel's UTF-16 "Unicode Text", its
empty trailing columns, a file that is not a workbook, a withdrawn case, and
advice that names the store as it was named (`--db`)."""

from __future__ import annotations

import datetime as dt
import shlex

import pytest
from conftest import case_record
from openpyxl import Workbook

from casekit import Store
from casekit.cli import main
from casekit.errors import InvalidSite

CASE_HEADER = "site,intake_date,age_band,sex,pain_side,duration,nprs"
CASE_ROW = "main,2025-03-04,30-39,female,left,acute,6"
LABELS = "Case ID,Date,Pain before,Pain after"


def _import(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Error" not in out + err
    return code, out, err


def _sheet(path, name, rows):
    book = Workbook()
    book.active.title = name
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("name", ["sessions", "followups", "exams"])
def test_a_form_whose_columns_are_labels_is_one_line(store, tmp_path, capsys, name):
    """A table none of whose columns is a field code (the form's labels typed
    instead) was a traceback (zip() argument 2 is shorter than argument 1)."""
    path = tmp_path / f"{name}.csv"
    path.write_text(f"{LABELS}\nAB12CD,2025-03-22,5,3\n")
    code, out, err = _import(capsys, path, "--db", store.where)
    assert code == 1
    noun = {"sessions": "session", "followups": "follow-up", "exams": "exam"}[name]
    assert out.splitlines()[0].startswith(
        f"{name}.csv: 4 columns are not fields of the {noun} form: `case id`, "
    )
    assert "expected field codes such as case_id" in out
    assert "nothing was written" in err
    assert store.frames()["session"].empty


def test_a_sheet_whose_columns_are_labels_is_one_line(store, tmp_path, capsys):
    book = _sheet(
        tmp_path / "practice.xlsx",
        "sessions",
        [LABELS.split(","), ["AB12CD", dt.date(2025, 3, 22), 5, 3]],
    )
    code, out, _ = _import(capsys, book, "--db", store.where)
    assert code == 1
    assert "practice.xlsx[sessions]: 4 columns are not fields" in out


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_utf16_file_from_excel_is_read(store, tmp_path, capsys, sep):
    """Excel's "Unicode Text" is UTF-16 (little-endian, with its byte-order mark)
    and tab-separated; it was read as Windows-1252 (`ÿþs i t e`)."""
    text = f"{CASE_HEADER},notes\r\n{CASE_ROW},café £5\r\n".replace(",", sep)
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode("utf-16"))  # a BOM, then little-endian here
    assert path.read_bytes()[:2] == b"\xff\xfe"
    code, out, _ = _import(capsys, path, "--db", store.where)
    assert code == 0, out
    assert "Windows-1252" not in out and out.startswith("imported 1 case\n")
    assert store.read("case")["notes"].tolist() == ["café £5"]


def test_a_utf16_file_without_its_mark_is_read(store, tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_bytes(f"{CASE_HEADER}\n{CASE_ROW}\n".encode("utf-16-le"))
    code, out, _ = _import(capsys, path, "--db", store.where)
    assert (code, out.splitlines()[0]) == (0, "imported 1 case")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_empty_columns_after_the_last_are_skipped(store, tmp_path, capsys, kind):
    """Excel saves the empty columns it once touched (`nprs,,,`): skipped, as an
    empty Sheet2 is; they were "3 columns are not fields ...: `unnamed: 8`"."""
    header, row = CASE_HEADER.split(",") + ["", "", ""], CASE_ROW.split(",")
    if kind == "csv":
        path = tmp_path / "cases.csv"
        path.write_text(",".join(header) + "\n" + ",".join(row) + ",,,\n")
    else:
        path = tmp_path / "practice.xlsx"
        book = _sheet(path, "cases", [header, row])
        from openpyxl import load_workbook

        again = load_workbook(book)
        again["cases"]["J2"].value = " "  # a cell once touched, left blank
        again.save(book)
    code, out, _ = _import(capsys, path, "--db", store.where)
    assert (code, out.splitlines()[0]) == (0, "imported 1 case")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_column_with_values_but_no_name_is_named_by_its_place(
    store, tmp_path, capsys, kind
):
    header = CASE_HEADER.split(",") + ["", "odi"]
    row = CASE_ROW.split(",") + ["7", "20"]
    if kind == "csv":
        path = tmp_path / "cases.csv"
        path.write_text(",".join(header) + "\n" + ",".join(row) + "\n")
    else:
        path = _sheet(tmp_path / "practice.xlsx", "cases", [header, row])
    code, out, err = _import(capsys, path, "--db", store.where)
    assert code == 1 and "nothing was written" in err
    assert "the header row has no name for column 8 (H); type a field code" in out
    assert "unnamed" not in out.lower()
    assert store.case_ids() == set()


@pytest.mark.parametrize("content", [b"x\n", b"case_id,site\n", b""])
def test_a_file_that_is_not_a_workbook_says_so(tmp_path, capsys, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    assert main(["init", "--db", str(tmp_path / "a.db")]) == 0
    code, out, err = _import(capsys, path, "--db", tmp_path / "a.db")
    assert code == 1 and out == ""
    assert err == (
        f"casekit: error: {path}: is not an Excel workbook (.xlsx); open it in "
        "Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8\n"
    )
    assert "engine" not in err


def test_a_damaged_workbook_says_so_in_plain_words(tmp_path, capsys):
    import zipfile

    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("hello.txt", "not a workbook inside")
    assert main(["init", "--db", str(tmp_path / "a.db")]) == 0
    code, _, err = _import(capsys, path, "--db", tmp_path / "a.db")
    assert code == 1
    assert "cannot be read as an Excel workbook (.xlsx); open it in Excel" in err
    assert len(err.strip().splitlines()) == 1


def test_a_session_of_a_withdrawn_case_says_it_was_withdrawn(store, tmp_path, capsys):
    case_id = store.add("case", case_record())["case_id"]
    store.delete("case", case_id, reason="withdrew consent")
    path = tmp_path / "sessions.csv"
    path.write_text(f"case_id,session_date,nprs_before\n{case_id},2025-03-22,5\n")
    code, out, err = _import(capsys, path, "--db", store.where)
    today = dt.date.today().isoformat()
    assert code == 1 and "nothing was written" in err
    assert out == (
        f"sessions.csv row 2: session 1 of case {case_id}: `case_id` {case_id!r} "
        f"is a case that was withdrawn on {today}: a withdrawn case takes no new "
        "records\n"
    )


@pytest.mark.parametrize("folder", ["data", "my stores"])
def test_the_unknown_site_advice_names_the_store_given(tmp_path, capsys, folder):
    """The advice is a command to paste: with `--db PATH` when one was given
    (quoted for a shell), without it for the default store."""
    db = tmp_path / folder / "s.db"
    assert main(["init", "--db", str(db)]) == 0
    path = tmp_path / "cases.csv"
    path.write_text(f"{CASE_HEADER}\n{CASE_ROW.replace('main', 'north')}\n")
    code, out, _ = _import(capsys, path, "--db", db)
    assert code == 1
    command = f"casekit site add north --db {shlex.quote(str(db))}"
    assert out.rstrip().endswith(f"add it first with: {command}")
    assert main(shlex.split(command)[1:]) == 0
    assert _import(capsys, path, "--db", db)[0] == 0


def test_the_unknown_site_advice_without_db_has_none(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    assert main(["init"]) == 0
    (tmp_path / "cases.csv").write_text(
        f"{CASE_HEADER}\n{CASE_ROW.replace('main', 'north')}\n"
    )
    code, out, _ = _import(capsys, "cases.csv")
    assert code == 1
    assert out.rstrip().endswith("add it first with: casekit site add north")


def test_the_other_advice_names_the_store_given(tmp_path, capsys):
    db = tmp_path / "my stores" / "s.db"
    assert main(["check", "--db", str(db)]) != 0
    err = capsys.readouterr().err
    assert f"`casekit init --db {shlex.quote(str(db))}`" in err
    with Store(db, create=True) as store:
        assert store.command("check", "--redact-reasons") == (
            f"casekit check --redact-reasons --db {shlex.quote(str(db))}"
        )
    with Store(db) as named:
        assert named.command("grant", "north").startswith("casekit grant north --db")


@pytest.mark.parametrize(
    "typed, stored", [("North", "north"), ("Leeds-Road", "leeds-road")]
)
def test_site_add_stores_a_capitalised_code_in_lower_case(store, capsys, typed, stored):
    """Import reads `North` as `north`; `site add North` was refused as no code."""
    assert main(["site", "add", typed, "--db", store.where]) == 0
    assert capsys.readouterr().out == (
        f"site {stored} added (codes are lower case: {typed} is {stored})\n"
    )
    assert store.sites() == sorted(["main", stored])
    assert main(["site", "add", stored, "--db", store.where]) == 0
    assert capsys.readouterr().out == f"site {stored} was already listed\n"


@pytest.mark.parametrize("typed", ["Jane-Smith", "jane-smith", "MARGARET"])
def test_site_add_still_refuses_a_name_in_any_case(store, capsys, typed):
    with pytest.raises(InvalidSite):
        store.add_site(typed)
    assert main(["site", "add", typed, "--db", store.where]) == 1
    err = capsys.readouterr().err
    assert "cannot be used: looks like a name" in err
    assert store.sites() == ["main"]


@pytest.mark.parametrize(
    "cell, stored",
    [('"1,500"', None), ('"12,345"', None), ('"7,0"', 7.0), ('"0,500"', 0.5)],
)
def test_a_comma_that_may_group_thousands_is_refused_not_guessed(
    store, tmp_path, capsys, cell, stored
):
    """English Excel writes fifteen hundred as "1,500" (#,##0); elsewhere it is 1.5.
    A decimal comma that cannot be a thousands separator is read as before."""
    folder = tmp_path / "odi"
    folder.mkdir()
    (folder / "cases.csv").write_text(f"{CASE_HEADER},odi\n{CASE_ROW},{cell}\n")
    code, out, err = _import(capsys, folder, "--db", store.url)
    if stored is None:
        assert code == 1 and "nothing was written" in err
        assert "cases.csv row 2" in out and "`odi`" in out
        assert "thousands separator" in out
        assert store.case_ids() == set()
    else:
        assert code == 0, out + err
        assert store.frames()["case"]["odi"].tolist() == [stored]
