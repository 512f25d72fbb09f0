"""The logging forms in a real browser: Voila serves notebooks/01_log_cases.ipynb on
127.0.0.1 (through `casekit serve`, as a person starts it) against a fresh store, and
Playwright drives Debian's chromium through a case, a session and a follow-up; the
store is then read back. Each test has its own store and its own server. JupyterLab
(`casekit lab`) runs the same notebook.

Needs /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it). The
servers, the browser and the waits on conditions are in `browser.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from browser import (
    LAPTOP,
    LOAD_TIMEOUT_MS,
    ROOT,
    casekit_server,
    choose_case,
    chromium,
    field,
    new_page,
    open_app,
    tab,
    wait_until,
)
from conftest import case_record
from playwright.sync_api import expect

from casekit import Store


@pytest.fixture
def served(tmp_path):
    """`casekit serve` (Voila) on a fresh store: yields (url, store path)."""
    db = tmp_path / "data" / "casekit.db"
    with casekit_server("serve", db, ROOT, tmp_path / "serve.log") as (port, token):
        yield f"http://127.0.0.1:{port}/?token={token}", db


@pytest.fixture
def page():
    with chromium() as browser:
        yield new_page(browser, {**LAPTOP, "height": 2200})


def test_a_case_a_session_and_a_followup_logged_in_the_browser(served, page, tmp_path):
    url, db = served
    outside = []
    page.on(
        "requestfinished",
        lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None,
    )
    open_app(page, url)
    # the served page has no menu: the JupyterLab instructions are left out
    expect(page.locator("body")).to_contain_text("How the forms work")
    expect(page.locator("body")).not_to_contain_text("Run All Cells")

    # a new case: core fields on the first screen, the notes in a folding section
    field(page, "case", "intake_date").fill("2025-03-03")
    field(page, "case", "age_band", "select").select_option(label="40-49")
    field(page, "case", "sex", "select").select_option(label="Female")
    field(page, "case", "pain_side", "select").select_option(label="Left")
    page.locator(
        ".casekit-form-case .casekit-option-pain_regions-low_back input"
    ).check()
    page.locator(
        ".casekit-form-case .casekit-option-pain_regions-buttock input"
    ).check()
    field(page, "case", "duration", "select").select_option(
        label="Chronic (over 12 weeks)"
    )
    page.locator(
        ".casekit-form-case .casekit-field-red_flags_cleared button", has_text="Yes"
    ).click()
    field(page, "case", "nprs").fill("6")
    page.locator(".casekit-form-case .casekit-fold-notes").click()
    field(page, "case", "notes", "textarea").fill("L4-5 tender, walks 3x/week")
    page.locator(".casekit-save-case").click()
    status = page.locator(".casekit-status-case")
    expect(status).to_contain_text("Saved case")
    case_id = re.search(r"Saved case ([A-Z0-9]{6})", status.inner_text()).group(1)

    # a session for it, the case chosen from the searchable list
    tab(page, "Session")
    choose_case(page, "session", case_id)
    expect(field(page, "session", "session_no")).to_have_value("1")
    field(page, "session", "session_date").fill("2025-03-03")
    field(page, "session", "nprs_before").fill("6")
    field(page, "session", "nprs_after").fill("3")
    page.locator(
        ".casekit-form-session .casekit-option-regions_treated-lumbar input"
    ).check()
    page.locator(
        ".casekit-form-session .casekit-option-regions_treated-hip_flexors input"
    ).check()
    page.locator(".casekit-save-session").click()
    expect(page.locator(".casekit-status-session")).to_contain_text(
        f"Saved session 1 of case {case_id}"
    )

    # a follow-up: it refers to the latest session; the flare's questions appear
    tab(page, "Follow-up")
    choose_case(page, "followup", case_id)
    expect(field(page, "followup", "after_session")).to_have_value("1")
    side = field(page, "followup", "flare_side", "select")
    expect(side).to_be_hidden()
    field(page, "followup", "followup_date").fill("2025-03-05")
    field(page, "followup", "nprs").fill("4")
    field(page, "followup", "flare", "select").select_option(label="Yes")
    expect(side).to_be_visible()
    side.select_option(label="Left")
    field(page, "followup", "flare_onset_hours").fill("30")
    page.locator(".casekit-save-followup").click()
    expect(page.locator(".casekit-status-followup")).to_contain_text(
        f"Saved follow-up 1 of case {case_id}"
    )
    expect(page.locator(".casekit-recent")).to_contain_text(
        f"added follow-up 1 of case {case_id}"
    )
    # the case card, opened from the follow-up's case: the whole course so far
    page.locator(".casekit-open-card-followup").click()
    card = page.locator(".casekit-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text(f"Case {case_id}")
    expect(page.locator(".casekit-card-figure")).to_be_visible()
    sessions = page.locator(".casekit-card-sessions li")
    expect(sessions).to_have_count(1)
    expect(sessions).to_contain_text("2025-03-03 (day 0)")
    expect(sessions).to_contain_text("Pain: 6 -> 3")
    followups = page.locator(".casekit-card-follow-ups li")
    expect(followups).to_have_count(1)
    expect(followups).to_contain_text("2025-03-05 (day 2)")
    expect(followups).to_contain_text("yes, side left (same side as the pain)")
    expect(followups).to_contain_text("began 30 h after the session")
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
    open_app(page, url)
    field(page, "case", "age_band", "select").select_option(label="30-39")
    field(page, "case", "sex", "select").select_option(label="Male")
    field(page, "case", "pain_side", "select").select_option(label="Right")
    field(page, "case", "duration", "select").select_option(
        label="Acute (under 6 weeks)"
    )
    field(page, "case", "nprs").fill("14")
    # an error inside a folded section: the section opens and says so
    scores = page.locator(".casekit-form-case .casekit-fold-outcome-scores")
    scores.click()
    field(page, "case", "odi").fill("lots")
    scores.click()
    expect(scores).to_have_attribute("aria-expanded", "false")
    expect(field(page, "case", "odi")).to_be_hidden()
    page.locator(".casekit-save-case").click()
    problem = page.locator(".casekit-form-case .casekit-problem-nprs")
    expect(problem).to_contain_text("is 14, expected 0 to 10")
    status = page.locator(".casekit-status-case")
    expect(status).to_contain_text("Nothing was saved: 2 problems")
    expect(scores).to_have_text("Outcome scores (1 problem to fix)")
    expect(scores).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".casekit-problem-odi")).to_contain_text("expected a number")
    # the focus (and the view) go to the first problem; it says it is invalid
    nprs = field(page, "case", "nprs")
    expect(nprs).to_be_focused()
    expect(nprs).to_have_attribute("aria-invalid", "true")
    expect(nprs).to_have_attribute("aria-describedby", re.compile(r"\S"))
    with Store(db) as store:
        assert store.read("case").empty
        assert store.audit().empty

    # a fixed answer loses its message at once, before any Save
    nprs.fill("4")
    expect(problem).to_have_text("")
    expect(nprs).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".casekit-problem-odi")).to_contain_text("expected a number")
    field(page, "case", "odi").fill("")
    expect(page.locator(".casekit-problem-odi")).to_have_text("")
    expect(scores).to_have_text("Outcome scores")
    page.locator(".casekit-save-case").click()
    expect(status).to_contain_text("Saved case")
    expect(status).to_be_focused()  # the saved message, at the top of the form
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
    with casekit_server("lab", db, work, tmp_path / "lab.log", env) as (port, token):
        outside = []
        # a blob: URL of the page's own origin is made in the page (the forms'
        # helper module, handed to the browser by anywidget), not fetched
        local = tuple(
            f"{scheme}127.0.0.1:{port}/"
            for scheme in ("http://", "ws://", "blob:http://")
        )
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith(local) else None,
        )
        response = page.goto(
            f"http://127.0.0.1:{port}/lab/tree/01_log_cases.ipynb?token={token}",
            timeout=LOAD_TIMEOUT_MS,
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
        # the page's helper runs in JupyterLab too: sections are buttons that say
        # whether they are open, and every drop-down has its label
        expect(page.locator(".casekit-fold-intake-exam")).to_have_attribute(
            "aria-expanded", "false"
        )
        expect(field(page, "case", "sex", "select")).to_have_accessible_name(
            "Sex (required)"
        )
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
        wait_until(
            lambda: notebook.stat().st_mtime_ns != before and _whole(notebook),
            "JupyterLab to save",
        )
        cells = json.loads(notebook.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] for c in code), "saved with outputs"
        assert outside == [], f"JupyterLab loaded from another host: {outside}"


def test_a_preheated_page_shows_the_store_as_it_is_when_asked_for(served, page):
    """voila.json has Voila start the page's kernel ahead (the imports done before
    anyone asks: the forms ready sooner, benchmarks/forms.py); the notebook waits
    for the request before it builds the forms, so a case stored after the next
    kernel was started is in the choosers of the next page."""
    url, db = served
    open_app(page, url)  # takes the first kernel; Voila starts the next one
    time.sleep(15)  # long enough for the next kernel to run all it runs ahead
    with Store(db) as store:
        case_id = store.add("case", case_record())["case_id"]
    later = page.context.new_page()
    open_app(later, url)
    tab(later, "Session")
    choose_case(later, "session", case_id)


def _whole(notebook: Path) -> bool:
    """Whether the file is a whole notebook: JupyterLab's save may be caught part
    way (an empty or cut file) on a loaded machine."""
    try:
        json.loads(notebook.read_text())
    except ValueError:
        return False
    return True
