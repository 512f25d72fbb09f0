"""The logging app: the forms in tabs, and beside them what needs attention.

``logging_app(db)`` is all a notebook calls. The tabs are a new case, a session, a
follow-up and a second examination (:class:`EntryForm` each: a
:class:`~casekit.ui.forms.RecordForm` behind a :class:`CaseChooser`, so that a
session or follow-up starts from choosing its case in a searchable list, never from
typing an id), and a fifth tab shows one case's card
(:class:`~casekit.ui.card.CardPanel`: its whole course). Beside them (under them on a
narrow screen), the last few entries, the calls due by the follow-up schedule
(:mod:`casekit.schedule`), the flares without a side and how many cases have a
second examination, so the practitioner knows whom to call and what to ask at the
next visit. "A second examination" (the ``exam`` form) is filled blind: its case
list names no pain side, and the case's earlier exams stay hidden while a new one is
filled in. A draft left by a reload or a closed tab is laid over its form again when
the app opens, with its case and entry chosen, and its tab shown.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import threading
from typing import Any

import ipywidgets as w
from traitlets import TraitError

from ..errors import CasekitError, SettingsError
from ..schedule import due_lines
from ..store import Store, drafts, queries
from ..store.database import resolve_url
from .assist import Assist
from .card import CardPanel
from .chooser import CaseChooser
from .fold import Fold
from .forms import RecordForm

TAB_TITLES = {
    "case": "New case",
    "session": "Session",
    "followup": "Follow-up",
    "exam": "A second examination",
}
CARD_TAB = "Case card"
# A form filled blind: its case list names no pain side, and the case's earlier
# entries (their findings) stay hidden unless the examiner asks to see them.
BLIND = ("exam",)
_NEW = 0  # the entry picker's value for "a new one"
DUE_SHOWN = 20  # calls due listed beside the forms


class EntryForm:
    """A record form with its case chooser.

    A new case needs no choice (a saved one can be opened from the folded
    "Change a saved case" list). A session or follow-up starts from choosing its
    case; then a new entry is ready, or a stored one can be picked to change it.
    """

    def __init__(self, store: Store, form: str) -> None:
        self.record = RecordForm(store, form)
        self.form = self.record.form
        self.blind = form in BLIND
        self.chooser = CaseChooser(store, form, blind=self.blind)
        self._quiet = False
        self.record.new_button.on_click(lambda _b: self._start_new())
        self.record.on_saved(lambda _record: self._after_save())
        if self.form.instance is None:
            self.chooser.on_choose(self._open_case)
            self.fold = Fold(
                "Change a saved case",
                [w.HTML("Choose a case to open it for changes."), self.chooser.widget],
            )
            self.widget = w.VBox([self.record.widget, self.fold.widget])
            return
        self.entry = w.Dropdown(description="Entry", options=[])
        self.entry.add_class(f"casekit-entry-{form}")
        self.entry.observe(self._entry_chosen, names="value")
        self.chooser.on_choose(self._case_chosen)
        self.hint = w.HTML(f"<i>Choose the case above to log a {self.form.noun}.</i>")
        # Blind: the earlier exams are listed only when asked for, never while a
        # new one is being filled in.
        self.reveal = w.Checkbox(
            description="Show this case's earlier exams (you are then no longer "
            "blind to their findings)",
            value=False,
            indent=False,
            layout=w.Layout(display=None if self.blind else "none"),
        )
        self.reveal.add_class(f"casekit-reveal-{form}")
        self.reveal.observe(lambda _c: self._revealed(), names="value")
        self.body = w.VBox(
            [
                w.HTML(f"<h2>2. A new {self.form.noun}, or change a stored one</h2>"),
                self.reveal,
                self.entry,
                self.record.widget,
            ],
            layout=w.Layout(display="none"),
        )
        self.widget = w.VBox(
            [
                w.HTML("<h2>1. Choose the case</h2>"),
                self.chooser.widget,
                self.hint,
                self.body,
            ]
        )

    def refresh(self) -> None:
        """Read the case list (and the chosen case's entries) again."""
        self.chooser.refresh()
        if self.form.instance is not None and self.chooser.value is not None:
            self._fill_entries(self.chooser.value)

    def _after_save(self) -> None:
        self.refresh()
        self._start_new()

    def restore(self, draft: drafts.Draft) -> bool:
        """Open the draft's case and entry, and lay the draft over the form; False
        (and the draft forgotten) when its case or entry is no longer there."""
        try:
            # as a person would: choosing a case opens a new session of it (or the
            # stored case, to change it); choosing an entry opens it
            if self.form.instance is not None or draft.editing is not None:
                self.chooser.choose(draft.case_id)
            if self.form.instance is not None and draft.editing is not None:
                self.reveal.value = self.blind  # it was open: it was seen
                self.entry.value = draft.editing[1]
        except (CasekitError, TraitError):
            self.record.drafts.forget(draft)
            return False
        self.record.restore(draft)
        return True

    # -- a case --------------------------------------------------------------------

    def _open_case(self, case_id: str | None) -> None:
        if case_id is not None and not self._quiet:
            self.record.load(case_id)

    def _start_new(self) -> None:
        self._quiet = True
        try:
            if self.form.instance is None:
                self.chooser.choose(None)
            else:
                self.entry.value = _NEW
        finally:
            self._quiet = False

    # -- a session or follow-up ------------------------------------------------------

    def _case_chosen(self, case_id: str | None) -> None:
        self.hint.layout.display = None if case_id is None else "none"
        self.body.layout.display = "none" if case_id is None else None
        if case_id is not None:
            self._quiet = True
            try:
                self.reveal.value = False  # a new case: blind again
            finally:
                self._quiet = False
            self._fill_entries(case_id)
            self.record.new(case_id)

    def _revealed(self) -> None:
        if self._quiet or self.chooser.value is None:
            return
        self._fill_entries(self.chooser.value)
        if not self.reveal.value:  # blind again: no earlier exam stays open
            self.record.new(self.chooser.value)

    @property
    def hidden(self) -> bool:
        """Whether the case's earlier entries are hidden (a blind form)."""
        return self.blind and not self.reveal.value

    def _fill_entries(self, case_id: str) -> None:
        noun = self.form.noun
        number = queries.next_number(self.record.store, self.form, case_id)
        options = [(f"New {noun} (number {number})", _NEW)]
        stored = queries.entries(self.record.store, self.form, case_id)
        for n, day in [] if self.hidden else stored:
            options.append((f"Change {noun} {n} ({day})", n))
        self._quiet = True
        try:
            self.entry.options = options
            self.entry.value = _NEW
        finally:
            self._quiet = False

    def _entry_chosen(self, change: dict) -> None:
        if self._quiet or self.chooser.value is None:
            return
        if change["new"] == _NEW:
            self.record.new(self.chooser.value)
        else:
            self.record.load((self.chooser.value, change["new"]))


class Overview:
    """The last few entries, the calls due by the follow-up schedule and the
    flares without a side, as short lists."""

    def __init__(self, store: Store, n: int = 8, *, later: bool = False) -> None:
        self.store = store
        self.n = n
        # later: the first count of the calls due runs beside the page rather than
        # before it (0.8 s at 100,000 cases, mostly in SQLite, which lets the
        # forms' messages through meanwhile).
        self.later = later
        self.counting: threading.Thread | None = None
        self._turn = 0  # a count started before the latest refresh is not shown
        self.recent = w.HTML()
        self.recent.add_class("casekit-recent")
        self.due = w.HTML()
        self.due.add_class("casekit-due")
        self.incomplete = w.HTML()
        self.incomplete.add_class("casekit-incomplete")
        self.examined = w.HTML()
        self.examined.add_class("casekit-examined")
        self.widget = w.VBox([self.recent, self.due, self.incomplete, self.examined])
        self.refresh()

    def refresh(self) -> None:
        self._turn += 1
        self.recent.value = _list(
            "Last entries", queries.recent(self.store, self.n), "nothing logged yet"
        )
        if self.later:
            self.later = False  # only the page's first count: a save's is awaited
            self.due.value = _list("Calls due", [], "counting the calls due ...")
            self.counting = threading.Thread(
                target=self._count_due, args=(self._turn,), daemon=True
            )
            self.counting.start()
        else:
            self.due.value = self._calls_due()
        todo = queries.incomplete(self.store)
        second = queries.examined_twice(self.store)
        self.examined.value = (
            "<h3>Examined twice</h3><p>"
            f"{second} case{'s' * (second != 1)} with a second examination "
            "(the pairs examiner agreement is measured on)</p>"
        )
        self.incomplete.value = _list(
            "Flare without its side", todo["flare_without_side"], "none"
        )

    def _calls_due(self) -> str:
        try:
            table = queries.calls_due(self.store)
        except SettingsError as exc:  # a broken casekit.toml: say so, keep the forms
            calls = [f"the schedule cannot be read: {exc}"]
        else:  # the longest due first; a long list is for `casekit due`
            calls = due_lines(table.head(DUE_SHOWN))
            if len(table) > DUE_SHOWN:
                calls.append(
                    f"and {len(table) - DUE_SHOWN:,} more: `casekit due` lists them all"
                )
        return _list("Calls due", calls, "none due today")

    def _count_due(self, turn: int) -> None:
        try:
            shown = self._calls_due()
        except CasekitError as exc:  # a thread's error would be lost: show it
            shown = _list("Calls due", [f"they cannot be counted: {exc}"], "")
        if turn == self._turn:
            self.due.value = shown


def _list(title: str, items: list[str], empty: str) -> str:
    body = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return f"<h3>{html.escape(title)}</h3>" + (
        f"<ul>{body}</ul>" if items else f"<p><i>{empty}</i></p>"
    )


class LoggingApp:
    """The four forms in tabs, with the overview beside them (under them on a
    narrow screen), and the page's helper (:class:`~casekit.ui.assist.Assist`).

    Only the first tab's form is built with the page; another tab's is built when
    it is first shown (or asked for, e.g. ``app.session``, or holds a draft), so
    that the page sends the browser about 500 widgets rather than 1,200.

    Parameters
    ----------
    store : Store
    later : bool, default False
        Count the calls due beside the page rather than before it (a page served
        by ``casekit serve``): the forms appear without waiting for them.

    Attributes
    ----------
    case, session, followup, exam : EntryForm
        The forms; e.g. ``app.case.record`` is the new-case :class:`RecordForm`;
        ``exam`` is "A second examination", filled blind (:data:`BLIND`).
    card : CardPanel
        The last tab: a case's course (:mod:`casekit.ui.card`), opened from its
        own case list or from the button under the Session and Follow-up forms'
        case list.
    overview : Overview
    assist : Assist
        Carries the forms' focus requests to the browser.
    restored : list of str
        The forms whose draft was laid over them when the app opened.
    widget : ipywidgets.HBox
        What a notebook shows.
    """

    def __init__(self, store: Store, *, later: bool = False) -> None:
        self.store = store
        # Asked before anything is read: a change while the app is built shows.
        self.built_as_of = _moment(store)
        self._built: dict[str, EntryForm | CardPanel] = {}
        self.overview = Overview(store, later=later)
        self.assist = Assist()
        # One box a tab, filled when the tab is first shown.
        self._panes = {name: w.VBox() for name in (*TAB_TITLES, CARD_TAB)}
        self.tabs = w.Tab(
            list(self._panes.values()),
            titles=(*TAB_TITLES.values(), CARD_TAB),
        )
        self.tabs.add_class("casekit-main")
        self.tabs.observe(lambda _c: self._tab_shown(), names="selected_index")
        side = w.VBox(
            [
                w.HTML("<h2>At a glance</h2>"),
                self.overview.widget,
                w.HTML(f"<small>Store: {html.escape(store.where)}</small>"),
            ]
        )
        side.add_class("casekit-side")
        side.add_class("casekit-region")
        self.widget = w.HBox([self.tabs, side, self.assist])
        self.widget.add_class("casekit-app")
        self._tab_shown()
        self.restored = self._restore_drafts()

    @property
    def case(self) -> EntryForm:
        return self._entry("case")

    @property
    def session(self) -> EntryForm:
        return self._entry("session")

    @property
    def followup(self) -> EntryForm:
        return self._entry("followup")

    @property
    def exam(self) -> EntryForm:
        return self._entry("exam")

    @property
    def card(self) -> CardPanel:
        if CARD_TAB not in self._built:
            panel = CardPanel(self.store, CaseChooser(self.store, "card"))
            self._built[CARD_TAB] = panel
            self._panes[CARD_TAB].children = [panel.widget]
        return self._built[CARD_TAB]

    @property
    def forms(self) -> list[EntryForm]:
        """The forms, in the order of their tabs (each built, if it was not yet)."""
        return [self._entry(name) for name in TAB_TITLES]

    def _entry(self, name: str) -> EntryForm:
        """The form of the tab ``name``, built on first use."""
        if name in self._built:
            return self._built[name]
        entry = EntryForm(self.store, name)
        entry.record.on_saved(self.refresh)
        entry.record.removal.on_removed(self.refresh)
        entry.record.on_attention(self.assist.focus_on)
        if name in ("session", "followup"):
            opener = w.Button(
                description="Show this case's card",
                layout=w.Layout(width="auto"),
            )
            opener.add_class(f"casekit-open-card-{name}")
            opener.on_click(lambda _b: self.show_card(entry.chooser.value))
            entry.body.children = (opener, *entry.body.children)
        self._built[name] = entry
        self._panes[name].children = [entry.widget]
        return entry

    def _tab_shown(self) -> None:
        name = list(self._panes)[self.tabs.selected_index or 0]
        if name == CARD_TAB:
            self.card  # noqa: B018 (built on first use)
        else:
            self._entry(name)

    def _restore_drafts(self) -> list[str]:
        """Lay each kept draft over its form; show the tab of the latest."""
        found = []
        for index, name in enumerate(TAB_TITLES):
            draft = drafts.read(self.store, name)
            if draft is not None and self._entry(name).restore(draft):
                found.append((draft.kept_at, index, name))
        if found:
            self.tabs.selected_index = max(found)[1]
        return [name for _, _, name in sorted(found)]

    def show_card(self, case_id: str | None) -> None:
        """Show the card of ``case_id`` in its tab."""
        if case_id is None:
            return
        self.card.chooser.choose(case_id)
        self.tabs.selected_index = len(self.tabs.children) - 1

    def refresh(self, _record: Any = None) -> None:
        """Read the case lists, the card and the overview again (after any save);
        a tab not built yet reads them when it is."""
        for built in list(self._built.values()):
            built.refresh()
        self.overview.refresh()

    @property
    def current(self) -> bool:
        """Whether the store, its drafts and today's date are still as they were
        when the app was built (:func:`casekit.store.queries.as_of`)."""
        try:
            return _moment(self.store) == self.built_as_of
        except (CasekitError, OSError):  # the store cannot be read now: build again
            return False

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # The widget's own text form lists every child, case ids included.
        bundle["text/plain"] = "casekit logging app (run the cell to see the forms)"
        return bundle


def logging_app(
    db: str | os.PathLike | None = None, *, ahead: LoggingApp | w.HTML | None = None
) -> LoggingApp | w.HTML:
    """The logging app on the store ``db`` (default ``CASEKIT_DB`` or
    ``data/casekit.db``), ready to display.

    ``ahead`` is an app built earlier, e.g. by a page's kernel that Voila started
    before the page was asked for (``casekit serve``): it is returned as it is if
    nothing it shows has changed since (no save, no draft kept, the same day, the
    store's files untouched: :attr:`LoggingApp.current`), else closed and built
    again, so that a page never shows what was true an hour ago.

    A store that cannot be opened gives a short message saying what to do where the
    forms are shown (the page of `casekit serve` has no cells to run), not a
    traceback: the person using the forms may never read code.
    """
    if isinstance(ahead, LoggingApp):
        if ahead.current and ahead.store.url == resolve_url(db):
            return ahead
        ahead.store.close()
    if ahead is not None:
        _close_all(ahead.widget if isinstance(ahead, LoggingApp) else ahead)
    try:
        store = Store(db)
    except CasekitError as exc:
        if "VOILA_KERNEL_ID" in os.environ:  # set by Voila in the page's kernel
            todo = (
                "Stop <code>casekit serve</code> (Ctrl-C) and start it again: it "
                "opens or creates the store."
            )
        else:
            todo = (
                "Start JupyterLab with <code>make lab</code> (or <code>casekit "
                "lab</code>), which opens or creates the store, and run all cells "
                "again."
            )
        message = w.HTML(
            "<div style='color:#b00020'><b>The case store cannot be opened.</b> "
            f"{html.escape(str(exc))}.<br>{todo}</div>"
        )
        message.add_class("casekit-no-store")
        return message
    # A served page shows its forms first; the calls due follow a moment later.
    return LoggingApp(store, later="VOILA_KERNEL_ID" in os.environ)


def _moment(store: Store) -> tuple:
    return queries.as_of(store), dt.date.today()


def _close_all(widget: w.Widget) -> None:
    """Close a widget and every widget it holds (children, layout, style)."""
    for name in widget.keys:
        value = getattr(widget, name, None)
        for held in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(held, w.Widget):
                _close_all(held)
    widget.close()
