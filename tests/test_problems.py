"""Problems as data: each rule worded once, from its parts, for the terminal and the
problems table (codes, the record named) and for a form (labels, no record)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import casekit
from casekit.dictionary import load_dictionary
from casekit.problems import RULES, Problem, problems_frame
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
