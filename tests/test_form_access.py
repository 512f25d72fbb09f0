"""The forms as a clinic day uses them, in a real browser (Voila through `casekit
serve`, Debian's chromium): axe-core finds no critical or serious violation (on
the three forms and the case card), a whole new case is logged with the keyboard
alone, a 390 px phone shows every control (and the case card) on the screen, and a
half-filled case survives a reload.

One server and one store for the module (each page load still gets a fresh kernel);
each test starts with no draft in the store. axe-core comes from npm
(`npm install --no-save axe-core@4`, which .ci/run does); without it the axe test
fails and says so. Screenshots at phone and laptop width are written under pytest's
temporary folder and copied to /tmp/casekit-form-screenshots/.
"""

from __future__ import annotations

import datetime as dt
import time

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
    field,
    frames_drawn,
    new_page,
    open_app,
    open_every_section,
    screenshot,
    tab,
    tab_to,
    wait_until,
)
from conftest import case_record, followup_record, session_record
from playwright.sync_api import Page, TimeoutError, expect

from casekit import Store
from casekit.store import drafts


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`casekit serve` on a store holding one case with a session: (url, db, id)."""
    folder = tmp_path_factory.mktemp("access")
    db = folder / "data" / "casekit.db"
    with casekit_server("serve", db, ROOT, folder / "serve.log") as (port, token):
        with Store(db) as store:
            case_id = store.add("case", case_record())["case_id"]
            # A re-test the card leaves out: its "Also recorded" list is checked too.
            store.add("session", session_record(case_id, si_tight_side="left"))
        yield f"http://127.0.0.1:{port}/?token={token}", db, case_id


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


@pytest.fixture
def served(server, browser):
    """The module's server, with no draft left by an earlier test.

    An earlier test's pages are closed first; their kernels may still be taking in
    what was typed there (a busy machine sends it late) and keep it as a draft, which
    the next page would restore and show: the drafts are discarded until none has
    come back for two seconds."""
    url, db, case_id = server
    for context in browser.contexts:
        context.close()
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 2:
        with Store(db) as store:
            for form in ("case", "session", "followup", "exam"):
                # a draft a record: each is discarded by its case and entry
                while (draft := drafts.read(store, form)) is not None:
                    drafts.discard(store, form, draft.case_id, draft.editing)
                    quiet_since = time.monotonic()
        time.sleep(0.2)
    return server


def kept(db, form: str = "case") -> dict | None:
    """The answers of the form's draft in the store: what the kernel has seen."""
    with Store(db) as store:
        draft = drafts.read(store, form)
    return None if draft is None else draft.answers


def show_the_three_forms(page: Page, case_id: str):
    """Yield as each form is shown as the checks want it: the new case with every
    section open, the session of a chosen case, the follow-up with a flare, and the
    chosen case's card."""
    tab(page, "New case")
    open_every_section(page)
    page.locator(".casekit-fold-change-a-saved-case").click()
    yield "new case, every section open"
    tab(page, "Session")
    choose_case(page, "session", case_id)
    yield "session"
    tab(page, "Follow-up")
    choose_case(page, "followup", case_id)
    field(page, "followup", "flare", "select").select_option(label="Yes")
    expect(field(page, "followup", "flare_side", "select")).to_be_visible()
    yield "follow-up with a flare"
    tab(page, "Case card")
    choose_case(page, "card", case_id, shows=".casekit-card-figure")
    expect(page.locator(".casekit-card")).to_contain_text(f"Case {case_id}")
    yield "case card"


# -- axe-core ---------------------------------------------------------------------


def test_axe_finds_no_critical_or_serious_violation(served, browser):
    url, _db, case_id = served
    page = new_page(browser, LAPTOP)
    open_app(page, url)
    found = {}
    for shown in show_the_three_forms(page, case_id):
        for name, size in (("laptop", LAPTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            frames_drawn(page)
            found[f"{shown}, {name}"] = axe_violations(page)
        page.set_viewport_size(LAPTOP)
    # and with the problems of a refused Save on show
    tab(page, "New case")
    field(page, "case", "nprs").fill("14")
    page.locator(".casekit-save-case").click()
    expect(page.locator(".casekit-status-case")).to_contain_text("Nothing was saved")
    first = field(page, "case", "age_band", "select")  # required, not answered
    expect(first).to_be_focused()
    expect(first).to_be_in_viewport()  # scrolled up to it from the Save button
    found["new case, refused"] = axe_violations(page)
    assert found == dict.fromkeys(found, []), found


# -- the keyboard alone -------------------------------------------------------------


def choose(page: Page, code: str, value: str, dictionary) -> None:
    """Choose an option of a drop-down with the arrow keys, from 'Not answered'."""
    tab_to(page, f".casekit-form-case .casekit-field-{code} select")
    codes = dictionary["case"][code].code_values
    for _ in range(codes.index(value) + 1):
        page.keyboard.press("ArrowDown")
    expect(field(page, "case", code, "select")).to_have_value(
        dictionary["case"][code].label_of(value)
    )


def type_into(page: Page, code: str, text: str, element: str = "input") -> None:
    tab_to(page, f".casekit-form-case .casekit-field-{code} {element}")
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def tick(page: Page, code: str, option: str) -> None:
    tab_to(page, f".casekit-form-case .casekit-option-{code}-{option} input")
    page.keyboard.press("Space")
    expect(page.locator(f".casekit-option-{code}-{option} input")).to_be_checked()


def press(page: Page, code: str, label: str, key: str) -> None:
    button = f".casekit-form-case .casekit-field-{code} button[data-value='{label}']"
    tab_to(page, button)
    page.keyboard.press(key)
    expect(page.locator(button)).to_have_attribute("aria-pressed", "true")


def open_section(page: Page, name: str, key: str) -> None:
    header = f".casekit-form-case .casekit-fold-{name}"
    tab_to(page, header)
    page.keyboard.press(key)
    expect(page.locator(header)).to_have_attribute("aria-expanded", "true")


def test_a_whole_new_case_by_keyboard_alone(served, browser):
    """Tab, type, arrows, Space and Enter only: every field of a new case, the
    intake exam included, and Save; the focus then sits on the saved message."""
    url, db, _case_id = served
    with Store(db) as store:
        store.add_site("north")  # the page's site list is read as it loads
        dictionary = store.dictionary
        before = set(store.read("case")["case_id"])
        sites = store.sites()
    page = new_page(browser, LAPTOP)
    open_app(page, url)
    page.locator("body").focus()

    tab_to(page, ".casekit-form-case .casekit-field-site select")
    for _ in range(sites.index("north") - sites.index("main")):
        page.keyboard.press("ArrowDown")  # from the default, main
    expect(field(page, "case", "site", "select")).to_have_value("north")
    tab_to(page, ".casekit-form-case .casekit-field-intake_date input")
    page.keyboard.type("03032025")  # month, day, year: the date field steps on
    choose(page, "age_band", "40-49", dictionary)
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "solid" and outline[1] >= 2, f"no visible focus: {outline}"
    choose(page, "sex", "female", dictionary)
    choose(page, "pain_side", "left", dictionary)
    tick(page, "pain_regions", "low_back")
    tick(page, "pain_regions", "buttock")
    choose(page, "duration", "chronic", dictionary)
    choose(page, "episode", "recurrent", dictionary)
    press(page, "leg_pain_below_knee", "No", "Space")
    press(page, "red_flags_cleared", "Yes", "Enter")
    type_into(page, "nprs", "6")

    open_section(page, "outcome-scores", "Enter")
    type_into(page, "odi", "32.5")
    open_section(page, "upstream-history", "Space")
    choose(page, "ankle_injury_side", "left", dictionary)
    expect(field(page, "case", "ankle_injury_grade", "select")).to_be_visible()
    choose(page, "ankle_injury_grade", "moderate", dictionary)
    choose(page, "ankle_injury_years_ago", "1-5", dictionary)
    choose(page, "knee_pain_side", "none", dictionary)
    choose(page, "plantar_fasciitis_side", "right", dictionary)
    tick(page, "abdominal_surgery", "appendectomy")
    choose(page, "old_trauma", "fall", dictionary)
    choose(page, "stress_level", "moderate", dictionary)
    choose(page, "pelvic_organ_history", "none", dictionary)
    open_section(page, "intake-exam", "Enter")
    choose(page, "si_tight_side", "right", dictionary)
    type_into(page, "si_provocation_positive", "3")
    choose(page, "hip_flexor_tight_side", "left", dictionary)
    expect(page.locator(".casekit-option-hip_flexor_muscles-psoas")).to_be_visible()
    tick(page, "hip_flexor_muscles", "psoas")
    choose(page, "glute_weak_side", "left", dictionary)
    type_into(page, "glute_med_strength_left", "4")
    type_into(page, "glute_med_strength_right", "5")
    choose(page, "trendelenburg_side", "none", dictionary)
    choose(page, "pelvic_high_side", "level", dictionary)
    open_section(page, "notes", "Space")
    note = "L4-5 tender, walks 3x/week"
    type_into(page, "notes", note, "textarea")
    # ipywidgets holds back a widget's next update until the kernel has answered
    # its last one, and Save is a message of its own that can overtake them: wait
    # until the whole note has reached the kernel (it is in the draft), not a while.
    wait_until(lambda: (kept(db) or {}).get("notes") == note, "the note in the kernel")

    tab_to(page, ".casekit-save-case")
    page.keyboard.press("Enter")
    status = page.locator(".casekit-status-case")
    expect(status).to_contain_text("Saved case")
    expect(status).to_be_focused()
    expect(status).to_be_in_viewport()  # the top of the form, ready for the next

    with Store(db) as store:
        cases = store.read("case")
    (case,) = cases[~cases["case_id"].isin(before)].to_dict("records")
    expected = {
        "site": "north",
        "intake_date": dt.datetime(2025, 3, 3),
        "age_band": "40-49",
        "sex": "female",
        "pain_side": "left",
        "pain_regions": ["low_back", "buttock"],
        "duration": "chronic",
        "episode": "recurrent",
        "leg_pain_below_knee": "no",
        "red_flags_cleared": "yes",
        "nprs": 6,
        "odi": 32.5,
        "ankle_injury_side": "left",
        "ankle_injury_grade": "moderate",
        "ankle_injury_years_ago": "1-5",
        "knee_pain_side": "none",
        "plantar_fasciitis_side": "right",
        "abdominal_surgery": ["appendectomy"],
        "old_trauma": "fall",
        "stress_level": "moderate",
        "pelvic_organ_history": "none",
        "si_tight_side": "right",
        "si_provocation_positive": 3,
        "hip_flexor_tight_side": "left",
        "hip_flexor_muscles": ["psoas"],
        "glute_weak_side": "left",
        "glute_med_strength_left": 4,
        "glute_med_strength_right": 5,
        "trendelenburg_side": "none",
        "pelvic_high_side": "level",
        "notes": note,
    }
    assert {code: case[code] for code in expected} == expected
    # every field of the form was answered, the intake exam included
    assert set(expected) == set(dictionary["case"].codes) - {"case_id"}


# -- a phone and a laptop -------------------------------------------------------------

# Where the sex field's label sits against its drop-down, and the overview against
# the forms. Lumino lays the page out again a frame or two after the window is
# resized: the tests wait for the layout they expect, not a while.
GEOMETRY = """() => {
  const at = s => document.querySelector(s).getBoundingClientRect();
  const label = at('.casekit-form-case .casekit-field-sex .widget-label');
  const select = at('.casekit-form-case .casekit-field-sex select');
  const main = at('.casekit-main'), side = at('.casekit-side');
  return {
    above: label.bottom <= select.top + 1 && side.top >= main.bottom - 1,
    beside: label.right <= select.left && side.left >= main.right
      && side.top < main.top + 50,
  };
}"""


def wait_for_layout(page: Page, layout: str) -> None:
    """Wait until the labels and the overview are ``above`` or ``beside``."""
    try:
        page.wait_for_function(f"() => ({GEOMETRY})().{layout}")
    except TimeoutError:
        pytest.fail(f"not laid out {layout}: {page.evaluate(GEOMETRY)}")


def test_a_phone_shows_every_control_and_a_laptop_puts_the_overview_beside(
    served, browser, tmp_path
):
    url, _db, case_id = served
    page = new_page(browser, PHONE)
    open_app(page, url)
    for shown in show_the_three_forms(page, case_id):
        assert page.evaluate(OFF_SCREEN) == [], shown
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{shown}: the page scrolls sideways"
        assert page.evaluate(CUT_SHORT) == [], f"{shown}: words cut short"
        if shown in ("session", "case card"):
            screenshot(page, tmp_path, f"phone-{shown.replace(' ', '-')}")
    tab(page, "Session")  # a stored session opened: its "new entry" button shown
    page.locator(".casekit-entry-session select").select_option(index=1)
    expect(page.locator(".casekit-new-session")).to_be_visible()
    assert page.evaluate(CUT_SHORT) == [], "session opened: words cut short"
    assert page.evaluate(OFF_SCREEN) == [], "session opened"
    tab(page, "New case")
    page.locator(".casekit-save-case").click()  # refused: messages, counted sections
    expect(page.locator(".casekit-status-case")).to_contain_text("Nothing was saved")
    assert page.evaluate(OFF_SCREEN) == [], "new case, refused"
    # narrow: each label above its input, the overview under the forms
    wait_for_layout(page, "above")
    screenshot(page, tmp_path, "phone-new-case")

    page.set_viewport_size(LAPTOP)
    wait_for_layout(page, "beside")
    assert page.evaluate(OFF_SCREEN) == []
    screenshot(page, tmp_path, "laptop-new-case")


def test_a_closed_case_s_reason_is_refused_beside_its_box(served, browser):
    """The reason a closed case's change needs: asked for and refused under its box
    (on a phone the status line is far above it), the box marked invalid and
    described by the message, the focus on it."""
    url, db, _case_id = served
    with Store(db) as store:
        closed = store.add("case", case_record())["case_id"]
        store.add("session", session_record(closed))
        store.add("followup", followup_record(closed, status="discharged"))
    page = new_page(browser, PHONE)
    open_app(page, url)
    tab(page, "Session")
    choose_case(page, "session", closed)
    page.locator(".casekit-entry-session select").select_option(index=1)
    expect(page.locator(".casekit-new-session")).to_be_visible()
    field(page, "session", "nprs_before").fill("5")
    page.locator(".casekit-save-session").click()
    box = page.locator(".casekit-reason-session input")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    message = page.locator(".casekit-problem-reason-session")
    expect(message).to_contain_text(f"Case {closed} is closed")
    expect(box).to_have_attribute("aria-describedby", message.get_attribute("id"))

    box.fill("wrong, per Mrs Patel")
    page.locator(".casekit-save-session").click()
    expect(message).to_contain_text("The reason for the change")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()
    with Store(db) as store:
        assert store.get("session", (closed, 1))["nprs_before"] == 6


# -- drafts ------------------------------------------------------------------------


def test_a_half_filled_case_survives_a_reload_and_save_removes_the_draft(
    served, browser
):
    url, db, _case_id = served
    page = new_page(browser, LAPTOP)
    open_app(page, url)
    field(page, "case", "sex", "select").select_option(label="Male")
    field(page, "case", "nprs").fill("7")
    page.locator(".casekit-fold-notes").click()
    # a note that a save would refuse is not kept in the draft either
    field(page, "case", "notes", "textarea").fill("seen with Mrs Jones")
    wait_until(
        lambda: (kept(db) or {}).get("nprs") == 7, "the draft to hold what was typed"
    )
    assert kept(db) == {
        "sex": "male",
        "nprs": 7,
        "intake_date": dt.date.today(),
        "site": "main",
    }
    expect(page.locator(".casekit-draft-case")).to_contain_text(
        "Not kept until fixed: Notes"
    )

    open_app(page, url)  # a reload
    expect(field(page, "case", "sex", "select")).to_have_value("Male")
    expect(field(page, "case", "nprs")).to_have_value("7")
    bar = page.locator(".casekit-draft-case")
    expect(bar).to_contain_text("Restored what was typed")

    # discarded, it is gone from the form and the store
    page.locator(".casekit-discard-case").click()
    expect(field(page, "case", "nprs")).to_have_value("")
    expect(bar).to_be_hidden()
    assert kept(db) is None

    # typed again, reloaded, then saved: no draft is left, and none comes back
    for code, label in (
        ("age_band", "30-39"),
        ("sex", "Female"),
        ("pain_side", "Right"),
        ("duration", "Acute (under 6 weeks)"),
    ):
        field(page, "case", code, "select").select_option(label=label)
    field(page, "case", "nprs").fill("5")
    wait_until(lambda: (kept(db) or {}).get("nprs") == 5, "the draft")
    open_app(page, url)  # a reload
    expect(field(page, "case", "nprs")).to_have_value("5")
    page.locator(".casekit-save-case").click()
    expect(page.locator(".casekit-status-case")).to_contain_text("Saved case")
    assert kept(db) is None
    open_app(page, url)  # a reload
    expect(field(page, "case", "nprs")).to_have_value("")
    expect(page.locator(".casekit-draft-case")).to_be_hidden()


# -- a second examination, blind -------------------------------------------------


def test_a_second_examination_hides_the_earlier_findings(served, browser):
    url, db, case_id = served
    with Store(db) as store:
        store.add("exam", {"case_id": case_id, "exam_date": dt.date(2025, 3, 3),
                           "examiner": "a", "blinded": "yes",
                           "si_tight_side": "right"})  # fmt: skip
        before = len(store.read("exam"))
    page = new_page(browser, LAPTOP)
    open_app(page, url)
    expect(page.locator(".casekit-examined")).to_contain_text("second examination")
    tab(page, "A second examination")
    choose_case(page, "exam", case_id)
    option = page.locator(".casekit-chooser-exam select option").first
    expect(option).not_to_contain_text("pain")  # no pain side shown to lean on
    entries = page.locator(".casekit-entry-exam select option")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("New exam")
    si = field(page, "exam", "si_tight_side", "select")
    # the earlier "right" is nowhere on the form
    expect(si.locator("option:checked")).to_have_text("Not answered")
    assert "Change exam" not in page.locator(".casekit-form-exam").inner_text()
    frames_drawn(page)
    assert axe_violations(page) == []  # as accessible as the other forms
    field(page, "exam", "examiner").fill("kb")
    si.select_option(label="Left")
    page.locator(".casekit-save-exam").click()
    expect(page.locator(".casekit-status-exam")).to_contain_text("Saved exam")
    with Store(db) as store:
        exams = store.read("exam")
    assert len(exams) == before + 1
    assert exams.iloc[-1][["examiner", "si_tight_side"]].tolist() == ["kb", "left"]
    # asked for, the earlier exams are listed
    page.locator(".casekit-reveal-exam input").check()
    expect(entries).to_have_count(before + 2)
