"""The pattern explorer: filters and a split, and the table and figure redrawn in place.

:class:`Explorer` loads the store's frames and derives them once. Each change of a
filter (site, sex, age band, duration, episode), of the pattern or of the split
then only picks the matching cases (a boolean mask over integer codes of each
filter column) and counts the pattern table of those from a
:class:`casekit.patterns.Tally` made once (which rows each pattern counts, as the
positions of their cases: a count is a gather and a ``bincount``). It redraws the
one figure it keeps and writes it as SVG into an ``Image`` widget: when only the
lengths of the bars change (a filter, the same split and pattern), it moves the
bars, intervals and ``k/n`` already drawn rather than drawing them again. Nothing
is derived again and no figure is created again, so an update stays interactive at
100,000 cases (under 0.06 s on a 2-core machine: ``benchmarks/run.py``).

The current state is plain attributes (``table``, ``cases``, ``figure``, ``ax``,
and a widget per control), so a test or a notebook drives it headlessly by setting
``explorer.sex.value = "female"`` and reading ``explorer.table``.

Every word it shows comes from the store's dictionary (the built-in one plus its
``dictionary.local.yaml``): a practice's own choice field, a kind of work say, is a
filter and a split too, named by its label with its codes in words.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

try:
    import ipywidgets as w
    from matplotlib import rc_context
    from matplotlib.container import BarContainer, ErrorbarContainer
    from matplotlib.figure import Figure
except ImportError as exc:  # the core runs without Jupyter; the explorer does not
    raise ImportError(
        f"casekit.ui.explore needs ipywidgets and matplotlib ({exc.name} is missing): "
        "pip install ipywidgets matplotlib 'seaborn>=0.13.2'"
    ) from exc

from ..derive import derive
from ..dictionary import Dictionary
from ..figures.plots import pattern_rates
from ..labels import NOT_RECORDED, column_label, or_builtin
from ..patterns import PATTERNS, SPLITS, Tally, local_splits, with_adjusted_p
from ..readable import rate_table
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
    dictionary : Dictionary, optional
        What names the fields and codes of ``frames``: give the store's
        (``store.dictionary``) for a store's frames. Reading ``db``, the store's
        own; without either, the built-in one.

    Attributes
    ----------
    site, sex, age_band, duration, episode : ipywidgets.Dropdown
        The filters, also by name in ``filters`` (with one per local choice field
        of the dictionary, :func:`casekit.patterns.local_splits`); their options
        are ``(words, value)`` pairs, and the value :data:`ALL` (``""``) is "All".
    pattern : ipywidgets.Dropdown
        The pattern in the figure (``""``: all of them).
    by : ipywidgets.Dropdown
        The split (``""``: none), one of :data:`casekit.patterns.SPLITS` or a
        local choice field.
    dictionary : Dictionary
        Every label shown comes from it.
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
        dictionary: Dictionary | None = None,
    ) -> None:
        if isinstance(db, Mapping):  # Explorer(frames) reads as well as frames=
            db, frames = None, db
        if frames is None:
            frames, dictionary = analysis(db)
        self.dictionary = or_builtin(dictionary)
        local = local_splits(self.dictionary)
        self.frames = _working_copy(frames)
        self._all_cases = self.frames["case"]
        # Which rows each pattern counts, found once: an update only counts them.
        self._tally = Tally(self.frames)
        self._keep = np.ones(len(self._all_cases), dtype=bool)
        self._drawn: tuple | None = None  # what the figure's artists show
        # Each filter column as integer codes, once: a filter is then one
        # comparison of integers per column instead of one of strings.
        self._codes = {}
        for name in (*FILTERS, *local):
            codes, uniques = pd.factorize(self._all_cases[name], sort=True)
            self._codes[name] = (codes, list(uniques))
        self._tables: dict[tuple, pd.DataFrame] = {}
        style = {"description_width": "initial"}
        self.filters = {
            name: w.Dropdown(
                options=self._filter_options(name),
                value=ALL,
                description=column_label(name, self.dictionary),
                style=style,
                layout=w.Layout(width="auto"),
            )
            for name in (*FILTERS, *local)
        }
        for name in FILTERS:  # a local field is only in `filters`: no name clash
            setattr(self, name, self.filters[name])
        self.pattern = w.Dropdown(
            options=[("All patterns", ALL)] + [(p.label, p.id) for p in PATTERNS],
            value=ALL,
            description="Pattern in the figure",
            style=style,
            layout=w.Layout(width="auto"),
        )
        splits = [(column_label(s, self.dictionary), s) for s in (*SPLITS, *local)]
        self.by = w.Dropdown(
            options=[("No split", ALL), *splits],
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
        self.table = pd.DataFrame()
        for dropdown in self.filters.values():
            dropdown.observe(self._refilter, names="value")
        self.by.observe(self._refilter, names="value")
        self.pattern.observe(lambda _change: self.draw(), names="value")
        self.widget = w.VBox(
            [
                w.HBox(list(self.filters.values()), layout=_wrap()),
                w.HBox([self.pattern, self.by], layout=_wrap()),
                self.summary,
                self.image,
                self.table_view,
            ]
        )
        self.update()

    def _filter_options(self, name: str) -> list[tuple[str, str]]:
        codes, uniques = self._codes[name]
        field = self.dictionary["case"][name]
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
        for name, dropdown in self.filters.items():
            value = dropdown.value
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

    @property
    def cases(self) -> pd.DataFrame:
        """The derived case frame of the cases that pass the filters."""
        keep = self._keep
        return self._all_cases if keep.all() else self._all_cases[keep]

    def update(self) -> None:
        """Filter, recompute the table, redraw: what a filter or split change does."""
        keep = self._keep = self.selected()
        by = self.by.value or None
        state = (*(dropdown.value for dropdown in self.filters.values()), by)
        if state not in self._tables:
            if len(self._tables) >= CACHED:  # forget the oldest
                self._tables.pop(next(iter(self._tables)))
            table = self._tally.table(None if keep.all() else keep, by=by)
            self._tables[state] = with_adjusted_p(table)
        self.table = self._tables[state]
        self.summary.value = (
            f"<b>{int(keep.sum()):,}</b> of {len(self._all_cases):,} cases pass the "
            "filters."
        )
        self.table_view.value = _table_html(self.table, by, self.dictionary)
        self.draw()

    def draw(self) -> None:
        """Draw the figure again from the current table (a change of pattern)."""
        by = self.by.value or None
        rows = self.table
        if self.pattern.value != ALL:
            rows = rows[rows["pattern"] == self.pattern.value]
        # The same bars with other lengths (a filter changed): move the artists
        # drawn before rather than draw them all again (3 times faster).
        shape = (
            by,
            self.pattern.value,
            tuple(rows["pattern"]),
            tuple(rows[by]) if by else (),
            tuple(rows["n"].to_numpy() > 0),
        )
        if shape != self._drawn or not _moved(self.ax, rows):
            self._drawn = None
            self.ax.clear()
            one = by is not None and self.pattern.value != ALL  # a bar a group
            split = {"y": by} if one else {"hue": by}
            pattern_rates(rows, **split, dictionary=self.dictionary, ax=self.ax)
            if self.pattern.value != ALL:
                self.ax.set_title(self.pattern.label, loc="left", fontsize=10)
            # Fixed margins in inches rather than a layout engine, which would
            # draw the figure twice.
            height = 1.2 + 0.36 * len(rows)
            self.figure.set_size_inches(10, height)
            self.figure.subplots_adjust(
                left=0.3, right=0.74, bottom=0.75 / height, top=1 - 0.45 / height
            )
            self._drawn = shape if (rows["n"] > 0).any() else None
        buffer = io.BytesIO()
        with rc_context({"svg.fonttype": "none"}):
            self.figure.savefig(buffer, format="svg")
        self.image.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class Analysis(NamedTuple):
    """A store's frames, derived, and the dictionary that names their fields."""

    frames: dict[str, pd.DataFrame]
    dictionary: Dictionary


def analysis(db: str | os.PathLike | None = None) -> Analysis:
    """The store's frames, derived, and its dictionary, for the analysis notebooks
    (read only): ``frames, dictionary = analysis(DB)``.

    Parameters
    ----------
    db : str or path, optional
        The store (``CASEKIT_DB`` or ``data/casekit.db`` by default).

    Returns
    -------
    Analysis
        ``frames``: :func:`casekit.derive.derive` of the store's frames, without
        the multi-select columns (lists of codes): derive has used them, and a
        million small lists held by the kernel cost memory and make each of its
        garbage collections slow (0.45 s at 100,000 cases, against 0.03 s
        without). ``dictionary``: the store's (built-in plus
        ``dictionary.local.yaml``), to name things in tables and figures.
    """
    with Store(db, read_only=True) as store:
        frames, dictionary = store.frames(), store.dictionary
    return Analysis(_without_lists(derive(frames)), dictionary)


def multiplicity_note(table: pd.DataFrame) -> str:
    """What the Holm column is for, with the number of tests in ``table``."""
    return MULTIPLICITY.format(tests=int(table["p_value"].notna().sum()))


def _moved(ax, rows: pd.DataFrame) -> bool:
    """Give the bars, intervals and ``k/n`` that :func:`pattern_rates` drew on
    ``ax`` the values of ``rows`` (the same bars, in the same order); False, with
    nothing changed, where the artists are not those expected."""
    counts = [t for t in ax.texts if t.get_gid() == "count"]
    bars = {
        bar.get_y() + bar.get_height() / 2: bar
        for c in ax.containers
        if isinstance(c, BarContainer)
        for bar in c
    }
    errors = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    centres = [t.get_position()[1] for t in counts]
    if len(counts) != len(rows) or len(errors) != 1 or not set(centres) <= set(bars):
        return False
    _line, caps, (segments, *_rest) = errors[0].lines
    value = np.nan_to_num(rows["proportion"].to_numpy(float))
    known = rows["n"].to_numpy() > 0
    if len(caps) != 2 or len(segments.get_segments()) != known.sum():
        return False
    for bar, width in zip([bars[c] for c in centres], value, strict=True):
        bar.set_width(width)
    # As draw_bars: the interval clipped at the bar's end (Wilson's bound at
    # k = 0 can sit a rounding error above 0), k/n just past the interval.
    low = value - np.clip(value - rows["ci_low"].to_numpy(float), 0, None)
    high = value + np.clip(rows["ci_high"].to_numpy(float) - value, 0, None)
    y = np.asarray(centres)[known]
    segments.set_segments(
        [[(a, c), (b, c)] for a, b, c in zip(low[known], high[known], y, strict=True)]
    )
    caps[0].set_data(low[known], y)
    caps[1].set_data(high[known], y)
    reach = np.nan_to_num(
        np.fmax(rows["ci_high"].to_numpy(float), value) + 0.015, nan=0.015
    )
    for text, end, centre, k, n in zip(
        counts, reach, centres, rows["k"], rows["n"], strict=True
    ):
        text.set_position((end, centre))
        text.set_text(f"{k}/{n}")
    return True


def _table_html(table: pd.DataFrame, by: str | None, dictionary: Dictionary) -> str:
    # The notes are long: a short warning in the row, the comparators once below.
    shown = rate_table(table, by=by, dictionary=dictionary, notes=False, small=True)
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
