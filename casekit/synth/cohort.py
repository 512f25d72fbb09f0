"""Seeded synthetic cohorts for tests, the demo, workshops and benchmarks.

Every pattern the kit counts has its true rate as a parameter of
:class:`CohortParams`, so a test (or a workshop) can check that the counting gets it
back. The defaults follow the domain brief: flare timing and incidence from the
post-treatment reaction literature (Senstad 1997, Hurwitz 2005, Eriksen 2011, Walker
2013), the ankle-injury base rate from Hiller 2012, and a modest 0.6 wherever the
brief has only the practitioner's hunch (SI opposite, same-side chains). None of it is
data about anyone: case ids come from a seeded ``random.Random``.

The awkward things real data holds are in on purpose: exams not done (``not_tested``)
or left empty, cases lost to follow-up, flares still going on, pain on both sides or
central, flares in another region, red flags not cleared. Hidden fields (``show_if``)
are always empty, and the cross-form rules of :mod:`casekit.checks` always hold.
How one case is drawn is in :mod:`casekit.synth.case` (the intake) and
:mod:`casekit.synth.course` (its sessions and follow-ups).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

from ..privacy import new_case_id
from .case import draw_case
from .course import draw_course
from .exams import draw_exams
from .params import FORMS, START, CohortParams


def cohort(
    n_cases: int,
    *,
    seed: int = 0,
    params: CohortParams | None = None,
    start: dt.date = START,
) -> dict[str, list[dict[str, Any]]]:
    """A synthetic cohort's records, not yet stored.

    Parameters
    ----------
    n_cases : int
        How many cases (episodes of care).
    seed : int, default 0
        Same seed, same records (on a given Python version: ``random`` promises
        no more).
    params : CohortParams, optional
        The true rates; default :class:`CohortParams` ().
    start : datetime.date, default 2024-01-08
        The first possible intake date.

    Returns
    -------
    dict
        ``{"case": [...], "session": [...], "followup": [...], "exam": [...]}``,
        plain dicts of field code to value, ready for ``Store.add_many``; cases
        carry their ``case_id`` and sessions, follow-ups and exams their numbers.
    """
    out: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
    for case, sessions, followups, exams in _generate(
        n_cases, seed, params, start, set()
    ):
        out["case"].append(case)
        out["session"] += sessions
        out["followup"] += followups
        out["exam"] += exams
    return out


def populate(
    store,
    n_cases: int,
    *,
    seed: int = 0,
    params: CohortParams | None = None,
    start: dt.date = START,
    batch: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write a synthetic cohort into ``store`` in batches of ``batch`` cases.

    Each batch is one ``store.add_many`` (one transaction), so an interruption leaves
    whole cases only. The records are those of ``cohort(n_cases, seed=seed, ...)``,
    except that a case id already in the store is replaced by a fresh one.

    Parameters
    ----------
    store : casekit.Store
        An open store.
    n_cases, seed, params, start
        As for :func:`cohort`.
    batch : int, default 2000
        Cases per transaction.
    progress : callable, optional
        Called as ``progress(done, total)`` in cases after each batch.

    Returns
    -------
    dict
        Records written per form: ``{"case": n, "session": ..., "followup": ...}``.
    """
    if batch < 1:
        raise ValueError(f"`batch` must be at least 1, got {batch!r}")
    for site in (params or CohortParams()).sites:  # a case's site must be listed
        store.add_site(site)
    counts = dict.fromkeys(FORMS, 0)
    pending: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
    done = 0
    for case, sessions, followups, exams in _generate(
        n_cases, seed, params, start, set(store.case_ids())
    ):
        pending["case"].append(case)
        pending["session"] += sessions
        pending["followup"] += followups
        pending["exam"] += exams
        done += 1
        if done % batch == 0 or done == n_cases:
            store.add_many(pending)
            for form in FORMS:
                counts[form] += len(pending[form])
            pending = {form: [] for form in FORMS}
            if progress is not None:
                progress(done, n_cases)
    return counts


def _generate(
    n_cases: int,
    seed: int,
    params: CohortParams | None,
    start: dt.date,
    taken: set[str],
) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    """Each case with its sessions, follow-ups and exams, one case at a time."""
    if n_cases < 0:
        raise ValueError(f"`n_cases` must be at least 0, got {n_cases!r}")
    p = params or CohortParams()
    rng = random.Random(seed)
    # Ids on their own stream, so that ids already in a store change nothing else;
    # exams on theirs, so that a cohort's other records are what they were before.
    ids = random.Random(f"{seed}:case_id")
    second_looks = random.Random(f"{seed}:exam")
    for _ in range(n_cases):
        case_id = new_case_id(taken, ids)
        taken.add(case_id)
        case = draw_case(rng, p, case_id, start)
        yield case, *draw_course(rng, p, case), draw_exams(second_looks, p, case)
