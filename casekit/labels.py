"""The words a practitioner reads for codes, columns and numbers.

Figures, the explorer, the report and its tables all name things through these few
functions, so a label changed in ``dictionary.yaml`` changes everywhere at once and a
code is never shown where a word belongs. The dictionary is always the caller's: a
store's (:attr:`casekit.Store.dictionary`, the built-in one plus the fields of its
``dictionary.local.yaml``) wherever the data comes from a store, so a field added
there is named by its label too. Pure Python: no plotting, no widgets.
"""

from __future__ import annotations

import re
import textwrap

import pandas as pd

from .derive import UPSTREAM_REGIONS
from .dictionary import Dictionary, load_dictionary
from .disclosure import NHS, SUPPRESSED, is_suppressed

NOT_RECORDED = "Not recorded"
# What a page says where there is nothing to count yet (a practice's first week):
# what is missing, and when the figure or table will appear. A page goes on after it.
NOT_YET = {
    "case": "No case logged yet: the counts appear once the first case is logged",
    "rates": "Nothing to count yet: each rate appears once a case (or a session, or "
    "a flare) can be checked for it",
    "session": "No session logged yet: pain over the sessions appears after the "
    "first session",
    "pain": "No pain recorded at a session yet: pain over the sessions appears once "
    "a session has it",
    "one_sided": "No one-sided finding yet: the sides are compared once a case with "
    "pain on the left or the right has the finding examined",
    "outcome": "No outcome yet: improvement is counted at a follow-up 2 or more "
    "weeks after the last session",
    "onset": "No flare to time yet: when flares begin appears once a session that "
    "brought relief has a check-in",
    "duration": "No flare reported yet: how long flares last appears once one is "
    "reported",
    # A shared page of a handful of cases would tell them apart by their zeros (no
    # case not cleared, no outcome yet) and its years alone: it shows no count.
    "few": f"Fewer than {NHS.suppress_max + 1} cases in the series yet: the shared "
    f"report shows counts from {NHS.suppress_max + 1} cases on",
}


def all_withdrawn(logged: int) -> str:
    """What a page says where cases were logged but every one is withdrawn: not
    "no case logged yet", which would deny the ``logged`` cases (each withdrawn
    case is left out of every count but the report's flow)."""
    if logged == 1:
        return "No case in the series: the 1 case logged is withdrawn"
    return f"No case in the series: all {logged} cases logged are withdrawn"


def nothing_logged(logged: int) -> str:
    """What a page with no case to count says: :data:`NOT_YET` ``["case"]`` when
    nothing was logged, :func:`all_withdrawn` when all ``logged`` are withdrawn."""
    return all_withdrawn(logged) if logged else NOT_YET["case"]


def or_builtin(dictionary: Dictionary | None) -> Dictionary:
    """``dictionary``, or when None the built-in one, loaded afresh.

    For data that comes from no store (a synthetic cohort, a test): data read from a
    store is named with the store's dictionary, which alone knows its local fields.
    """
    return load_dictionary() if dictionary is None else dictionary


def column_label(column: str, dictionary: Dictionary) -> str:
    """The words for a case column, e.g. for a legend title or a split.

    Parameters
    ----------
    column : str
        A case field code (its dictionary label), or ``upstream_treated``.
    dictionary : Dictionary
        The store's dictionary (built-in plus local fields).

    Returns
    -------
    str
    """
    if column == "upstream_treated":
        regions = dictionary["session"]["regions_treated"]
        upstream = [c for c in regions.code_values if c in UPSTREAM_REGIONS]
        names = [regions.label_of(c).lower() for c in upstream]
        return f"Upstream treated ({', '.join(names[:-1])} or {names[-1]})"
    case = dictionary["case"]
    return case[column].label if column in case else column.replace("_", " ").title()


def display_values(
    frame: pd.DataFrame, column: str, dictionary: Dictionary, width: int | None = None
) -> list[str]:
    """A column's values as words, one per row, in the order of ``frame``.

    Parameters
    ----------
    frame : DataFrame
    column : str
        Codes of a case field become their dictionary labels; booleans Yes / No
        (``upstream_treated`` in words); anything missing "Not recorded"; any
        other value its text.
    dictionary : Dictionary
        The store's dictionary (built-in plus local fields).
    width : int, optional
        Wrap each text to this many characters.

    Returns
    -------
    list of str
    """
    case = dictionary["case"]
    field = case[column] if column in case else None
    words = []
    for value in frame[column].astype(object):
        if value is None or value is pd.NA or value != value:  # NaN != NaN
            text = NOT_RECORDED
        elif isinstance(value, bool) or type(value).__name__ == "bool_":
            if column == "upstream_treated":
                text = "Treated upstream" if value else "Not treated upstream"
            else:
                text = "Yes" if value else "No"
        elif field is not None and field.codes:
            text = field.label_of(value)
        else:
            text = str(value)
        words.append(textwrap.fill(text, width) if width else text)
    return words


def finding_label(form: str, field: str, dictionary: Dictionary) -> str:
    """A sided field's label as a finding: 'Old ankle injury, side' -> 'Old ankle
    injury'; 'Side of the flare' -> 'Flare'; 'pain_side' -> 'Low back pain'."""
    if (form, field) == ("case", "pain_side"):
        return "Low back pain"
    label = dictionary[form][field].label.removesuffix(", side")
    label = re.sub(r" \(.*\)", "", label.removeprefix("Side of the "))
    return label[:1].upper() + label[1:]


def percent(value: object) -> str:
    """A share as a whole percentage: 0.6086 -> '61 %'; '' when missing, ``*`` when
    suppressed."""
    if is_suppressed(value):
        return SUPPRESSED
    return "" if pd.isna(value) else f"{100 * value:.0f} %"


def interval(low: object, high: object) -> str:
    """A 95 % interval in words: '56 % to 65 %'; '' when missing, ``*`` when
    suppressed."""
    if is_suppressed(low) or is_suppressed(high):
        return SUPPRESSED
    return "" if pd.isna(low) else f"{percent(low)} to {percent(high)}"


def p_text(value: object) -> str:
    """A p-value to three decimals, '< 0.001' below that; '' when missing, ``*``
    when suppressed."""
    if is_suppressed(value):
        return SUPPRESSED
    if pd.isna(value):
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
