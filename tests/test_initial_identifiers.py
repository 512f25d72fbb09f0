"""Identifiers a privacy review found stored past the screen (round 3): an initial
and a surname in lower case (``k.ward``), an initial and a surname of no list
(``A. Kowalski``), a common surname after "patient" (casekit/initials.py) and a
numbered street in lower case with "st" (casekit/plain.py)."""

import pytest

from casekit.errors import IdentifyingReason
from casekit.identifiers import scan_text
from casekit.privacy import refuse_identifying_reason

NAME = "a name"
STREET = "a street address"

FOUND = [
    ("requested by k.ward, 14 church st", NAME, "k.ward"),
    ("requested by k.ward, 14 church st", STREET, "14 church st"),
    ("A. Kowalski asked", NAME, "A. Kowalski"),
    ("wrong person (A. Kowalski)", NAME, "A. Kowalski"),
    ("letter from J.A. Nowak", NAME, "J.A. Nowak"),
    ("A.Kowalski rang", NAME, "A.Kowalski"),
    ("L. Kowalski rang", NAME, "L. Kowalski"),
    ("j.smith", NAME, "j.smith"),
    ("per m.jones today", NAME, "m.jones"),
    ("patient Smith asked", NAME, "Smith"),
    ("pt Brown rang to cancel", NAME, "Brown"),
    ("2a mill ln", STREET, "2a mill ln"),
    ("lives at 14 church st.", STREET, "14 church st."),
]


@pytest.mark.parametrize(("text", "kind", "found"), FOUND)
def test_what_the_review_found_is_refused(text, kind, found):
    assert (kind, found) in [(f.kind, f.text) for f in scan_text(text)]


@pytest.mark.parametrize(
    "reason",
    [
        "requested by k.ward, 14 church st",
        "A. Kowalski asked",
        "wrong person (A. Kowalski)",
        "j.smith",
        "patient Smith asked",
    ],
)
def test_a_reason_naming_someone_by_an_initial_is_refused(reason):
    with pytest.raises(IdentifyingReason):
        refuse_identifying_reason(reason)


# Clinical shorthand written with initials, dots, counts and "st": they pass.
NEAR_MISSES = [
    "l.side tight",
    "r.hip",
    "L. SIJ",
    "R. glute",
    "R. Glute med weak",
    "L. Piriformis tender",
    "pt. seen",
    "st. 2",
    "T. 12",
    "S1 joint",
    "patient reports less pain",
    "patient sat for 20 mins",
    "Patient Education given",
    "pt Green light to return to gym",
    "pt Baker's cyst aspirated",
    "D. Quervain's tenosynovitis",
    "C. diff",
    "C. Diff negative",
    "E. Coli in urine",
    "H. Pylori treated",
    "V. Medialis weak, G. Med 4/5",
    "Q. Lumborum tight",
    "e.g. walking",
    "i.e. less",
    "E.G. Walking daily",
    "approx. 14 days",
    "14 reps st",
    "3 sets sit to st",
    "weighs 14 st",
    "A. fib?",
    "A. Fib",
    "v.good progress",
    "x.ray: no change",
    "b.d. with food, p.r.n.",
    "Vitamin D. Naproxen stopped",
    "l.knee, r.foot, s.joint",
    "N.B. Pain worse",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_clinical_lines_beside_the_new_rules_pass(text):
    assert scan_text(text) == []
