"""The logging forms in a real browser: Voila serves notebooks/01_log_cases.ipynb on
127.0.0.1 (through `casekit serve`, as a person starts it) against a fresh store, and
Playwright drives Debian's chromium through a case, a session and a follow-up; the
store is then read back. Each test has its own store and its own server.

Needs /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it). Voila
runs the whole notebook in a fresh kernel for every page load, so the server is
only ever polled on its port, never with a page load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from casekit import Store

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOAD_TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"casekit serve stopped early:\n{log.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"casekit serve did not listen on port {port}:\n{log.read_text()}")


@contextlib.contextmanager
def _casekit_server(command: str, db: Path, cwd: Path, log: Path, env=None):
    """`casekit COMMAND --db DB` on a free port of 127.0.0.1: yields (port, token)."""
    port = _free_port()
    token = secrets.token_urlsafe(16)
    environment = {k: v for k, v in os.environ.items() if k != "CASEKIT_DB"}
    environment.update(env or {}, JUPYTER_TOKEN=token)
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "casekit",
                command,
                "--db",
                str(db),
                "--port",
                str(port),
                "--no-browser",
            ],
            cwd=cwd,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, server, log)
        assert db.exists(), f"casekit {command} should create the store"
        yield port, token
    finally:
        server.terminate()  # casekit became the server process itself
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def served(tmp_path):
    """`casekit serve` (Voila) on a fresh store: yields (url, store path)."""
    db = tmp_path / "data" / "casekit.db"
    with _casekit_server("serve", db, ROOT, tmp_path / "serve.log") as (port, token):
        yield f"http://127.0.0.1:{port}/?token={token}", db


@pytest.fixture
def page():
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does)"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 2200})
        finally:
            browser.close()


def _open(page: Page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok
    # The page may load nothing from another host (Voila's template links a CDN).
    policy = response.headers.get("content-security-policy", "")
    assert policy.startswith("default-src 'self'"), policy
    page.locator(".casekit-save-case").wait_for(timeout=LOAD_TIMEOUT_MS)


def _field(page: Page, form: str, code: str, element: str = "input"):
    return page.locator(f".casekit-form-{form} .casekit-field-{code} {element}")


def _tab(page: Page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).click()


def _choose_case(page: Page, form: str, case_id: str) -> None:
    page.locator(f".casekit-search-{form} input").fill(case_id)
    options = page.locator(f".casekit-chooser-{form} select option")
    expect(options).to_have_count(1)
    expect(options).to_contain_text(case_id)
    page.locator(f".casekit-chooser-{form} select").select_option(index=0)
    expect(page.locator(f".casekit-form-{form}")).to_be_visible()


def test_a_case_a_session_and_a_followup_logged_in_the_browser(served, page, tmp_path):
    url, db = served
    outside = []
    page.on(
        "requestfinished",
        lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None,
    )
    _open(page, url)

    # a new case: core fields on the first screen, the notes in a folding section
    _field(page, "case", "intake_date").fill("2025-03-03")
    _field(page, "case", "age_band", "select").select_option(label="40-49")
    _field(page, "case", "sex", "select").select_option(label="Female")
    _field(page, "case", "pain_side", "select").select_option(label="Left")
    page.locator(
        ".casekit-form-case .casekit-option-pain_regions-low_back input"
    ).check()
    page.locator(
        ".casekit-form-case .casekit-option-pain_regions-buttock input"
    ).check()
    _field(page, "case", "duration", "select").select_option(
        label="Chronic (over 12 weeks)"
    )
    page.locator(
        ".casekit-form-case .casekit-field-red_flags_cleared button", has_text="Yes"
    ).click()
    _field(page, "case", "nprs").fill("6")
    page.locator(
        ".casekit-form-case .jupyter-widget-Collapse-header", has_text="Notes"
    ).click()
    _field(page, "case", "notes", "textarea").fill("L4-5 tender, walks 3x/week")
    screenshot = tmp_path / "new-case-form.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot of the rendered new-case form: {screenshot}")
    page.locator(".casekit-save-case").click()
    status = page.locator(".casekit-status-case")
    expect(status).to_contain_text("Saved case", timeout=30_000)
    case_id = re.search(r"Saved case ([A-Z0-9]{6})", status.inner_text()).group(1)

    # a session for it, the case chosen from the searchable list
    _tab(page, "Session")
    _choose_case(page, "session", case_id)
    expect(_field(page, "session", "session_no")).to_have_value("1")
    _field(page, "session", "session_date").fill("2025-03-03")
    _field(page, "session", "nprs_before").fill("6")
    _field(page, "session", "nprs_after").fill("3")
    page.locator(
        ".casekit-form-session .casekit-option-regions_treated-lumbar input"
    ).check()
    page.locator(
        ".casekit-form-session .casekit-option-regions_treated-hip_flexors input"
    ).check()
    page.locator(".casekit-save-session").click()
    expect(page.locator(".casekit-status-session")).to_contain_text(
        f"Saved session 1 of case {case_id}", timeout=30_000
    )

    # a follow-up: it refers to the latest session; the flare's questions appear
    _tab(page, "Follow-up")
    _choose_case(page, "followup", case_id)
    expect(_field(page, "followup", "after_session")).to_have_value("1")
    side = _field(page, "followup", "flare_side", "select")
    expect(side).to_be_hidden()
    _field(page, "followup", "followup_date").fill("2025-03-05")
    _field(page, "followup", "nprs").fill("4")
    _field(page, "followup", "flare", "select").select_option(label="Yes")
    expect(side).to_be_visible()
    side.select_option(label="Left")
    _field(page, "followup", "flare_onset_hours").fill("30")
    page.locator(".casekit-save-followup").click()
    expect(page.locator(".casekit-status-followup")).to_contain_text(
        f"Saved follow-up 1 of case {case_id}", timeout=30_000
    )
    expect(page.locator(".casekit-recent")).to_contain_text(
        f"added follow-up 1 of case {case_id}"
    )
    assert outside == [], f"the page loaded from another host: {outside}"

    with Store(db) as store:
        frames = store.frames()
    (case,) = frames["case"].to_dict("records")
    assert case["case_id"] == case_id
    assert case["intake_date"] == dt.datetime(2025, 3, 3)
    assert (case["age_band"], case["sex"], case["pain_side"]) == (
        "40-49",
        "female",
        "left",
    )
    assert case["pain_regions"] == ["low_back", "buttock"]
    assert (case["duration"], case["red_flags_cleared"]) == ("chronic", "yes")
    assert case["nprs"] == 6 and case["notes"] == "L4-5 tender, walks 3x/week"
    assert case["site"] == "main"
    assert frames["case"]["odi"].isna().all()  # not answered stays missing
    (session,) = frames["session"].to_dict("records")
    assert (session["case_id"], session["session_no"]) == (case_id, 1)
    assert session["session_date"] == dt.datetime(2025, 3, 3)
    assert (session["nprs_before"], session["nprs_after"]) == (6, 3)
    assert session["regions_treated"] == ["lumbar", "hip_flexors"]
    (followup,) = frames["followup"].to_dict("records")
    assert (followup["case_id"], followup["followup_no"]) == (case_id, 1)
    assert followup["followup_date"] == dt.datetime(2025, 3, 5)
    assert (followup["after_session"], followup["nprs"]) == (1, 4)
    assert (followup["flare"], followup["flare_side"]) == ("yes", "left")
    assert followup["flare_onset_hours"] == 30.0


def test_an_invalid_entry_shows_its_message_and_writes_nothing(served, page, tmp_path):
    url, db = served
    _open(page, url)
    _field(page, "case", "age_band", "select").select_option(label="30-39")
    _field(page, "case", "sex", "select").select_option(label="Male")
    _field(page, "case", "pain_side", "select").select_option(label="Right")
    _field(page, "case", "duration", "select").select_option(
        label="Acute (under 6 weeks)"
    )
    _field(page, "case", "nprs").fill("14")
    page.locator(".casekit-save-case").click()
    problem = page.locator(".casekit-form-case .casekit-problem-nprs")
    expect(problem).to_contain_text("is 14, expected 0 to 10", timeout=30_000)
    expect(page.locator(".casekit-status-case")).to_contain_text("Nothing was saved")
    screenshot = tmp_path / "invalid-entry.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot of the refused entry: {screenshot}")
    with Store(db) as store:
        assert store.read("case").empty
        assert store.audit().empty

    # fixed, it saves, and the message beside the field goes away
    _field(page, "case", "nprs").fill("4")
    page.locator(".casekit-save-case").click()
    expect(page.locator(".casekit-status-case")).to_contain_text("Saved case")
    expect(problem).to_have_text("")
    with Store(db) as store:
        assert store.read("case")["nprs"].tolist() == [4]


def test_jupyterlab_opens_the_notebook_and_run_all_shows_the_forms(page, tmp_path):
    """As a new user: `casekit lab` (what `make lab` runs), open the notebook, Run All
    Cells; the forms appear on the store casekit was started with, nothing to edit.
    Lab runs on a copy of notebooks/, so its saves cannot touch the committed file,
    and a save writes the notebook without outputs."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "casekit" / "notebooks", work / "notebooks")
    db = tmp_path / "data" / "casekit.db"
    env = {
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    with _casekit_server("lab", db, work, tmp_path / "lab.log", env) as (port, token):
        outside = []
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(f"http://127.0.0.1:{port}/")
                and not r.url.startswith(f"ws://127.0.0.1:{port}/")
                else None
            ),
        )
        response = page.goto(
            f"http://127.0.0.1:{port}/lab/tree/01_log_cases.ipynb?token={token}"
        )
        assert response is not None and response.ok
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(
            timeout=LOAD_TIMEOUT_MS
        )
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        save = page.locator(".casekit-save-case")
        save.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
        save.scroll_into_view_if_needed()
        expect(save).to_be_visible()
        expect(page.locator(".casekit-app")).to_contain_text(f"Store: {db}")
        expect(
            page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            )
        ).to_have_count(0)
        screenshot = tmp_path / "jupyterlab-notebook.png"
        page.screenshot(path=str(screenshot))
        print(f"screenshot of the notebook in JupyterLab: {screenshot}")
        notebook = work / "notebooks" / "01_log_cases.ipynb"
        before = notebook.stat().st_mtime_ns
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + 30
        while notebook.stat().st_mtime_ns == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert notebook.stat().st_mtime_ns != before, "the notebook was not saved"
        cells = json.loads(notebook.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] for c in code), "saved with outputs"
        assert outside == [], f"JupyterLab loaded from another host: {outside}"
