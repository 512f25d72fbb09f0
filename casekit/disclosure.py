"""Disclosure control: the one gate every shared table passes through.

A count of a handful of patients can identify one of them, to a colleague who knows
the practice, and so can a small count worked back from a total. The default rule is
NHS Digital's: 0 stays 0, 1 to 7 becomes ``*``, everything else is rounded to the
nearest 5. A threshold rule (suppress below 10, say, and round nothing) is an option.

Two shapes of table are shared:

- a *cross-tabulation* of counts (baseline tables, flows): small cells are suppressed
  (primary), then, wherever a row or column total would let a reader work a
  suppressed cell back, the next smallest cell of that line as well (secondary);
- a *rate table* with ``k`` of ``n`` per row (the pattern table): a row is suppressed
  when ``k``, ``n`` or the complement ``n - k`` is small, and then so are its
  proportion, interval and p-value, which would give the counts away.

Rates of rows that stay are those computed from the exact counts, beside rounded
counts; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

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
        which are suppressed with them.

    Returns
    -------
    SafeTable
        ``table`` with ``*`` for suppressed cells and rounded counts, and
        ``suppressed``: one row per suppressed cell with the reason.
    """
    if k in table.columns and n in table.columns:
        return _safe_rates(table, rule, k, n, derived)
    return _safe_crosstab(table, rule)


def _safe_rates(table, rule, k, n, derived) -> SafeTable:
    out = table.astype(object).copy()
    reasons = []
    for index, row in table.iterrows():
        counts = {k: row[k], n: row[n], f"{n} - {k}": row[n] - row[k]}
        small = [name for name, value in counts.items() if rule.is_small(value)]
        if small:
            why = f"{' and '.join(small)} from 1 to {rule.suppress_max}"
            for column in (k, n, *[c for c in derived if c in table.columns]):
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
        else:
            out.at[index, k] = safe_count(row[k], rule)
            out.at[index, n] = safe_count(row[n], rule)
    return SafeTable(out, _reasons(reasons), rule)


def _safe_crosstab(table: pd.DataFrame, rule: Rule) -> SafeTable:
    counts = table.astype(float)
    hidden = counts.apply(lambda column: column.map(rule.is_small))
    reasons = [
        (index, column, f"count from 1 to {rule.suppress_max}")
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
                candidates = values.loc[label][~line]
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


def _where(mask: pd.DataFrame) -> tuple[list, list]:
    stacked = mask.stack()
    hits = stacked[stacked].index
    return [i for i, _ in hits], [c for _, c in hits]


def _reasons(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["row", "column", "reason"])
