"""A suppressed site row reads the same whatever its true counts.

The network review's case: south's si_opposite is 0 of 0 and hidden only to
protect north's small count. Its rate, interval and p-value were once left empty
(the rate of 0 of 0 is undefined) where every other hidden row reads ``*``: a
reader learnt that south's n is 0, and with the exact pooled row, north's hidden
counts exactly. Every output of the split (``casekit patterns --by site`` as csv,
json and text, the report's site table, full and shared) is the table of
:func:`casekit.sitewise.by_site`, whose counts are set here directly.
"""

from __future__ import annotations

import io
import json

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings
from reader import possible_values

from casekit import Store, sitewise, stats
from casekit.cli import main
from casekit.disclosure import NHS, SUPPRESSED, is_suppressed, threshold
from casekit.io.exporter import FILE_OF
from casekit.patterns import PATTERNS, pattern_table
from casekit.readable import rate_table
from casekit.report import rates
from casekit.report.series import EXACT, CaseSeries
from casekit.synth import CohortParams, populate

BY_ID = {p.id: p for p in PATTERNS}
# One pattern tested against a comparator, one descriptive.
TESTED, DESCRIPTIVE = "si_opposite", "flexor_glute_same_side"
CELLS = ["k", "n", *sitewise.DERIVED]


def _split(counts: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    """A pattern table split by site (as ``pattern_table(frames, by="site")``)
    with the given (k, n) of each pattern at each site."""
    rows = []
    for site, patterns in counts.items():
        for pid, (k, n) in patterns.items():
            p = BY_ID[pid]
            share = stats.wilson([k], [n])
            rows.append(
                {
                    "site": site,
                    "pattern": pid,
                    "label": p.label,
                    "k": k,
                    "n": n,
                    "proportion": share.proportion[0],
                    "ci_low": share.low[0],
                    "ci_high": share.high[0],
                    "comparator": p.comparator,
                    "p_value": stats.binomial_p(k, n, p.comparator)
                    if p.tested
                    else float("nan"),
                    "note": "",
                }
            )
    return pd.DataFrame(rows)


def _by_site(monkeypatch, counts, rule=NHS, **how):
    table = _split(counts)
    monkeypatch.setattr(sitewise, "pattern_table", lambda frames, by: table.copy())
    frames = {"case": pd.DataFrame({"site": list(counts)})}
    return sitewise.by_site(frames, rule, **how)


def _hidden_rows(safe) -> pd.DataFrame:
    return safe.table[safe.table["k"].map(is_suppressed)]


def _as_csv_cells(frame: pd.DataFrame) -> list[tuple]:
    """Each row's cells as ``casekit patterns --format csv`` writes them."""
    lines = frame[CELLS].to_csv(index=False).splitlines()[1:]
    return [tuple(line.split(",")) for line in lines]


# The review's counts: si_opposite 0/2 pooled, north 0 of 2, south 0 of 0 (hidden
# to protect north); knee 3 of 5 pooled (descriptive here: flexor_glute).
REVIEW = {
    "north": {TESTED: (0, 2), DESCRIPTIVE: (3, 5)},
    "south": {TESTED: (0, 0), DESCRIPTIVE: (0, 0)},
}


def test_a_hidden_row_of_0_of_0_reads_like_any_hidden_row(monkeypatch):
    safe = _by_site(monkeypatch, REVIEW)
    table = safe.table.set_index(["site", "pattern"])
    assert table.loc[("south", TESTED), "k"] == SUPPRESSED
    assert table.loc[("north", TESTED), "k"] == SUPPRESSED
    # Every cell of every hidden row of a tested pattern is `*`.
    for site in ("north", "south"):
        row = table.loc[(site, TESTED)]
        assert [row[c] for c in CELLS] == [SUPPRESSED] * len(CELLS), site
    # A descriptive pattern's p-values stay empty in every row, hidden or not.
    for site in ("north", "south"):
        row = table.loc[(site, DESCRIPTIVE)]
        assert [row[c] for c in CELLS[:-2]] == [SUPPRESSED] * (len(CELLS) - 2)
        assert row["p_value"] is None and row["p_adjusted"] is None
    # The csv and json of `casekit patterns --by site`: the same text per row.
    cells = _as_csv_cells(_hidden_rows(safe))
    assert cells[0] == cells[2] and cells[1] == cells[3]
    records = json.loads(safe.table.to_json(orient="records"))
    hidden = [r for r in records if r["k"] == SUPPRESSED]
    by_pattern = {}
    for r in hidden:
        by_pattern.setdefault(r["pattern"], set()).add(
            json.dumps({c: r[c] for c in CELLS})
        )
    assert all(len(seen) == 1 for seen in by_pattern.values())


def test_a_shown_row_of_0_of_0_stays_empty(monkeypatch):
    # Nothing to hide: 0 of 0 is shown as such, its rate undefined.
    counts = {
        "north": {TESTED: (20, 40)},
        "south": {TESTED: (0, 0)},
    }
    table = _by_site(monkeypatch, counts).table.set_index("site")
    assert table.loc["south", "k"] == 0 and table.loc["south", "n"] == 0
    assert all(table.loc["south", c] is None for c in sitewise.DERIVED)


def _rendered(frame: pd.DataFrame) -> list[tuple]:
    """The words of each row but its site."""
    return [tuple(row) for row in frame.iloc[:, 1:].itertuples(index=False)]


@pytest.mark.parametrize("rule", [NHS, EXACT])
def test_the_reports_site_table_shows_hidden_rows_alike(monkeypatch, rule):
    # The shared report (NHS) and a network analyst's full one (EXACT, pooled).
    table = _split(REVIEW)
    monkeypatch.setattr(sitewise, "pattern_table", lambda frames, by: table.copy())
    frames = {"case": pd.DataFrame({"site": ["north", "south"]})}
    series = CaseSeries(frames, 0, None, 2, None, None, pooled=True)
    frame = rates.by_site(series, rule).frame
    hidden = frame[frame["k / n"] == SUPPRESSED]
    assert len(hidden) == 4
    words = _rendered(hidden)
    tested = [w for w, p in zip(words, hidden["Pattern"], strict=True) if "SI" in p]
    assert len(tested) == 2 and tested[0][1:-1] == tested[1][1:-1]
    assert set(tested[0][1:-1]) <= {SUPPRESSED, "50 %"}
    # The text of `casekit patterns --by site`: rate_table of the same table.
    text = rate_table(sitewise.by_site(frames, NHS).table, by="site", small=True)
    hidden = text[text["k / n"] == SUPPRESSED]
    rows = {tuple(r[2:-1]) for r in hidden.itertuples(index=False) if "SI" in r[1]}
    assert len(rows) == 1


counts = st.integers(0, 14).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(counts, counts), min_size=2, max_size=4),
    st.sampled_from([NHS, threshold(10)]),
)
def test_hidden_rows_never_tell_their_counts(drawn, rule):
    """Over drawn per-site counts: in each pattern, every hidden row's cells are
    the same text, whatever its counts; and a descriptive pattern's p-values are
    empty in every row."""
    split = {
        f"s{i}": {TESTED: tested, DESCRIPTIVE: descriptive}
        for i, (tested, descriptive) in enumerate(drawn)
    }
    table = _split(split)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sitewise, "pattern_table", lambda frames, by: table.copy())
        frames = {"case": pd.DataFrame({"site": list(split)})}
        safe = sitewise.by_site(frames, rule)
    hidden = _hidden_rows(safe)
    for pid, rows in hidden.groupby("pattern"):
        assert len(set(_as_csv_cells(rows))) == 1, pid
    descriptive = safe.table[safe.table["pattern"] == DESCRIPTIVE]
    assert descriptive[["p_value", "p_adjusted"]].isna().all().all()


def test_a_reader_of_the_csv_cannot_tell_which_site_is_small(monkeypatch):
    """The reader (scipy's MILP) of the review's csv: the pooled si_opposite is
    exact (0 of 2), both site rows hidden. A hidden row with an empty rate would
    say its n is 0 (and so north's, 2); with every hidden cell `*`, north's n is
    open."""
    safe = _by_site(monkeypatch, REVIEW)
    rows = safe.table[safe.table["pattern"] == TESTED].set_index("site")
    # Counts: k_north, n_north, k_south, n_south; each n at least its k.
    forms, lo, hi = [[1, 0, 1, 0], [0, 1, 0, 1]], [0, 2], [0, 2]
    forms += [[-1, 1, 0, 0], [0, 0, -1, 1]]
    lo, hi = [*lo, 0, 0], [*hi, 99, 99]
    for i, site in enumerate(("north", "south")):
        if pd.isna(rows.loc[site, "proportion"]):  # an empty rate: n is 0
            forms.append([0, 1, 0, 0] if i == 0 else [0, 0, 0, 1])
            lo, hi = [*lo, 0], [*hi, 0]
    assert possible_values(forms, lo, hi, [0, 1, 0, 0], most=5) == {0, 1, 2}


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["NHS", "threshold"])
def test_the_shown_adjusted_p_values_do_not_tell_a_hidden_row(monkeypatch, rule):
    """Holm's adjusted p-values of the rows shown are the same whatever the
    counts of the hidden ones: a hidden test counts as p = 1, 0 of 0 too (left
    out, the family's size, read from the adjusted p-values, would say how many
    hidden rows are empty; under a threshold rule, an exact adjustment would say
    where each hidden p-value ranks)."""
    knee = {
        "north": ("knee_same_side", (20, 40)),
        "south": ("knee_same_side", (19, 50)),
    }
    shown = []
    for south in ((0, 0), (10, 20), (19, 20)):
        counts = {
            "north": {TESTED: (1, 3), knee["north"][0]: knee["north"][1]},
            "south": {TESTED: south, knee["south"][0]: knee["south"][1]},
        }
        table = _by_site(monkeypatch, counts, rule).table
        assert table.loc[table["pattern"] == TESTED, "k"].map(is_suppressed).all()
        rows = table[table["pattern"] == "knee_same_side"]
        shown.append(rows[["k", "n", "p_value", "p_adjusted"]].to_numpy().tolist())
    assert shown[0] == shown[1] == shown[2]


def test_the_analysts_csv_hides_an_empty_site_row_like_any(pg_url, tmp_path, capsys):
    """On a network (PostgreSQL): north's 40 cases, south's one; the analyst's
    ``casekit patterns --by site`` as csv. Every hidden row of a tested pattern is
    ``*`` in every cell, those whose true n is 0 among them."""
    urls = {"owner": pg_url}
    assert main(["init", "--db", pg_url]) == 0
    for site in ("north", "south"):
        assert main(["grant", site, "--db", pg_url]) == 0
        urls[site] = capsys.readouterr().out.strip().splitlines()[-1]
        db = tmp_path / f"{site}.db"
        with Store(db, create=True, actor="practitioner") as own:
            size, seed = (40, 3) if site == "north" else (1, 4)
            populate(own, size, seed=seed, params=CohortParams(sites=(site,)))
        assert main(["export", str(tmp_path / site), "--db", str(db)]) == 0
        files = [str(tmp_path / site / name) for name in FILE_OF.values()]
        assert main(["import", *files, "--db", urls[site]]) == 0
    assert main(["grant", "--analyst", "ana", "--db", pg_url]) == 0
    analyst = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["patterns", "--by", "site", "--format", "csv", "--db", analyst]) == 0
    shown = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    with Store(pg_url, read_only=True) as owner:
        exact = pattern_table(owner.frames(), by="site")
    exact = exact.set_index(["site", "pattern"])["n"]
    hidden = shown[(shown["k"] == SUPPRESSED) & shown["pattern"].isin(sitewise.TESTED)]
    empty = [exact[(r.site, r.pattern)] == 0 for r in hidden.itertuples()]
    assert any(empty) and not all(empty)  # the review's case is there
    assert (hidden[CELLS] == SUPPRESSED).all().all()
