"""The reader of a shared report, who knows its rule: every value a hidden count
can take, given the numbers shown (scipy's MILP over whole counts).

Each number shown is a linear form of the counts a report is made of (a sum of
some of them), exact under a threshold rule, within half the rounding when
rounded, above the suppression threshold when not 0; a ``*`` tells nothing. What
a reader knows besides (that counts are never negative, that one total is all of
another's parts) is given as more rows."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from casekit.disclosure import SUPPRESSED, Rule


def what_a_reader_holds(forms, shown, rule: Rule) -> tuple[list, list, list]:
    """Each number shown as a linear form of the hidden counts with the range it
    allows: exact under a threshold rule, within half the rounding when rounded,
    above the suppression threshold when not 0; a ``*`` tells nothing."""
    rows, lo, hi = [], [], []
    for form, value in zip(forms, shown, strict=True):
        if value == SUPPRESSED:
            continue
        slack = 0 if rule.round_to == 1 or value == 0 else rule.round_to // 2
        rows.append(form)
        lo.append(max(value - slack, 0 if value == 0 else rule.suppress_max + 1))
        hi.append(value + slack)
    return rows, lo, hi


def possible_values(rows, lo, hi, target, most: int = 40) -> set[int]:
    """Every value from 0 to ``most - 1`` that the form ``target`` can take over
    whole, non-negative counts within the rows' ranges."""
    found = set()
    size = len(target)
    for v in range(most):
        constraints = LinearConstraint(np.array([*rows, target]), [*lo, v], [*hi, v])
        result = milp(
            np.zeros(size),
            constraints=constraints,
            integrality=np.ones(size),
            bounds=Bounds(0, np.inf),
        )
        if result.status == 0:
            found.add(v)
    return found
