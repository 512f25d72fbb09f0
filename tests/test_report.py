"""The rendered report: what a shared page may not hold, what the full one must,
the demo, and a real browser opening the shared page with no network at all.

The store is seeded with known case ids and sentinel notes, and enough synthetic
cases for every section to have content (some counts small enough to be hidden).
Both reports are rendered once for the module, as `casekit report --pdf` renders
them (about 15 s each), and printed to PDF: the PDFs are read back with pypdf."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record
from pages import Page, is_safe_count, without_images

from casekit import Store
from casekit.chain import chain_sides
from casekit.cli import main
from casekit.disclosure import NHS, safe_table
from casekit.literature import REACTIONS
from casekit.outcomes import outcome_table
from casekit.patterns import pattern_table
from casekit.report.render import render, scan_html
from casekit.synth import populate

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SENTINELS = {
    "case": "SENTINEL-NOTE-XYZ walks 5 km daily",
    "session": "SENTINEL-SESSION-QRV psoas tender",
    "followup": "SENTINEL-FOLLOWUP-JKW settled by morning",
}
KNOWN_IDS = ("SENT2K", "KNWN5Q", "ZZT8P9")
SCREENSHOTS = Path("/tmp/casekit-report-screenshots")
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Calendar dates as people write them. A year alone ("Senstad 1997") is no date.
DATES = [
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),  # 2025-03-03
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),  # 03/03/2025, 3.3.25
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\.?,?\s+\d{{4}}\b"),
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"),
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{4}}\b"),  # March 2015
]
DATE_FIELDS = {
    "case": "intake_date",
    "session": "session_date",
    "followup": "followup_date",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A store with known ids and sentinel notes, 150 synthetic cases, and one
    withdrawn case."""
    db = tmp_path_factory.mktemp("store") / "casekit.db"
    with Store(db, create=True, actor="tests") as store:
        for i, case_id in enumerate(KNOWN_IDS):
            record = case_record(case_id=case_id, notes=SENTINELS["case"])
            record["intake_date"] = intake = dt.date(2025, 3, 3 + i)
            store.add("case", record)
            # Seen on the day of intake, called two days later (a save refuses a
            # session before its intake, a follow-up before its session).
            session = session_record(case_id, session_date=intake)
            store.add("session", {**session, "notes": SENTINELS["session"]})
            followup = followup_record(case_id, followup_date=intake + dt.timedelta(2))
            store.add("followup", {**followup, "notes": SENTINELS["followup"]})
        populate(store, 150, seed=5)
        store.delete("case", KNOWN_IDS[2], reason="consent withdrawn")
    return db


@pytest.fixture(scope="module")
def rendered(seeded, tmp_path_factory) -> dict[str, Path]:
    """Both reports, as `casekit report --pdf [--share]` writes them: each page and
    its PDF."""
    out = tmp_path_factory.mktemp("reports")
    command = ["report", "--db", str(seeded), "--out", str(out), "--pdf"]
    assert main([*command, "--share"]) == 0 and main(command) == 0
    return {
        "share": out / "report-share.html",
        "full": out / "report.html",
        "share-pdf": out / "report-share.pdf",
        "full-pdf": out / "report.pdf",
    }


def test_the_share_report_leaks_nothing(seeded, rendered):
    html = rendered["share"].read_text(encoding="utf-8")
    assert rendered["share"].name == "report-share.html"
    words = without_images(html)
    page = Page(html)
    with Store(seeded) as store:
        ids = store.case_ids(include_deleted=True)
        notes = set()
        for form in ("case", "session", "followup"):
            notes |= set(store.read(form, include_deleted=True)["notes"].dropna())
        dates = {
            d.date().isoformat()
            for form, column in DATE_FIELDS.items()
            for d in store.read(form, include_deleted=True)[column].dropna()
        }
    assert set(KNOWN_IDS) <= ids and len(ids) == 153
    # no case id of the store (as a word: not a chance run inside an image)
    found = [i for i in ids if re.search(rf"\b{i}\b", words)]
    assert found == []
    # no note, sentinel or synthetic, and nothing of the sentinels
    assert SENTINELS["case"] in notes
    assert [n for n in notes if n in words] == []
    assert "SENTINEL" not in html
    # no calendar date, in any common form
    text = " ".join(page.text)
    assert [m.group() for p in DATES for m in p.finditer(words)] == []
    assert [d for d in dates if d in html] == []
    # every count shown is 0, * or rounded to 5, and there are many of them,
    # some hidden (the store is small enough for that)
    counts = [part for c in page.counts for part in c.split("/")]
    assert len(counts) > 100
    assert [c for c in counts if not is_safe_count(c)] == []
    assert "*" in counts
    # and no count in the prose outside the marked cells: no "k of n", "k / n"
    assert re.findall(r"\b\d+\s*(?:/|of)\s*\d+\b", text) == []
    # every table is one of the report's (no raw listing of a frame)
    assert page.tables and all("casekit-table" in t for t in page.tables)
    # nothing a browser would load from the network; no script at all
    assert scan_html(html) == []
    assert "<script" not in html.lower()
    # it is the case series: its sections, and what hides a small count
    for heading in (
        "case series",
        "Setting",
        "Eligibility",
        "Flow of cases",
        "Baseline",
        "pre-stated patterns",
        "Outcomes",
        "beside the literature",
        "Limitations",
        "Anonymisation",
        "Holm",
        "Senstad 1997",
        "regression to the mean",
    ):
        assert heading in text, heading
    assert "Shareable report" in text and "not for sharing" not in text


def test_the_full_report_holds_the_exact_counts(seeded, rendered):
    html = rendered["full"].read_text(encoding="utf-8")
    assert rendered["full"].name == "report.html"
    with Store(seeded) as store:
        table = pattern_table(store.frames())
    patterns = re.search(
        r'<table class="casekit-table casekit-patterns">(.*?)</table>', html, re.S
    ).group(1)
    shown = {
        key: re.search(r'<td class="casekit-kn">([^<]*)</td>', row).group(1)
        for key, row in re.findall(r'<tr data-key="(\w+)"[^>]*>(.*?)</tr>', patterns)
    }
    expected = {
        row.pattern: f"{row.k} / {row.n}" for row in table.itertuples(index=False)
    }
    assert shown == expected
    # small counts are there, and the page says it is not for sharing
    assert any(0 < int(k) < 8 for k in re.findall(r"\b(\d+) / \d+", patterns))
    # how each case fared, exactly, worse on its own row
    fared = re.search(
        r'<table class="casekit-table casekit-fared">(.*?)</table>', html, re.S
    ).group(1)
    with Store(seeded) as store:
        classes = outcome_table(store.frames())
    shown = dict(
        re.findall(
            r'<tr data-key="(\w+)"[^>]*>.*?<td class="casekit-kn">([^<]*)</td>',
            fared,
            re.S,
        )
    )
    assert shown == {
        row.outcome: f"{row.k} / {row.n}" for row in classes.itertuples(index=False)
    }
    assert "Internal report, exact counts: not for sharing" in html
    assert scan_html(html) == []


def test_demo_renders_both_reports_and_prints_their_paths(tmp_path):
    out = tmp_path / "tmp"
    result = subprocess.run(
        [sys.executable, "-m", "casekit", "demo", "--out", str(out), "--cases", "200"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout
    for name in ("demo-report.html", "demo-report-share.html", "demo.db"):
        assert (out / name).is_file()
        assert str(out / name) in printed
    assert "Traceback" not in result.stderr
    # not at a terminal: no progress lines, only results
    assert result.stderr == ""
    assert "Internal report" in (out / "demo-report.html").read_text()
    assert "Shareable report" in (out / "demo-report-share.html").read_text()


def test_report_command_prints_its_path_and_exit_codes(seeded, tmp_path):
    def casekit(*args):
        return subprocess.run(
            [sys.executable, "-m", "casekit", *args],
            capture_output=True,
            text=True,
            timeout=300,
            env={k: v for k, v in os.environ.items() if k != "CASEKIT_DB"},
            cwd=tmp_path,
        )

    missing = casekit("report", "--db", str(tmp_path / "none.db"), "--share")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("casekit: error:")
    assert not (tmp_path / "reports").exists()
    assert casekit("report", "--bogus").returncode == 2
    done = casekit("report", "--db", str(seeded), "--share", "--out", "out")
    assert done.returncode == 0, done.stderr
    assert f"shareable report: {Path('out') / 'report-share.html'}" in done.stdout
    assert (tmp_path / "out" / "report-share.html").is_file()


# -- the PDFs -------------------------------------------------------------------------


def pdf_pages(path: Path) -> list:
    from pypdf import PdfReader

    return PdfReader(path).pages


def test_the_pdfs_are_the_pages_on_a4_with_numbered_pages(rendered):
    for kind in ("share", "full"):
        pages = pdf_pages(rendered[f"{kind}-pdf"])
        html = rendered[kind].read_text(encoding="utf-8")
        assert len(pages) >= 5
        for number, page in enumerate(pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
            assert f"Page {number} of {len(pages)}" in page.extract_text()
        text = " ".join(" ".join(p.extract_text() for p in pages).split())
        for heading in (
            "case series",
            "Flow of cases",
            "How each case fared",
            "pre-stated patterns",
            "Limitations",
            "Anonymisation",
        ):
            assert heading in text, (kind, heading)
        # every figure of the page, each drawn once: none cut across two pages
        drawn = sum(len(page.images) for page in pages)
        assert drawn == html.count("<img") >= 6
    # the full report's PDF holds its exact counts, and is the owner's alone
    full = " ".join(p.extract_text() for p in pdf_pages(rendered["full-pdf"]))
    exact = re.findall(
        r'<td class="casekit-kn">(\d+ / \d+)</td>',
        rendered["full"].read_text(encoding="utf-8"),
    )
    assert exact and all(pair in full for pair in exact)
    assert stat.S_IMODE(rendered["full-pdf"].stat().st_mode) == 0o600


def test_the_shared_pdf_holds_no_case_id_date_or_note(seeded, rendered):
    text = "\n".join(p.extract_text() for p in pdf_pages(rendered["share-pdf"]))
    flat = " ".join(text.split())
    with Store(seeded) as store:
        ids = store.case_ids(include_deleted=True)
        notes = set()
        dates = set()
        for form, column in DATE_FIELDS.items():
            frame = store.read(form, include_deleted=True)
            notes |= set(frame["notes"].dropna())
            dates |= {d.date().isoformat() for d in frame[column].dropna()}
    assert [i for i in ids if re.search(rf"\b{i}\b", text)] == []
    assert [n for n in notes if " ".join(n.split()) in flat] == []
    assert "SENTINEL" not in text
    assert [m.group() for p in DATES for m in p.finditer(flat)] == []
    assert [d for d in dates if d in flat] == []
    assert "Shareable report" in flat and "not for sharing" not in flat
    # its counts are those of the page: 0, * or rounded (beside the literature's)
    published = {(str(s.k), str(s.n)) for s in REACTIONS if s.k is not None}
    counts = set(re.findall(r"\b(\d+) / (\d+)\b", flat)) - published
    assert counts and all(is_safe_count(k) and is_safe_count(n) for k, n in counts)


def test_without_chromium_pdf_is_one_line_saying_how_to_get_it(seeded, tmp_path):
    env = {**os.environ, "CASEKIT_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "casekit",
            "report",
            "--db",
            str(seeded),
            "--pdf",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "chromium" in result.stderr and "apt-get install chromium" in result.stderr
    assert not (tmp_path / "out").exists()  # said before anything was rendered


def test_scan_html_finds_what_a_browser_would_load():
    bad = [
        '<script src="https://cdn.example.org/require.js"></script>',
        "<link rel='stylesheet' href='http://fonts.example.org/a.css'>",
        '<img src="//cdn.example.org/x.png">',
        '<img srcset="a.png 1x, https://cdn.example.org/b.png 2x">',
        "<style>@import url(https://fonts.example.org/css);</style>",
        "<style>body { background: url('http://x.example.org/bg.png') }</style>",
        '<div style="background-image: url(https://x.example.org/i.png)"></div>',
        '<meta http-equiv="refresh" content="0; url=https://example.org/">',
        '<script>import("https://cdn.example.org/mermaid.mjs")</script>',
        '<svg><image href="https://example.org/p.svg"/></svg>',
    ]
    for page in bad:
        assert scan_html(page), page
    fine = [
        '<a href="https://example.org/paper">a paper a reader may open</a>',
        "<style>/* colours: https://example.org/palette */ p { color: red }</style>",
        "<!-- <script src='https://cdn.example.org/x.js'></script> -->",
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        "<p>Senstad 1997; see https://example.org in the text</p>",
    ]
    for page in fine:
        assert scan_html(page) == [], page


def test_render_hides_cells_by_tag(tmp_path):
    """What the workshop notebook relies on: a participant rendering hides the
    `solution` cells, an instructor rendering shows them; parameters never show."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny workshop"),
        nbformat.v4.new_code_cell(
            'SECRET_PATH = "/home/someone/data.db"', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell("print('exercise-' + 'visible')"),
        nbformat.v4.new_code_cell(
            "print('solution-' + 'text')", metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_code_cell(
            "assert 1 + 1 == 2; print('check-' + 'text')",
            metadata={"tags": ["remove-cell"]},
        ),
    ]
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nb, notebook)
    params = {"SECRET_PATH": "/home/someone/else.db"}
    participant = render(
        notebook,
        tmp_path / "participant.html",
        params,
        hide_tags=("remove-cell", "solution"),
    ).read_text()
    instructor = render(notebook, tmp_path / "instructor.html", params).read_text()
    assert "exercise-visible" in participant and "exercise-visible" in instructor
    assert "solution-text" not in participant and "solution-text" in instructor
    for page in (participant, instructor):
        assert "check-text" not in page and "someone" not in page
        assert "print(" not in page  # the code is hidden
        assert scan_html(page) == [] and "<title>A tiny workshop</title>" in page


def test_a_failing_notebook_is_one_clear_error(tmp_path):
    import nbformat

    from casekit.errors import CasekitError

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(CasekitError, match="ZeroDivisionError"):
        render(tmp_path / "broken.ipynb", tmp_path / "broken.html")
    assert not (tmp_path / "broken.html").exists()


# -- the figures of a shared report, drawn from safe tables --------------------------


@pytest.fixture
def safe_patterns(seeded) -> pd.DataFrame:
    with Store(seeded) as store:
        table = pattern_table(store.frames())
    table.loc[table["pattern"] == "knee_same_side", ["k", "n"]] = [3, 6]
    return safe_table(table, NHS).table


def test_a_suppressed_rate_has_no_bar_and_says_why(safe_patterns):
    from casekit.figures import plots
    from casekit.figures.bars import HIDDEN

    ax = plots.pattern_rates(safe_patterns)
    hidden = safe_patterns["k"].eq("*").to_numpy()
    assert hidden.any() and not hidden.all()
    bars = list(ax.containers[0])
    assert [not b.get_visible() for b in bars] == list(hidden)
    written = [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    for text, gone in zip(written, hidden, strict=True):
        assert (text == HIDDEN) == gone
        if not gone:
            assert all(is_safe_count(part) for part in text.split("/"))
    sides = plots.side_bars(safe_patterns)
    sided = safe_patterns["pattern"].isin(list(plots.SIDED))
    stars = sum("* not shown" in t.get_text().replace("\n", " ") for t in sides.texts)
    assert stars == int((hidden & sided.to_numpy()).sum()) >= 1  # one a finding


def test_the_chain_picture_writes_rounded_counts_and_stars(seeded):
    from casekit.figures import plots

    with Store(seeded) as store:
        chain = chain_sides(store.frames())
    chain.loc[chain["link"] == "knee_pain_side", ["k"]] = 4
    safe = safe_table(chain, NHS).table
    ax = plots.body_chain(safe)
    written = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    knee = written["count|knee_pain_side|pain side"]
    assert knee == "*"
    counts = [v for k, v in written.items() if k.startswith("count|")]
    assert all(c == "*" or all(is_safe_count(p) for p in c.split("/")) for c in counts)
    assert "not shown" in written["hidden note"]


def test_pain_band_draws_no_case_of_its_own(seeded):
    from casekit.report import figures as sharing_plots
    from casekit.report import series as sharing
    from casekit.report import timing as sharing_time

    series = sharing.case_series(seeded)
    table = sharing_time.pain_course(series, NHS).safe.table
    ax = sharing_plots.pain_band(table)
    assert {line.get_gid() for line in ax.lines} == {
        "median|On arrival",
        "median|After care",
    }
    assert not ax.collections or all(
        c.get_gid() != "cases" for c in ax.collections
    )  # no LineCollection of single cases
    drawn = ax.lines[0].get_xdata()
    shown = table[(table["when"] == "On arrival") & (table["cases"] != "*")]
    assert list(drawn) == shown["session_no"].astype(float).tolist()
    assert all(is_safe_count(t) for t in sharing_plots.count_texts(ax))


def test_the_case_series_names_a_local_field_with_the_stores_dictionary(local_store):
    from casekit.figures import plots
    from casekit.report import rates
    from casekit.report import series as sharing

    cases = sharing.case_series(local_store.path)
    assert cases.dictionary["case"]["work_type"].label == "Kind of work"
    outcomes = rates.outcomes(cases, NHS, by="work_type")
    assert outcomes.frame["Group"].tolist() == ["Desk", "Desk", "Manual", "Manual"]
    ax = plots.outcome_bars(
        outcomes.safe.table, by="work_type", dictionary=cases.dictionary
    )
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Kind of work"
    assert [t.get_text() for t in legend.get_texts()][:2] == ["Desk", "Manual"]


# -- a real browser -------------------------------------------------------------------


def test_the_share_report_opens_in_chromium_without_the_network(rendered, tmp_path):
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    assert Path(chromium).exists(), "`apt-get install chromium` (.ci/run does)"
    requests, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: failed.append(r.url))
            response = page.goto(rendered["share"].as_uri(), wait_until="load")
            assert response is not None and response.ok
            page.wait_for_load_state("networkidle")
            title = page.title()
            images = page.locator("img").count()
            screenshot = tmp_path / "report-share.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    print(f"screenshot of the shared report: {screenshot}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, SCREENSHOTS / "test-report-share.png")
    print(f"copied to {SCREENSHOTS / 'test-report-share.png'}")
    assert failed == [], f"requests that failed: {failed}"
    remote = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert remote == [], f"the page asked the network for: {remote}"
    assert requests[0] == rendered["share"].as_uri()
    assert "case series" in title and images >= 6
