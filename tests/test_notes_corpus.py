"""The identifier screen on the labelled corpus of tests/fixtures/notes: at least
90 % of identifiers refused, at most 1 clinical note in 30, on each part."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from identifiers import PARTS, load, rates  # noqa: E402

RECALL = 0.90
FALSE_REFUSALS = 1 / 30


def test_the_corpus_is_large_and_covers_every_kind():
    notes = [note for part in PARTS for note in load(part)]
    assert len(notes) >= 300
    kinds = {n.category for n in notes if n.label == "identifier"}
    assert kinds >= {
        "postcode", "date", "birth_year", "age", "record_number", "email", "handle",
        "url", "address", "plate", "name", "title_name", "unicode", "phone",
    }  # fmt: skip
    shorthand = {n.category for n in notes if n.label == "clinical"}
    assert shorthand >= {"levels", "scores", "doses", "sets_reps", "imaging"}


@pytest.mark.parametrize("part", PARTS)
def test_recall_and_pass_rate_hold(part):
    recall, passed = rates(load(part))
    assert recall >= RECALL
    assert 1 - passed <= FALSE_REFUSALS
