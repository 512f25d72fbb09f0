"""Seeded synthetic cohorts for tests, the demo, workshops and benchmarks.

:mod:`~casekit.synth.params` holds the true rates (:class:`CohortParams`),
:mod:`~casekit.synth.case` how one intake is drawn, :mod:`~casekit.synth.course` its
sessions and follow-ups, and :mod:`~casekit.synth.cohort` a whole cohort, written to
a store with :func:`populate`.
"""

from .cohort import cohort, populate
from .params import CohortParams

__all__ = ["CohortParams", "cohort", "populate"]
