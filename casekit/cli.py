"""The ``casekit`` command: a thin layer over the package.

Exit status: 0 success, 1 the data has problems (they are printed), 2 a usage error.
Every casekit error reaches the terminal as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .anonymity import DEFAULT_K
from .cells import neutralise_frame
from .checks import cross_form_problems, record_problems
from .dictionary import Dictionary
from .errors import CasekitError, UsageError, ValidationFailed
from .io.exporter import FORMATS, export_csv
from .io.importer import import_files
from .labels import NOT_YET
from .patterns import SPLITS, pattern_table, with_adjusted_p
from .problems import Problem, problems_frame, summary
from .readable import rate_table
from .store import Store
from .synth import populate

EPILOG = "Exit status: 0 success, 1 the data has problems, 2 a usage error."


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ValidationFailed as exc:
        print_problems(exc.found or exc.problems)
        errors = int((exc.problems["severity"] == "error").sum())
        print(
            f"casekit: error: {errors} problem{'s' * (errors != 1)} found; "
            "nothing was written",
            file=sys.stderr,
        )
        return 1
    except CasekitError as exc:
        print(f"casekit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("casekit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of a pipe stopped early (`casekit patterns | head`): no error
        # of ours, and no traceback when Python flushes into the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casekit",
        epilog=EPILOG,
        description="Log anonymised low-back-pain cases and count, honestly, how "
        "often clinical patterns recur.",
    )
    parser.add_argument("--version", action="version", version=f"casekit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str, help_text: str, example: str, run
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"Example: {example}\n{EPILOG}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        return sub

    def db_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--db",
            metavar="URL",
            help="store path or SQLAlchemy URL (default: $CASEKIT_DB or "
            "data/casekit.db)",
        )

    sub = command(
        "init",
        "Create an empty store (owner-only file).",
        "casekit init --db data/casekit.db",
        run_init,
    )
    db_option(sub)

    sub = command(
        "import",
        "Import cases.csv, sessions.csv, followups.csv or one .xlsx; all or nothing.",
        "casekit import cases.csv sessions.csv followups.csv --dry-run",
        run_import,
    )
    sub.add_argument("files", nargs="+", metavar="FILE")
    db_option(sub)
    sub.add_argument(
        "--dry-run", action="store_true", help="check everything, write nothing"
    )

    sub = command(
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
        type=_positive,
        default=DEFAULT_K,
        metavar="K",
        help=f"with --share: the fewest cases any combination of site, age band, "
        f"sex, side, duration and episode may hold (default: {DEFAULT_K})",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        dest="fmt",
        help="csv: casekit's three files (default); redcap: a REDCap data "
        "dictionary and raw data with repeating instruments",
    )

    sub = command(
        "site",
        "List the store's site codes, or add one (a case's site is one of them).",
        "casekit site add north-clinic",
        run_site,
    )
    sub.add_argument("action", choices=("list", "add"))
    sub.add_argument(
        "code",
        nargs="?",
        metavar="CODE",
        help="for add: at most 20 characters of a-z, 0-9 and -, no name or number",
    )
    db_option(sub)

    sub = command(
        "check",
        "Run the data-quality rules across forms.",
        "casekit check --db data/casekit.db",
        run_check,
    )
    db_option(sub)

    sub = command(
        "backup",
        "Write a consistent, owner-only copy of the store while others may be "
        "writing (SQLite's online backup); to restore, open the copy.",
        "casekit backup /media/usb/casekit-backups/",
        run_backup,
    )
    sub.add_argument(
        "dest", metavar="DEST", help="a new file, or a folder for a dated copy"
    )
    db_option(sub)

    sub = command(
        "demo",
        "Create a synthetic demo store (no real patient in it) and render its full "
        "and shareable reports.",
        "casekit demo --out reports --cases 300 --seed 1",
        run_demo,
    )
    sub.add_argument(
        "--out",
        default="reports",
        metavar="DIR",
        help="folder for the demo store, its export and its reports (default: reports)",
    )
    sub.add_argument("--cases", type=_positive, default=300, metavar="N")
    sub.add_argument("--seed", type=int, default=1, metavar="S")

    sub = command(
        "report",
        "Render the case-series report (notebooks/04_share_report) to one HTML "
        "page that loads nothing from the network; --share for the version to send.",
        "casekit report --share --out reports",
        run_report,
    )
    db_option(sub)
    sub.add_argument(
        "--out",
        default="reports",
        metavar="DIR",
        help="folder for report.html / report-share.html (default: reports)",
    )
    sub.add_argument(
        "--share",
        action="store_true",
        help="disclosure-controlled: counts 1-7 shown as *, others rounded to 5; "
        "no case id, date or note",
    )

    sub = command(
        "workshop",
        "Render the workshop handout (notebooks/05_workshop): exercises for the "
        "room, or with --instructor the answers too; made-up cases only.",
        "casekit workshop --out workshop --instructor",
        run_workshop,
    )
    sub.add_argument(
        "--out",
        default="workshop",
        metavar="DIR",
        help="folder for participant.html / instructor.html (default: workshop)",
    )
    sub.add_argument(
        "--instructor",
        action="store_true",
        help="keep the answers (cells tagged `solution`)",
    )

    sub = command(
        "patterns",
        "How often each pattern recurs: k of n, its interval, its comparator.",
        "casekit patterns --by sex --format json",
        run_patterns,
    )
    db_option(sub)
    sub.add_argument(
        "--by",
        metavar="COLUMN",
        help="split by a case column: " + ", ".join(SPLITS) + ", or a choice "
        "field of your data/dictionary.local.yaml",
    )
    sub.add_argument(
        "--format", choices=("text", "csv", "json"), default="text", dest="fmt"
    )

    sub = command(
        "lab",
        "Open JupyterLab on the notebooks (127.0.0.1 only, with a token).",
        "casekit lab --db data/casekit.db",
        run_lab,
    )
    db_option(sub)
    _server_options(sub, 8888)

    sub = command(
        "serve",
        "Serve the logging forms as a web app (Voila; 127.0.0.1 only, with a token).",
        "casekit serve --port 8866 --no-browser",
        run_serve,
    )
    db_option(sub)
    _server_options(sub, 8866)
    return parser


def _server_options(sub: argparse.ArgumentParser, port: int) -> None:
    sub.add_argument(
        "--port", type=_positive, default=port, help=f"port (default: {port})"
    )
    sub.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="print the address instead of opening a browser",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def run_init(args: argparse.Namespace) -> int:
    with Store(args.db, create=True) as store:
        print(f"store ready: {store.where}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    with Store(args.db, create=not args.dry_run) as store:
        result = import_files(store, args.files, dry_run=args.dry_run, progress=_say)
    print_problems(result.found)
    counts = ", ".join(
        f"{n} {form}{'s' * (n != 1)}" for form, n in result.counts.items()
    )
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {counts or 'nothing'}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        paths = export_csv(
            store, args.out_dir, share=args.share, fmt=args.fmt, k=args.k
        )
    kind = "shareable export" if args.share else "export (keep it private)"
    print(f"{kind} written: " + ", ".join(str(p) for p in paths))
    return 0


def run_site(args: argparse.Namespace) -> int:
    if args.action == "add" and not args.code:
        raise UsageError("`casekit site add` needs a CODE, e.g. casekit site add north")
    if args.action == "list" and args.code:
        raise UsageError("`casekit site list` takes no CODE")
    with Store(args.db) as store:
        if args.action == "add":
            new = store.add_site(args.code)
            print(f"site {args.code} {'added' if new else 'was already listed'}")
        else:
            print("\n".join(store.sites()))
    return 0


def run_check(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        frames = store.frames()
        problems = record_problems(store.dictionary, frames, store.deny_list)
        problems += cross_form_problems(store.dictionary, frames)
        problems += store.site_problems()
        found, (last_id, last_hash) = store.verify()
        problems += found
    table = problems_frame(problems)
    print_problems(problems)
    errors = int((table["severity"] == "error").sum())
    cases = len(frames["case"])
    print(
        f"checked {cases} case{'s' * (cases != 1)}: {errors} error"
        f"{'s' * (errors != 1)}, {len(table) - errors} warning"
        f"{'s' * (len(table) - errors != 1)}"
    )
    # Noted somewhere else, the head shows later that no row before it changed.
    print(f"audit: {last_id} rows, chain head {last_hash[:16] or '-'}")
    return 1 if errors else 0


def run_backup(args: argparse.Namespace) -> int:
    from .store.backup import backup

    made = backup(args.db, args.dest)
    cases = f"{made.cases} case{'s' * (made.cases != 1)}"
    print(f"backup written (owner-only, integrity ok, {cases}): {made.path}")
    return 0


def run_patterns(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        frames = store.frames()
        table = pattern_table(frames, by=args.by)
        dictionary = store.dictionary
    if args.fmt == "text" and frames["case"].empty:
        print(f"{NOT_YET['case']}.")
    if args.fmt == "json":
        print(table.to_json(orient="records", indent=2))
    elif args.fmt == "csv":
        print(neutralise_frame(table).to_csv(index=False), end="")
    else:
        print(_pattern_text(with_adjusted_p(table), args.by, dictionary))
    return 0


def _pattern_text(table: pd.DataFrame, by: str | None, dictionary: Dictionary) -> str:
    """The pattern table as a person reads it: one line a pattern (and split)."""
    shown = rate_table(table, by=by, dictionary=dictionary)
    lines = []
    for row in shown.to_dict("records"):
        if row["Rate"]:
            rate = f"{row['k / n']} = {row['Rate']} (95 % CI {row['95 % interval']})"
        else:
            rate = "no cases to count"
        if row["p"]:
            p = row["p"] if row["p"].startswith("<") else f"= {row['p']}"
            rate += (
                f", p {p} vs {row['Compared with']} (Holm-adjusted {row['p (Holm)']})"
            )
        group = f"[{shown.columns[0]}: {row[shown.columns[0]]}] " if by else ""
        lines.append(f"{group}{row['Pattern']}: {rate}")
        if row["Note"]:
            lines.append(f"    {row['Note']}")
    tests = int(table["p_value"].notna().sum())
    if tests:
        lines.append(
            f"{tests} p-values from one data set: by chance alone about 1 test in 20 "
            "gives p < 0.05, so read the Holm-adjusted values (they allow for all "
            "the tests at once)."
        )
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:
    from .report.render import report

    out = Path(args.out)
    db = out / "demo.db"
    if db.exists():
        db.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Store(db, create=True, actor="casekit-demo") as store:
        populate(store, args.cases, seed=args.seed, progress=_progress)
        _say("")  # end the progress line
        paths = export_csv(store, out / "share", share=True)
    print(f"demo store ({args.cases} synthetic cases): {db}")
    print(f"shareable export: {paths[0].parent}")
    # `demo-` in the names: a demo never overwrites a real report in the same folder.
    full = report(db, out, name="demo-report", progress=_say)
    print(f"full report (exact counts): {full}")
    shared = report(db, out, share=True, name="demo-report", progress=_say)
    print(f"shareable report: {shared}")
    return 0


def run_workshop(args: argparse.Namespace) -> int:
    from .workshop.handout import handout

    path = handout(args.out, instructor=args.instructor, progress=_say)
    kind = "instructor's handout (answers in it)" if args.instructor else "handout"
    print(f"workshop {kind}: {path}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from .report.render import report

    path = report(args.db, args.out, share=args.share, progress=_say)
    kind = "shareable report" if args.share else "full report (keep it private)"
    print(f"{kind}: {path}")
    return 0


def _say(message: str) -> None:
    # Progress is for a person at a terminal; a log or a pipe gets results only.
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def run_lab(args: argparse.Namespace) -> int:
    from .ui.launch import lab

    return _start("JupyterLab", lab(args.db, args.port, args.browser))


def run_serve(args: argparse.Namespace) -> int:
    from .ui.launch import serve

    return _start("the logging app", serve(args.db, args.port, args.browser))


def _start(what: str, launch) -> int:
    print(f"store: {launch.store}")
    print(f"{what}: {launch.url}", flush=True)
    print("stop it with Ctrl-C", flush=True)
    return launch.run()


def _progress(done: int, total: int) -> None:
    if not sys.stderr.isatty():
        return
    print(
        f"\rwriting synthetic cases: {done}/{total}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def print_problems(problems: Sequence[Problem] | pd.DataFrame) -> None:
    """Each kind of problem on one line (:func:`casekit.problems.summary`): where it
    is (file and rows), then what is wrong; a table without its problems, one line
    a row."""
    if isinstance(problems, pd.DataFrame):
        lines = problems["problem"].tolist()
    else:
        lines = summary(problems)
    for line in lines:
        print(line)
