"""Repeated palpation exams of a synthetic case: the pairs examiner agreement is
measured on (:mod:`casekit.agreement`).

A share ``second_exam`` of cases is examined twice on the day of intake, blinded, by
two examiners, ``a`` and ``b``: a between pair. Examiner ``a`` finds what the case's
intake exam found; ``b`` calls each finding as ``a`` did with probability
``examiner_agreement`` and otherwise at random among the finding's codes (``a``'s
``not_tested`` or empty answer ``b`` leaves alike). Cohen's kappa between them is
then near ``examiner_agreement``: with ``a``'s calls spread evenly over ``K`` codes
it is ``q (1 - 1/K) / (1 - q/K - (1 - q)/K)``, exactly ``q``. A share
``exam_again`` of those cases is examined by ``a`` once more a week later, by the
same rule: a within pair.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from typing import Any

from ..dictionary import load_dictionary
from .params import CohortParams

# The findings an exam records, with the case form's codes.
EXAM_FINDINGS = (
    "si_tight_side",
    "hip_flexor_tight_side",
    "glute_weak_side",
    "trendelenburg_side",
    "pelvic_high_side",
)
RETEST_DAYS = 7


@cache
def _calls(finding: str) -> tuple[str, ...]:
    """The codes an examiner may call for ``finding`` (``not_tested`` aside)."""
    codes = load_dictionary()["exam"][finding].code_values
    return tuple(code for code in codes if code != "not_tested")


def draw_exams(
    rng: random.Random, p: CohortParams, case: dict[str, Any]
) -> list[dict[str, Any]]:
    """The exams of one case: none, a between pair, or a between and a within pair."""
    if rng.random() >= p.second_exam:
        return []
    first = {finding: case.get(finding) for finding in EXAM_FINDINGS}
    exams = [
        _exam(case, 1, case["intake_date"], "a", first),
        _exam(case, 2, case["intake_date"], "b", _echo(rng, p, first)),
    ]
    if rng.random() < p.exam_again:
        later = case["intake_date"] + dt.timedelta(days=RETEST_DAYS)
        exams.append(_exam(case, 3, later, "a", _echo(rng, p, first)))
    return exams


def _exam(
    case: dict[str, Any], number: int, day: dt.date, examiner: str, findings: dict
) -> dict[str, Any]:
    return {
        "case_id": case["case_id"],
        "exam_no": number,
        "exam_date": day,
        "examiner": examiner,
        "blinded": "yes",
        **findings,
    }


def _echo(rng: random.Random, p: CohortParams, first: dict) -> dict:
    """Another examiner's calls of ``first``: the same with probability
    ``examiner_agreement``, else a random code of the finding."""
    calls = {}
    for finding, value in first.items():
        if value in (None, "not_tested"):
            calls[finding] = value
        elif rng.random() < p.examiner_agreement:
            calls[finding] = value
        else:
            calls[finding] = rng.choice(_calls(finding))
    return calls
