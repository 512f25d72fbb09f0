"""The commands that take a record out of the series: a case withdrawn (at the
patient's request, or logged by mistake), a session, follow-up or exam removed.

Both go through :meth:`casekit.store.Store.delete`: soft (the row stays, marked, so
its id or number is never given again and ``casekit check`` can replay it), audited
with the reason given, which is screened like a note since the audit keeps it for
good. What is taken out leaves every count, report and export from then on.
"""

from __future__ import annotations

import argparse

from ..errors import NotFound, ReasonRequired
from .options import Commands, db_option, positive

# The forms a record is removed from by number: the word on the command line.
NUMBERED = ("session", "followup", "exam")


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
        "withdraw",
        "Withdraw a case from the series (the patient asked, or it was logged by "
        "mistake): it leaves every count, report and export; its rows stay in the "
        "store, marked, so its id is never given again. Audited with the reason, "
        "which a closed case must have.",
        'casekit withdraw K7Q2XM --reason "patient asked to be left out"',
        run_withdraw,
    )
    sub.add_argument("case_id", metavar="CASE_ID", help="the case's id, e.g. K7Q2XM")
    _reason_option(sub)
    db_option(sub)

    sub = commands.add(
        "remove",
        "Remove a session, follow-up or exam logged by mistake: it leaves every "
        "count, report and export; its row stays in the store, marked, so its "
        "number is never given again. A session a follow-up reports on is removed "
        "only after that follow-up is removed or points at another session.",
        'casekit remove session K7Q2XM 3 --reason "logged on the wrong case"',
        run_remove,
    )
    sub.add_argument("form", choices=NUMBERED, help="what to remove")
    sub.add_argument("case_id", metavar="CASE_ID", help="the case's id, e.g. K7Q2XM")
    sub.add_argument(
        "number", type=positive, metavar="NUMBER", help="its number in the case"
    )
    _reason_option(sub)
    db_option(sub)


def _reason_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--reason",
        metavar="TEXT",
        help="why, kept in the audit for good (screened: name no one); needed "
        "once the case is closed (discharged, lost, withdrew)",
    )


def run_withdraw(args: argparse.Namespace) -> int:
    case_id = args.case_id.strip().upper()
    _delete(args, "case", (case_id,))
    print(
        f"withdrew case {case_id}: it leaves every count, report and export; its "
        "rows stay in the store, marked (casekit check replays the withdrawal)"
    )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    case_id = args.case_id.strip().upper()
    _delete(args, args.form, (case_id, args.number))
    print(
        f"removed {_noun(args.form)} {args.number} of case {case_id}: it leaves "
        "every count, report and export; its number is not given again"
    )
    return 0


def _delete(args: argparse.Namespace, form: str, key: tuple) -> None:
    from ..store import Store

    with Store(args.db) as store:
        try:
            store.delete(form, key, reason=args.reason)
        except ReasonRequired as exc:
            # The store's words name its Python argument; here it is an option.
            exc.args = (
                f"case {exc.case_id} is closed (discharged, lost or withdrew): say "
                "why with --reason TEXT; nothing was changed",
            )
            raise
        except NotFound as exc:
            what = f"case {key[0]}"
            if len(key) > 1:
                what = f"{_noun(form)} {key[1]} of {what}"
            exc.args = (
                f"no {what} in the store (or it was taken out already); nothing "
                "was changed",
            )
            raise


def _noun(form: str) -> str:
    return {"followup": "follow-up"}.get(form, form)
