"""The report's sentences that depend on the data, and the literature table.

Each function returns HTML (a :class:`~casekit.report.markup.Prose` or a
:class:`~casekit.report.markup.Shown`) in which every count of this practice went
through the report's disclosure rule and is marked ``casekit-count`` /
``casekit-kn``; published figures are marked ``casekit-published``. A year alone is
said (the intake years at most); never a calendar date.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from ..disclosure import Rule, SafeTable, is_suppressed, safe_count
from ..labels import percent
from ..patterns import PATTERNS
from ..reactions import COLUMNS, reactions
from .markup import PUBLISHED, Prose, Shown, bullets, count, shown
from .series import EXACT, CaseSeries, cases_logged


def banner(rule: Rule) -> Prose:
    """Whom this rendering is for, in one box at the top.

    Parameters
    ----------
    rule : Rule
        The report's rule: :data:`~casekit.report.series.EXACT` says "not for sharing".

    Returns
    -------
    Prose
    """
    if rule is EXACT:
        text = (
            "<b>Internal report, exact counts: not for sharing.</b> It is the "
            "practitioner's own view of the case series. To send it to a colleague "
            "or post it, render the shareable version: <code>casekit report "
            "--share</code>."
        )
        return Prose(f'<div class="casekit-banner casekit-internal">{text}</div>')
    # A * is not always a small count: a large one is hidden too wherever a total
    # would give a small one back (secondary suppression), and the banner must not
    # tell a reader that every * is small.
    star = (
        f"<b>Shareable report.</b> * is a count from 1 to {rule.suppress_max}, or "
        "a count hidden so that one cannot be worked out from the others"
    )
    text = (
        f"{star}; the other counts are rounded to the nearest {rule.round_to}; "
        "nothing on this page identifies a patient (see <i>Anonymisation</i> at "
        "the end)."
    )
    if rule.round_to == 1:
        text = f"{star}; see <i>Anonymisation</i> at the end."
    return Prose(f'<div class="casekit-banner casekit-shared">{text}</div>')


def setting(series: CaseSeries, rule: Rule) -> Prose:
    """Where the cases come from, over which years, and what the data cannot say
    about whether they were consecutive.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Prose
        The number of cases logged as the flow table shows it
        (:func:`~casekit.report.series.cases_logged`), the sites in words, the
        intake years, whether every month in between has a logged case, and that
        consecutive logging is for the practitioner to state.
    """
    where = "one practice" if series.sites <= 1 else f"{series.sites} sites, pooled"
    years = ""
    if series.years is not None:
        first, last = series.years
        years = f" in {first}" if first == last else f" from {first} to {last}"
    logged = count(cases_logged(series, rule))
    if series.continuous is None:
        gaps = ""
    elif series.continuous:
        gaps = (
            "Every calendar month from the first intake to the last has logged "
            "cases, which is what consecutive logging would look like, but does not "
            "show it."
        )
    else:
        gaps = (
            "Some calendar months between the first intake and the last have no "
            "logged case: logging may have paused, so the series may not be "
            "consecutive."
        )
    return Prose(
        f"<p>Cases logged in casekit by {where}{years}: {logged}. Each case is one "
        "episode of care for one adult with low back pain, logged at intake, at each "
        "session and at each later report (a 48-hour check-in, the next visit's "
        "history, calls at 2 and 6 weeks).</p>"
        f"<p><b>Consecutive?</b> The data cannot tell whether every patient with low "
        "back pain seen in that time was logged, nor how the logged ones were "
        f"chosen: casekit holds only the cases that were entered. {gaps} Unless the "
        "practitioner states that every eligible patient was logged, read this as a "
        "convenience series.</p>"
    )


def eligibility(series: CaseSeries, rule: Rule) -> Prose:
    """Who was counted, and in which denominators.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Prose
        A list: adults, one episode a case; red flags not cleared (safe count);
        one-sided cases for the side patterns (safe count); withdrawn and
        unexamined left out.
    """
    case = series.frames["case"]
    one_sided = pd.array(case["one_sided"], dtype="boolean").fillna(False)
    flags = case["red_flags_cleared"].isin(["no"]).sum()
    return Prose(
        bullets(
            [
                "Adults (18 or over) seen for low back pain, one episode of care a "
                "case; a person who came back for a new episode is a new case.",
                "Red flags (signs of serious disease) screened at intake; cases "
                f"where they were not cleared: {count(safe_count(flags, rule))}, "
                "still counted (care may have continued after a referral).",
                "Side patterns count one-sided cases only (pain on the left or on "
                f"the right): {count(safe_count(int(one_sided.sum()), rule))}. "
                "Pain on both sides or central pain has no side to compare.",
                "Withdrawn cases are left out of every count but the flow.",
                "A finding not examined or not asked is left out of its "
                "denominator, never counted as absent.",
            ]
        )
    )


def pattern_notes(patterns: Shown) -> Prose:
    """The multiplicity note, and what each rate is held against.

    Parameters
    ----------
    patterns : Shown
        The table of :func:`casekit.report.rates.patterns`: the note counts the
        p-values in it, the family its Holm column is adjusted over.

    Returns
    -------
    Prose
        How many rates are tested, the chance of a false alarm among them, why
        to read Holm, that the patterns were stated before counting, and each
        pattern's comparator (marked ``casekit-published``: it cites figures
        from the literature).
    """
    tests = tests_in(patterns.safe.table)
    about = [f"<b>{html.escape(p.label)}</b>: {html.escape(p.about)}" for p in PATTERNS]
    return Prose(
        f"<p><b>Several patterns at once.</b> {_family(tests)} The patterns and "
        "their comparators were stated before the counting (they are the "
        "practitioner's hunch, as written in casekit), not picked after looking at "
        "the data.</p>"
        # Published figures (Hiller's counts...), not this practice's counts.
        f'<details open class="{PUBLISHED}">'
        "<summary>What each rate is held against</summary>"
        f"{bullets(about)}</details>"
    )


def tests_in(table: pd.DataFrame) -> int:
    """How many p-values a pattern table holds: the family Holm adjusts over.

    A tested pattern without a case to count has no p-value, so a small store has
    fewer tests than :data:`~casekit.patterns.PATTERNS` names. A row a shared
    report hides (``*``) had one when its pattern is tested: only a count of 1 or
    more is hidden, and a tested rate of 1 case or more has its p-value.
    """
    tested = table["pattern"].isin([p.id for p in PATTERNS if p.tested])
    p = table["p_value"]
    present = p.map(is_suppressed) | pd.to_numeric(p, errors="coerce").notna()
    return int((tested & present).sum())


def _family(tests: int) -> str:
    """The multiplicity sentences for ``tests`` p-values."""
    planned = sum(p.tested for p in PATTERNS)
    rest = planned - tests
    waiting = (
        f" (the other {_words(rest)} tested "
        f"{'pattern has' if rest == 1 else 'patterns have'} no case to count yet)"
        if 0 < tests < planned
        else ""
    )
    if tests == 0:
        return (
            f"None of the {_words(planned)} rates tested against their comparator "
            "has a case to count yet: there is no p-value, and nothing to adjust."
        )
    if tests == 1:
        return (
            f"One rate is tested against its comparator{waiting}: with one test, "
            "the chance that it looks unusual (p below 0.05) by chance alone is "
            f"{percent(0.05)}. <b>p (Holm)</b> equals p while it is the only test "
            "(Holm 1979)."
        )
    return (
        f"{_words(tests).capitalize()} rates are tested against their comparator "
        f"on the same cases{waiting}: with {_words(tests)} tests, the chance that "
        "at least one looks unusual (p below 0.05) by chance alone is about "
        f"{percent(1 - 0.95**tests)}, even if none of the hunches held. "
        "<b>p (Holm)</b> is each p-value adjusted for all of them at once "
        "(Holm 1979): read it rather than p."
    )


def literature_table(
    patterns: Shown, recurrence: Shown, onset: Shown, duration: Shown
) -> Shown:
    """The published reactions after manual therapy, then this practice's flares.

    Parameters
    ----------
    patterns, recurrence : Shown
        Of :mod:`casekit.report.rates`: the practice's rows are their safe
        ``flare_after_care`` rows (per session, per patient).
    onset, duration : Shown
        Of :func:`casekit.report.timing.flare_windows`: the practice's timing is
        read from their safe windows ("66 % of flares began within 4 h").

    Returns
    -------
    Shown
        :func:`casekit.reactions.reactions` (published rows, marked
        ``casekit-published``), then the two rows of this practice.
    """
    published = reactions()
    rows = []
    for table, what in ((recurrence, ""), (patterns, "sessions: ")):
        safe = table.safe.table
        row = safe[safe["pattern"].str.startswith("flare_after_care")].iloc[0]
        rows.append(
            [
                "This practice",
                f"{what}{row['label'] if not what else row['label'].lower()}",
                table.frame.loc[row.name, "k / n"],
                table.frame.loc[row.name, "Rate"],
                table.frame.loc[row.name, "95 % interval"],
                _timing(onset.safe.table, duration.safe.table),
            ]
        )
    frame = pd.concat([published, pd.DataFrame(rows, columns=COLUMNS)])
    return shown(
        frame,
        SafeTable(frame, rule=recurrence.safe.rule),
        "literature",
        pairs=["k / n"],
        published_rows=range(len(published)),
        row_classes=dict.fromkeys(range(len(published)), PUBLISHED),
        caption="Reactions after manual therapy: the literature, then this practice",
    )


def anonymisation(rule: Rule, tables: Iterable[Shown]) -> Prose:
    """What the report leaves out, the disclosure rule, and how many rows carry
    a ``*``.

    Parameters
    ----------
    rule : Rule
    tables : iterable of Shown
        The report's tables, for the count of rows with a ``*``.

    Returns
    -------
    Prose
    """
    hidden = sum(t.hidden_rows for t in tables)
    removed = bullets(
        [
            "No name, contact detail, birth date or record number: casekit never "
            "stores one, and an age is a band (30-39, say).",
            "No case id, and no listing of single cases: every number is a count, "
            "a share or a median of several cases.",
            "No calendar date: times are days or hours since intake or since a "
            "session; the intake years at most.",
            "No free text: notes stay in the practitioner's store.",
        ]
    )
    if rule is EXACT:
        rule_text = (
            "<p><b>This rendering is not anonymised for sharing</b>: it shows exact "
            "counts, small ones included, for the practitioner's own use. Render "
            "<code>casekit report --share</code> to share.</p>"
        )
    else:
        rule_text = (
            f"<p>Disclosure control ({html.escape(rule.name)}; after NHS "
            "Digital): every table and figure is made from counts in which 0 stays "
            f"0, 1 to {rule.suppress_max} becomes *, and the others are rounded to "
            f"the nearest {rule.round_to}. A rate, interval or p-value of a "
            "suppressed count is suppressed too, and so is a second cell wherever a "
            "total would let a reader work a suppressed one back. Rates, intervals, "
            "p-values, examiner agreement and PABAK that are shown are computed "
            "from the rounded k / n beside them, and kappa from the table of paired "
            "calls rounded cell by cell, never from the exact counts, which they "
            "would give away. The quartiles of pain are scores some case gave, "
            "which any number of cases rounding to the one shown could give. Rows "
            f"with a * in this report: {hidden}.</p>"
        )
    return Prose(f"<p>What this report leaves out:</p>{removed}{rule_text}")


def _timing(onset: pd.DataFrame, duration: pd.DataFrame) -> str:
    """The practice's flare timing in Senstad's words, from the safe windows."""
    first, over = onset.iloc[0], duration.iloc[0]
    if is_suppressed(first["k"]) or first["n"] == 0:
        return "too few flares to time"
    began = f"{percent(first['proportion'])} of flares began within 4 h"
    if is_suppressed(over["k"]):
        return began
    return f"{began}; {percent(over['proportion'])} were over within 24 h"


def _words(number: int) -> str:
    names = "zero one two three four five six seven eight nine ten".split()
    return names[number] if number < len(names) else str(number)
