"""The pattern explorer: filters and a split, and the table and figure redrawn in place.

:class:`Explorer` loads the store's frames and derives them once. Each change of a
filter (site, sex, age band, duration, episode), of the pattern or of the split
then only picks the matching rows of the derived case frame and recomputes the
pattern table from those (:func:`casekit.patterns.pattern_table` leaves the
sessions and follow-ups of other cases out by itself), redraws the one figure it
keeps and writes it as SVG into an ``Image`` widget. Nothing is derived again and
no figure is created again, so an update stays interactive at 100,000 cases.

The current state is plain attributes (``table``, ``cases``, ``figure``, ``ax``,
and a widget per control), so a test or a notebook drives it headlessly by setting
``explorer.sex.value = "female"`` and reading ``explorer.table``.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

try:
    import ipywidgets as w
    from matplotlib import rc_context
    from matplotlib.figure import Figure
except ImportError as exc:  # the core runs without Jupyter; the explorer does not
    raise ImportError(
        f"casekit.ui.explore needs ipywidgets and matplotlib ({exc.name} is missing): "
        "pip install ipywidgets matplotlib 'seaborn>=0.13.2'"
    ) from exc

from ..derive import derive
from ..figures.plots import pattern_rates
from ..labels import (
    NOT_RECORDED,
    column_label,
    dictionary,
    display_values,
    interval,
    p_text,
    percent,
)
from ..patterns import PATTERNS, SMALL_N, SPLITS, pattern_table, with_adjusted_p
from ..store import Store

FILTERS = ("site", "sex", "age_band", "duration", "episode")
ALL = ""  # the value of "All" / "No split" in a dropdown (None would unselect it)
CACHED = 32  # tables kept, so that going back to a view costs nothing
MULTIPLICITY = (
    "{tests} rates are tested at once in this table, so some may look unusual by "
    "chance alone: <b>p (Holm)</b> is adjusted for all {tests} tests; read it rather "
    "than p."
)


class Explorer:
    """Filter the cases, choose a pattern and a split; the table and figure follow.

    Parameters
    ----------
    db : str or path, optional
        The store to read (``CASEKIT_DB`` or ``data/casekit.db`` by default). It is
        only read, never written. Frames given here are taken as ``frames``.
    frames : dict of DataFrame, optional
        Frames to explore instead of a store's, stored or already derived (the
        explorer keeps its own light copy).

    Attributes
    ----------
    site, sex, age_band, duration, episode : ipywidgets.Dropdown
        The filters, also by name in ``filters``; their options are
        ``(words, value)`` pairs, and the value :data:`ALL` (``""``) is "All".
    pattern : ipywidgets.Dropdown
        The pattern in the figure (``""``: all of them).
    by : ipywidgets.Dropdown
        The split (``""``: none), one of :data:`casekit.patterns.SPLITS`.
    cases : DataFrame
        The derived case frame of the cases that pass the filters.
    table : DataFrame
        Their pattern table, split by ``by``, with Holm-adjusted p-values.
    figure, ax : matplotlib Figure and Axes
        The figure, drawn again in place on every change.
    image, table_view, summary : ipywidgets
        What the page shows: the figure as SVG, the table as HTML, and a line
        saying how many cases pass the filters.
    widget : ipywidgets.VBox
        The whole explorer, to display.
    """

    ALL = ALL

    def __init__(
        self,
        db: str | os.PathLike | Mapping[str, pd.DataFrame] | None = None,
        *,
        frames: Mapping[str, pd.DataFrame] | None = None,
    ) -> None:
        if isinstance(db, Mapping):  # Explorer(frames) reads as well as frames=
            db, frames = None, db
        if frames is None:
            frames = analysis_frames(db)
        self.frames = _working_copy(frames)
        self._all_cases = self.frames["case"]
        # Each filter column as integer codes, once: a filter is then one
        # comparison of integers per column instead of one of strings.
        self._codes = {}
        for name in FILTERS:
            codes, uniques = pd.factorize(self._all_cases[name], sort=True)
            self._codes[name] = (codes, list(uniques))
        self._tables: dict[tuple, pd.DataFrame] = {}
        style = {"description_width": "initial"}
        for name in FILTERS:
            dropdown = w.Dropdown(
                options=self._filter_options(name),
                value=ALL,
                description=column_label(name),
                style=style,
                layout=w.Layout(width="auto"),
            )
            setattr(self, name, dropdown)
        self.filters = {name: getattr(self, name) for name in FILTERS}
        self.pattern = w.Dropdown(
            options=[("All patterns", ALL)] + [(p.label, p.id) for p in PATTERNS],
            value=ALL,
            description="Pattern in the figure",
            style=style,
            layout=w.Layout(width="auto"),
        )
        self.by = w.Dropdown(
            options=[("No split", ALL)] + [(column_label(s), s) for s in SPLITS],
            value=ALL,
            description="Split by",
            style=style,
            layout=w.Layout(width="auto"),
        )
        self.summary = w.HTML()
        # SVG with real text: about three times faster to write than a PNG, and
        # sharp at any zoom.
        self.image = w.Image(format="svg+xml", layout=w.Layout(max_width="100%"))
        self.table_view = w.HTML()
        # A Figure of its own, not pyplot's: the inline backend never shows it
        # behind our back, and it is drawn again, never made again.
        self.figure = Figure(figsize=(10, 5))
        self.ax = self.figure.add_subplot()
        self.cases = self._all_cases
        self.table = pd.DataFrame()
        for name in FILTERS:
            getattr(self, name).observe(self._refilter, names="value")
        self.by.observe(self._refilter, names="value")
        self.pattern.observe(lambda _change: self.draw(), names="value")
        self.widget = w.VBox(
            [
                w.HBox([getattr(self, name) for name in FILTERS], layout=_wrap()),
                w.HBox([self.pattern, self.by], layout=_wrap()),
                self.summary,
                self.image,
                self.table_view,
            ]
        )
        self.update()

    def _filter_options(self, name: str) -> list[tuple[str, str]]:
        codes, uniques = self._codes[name]
        field = dictionary()["case"][name]
        if field.codes:  # dictionary order, every code offered
            values = list(field.code_values)
        else:  # free codes such as site: those in the data, sorted
            values = [str(v) for v in uniques]
        options = [(field.label_of(v) if field.codes else v, v) for v in values]
        if (codes < 0).any():
            options.append((NOT_RECORDED, NOT_RECORDED))
        return [("All", ALL), *options]

    def _refilter(self, _change) -> None:
        self.update()

    def selected(self) -> np.ndarray:
        """Which cases pass the filters, as a boolean mask over the case frame."""
        keep = np.ones(len(self._all_cases), dtype=bool)
        for name in FILTERS:
            value = getattr(self, name).value
            if value == ALL:
                continue
            codes, uniques = self._codes[name]
            if value == NOT_RECORDED:
                keep &= codes < 0
            elif value in uniques:
                keep &= codes == uniques.index(value)
            else:  # a code no case has
                keep[:] = False
        return keep

    def update(self) -> None:
        """Filter, recompute the table, redraw: what a filter or split change does."""
        keep = self.selected()
        self.cases = self._all_cases if keep.all() else self._all_cases[keep]
        by = self.by.value or None
        state = (*(getattr(self, name).value for name in FILTERS), by)
        if state not in self._tables:
            if len(self._tables) >= CACHED:  # forget the oldest
                self._tables.pop(next(iter(self._tables)))
            table = pattern_table({**self.frames, "case": self.cases}, by=by)
            self._tables[state] = with_adjusted_p(table)
        self.table = self._tables[state]
        self.summary.value = (
            f"<b>{len(self.cases):,}</b> of {len(self._all_cases):,} cases pass the "
            "filters."
        )
        self.table_view.value = _table_html(self.table, by)
        self.draw()

    def draw(self) -> None:
        """Draw the figure again from the current table (a change of pattern)."""
        by = self.by.value or None
        rows = self.table
        if self.pattern.value != ALL:
            rows = rows[rows["pattern"] == self.pattern.value]
        self.ax.clear()
        if by is not None and self.pattern.value != ALL:
            pattern_rates(rows, y=by, ax=self.ax)  # one pattern, a bar per group
        else:
            pattern_rates(rows, hue=by, ax=self.ax)
        if self.pattern.value != ALL:
            self.ax.set_title(self.pattern.label, loc="left", fontsize=10)
        # Fixed margins in inches rather than a layout engine, which would draw
        # the figure twice.
        height = 1.2 + 0.36 * len(rows)
        self.figure.set_size_inches(10, height)
        self.figure.subplots_adjust(
            left=0.3, right=0.74, bottom=0.75 / height, top=1 - 0.45 / height
        )
        buffer = io.BytesIO()
        with rc_context({"svg.fonttype": "none"}):
            self.figure.savefig(buffer, format="svg")
        self.image.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def analysis_frames(db: str | os.PathLike | None = None) -> dict[str, pd.DataFrame]:
    """The store's frames, derived, for the analysis notebooks (read only).

    Parameters
    ----------
    db : str or path, optional
        The store (``CASEKIT_DB`` or ``data/casekit.db`` by default).

    Returns
    -------
    dict of DataFrame
        :func:`casekit.derive.derive` of the store's frames, without the
        multi-select columns (lists of codes): derive has used them, and a million
        small lists held by the kernel cost memory and make each of its garbage
        collections slow (0.45 s at 100,000 cases, against 0.03 s without).
    """
    with Store(db) as store:
        frames = store.frames()
    return _without_lists(derive(frames))


def readable(
    table: pd.DataFrame,
    by: str | None = None,
    *,
    patterns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A pattern table in words and rounded numbers, for people to read.

    Parameters
    ----------
    table : DataFrame
        A :func:`casekit.patterns.pattern_table` or ``recurrence_table``, with
        ``p_adjusted`` if :func:`casekit.patterns.with_adjusted_p` added it.
    by : str, optional
        The split column of ``table``, shown first with its values in words; by
        default the column before ``pattern`` when the table is split.
    patterns : sequence of str, optional
        Only these pattern ids (in the table's order).

    Returns
    -------
    DataFrame
        Columns ``Pattern, k / n, Rate, 95 % interval, Compared with, p,
        p (Holm), Note`` (p (Holm) only when adjusted; the split first when
        split), numbered from 1.
    """
    if by is None and table.columns[0] != "pattern":
        by = table.columns[0]
    if patterns is not None:
        table = table[table["pattern"].isin(patterns)]
    table = table.reset_index(drop=True)
    out = pd.DataFrame(index=table.index)
    if by is not None:
        out[column_label(by)] = display_values(table, by)
    out["Pattern"] = table["label"]
    out["k / n"] = [f"{k} / {n}" for k, n in zip(table["k"], table["n"], strict=True)]
    out["Rate"] = table["proportion"].map(percent)
    out["95 % interval"] = [
        interval(lo, hi)
        for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    out["Compared with"] = table["comparator"].map(percent)
    out["p"] = table["p_value"].map(p_text)
    if "p_adjusted" in table.columns:
        out["p (Holm)"] = table["p_adjusted"].map(p_text)
    out["Note"] = table["note"]
    out.index += 1
    return out


def multiplicity_note(table: pd.DataFrame) -> str:
    """What the Holm column is for, with the number of tests in ``table``."""
    return MULTIPLICITY.format(tests=int(table["p_value"].notna().sum()))


def _table_html(table: pd.DataFrame, by: str | None) -> str:
    shown = readable(table, by).drop(columns="Note")
    # The notes are long: a short warning in the row, the comparators once below.
    shown[""] = np.where(table["n"].to_numpy() < SMALL_N, "too few to read a rate", "")
    about = "".join(
        f"<li><b>{html.escape(p.label)}</b>: {html.escape(p.about)}</li>"
        for p in PATTERNS
        if p.about
    )
    return (
        f"<p>{multiplicity_note(table)}</p>"
        + shown.to_html(index=False, escape=True, border=0)
        + f"<details><summary>What each rate is held against</summary><ul>{about}"
        + "</ul></details>"
    )


def _wrap() -> w.Layout:
    return w.Layout(flex_flow="row wrap")


def _without_lists(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {
        name: frame.drop(columns=[c for c in frame.columns if frame[c].dtype == object])
        for name, frame in frames.items()
    }


def _working_copy(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Derived frames without lists, and with each case id replaced by its row
    number: the pattern table looks ids up on every update, and integers are
    looked up several times faster than strings."""
    d = dict(frames)
    if "one_sided" not in d["case"].columns:
        d = derive(d)
    d = _without_lists(d)
    ids = pd.Index(d["case"]["case_id"])
    work = {"case": d["case"].assign(case_id=np.arange(len(ids)))}
    for name in ("session", "followup"):
        work[name] = d[name].assign(case_id=ids.get_indexer(d[name]["case_id"]))
    return work
