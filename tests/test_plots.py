"""The figures, checked through their artists: every bar, tick label, k/n text and
mark must be the number of the table it was drawn from. No image comparison."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, the same pixels everywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from casekit import Store  # noqa: E402
from casekit.chain import chain_sides  # noqa: E402
from casekit.derive import derive  # noqa: E402
from casekit.figures import plots  # noqa: E402
from casekit.figures.bars import not_yet_text  # noqa: E402
from casekit.labels import NOT_YET  # noqa: E402
from casekit.patterns import (  # noqa: E402
    flare_curve,
    pattern_table,
)
from casekit.synth import populate  # noqa: E402

SEX_LABELS = ["Female", "Male", "Other", "Not disclosed"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    db = tmp_path_factory.mktemp("plots") / "casekit.db"
    with Store(db, create=True, actor="tests") as store:
        populate(store, 200, seed=7)
        return derive(store.frames())


@pytest.fixture(scope="module")
def table(derived):
    return pattern_table(derived)


def bars(ax) -> list[list]:
    """The bar rectangles, one list per seaborn container (hue level)."""
    return [list(c) for c in ax.containers if isinstance(c, BarContainer)]


def counts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == "count"]


def flat(text: str) -> str:
    return " ".join(text.split())  # long labels are wrapped onto two lines


def test_pattern_rates_bars_labels_counts_and_intervals(table):
    ax = plots.pattern_rates(table)
    (drawn,) = bars(ax)
    assert [b.get_width() for b in drawn] == pytest.approx(
        table["proportion"].fillna(0).tolist()
    )
    ticks = [flat(t.get_text()) for t in ax.get_yticklabels()]
    assert ticks == table["label"].tolist()
    assert counts(ax) == [
        f"{k}/{n}" for k, n in zip(table["k"], table["n"], strict=True)
    ]
    # The interval of each bar spans exactly ci_low..ci_high.
    (errorbar,) = [c for c in ax.containers if not isinstance(c, BarContainer)]
    segments = errorbar.lines[2][0].get_segments()
    known = table[table["n"] > 0]
    assert [s[0][0] for s in segments] == pytest.approx(known["ci_low"].tolist())
    assert [s[1][0] for s in segments] == pytest.approx(known["ci_high"].tolist())


def test_comparator_ticks_sit_at_the_comparators_across_their_bars(table):
    ax = plots.pattern_rates(table)
    (ticks,) = [c for c in ax.collections if c.get_gid() == "comparator"]
    with_comparator = table[table["comparator"].notna()]
    xs = [segment[0][0] for segment in ticks.get_segments()]
    assert xs == pytest.approx(with_comparator["comparator"].tolist())
    assert 0.5 in xs and pytest.approx(0.33) in xs  # 50 % and Walker's sham arm
    (drawn,) = bars(ax)
    for segment, i in zip(ticks.get_segments(), with_comparator.index, strict=True):
        bar = drawn[i]
        assert segment[0][1] == pytest.approx(bar.get_y())
        assert segment[1][1] == pytest.approx(bar.get_y() + bar.get_height())
    plain = plots.pattern_rates(table, comparator=False)
    assert not [c for c in plain.collections if c.get_gid() == "comparator"]


def test_split_bars_follow_dictionary_order_per_hue_level(derived):
    split = pattern_table(derived, by="sex")
    ax = plots.pattern_rates(split, hue="sex")
    containers = bars(ax)
    assert len(containers) == len(SEX_LABELS)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[: len(SEX_LABELS)] == SEX_LABELS
    patterns = list(dict.fromkeys(split["pattern"]))
    for row in split.itertuples():
        level = list(split["sex"].cat.categories).index(row.sex)
        bar = containers[level][patterns.index(row.pattern)]
        assert bar.get_width() == pytest.approx(np.nan_to_num(row.proportion))
    assert sorted(counts(ax)) == sorted(
        f"{k}/{n}" for k, n in zip(split.k, split.n, strict=True)
    )


def test_one_pattern_with_a_bar_per_group(derived):
    split = pattern_table(derived, by="sex")
    one = split[split["pattern"] == "si_opposite"]
    ax = plots.pattern_rates(one, y="sex")
    assert [t.get_text() for t in ax.get_yticklabels()] == SEX_LABELS
    assert ax.get_ylabel() == "Sex"
    (drawn,) = bars(ax)
    assert [b.get_width() for b in drawn] == pytest.approx(
        one["proportion"].fillna(0).tolist()
    )


def test_several_rows_for_one_bar_is_refused(derived):
    with pytest.raises(ValueError, match="one row per bar.*hue="):
        plots.pattern_rates(pattern_table(derived, by="sex"))
    with pytest.raises(ValueError, match="'proportion'"):
        plots.pattern_rates(pd.DataFrame({"label": ["x"], "k": [1], "n": [2]}))


def test_side_bars_same_against_opposite(table):
    ax = plots.side_bars(table)
    same, opposite = bars(ax)
    order = ["si_opposite", "flare_same_side", "ankle_same_side", "knee_same_side"]
    order += ["plantar_same_side"]
    rows = table.set_index("pattern").loc[order]
    k, n = rows["k"].to_numpy(), rows["n"].to_numpy()
    # SI counts the opposite side; the others count the same side.
    same_k = np.r_[n[0] - k[0], k[1:]]
    assert [b.get_height() for b in same] == pytest.approx(same_k / n)
    assert [b.get_height() for b in opposite] == pytest.approx(1 - same_k / n)
    ticks = [flat(t.get_text()) for t in ax.get_xticklabels()]
    assert ticks == [
        "SI joint that feels tighter", "Flare", "Old ankle injury", "Knee pain",
        "Plantar fasciitis",
    ]  # fmt: skip
    texts = counts(ax)  # finding by finding: same side, then opposite
    assert texts[0::2] == [f"{s}/{m}" for s, m in zip(same_k, n, strict=True)]
    assert texts[1::2] == [f"{m - s}/{m}" for s, m in zip(same_k, n, strict=True)]
    (half,) = [line for line in ax.lines if line.get_gid() == "half"]
    assert list(half.get_ydata()) == [0.5, 0.5]  # half and half


def test_body_chain_writes_every_count_and_shades_by_share(derived):
    data = chain_sides(derived)
    ax = plots.body_chain(data)
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    for row in data.itertuples():
        assert texts[f"count|{row.link}|{row.side}"] == f"{row.k}/{row.n}"
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert len(patches) == 14  # seven links, two sides
    # Lighter is rarer: the shade's darkness grows with the share.
    darkness = [
        1 - np.mean(to_rgb(patches[f"{r.link}|{r.side}"].get_facecolor()))
        for r in data.itertuples()
    ]
    order = np.argsort(data["proportion"].to_numpy(), kind="stable")
    assert np.all(np.diff(np.array(darkness)[order]) >= -1e-9)
    back = data.set_index(["link", "side"]).loc[("pain_side", "pain side")]
    assert back["k"] == back["n"]  # the low back is the pain itself
    names = {t.get_text() for t in ax.texts}
    assert {"Pain side", "Other side", "Low back pain", "Old ankle injury"} <= names


def test_body_chain_of_no_case_is_grey_with_zero_counts(derived):
    empty = {**derived, "case": derived["case"].iloc[:0]}
    ax = plots.body_chain(chain_sides(empty), colorbar=False)
    counts = {t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("count")}
    assert counts == {"0/0"}
    assert not_yet_text(ax) == NOT_YET["one_sided"]  # and says why
    assert {to_rgb(p.get_facecolor()) for p in ax.patches if p.get_gid()} == {
        to_rgb("0.92")
    }


def test_nprs_course_faint_lines_and_median(derived):
    sessions = derived["session"]
    ax = plots.nprs_course(sessions)
    (faint,) = [c for c in ax.collections if c.get_gid() == "cases"]
    assert isinstance(faint, LineCollection)
    with_pain = sessions[sessions["nprs_before"].notna()]
    assert len(faint.get_segments()) == with_pain["case_id"].nunique()
    assert faint.get_alpha() < 0.5
    (median,) = [line for line in ax.lines if line.get_gid() == "median"]
    expected = with_pain.astype({"nprs_before": float}).groupby("session_no")
    expected = expected["nprs_before"].median()
    assert median.get_xdata().tolist() == expected.index.tolist()
    assert median.get_ydata() == pytest.approx(expected.to_numpy())
    assert median.get_linewidth() > 2
    # Many cases: at most max_cases faint lines, the median over all of them.
    few = plots.nprs_course(sessions, max_cases=50)
    (faint,) = [c for c in few.collections if c.get_gid() == "cases"]
    assert len(faint.get_segments()) <= 50
    (median,) = [line for line in few.lines if line.get_gid() == "median"]
    assert median.get_ydata() == pytest.approx(expected.to_numpy())


def test_flare_timing_is_the_kaplan_meier_steps_with_4_and_24_h(derived):
    curve = flare_curve(derived)
    ax = plots.flare_timing(curve)
    (line,) = [line for line in ax.lines if line.get_gid() == "km"]
    assert line.get_drawstyle() == "steps-post"
    assert line.get_xdata().tolist() == [0.0, *curve["time"].tolist()]
    assert line.get_ydata() == pytest.approx(
        [0.0, *curve["cumulative_incidence"].tolist()]
    )
    marks = {line.get_gid(): line.get_xdata() for line in ax.lines}
    assert list(marks["mark 4 h"]) == [4, 4]
    assert list(marks["mark 24 h"]) == [24, 24]
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    by_4h = curve.loc[curve["time"] <= 4, "cumulative_incidence"].iloc[-1]
    assert f"4 h: {by_4h:.0%}" in texts["mark text 4 h"]
    k = int(curve["events"].sum())
    assert f"{k} flares after {curve['at_risk'].iat[0]} sessions" in ax.get_title()


def test_flare_duration_words(derived):
    ax = plots.flare_timing(
        flare_curve(derived, measure="duration"), measure="duration"
    )
    assert ax.get_ylabel() == "Share of flares over by then"
    with pytest.raises(ValueError, match="`measure`"):
        plots.flare_timing(flare_curve(derived), measure="peak")


def test_outcome_bars_split_by_upstream_with_the_caveat(derived):
    split = pattern_table(derived, by="upstream_treated")
    ax = plots.outcome_bars(split)
    assert "Observational" in ax.get_title(loc="left")
    outcome = split[split["pattern"].isin(["improved", "improvement_held"])]
    ticks = [flat(t.get_text()) for t in ax.get_yticklabels()]
    assert ticks == list(dict.fromkeys(outcome["label"]))
    groups = list(dict.fromkeys(outcome["upstream_treated"]))
    containers = bars(ax)
    for row in outcome.itertuples():
        bar = containers[groups.index(row.upstream_treated)][ticks.index(row.label)]
        assert bar.get_width() == pytest.approx(np.nan_to_num(row.proportion))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Treated upstream", "Not treated upstream"} <= set(legend)
    assert not [c for c in ax.collections if c.get_gid() == "comparator"]


def test_an_axes_given_is_drawn_on_and_returned(table):
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.pattern_rates(table, ax=left) is left
    assert plots.side_bars(table, ax=right) is right
    assert len(fig.axes) == 2


def test_a_local_field_is_named_by_the_stores_dictionary(local_store):
    split = pattern_table(local_store.frames(), by="work_type")
    words = local_store.dictionary
    ax = plots.pattern_rates(split, hue="work_type", dictionary=words)
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Kind of work"
    assert [t.get_text() for t in legend.get_texts()][:2] == ["Desk", "Manual"]
    one = split[split["pattern"] == "si_opposite"]
    ax = plots.pattern_rates(one, y="work_type", dictionary=words)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Desk", "Manual"]
    assert ax.get_ylabel() == "Kind of work"
    outcomes = plots.outcome_bars(
        pattern_table(local_store.frames(), by="work_type"),
        by="work_type",
        dictionary=words,
    )
    assert outcomes.get_legend().get_title().get_text() == "Kind of work"
