"""How the report shows its tables and sentences: HTML whose every count is marked.

Every number that counts patients, sessions or flares of this practice sits in an
element of class ``casekit-count`` (one count) or ``casekit-kn`` (``k / n``), and a
published figure from the literature in ``casekit-published``; every table has the
class ``casekit-table``. A test (or a sceptical reader with a browser's inspector)
can then read back each count of a shared page and check that it is 0, ``*`` or
rounded, without guessing which numbers are counts. Pure Python and pandas: no
widgets, no plotting.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..disclosure import SUPPRESSED, SafeTable
from ..readable import cell_text

COUNT, KN, PUBLISHED = "casekit-count", "casekit-kn", "casekit-published"
NUMBER = "casekit-number"  # a rate, interval or p-value: kept on one line
NUMBER_COLUMNS = ("Rate", "Share", "95 % interval", "p", "p (Holm)", "Compared with")


@dataclass
class Shown:
    """A table as the report shows it, and the safe numbers it was made from.

    Attributes
    ----------
    frame : DataFrame
        What is shown: words and numbers, one cell a value, in order.
    safe : SafeTable
        The numbers behind it after disclosure control (exact counts under
        :data:`casekit.report.series.EXACT`); figures are drawn from ``safe.table``.
    classes : DataFrame
        A class name per cell of ``frame`` (``""`` for none).
    name : str
        Added to the table's classes as ``casekit-<name>``.
    caption, notes : str
        Said above and below the table (``notes`` may hold HTML).
    row_keys : list of str, optional
        Written on each row as ``data-key``, e.g. the pattern id.
    row_classes : dict of int to str
        A class for some rows (by position): ``casekit-total`` (bold),
        ``casekit-group`` (the first row of a group: a line above it).
    """

    frame: pd.DataFrame
    safe: SafeTable
    classes: pd.DataFrame
    name: str
    caption: str = ""
    notes: str = ""
    row_keys: list[str] | None = None
    row_classes: dict[int, str] = field(default_factory=dict)

    @property
    def hidden_rows(self) -> int:
        """How many rows show a ``*`` somewhere."""
        return int(self.frame.isin([SUPPRESSED]).any(axis=1).sum())

    def _repr_html_(self) -> str:
        return to_html(self)


def shown(
    frame: pd.DataFrame,
    safe: SafeTable,
    name: str,
    *,
    counts: Iterable[str] = (),
    pairs: Iterable[str] = (),
    published_rows: Iterable[int] = (),
    **options,
) -> Shown:
    """A :class:`Shown` whose cells are classed by what they hold.

    Parameters
    ----------
    frame : DataFrame
        What is shown.
    safe : SafeTable
        The safe numbers it was made from.
    name : str
        For the table's class ``casekit-<name>``.
    counts, pairs : iterable of str
        Columns holding one count a cell (``casekit-count``) and ``k / n``
        (``casekit-kn``). Rates, intervals and p-values are ``casekit-number``.
    published_rows : iterable of int
        Rows (positions) whose counts are published figures, not this
        practice's: their count cells are ``casekit-published`` instead.
    **options
        ``caption``, ``notes``, ``row_keys``, ``row_classes`` of :class:`Shown`.

    Returns
    -------
    Shown
    """
    frame = frame.reset_index(drop=True)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in NUMBER_COLUMNS:
        if column in classes.columns:
            classes[column] = NUMBER
    for column in counts:
        classes[column] = COUNT
    for column in pairs:
        classes[column] = KN
    for row in published_rows:
        mine = classes.columns[classes.iloc[row].isin([COUNT, KN])]
        classes.loc[row, mine] = PUBLISHED
    return Shown(frame, safe, classes, name, **options)


def to_html(table: Shown) -> str:
    """The table as HTML.

    Parameters
    ----------
    table : Shown

    Returns
    -------
    str
        ``<table class="casekit-table casekit-<name>">`` with a caption, a head
        and one ``<tr>`` a row (its ``data-key`` and class when given), each
        cell escaped and classed; then the notes.
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.frame.columns)
    rows = []
    for i, values in enumerate(table.frame.itertuples(index=False)):
        cells = []
        for column, value in zip(table.frame.columns, values, strict=True):
            css = table.classes.at[i, column]
            attr = f' class="{css}"' if css else ""
            cells.append(f"<td{attr}>{html.escape(cell_text(value))}</td>")
        key = f' data-key="{html.escape(table.row_keys[i])}"' if table.row_keys else ""
        css = table.row_classes.get(i)
        kind = f' class="{css}"' if css else ""
        rows.append(f"<tr{key}{kind}>{''.join(cells)}</tr>")
    caption = (
        f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    )
    notes = f'<div class="casekit-notes">{table.notes}</div>' if table.notes else ""
    return (
        f'<table class="casekit-table casekit-{table.name}">{caption}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{notes}"
    )


def count(value: object) -> str:
    """One count of this practice as marked HTML.

    Parameters
    ----------
    value : int or str
        A safe count (0, ``*`` or rounded; exact in the full report).

    Returns
    -------
    str
        ``<span class="casekit-count">value</span>``.
    """
    return f'<span class="{COUNT}">{html.escape(cell_text(value))}</span>'


@dataclass
class Prose:
    """A paragraph (or several) of HTML, shown as it is."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def bullets(items: Sequence[str]) -> str:
    """An HTML list of ``items`` (already HTML)."""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
