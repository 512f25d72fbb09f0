"""The benchmark's DuckDB peer counts every pattern exactly as casekit does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casekit.patterns import pattern_table
from casekit.synth import CohortParams, populate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from peer import peer_counts  # noqa: E402


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
