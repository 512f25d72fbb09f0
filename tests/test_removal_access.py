"""Taking a record out, in a real browser (Voila through `casekit serve`, Debian's
chromium): the second step of "Remove this session" is reached and answered with
the keyboard alone, says what it does to a screen reader (the focus on its
warning, a live region), passes axe-core at laptop and phone width with nothing
off the screen, and a refused reason is marked on its box, where the focus goes.

One server and one store for the module; each test takes a case of its own.
axe-core as in tests/test_form_access.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser import (
    CUT_SHORT,
    LAPTOP,
    OFF_SCREEN,
    PHONE,
    ROOT,
    axe_violations,
    casekit_server,
    choose_case,
    chromium,
    frames_drawn,
    new_page,
    open_app,
    tab,
    tab_to,
)
from conftest import case_record, followup_record, session_record
from playwright.sync_api import Page, expect

from casekit import Store


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`casekit serve` on a store of its own: (url, db)."""
    folder = tmp_path_factory.mktemp("removal")
    db = folder / "data" / "casekit.db"
    with casekit_server("serve", db, ROOT, folder / "serve.log") as (port, token):
        yield f"http://127.0.0.1:{port}/?token={token}", db


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


def a_case(db, *, closed: bool = False) -> str:
    """A case with two sessions (and, ``closed``, a follow-up after the second that
    discharged it: a session after it would have re-opened the case)."""
    with Store(db) as store:
        case_id = store.add("case", case_record())["case_id"]
        store.add("session", session_record(case_id))
        store.add("session", session_record(case_id, session_date=dt.date(2025, 3, 9)))
        if closed:
            discharged = followup_record(
                case_id,
                after_session=2,
                followup_date=dt.date(2025, 3, 12),
                status="discharged",
            )
            store.add("followup", discharged)
    return case_id


def open_session(page: Page, case_id: str, number: int) -> None:
    tab(page, "Session")
    choose_case(page, "session", case_id)
    page.locator(".casekit-entry-session select").select_option(index=number)
    expect(page.locator(".casekit-remove-session")).to_be_visible()


def test_a_session_is_removed_by_keyboard_after_asking(server, browser):
    url, db = server
    case_id = a_case(db)
    page = new_page(browser, LAPTOP)
    open_app(page, url)
    open_session(page, case_id, 2)

    tab_to(page, ".casekit-remove-session")
    page.keyboard.press("Enter")
    warning = page.locator(".casekit-remove-warning-session")
    expect(warning).to_be_focused()  # read out as the step opens
    expect(warning).to_have_attribute("role", "status")
    expect(warning).to_contain_text("never given again")
    confirm = page.locator(".casekit-confirm-remove-session")
    expect(confirm).to_have_text(f"Confirm: remove session 2 of case {case_id}")
    found = {}
    for name, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        frames_drawn(page)
        found[name] = axe_violations(page)
    assert found == {"laptop": [], "phone": []}, found
    assert page.evaluate(OFF_SCREEN) == [], "the second step on a phone"
    assert page.evaluate(CUT_SHORT) == [], "the second step on a phone"
    page.set_viewport_size(LAPTOP)

    # Cancel: nothing removed, the focus back on the button that asked
    tab_to(page, ".casekit-cancel-remove-session")
    page.keyboard.press("Enter")
    expect(page.locator(".casekit-remove-session")).to_be_focused()
    expect(warning).to_be_hidden()
    with Store(db) as store:
        sessions = store.read("session")
    assert sessions.loc[sessions["case_id"] == case_id, "session_no"].tolist() == [1, 2]

    page.keyboard.press("Enter")  # asked again, and confirmed
    expect(warning).to_be_focused()
    tab_to(page, ".casekit-confirm-remove-session")
    page.keyboard.press("Enter")
    status = page.locator(".casekit-status-session")
    expect(status).to_contain_text(f"Removed session 2 of case {case_id}")
    expect(status).to_be_focused()
    options = page.locator(".casekit-entry-session select option")
    expect(options).to_have_count(2)  # a new session, and session 1
    with Store(db) as store:
        sessions = store.read("session")
        audit = store.audit()
    assert sessions.loc[sessions["case_id"] == case_id, "session_no"].tolist() == [1]
    deleted = audit[(audit["action"] == "delete") & (audit["case_id"] == case_id)]
    assert deleted[["form", "instance"]].values.tolist() == [["session", 2]]


def test_a_closed_case_s_removal_asks_for_a_reason_on_its_box(server, browser):
    url, db = server
    case_id = a_case(db, closed=True)
    page = new_page(browser, PHONE)
    open_app(page, url)
    open_session(page, case_id, 2)
    page.locator(".casekit-remove-session").click()
    expect(page.locator(".casekit-remove-warning-session")).to_contain_text(
        "a reason is needed"
    )
    page.locator(".casekit-confirm-remove-session").click()
    box = page.locator(".casekit-reason-remove-session input")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    message = page.locator(".casekit-problem-reason-remove-session")
    expect(message).to_contain_text(f"Case {case_id} is closed")
    expect(box).to_have_attribute("aria-describedby", message.get_attribute("id"))
    expect(page.locator(".casekit-remove-problem-session")).to_contain_text(
        "Nothing was removed"
    )
    with Store(db) as store:
        assert store.get("session", (case_id, 2))["session_no"] == 2
