"""The workshop: its helpers checked against statsmodels and scipy, the sliders driven
headlessly, and the notebook rendered as the instructor guide says, for participants
(no answers) and for the instructor (answers), offline."""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: E402
from scipy.stats import binom, binomtest  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

from casekit.literature import ANKLE_BASE_RATE, WALKER_SHAM  # noqa: E402
from casekit.patterns import pattern_table  # noqa: E402
from casekit.report.render import scan_html  # noqa: E402
from casekit.synth import CohortParams, populate  # noqa: E402
from casekit.workshop import exercises as workshop  # noqa: E402
from casekit.workshop import view as workshop_view  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "casekit" / "notebooks" / "05_workshop.ipynb"
GUIDE = ROOT / "docs" / "instructor-guide.md"
HIDDEN = ("solution", "remove-cell")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def wilson(k, n) -> tuple[float, float]:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


# -- the helpers ---------------------------------------------------------------------


def test_a_simulated_rate_is_seeded_and_counted_with_the_wilson_interval():
    first = workshop.simulate_rate(30, 0.6, seed=4)
    assert first == workshop.simulate_rate(30, 0.6, seed=4)
    draws = {workshop.simulate_rate(30, 0.6, seed=s).k for s in range(20)}
    assert len(draws) > 3  # another seed, another practice
    assert first.n == 30 and 0 <= first.k <= 30 and first.true_rate == 0.6
    assert first.proportion == first.k / 30
    assert (first.ci_low, first.ci_high) == pytest.approx(wilson(first.k, 30))


def test_the_interval_narrows_as_the_cases_grow():
    table = workshop.interval_widths([10, 30, 100, 300, 1000], true_rate=0.6)
    assert table["n"].tolist() == [10, 30, 100, 300, 1000]
    assert table["k"].tolist() == [6, 18, 60, 180, 600]
    for row in table.itertuples():
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson(row.k, row.n))
        assert row.width == pytest.approx(row.ci_high - row.ci_low)
    assert (np.diff(table["width"]) < 0).all()
    # Four times the cases, about half the width.
    assert table["width"].iat[4] / table["width"].iat[2] == pytest.approx(
        np.sqrt(100 / 1000), rel=0.05
    )
    seeded = workshop.interval_widths([10, 100, 1000], 0.6, seed=2)
    pd.testing.assert_frame_equal(
        seeded, workshop.interval_widths([10, 100, 1000], 0.6, seed=2)
    )
    assert seeded["k"].tolist() != [6, 60, 600]  # drawn, not the expected count


def test_most_of_my_patients_against_a_coin_toss_and_the_ankle_base_rate():
    table = workshop.compare_rate(
        14, 20, {"a coin toss": 0.5, "adults in general": ANKLE_BASE_RATE}
    )
    assert ANKLE_BASE_RATE == (342 + 178) / 751
    assert table["p_value"].tolist() == [
        binomtest(14, 20, 0.5).pvalue,
        binomtest(14, 20, (342 + 178) / 751).pvalue,
    ]
    assert table["p_value"].iat[0] == pytest.approx(0.1153, abs=1e-4)
    assert table["p_value"].iat[1] > 0.99  # expected by chance
    assert (table["ci_low"].iat[0], table["ci_high"].iat[0]) == pytest.approx(
        wilson(14, 20)
    )
    assert "p = 0.115" in table["reading"].iat[0]
    assert "1 of 9 groups of 20" in table["reading"].iat[0]
    assert "more often than not" in table["reading"].iat[1]
    one = workshop.compare_rate(21, 50, WALKER_SHAM)
    assert one["compared_with"].tolist() == ["33 %"]
    assert one["p_value"].iat[0] == binomtest(21, 50, 0.33).pvalue
    with pytest.raises(ValueError, match="`k` must be from 0 to `n`"):
        workshop.compare_rate(21, 20)


def test_a_cohort_in_memory_counts_as_the_same_cohort_in_a_store(store):
    params = CohortParams(si_opposite=0.8, flare_after_relief=0.2)
    populate(store, 60, seed=5, params=params)
    in_memory = pattern_table(workshop.cohort_frames(60, seed=5, params=params))
    pd.testing.assert_frame_equal(in_memory, pattern_table(store.frames()))


def test_cohort_rates_carry_the_true_rates_they_came_from():
    rates = workshop.cohort_rates(200, si_opposite=0.7, flare=0.2, seed=1)
    assert rates["pattern"].tolist() == ["si_opposite", "flare_after_care"]
    assert rates["true_rate"].tolist() == [0.7, 0.2]
    inside = (rates["ci_low"] <= rates["true_rate"]) & (
        rates["true_rate"] <= rates["ci_high"]
    )
    assert rates["inside"].tolist() == inside.tolist()
    pd.testing.assert_frame_equal(
        rates, workshop.cohort_rates(200, si_opposite=0.7, flare=0.2, seed=1)
    )


def test_flares_after_sham_care_come_out_at_the_sham_rate():
    sham = workshop.sham_flares(1000, seed=3)
    assert sham["counted"].tolist() == ["sessions with relief", "patients"]
    per_session, per_patient = sham["proportion"]
    assert abs(per_session - WALKER_SHAM) < 0.04
    assert per_patient > per_session  # several sessions each: more patients flare
    for row in sham.itertuples():
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson(row.k, row.n))


def test_a_null_cohort_tested_ten_times_with_holm():
    table = workshop.null_patterns(10, 90, seed=2)
    pd.testing.assert_frame_equal(table, workshop.null_patterns(10, 90, seed=2))
    assert table["finding"].tolist() == list(workshop.FINDINGS)
    for row in table.itertuples():
        assert row.p_value == binomtest(row.k, 90, 0.5).pvalue
    holm = multipletests(table["p_value"], method="holm")[1]
    assert table["p_adjusted"].to_numpy() == pytest.approx(holm)
    assert workshop.null_patterns(12, 30)["finding"].iat[11] == "Finding 12"


def test_false_alarms_near_one_minus_095_to_the_k_and_holm_near_five_percent():
    alarms = workshop.null_cohort_false_alarms(10, 90, cohorts=4000, seed=1)
    assert alarms == workshop.null_cohort_false_alarms(10, 90, cohorts=4000, seed=1)
    # The exact test's own chance of p < 0.05 when nothing is there, from scipy.
    counts = np.arange(91)
    p = np.array([binomtest(int(k), 90, 0.5).pvalue for k in counts])
    size = binom.pmf(counts, 90, 0.5)[p < 0.05].sum()
    assert alarms.test_size == pytest.approx(size)
    assert 0.03 < size <= 0.05
    assert alarms.expected_raw == pytest.approx(1 - (1 - size) ** 10)
    assert alarms.textbook == pytest.approx(1 - 0.95**10)
    # 4000 cohorts: one standard error is under 0.008.
    assert alarms.any_raw == pytest.approx(alarms.expected_raw, abs=0.025)
    assert alarms.any_raw == pytest.approx(1 - 0.95**10, abs=0.06)
    assert 0.025 < alarms.any_holm < 0.06
    one = workshop.null_cohort_false_alarms(1, 90, cohorts=4000, seed=1)
    assert one.any_raw == pytest.approx(size, abs=0.012)
    assert one.any_holm == one.any_raw  # Holm changes nothing for one test


def test_in_words():
    shown = workshop.in_words(workshop.null_patterns(3, 90))
    assert shown.columns.tolist() == [
        "Finding",
        "k / n",
        "Rate",
        "95 % interval",
        "p",
        "p (Holm)",
    ]
    assert shown.index.tolist() == [1, 2, 3]
    widths = workshop.in_words(workshop.interval_widths([10, 1000]))
    assert widths["Width"].tolist() == ["52 points", "6 points"]
    assert widths["95 % interval"].iat[0] == "31 % to 83 %"


# -- figures and the sliders ---------------------------------------------------------


def test_the_interval_figure_draws_the_table():
    data = workshop.interval_widths()
    ax = workshop_view.plot_interval_widths(data)
    (bars,) = [c for c in ax.collections if c.get_gid() == "interval"]
    segments = np.array(bars.get_segments())  # one (bottom, top) pair a size
    assert segments[:, 0, 1] == pytest.approx(data["ci_low"].tolist())
    assert segments[:, 1, 1] == pytest.approx(data["ci_high"].tolist())
    (true,) = [line for line in ax.lines if line.get_gid() == "true"]
    assert np.allclose(true.get_ydata(), 0.6)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["52 points", "33 points", "19 points", "11 points", "6 points"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "10",
        "30",
        "100",
        "300",
        "1,000",
    ]


def observed(ax) -> tuple[list[float], list[float]]:
    lines = {line.get_gid(): line for line in ax.lines}
    return list(lines["observed"].get_xdata()), list(lines["true"].get_xdata())


def test_the_sliders_redraw_the_counted_rates_against_the_true_rates():
    sliders = workshop_view.CohortSliders(50, seed=0)
    pd.testing.assert_frame_equal(sliders.table, workshop.cohort_rates(50, seed=0))
    first_svg = sliders.svg
    sliders.size.value = 300
    sliders.si_opposite.value = 0.5
    sliders.flare.value = 0.2
    sliders.seed.value = 7
    expected = workshop.cohort_rates(300, si_opposite=0.5, flare=0.2, seed=7)
    pd.testing.assert_frame_equal(sliders.table, expected)
    counted, true = observed(sliders.ax)
    assert counted == pytest.approx(expected["proportion"].tolist())
    assert true == pytest.approx([0.5, 0.2])
    si, flare = expected.itertuples()
    assert f"{si.k} of {si.n} one-sided cases" in sliders.summary
    assert f"{flare.k} of {flare.n} sessions" in sliders.summary
    assert "Of 300 made-up cases" in sliders.summary
    assert "True rate 50 %" in sliders.summary and "True rate 20 %" in sliders.summary
    text, figure = sliders.output.outputs
    assert text["data"]["text/html"] == sliders.summary
    assert figure["data"]["image/svg+xml"].startswith("<?xml")
    assert sliders.svg != first_svg
    assert sliders.ax.get_figure() is sliders.figure  # drawn again, never made again


def test_the_sliders_say_when_the_truth_is_outside_and_when_there_are_too_few():
    sliders = workshop_view.CohortSliders(10, seed=0)
    assert "Too few to read a rate from" in sliders.summary
    sliders.size.value = 50
    assert "<b>outside</b>" not in sliders.summary  # seed 0: both inside
    # About one cohort in twenty has a true rate outside its 95 % interval.
    for seed in range(1, 100):
        sliders.seed.value = seed
        if not sliders.table["inside"].all():
            break
    else:
        pytest.fail("no cohort of 100 had a true rate outside its interval")
    assert "<b>outside</b>" in sliders.summary


def test_a_rendering_without_widget_state_shows_the_starting_figure():
    bundle = workshop_view.CohortSliders(50)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Of 50 made-up cases" in bundle["text/html"]
    assert 'src="data:image/svg+xml;base64,' in bundle["text/html"]


def test_the_core_never_imports_the_workshop():
    imports = re.compile(r"^\s*(from|import)\s+\S*workshop", re.M)
    for module in (ROOT / "casekit").rglob("*.py"):
        if "workshop" in module.relative_to(ROOT / "casekit").parts:
            continue  # the workshop's own modules, figures over helpers
        if "cli" in module.relative_to(ROOT / "casekit").parts:
            continue  # the command renders the handout, lazily
        assert not imports.search(module.read_text(encoding="utf-8")), module.name


# -- the notebook and its renderings ---------------------------------------------------


def cells() -> list:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def visible_text(page: str) -> str:
    """What a reader sees: no styles or scripts, no tags, entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]{7,}", text))


def solution_words(*, shown: bool = False) -> set[str]:
    """Words of the answers that no other cell holds: none may reach participants.
    ``shown``: only those of answers the instructor sees (not their checks)."""
    others = " ".join(c.source for c in cells() if "solution" not in tags(c))
    theirs = " ".join(
        c.source
        for c in cells()
        if "solution" in tags(c) and not (shown and "remove-cell" in tags(c))
    )
    return words(theirs) - words(others)


def test_every_exercise_has_its_answer_in_solution_cells():
    sequence = cells()
    exercises = [i for i, c in enumerate(sequence) if "### Exercise" in c.source]
    assert len(exercises) == 6
    ends = [*exercises[1:], len(sequence)]
    for start, end in zip(exercises, ends, strict=True):
        assert "solution" not in tags(sequence[start])  # the prompt stays
        after = sequence[start + 1 : end]
        answers = [c for c in after if tags(c) == {"solution"}]
        assert {c.cell_type for c in answers} == {"code", "markdown"}
        assert any(c.source.startswith("**Answer.**") for c in answers)
    for cell in sequence:
        if "solution" in tags(cell):  # folded in JupyterLab until opened
            assert cell.metadata["jupyter"]["source_hidden"] is True
    # Checks of an answer's numbers go with the answer: participants' copies run.
    for cell in sequence:
        if cell.cell_type == "code" and "remove-cell" in tags(cell):
            uses_answers = any(
                name in cell.source for name in ("looks_like_most", "alarms")
            )
            assert not uses_answers or "solution" in tags(cell)


def test_the_workshop_never_opens_a_store():
    parameters = cells()[1]
    assert tags(parameters) == {"parameters"}
    assert "DB = None" in parameters.source and "never opens" in parameters.source
    code = " ".join(c.source for c in cells() if c.cell_type == "code")
    assert "Store" not in code and "analysis_frames" not in code
    assert "analysis(" not in code and "case_series" not in code


def render(remove: list[str]) -> str:
    exporter = HTMLExporter(template_name="lab")
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(remove)), enabled=True
    )
    return visible_text(exporter.from_notebook_node(nbformat.read(NOTEBOOK, 4))[0])


def test_removing_the_solution_cells_removes_every_answer():
    participant = render(["solution", "remove-cell"])
    instructor = render(["remove-cell"])
    assert {"looks_like_most", "comfortably", "expected_raw"} <= solution_words()
    assert not solution_words() & words(participant)
    assert solution_words(shown=True) <= words(instructor)
    assert "Answer." not in participant and instructor.count("Answer.") == 6
    for page in (participant, instructor):
        assert "Exercise 6" in page and "assert" not in page


# -- the instructor guide's commands, run as written ---------------------------------


def guide_commands() -> list[list[str]]:
    """The guide's command lines, each ready to run from a checkout's root."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    found = [line.strip() for line in lines if line.strip().startswith(".venv/bin/")]
    programs = {
        ".venv/bin/jupyter": str(Path(sys.executable).parent / "jupyter"),
        ".venv/bin/python": sys.executable,
        ".venv/bin/casekit": str(Path(sys.executable).parent / "casekit"),
    }
    return [[programs[words[0]], *words[1:]] for words in map(shlex.split, found)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Each of the guide's workshop commands run as written, in a copy of the
    checkout's notebooks/ of its own (the first one rewrites the notebook), with
    CASEKIT_DB naming a store that does not exist and must not come to exist. Maps
    each file made (05_workshop.ipynb, participant.html and .pdf, instructor.html)
    to it."""
    out = {}
    for command in guide_commands():
        here = tmp_path_factory.mktemp("workshop")
        shutil.copytree(ROOT / "casekit" / "notebooks", here / "casekit" / "notebooks")
        env = {**os.environ, "CASEKIT_DB": str(here / "no-store.db")}
        result = subprocess.run(
            command, cwd=here, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr
        assert not (here / "no-store.db").exists()
        # The participants' notebook replaces the copy; a page is a new file.
        made = list(here.rglob("*.html"))
        made = made or [here / "casekit" / "notebooks" / "05_workshop.ipynb"]
        (page,) = made
        out[page.name] = page
        out |= {pdf.name: pdf for pdf in here.rglob("*.pdf")}
    return out


def test_the_guide_gives_the_commands_for_each_way_of_running_it():
    commands = [" ".join(c) for c in guide_commands()]
    assert len(commands) == 3
    assert "--to notebook" in commands[0] and "solution" in commands[0]
    assert commands[1].endswith("casekit workshop --out workshop --pdf")
    assert commands[2].endswith("casekit workshop --out workshop --instructor")
    assert "make lab" in GUIDE.read_text(encoding="utf-8")


def test_the_participants_notebook_has_no_answers_and_still_runs(rendered, tmp_path):
    copy = nbformat.read(rendered["05_workshop.ipynb"], 4)
    kept = [c for c in cells() if "solution" not in tags(c)]
    assert [c.source for c in copy.cells] == [c.source for c in kept]
    # Its checks use no answer, so it runs top to bottom (remove-cell checks too).
    NotebookClient(
        copy, timeout=600, resources={"metadata": {"path": tmp_path}}
    ).execute()
    assert any(c.get("outputs") for c in copy.cells if c.cell_type == "code")


def test_the_rendered_pages(rendered):
    participant = rendered["participant.html"].read_text("utf-8")
    instructor = rendered["instructor.html"].read_text("utf-8")
    seen_participant, seen_instructor = map(visible_text, (participant, instructor))
    assert not solution_words() & words(seen_participant)
    assert solution_words(shown=True) <= words(seen_instructor)
    assert "Answer." in seen_instructor and "Answer." not in seen_participant
    # The answers' printed results are there, for the instructor only.
    assert "of them count 60 % or more" in seen_instructor
    assert "of them count 60 % or more" not in seen_participant
    for page, seen in ((participant, seen_participant), (instructor, seen_instructor)):
        assert "Of 50 made-up cases" in seen  # the sliders, at their starting values
        assert "data:image/svg+xml;base64," in page
        assert "assert" not in seen  # the checks are left out
        assert "widget-state+json" not in page and "DB = None" not in seen
        assert_offline(page)


def test_the_participants_pdf_is_the_page_on_numbered_a4_pages(rendered):
    from pypdf import PdfReader

    assert set(rendered) >= {"participant.pdf"} and "instructor.pdf" not in rendered
    pages = PdfReader(rendered["participant.pdf"]).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert tuple(round(x / 72 * 25.4) for x in size) == (210, 297)
        assert f"Page {number} of {len(pages)}" in page.extract_text()
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Of 50 made-up cases" in text and "Answer." not in text


def assert_offline(page: str) -> None:
    """Nothing the page would fetch from the network: casekit's own scan finds
    nothing, and, looked at independently, no script at all, no script, image or
    stylesheet by URL, no CSS url() or @import of one."""
    assert scan_html(page) == []
    assert "<script" not in page.lower()
    attributes = re.findall(r"""<[^>]+\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page)
    loads = [a for a in attributes if re.match(r"(https?:)?//", a)]
    assert not [a for a in loads if not re.search(r"<a\b[^>]*" + re.escape(a), page)]
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert not re.search(r"@import\s+['\"]?(url\()?['\"]?(https?:)?//", page)


def test_the_participants_page_makes_no_request_in_a_browser(rendered):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    page_file = rendered["participant.html"]
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_timeout(500)  # module scripts run after load
            assert "Exercise 5" in page.inner_text("body")
        finally:
            browser.close()
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), (
        requests
    )


def test_the_notebook_is_committed_without_outputs():
    raw = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


# -- two examiners ----------------------------------------------------------------


def test_two_examiners_count_drifts_toward_half_as_agreement_falls():
    from casekit.workshop.examiners import drift, truth

    table = drift(2000, true_rate=0.75, kappas=(1.0, 0.5, 0.2, 0.0), seed=2)
    cases = truth(2000, 0.75, seed=2)
    assert (table["n"] == len(cases)).all()
    # perfect agreement: A counts the truth of the made-up cohort exactly
    assert table["k"].iat[0] == cases["opposite"].sum()
    assert table["measured_kappa"].iat[0] == pytest.approx(1)
    for row in table.itertuples():  # each count is near where it should drift to
        assert row.ci_low < row.expected < row.ci_high
        assert row.measured_kappa == pytest.approx(row.kappa, abs=0.08)
    assert (table["proportion"].diff().dropna() < 0.02).all()
    assert table["proportion"].iat[-1] == pytest.approx(0.5, abs=0.05)


def test_pairs_needed_is_where_the_kappa_interval_leaves_the_bound_out():
    from casekit.workshop.examiners import kappa_interval, pairs_needed

    needed = pairs_needed(0.5, exclude=0.2)
    assert kappa_interval(needed, 0.5)[0] > 0.2 >= kappa_interval(needed - 1, 0.5)[0]
    assert pairs_needed(0.6) < needed < pairs_needed(0.4)
    assert pairs_needed(0.15) is None


def test_the_drift_figure_draws_the_table():
    from casekit.workshop.examiners import drift
    from casekit.workshop.view import plot_drift

    table = drift(300, true_rate=0.7, seed=1)
    ax = plot_drift(table)
    lines = {line.get_gid(): line for line in ax.lines}
    assert list(lines["observed"].get_ydata()) == list(table["proportion"])
    assert list(lines["expected"].get_ydata()) == list(table["expected"])
    assert lines["true"].get_ydata()[0] == 0.7 and lines["half"].get_ydata()[0] == 0.5
    (intervals,) = [c for c in ax.collections if c.get_gid() == "interval"]
    assert len(intervals.get_segments()) == len(table)
    plt.close(ax.figure)
