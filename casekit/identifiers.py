"""Scan free-text clinical notes for anything that looks like an identifier.

casekit keeps anonymised cases, but free text is where identity leaks back in: a
practitioner types a phone number to call back, a GP's name, a date of birth. Every
free-text field is therefore scanned offline on every save and import, and any finding
refuses the save and is named back to the practitioner (see :func:`describe`).

What is looked for: e-mail addresses, URLs and bare domains, phone numbers, NHS
numbers (modulus-11 checked), US social security and UK national insurance numbers,
UK (upper case only), Canadian and Dutch postcodes, US ZIP codes and any other
standalone 5-digit number, runs of 6+ digits, ID-like letter/digit codes, calendar
dates, exact ages, names after a title (``Dr Khan``) and the practitioner's own
deny-list of names.

The scan errs on the side of refusing: a false positive costs the practitioner a
rewording, a false negative leaks. The rules are tuned only so far that ordinary
clinical shorthand (``L4-5``, ``NPRS 7/10``, ``BP 120/80``, ``S1 2nd visit``) passes.

A year on its own ("C-section 2015", "since 2019") is deliberately *not* a finding: a
year alone is coarse, it is clinically useful, and these notes never leave the local
store (shared extracts drop free text altogether). A year next to a month is a date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_I = re.IGNORECASE


@dataclass(frozen=True)
class Finding:
    """One identifier-like span of a text: what it looks like and where it is."""

    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    accept: Callable[[str], bool] | None = None  # extra test a regex cannot express


def _nhs_valid(text: str) -> bool:
    # Modulus 11: weights 10..2 on the first nine digits; a result of 10 is never
    # issued, so such numbers fall through to the phone / digit-run rules.
    digits = [int(c) for c in text if c.isdigit()]
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
    return (0 if check == 11 else check) == digits[9]


def _enough_phone_digits(text: str) -> bool:
    return sum(c.isdigit() for c in text) >= 9


def _plausible_date(text: str) -> bool:
    a, b, c = (int(p) for p in re.split(r"[./-]", text))
    if a > 31:  # year first: 2021-03-12
        return 1 <= b <= 12 and 1 <= c <= 31
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


_SPINAL_LEVEL = re.compile(r"[CTLS]\d{1,2}|\d{1,2}", _I)


def _id_like(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    if letters + digits < 8 or letters < 2 or digits < 4:
        return False
    # A chain of spinal levels ("L3-L4-L5-S1") is anatomy, not a member number.
    return not all(_SPINAL_LEVEL.fullmatch(p) for p in text.split("-"))


# Abbreviations need a trailing \b so that "marching" or "decade" never match.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?)\b"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
# "dec 20 deg" is "decreased by 20 degrees", not 20 December: a unit after the number
# vetoes the month-first reading.
_NOT_UNIT = (
    r"(?!\.\d|[\w/%°]|\s*(?:deg|°|%|x\b|[ck]?m\b|mm\b|kg\b|h\b|hrs?\b"
    r"|mins?\b|secs?\b|reps?\b|sets?\b))"
)
_YEAR = r"[12]\d{3}\b"
_TLDS = "com|org|net|io|co|uk|us|ca|au|de|fr|nl|info|biz|me|edu|gov|health"
_URL_END = r"[^\s<>\"'.,;:!?)\]]"  # a URL does not end in sentence punctuation
_NUM_DATE_END = r"(?![\w/-]|\.\d)"

# Order is precedence: when spans overlap, the earlier (more specific) rule wins.
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "an e-mail address",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", _I),
    ),
    _Rule(
        "a URL",
        re.compile(
            rf"(?:https?://|www\.)[^\s<>\"']*{_URL_END}"
            rf"|(?<![\w@.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*"
            rf"\.(?:{_TLDS})(?![\w-])(?:/[^\s<>\"']*{_URL_END})?",
            _I,
        ),
    ),
    _Rule(
        "an NHS number",
        re.compile(
            # Not the tail of a longer number such as "+44 943 476 5919".
            r"(?<![\w+./-])(?<!\d )\d{3}([ -]?)\d{3}\1\d{4}(?![\w/]|[.-]\d)"
        ),
        _nhs_valid,
    ),
    _Rule(
        "a social security number",
        re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)"),
    ),
    _Rule(
        "a national insurance number",
        re.compile(
            r"(?<![a-z0-9])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])", _I
        ),
    ),
    _Rule("a ZIP code", re.compile(r"(?<![\w.,/-])\d{5}-\d{4}(?![\w/-]|\.\d)")),
    _Rule(
        "a calendar date",
        re.compile(
            rf"(?<![\w./-])(?:\d{{1,2}}([./-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}})"
            rf"|\d{{4}}([./-])\d{{1,2}}\2\d{{1,2}}){_NUM_DATE_END}"
        ),
        _plausible_date,
    ),
    _Rule(
        "a calendar date",
        re.compile(rf"(?<![\w./])\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?", _I),
    ),
    _Rule(
        "a calendar date",
        re.compile(rf"\b{_MONTH}\.?\s+{_DAY}{_NOT_UNIT}(?:,?\s+{_YEAR})?", _I),
    ),
    _Rule("a calendar date", re.compile(rf"\b{_MONTH}\.?,?\s+{_YEAR}", _I)),
    _Rule(
        "a phone number",
        re.compile(
            r"(?<![\w+./-])\+?(?:\(\d+\)|\d)(?:[ .-]?(?:\(\d+\)|\d))*(?![\w/]|-\w)"
        ),
        _enough_phone_digits,
    ),
    # UK postcodes are matched in upper case only, so "S1 2nd visit" passes; the
    # inward code never uses C, I, K, M, O or V, which spares "L5 1RM".
    _Rule(
        "a postcode",
        re.compile(
            r"(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}"
            r"(?![A-Za-z0-9])"
        ),
    ),
    _Rule(
        "a postcode",
        re.compile(  # Canadian
            r"(?<![a-z0-9])[abceghj-nprstvxy]\d[abceghj-nprstv-z]"
            r" ?\d[abceghj-nprstv-z]\d"
            r"(?![a-z0-9])",
            _I,
        ),
    ),
    # Dutch, upper case only so that "2015 at home" passes; units ("1000 IU") spared.
    _Rule(
        "a postcode",
        re.compile(
            r"(?<![\w.,/-])[1-9]\d{3} ?(?!SA|SD|SS|IU|MG|ML|KG|KM|CM|MM|HZ)[A-Z]{2}"
            r"(?![A-Za-z0-9])"
        ),
    ),
    _Rule(
        "an ID-like code",
        re.compile(
            r"(?<![A-Za-z0-9_])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![A-Za-z0-9_])"
            r"|(?<![A-Za-z0-9_])[A-Za-z0-9]{8,}(?![A-Za-z0-9_])"
        ),
        _id_like,
    ),
    _Rule(
        "a ZIP code or other 5-digit number",
        re.compile(r"(?<![\w.,/-])\d{5}(?![\w/]|[.,-]\d)"),
    ),
    _Rule("a long digit run", re.compile(r"(?<!\d)\d{6,}(?!\d)")),
    _Rule(
        "an exact age",
        re.compile(
            r"\b\d{1,3}\s*(?:y/o|y\.o\.?|yo|[-\s]?(?:years?|yrs?)[-\s]old)(?!\w)"
            r"|\baged?\s*:?\s*\d{1,3}\b",
            _I,
        ),
    ),
    # The title is case-insensitive except "Miss", which is also an everyday verb.
    _Rule(
        "a name with a title",
        re.compile(r"\b(?:(?i:mrs|mr|ms|mx|dr|prof)\b\.?|Miss\b)\s+[A-Z][A-Za-z'’-]+"),
    ),
)

_DENY_KIND = "a name from the deny-list"


def _deny_pattern(deny_list: Iterable[str]) -> re.Pattern[str] | None:
    if isinstance(deny_list, str):  # a lone name, not an iterable of characters
        deny_list = [deny_list]
    terms = {" ".join(t.split()) for t in deny_list if t and t.strip()}
    if not terms:
        return None
    # Longest first, so "Ann Lee" wins over "Ann"; any whitespace between words.
    alts = "|".join(
        r"\s+".join(map(re.escape, t.split()))
        for t in sorted(terms, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", _I)


def scan_text(
    text: str, deny_list: Iterable[str] = (), *, strict_names: bool = False
) -> list[Finding]:
    """Find everything in ``text`` that looks like an identifier.

    Parameters
    ----------
    text : str
        Free text to scan, e.g. a clinical note.
    deny_list : iterable of str, optional
        Names (or phrases) the practitioner keeps, matched as whole words,
        case-insensitively. Blank entries are ignored.

    Returns
    -------
    list of Finding
        In order of position and non-overlapping. Where two rules match overlapping
        spans the more specific one is kept (an NHS number over a phone number over
        a long digit run; an e-mail address over a URL).
    """
    rules = list(_RULES)
    deny = _deny_pattern(deny_list)
    if deny is not None:
        rules.append(_Rule(_DENY_KIND, deny))
    candidates = [
        (rank, m.start(), m.end(), rule.kind)
        for rank, rule in enumerate(rules)
        for m in rule.pattern.finditer(text)
        if m.end() > m.start() and (rule.accept is None or rule.accept(m.group()))
    ]
    # Most specific rule first; among equals (the several date forms) the longest.
    candidates.sort(key=lambda c: (c[0], c[1] - c[2], c[1]))
    kept: list[Finding] = []
    for _, start, end, kind in candidates:
        if all(end <= f.start or start >= f.end for f in kept):
            kept.append(Finding(kind, text[start:end], start, end))
    return sorted(kept, key=lambda f: f.start)


def describe(findings: Iterable[Finding]) -> str:
    """One short sentence naming what was found, for a refusal message.

    Parameters
    ----------
    findings : iterable of Finding
        Usually the result of :func:`scan_text`.

    Returns
    -------
    str
        E.g. ``"looks like an e-mail address ('jo@example.com') and a phone number
        ('07700 900123')"``; ``"has nothing identifier-like"`` when empty.
    """
    parts = [f"{f.kind} ('{f.text}')" for f in findings]
    if not parts:
        return "has nothing identifier-like"
    if len(parts) == 1:
        return f"looks like {parts[0]}"
    return f"looks like {', '.join(parts[:-1])} and {parts[-1]}"
