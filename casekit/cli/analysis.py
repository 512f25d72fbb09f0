"""The commands that count and show: patterns, and the pages casekit renders (the
demo, the report, the workshop's handout)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .. import stats
from ..anonymity import DEFAULT_K
from ..cells import neutralise_frame
from ..dictionary import Dictionary
from ..disclosure import SUPPRESSED
from ..errors import UsageError
from ..io.exporter import export_csv
from ..labels import NOT_YET
from ..patterns import SPLITS, inputs, local_splits, pattern_table, with_adjusted_p
from ..readable import PROTECTING, rate_table
from ..sitewise import by_site
from ..store import Store, ledger
from ..synth import populate
from .options import Commands, db_option, positive
from .terminal import progress, say


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
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
    sub.add_argument(
        "--cases",
        type=positive,
        default=300,
        metavar="N",
        help=f"how many synthetic cases (default: 300; at least {DEFAULT_K})",
    )
    sub.add_argument("--seed", type=int, default=1, metavar="S")

    sub = commands.add(
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
    _pdf_option(sub, "report.pdf / report-share.pdf")

    sub = commands.add(
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
    _pdf_option(sub, "participant.pdf / instructor.pdf")

    sub = commands.add(
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
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        dest="fmt",
        help="text (default), or a row a rate as csv or json: proportion, "
        "ci_low and ci_high (the Wilson 95 %% interval, statsmodels), p_value (the "
        "exact binomial test against comparator, scipy) and, where there is one, "
        "p_adjusted (Holm)",
    )


def run_patterns(args: argparse.Namespace) -> int:
    with Store(args.db, read_only=True) as store:
        # scipy and statsmodels import on another thread while the store is read.
        stats.preload()
        if args.by is not None:
            _check_split(args.by, store.dictionary)
        # This command only reads, and only the columns the patterns need.
        frames = store.frames(columnar=True, columns=inputs(args.by))
        dictionary = store.dictionary
        # An analyst sees every site of a network: each site's counts are made
        # safe (casekit.sitewise); the pooled ones stay exact.
        controlled = args.by == "site" and store.access.kind == "analyst"
    protecting: set = set()
    if controlled:
        safe = by_site(frames)
        table = safe.table
        protecting = safe.protecting
    else:
        # Every form carries the Holm-adjusted p-values, as --help says.
        table = with_adjusted_p(pattern_table(frames, by=args.by))
    if args.fmt == "text" and frames["case"].empty:
        print(f"{NOT_YET['case']}.")
    if args.fmt == "json":
        print(table.to_json(orient="records", indent=2))
    elif args.fmt == "csv":
        print(neutralise_frame(table).to_csv(index=False), end="")
    else:
        print(_pattern_text(table, args.by, dictionary, protecting))
        if controlled:
            print(
                f"Each site's counts: {safe.note} A site's rates are those of its "
                "rounded counts, and no site is hidden alone in a pattern. The "
                "pooled counts are exact."
            )
    return 0


def _check_split(by: str, dictionary: Dictionary) -> None:
    """Refuse a split by anything but a coded case field, naming those that can
    be used: a free-text or number field would print what was typed as labels."""
    fields = {f.code: f.type for f in dictionary["case"].fields}
    if by in SPLITS or fields.get(by) in ("choice", "yesno"):
        return
    local = local_splits(dictionary)
    yours = f" (yours: {', '.join(local)})" if local else ""
    why = {"text": "free text", "key": "an identifier", "date": "a date"}.get(
        fields.get(by, ""), "not coded" if by in fields else "no such case field"
    )
    raise UsageError(
        f"`by` must be {', '.join(SPLITS)} or another choice field of the case "
        f"form{yours}, got {by!r} ({why})"
    )


def _pattern_text(
    table: pd.DataFrame,
    by: str | None,
    dictionary: Dictionary,
    protecting: set = frozenset(),
) -> str:
    """The pattern table as a person reads it: one line a pattern (and split).

    ``protecting`` holds the rows of ``table`` hidden only so that a small count
    elsewhere cannot be worked back (``SafeTable.protecting``): their own counts
    are not small, and the line must not say they are.
    """
    shown = rate_table(table, by=by, dictionary=dictionary)
    lines = []
    for label, row in zip(table.index, shown.to_dict("records"), strict=True):
        if row["k / n"] == SUPPRESSED and label in protecting:
            rate = f"{SUPPRESSED} ({PROTECTING})"
        elif row["k / n"] == SUPPRESSED:
            rate = f"{SUPPRESSED} (a small count, hidden)"
        elif row["Rate"]:
            rate = (
                f"{row['k / n']} = {row['Rate']} "
                f"(95 % Wilson interval {row['95 % interval']})"
            )
        else:
            rate = "no cases to count"
        if row["p"] and row["k / n"] != SUPPRESSED:
            p = row["p"] if row["p"].startswith("<") else f"= {row['p']}"
            rate += (
                f", p {p} vs {row['Compared with']} (Holm-adjusted {row['p (Holm)']})"
            )
        group = f"[{shown.columns[0]}: {row[shown.columns[0]]}] " if by else ""
        lines.append(f"{group}{row['Pattern']}: {rate}")
        if row.get("Note"):
            lines.append(f"    {row['Note']}")
    tests = int(table["p_value"].notna().sum())
    if any(row["Rate"] for row in shown.to_dict("records")):
        line = stats.INTERVAL_METHOD
        if tests:
            line += f"; {stats.TEST_METHOD}"
        lines.append(f"{line[0].upper()}{line[1:]}.")
    if tests:
        lines.append(
            f"{tests} p-values from one data set: by chance alone about 1 test in 20 "
            "gives p < 0.05, so read the Holm-adjusted values (they allow for all "
            "the tests at once)."
        )
    return "\n".join(lines)


def _without_iri_grammar() -> None:
    """Keep rfc3987_syntax out of a command that renders notebooks. jsonschema
    (under nbformat) imports it when it is installed (jupyter-events brings it)
    to check the "iri" format, which no notebook schema uses; importing it builds
    an Earley parser of RFC 3987, 1-4 s of the 10 s a small report took. Nothing
    is lost: jsonschema goes without that one check when the import fails."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def run_demo(args: argparse.Namespace) -> int:
    from ..report.render import report

    _without_iri_grammar()

    # The demo's shareable export must be k-anonymous, which fewer cases than k
    # can never be: refused before demo.db is written, not after.
    if args.cases < DEFAULT_K:
        raise UsageError(
            f"`--cases` must be at least {DEFAULT_K} (a shareable export needs "
            f"every case to share its details with {DEFAULT_K - 1} others), got "
            f"{args.cases}; nothing was written"
        )
    out = Path(args.out)
    db = out / "demo.db"
    if db.exists():
        db.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    # The demo's shares stay out of the user's ledger of shares: its store is made
    # afresh, its case ids drawn from the seed, so the next demo of the same seed
    # and one case more would be refused against this one (casekit.store.ledger).
    with Store(db, create=True, actor="casekit-demo") as store, ledger.apart():
        populate(store, args.cases, seed=args.seed, progress=progress)
        say("")  # end the progress line
        paths = export_csv(store, out / "share", share=True)
    print(f"demo store ({args.cases} synthetic cases): {db}")
    print(f"shareable export: {paths[0].parent}")
    # `demo-` in the names: a demo never overwrites a real report in the same folder.
    full = report(db, out, name="demo-report", progress=say)
    print(f"full report (exact counts): {full}")
    with ledger.apart():
        shared = report(db, out, share=True, name="demo-report", progress=say)
    print(f"shareable report: {shared}")
    return 0


def run_workshop(args: argparse.Namespace) -> int:
    from ..workshop.handout import handout

    _without_iri_grammar()
    chromium = _chromium(args)  # missing: said before the long rendering
    path = handout(args.out, instructor=args.instructor, progress=say)
    kind = "instructor's handout (answers in it)" if args.instructor else "handout"
    print(f"workshop {kind}: {path}")
    _print_pdf(chromium, path, f"workshop {kind}, PDF", private=False)
    return 0


def run_report(args: argparse.Namespace) -> int:
    from ..report.render import report

    _without_iri_grammar()
    chromium = _chromium(args)
    path = report(args.db, args.out, share=args.share, progress=say)
    kind = "shareable report" if args.share else "full report (keep it private)"
    print(f"{kind}: {path}")
    _print_pdf(chromium, path, f"{kind}, PDF", private=not args.share)
    return 0


def _pdf_option(sub: argparse.ArgumentParser, names: str) -> None:
    sub.add_argument(
        "--pdf",
        action="store_true",
        help=f"also print the page to a PDF beside it ({names}): A4, numbered "
        "pages, by chromium, offline",
    )


def _chromium(args: argparse.Namespace) -> str | None:
    """The chromium to print with when --pdf is asked for (None otherwise)."""
    if not args.pdf:
        return None
    from ..report.printing import find_chromium

    return find_chromium()


def _print_pdf(chromium: str | None, page: Path, kind: str, *, private: bool) -> None:
    if chromium is None:
        return
    from ..report.printing import print_pdf

    say(f"{page.name}: printing to PDF")
    pdf = print_pdf(page, page.with_suffix(".pdf"), private=private, chromium=chromium)
    print(f"{kind}: {pdf}")
