"""The commands that review the caseload case by case: one case's course, and the
calls due by the follow-up schedule."""

from __future__ import annotations

import argparse
import datetime as dt

from .options import Commands, day, db_option


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
        "case",
        "One case's course on one screen: the intake, every session and follow-up "
        "with its date, pain and flare, and how the case fared. For you alone: it "
        "names the case and its dates.",
        "casekit case K7Q2XM",
        run_case,
    )
    sub.add_argument("case_id", metavar="CASE_ID", help="the case's id, e.g. K7Q2XM")
    db_option(sub)

    sub = commands.add(
        "due",
        "The follow-up calls due by the schedule (a check-in after each session, "
        "the 2-week and 6-week calls), which call and due since when; overdue "
        "ones marked. Nothing is due for a closed case (discharged, lost or "
        "withdrew) unless a session after that follow-up re-opened it. The days "
        "are settings of casekit.toml beside the store (data/casekit.toml for the "
        "default store).",
        "casekit due --on 2025-03-14",
        run_due,
    )
    sub.add_argument(
        "--on",
        type=day,
        metavar="DATE",
        help="the day to list what was due on, YYYY-MM-DD (default: today): only "
        "the sessions and follow-ups dated on or before it count, so a past day "
        "shows what was due that day, even if a later follow-up has answered it "
        "since",
    )
    db_option(sub)


def run_case(args: argparse.Namespace) -> int:
    from ..card import card_text, case_card
    from ..store import Store, queries

    with Store(args.db, read_only=True) as store:
        frames = queries.case_course(store, args.case_id.strip().upper())
        print(card_text(case_card(frames, store.dictionary)))
    return 0


def run_due(args: argparse.Namespace) -> int:
    from ..schedule import due_lines
    from ..store import Store, queries

    on = args.on or dt.date.today()
    with Store(args.db, read_only=True) as store:
        calls = queries.calls_due(store, on)
    if calls.empty:
        print(f"Nothing due on {on.isoformat()}.")
        return 0
    overdue = int(calls["overdue"].sum())
    print(
        f"{len(calls)} call{'s' * (len(calls) != 1)} due on {on.isoformat()}"
        f" ({overdue} overdue):"
    )
    for line in due_lines(calls):
        print(f"  {line}")
    return 0
