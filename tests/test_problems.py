"""Problems as data: each rule worded once, from its parts, for the terminal and the
problems table (codes, the record named) and for a form (labels, no record)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import casekit
from casekit.cli import main
from casekit.dictionary import load_dictionary
from casekit.problems import RULES, Problem, problems_frame, summary, where
from casekit.ui.forms import in_words

D = load_dictionary()


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_is_worded_for_the_terminal_and_for_a_form(rule):
    problem = Problem(
        rule=rule,
        form="session",
        case_id="K7Q2XM",
        instance=3,
        field="nprs_after",
        value="14",
        label="Pain right after care (NPRS 0-10)",
        detail="0 to 10",
        other="nprs_before",
        other_value="6",
    )
    terminal = problem.problem
    assert terminal in (problem.says(), f"session 3 of case K7Q2XM: {problem.says()}")
    assert "{" not in terminal and "None" not in terminal
    words = in_words(problem, D["session"])
    assert "`" not in words and "K7Q2XM" not in words and "nprs_" not in words
    assert words[0] == words[0].upper()
    assert problems_frame([problem])["problem"].tolist() == [terminal]


def test_the_terminal_names_a_missing_field_with_its_label():
    problem = Problem(rule="required", form="case", field="age_band", label="Age band")
    assert problem.problem == "a new case: `age_band` (Age band) is required"
    assert in_words(problem, D["case"]) == "Age band is required"


def test_validation_imports_nothing_above_it():
    """The rules run without a store, widgets or files: `validate` and `problems`
    import no higher layer."""
    root = Path(casekit.__file__).parent
    for module in ("validate.py", "problems.py", "checks.py"):
        tree = ast.parse((root / module).read_text())
        imported = {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level
        }
        assert not {m.split(".")[0] for m in imported} & {"store", "ui", "io"}


def _screened(row: int, rule: str, field: str, found: str) -> Problem:
    """A problem as validation makes it of a value the identifier screen refused:
    the value withheld, what was found in the detail."""
    return Problem(
        rule=rule,
        form="exam" if rule == "bad_code" else "session",
        case_id="K7Q2XM",
        field=field,
        value="(withheld)",
        detail=f"looks like {found}",
        source="exams.csv" if rule == "bad_code" else "sessions.csv",
        row=row,
    )


def test_findings_of_different_kinds_are_never_one_line():
    # Grouped by rule and field alone, a phone number was reported as a name.
    lines = summary(
        [
            _screened(2, "bad_code", "examiner", "a name ('priya')"),
            _screened(3, "bad_code", "examiner", "a phone number ('07700900123')"),
            _screened(4, "bad_code", "examiner", "a name ('jo')"),
        ]
    )
    assert lines == [
        "exams.csv rows 2, 4 (2 rows): `examiner` is not a short code: looks like "
        "a name",
        "exams.csv row 3: exam of case K7Q2XM: `examiner` is not a short code: "
        "looks like a phone number",
    ]


def test_a_notes_finding_is_quoted_alone_and_said_by_kind_in_a_group():
    one = _screened(2, "identifier", "notes", "a name ('Ann Smith')")
    assert summary([one]) == [
        "sessions.csv row 2: session of case K7Q2XM: `notes` looks like a name "
        "('Ann Smith'); remove it before saving"
    ]
    lines = summary([one, _screened(3, "identifier", "notes", "a name ('Jo Bo')")])
    assert lines == [
        "sessions.csv rows 2-3 (2 rows): `notes` looks like a name; remove it "
        "before saving"
    ]


def test_an_examiner_code_is_not_echoed_when_it_is_the_identifier(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    header = "case_id,site,intake_date,age_band,sex,pain_side,duration,episode,nprs\n"
    Path("cases.csv").write_text(
        header + "K7Q2XM,main,2025-01-10,40-49,female,left,acute,first,6\n"
    )
    assert main(["init", "--db", "e.db"]) == 0
    assert main(["import", "cases.csv", "--db", "e.db"]) == 0
    Path("exams.csv").write_text(
        "case_id,exam_no,exam_date,examiner,blinded\n"
        "K7Q2XM,,2025-01-10,priya,yes\n"
        "K7Q2XM,,2025-01-10,07700900123,yes\n"
    )
    capsys.readouterr()
    assert main(["import", "exams.csv", "--db", "e.db", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "exams.csv row 2: exam of case K7Q2XM: `examiner` is not a short code: "
        "looks like a name",
        "exams.csv row 3: exam of case K7Q2XM: `examiner` is not a short code: "
        "looks like a phone number",
    ]


def test_an_examiner_code_naming_someone_run_together_is_refused(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    header = "case_id,site,intake_date,age_band,sex,pain_side,duration,episode,nprs\n"
    Path("cases.csv").write_text(
        header + "K7Q2XM,main,2025-01-10,40-49,female,left,acute,first,6\n"
    )
    assert main(["init", "--db", "e.db"]) == 0
    assert main(["import", "cases.csv", "--db", "e.db"]) == 0
    Path("exams.csv").write_text(
        "case_id,exam_no,exam_date,examiner,blinded\n"
        "K7Q2XM,,2025-01-10,jsmith,yes\n"
        "K7Q2XM,,2025-01-10,drpatel,yes\n"
        "K7Q2XM,,2025-01-10,kb,yes\n"
    )
    capsys.readouterr()
    assert main(["import", "exams.csv", "--db", "e.db", "--dry-run"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "exams.csv rows 2-3 (2 rows): `examiner` is not a short code: looks like "
        "a name",
    ]


def test_a_record_without_a_case_id_or_a_form_is_named_plainly():
    # An empty case_id cell is read as NaN; a case's site problem has no form.
    assert where("session", float("nan"), 1) == "session 1 of a case with no case_id"
    assert where("followup", None, None) == "follow-up of a case with no case_id"
    assert where("", "JG4F7N", None) == "case JG4F7N"
    assert where("case", "", None) == "a new case"


def test_an_import_names_a_row_without_a_case_id_and_a_site_problem_plainly(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    assert main(["init", "--db", "e.db"]) == 0
    Path("cases.csv").write_text(
        "case_id,site,intake_date,age_band,sex,pain_side,duration,episode,nprs\n"
        "JG4F7N,leeds,2025-01-10,40-49,female,left,acute,first,6\n"
    )
    Path("sessions.csv").write_text("case_id,session_date,nprs_before\n,2025-01-11,4\n")
    capsys.readouterr()
    assert main(["import", "cases.csv", "--db", "e.db", "--dry-run"]) == 1
    assert capsys.readouterr().out == (
        "cases.csv row 2: case JG4F7N: `site` 'leeds' is not in the store's site "
        "list; add it first with: casekit site add leeds --db e.db\n"
    )
    assert main(["import", "sessions.csv", "--db", "e.db", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("sessions.csv row 2: session 1 of a case with no case_id: ")
    assert "nan" not in out
