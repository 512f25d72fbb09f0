"""The case card: one case's course, from the store, in words (`casekit case`), as a
figure (its artists) and as the fourth tab of the logging app, driven headlessly."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import matplotlib
import pytest
from conftest import case_record, followup_record, session_record

from casekit.card import card_text, case_card
from casekit.cli import main
from casekit.errors import NotFound
from casekit.store import queries
from casekit.ui.card import card_html
from casekit.ui.logbook import CARD_TAB, LoggingApp

matplotlib.use("Agg")

D = dt.date
NOTE = "<b>psoas</b> tender & guarded"


@pytest.fixture
def course(store) -> str:
    """A case of three sessions, three follow-ups (two flares, one of unknown onset)
    and a discharge 3 weeks after the last session."""
    case_id = store.add("case", case_record(nprs=7))["case_id"]
    for day, before, after in ((3, 7, 4), (10, 6, 3), (17, 4, 2)):
        store.add(
            "session",
            session_record(
                case_id,
                session_date=D(2025, 3, day),
                nprs_before=before,
                nprs_after=after,
                regions_treated=["lumbar", "ankle_foot"],
                techniques=["mobilisation", "exercise"],
                notes=NOTE if day == 10 else None,
            ),
        )
    for record in (
        dict(
            after_session=1,
            followup_date=D(2025, 3, 5),
            nprs=5,
            flare="yes",
            flare_side="right",
            flare_onset_hours=30.0,
            flare_duration_hours=12.0,
            groc=2,
        ),
        dict(
            after_session=2,
            followup_date=D(2025, 3, 12),
            nprs=4,
            flare="yes",
            flare_side="left",
            flare_onset_hours=None,
            groc=3,
        ),
        dict(
            after_session=3,
            followup_date=D(2025, 4, 7),
            nprs=1,
            flare="no",
            flare_side=None,
            flare_onset_hours=None,
            groc=5,
            status="discharged",
        ),
    ):
        store.add("followup", followup_record(case_id, **record))
    return case_id


def test_the_card_holds_every_session_and_follow_up(store, course):
    card = case_card(queries.case_course(store, course), store.dictionary)
    assert card.sessions["Session"].tolist() == [1, 2, 3]
    assert card.sessions["Date"].tolist() == [
        "2025-03-03 (day 0)",
        "2025-03-10 (day 7)",
        "2025-03-17 (day 14)",
    ]
    assert card.sessions["Pain"].tolist() == ["7 -> 4", "6 -> 3", "4 -> 2"]
    assert card.sessions["Regions treated"][0] == "Lumbar, Ankle and foot"
    assert card.followups["Date"].tolist() == [
        "2025-03-05 (day 2)",
        "2025-03-12 (day 9)",
        "2025-04-07 (day 35)",
    ]
    flare = card.followups["Flare"].tolist()
    assert flare[0] == (
        "yes, side right (opposite side), began 30 h after the session, lasted 12 h"
    )
    assert flare[1].startswith("yes, side left (same side as the pain), onset not")
    assert flare[2] == "no"
    assert card.followups["GROC"].tolist() == ["+2", "+3", "+5"]
    assert card.followups["Status"].tolist()[-1] == "Discharged"
    assert card.outcome == "improved"
    assert card.outcome_text.startswith("Improved")
    assert "pain 7 at intake, 1 at follow-up 3 (day 35, 21 days after" in (
        card.outcome_text
    )
    assert card.notes == {"intake": case_record()["notes"], "session 2": NOTE}
    intake = dict(zip(card.intake["question"], card.intake["answer"], strict=True))
    assert intake["SI joint that feels tighter"] == "Right (opposite side)"
    assert intake["Old ankle injury, side"] == "Left (same side as the pain)"
    assert intake["Weaker glute, side"] == "not recorded"
    assert "Glute medius strength, left (MRC 0-5)" not in intake  # not a pattern's


def test_casekit_case_prints_the_card(store, course, capsys):
    assert main(["case", course.lower(), "--db", str(store.path)]) == 0
    text = capsys.readouterr().out
    assert (
        text
        == card_text(case_card(queries.case_course(store, course), store.dictionary))
        + "\n"
    )
    for line in (
        f"Case {course}",
        "Sessions (3)",
        "  Session 2: date 2025-03-10 (day 7); pain 6 -> 3;",
        "Follow-ups (3)",
        "  Follow-up 1: date 2025-03-05 (day 2); after session 1; pain 5; flare yes, "
        "side right (opposite side), began 30 h after the session, lasted 12 h; "
        "GROC +2; status In care",
        f"  session 2: {NOTE}",
    ):
        assert line in text, line


def test_an_unknown_or_withdrawn_case_is_one_line_and_exit_1(store, course, tmp_path):
    def casekit(*args):
        return subprocess.run(
            [sys.executable, "-m", "casekit", *args, "--db", str(store.path)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    unknown = casekit("case", "ZZZZZZ")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr == "casekit: error: no case 'ZZZZZZ' in the store\n"
    store.delete("case", course, reason="withdrew consent")
    with pytest.raises(NotFound) as missing:
        queries.case_course(store, course)
    assert (missing.value.form, missing.value.key) == ("case", course)
    withdrawn = casekit("case", course)
    # Its rows are kept, marked: "no case in the store" sent one looking for a typo.
    # The reason (free text) stays in the audit.
    today = dt.date.today().isoformat()
    assert withdrawn.returncode == 1 and withdrawn.stdout == ""
    assert withdrawn.stderr == (
        f"casekit: error: case {course} was withdrawn on {today}\n"
    )


def test_a_case_without_sessions_has_a_card_that_says_so(store):
    case_id = store.add("case", case_record())["case_id"]
    card = case_card(queries.case_course(store, case_id), store.dictionary)
    text = card_text(card)
    assert "Sessions (0)\n  none yet" in text and "Follow-ups (0)" in text
    assert card.outcome == "no_outcome" and card.session_days == []


@pytest.mark.parametrize(
    ("later", "outcome", "words"),
    [(6, "worse", "Worse"), (1, "no_change", "No clear change")],
)
def test_a_case_without_pain_at_intake_has_an_outcome_all_the_same(
    store, later, outcome, words
):
    """Intake NPRS 0 then 6 a month after the one session is worse (it said "No
    outcome yet ... so none to get better"); 0 then 1 is no clear change."""
    case_id = store.add("case", case_record(nprs=0))["case_id"]
    store.add("session", session_record(case_id, session_date=dt.date(2025, 3, 3)))
    late = followup_record(case_id, followup_date=dt.date(2025, 4, 3), nprs=later)
    store.add("followup", {**late, "flare": "no"})
    card = case_card(queries.case_course(store, case_id), store.dictionary)
    assert card.outcome == outcome
    assert card.outcome_text.startswith(words)
    assert f"pain 0 at intake, {later} at follow-up 1 (day 31," in card.outcome_text
    stayed = card.outcome_text.endswith("(no pain at intake, so none to get better)")
    assert stayed == (outcome == "no_change")


def test_a_case_without_pain_at_intake_nor_a_late_follow_up_has_no_outcome(store):
    case_id = store.add("case", case_record(nprs=0))["case_id"]
    store.add("session", session_record(case_id, session_date=dt.date(2025, 3, 3)))
    card = case_card(queries.case_course(store, case_id), store.dictionary)
    assert card.outcome == "no_outcome"
    assert "none to get better" not in card.outcome_text


def test_the_figure_marks_the_sessions_and_the_flares(store, course):
    from casekit.figures.course import pain_over_time

    card = case_card(queries.case_course(store, course), store.dictionary)
    ax = pain_over_time(card)
    by_gid = {}
    for line in ax.lines:
        by_gid.setdefault(line.get_gid(), []).append(line)
    assert [line.get_xdata()[0] for line in by_gid["session"]] == [0, 7, 14]
    (placed,) = by_gid["flare"]
    assert list(placed.get_xdata()) == [0 + 30 / 24]  # where it began
    (unplaced,) = by_gid["flare, onset unknown"]
    assert list(unplaced.get_xdata()) == [9.0]  # at its follow-up
    (before,) = by_gid["before"]
    assert list(zip(before.get_xdata(), before.get_ydata(), strict=True)) == [
        (0, 7),
        (7, 6),
        (14, 4),
    ]
    (after,) = by_gid["after"]
    assert list(after.get_ydata()) == [4, 3, 2]
    (followups,) = by_gid["follow-up"]
    assert list(followups.get_xdata()) == [2, 9, 35]
    (intake,) = by_gid["intake"]
    assert (intake.get_xdata()[0], intake.get_ydata()[0]) == (0, 7)
    (line,) = by_gid["course"]
    assert list(line.get_xdata()) == sorted(line.get_xdata())
    assert course in ax.get_title(loc="left")


def test_the_card_tab_of_the_logging_app(store, course):
    app = LoggingApp(store)
    assert app.tabs.titles[-1] == CARD_TAB
    assert "Choose a case above" in app.card.view.value
    # opened from the session form's case list
    app.session.chooser.choose(course)
    (opener,) = [
        child
        for child in app.session.body.children
        if "casekit-open-card-session" in child._dom_classes
    ]
    opener.click()
    assert app.tabs.selected_index == len(app.tabs.children) - 1
    assert app.card.chooser.value == course
    shown = app.card.view.value
    for text in (
        "2025-03-03 (day 0)",
        "2025-03-10 (day 7)",
        "2025-04-07 (day 35)",
        "7 -&gt; 4",
        "began 30 h after the session",
        "How it fared",
    ):
        assert text in shown, text
    assert NOTE not in shown and "&lt;b&gt;psoas&lt;/b&gt; tender &amp;" in shown
    assert 'alt="Pain over time of case' in shown and "data:image/png;base64," in shown
    # a save refreshes it: a follow-up logged in the form shows on the card
    form = app.followup.record
    app.followup.chooser.choose(course)
    form.fields["followup_date"].control.value = D(2025, 5, 1)
    form.fields["nprs"].control.value = "0"
    form.save_button.click()
    assert "Saved follow-up 4" in form.status.value
    assert "2025-05-01 (day 59)" in app.card.view.value
    # its own case list opens another case; clearing it empties the card
    other = store.add("case", case_record())["case_id"]
    app.refresh()
    app.card.chooser.choose(other)
    assert f"Case {other}" in app.card.view.value
    app.card.chooser.choose(None)
    assert app.card.card is None


def test_the_overview_lists_the_calls_due(store, course):
    other = store.add("case", case_record())["case_id"]
    store.add("session", session_record(other, session_date=dt.date.today()))
    app = LoggingApp(store)
    assert "Calls due" in app.overview.due.value
    assert f"case {other}" not in app.overview.due.value  # not before tomorrow
    assert course not in app.overview.due.value  # discharged
    # Session 1 was yesterday after all: its check-in is due today. (A second
    # session dated yesterday would be logged late instead: it would take number 1
    # and this one become session 2, since sessions go by date.)
    yesterday = {"session_date": dt.date.today() - dt.timedelta(1)}
    store.update("session", (other, 1), yesterday, reason="date corrected")
    app.refresh()
    assert f"case {other}: check-in after session 1" in app.overview.due.value


def test_the_card_names_the_answers_it_leaves_out(store, course, capsys):
    """Findings the patterns do not count (the rest of the intake exam, a session's
    re-test, the exams) were left off without a word: the card ends naming their
    questions, by label, once per form, only those answered for this case."""
    case_id = store.add(
        "case",
        case_record(
            si_provocation_positive=3,
            glute_med_strength_left=3,
            trendelenburg_side="left",
            pelvic_high_side="right",
        ),
    )["case_id"]
    for day in (3, 10):
        store.add(
            "session",
            session_record(case_id, session_date=D(2025, 3, day), si_tight_side="left"),
        )
    for day in (4, 11):
        exam = {"case_id": case_id, "exam_date": D(2025, 3, day), "examiner": "kb"}
        store.add("exam", {**exam, "si_tight_side": "right"})
    card = case_card(queries.case_course(store, case_id), store.dictionary)
    assert card.unshown == {
        "intake": (
            "SI provocation tests positive (0-6)",
            "Glute medius strength, left (MRC 0-5)",
            "Trendelenburg sign, stance leg",
            "Higher side of the pelvis",
        ),
        "sessions": ("SI joint that feels tighter (re-test)",),
        "exams": ("Exam date", "Examiner", "SI joint that feels tighter"),
    }
    assert main(["case", case_id, "--db", str(store.path)]) == 0
    text = capsys.readouterr().out
    assert text.endswith(
        "\n\nAlso recorded, not shown here (see the forms, or an export):\n"
        "  intake: SI provocation tests positive (0-6); Glute medius strength, "
        "left (MRC 0-5); Trendelenburg sign, stance leg; Higher side of the pelvis\n"
        "  sessions: SI joint that feels tighter (re-test)\n"
        "  exams: Exam date; Examiner; SI joint that feels tighter\n"
    )
    assert "glute_med_strength_left" not in text and "trendelenburg" not in text
    # The rest of the card is as it was: the intake exam the patterns use.
    assert "Intake exam\n  SI joint that feels tighter: Right" in text
    # The forms' card tab is the same card: it says so too.
    shown = card_html(card)
    assert "<h3>Also recorded, not shown here (see the forms, or an export)</h3>" in (
        shown
    )
    assert "<li><b>sessions</b>: SI joint that feels tighter (re-test)</li>" in shown
    # A case all of whose answers the card shows has no such line.
    plain = case_card(queries.case_course(store, course), store.dictionary)
    assert plain.unshown == {}
    assert "Also recorded" not in card_text(plain) + card_html(plain)


def test_the_fields_the_card_shows_are_fields():
    from casekit.card import EXAM_USED, SHOWN
    from casekit.dictionary import load_dictionary

    dictionary = load_dictionary()
    for form, codes in SHOWN.items():
        assert set(codes) <= set(dictionary[form].codes), form
    assert set(EXAM_USED) <= set(dictionary["case"].codes)
