"""A case chooser: the newest cases of the store, and a search that asks the store.

:class:`CaseChooser` is how every form of the logging app (and its case card)
starts: a session or follow-up is never begun by typing an id. Its line for a case
('K7Q2XM · intake 2025-03 · Right pain · 2 sessions', no side when filled blind) is
built in SQL by :func:`casekit.store.queries.case_list`, so that the search runs in
the store and a page of a store of 100,000 cases lists 50 of them, not all.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from ..errors import CasekitError
from ..store import Store, queries

LISTED = 50  # cases a chooser lists before a search narrows them


class CaseChooser:
    """A searchable list of the store's cases: id, intake month, pain side and
    number of sessions. ``value`` is the chosen case id (None before a choice).

    It lists the :data:`LISTED` newest cases; a search asks the store for the
    cases whose words hold every word typed, so that a store of 100,000 cases is
    never read whole to build a page. A case chosen stays listed (first),
    whatever is searched: looking for another case never drops the choice, nor
    hides the entry half typed for it."""

    def __init__(self, store: Store, name: str, *, blind: bool = False) -> None:
        self.store = store
        self.blind = blind
        self.search = w.Text(
            description="Find a case",
            placeholder="case id, month (2025-03), side, ...",
        )
        self.search.add_class(f"casekit-search-{name}")
        self.list = w.Select(description="Case", options=[], rows=6)
        self.list.add_class(f"casekit-chooser-{name}")
        self.more = w.HTML()
        self.more.add_class(f"casekit-more-{name}")
        self.widget = w.VBox([self.search, self.list, self.more])
        self.widget.add_class("casekit-chooser")
        self._callbacks: list[Callable[[str | None], None]] = []
        self._quiet = False
        self.value: str | None = None
        self.search.observe(lambda _c: self._filter(), names="value")
        self.list.observe(self._picked, names="value")
        self.refresh()

    @property
    def options(self) -> list[tuple[str, str]]:
        """``(label, case_id)`` pairs now listed (after the search)."""
        return list(self.list.options)

    def refresh(self) -> None:
        """Read the case list again, keeping the search and the choice."""
        self._filter()

    def choose(self, case_id: str | None) -> None:
        """Choose a case (None to clear the choice)."""
        if case_id is not None and case_id not in dict(map(reversed, self.options)):
            if queries.case_list(self.store, ids=[case_id], blind=self.blind).empty:
                raise CasekitError(f"case {case_id!r} is not in the list")
            self._quiet = True
            try:
                self.search.value = ""
            finally:
                self._quiet = False
            self._filter(also=case_id)  # listed first, the search cleared
        self.list.value = case_id

    def on_choose(self, callback: Callable[[str | None], None]) -> None:
        self._callbacks.append(callback)

    def _filter(self, also: str | None = None) -> None:
        if self._quiet:
            return
        words = self.search.value.split()
        found = queries.case_list(self.store, words, limit=LISTED + 1, blind=self.blind)
        listed = found.head(LISTED)
        # The case chosen (or about to be) stays listed, whatever is searched.
        wanted = {also, self.value} - {None} - set(listed["case_id"])
        if wanted:
            chosen = queries.case_list(self.store, ids=wanted, blind=self.blind)
            listed = pd.concat([chosen, listed], ignore_index=True)
        options = list(zip(listed["label"], listed["case_id"], strict=True))
        if len(found) > LISTED:
            self.more.value = (
                f"<small>The {LISTED} newest{' found' * bool(words)} are listed: "
                "type more of a case id, a month or a side to find others.</small>"
            )
        else:
            self.more.value = ""
        self._quiet = True
        try:
            self.list.options = options
            keep = self.value if self.value in {v for _, v in options} else None
            self.list.value = keep
        finally:
            self._quiet = False
        if keep != self.value:
            self._picked({"new": keep})

    def _picked(self, change: dict) -> None:
        if self._quiet or change["new"] == self.value:
            return
        self.value = change["new"]
        for callback in self._callbacks:
            callback(self.value)
