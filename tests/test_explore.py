"""The explorer, driven headlessly: set a filter or a split as a person would, and the
table, the count of cases and the figure follow; the store is only read."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import BarContainer, ErrorbarContainer  # noqa: E402

from casekit.derive import derive  # noqa: E402
from casekit.patterns import PATTERNS, pattern_table, with_adjusted_p  # noqa: E402
from casekit.readable import rate_table  # noqa: E402
from casekit.synth import populate  # noqa: E402
from casekit.ui.explore import ALL, Explorer  # noqa: E402


@pytest.fixture
def stored(store):
    populate(store, 200, seed=3)
    return store


@pytest.fixture
def explorer(stored):
    return Explorer(stored.path)


def widths(explorer) -> list[float]:
    return [
        bar.get_width()
        for c in explorer.ax.containers
        if isinstance(c, BarContainer)
        for bar in c
    ]


def kn(table: pd.DataFrame) -> list[tuple[int, int]]:
    return list(zip(table["k"].tolist(), table["n"].tolist(), strict=True))


def test_it_opens_on_every_case_with_the_full_table(stored, explorer):
    frames = stored.frames()
    expected = with_adjusted_p(pattern_table(frames))
    pd.testing.assert_frame_equal(explorer.table, expected)
    assert len(explorer.cases) == len(frames["case"]) == 200
    assert "<b>200</b> of 200 cases" in explorer.summary.value
    assert bytes(explorer.image.value).startswith(b"<?xml")  # the figure, as SVG
    assert widths(explorer) == pytest.approx(expected["proportion"].fillna(0).tolist())
    for pattern in PATTERNS:  # the table as people read it
        assert pattern.label in explorer.table_view.value
    assert "p (Holm)" in explorer.table_view.value


def test_a_filter_changes_the_cases_the_table_and_the_figure(stored, explorer):
    before_widths, before_image = widths(explorer), bytes(explorer.image.value)
    explorer.sex.value = "female"
    d = derive(stored.frames())
    women = d["case"][d["case"]["sex"] == "female"]
    assert 0 < len(women) < 200
    assert len(explorer.cases) == len(women)
    assert f"<b>{len(women)}</b> of 200 cases" in explorer.summary.value
    expected = pattern_table({**d, "case": women})
    assert kn(explorer.table) == kn(expected)
    assert kn(explorer.table) != kn(pattern_table(d))
    assert widths(explorer) == pytest.approx(expected["proportion"].fillna(0).tolist())
    assert widths(explorer) != before_widths
    assert bytes(explorer.image.value) != before_image
    # Filters add up; "All" takes a filter off again.
    explorer.duration.value = "chronic"
    both = women[women["duration"] == "chronic"]
    assert kn(explorer.table) == kn(pattern_table({**d, "case": both}))
    explorer.sex.value = ALL
    explorer.duration.value = ALL
    assert kn(explorer.table) == kn(pattern_table(d))


def test_a_split_and_a_pattern(stored, explorer):
    explorer.by.value = "sex"
    assert list(explorer.table["sex"].cat.categories) == [
        "female", "male", "other", "undisclosed",
    ]  # fmt: skip
    assert len(explorer.table) == 4 * len(PATTERNS)
    legend = [t.get_text() for t in explorer.ax.get_legend().get_texts()]
    assert legend[:2] == ["Female", "Male"]
    explorer.pattern.value = "si_opposite"
    rows = explorer.table[explorer.table["pattern"] == "si_opposite"]
    ticks = [t.get_text() for t in explorer.ax.get_yticklabels()]
    assert ticks == ["Female", "Male", "Other", "Not disclosed"]
    assert widths(explorer) == pytest.approx(rows["proportion"].fillna(0).tolist())
    texts = [t.get_text() for t in explorer.ax.texts if t.get_gid() == "count"]
    assert texts == [f"{k}/{n}" for k, n in kn(rows)]
    assert explorer.ax.get_title(loc="left") == PATTERNS[0].label


def test_choosing_a_pattern_redraws_without_recomputing(explorer, monkeypatch):
    table = explorer.table
    calls = []
    monkeypatch.setattr(
        explorer._tally, "table", lambda *a, **k: calls.append(1) or table
    )
    explorer.pattern.value = "improved"
    assert calls == [] and explorer.table is table
    assert len(widths(explorer)) == 1


def drawn(explorer) -> tuple:
    """What the figure shows: bars, intervals, k/n and their places, ticks."""
    ax = explorer.ax
    (errors,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    _line, caps, (segments, *_) = errors.lines
    return (
        widths(explorer),
        [np.round(s, 9).tolist() for s in segments.get_segments()],
        [np.round(np.asarray(c.get_xdata(), float), 9).tolist() for c in caps],
        [(t.get_text(), *np.round(t.get_position(), 9)) for t in ax.texts],
        [t.get_text() for t in ax.get_yticklabels()],
    )


@pytest.mark.parametrize(("by", "pattern"), [(ALL, ALL), ("sex", "si_opposite")])
def test_a_filter_moves_the_figure_as_a_fresh_drawing_would(stored, by, pattern):
    # A filter change moves the artists already drawn instead of drawing them
    # again: what it shows must be what a new explorer draws for the same choice.
    d = derive(stored.frames())
    moved = Explorer(frames=d)
    moved.by.value, moved.pattern.value = by, pattern
    moves = 0
    for age in ("30-39", "40-49", "50-59", ALL):
        shape = moved._drawn
        moved.age_band.value = age
        moves += moved._drawn == shape  # no new drawing: the same bars, moved
        fresh = Explorer(frames=d)
        fresh.by.value, fresh.pattern.value = by, pattern
        fresh.age_band.value = age
        fresh._drawn = None  # forget its artists: a whole new drawing
        fresh.draw()
        assert kn(moved.table) == kn(fresh.table)
        assert drawn(moved) == drawn(fresh)
    assert moves >= 2  # (a group emptied by a filter has no interval: drawn anew)


def test_filters_no_case_passes(explorer):
    explorer.sex.value = "other"
    explorer.age_band.value = "80+"  # no such case among these 200
    assert len(explorer.cases) == 0
    assert (explorer.table["n"] == 0).all()
    assert widths(explorer) == [0.0] * len(PATTERNS)
    assert "<b>0</b> of 200" in explorer.summary.value


def test_filters_offer_dictionary_words_in_dictionary_order(explorer):
    assert explorer.age_band.options[0] == ("All", ALL)
    assert [value for _, value in explorer.age_band.options[1:8]] == [
        "18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+",
    ]  # fmt: skip
    assert ("Not disclosed", "undisclosed") in explorer.sex.options
    assert [value for _, value in explorer.site.options] == [ALL, "main"]
    assert explorer.by.options[0] == ("No split", ALL)
    assert ("Sex", "sex") in explorer.by.options


def test_the_store_is_only_read(stored):
    audit = len(stored.audit())
    explorer = Explorer(stored.path)
    explorer.sex.value = "male"
    explorer.by.value = "age_band"
    assert len(stored.audit()) == audit


def test_frames_can_be_given_stored_or_derived(stored):
    d = derive(stored.frames())
    explorer = Explorer(frames=d)
    assert kn(explorer.table) == kn(pattern_table(d))
    assert d["case"]["case_id"].dtype != np.int64  # the caller's frames untouched
    explorer = Explorer(stored.frames())  # positionally, as stored
    assert kn(explorer.table) == kn(pattern_table(d))
    assert list(explorer.filters) == ["site", "sex", "age_band", "duration", "episode"]
    explorer.filters["sex"].value = "male"
    assert explorer.sex.value == "male" and len(explorer.cases) < 200


def test_readable_table():
    table = pd.DataFrame(
        {
            "pattern": ["si_opposite"],
            "label": ["SI"],
            "k": [283],
            "n": [465],
            "proportion": [283 / 465],
            "ci_low": [0.5635],
            "ci_high": [0.6519],
            "comparator": [0.5],
            "p_value": [0.0002],
            "p_adjusted": [0.0123],
            "note": ["n"],
        }
    )
    row = rate_table(table).iloc[0].to_dict()
    assert row == {
        "Pattern": "SI",
        "k / n": "283 / 465",
        "Rate": "61 %",
        "95 % interval": "56 % to 65 %",
        "Compared with": "50 %",
        "p": "< 0.001",
        "p (Holm)": "0.012",
        "Note": "n",
    }


def test_the_core_imports_neither_widgets_nor_plotting():
    code = (
        "import sys, casekit, casekit.patterns, casekit.derive, casekit.stats, "
        "casekit.store, casekit.labels\n"
        "heavy = {'ipywidgets', 'matplotlib', 'seaborn', 'casekit.figures.plots', "
        "'casekit.ui.explore'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_a_local_field_is_a_filter_and_a_split_in_the_stores_words(local_store):
    explorer = Explorer(local_store.path)
    assert explorer.dictionary["case"]["work_type"].label == "Kind of work"
    # Offered as a split and as a filter, by its label and its codes' words.
    assert ("Kind of work", "work_type") in explorer.by.options
    work = explorer.filters["work_type"]
    assert work.description == "Kind of work"
    assert work.options == (("All", ALL), ("Desk", "desk"), ("Manual", "manual"))
    # Split on: the figure's legend and the table name it in words, never by code.
    explorer.by.value = "work_type"
    legend = explorer.ax.get_legend()
    assert legend.get_title().get_text() == "Kind of work"
    assert [t.get_text() for t in legend.get_texts()][:2] == ["Desk", "Manual"]
    view = explorer.table_view.value
    assert "<th>Kind of work</th>" in view
    assert "<td>Desk</td>" in view and "<td>Manual</td>" in view
    assert "work_type" not in view and "<td>desk</td>" not in view
    explorer.pattern.value = "si_opposite"
    assert [t.get_text() for t in explorer.ax.get_yticklabels()] == ["Desk", "Manual"]
    assert explorer.ax.get_ylabel() == "Kind of work"
    # Filtered on: only desk work.
    work.value = "desk"
    assert len(explorer.cases) == 60
    assert set(explorer.cases["work_type"]) == {"desk"}
