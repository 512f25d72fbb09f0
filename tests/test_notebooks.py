"""The notebooks run top to bottom under nbval (`--nbval-lax`), each against a
synthetic store named by CASEKIT_DB, in a kernel of its own. Checks of what a
notebook shows live in its cells tagged `remove-cell`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pages import run_nbval

from casekit import Store
from casekit.synth import populate

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "casekit" / "notebooks"
NOTEBOOKS = sorted((SHIPPED).glob("*.ipynb"))


@pytest.fixture
def synthetic_db(tmp_path) -> Path:
    db = tmp_path / "synthetic.db"
    with Store(db, create=True, actor="tests") as store:
        populate(store, 25, seed=11)
    return db


def test_there_is_a_logging_notebook():
    assert SHIPPED / "01_log_cases.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_against_a_synthetic_store(notebook, synthetic_db, tmp_path):
    with Store(synthetic_db) as store:
        before = {name: len(frame) for name, frame in store.frames().items()}
    result = run_nbval(notebook, synthetic_db, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout
    with Store(synthetic_db) as store:
        after = {name: len(frame) for name, frame in store.frames().items()}
        assert store.audit()["action"].eq("insert").sum() == sum(before.values())
    assert after == before  # a notebook shows and checks; it never seeds data


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(notebook):
    """No outputs, no execution counts; a tagged parameters cell comes first among
    the code cells; checks are tagged, not marked with comments."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert "DB = None" in "".join(code[0]["source"])
    assert any("remove-cell" in c["metadata"].get("tags", []) for c in code)
    text = "".join("".join(c["source"]) for c in code)
    assert "NBVAL_" not in text  # tags, not comment markers


def test_the_logging_notebook_holds_no_logic():
    cells = json.loads((SHIPPED / "01_log_cases.ipynb").read_text())["cells"]
    shown = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code"
        and not {"parameters", "remove-cell"} & set(c["metadata"].get("tags", []))
    ]
    # Imports and the forms (built ahead in Voila's preheated kernel), then, when
    # the page is asked for, the same forms, or new ones if the store changed.
    ahead, forms = shown
    code = [line for line in ahead.splitlines() if line and not line.startswith("#")]
    assert code == [
        "from voila.utils import wait_for_request",
        "from casekit.ui.logbook import logging_app",
        "app = logging_app(DB)",
        "wait_for_request()",
    ]
    assert forms == "app = logging_app(DB, ahead=app)\napp"
    markdown = "".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    assert "Run All Cells" in markdown


def test_the_logging_notebook_fails_loudly_without_a_store(tmp_path):
    """The checks really run in the kernel, on the store CASEKIT_DB names."""
    result = run_nbval(
        SHIPPED / "01_log_cases.ipynb",
        tmp_path / "missing.db",
        tmp_path,
    )
    assert result.returncode != 0
    assert "the store could not be opened" in result.stdout
