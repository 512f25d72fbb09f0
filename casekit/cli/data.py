"""The commands on the store and its files: init, import, export, site, check,
backup."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence
from pathlib import Path

from ..anonymity import DEFAULT_K
from ..checks import cross_form_problems, record_problems
from ..dictionary import noun_of
from ..errors import CasekitError, UsageError
from ..io.case_ids import NewCase, reserve, write_case_ids
from ..io.exporter import FORMATS, export_csv
from ..io.importer import AssumedEncoding, import_files
from ..privacy import site_code_of
from ..problems import problems_frame
from ..repeats import stored_repeats
from ..store import Store
from ..store.database import replace_empty_file, resolve_url, sqlite_path
from ..store.hidden import hidden_problems
from ..store.queries import left_out
from ..store.reasons import reason_problems, redact_reasons
from ..store.unlisting import remove_site
from .options import Commands, db_option, positive
from .terminal import print_problems, say, show_warning

IDS_SHOWN = 20  # case ids an import lists on the terminal (--ids-out: all)


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
        "init",
        "Create an empty store (owner-only file).",
        "casekit init --db data/casekit.db",
        run_init,
    )
    db_option(sub)

    sub = commands.add(
        "import",
        "Import cases.csv, sessions.csv, followups.csv, exams.csv, a folder holding "
        "them, one .xlsx (a sheet per form) or a REDCap export; all or nothing.",
        "casekit import cases.csv sessions.csv followups.csv --dry-run",
        run_import,
    )
    sub.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a form's CSV (cases.csv, sessions.csv, followups.csv, exams.csv), a "
        "folder holding them (an export), an .xlsx workbook with a sheet per form "
        "(cases, sessions, followups, exams), or a REDCap raw-data CSV (its data "
        "dictionary beside it, if any: identifier fields are refused)",
    )
    db_option(sub)
    sub.add_argument(
        "--dry-run", action="store_true", help="check everything, write nothing"
    )
    sub.add_argument(
        "--allow-repeats",
        action="store_true",
        help="import rows identical to a stored record (a session of the same "
        "case, date and answers; a case with every intake answer the same), which "
        "are refused as a file imported again unless they are real, new records",
    )
    sub.add_argument(
        "--ids-out",
        metavar="FILE",
        help="write each new case's row and the case id it has, as a CSV "
        "(row,case_id; readable by you alone), to give next week's sessions "
        f"their cases' ids; the terminal lists the first {IDS_SHOWN} ids drawn",
    )

    sub = commands.add(
        "export",
        "Export the store as CSV files plus the dictionary.",
        "casekit export exports/ --share",
        run_export,
    )
    sub.add_argument("out_dir", metavar="OUT_DIR")
    db_option(sub)
    sub.add_argument(
        "--share",
        action="store_true",
        help="only what may leave the store: no dates, no free text, "
        "no identifiers, fresh case ids, every combination of the quasi-identifiers "
        "shared by k cases (see disclosure.txt)",
    )
    sub.add_argument(
        "--k",
        type=positive,
        default=None,  # None: not given, so that --k without --share is refused
        metavar="K",
        help="with --share: the fewest cases any combination of the "
        "quasi-identifiers (site, age band, sex, side, duration, episode and every "
        f"local field shared) may hold (default: {DEFAULT_K}; below it the export "
        "is not k-anonymous in the usual sense, and disclosure.txt says so); the "
        "same cases, unchanged, are shared again only at the k they were shared at",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        dest="fmt",
        help="csv: cases.csv, sessions.csv, followups.csv and exams.csv plus "
        "dictionary.csv (default); redcap: a REDCap data dictionary and raw data "
        "with repeating instruments",
    )

    sub = commands.add(
        "site",
        "List the store's site codes, add one (a case's site is one of them), or "
        "remove one added by mistake (while no case uses it; on a network store, "
        "while it has no login role either).",
        "casekit site add north-clinic",
        run_site,
    )
    sub.add_argument("action", choices=("list", "add", "remove"))
    sub.add_argument(
        "code",
        nargs="?",
        metavar="CODE",
        help="for add: at most 20 characters of a-z, 0-9 and -, no name or number; "
        "for remove: a listed code",
    )
    db_option(sub)

    sub = commands.add(
        "check",
        "Run the data-quality rules across forms, and check the audit.",
        "casekit check --db data/casekit.db",
        run_check,
    )
    db_option(sub)
    sub.add_argument(
        "--redact-reasons",
        action="store_true",
        help="first replace each audit reason that looks like an identifier (one "
        "written before reasons were screened) by a note that it was withheld, in "
        "one audited transaction; the store's owner only",
    )

    sub = commands.add(
        "backup",
        "Write a consistent, owner-only copy of the store while others may be "
        "writing (SQLite's online backup); to restore, open the copy.",
        "casekit backup /media/usb/casekit-backups/",
        run_backup,
    )
    sub.add_argument(
        "dest",
        metavar="DEST",
        help="a new file, or a folder for a dated copy (DEST/ is always a folder, "
        "which must exist)",
    )
    db_option(sub)


def run_init(args: argparse.Namespace) -> int:
    path = sqlite_path(resolve_url(args.db))
    emptied = path is not None and replace_empty_file(path)
    try:
        store = Store(args.db, create=True)
    except CasekitError:
        # Stopped before a table was made (a broken dictionary.local.yaml): the
        # file it began is no store, and is taken away again (a store with its
        # tables is never touched).
        if path is not None:
            replace_empty_file(path)
        raise
    with store:
        if emptied:
            print(f"{store.where} was an empty file: made a store, owner-only")
        print(f"store ready: {store.where}")
        if store.access.kind == "owner":
            print(
                "network mode: each site sees only its own cases (row-level "
                "security) and the audit is append-only, on the server; give each "
                f"site's practitioner a login with `{store.command('grant', 'SITE')}`"
            )
    return 0


def run_import(args: argparse.Namespace) -> int:
    if args.ids_out and args.dry_run:
        raise UsageError(
            "--ids-out writes the ids an import gives its cases, and a --dry-run "
            "gives none: drop one of them"
        )
    ids_out = Path(args.ids_out) if args.ids_out else None
    # Refused before the import, not after it has written.
    if ids_out is not None and ids_out.exists():
        raise UsageError(f"--ids-out {ids_out} already exists; give a new file")
    if ids_out is not None and not ids_out.parent.is_dir():
        raise UsageError(f"--ids-out {ids_out}: its folder does not exist")
    if ids_out is not None:
        try:
            reserve(ids_out)
        except OSError as error:
            raise UsageError(
                f"--ids-out {ids_out} cannot be written there ({error.strerror})"
            ) from None
    try:
        result = _imported(args)
    except BaseException:
        if ids_out is not None:
            ids_out.unlink(missing_ok=True)  # nothing imported, no ids to keep
        raise
    print_problems(result.found)
    counts = ", ".join(
        f"{n} {form}{'s' * (n != 1)}" for form, n in result.counts.items()
    )
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {counts or 'nothing'}")
    _say_case_ids(result.case_ids, ids_out, dry_run=args.dry_run)
    return 0


def _imported(args: argparse.Namespace):
    # A file read in an encoding other than UTF-8 is said before its problems, and
    # said even when they stop the import (its letters may be why).
    with warnings.catch_warnings(record=True) as noted:
        warnings.simplefilter("always", AssumedEncoding)
        try:
            # A store that is not there is refused, as by every command but init:
            # a typo in --db would make a new store and import into it. A dry run
            # only reads: it neither brings the store up to date nor adds a local
            # dictionary's columns (casekit.store.reading).
            with Store(args.db, read_only=args.dry_run) as store:
                result = import_files(
                    store,
                    args.files,
                    dry_run=args.dry_run,
                    allow_repeats=args.allow_repeats,
                    progress=say,
                )
        finally:
            for note in noted:
                if issubclass(note.category, AssumedEncoding):
                    print(note.message)
                else:  # any other warning, shown as every command shows it
                    show_warning(
                        note.message, note.category, note.filename, note.lineno
                    )
    return result


def _say_case_ids(
    new_cases: Sequence[NewCase], ids_out: Path | None, *, dry_run: bool
) -> None:
    """The ids the import drew for its case rows (none given, or one replaced),
    the first ``IDS_SHOWN`` of them, so that next week's sessions can name their
    cases; with ``--ids-out``, every new case's row and id in a file (an id kept
    as the file gave it needs no line here, but the file lists every row, to line
    up with the spreadsheet's)."""
    drawn = [c for c in new_cases if c.drawn]
    if dry_run:
        if len(drawn) > IDS_SHOWN:  # said now: after the import it is too late
            print(
                f"{len(drawn)} cases would get a new case id; the import lists the "
                f"first {IDS_SHOWN}: add --ids-out FILE to keep every one"
            )
        return
    if ids_out is not None:
        write_case_ids(ids_out, new_cases)
    if drawn:
        print("case ids given by this import (a file's row -> its case's id):")
    for case in drawn[:IDS_SHOWN]:
        print(f"  {case.source} row {case.row} -> {case.case_id}")
    more = len(drawn) - IDS_SHOWN
    if more > 0:
        unlisted = ", not listed (--ids-out FILE: all)" * (ids_out is None)
        print(f"  ... and {more} more{unlisted}")
    if ids_out is not None:
        print(f"every new case's row and case id: {ids_out}")


def run_export(args: argparse.Namespace) -> int:
    # A k asked for a private export would be ignored, and the full export written
    # where a shareable one was meant: refused before anything is written.
    if args.k is not None and not args.share:
        raise UsageError("--k applies to a share export: add --share")
    k = DEFAULT_K if args.k is None else args.k
    # A share is recorded in the store as it is written (casekit.store.releases):
    # the one export that writes; a full export only reads.
    with Store(args.db, read_only=not args.share) as store:
        paths = export_csv(store, args.out_dir, share=args.share, fmt=args.fmt, k=k)
        gone = left_out(store)
    kind = "shareable export" if args.share else "export (keep it private)"
    print(f"{kind} written: " + ", ".join(str(p) for p in paths))
    # Export then import must not lose a case without a word.
    if any(gone.values()):
        counts = ", ".join(
            f"{n} {'withdrawn ' * (form == 'case')}{noun_of(form)}{'s' * (n != 1)}"
            for form, n in gone.items()
            if n
        )
        print(
            f"left out: {counts} (withdrawn or removed: kept in the store, marked, "
            "and in its backups; their data does not travel)"
        )
    return 0


def run_site(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.code:
        raise UsageError(
            f"`casekit site {args.action}` needs a CODE, e.g. casekit site "
            f"{args.action} north"
        )
    if args.action == "list" and args.code:
        raise UsageError("`casekit site list` takes no CODE")
    with Store(args.db, read_only=args.action == "list") as store:
        if args.action == "remove":
            print(f"site {remove_site(store, args.code)} removed")
        elif args.action == "add":
            new = store.add_site(args.code)
            code = site_code_of(args.code)
            print(f"site {code} {'added' if new else 'was already listed'}", end="")
            # Said, so that the code an import's cases give is the one stored.
            lowered = code != args.code.strip()
            print(f" (codes are lower case: {args.code.strip()} is {code})" * lowered)
        else:
            print("\n".join(store.sites()))
    return 0


def run_check(args: argparse.Namespace) -> int:
    # Only --redact-reasons writes: without it, a store nobody may write is checked.
    with Store(args.db, read_only=not args.redact_reasons) as store:
        if args.redact_reasons:
            redacted = redact_reasons(store)
            rows = ", ".join(str(i) for i in redacted) or "none"
            print(f"audit reasons withheld: {len(redacted)} (rows {rows})")
        frames = store.frames()
        problems = record_problems(store.dictionary, frames, store.deny_list)
        problems += cross_form_problems(store.dictionary, frames)
        problems += stored_repeats(store.dictionary, frames)
        problems += store.site_problems()
        problems += hidden_problems(store.hidden, store.looked_in)
        found, (last_id, last_hash) = store.verify()
        problems += found
        problems += reason_problems(store)
        access = store.access
    table = problems_frame(problems)
    print_problems(problems)
    errors = int((table["severity"] == "error").sum())
    cases = len(frames["case"])
    print(
        f"checked {cases} case{'s' * (cases != 1)}: {errors} error"
        f"{'s' * (errors != 1)}, {len(table) - errors} warning"
        f"{'s' * (len(table) - errors != 1)}"
    )
    if not access.sees_every_site:
        print(
            f"audit: replayed against the cases of site {access.site}; the chain, "
            "which holds every site's rows, is checked by the store's owner or an "
            "analyst"
        )
    else:
        # Noted somewhere else, the head shows later that no row before it changed.
        rows = f"{last_id} row{'s' * (last_id != 1)}"
        print(f"audit: {rows}, chain head {last_hash[:16] or '-'}")
    return 1 if errors else 0


def run_backup(args: argparse.Namespace) -> int:
    from ..store.backup import backup

    made = backup(args.db, args.dest)
    cases = f"{made.cases} case{'s' * (made.cases != 1)}"
    print(f"backup written (owner-only, integrity ok, {cases}): {made.path}")
    return 0
