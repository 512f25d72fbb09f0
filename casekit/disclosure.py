"""Disclosure control: the one gate every shared table passes through.

A count of a handful of patients can identify one of them, to a colleague who knows
the practice, and so can a small count worked back from a total. The default rule is
NHS Digital's: 0 stays 0, 1 to 7 becomes ``*``, everything else is rounded to the
nearest 5. A threshold rule (suppress below 10, say, and round nothing) is an option.

Two shapes of table are shared:

- a *cross-tabulation* of counts (baseline tables, flows): small cells are suppressed
  (primary), then, wherever a row or column total would let a reader work a
  suppressed cell back, the next smallest cell of that line as well (secondary;
  never an empty one, which protects nothing);
- a *rate table* with ``k`` of ``n`` per row (the pattern table): a row is suppressed
  when ``k``, ``n`` or the complement ``n - k`` is small, and then so are its
  proportion, interval and p-value, which would give the counts away.

A rate table may also be split (a pattern site by site) into rows that add up to a
total shown elsewhere (the pooled row): a lone suppressed row of such a split could
be worked back from that total, so the next smallest row of the split is suppressed
too (secondary suppression, as for a cross-tabulation, never a row of 0 of 0;
``adding_up``).

Under a rule that rounds, what is shown of a rate row is computed from its *rounded*
counts (the ONS and Eurostat practice: a statistic beside a rounded count must not
undo the rounding): the proportion and its Wilson interval, the exact binomial
p-value against the row's ``comparator``, and Holm's adjusted p-values over the
family (a suppressed test counted as p = 1, which can only make the others more
cautious). A p-value without a comparator to recompute it from is suppressed.
Under a rule that does not round, the p-values shown are exact, but Holm's
adjustment still counts each suppressed test as p = 1: the exact one would say
where a hidden p-value ranks among them. Either way a suppressed row of a tested
family counts even when its counts gave no p-value (0 of 0), or the size of the
family would say how many hidden rows are empty (``tests``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import stats

SUPPRESSED = "*"


@dataclass(frozen=True)
class Rule:
    """Counts from 1 to ``suppress_max`` are suppressed; the rest rounded to the
    nearest ``round_to`` (1: not rounded)."""

    suppress_max: int = 7
    round_to: int = 5
    name: str = "NHS Digital: 1-7 suppressed, others rounded to the nearest 5"

    def is_small(self, count: float) -> bool:
        return 0 < count <= self.suppress_max

    def round(self, count: float) -> int:
        # Counts are whole numbers, so count / 5 never ends in .5: no tie to break.
        return int(round(count / self.round_to) * self.round_to)


NHS = Rule()


def threshold(minimum: int = 10) -> Rule:
    """A rule that suppresses counts from 1 to ``minimum - 1`` and rounds nothing."""
    return Rule(minimum - 1, 1, f"counts from 1 to {minimum - 1} suppressed")


@dataclass
class SafeTable:
    """A table fit to share, and what was suppressed in it and why."""

    table: pd.DataFrame
    suppressed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "column", "reason"])
    )
    rule: Rule = NHS

    @property
    def note(self) -> str:
        count = len(self.suppressed)
        cells = f"{count} cell{'s' * (count != 1)} suppressed" if count else "none"
        return f"Disclosure control ({self.rule.name}): {cells}."

    @property
    def protecting(self) -> set:
        """The rows hidden only to protect a small count elsewhere (secondary
        suppression): no count of their own is small, so a reader must not be
        told that they are."""
        why = self.suppressed
        small = why["reason"].map(is_small_reason).astype(bool)
        return set(why["row"]) - set(why.loc[small, "row"])


def small_reason(what: str, rule: Rule) -> str:
    """Why a cell is hidden for a small count of its own (primary suppression)."""
    return f"{what} from 1 to {rule.suppress_max}"


# What small_reason writes, and nothing else: a reason that names another cell
# ("could be worked back from a total") is secondary.
_SMALL_REASON = re.compile(r"[\w -]+ from 1 to \d+")


def is_small_reason(reason: str) -> bool:
    """Whether a reason of ``SafeTable.suppressed`` is a small count of the
    cell's own (:func:`small_reason`), not the protection of another cell."""
    return bool(_SMALL_REASON.fullmatch(str(reason)))


def is_suppressed(value: object) -> bool:
    """Whether a cell of a safe table was suppressed (is ``*``)."""
    return isinstance(value, str) and value == SUPPRESSED


def safe_count(count: float, rule: Rule = NHS) -> int | str:
    """One count under the rule: 0, ``*``, or rounded."""
    if pd.isna(count):
        return count
    return SUPPRESSED if rule.is_small(count) else rule.round(count)


def safe_table(
    table: pd.DataFrame,
    rule: Rule = NHS,
    *,
    k: str = "k",
    n: str = "n",
    derived: tuple[str, ...] = ("proportion", "ci_low", "ci_high", "p_value"),
    adding_up: str | None = None,
    tests: pd.Series | None = None,
) -> SafeTable:
    """Apply disclosure control to a shared table.

    Parameters
    ----------
    table
        Either a rate table with columns ``k`` and ``n`` (one row per rate), or a
        cross-tabulation whose every column is a count (row and column totals are
        assumed to be known to the reader).
    rule
        :data:`NHS` (default) or :func:`threshold`.
    k, n, derived
        For a rate table: the count columns, and the columns computed from them,
        which are suppressed with them. When ``proportion`` is among ``derived``
        and the rule rounds, the rates (``proportion``, ``ci_low``, ``ci_high``,
        ``p_value``, ``p_adjusted``) are computed afresh from the rounded counts.
    adding_up
        For a rate table: a column (``pattern``) whose rows of one value add up
        to a total the reader sees elsewhere (the pooled row of a table split by
        site); a lone suppressed row among them gets a second.
    tests
        For a rate table: which rows belong to a family of tests (a tested
        pattern's), whatever their counts; by default those with a ``p_value``.
        A suppressed row of the family counts in Holm's ``p_adjusted`` as
        p = 1, even one whose counts gave no p-value (0 of 0): were it left out,
        the size of the family, read from the adjusted p-values shown, would
        tell how many hidden rows are empty.

    Returns
    -------
    SafeTable
        ``table`` with ``*`` for suppressed cells and rounded counts, and
        ``suppressed``: one row per suppressed cell with the reason.
    """
    if k in table.columns and n in table.columns:
        if tests is None and "p_value" in table.columns:
            tests = table["p_value"].notna()
        return _safe_rates(table, rule, k, n, derived, adding_up, tests)
    return _safe_crosstab(table, rule)


def _safe_rates(table, rule, k, n, derived, adding_up=None, tests=None) -> SafeTable:
    out = table.astype(object).copy()
    hide = [c for c in derived if c in table.columns]
    reasons = []

    def suppress(index, why: str) -> None:
        for column in (k, n, *hide):
            out.at[index, column] = SUPPRESSED
            reasons.append(
                (
                    index,
                    column,
                    why
                    if column in (k, n)
                    else f"computed from a suppressed count ({why})",
                )
            )

    for index, row in table.iterrows():
        counts = {k: row[k], n: row[n], f"{n} - {k}": row[n] - row[k]}
        small = [name for name, value in counts.items() if rule.is_small(value)]
        if small:
            suppress(index, small_reason(" and ".join(small), rule))
        else:
            out.at[index, k] = safe_count(row[k], rule)
            out.at[index, n] = safe_count(row[n], rule)
    if adding_up is not None:
        for index in _second_rows(table, out[k].map(is_suppressed), adding_up, n):
            suppress(index, "could be worked back from the total of its split")
    if rule.round_to > 1 and "proportion" in hide:
        _rates_from_rounded(out, table, k, n, reasons, tests)
    elif "p_adjusted" in hide and tests is not None:
        _holm_beside_hidden(out, table, k, tests)
    return SafeTable(out, _reasons(reasons), rule)


def _second_rows(table, hidden: pd.Series, adding_up: str, n: str) -> list:
    """In each split with exactly one hidden row, the other row of smallest ``n``:
    the one whose loss costs least (Eurostat's secondary suppression); never a
    row of 0 of 0 while another is left (:func:`_protecting`)."""
    picks = []
    for _, rows in table.groupby(adding_up, sort=False, dropna=False).groups.items():
        lone = hidden.loc[rows]
        if lone.sum() == 1 and len(rows) > 1:
            sizes = _protecting(table.loc[lone.index[~lone], n].astype(float))
            picks.append(sizes.idxmin())
    return picks


def _rates_from_rounded(out, table, k, n, reasons, tests) -> None:
    """Rates, intervals and p-values of the rows shown, from their rounded counts
    (see the module's docstring); a suppressed row's test counts as p = 1."""
    shown = ~out[k].map(is_suppressed)
    rounded_k = out.loc[shown, k].astype(float).to_numpy()
    rounded_n = out.loc[shown, n].astype(float).to_numpy()
    share = stats.wilson(rounded_k, rounded_n)
    for column, values in zip(("proportion", "ci_low", "ci_high"), share, strict=True):
        if column in out.columns:
            out.loc[shown, column] = pd.Series(values, index=out.index[shown])
    if "p_value" not in out.columns:
        return
    tested = tests.to_numpy(bool)
    p = np.where(tested, 1.0, np.nan)  # a suppressed test: p = 1
    recomputed = []
    for i in np.flatnonzero(tested & shown.to_numpy()):
        index = out.index[i]
        if "comparator" in table.columns and pd.notna(table.at[index, "comparator"]):
            p[i] = stats.binomial_p(
                out.at[index, k], out.at[index, n], table.at[index, "comparator"]
            )
            out.at[index, "p_value"] = p[i]
            recomputed.append(i)
        else:  # no comparator to test the rounded counts against
            out.at[index, "p_value"] = SUPPRESSED
            reasons.append((index, "p_value", "no comparator to recompute it from"))
    if "p_adjusted" in out.columns:
        adjusted = stats.adjust(p)
        for i in np.flatnonzero(tested & shown.to_numpy()):
            index = out.index[i]
            out.at[index, "p_adjusted"] = adjusted[i] if i in recomputed else SUPPRESSED


def _holm_beside_hidden(out, table, k, tests) -> None:
    """Holm's adjusted p-values of the rows shown under a rule that does not
    round (their p-values exact), with each suppressed test at p = 1: the exact
    adjustment would tell where a hidden p-value ranks among the shown ones, and
    leaving a hidden test out, how many hidden rows gave none (0 of 0)."""
    shown = ~out[k].map(is_suppressed).to_numpy()
    tested = tests.to_numpy(bool)
    if not (tested & ~shown).any():  # nothing hidden: the exact adjustment stands
        return
    exact = pd.to_numeric(table["p_value"], errors="coerce").to_numpy(float)
    p = np.where(tested, np.where(shown, exact, 1.0), np.nan)
    adjusted = stats.adjust(p)
    for i in np.flatnonzero(tested & shown):
        out.at[out.index[i], "p_adjusted"] = adjusted[i]


def _safe_crosstab(table: pd.DataFrame, rule: Rule) -> SafeTable:
    counts = table.astype(float)
    hidden = counts.apply(lambda column: column.map(rule.is_small))
    reasons = [
        (index, column, small_reason("count", rule))
        for index, column in zip(*_where(hidden), strict=True)
    ]
    # A line (row or column) with exactly one hidden cell gives it away through its
    # total: hide the next smallest cell of that line too, until no line does.
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = hidden if axis == 1 else hidden.T
            values = counts if axis == 1 else counts.T
            for label in lines.index:
                line = lines.loc[label]
                if line.sum() != 1 or len(line) < 2:
                    continue
                candidates = _protecting(values.loc[label][~line])
                # Prefer a cell whose crossing line also has a lone hidden cell: one
                # more cell then protects two lines. Otherwise the smallest.
                crossing = (hidden if axis == 0 else hidden.T).loc[candidates.index]
                lone = crossing.sum(axis=1) == 1
                order = pd.DataFrame({"lone": ~lone, "value": candidates})
                pick = order.sort_values(["lone", "value"], kind="stable").index[0]
                cell = (label, pick) if axis == 1 else (pick, label)
                hidden.loc[cell] = True
                reasons.append((*cell, "could be worked back from a total"))
                changed = True
    out = counts.apply(lambda column: column.map(lambda c: safe_count(c, rule)))
    out = out.astype(object).mask(hidden, SUPPRESSED)
    return SafeTable(out, _reasons(reasons), rule)


def _protecting(sizes: pd.Series) -> pd.Series:
    """The candidates for a second hidden cell (or row) that protect the first.

    An empty one (0, or 0 of 0) protects nothing: it adds nothing to the total
    less the cells shown, and a reader often knows it is empty from elsewhere
    (no session after the sixth in the pain course says the band "7 or more" is
    0). Only where every candidate is empty is one of them taken: the total is
    then the hidden cell itself, which no second cell can protect (a partition's
    total is its ``n``, as small as the cell, and hidden with it).
    """
    full = sizes[sizes.astype(float) > 0]
    return full if len(full) else sizes


def _where(mask: pd.DataFrame) -> tuple[list, list]:
    stacked = mask.stack()
    hits = stacked[stacked].index
    return [i for i, _ in hits], [c for _, c in hits]


def _reasons(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["row", "column", "reason"])
