"""The case card in the logging app: one case's course, chosen from the case list.

:class:`CardPanel` is a case chooser (the same searchable list as the forms') over
the card of :func:`casekit.card.case_card`: how the case fared, the pain over time
(:func:`casekit.figures.course.pain_over_time`, an image with its words as alt
text), the intake, every session and follow-up, the notes, and the questions
answered that the card leaves out. Lists and a
two-column table rather than wide tables, so that a phone shows it all without
scrolling sideways. The card names the case and its dates: it is for the
practitioner, and nothing shared reads it.
"""

from __future__ import annotations

import base64
import html
import io

import ipywidgets as w
from matplotlib.figure import Figure

from ..card import NOT_SHOWN, CaseCard, case_card
from ..errors import NotFound
from ..figures.course import pain_over_time
from ..store import Store, queries

EMPTY = "<p><i>Choose a case above to see its course.</i></p>"


class CardPanel:
    """A case chooser and the chosen case's card.

    Parameters
    ----------
    store : Store
    chooser : CaseChooser
        The app's searchable case list (:class:`casekit.ui.logbook.CaseChooser`),
        made for this panel.

    Attributes
    ----------
    chooser : CaseChooser
        ``chooser.choose(case_id)`` shows that case's card.
    card : CaseCard or None
        The card shown (None before a case is chosen).
    view : ipywidgets.HTML
        The card as HTML (class ``casekit-card``).
    widget : ipywidgets.VBox
    """

    def __init__(self, store: Store, chooser) -> None:
        self.store = store
        self.card: CaseCard | None = None
        self.chooser = chooser
        self.view = w.HTML(EMPTY)
        self.view.add_class("casekit-card")
        self.chooser.on_choose(lambda _case_id: self.show())
        self.widget = w.VBox(
            [w.HTML("<h2>Choose the case</h2>"), self.chooser.widget, self.view]
        )

    def refresh(self) -> None:
        """Read the case list and the chosen case again (after a save)."""
        self.chooser.refresh()
        self.show()

    def show(self) -> None:
        """Show the chosen case's card (or say to choose one)."""
        case_id = self.chooser.value
        if case_id is None:
            self.card, self.view.value = None, EMPTY
            return
        try:
            frames = queries.case_course(self.store, case_id)
        except NotFound:  # withdrawn since the list was read
            self.card, self.view.value = None, EMPTY
            return
        self.card = case_card(frames, self.store.dictionary)
        self.view.value = card_html(self.card)


def card_html(card: CaseCard) -> str:
    """The card as HTML: headings, lists and a two-column table, every value
    escaped (notes included), the figure as an embedded PNG with alt text."""
    e = html.escape
    parts = [
        f"<h3>Case {e(card.case_id)}</h3>",
        f"<p><b>How it fared:</b> {e(card.outcome_text)}</p>",
        f"<p><b>Status:</b> {e(card.status_text)}</p>",
        figure_img(card),
        "<h3>Intake</h3>",
        '<table class="casekit-card-intake"><caption class="casekit-sr">Intake of '
        f"case {e(card.case_id)}</caption><tbody>",
    ]
    for row in card.intake.itertuples(index=False):
        parts.append(
            f'<tr><th scope="row">{e(row.question)}</th><td>{e(row.answer)}</td></tr>'
        )
    parts.append("</tbody></table>")
    for title, frame in (("Sessions", card.sessions), ("Follow-ups", card.followups)):
        parts.append(f"<h3>{title} ({len(frame)})</h3>")
        if frame.empty:
            parts.append("<p><i>none yet</i></p>")
            continue
        items = []
        for row in frame.to_dict("records"):
            (name, number), *rest = row.items()
            said = "; ".join(f"{e(k)}: {e(str(v))}" for k, v in rest if v)
            items.append(f"<li><b>{e(name)} {number}</b>: {said}</li>")
        css = f"casekit-card-{title.lower()}"
        parts.append(f'<ul class="{css}">{"".join(items)}</ul>')
    if card.notes:
        parts.append("<h3>Notes</h3><ul>")
        parts += [
            f"<li><b>{e(where)}</b>: {e(text)}</li>"
            for where, text in card.notes.items()
        ]
        parts.append("</ul>")
    if card.unshown:
        parts.append(f'<h3>{NOT_SHOWN}</h3><ul class="casekit-card-unshown">')
        parts += [
            f"<li><b>{e(where)}</b>: {e('; '.join(questions))}</li>"
            for where, questions in card.unshown.items()
        ]
        parts.append("</ul>")
    return "".join(parts)


def figure_img(card: CaseCard) -> str:
    """The pain-over-time figure as an ``<img>`` with alt text saying what it
    shows (drawn without pyplot: nothing is left open, nothing shown twice)."""
    figure = Figure(figsize=(7, 3.2), layout="constrained")
    pain_over_time(card, ax=figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<img class="casekit-card-figure" alt="{html.escape(describe(card))}" '
        f'src="data:image/png;base64,{data}">'
    )


def describe(card: CaseCard) -> str:
    """The figure in words, for a screen reader."""
    pain = card.pain
    if pain.empty:
        return f"Pain over time of case {card.case_id}: no pain recorded yet."
    first, last = pain.iloc[0], pain.iloc[-1]
    sessions, flares = len(card.session_days), len(card.flares)
    return (
        f"Pain over time of case {card.case_id}: {_count(len(pain), 'pain score')} "
        f"from {first['nprs']:g} on day {first['day']} to {last['nprs']:g} on day "
        f"{last['day']}; {_count(sessions, 'session')} and {_count(flares, 'flare')} "
        "marked."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
