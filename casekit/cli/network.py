"""The commands of network mode, where practitioners pool their cases on one
PostgreSQL server: grant (a login for a site, or for an analyst) and merge (a
practitioner's own store pooled in)."""

from __future__ import annotations

import argparse

from ..dictionary import noun_of
from ..errors import UsageError
from ..store import Store
from .options import Commands, db_option
from .terminal import say


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
        "grant",
        "Create the login role of a site's practitioner (or reset its password), or "
        "with --analyst a read-only role that sees every site; run by the network "
        "store's owner. Prints the role's connection URL last, once.",
        "casekit grant north --db postgresql+psycopg://owner@db.example.org/network",
        run_grant,
    )
    sub.add_argument(
        "name",
        metavar="SITE",
        help="the site code (the role's name, and the audit's actor for its writes)",
    )
    sub.add_argument(
        "--analyst",
        action="store_true",
        help="SITE is the name of an analyst: reads every site, writes nothing",
    )
    db_option(sub)

    sub = commands.add(
        "merge",
        "Pool a practitioner's own store (a SQLite file, or an export folder) into "
        "this store as one site, all or nothing; its audit comes along. Merging "
        "the same store again adds nothing.",
        "casekit merge old/casekit.db --site north --db postgresql+psycopg://...",
        run_merge,
    )
    sub.add_argument(
        "source", metavar="SOURCE", help="a casekit store or export folder"
    )
    sub.add_argument(
        "--site", required=True, metavar="SITE", help="the site its cases belong to"
    )
    db_option(sub)


def run_grant(args: argparse.Namespace) -> int:
    from ..store.roles import grant

    if not args.db:
        raise UsageError("`casekit grant` needs --db OWNER_URL (the network store)")
    with Store(args.db) as store:
        granted = grant(store, args.name, analyst=args.analyst)
    done = (
        "created" if granted.created else "password reset (the old one no longer works)"
    )
    if granted.site:
        print(
            f"site role {granted.role} {done}: it reads and writes the cases of site "
            f"{granted.site} alone, and the audit names it as {granted.role}"
        )
    else:
        print(
            f"analyst role {granted.role} {done}: it reads every site and writes "
            "nothing"
        )
    print(
        "its connection URL, with its password, shown this once (give it to that "
        "person alone; `casekit grant` again makes a new one):"
    )
    print(granted.url)
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from ..io.pool import merge

    with Store(args.db) as store:
        merged = merge(store, args.source, args.site, progress=say)
    if merged.before is not None:
        row = merged.before
        print(
            f"{args.source} was merged already, on {row['merged_at'][:10]} as site "
            f"{row['site']} ({row['cases']} cases), and has not changed since: "
            "nothing added"
        )
        return 0
    if not merged.counts:
        print(f"{args.source} holds nothing to merge")
        return 0
    counts = ", ".join(
        f"{n} {form}{'s' * (n != 1)}" for form, n in merged.counts.items()
    )
    print(f"merged {counts} as site {merged.site}")
    if any(merged.left_out.values()):
        print(
            f"left out: {_counted(merged.left_out)} (withdrawn or removed in "
            f"{args.source}: their data does not travel)"
        )
    if any(merged.withdrawn.values()):
        print(
            f"withdrawn in the pool: {_counted(merged.withdrawn, 'merged earlier')} "
            "(withdrawn or removed in the source since; kept here, marked)"
        )
    if merged.redrawn:
        print(
            f"{len(merged.redrawn)} case id{'s' * (len(merged.redrawn) != 1)} "
            "taken here already got new ones: "
            + ", ".join(f"{old} -> {new}" for old, new in merged.redrawn.items())
        )
    rows = "audit row" if merged.history == 1 else "audit rows"
    print(f"{merged.history} {rows} of its history came along, marked with it")
    return 0


def _counted(counts: dict[str, int], of_cases: str = "") -> str:
    """``1 withdrawn case, 2 sessions``, as ``casekit export`` counts what it
    leaves out (or ``1 case merged earlier``)."""
    return ", ".join(
        f"{n} {'withdrawn ' * (form == 'case' and not of_cases)}{noun_of(form)}"
        f"{'s' * (n != 1)}{f' {of_cases}' * (form == 'case' and bool(of_cases))}"
        for form, n in counts.items()
        if n
    )
