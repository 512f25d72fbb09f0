"""The benchmark's DuckDB peer counts every pattern exactly as casekit does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import removable_session

from casekit.io.exporter import export_csv
from casekit.patterns import pattern_table
from casekit.synth import CohortParams, populate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from peer import peer_counts, peer_counts_from_csv  # noqa: E402


@pytest.mark.parametrize(
    "seed, params",
    [
        (5, CohortParams()),
        (
            6,
            CohortParams(one_sided=0.4, not_tested=0.3, missing=0.2, flare_ongoing=0.5),
        ),
    ],
)
def test_peer_agrees_on_every_k_and_n(store, seed, params):
    populate(store, 400, seed=seed, params=params)
    frames = store.frames()
    ours = pattern_table(frames)[["pattern", "k", "n"]]
    theirs = peer_counts(frames)
    assert ours.merge(theirs, on="pattern", suffixes=("", "_peer")).pipe(
        lambda t: (t["k"] == t["k_peer"]).all() and (t["n"] == t["n_peer"]).all()
    )
    assert set(theirs["pattern"]) == set(ours["pattern"])
    assert (theirs["n"] > 0).all()


def test_the_peer_from_the_csv_export_agrees_on_every_k_and_n(store, tmp_path):
    """The benchmark's peer of `casekit patterns` from a cold start: DuckDB reads
    the store's CSV export, not casekit's frames (missing answers, a withdrawn
    case and a withdrawn session in it)."""
    populate(store, 400, seed=8, params=CohortParams(missing=0.2, not_tested=0.3))
    ids = sorted(store.case_ids())
    store.delete("case", ids[0], reason="withdrew consent")
    store.delete("session", removable_session(store, ids[1:]), reason="entered twice")
    export_csv(store, tmp_path)
    ours = pattern_table(store.frames())
    theirs = peer_counts_from_csv(tmp_path)
    assert [(p, int(k), int(n)) for p, k, n in ours[["pattern", "k", "n"]].values] == (
        theirs
    )
    assert all(n > 0 for _, _, n in theirs)
