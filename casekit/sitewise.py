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

from .disclosure import NHS, Rule, SafeTable, safe_table
from .patterns import pattern_table, with_adjusted_p
from .privacy import neutral_sites

# What is computed from a rate's counts, and so hidden with them.
DERIVED = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")


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
        rows never one site alone (a value
        that was never computed, such as the p-value of a descriptive rate, stays
        empty).
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
    safe = safe_table(table, rule, derived=DERIVED, adding_up="pattern")
    # A p-value that was never computed (a descriptive rate) hides nothing: it
    # stays empty rather than `*`, so that no test is shown where none was made.
    for column in DERIVED:
        safe.table[column] = safe.table[column].where(table[column].notna(), None)
    return safe
