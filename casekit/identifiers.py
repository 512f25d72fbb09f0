"""Scan free-text clinical notes for anything that looks like an identifier.

casekit keeps anonymised cases, but free text is where identity leaks back in: a
practitioner types a phone number to call back, a relative's name, a date of birth.
Every free-text field is therefore scanned offline on every save and import, and any
finding refuses the save and is named back to the practitioner (see :func:`describe`).

How a note is read:

1. **Folded** to plain ASCII first (:mod:`casekit.folding`): zero-width characters
   and soft hyphens dropped, NFKC, look-alike letters of other scripts folded to
   Latin, so that ``07700\\u200b900123`` or a Cyrillic ``о`` in ``Jоnes`` hide
   nothing. Findings still point into the text as typed.
2. **The field's libraries** where they do the job better than a pattern
   (:mod:`casekit.recognizers`): phone numbers by Google's libphonenumber, NHS
   numbers by their checksum and payment card numbers by their Luhn check
   (python-stdnum), domains by the public suffix list, names by faker's name lists
   with a stop list of English and clinical words (but a listed first name and
   surname together, ``Grace Walker``, is a name).
3. **Patterns with context words** for the rest: e-mail addresses, also written out
   (``jd at gmail dot com``); handles (``@backpain_jo``, ``Skype: john.smith77``);
   record, member and claim numbers after their keyword (``MRN 443-221``); birth
   years after born / DOB; ages (``47M``, ``pt is 47``, ``turned 50``); dates, also
   without a year or in words (``on 14/03``, ``Tuesday 14th``, ``Mar '22``,
   ``Christmas Day 2022``); postcodes in any case (``sw1a 1aa``), ZIP codes after
   their word; street addresses; UK car registrations; national insurance and
   social security numbers; ID-like codes and long runs of digits. Written plainly
   too (:mod:`casekit.plain`): ``priya sharma``, ``son called Tom``, ``Tom (son)``,
   ``lives on Kirkstall Road``, ``twitter is backpain_jo``; and loosely
   (:mod:`casekit.loose`): ``kateward at gmail``, ``born in March 61``,
   ``LS6-2QT``, ``kate_ward61 on insta``.
4. **Disguises read back** (:mod:`casekit.disguise`): digits for letters in a
   name (``Sm1th``), letters for digits in a phone number (``0770O 900 123``) and
   numbers written in words (``seven seven zero zero nine double oh ...``);
   names run together (``KateWard``, ``JWatts``: :mod:`casekit.glued`); initials
   (``k.ward``, ``A. Kowalski``: :mod:`casekit.initials`).
5. The practitioner's own deny-list of names (``data/deny-list.txt``).

The scan errs on the side of refusing, but ordinary clinical shorthand passes:
levels (``L4-5``, ``C5/6``), scores (``NPRS 7/10``, ``3/6``), durations (``5/7``,
``2/52``, ``3/12``), doses, sets and reps (``3x10-3x15``, ``12-12-10-10-8``), a year
alone (``MR Lumbar spine 2019``: coarse, clinically useful, and notes never leave
the store) and abbreviations that double as titles (``Known MS``).
``benchmarks/identifiers.py`` measures both on a labelled corpus.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from . import disguise, glued, initials, loose, plain, recognizers
from .folding import fold

_I = re.IGNORECASE


@dataclass(frozen=True)
class Finding:
    """One identifier-like span of a text: what it looks like and where it is."""

    kind: str
    text: str
    start: int
    end: int


Finder = Callable[[str], Iterable[tuple[int, int]]]


@functools.cache
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    """Patterns compile on the first scan, not when casekit is imported."""
    return re.compile(pattern, flags)


def _regex(pattern: str, flags: int = 0, accept=None) -> Finder:
    """A finder from a pattern; ``accept`` is a test of the match a pattern cannot
    express. A group named ``hit`` narrows the finding to that group."""

    def find(text: str) -> Iterator[tuple[int, int]]:
        compiled = _compiled(pattern, flags)
        hit = "hit" if "hit" in compiled.groupindex else 0
        for match in compiled.finditer(text):
            if (accept is None or accept(match)) and match.end(hit) > match.start(hit):
                yield match.span(hit)

    return find


def _plausible_date(match: re.Match) -> bool:
    a, b, c = (int(p) for p in re.split(r"[./-]", match.group()))
    if a > 31:  # year first: 2021-03-12
        return 1 <= b <= 12 and 1 <= c <= 31
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


# The denominators of clinical fractions: days (5/7), weeks (2/52), months (3/12),
# gestation (28/40), scores (7/10, 3/6, 2/5, 14/24, 45/100).
_CLINICAL_DENOMINATORS = {"5", "6", "7", "10", "12", "24", "40", "52", "100"}


def _day_month(match: re.Match) -> bool:
    day, month = int(match.group("d")), int(match.group("m"))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    padded = match.group("d").startswith("0") or match.group("m").startswith("0")
    return padded or match.group("m").lstrip("0") not in _CLINICAL_DENOMINATORS


def _id_like(match: re.Match) -> bool:
    text = match.group()
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    if letters + digits < 8 or letters < 2 or digits < 4:
        return False
    # Spinal levels ("L3-L4-L5-S1") and sets x reps ("3x10-3x15") are not codes.
    parts = re.split(r"[-/]", text)
    return not all(_ANATOMY.fullmatch(p) for p in parts)


_ANATOMY = re.compile(r"[CTLS]\d{1,2}|\d{1,3}|\d+x\d+", _I)

# Month words; "may" and "march" count only capitalised (they are also words).
_MONTH = (
    r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|Mar(?:ch)?|MAR(?:CH)?"
    r"|May|MAY)\b\.?"
)
_WEEKDAY = r"(?i:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?i:day)?\.?"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_ORDINAL = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)"
_YEAR = r"(?:1[89]|20)\d{2}\b"
_SHORT_YEAR = r"['’]\d{2}\b"
# "dec 20 deg" is "decreased by 20 degrees", not 20 December.
_NOT_UNIT = (
    r"(?!\.\d|[\w/%]|\s*(?:deg|%|x\b|[ck]?m\b|mm\b|kg\b|h\b|hrs?\b|mins?\b|secs?\b"
    r"|reps?\b|sets?\b|steps?\b))"
)
_COUNTED = r"(?!\s+(?:visit|session|time|attempt|floor|set|rep|level|week|day|dose))"
_HOLIDAY = (
    r"(?:christmas(?:\s+(?:day|eve))?|boxing\s+day|new\s+year'?s?(?:\s+(?:day|eve))?"
    r"|easter(?:\s+(?:sunday|monday))?|good\s+friday|halloween|thanksgiving"
    r"|bonfire\s+night|valentine'?s\s+day|(?:mother|father)'?s\s+day"
    r"|st\.?\s+patrick'?s\s+day|hogmanay|diwali|eid|xmas(?:\s+(?:day|eve))?)"
)
_UNIT_AFTER = (
    r"(?!\s*(?:%|/|deg|kg|cm|mm|m\b|km|mg|ml|min|sec|hr|hour|day|week|wk|month|mo\b"
    r"|year|yr|point|pt|rep|set|step|x\b))"
)
_TENS = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = r"one|two|three|four|five|six|seven|eight|nine"
# plain's street words, so that a street is one with or without its number.
_STREET = r"(?:" + "|".join(plain.STREET_WORDS) + r")\b\.?"
# An e-mail address written out: "jd at gmail dot com", "j(at)hotmail(dot)co(dot)uk".
# A plain " at " counts only with a dot spelled out too ("works at clinic.co.uk" is
# a sentence, and its domain a URL).
_AT = r"(?:\s*@\s*|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*)"
_WORD_AT = r"\s+at\s+"
_SPELLED_DOT = r"(?:\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"
_DOT = rf"(?:\s*\.\s*|{_SPELLED_DOT})"
# Tried only where a run starts, bounded as a local part is (64 characters): else
# each word of "a.a.a..." starts a try to the run's end (minutes on 50 KB).
_LOCAL = rf"(?<![\w+.-])[\w+-]{{1,64}}(?:{_DOT}[\w+-]{{1,64}}){{0,6}}"
_RECORD_WORDS = (
    r"mrn|hospital|hosp|chart|file|record|member(?:ship)?|policy|claim|ref|reference"
    r"|account|acct|auth(?:ori[sz]ation)?(?:\s+code)?|case\s+no|nhs|chi|nino|ssn"
    r"|patient\s+id|pt\s+id|id|zoom|booking|invoice|passport|licen[cs]e"
)
# plain's networks, so that both finders know the same ones.
_SOCIAL = rf"{plain.NETWORKS}|handle|username|user\s*name"

# Order is precedence: when spans overlap, the earlier (more specific) finder wins.
_FINDERS: tuple[tuple[str, Finder], ...] = (
    (
        "an e-mail address",
        _regex(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", _I),
    ),
    (
        "an e-mail address",
        _regex(
            rf"{_LOCAL}{_AT}[a-z0-9-]+(?:{_DOT}[a-z]{{2,}})+\b"
            rf"|{_LOCAL}{_WORD_AT}[a-z0-9-]+(?:{_DOT}[a-z]{{2,}})*{_SPELLED_DOT}[a-z]{{2,}}\b",
            _I,
        ),
    ),
    ("an e-mail address", loose.mail_without_ending),
    ("an e-mail address", loose.spaced_mail),
    ("a URL", recognizers.domains),
    ("an NHS number", recognizers.nhs_numbers),
    ("a payment card number", recognizers.card_numbers),
    ("a social security number", _regex(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)")),
    (
        "a national insurance number",
        _regex(r"(?<![a-z0-9])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])", _I),
    ),
    (
        "a record number",
        _regex(
            # The word may be run into the number, as a record system prints it:
            # "MRN2345", "CHART4567".
            rf"\b(?:{_RECORD_WORDS})(?:\b|(?=\d))\.?"
            r"(?:\s*(?:no\b\.?|number|num|#|:|id\b))*\s*"
            r"(?P<hit>[A-Z]{0,3}[-/]?\d[\dA-Z]*(?:[ /-]\d[\dA-Z]*)*)",
            _I,
            accept=lambda m: sum(c.isdigit() for c in m.group("hit")) >= 4,
        ),
    ),
    ("a record number", _regex(r"#\s?\d{4,}\b")),
    (
        "a record number",
        _regex(
            r"\b(?:pt|patient|client|customer|unit|case|hospital|hosp)\s*"
            r"(?:no\b\.?|number|num|#|id\b)\s*:?\s*(?P<hit>[A-Z]{0,3}\d[\dA-Z/-]*)",
            _I,
            accept=lambda m: sum(c.isdigit() for c in m.group("hit")) >= 3,
        ),
    ),
    (
        "a birth date or year",
        _regex(
            r"\b(?:born(?:\s+in|\s+on)?|dob|d\.o\.b\.?|yob|birth\s*year"
            r"|year\s+of\s+birth|date\s+of\s+birth)\s*:?\s*"
            rf"(?:\d{{1,2}}[./-]){{0,2}}(?:{_YEAR}|\d{{2}}\b|{_SHORT_YEAR})"
            rf"|\bb(?:\.\s*|\s+)(?:(?:\d{{1,2}}[./-]){{1,2}}\d{{2}}\b|{_YEAR}|{_SHORT_YEAR})",
            _I,
        ),
    ),
    ("a birth date or year", loose.birth_months),
    (
        "a calendar date",
        _regex(
            r"(?<![\w./-])(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})"
            r"|\d{4}([./-])\d{1,2}\2\d{1,2})(?![\w/-]|\.\d)",
            accept=_plausible_date,
        ),
    ),
    ("a calendar date", _regex(r"(?<![\w./-])(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d{2}\b")),
    (
        "a calendar date",
        _regex(
            r"(?<![\w./-])(?P<d>\d{1,2})[/.](?P<m>\d{1,2})(?![\w/]|\.\d)",
            accept=lambda m: bool(_day_month(m)) and _dated_context(m),
        ),
    ),
    (
        "a calendar date",
        _regex(
            rf"(?<![\w./])\b{_DAY}(?:\s+of)?(?:\s+|[-/])?{_MONTH}"
            rf"(?:(?:,?\s+|[-/]){_YEAR}|[-/]\d{{2}}\b)?"
        ),
    ),
    ("a calendar date", _regex(rf"\b{_MONTH}\s+{_DAY}{_NOT_UNIT}(?:,?\s+{_YEAR})?")),
    ("a calendar date", _regex(rf"\b{_MONTH},?\s+(?:{_YEAR}|{_SHORT_YEAR})")),
    ("a calendar date", _regex(rf"\b{_WEEKDAY}\s+(?:the\s+)?{_ORDINAL}\b")),
    (
        "a calendar date",
        _regex(rf"\b{_WEEKDAY}\s+(?:3[01]|[12]\d|0?[1-9])\b{_NOT_UNIT}"),
    ),
    ("a calendar date", _regex(rf"\b(?i:on\s+the)\s+{_ORDINAL}\b{_COUNTED}")),
    ("a calendar date", _regex(rf"\b{_HOLIDAY}\s+(?:{_YEAR}|{_SHORT_YEAR})", _I)),
    ("a ZIP code", _regex(r"(?<![\w.,/-])\d{5}-\d{4}(?![\w/-]|\.\d)")),
    (
        "a ZIP code",
        _regex(
            r"\b(?i:zip|zip\s*code|postal\s*code|postcode|lives|living|moved|address"
            r"|home|resides)(?:\s+(?i:in|at|to))?\s*:?\s*(?P<hit>\d{5})\b"
        ),
    ),
    ("a ZIP code", _regex(r",?\s(?P<hit>[A-Z]{2}\s+\d{5})\b")),
    # Before the plain reading, which finds "7700 900123" in "O7700 900123".
    ("a phone number", disguise.phones_with_letters),
    ("a phone number", recognizers.phones),
    ("a phone number written in words", disguise.spelled_numbers),
    ("a postcode", _regex(loose.POSTCODE, _I)),
    ("a postcode", loose.spaced_postcode),
    (
        "a postcode",
        _regex(  # Canadian
            r"(?<![a-z0-9])[abceghj-nprstvxy]\d[abceghj-nprstv-z]"
            r" ?\d[abceghj-nprstv-z]\d(?![a-z0-9])",
            _I,
        ),
    ),
    (
        "a postcode",
        _regex(  # Dutch, upper case only so that "2015 at home" passes
            r"(?<![\w.,/-])[1-9]\d{3} ?(?!SA|SD|SS|IU|MG|ML|KG|KM|CM|MM|HZ)[A-Z]{2}"
            r"(?![A-Za-z0-9])"
        ),
    ),
    (
        "a postcode district",
        _regex(
            r"\b(?i:lives|living|moved|resides|based|address|postcode)\b(?:\s+(?i:in|to|at))?"
            rf"\s*:?\s*(?P<hit>(?i:{loose.POSTCODE_AREAS})\d[A-Za-z\d]?)\b"
        ),
    ),
    (
        "a street address",
        _regex(
            r"\b\d{1,4}[A-Za-z]?,?\s+(?:[nsew]\.?\s+)?(?:[A-Z][a-z']+\s+){1,3}"
            rf"(?i:{_STREET})"
            rf"|\b\d{{1,4}}\s+(?:[NSEW]\.?\s+)?\d{{1,3}}(?:st|nd|rd|th)\s+(?i:{_STREET})"
            r"|\b(?i:flat|apt|apartment)\.?\s+\d+[a-z]?\b"
            r"|\b\d{1,4}[a-z]?,?\s+(?:[a-z']+\s+){1,3}(?i:street|road|rd|lane|avenue"
            r"|ave|crescent|terrace|gardens|boulevard)\b"
        ),
    ),
    ("a street address", plain.streets),
    ("a street address", plain.numbered_lower_streets),
    (
        "a car registration",
        _regex(
            r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b"
            r"|\b(?i:reg|registration|plate|number\s+plate|car)\b\.?(?:\s*no\b\.?)?"
            r"\s*:?\s*(?P<hit>(?i:[a-z]{2}\d{2}\s?[a-z]{3}))\b"
        ),
    ),
    ("a handle", _regex(r"(?<![\w.@])@[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?", _I)),
    (
        "a handle",
        _regex(
            rf"\b(?:{_SOCIAL})\b(?:\s+(?:id|name|handle|as))?\s*:?\s*"
            r"(?P<hit>@?[a-z0-9_]+(?:[._][a-z0-9_]+)+|@[a-z0-9_]+)",
            _I,
        ),
    ),
    (
        "a handle",
        _regex(r"\b(?:posts|follows|known)\s+as\s+(?P<hit>@?[a-z0-9_.]+)", _I),
    ),
    ("a handle", plain.social_handles),
    ("a handle", loose.handles_before_networks),
    (
        "an exact age",
        _regex(
            r"\b\d{1,3}\s*(?i:y/o|y\.o\.?|yo|[-\s]?(?:years?|yrs?)[-\s]old"
            r"|\s+years?\s+of\s+age)(?!\w)"
            rf"|\b(?i:{_TENS})(?:[-\s]?(?i:{_UNITS}))?[-\s](?i:years?|yrs?)[-\s](?i:old)\b"
            r"|\b\d{2}(?i:st|nd|rd|th)\s+(?i:birthday|bday)\b"
            r"|\b(?i:aged?)\s*:?\s*\d{1,3}\b(?!\s*(?:%|/))"
            rf"|\b(?i:aged?)\s*:?\s+(?i:{_TENS})(?:[-\s]?(?i:{_UNITS}))?\b"
            r"|\b(?:1[6-9]|[2-9]\d|1[01]\d)\s?[MF]\b"
            r"|\b[MF],?\s+(?:1[6-9]|[2-9]\d|1[01]\d)\b(?!\s*(?:%|/|kg|cm))"
            r"|\b(?i:pt|patient|he|she|they|who)(?:\s+(?i:is|was)|'s)\s+(?i:now\s+)?"
            rf"\d{{1,3}}\b{_UNIT_AFTER}"
            rf"|\b(?i:turned|turns|turning)\s+\d{{2,3}}\b{_UNIT_AFTER}"
        ),
    ),
    ("a name", disguise.names_with_digits),
    ("a name with a title", recognizers.titled_names),
    ("a name", plain.names),
    ("a name", glued.glued_names),
    ("a name", initials.names),
    ("a name", recognizers.names),
    (
        "an ID-like code",
        _regex(
            r"(?<![A-Za-z0-9_])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![A-Za-z0-9_])"
            r"|(?<![A-Za-z0-9_])[A-Za-z0-9]{8,}(?![A-Za-z0-9_])",
            accept=_id_like,
        ),
    ),
    (
        "a long digit run",
        _regex(r"(?<!\d)\d{6,}(?!\d)|(?<![\d.-])\d(?:[ .-]\d){9,}(?!\d)"),
    ),
)

_DATE_CONTEXT = re.compile(
    r"\b(?:on|since|from|until|till|dated?|seen|before|after|by|of|spiked|started"
    r"|began|injured|fell|scan(?:ned)?|review(?:ed)?|appt|appointment)\s*:?\s*$",
    _I,
)


def _dated_context(match: re.Match) -> bool:
    """A day/month without a year is a date when written with a leading zero
    (``14/03``), with a day past 12 (``25/11``: no score is out of 11), or after a
    word that dates (``on 2/11``)."""
    padded = match.group("d").startswith("0") or match.group("m").startswith("0")
    late = int(match.group("d")) > 12
    return padded or late or bool(_DATE_CONTEXT.search(match.string[: match.start()]))


_DENY_KIND = "a name from the deny-list"


def _deny_pattern(deny_list: Iterable[str]) -> re.Pattern[str] | None:
    if isinstance(deny_list, str):  # a lone name, not an iterable of characters
        deny_list = [deny_list]
    terms = {" ".join(fold(t).text.split()) for t in deny_list if t and t.strip()}
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
        case-insensitively, after the same folding as the text.
    strict_names : bool, default False
        Take any word of the name lists for a name, whatever its case (for a site
        code such as ``jane-smith``, which has no capitals to go by).

    Returns
    -------
    list of Finding
        In order of position and non-overlapping, each with the span of ``text``
        as typed. Where two finders match overlapping spans the more specific one
        is kept (an NHS number over a phone number over a long digit run; an
        e-mail address over a URL).
    """
    if not text or not text.strip():
        return []
    return list(_scanned(text, tuple(deny_list), strict_names))


# An import screens every note of every record, and a practice's notes repeat
# ("HEP reviewed", a template line): a text already screened with the same deny
# list is not screened again. The findings depend on nothing else.
@functools.lru_cache(maxsize=2**16)
def _scanned(
    text: str, deny_list: tuple[str, ...], strict_names: bool
) -> tuple[Finding, ...]:
    folded = fold(text)
    finders = list(_FINDERS)
    if strict_names:
        finders.append(("a name", lambda t: recognizers.names(t, strict=True)))
    deny = _deny_pattern(deny_list)
    if deny is not None:
        finders.insert(0, (_DENY_KIND, _regex(deny.pattern, deny.flags)))
    candidates = [
        (rank, start, end, kind)
        for rank, (kind, find) in enumerate(finders)
        for start, end in find(folded.text)
    ]
    # Most specific finder first; among equals (the several date forms) the longest.
    candidates.sort(key=lambda c: (c[0], c[1] - c[2], c[1]))
    # Kept spans never overlap, so sorted by start they are sorted by end: a span
    # is held against its two neighbours only (not quadratic in the findings).
    kept: list[tuple[int, int, str]] = []
    for _, start, end, kind in candidates:
        at = bisect.bisect_left(kept, (start,))
        if (at and kept[at - 1][1] > start) or (at < len(kept) and kept[at][0] < end):
            continue
        kept.insert(at, (start, end, kind))
    findings = []
    for start, end, kind in kept:
        begin, stop = folded.span(start, end)
        findings.append(Finding(kind, text[begin:stop], begin, stop))
    return tuple(findings)


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
