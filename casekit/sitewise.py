"""Each site's counts in a pooled store, through disclosure control.

A network's analyst (``casekit grant --analyst``) reads every site's cases: the
pooled counts are theirs to see exactly, but one site's small count can point at
one practitioner's patient, to anyone who knows the practice. So wherever the
pattern table is split by site for an analyst (``casekit patterns --by site``, the
report's table site by site) each site's rows pass through
:func:`casekit.disclosure.safe_table`: a rate whose ``k``, ``n`` or ``n - k`` is
small is suppressed whole, the other counts rounded, and the rates shown computed
from the rounded counts. The pooled row of a pattern is always seen beside its site
rows (exact by an analyst, rounded in a shared report), and a site row suppressed
alone could be worked back from it, pooled less the other sites: a second site row
of that pattern is suppressed too (secondary suppression), in every output alike.
Rounding the pooled row is no protection: each rounded count is off by at most 2,
so the difference is known to within 4, which tells a reader that a hidden count of
3 is one of the small ones the ``*`` was meant to hide. The patterns' notes are left
out (they repeat exact counts). Pure pandas.
"""

from __future__ import annotations

import pandas as pd

from .disclosure import NHS, Rule, SafeTable, is_suppressed, safe_table
from .patterns import PATTERNS, pattern_table, with_adjusted_p
from .privacy import neutral_sites

# What is computed from a rate's counts, and so hidden with them.
DERIVED = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")
# The patterns with a test: a p-value is computed for them at any count but 0 of 0.
TESTED = frozenset(p.id for p in PATTERNS if p.tested)
TESTS = ("p_value", "p_adjusted")


def by_site(
    frames: dict[str, pd.DataFrame],
    rule: Rule = NHS,
    *,
    neutral: bool = False,
) -> SafeTable:
    """The pattern table split by site, each site's counts made safe.

    Parameters
    ----------
    frames : dict of DataFrame
        As :meth:`casekit.Store.frames` returns them.
    rule : Rule, default NHS
        The disclosure rule.
    neutral : bool, default False
        Name the sites ``site A``, ``site B``, ... (largest first), as anything
        shared does, instead of their codes.

    Returns
    -------
    SafeTable
        ``site, pattern, label, k, n, proportion, ci_low, ci_high, comparator,
        p_value, p_adjusted`` (Holm over every row), one row a pattern and site,
        sites in order; under a rule that rounds, the rates, intervals and
        p-values of the rounded counts; ``*`` where suppressed, in a pattern's
        rows never one site alone. A suppressed row reads the same whatever its
        counts: every cell it would have is ``*``, even one its counts left
        empty (the rate of 0 of 0); only the p-values of a pattern that is never
        tested (a descriptive rate) stay empty, in every row of that pattern.
    """
    table = with_adjusted_p(pattern_table(frames, by="site")).drop(columns="note")
    if neutral:
        codes = frames["case"]["site"]
        labels = dict(zip(codes.astype(str), neutral_sites(codes), strict=True))
        table["site"] = table["site"].map(lambda code: labels.get(str(code), code))
        table = table.sort_values("site", kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    # The pooled row is shown wherever this table is (exact or rounded): no
    # pattern may have one site row suppressed alone (see the module docstring).
    # A hidden row of a tested pattern is one of Holm's family (at p = 1) even
    # when its counts gave no p-value (0 of 0): see safe_table's ``tests``.
    tested = table["pattern"].isin(TESTED)
    safe = safe_table(table, rule, derived=DERIVED, adding_up="pattern", tests=tested)
    _leave_empty(safe.table, table)
    return safe


def _leave_empty(safe: pd.DataFrame, table: pd.DataFrame) -> None:
    """Empty, in place, the cells of ``safe`` that hold nothing to hide.

    A shown row's rate or p-value that its counts leave undefined (0 of 0) is
    empty; so is the p-value of a pattern never tested, in every row of it, so
    that no test is shown where none was made. A suppressed row's other cells
    stay ``*`` even where its exact value is undefined: a hidden row whose rate
    were empty would say that its ``n`` is 0, and with the pooled row and the
    other sites, give the hidden counts of the one it protects.
    """
    hidden = safe["k"].map(is_suppressed)
    untested = ~table["pattern"].isin(TESTED)
    for column in DERIVED:
        empty = table[column].isna() & ~hidden
        if column in TESTS:
            empty |= untested
        safe[column] = safe[column].where(~empty, None)
