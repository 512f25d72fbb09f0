"""`casekit lab` and `casekit serve`: what they start, and with what. The servers
themselves run in tests/test_browser.py."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from casekit import Store
from casekit.store.database import resolve_url
from casekit.ui import launch

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "casekit" / "notebooks"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    monkeypatch.delenv("JUPYTER_TOKEN", raising=False)


def _option(command: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in command if a.startswith(f"{name}=")]
    return value


def test_lab_listens_on_localhost_with_a_token_on_the_notebooks(tmp_path):
    db = tmp_path / "data" / "casekit.db"
    started = launch.lab(str(db), port=8901, browser=False)
    command = started.command
    assert command[1:3] == ["-m", "jupyterlab"]
    assert _option(command, "--ServerApp.ip") == "127.0.0.1"
    assert _option(command, "--ServerApp.port") == "8901"
    assert Path(_option(command, "--ServerApp.root_dir")) == SHIPPED
    assert "--no-browser" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    token = started.env["JUPYTER_TOKEN"]
    assert len(token) >= 24
    assert started.url == (
        f"http://127.0.0.1:8901/lab/tree/01_log_cases.ipynb?token={token}"
    )
    # the kernel finds the store through its environment, by absolute URL
    assert started.env["CASEKIT_DB"] == resolve_url(db) and str(db) in resolve_url(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # created, owner-only
    assert _option(command, "--ContentsManager.pre_save_hook") == (
        "casekit.ui.launch.strip_outputs"
    )
    overrides = Path(_option(command, "--LabApp.app_settings_dir")) / "overrides.json"
    assert (
        json.loads(overrides.read_text())[
            "@jupyterlab/apputils-extension:notification"
        ]["fetchNews"]
        == "false"
    )


def test_an_existing_token_and_an_existing_store_are_kept(tmp_path, monkeypatch):
    db = tmp_path / "casekit.db"
    with Store(db, create=True) as store:
        store.add(
            "case",
            {
                "intake_date": "2025-03-03",
                "age_band": "30-39",
                "sex": "male",
                "pain_side": "right",
                "duration": "acute",
                "nprs": 5,
            },
        )
    monkeypatch.setenv("JUPYTER_TOKEN", "chosen-token")
    monkeypatch.setenv("CASEKIT_DB", str(db))
    started = launch.serve(None, port=8902, browser=True)
    assert started.env["JUPYTER_TOKEN"] == "chosen-token"
    assert started.env["CASEKIT_DB"] == resolve_url(db)
    assert "--no-browser" not in started.command
    with Store(db) as store:
        assert len(store.read("case")) == 1


def test_serve_runs_the_logging_notebook_in_voila_on_localhost_only(tmp_path):
    started = launch.serve(str(tmp_path / "casekit.db"), port=8903, browser=False)
    command = started.command
    assert command[1:3] == ["-m", "voila"]
    assert Path(command[3]) == SHIPPED / "01_log_cases.ipynb"
    assert _option(command, "--Voila.ip") == "127.0.0.1"
    assert _option(command, "--port") == "8903"
    assert "--token" in command and "--no-browser" in command
    config = Path(_option(command, "--Voila.config_file_paths")) / "voila.json"
    headers = json.loads(config.read_text())["Voila"]["tornado_settings"]["headers"]
    assert headers["Content-Security-Policy"].startswith("default-src 'self' ")
    assert "http" not in headers["Content-Security-Policy"]  # no other host


def test_voila_waits_for_the_forms_and_leaves_out_the_jupyterlab_help():
    config = json.loads((Path(launch.__file__).parent / "voila.json").read_text())
    # nbclient's default, 4 s after a cell's reply, dropped the forms' output on a
    # busy machine: the wait is on the kernel's idle status, with a long deadline
    assert config["VoilaExecutor"]["iopub_timeout"] >= 300
    # the served page leaves out the JupyterLab help and the notebook's checks
    # (they are for nbval; in the page they would only build forms not shown)
    assert config["TagRemovePreprocessor"]["remove_cell_tags"] == [
        "lab-only",
        "remove-cell",
    ]
    cells = json.loads((SHIPPED / "01_log_cases.ipynb").read_text())["cells"]
    (lab_only,) = [c for c in cells if "lab-only" in c["metadata"].get("tags", [])]
    assert "Run All Cells" in "".join(lab_only["source"])


def test_lab_opens_your_own_notebooks_folder_else_the_shipped_one(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    started = launch.lab(str(tmp_path / "casekit.db"), browser=False)
    shipped = Path(_option(started.command, "--ServerApp.root_dir"))
    assert shipped == SHIPPED
    own = tmp_path / "notebooks"
    own.mkdir()
    shutil.copy(shipped / "01_log_cases.ipynb", own)
    started = launch.lab(str(tmp_path / "casekit.db"), browser=False)
    assert Path(_option(started.command, "--ServerApp.root_dir")) == own
    served = launch.serve(str(tmp_path / "casekit.db"), browser=False)
    assert Path(served.command[3]) == own / "01_log_cases.ipynb"


def test_the_pre_save_hook_writes_a_notebook_without_outputs():
    model = {
        "type": "notebook",
        "content": {
            "metadata": {"widgets": {"state": {"K7Q2XM": 1}}},
            "cells": [
                {"cell_type": "markdown", "source": "# Log a case"},
                {
                    "cell_type": "code",
                    "execution_count": 3,
                    "outputs": [{"output_type": "stream", "text": "K7Q2XM"}],
                },
            ],
        },
    }
    launch.strip_outputs(model, path="notebooks/01_log_cases.ipynb")
    code = model["content"]["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert "widgets" not in model["content"]["metadata"]
    assert "outputs" not in model["content"]["cells"][0]
    text = {"type": "file", "content": "K7Q2XM"}
    launch.strip_outputs(text)
    assert text["content"] == "K7Q2XM"
