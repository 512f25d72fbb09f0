"""Teaching on made-up cases: :mod:`~casekit.workshop.exercises` (the counting),
:mod:`~casekit.workshop.view` (its figures and sliders) and
:mod:`~casekit.workshop.handout` (the notebook rendered for the room)."""
