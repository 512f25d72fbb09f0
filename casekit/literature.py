"""Published figures to hold a practice's own numbers against, each with its source.

This is the one place a number from the literature is typed: the patterns' comparators
and notes, the synthetic cohorts' defaults, the report's timing windows and the
workshop take theirs from here. The figures are those of the domain brief, with only
what each study reports: counts where it gives counts, else its percentage.

Pure data: this module imports nothing from casekit, so anything may import it.
Setting a practice's own rates beside these is :mod:`casekit.reactions`.
"""

from __future__ import annotations

from typing import NamedTuple


class Study(NamedTuple):
    """One published figure: counts when reported (else ``rate``), and its timing."""

    source: str
    counted: str
    k: int | None
    n: int | None
    rate: float | None
    timing: str

    @property
    def share(self) -> float:
        """The reported share: ``k / n`` where counts are given, else ``rate``."""
        return self.k / self.n if self.k is not None else self.rate


def _percent(share: float) -> str:
    # Not casekit.labels.percent: this module stays a leaf.
    return f"{100 * share:.0f} %"


# -- reactions after manual therapy -------------------------------------------------

# Senstad 1997: 1058 patients, 4712 treatments; 55 % had one reaction or more, 64 %
# of reactions began within 4 h and 74 % were gone within 24 h.
SENSTAD_PATIENTS, SENSTAD_TREATMENTS = 1058, 4712
SENSTAD_REACTED = 0.55
SENSTAD_WITHIN_4H = 0.64
SENSTAD_GONE_24H = 0.74
# Walker 2013 (OUCH, a blinded trial): reactions with usual care and with sham care.
WALKER_USUAL = 0.42
WALKER_SHAM = 0.33

SENSTAD = Study(
    "Senstad 1997",
    f"patients with 1+ reaction ({SENSTAD_PATIENTS} patients, {SENSTAD_TREATMENTS} "
    "treatments)",
    None,
    SENSTAD_PATIENTS,
    SENSTAD_REACTED,
    f"{_percent(SENSTAD_WITHIN_4H)} began within 4 h; {_percent(SENSTAD_GONE_24H)} "
    "gone within 24 h; onset later than the next day unusual",
)
CAGNIE = Study(
    "Cagnie 2004",
    "patients with a reaction",
    283,
    465,
    None,
    "most within 4 h, gone within 24 h",
)
HURWITZ = Study(
    "Hurwitz 2005", "patients with a reaction", 85, 280, None, "within 24 h"
)
ERIKSEN_INTENSE = 56  # of Eriksen's 1090: intense reactions (NRS 8+)
ERIKSEN = Study(
    "Eriksen 2011",
    f"patients with a reaction (intense, NRS 8+: {ERIKSEN_INTENSE} of 1090)",
    338,
    1090,
    None,
    "within 24 h",
)
RUBINSTEIN_SEVERE = 0.13
RUBINSTEIN = Study(
    "Rubinstein 2007",
    "patients with a reaction over the first 3 visits "
    f"({_percent(RUBINSTEIN_SEVERE)} severe)",
    None,
    None,
    0.56,
    "reaction: a new complaint or > 30 % worse on the 0-10 scale",
)
WALKER_USUAL_CARE = Study(
    "Walker 2013 (OUCH)", "usual care, blinded trial", None, None, WALKER_USUAL, ""
)
WALKER_SHAM_CARE = Study(
    "Walker 2013 (OUCH)", "sham treatment, blinded trial", None, None, WALKER_SHAM, ""
)
REACTIONS: tuple[Study, ...] = (
    SENSTAD,
    CAGNIE,
    HURWITZ,
    ERIKSEN,
    RUBINSTEIN,
    WALKER_USUAL_CARE,
    WALKER_SHAM_CARE,
)
# The studies that count patients with any reaction within 24 h, for the range
# "30-61 % of patients react after manual therapy".
PATIENTS_REACTING = (HURWITZ, ERIKSEN, CAGNIE)

# -- base rates and thresholds ------------------------------------------------------

# Hiller 2012: of 751 adults in the community, 342 had had an ankle injury without
# lasting problems and 178 a chronic ankle disorder.
HILLER_ADULTS = 751
HILLER_NO_LASTING_PROBLEM, HILLER_CHRONIC = 342, 178
HILLER_INJURED = HILLER_NO_LASTING_PROBLEM + HILLER_CHRONIC
ANKLE_BASE_RATE = HILLER_INJURED / HILLER_ADULTS  # 0.692
# Ostelo 2008: a clinically important change in NPRS is a drop of 2 points or more
# and of 30 % or more, kept in integers because 0.3 * 10 is not 3.0 in floating point.
IMPORTANT_POINTS = 2
IMPORTANT_TENTHS = 3

# -- how far two examiners agree on palpation of the pelvis -----------------------


class Agreement(NamedTuple):
    """A published inter- (or intra-) examiner agreement, as the study reports it;
    ``kappa_low`` and ``kappa_high`` bound its kappas between examiners."""

    source: str
    what: str
    agreement: str
    kappa: str
    kappa_low: float | None
    kappa_high: float | None


RIDDLE = Agreement(
    "Riddle & Freburger 2002",
    "composite of 4 SIJ symmetry / movement tests (65 patients, 11 clinics)",
    "60-69 %",
    "0.11 to 0.23",
    0.11,
    0.23,
)
HOLMGREN = Agreement(
    "Holmgren & Waling 2008",
    "static palpation of L5, sacral sulci, ILA (25 patients, 2 examiners)",
    "40-44 %",
    "0.11 to 0.17 (medial malleoli 0.28)",
    0.11,
    0.17,
)
OHAIRE = Agreement(
    "O'Haire & Gibbons 2000",
    "static palpation of PSIS, sacral sulcus, ILA (10 examiners)",
    "",
    "0.04 to 0.08 between examiners; 0.21-0.33 same examiner",
    0.04,
    0.08,
)
ROBINSON = Agreement(
    "Robinson 2007",
    "palpation of SIJ motion restriction",
    "",
    "very poor, some below chance",
    None,
    None,
)
RIBEIRO = Agreement(
    "Ribeiro 2021",
    "standing / sitting flexion test (30 people, 5 raters)",
    "10 % / 13 %",
    "-0.02 / 0.01 (same rater 0.43 / 0.38)",
    -0.02,
    0.01,
)
EXAMINER_AGREEMENT: tuple[Agreement, ...] = (
    RIDDLE,
    HOLMGREN,
    OHAIRE,
    ROBINSON,
    RIBEIRO,
)
# What a practice that has not measured its own agreement may assume of an SI call.
SI_PALPATION = RIDDLE
