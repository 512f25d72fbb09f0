"""A rate table in the words people read: the one renderer of rates for people.

A rate table is what :mod:`casekit.patterns`, :mod:`casekit.chain`, the report and the
workshop count: one row a rate, with ``k, n, proportion, ci_low, ci_high`` and, where
there are, ``comparator, p_value, p_adjusted, note`` and a split column. In a table
made safe to share (:func:`casekit.disclosure.safe_table`) a suppressed cell is ``*``,
and it stays ``*`` here. The command line's text, the explorer's table, the
workshop's tables, the report's tables and the literature table are all
:func:`rate_table`, so a rate reads the same wherever it is shown. Pure pandas: no
widgets, no plotting.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd

from .dictionary import Dictionary
from .disclosure import SUPPRESSED, is_suppressed
from .labels import column_label, display_values, interval, or_builtin, p_text, percent
from .patterns import PATTERNS, RECURRENCE, SMALL_N

# Patterns whose comparator is a published figure, shown beside the rate, not tested.
LITERATURE = frozenset(
    p.id for p in (*PATTERNS, *RECURRENCE) if p.comparator is not None and not p.tested
)


def rate_table(
    table: pd.DataFrame,
    first: str | None = "Pattern",
    labels: Sequence[str] | None = None,
    *,
    by: str | None = None,
    dictionary: Dictionary | None = None,
    patterns: Sequence[str] | None = None,
    tests: bool = True,
    notes: bool = True,
    small: bool = False,
    protecting: Collection = (),
) -> pd.DataFrame:
    """A rate table in words and whole percentages, numbered from 1.

    Parameters
    ----------
    table : DataFrame
        ``k, n, proportion, ci_low, ci_high`` (``*`` where suppressed), and any of
        ``comparator, p_value, p_adjusted, note``, a split column and ``pattern``:
        e.g. a :func:`casekit.patterns.pattern_table` (with ``p_adjusted`` if
        :func:`casekit.patterns.with_adjusted_p` added it), or its safe table.
    first : str or None, default "Pattern"
        The heading of the column of words naming each rate; None for none.
    labels : sequence of str, optional
        Those words, one per row of ``table``; by default its ``label`` column.
    by : str, optional
        The split column of ``table``, shown first with its values in words; by
        default the column before ``pattern`` when a pattern table is split.
    dictionary : Dictionary, optional
        Names the split and its values: the store's, whenever ``table`` comes from
        a store (the built-in one knows no local field); the built-in one if None.
    patterns : sequence of str, optional
        Only these pattern ids (in the table's order).
    tests : bool, default True
        Show ``Compared with`` (``(literature)`` after a published figure that is
        not tested), ``p`` and ``p (Holm)``, those the table has.
    notes : bool, default True
        Show ``Note`` if the table has one.
    small : bool, default False
        End with an unnamed column: a word on a small denominator (:func:`few`).
    protecting : collection, optional
        Rows (labels of ``table``) hidden only to protect a small count elsewhere
        (:attr:`casekit.disclosure.SafeTable.protecting`): their word says so,
        not that they are too few.

    Returns
    -------
    DataFrame
        The split (headed by its label), ``first``, ``k / n``, ``Rate``, ``95 %
        interval``, then as asked ``Compared with``, ``p``, ``p (Holm)``, ``Note``
        and the small-denominator word; indexed 1, 2, ...
    """
    if by is None and "pattern" in table.columns and table.columns[0] != "pattern":
        by = table.columns[0]
    names = (
        None if first is None else list(table["label"] if labels is None else labels)
    )
    if patterns is not None:
        keep = table["pattern"].isin(patterns).to_numpy()
        table = table[keep]
        if names is not None:
            names = [x for x, kept in zip(names, keep, strict=True) if kept]
    guarding = table.index.isin(list(protecting))
    table = table.reset_index(drop=True)
    out = pd.DataFrame(index=table.index)
    if by is not None:
        words = or_builtin(dictionary)
        out[column_label(by, words)] = display_values(table, by, words)
    if names is not None:
        out[first] = names
    out["k / n"] = [pair(k, n) for k, n in zip(table["k"], table["n"], strict=True)]
    out["Rate"] = [percent(v) for v in table["proportion"]]
    ends = zip(table["ci_low"], table["ci_high"], strict=True)
    out["95 % interval"] = [interval(low, high) for low, high in ends]
    if tests and "comparator" in table.columns:
        out["Compared with"] = _compared(table)
    for column, heading in (("p_value", "p"), ("p_adjusted", "p (Holm)")):
        if tests and column in table.columns:
            out[heading] = [p_text(v) for v in table[column]]
    if notes and "note" in table.columns:
        out["Note"] = table["note"].to_numpy()
    if small:
        words = [few(n) for n in table["n"]]
        out[""] = [PROTECTING if g else w for w, g in zip(words, guarding, strict=True)]
    out.index += 1
    return out


def pair(k: object, n: object) -> str:
    """``k / n`` as shown: ``*`` when either is suppressed, '' when one is missing."""
    if is_suppressed(k) or is_suppressed(n):
        return SUPPRESSED
    if pd.isna(k) or pd.isna(n):
        return ""
    return f"{cell_text(k)} / {cell_text(n)}"


# A row hidden by secondary suppression: its own counts may be large.
PROTECTING = "hidden to protect a small count elsewhere"


def few(n: object) -> str:
    """A word about a small denominator, read from the ``n`` shown: below
    :data:`casekit.patterns.SMALL_N` it is too few to read a rate from."""
    if is_suppressed(n):
        return "too few to show"
    if pd.isna(n) or n == 0:
        return "none to count"
    return "too few to read a rate" if n < SMALL_N else ""


def cell_text(value: object) -> str:
    """A cell as text: '' when missing, a whole float without its '.0'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compared(table: pd.DataFrame) -> list[str]:
    ids = table["pattern"] if "pattern" in table.columns else [None] * len(table)
    return [
        "" if pd.isna(c) else percent(c) + (" (literature)" * (p in LITERATURE))
        for p, c in zip(ids, table["comparator"], strict=True)
    ]
