"""Record validation: every problem at once, as a tidy table.

Values arrive as text (a CSV cell, a widget) or as Python values. :func:`coerce_record`
turns them into typed values (codes, lists of codes, ints, floats, dates; missing stays
``None``, never "no" or 0) and :func:`check_record` applies the dictionary's rules. Both
return problems instead of raising, so that an import of 500 rows shows all of its 12
problems in one run; the caller raises ``ValidationFailed`` at its boundary.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import pandas as pd

from .dictionary import Dictionary, Field, Form
from .identifiers import describe, scan_text
from .privacy import site_code_problem
from .problems import PROBLEM_COLUMNS, Problem, problems_frame

# The problems' own module keeps these; they are named here too, as the API of
# validation has always had them.
__all__ = [
    "CLINICAL_WARNINGS",
    "PROBLEM_COLUMNS",
    "Problem",
    "check_record",
    "coerce_record",
    "coerce_value",
    "is_missing",
    "problems_frame",
    "read_day",
    "validate_record",
    "validate_records",
]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"([+-]?)(\d+)")
# The store keeps a whole number in an INTEGER column, 32 bits on PostgreSQL (64
# on SQLite): a larger one would not fit, and is no score or count anyone meant.
_LARGEST_WHOLE = 2**31 - 1
# The dates a clinical record may hold without an error (see _check_date).
_EARLIEST_DATE = dt.date(1900, 1, 1)
_YEAR_AHEAD = dt.timedelta(days=366)
# How spreadsheets and other tools (REDCap among them) write a yes/no answer: Excel
# and LibreOffice write a boolean cell TRUE / FALSE, some tools 1 / 0 (or 1.0).
_YES_NO = {"y": "yes", "true": "yes", "1": "yes", "1.0": "yes"}
_YES_NO |= {"n": "no", "false": "no", "0": "no", "0.0": "no"}

# Answers worth a warning although they are valid: (form, field, value, advice).
CLINICAL_WARNINGS = [
    (
        "case",
        "red_flags_cleared",
        "no",
        "red flags are not cleared: screen for serious pathology before treating",
    ),
]


def is_missing(value: Any) -> bool:
    if type(value) is str:  # most cells, most often: answer them first
        return not value.strip()
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return isinstance(value, (list, tuple)) and len(value) == 0


def coerce_value(f: Field, raw: Any) -> tuple[Any, str | None]:
    """A raw value as the field's type, or ``(None, what was expected)``."""
    if is_missing(raw):
        return None, None
    try:
        return _COERCERS[f.type](f, raw), None
    except (ValueError, TypeError) as exc:
        return None, str(exc)


def _text(f: Field, raw: Any) -> str:
    if f.short_code:  # spreadsheets capitalise: `KB` is the examiner `kb`
        return str(raw).strip().lower()
    return str(raw).strip() if f.type == "key" else str(raw)


def _date(f: Field, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime | pd.Timestamp):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    return read_day(str(raw))


def read_day(text: str) -> dt.date:
    """The day a text names as ``YYYY-MM-DD``, the one reading of a date the kit
    has (an import's cells, a form's text, ``casekit due --on``).

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD``, with a time after it as spreadsheets write a date cell
        (``2024-03-01 00:00:00``, ``2024-03-01T14:30``): the day is what is asked.

    Returns
    -------
    datetime.date

    Raises
    ------
    ValueError
        In words: not written as ``YYYY-MM-DD``, or no real calendar date
        (``2027-02-29``, ``2025-13-01``).
    """
    text = text.strip()
    if not _ISO_DATE.match(text[:10]):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        day = _calendar_day(text[:10])
    except ValueError:
        raise ValueError("expected a real calendar date as YYYY-MM-DD") from None
    if len(text) > 10:
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("expected a date as YYYY-MM-DD") from None
    return day


@functools.lru_cache(maxsize=1 << 16)
def _calendar_day(text: str) -> dt.date:
    """The day ``YYYY-MM-DD`` names, one object a day: an import's million dates
    are a few thousand days, each record kept until the write (32 bytes a date)."""
    return dt.date.fromisoformat(text)


def _code(f: Field, raw: Any) -> str:
    text = str(raw).strip()
    code = f.own_code.get(text)
    if code is not None:
        return code
    # Spreadsheets capitalise; accept a code or a label in any case.
    code = f.code_of_folded.get(text.casefold())
    if code is not None:
        return code
    # A yes/no question (a yes/no field, or a choice with yes and no, such as
    # `flare`) takes a spreadsheet's TRUE / FALSE and 1 / 0 too.
    if {"yes", "no"} <= set(f.code_values) and text.casefold() in _YES_NO:
        return _YES_NO[text.casefold()]
    raise ValueError(f"expected one of {', '.join(f.code_values)}")


def _codes(f: Field, raw: Any) -> list[str]:
    if isinstance(raw, str):  # a cell of a file: its items are text too
        chosen = {_code(f, item) for item in raw.split("|") if item.strip()}
    else:
        chosen = {_code(f, item) for item in list(raw) if not is_missing(item)}
    if not chosen:
        raise ValueError("expected codes joined by |")
    return [code for code in f.code_values if code in chosen]


def _integer(f: Field, raw: Any) -> int:
    if type(raw) is str and raw.isdecimal() and len(raw) < 10:
        return int(raw)  # most cells: what _whole would give, sooner
    number = _whole(raw)
    if abs(number) > _LARGEST_WHOLE:
        low = _LARGEST_WHOLE * -1 if f.min is None else f.min
        high = _LARGEST_WHOLE if f.max is None else f.max
        raise ValueError(
            f"expected a whole number from {_bound(low)} to {_bound(high)}"
        )
    return number


def _whole(raw: Any) -> int:
    """``raw`` as a whole number; digits are read exactly (through a float, a
    twenty-digit number would come back rounded), up to their fiftieth: one so
    long is far out of any range either way, and int() refuses 4,300 digits."""
    if isinstance(raw, bool):
        raise TypeError("expected a whole number")
    if isinstance(raw, int):
        return raw
    whole = _WHOLE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if whole:
        sign, digits = whole.groups()
        return int(sign + (digits.lstrip("0") or "0")[:50])
    number = _number(None, raw)
    if not float(number).is_integer():
        raise ValueError("expected a whole number")
    return int(number)


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# A comma that may group thousands or mark decimals: one to three digits (not a
# lone 0), a comma, three digits.
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")


def _number(f: Field | None, raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError("expected a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if _THOUSANDS.fullmatch(text):
            # 1,500: fifteen hundred in English Excel (#,##0), 1.5 where a comma
            # is the decimal mark. Guessing either way could store a wrong value.
            raise ValueError(
                "expected a number without a thousands separator: write 1500, or "
                "1.5 with a point"
            )
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as some locales write
        try:
            value = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


_COERCERS = {
    "key": _text,
    "text": _text,
    "date": _date,
    "choice": _code,
    "yesno": _code,
    "multi": _codes,
    "integer": _integer,
    "number": _number,
}


def coerce_record(
    form: Form, raw: dict[str, Any], *, source: str = "", row: int | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Typed values of one record, and a problem for each value that cannot convert."""
    record: dict[str, Any] = {}
    problems: list[Problem] = []
    place = {
        "source": source,
        "row": row,
        "form": form.name,
        "case_id": _text_or_none(raw.get("case_id")),
        "instance": _int_or_none(raw.get(form.instance)) if form.instance else None,
    }
    fields = form.by_code
    # coerce_value's steps, spelled out: this loop runs for every cell of an import.
    for name, value in raw.items():
        f = fields.get(name)
        # is_missing's first question asked here, without a call: most values are text.
        missing = not value.strip() if type(value) is str else is_missing(value)
        if missing:
            if f is not None:
                record[name] = None
            continue
        if f is None:
            problems.append(
                Problem(rule="unknown_field", field=name, value=_show(value), **place)
            )
            continue
        try:
            record[name] = _COERCERS[f.type](f, value)
        except (ValueError, TypeError) as exc:
            record[name] = None
            if str(exc):
                problems.append(
                    Problem(
                        rule="unreadable",
                        field=name,
                        value=_show(value),
                        detail=str(exc),
                        **place,
                    )
                )
    return record, problems


def check_record(
    form: Form,
    record: dict[str, Any],
    *,
    source: str = "",
    row: int | None = None,
    deny_list: Sequence[str] = (),
    reported: Collection[str] = (),
) -> list[Problem]:
    """Rule problems of one typed record: required, range, show-if, identifiers.

    ``reported`` fields already have a problem (a value that would not convert): they
    are not reported again as missing, nor used to say that another field should not
    have been given.
    """
    problems: list[Problem] = []
    case_id = record.get("case_id")
    instance = record.get(form.instance) if form.instance else None

    def add(f: Field, value: Any, rule: str, severity: str = "error", **parts) -> None:
        problems.append(
            Problem(
                rule=rule,
                source=source,
                row=row,
                case_id=case_id,
                form=form.name,
                instance=instance,
                field=f.code,
                value=_show(value),
                severity=severity,
                **parts,
            )
        )

    for f in form.ruled_fields:  # a field without a rule has nothing to check
        value = record.get(f.code)
        if value is None:
            # Most fields are not required: whether it is asked matters not then.
            if f.required and f.code not in reported and _asked(f, record):
                add(f, None, "required", label=f.label)
            continue
        shown = _asked(f, record)
        # When the answer that decides whether `f` is asked could not be read, its
        # own problem says so: "asked only when..." would guess at it.
        if not shown and f.show_if.field not in reported:
            add(
                f,
                value,
                "hidden_given",
                "warning",
                other=f.show_if.field,
                other_value=_show(record.get(f.show_if.field)),
                detail=" or ".join(f.show_if.values),
            )
        if f.type in ("integer", "number"):
            _check_range(f, value, add)
        elif f.type == "date":
            _check_date(f, value, add)
        if f.short_code and isinstance(value, str):
            why = site_code_problem(value, deny_list, noun="a short code")
            if why is not None:
                add(f, "(withheld)", "bad_code", detail=why)
        # Every text value is screened, whatever its flags: `free_text: false`
        # says a field holds a short code fit to share (as the kit's site does),
        # not that nothing identifying can be typed there; a name or a phone
        # number in it is refused like one in a note.
        elif f.type == "text" and isinstance(value, str):
            findings = scan_text(value, deny_list)
            if findings:
                add(f, "(withheld)", "identifier", detail=describe(findings))
    for form_name, code, bad, advice in CLINICAL_WARNINGS:
        if form_name == form.name and record.get(code) == bad:
            add(form[code], bad, "advice", "warning", detail=advice)
    return problems


def _asked(f: Field, record: dict[str, Any]) -> bool:
    """Whether the record's answers ask ``f`` (its show-if holds, or it has none)."""
    return f.show_if is None or f.show_if.holds(record)


def _check_range(f: Field, value: float, add) -> None:
    low, high = f.min, f.max
    if (low is not None and value < low) or (high is not None and value > high):
        add(f, value, "out_of_range", detail=_range(low, high))
        return
    soft_low, soft_high = f.soft_min, f.soft_max
    if (soft_low is not None and value < soft_low) or (
        soft_high is not None and value > soft_high
    ):
        add(f, value, "unusual", "warning", detail=_range(soft_low, soft_high))


def _check_date(f: Field, value: dt.date, add) -> None:
    """A date before 1900 or more than a year ahead is a slip of the keys (0001
    for 2001, 2300 for 2030): an error. One still to come within the year may be a
    session booked and typed early: a warning."""
    today = dt.date.today()
    latest = today + _YEAR_AHEAD
    if value < _EARLIEST_DATE or value > latest:
        add(
            f, value, "out_of_range", detail=f"a date from {_EARLIEST_DATE} to {latest}"
        )
    elif value > today:
        add(f, value, "future_date", "warning", detail=today.isoformat())


def _range(low: float | None, high: float | None) -> str:
    def fmt(x):
        return f"{x:g}"

    if low is None:
        return f"at most {fmt(high)}"
    if high is None:
        return f"at least {fmt(low)}"
    return f"{fmt(low)} to {fmt(high)}"


def validate_record(
    form: Form,
    raw: dict[str, Any],
    *,
    source: str = "",
    row: int | None = None,
    deny_list: Sequence[str] = (),
) -> tuple[dict[str, Any], list[Problem]]:
    """Coerce and check one raw record: its typed values and all its problems."""
    record, problems = coerce_record(form, raw, source=source, row=row)
    problems += check_record(
        form,
        record,
        source=source,
        row=row,
        deny_list=deny_list,
        reported={p.field for p in problems},
    )
    return record, problems


def validate_records(
    dictionary: Dictionary,
    form_name: str,
    rows: Iterable[dict[str, Any]],
    *,
    source: str = "",
    first_row: int = 1,
    deny_list: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Coerce and check many raw records; returns typed records and all problems."""
    form = dictionary[form_name]
    records, problems = [], []
    for offset, raw in enumerate(rows):
        record, found = validate_record(
            form, raw, source=source, row=first_row + offset, deny_list=deny_list
        )
        problems += found
        records.append(record)
    return records, problems


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_or_none(value: Any) -> str | None:
    return None if is_missing(value) else str(value).strip()


def _int_or_none(value: Any) -> int | None:
    """An instance number to say where a problem is, or None (a number too large
    or not whole has its own problem)."""
    try:
        number = None if is_missing(value) else _whole(value)
    except (TypeError, ValueError):
        return None
    return number if number is None or abs(number) <= _LARGEST_WHOLE else None
