"""Identifiers written loosely, for the identifier screen: an e-mail address
without its ending (``kateward at gmail``), letters spaced out (``k w a r d @ g m
a i l . c o m``, ``L S 6 2 Q T``), a postcode with two spaces or a hyphen
(``SW1A  1AA``, ``LS6-2QT``), a birth month and year (``born in March 61``,
``born spring 1961``) and a handle before its network (``kate_ward61 on insta``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

from . import gazetteer, plain

Span = tuple[int, int]
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

# UK postcode areas (Royal Mail), so that "S1 2nd" or "L5 1rm" are not read as one.
POSTCODE_AREAS = (
    "ab|al|b|ba|bb|bd|bh|bl|bn|br|bs|bt|ca|cb|cf|ch|cm|co|cr|ct|cv|cw|da|dd|de|dg"
    "|dh|dl|dn|dt|dy|e|ec|eh|en|ex|fk|fy|g|gl|gu|ha|hd|hg|hp|hr|hs|hu|hx|ig|ip|iv"
    "|ka|kt|kw|ky|l|la|ld|le|ll|ln|ls|lu|m|me|mk|ml|n|ne|ng|nn|np|nr|nw|ol|ox|pa"
    "|pe|ph|pl|po|pr|rg|rh|rm|s|sa|se|sg|sk|sl|sm|sn|so|sp|sr|ss|st|sw|sy|ta|td|tf"
    "|tn|tq|tr|ts|tw|ub|w|wa|wc|wd|wf|wn|wr|ws|wv|yo|ze"
)
# A UK postcode, its halves apart by up to three spaces or a hyphen ("SW1A  1AA",
# "LS6-2QT"): levels are not ("L5-S1", "T12-L1", "C5 6", "S1 2nd").
POSTCODE = (
    rf"(?<![a-z0-9])(?:{POSTCODE_AREAS})\d[a-z\d]?(?: {{0,3}}|-)\d"
    r"(?!(?-i:st|nd|rd|th))[abd-hjlnp-uw-z]{2}(?![a-z0-9])"
)
_POSTCODE = re.compile(POSTCODE, re.IGNORECASE)

# -- e-mail addresses without their ending ---------------------------------------------

# Mail services a person names without the domain's ending ("at hotmail").
MAIL_SERVICES = (
    "gmail googlemail hotmail outlook yahoo ymail icloud aol btinternet protonmail"
    " proton msn"
).split()
_SERVICE_STEMS = (
    "mail",
    "outlook",
    "yahoo",
    "icloud",
    "aol",
    "btinternet",
    "proton",
    "msn",
)
_NO_ENDING = re.compile(
    r"(?<![\w.+-])(?P<local>[a-z0-9][\w.+-]{1,63})"
    r"(?P<at>\s*@\s*|\s*[(\[]\s*at\s*[)\]]\s*|\s+at\s+)"
    rf"(?:{'|'.join(MAIL_SERVICES)})\b",
    re.IGNORECASE,
)
# A part before "at" a person would not write in a sentence: with a digit, a dot
# or an underscore ("kateward61"), or no English word ("kateward").
_HANDLE_LIKE = re.compile(r"[a-z][\w.]*(?:[_.]|\d)[\w.]*", re.IGNORECASE)


def mail_without_ending(text: str) -> Iterator[Span]:
    """An e-mail address at a mail service named without its ending:
    ``kateward61 at hotmail``, ``jo@gmail``; after a plain "at", only when the
    part before it is no English word ("logged in at outlook")."""
    lower = text.lower()  # most notes name no service: a microsecond less
    if not any(stem in lower for stem in _SERVICE_STEMS):
        return
    for match in _NO_ENDING.finditer(text):
        local = match.group("local")
        plain_at = match.group("at").strip().lower() == "at"
        if (
            not plain_at
            or _HANDLE_LIKE.fullmatch(local)
            or not gazetteer.is_common(local)
        ):
            yield match.span()


# -- letters spaced out --------------------------------------------------------------

# Six characters or more, each alone between spaces: "k w a r d @ g m a i l".
_SPACED = re.compile(r"(?<!\S)\S(?: \S){5,}(?!\S)")
_MAIL = re.compile(r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*", re.IGNORECASE)


def _spaced(text: str, shape: re.Pattern[str]) -> Iterator[Span]:
    for match in _SPACED.finditer(text):
        if shape.fullmatch(match.group().replace(" ", "")):
            yield match.span()


def spaced_mail(text: str) -> Iterator[Span]:
    """An e-mail address spelled out a character at a time."""
    if "@" in text:
        yield from _spaced(text, _MAIL)


def spaced_postcode(text: str) -> Iterator[Span]:
    """A postcode spelled out a character at a time: ``L S 6 2 Q T``."""
    yield from _spaced(text, _POSTCODE)


# -- a birth month and year ----------------------------------------------------------

_MONTH_OR_SEASON = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|spring|summer|autumn|fall|winter"
)
# After "born" or "DOB" a month or a season and a year narrow a birth as a date
# does: "born in March 61", "born Mar '61", "born spring 1961". "born 1961" alone
# is refused by the screen's own birth-year pattern; "onset spring 2024" passes.
_BIRTH_MONTH = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date\s+of\s+birth)\s*:?\s+(?:in\s+|on\s+)?"
    r"(?:(?:early|late|mid)[-\s]+)?(?:the\s+)?"
    rf"(?:{_MONTH_OR_SEASON})\b\.?(?:\s+of)?,?\s*(?:['’]?\d{{2}}|(?:1[89]|20)\d{{2}})\b",
    re.IGNORECASE,
)


def birth_months(text: str) -> Iterator[Span]:
    """A month or a season of birth with its year."""
    lower = text.lower()
    if not any(word in lower for word in ("born", "dob", "d.o.b", "birth")):
        return
    for match in _BIRTH_MONTH.finditer(text):
        yield match.span()


# -- a handle before its network -----------------------------------------------------

# As plain's handles after a network: an underscore, a dot or two digits in it.
_A_HANDLE = re.compile(r"[a-z][\w.]*(?:[_.]|\d\d)[\w.]*", re.IGNORECASE)
# A network's name, looked for in the note in lower case (twice as fast as a
# pattern that ignores case), then the word before it, a preposition aside.
_A_NETWORK = re.compile(rf"(?<![a-z0-9_.])(?:{plain.NETWORKS})(?![a-z0-9_])")
_PREPOSITIONS = frozenset({"on", "at", "via", "from"})
_WORD = re.compile(r"\S+")


def handles_before_networks(text: str) -> Iterator[Span]:
    """A handle without ``@`` before the network it is on: ``kate_ward61 on
    insta``, ``kate_ward61 insta`` (an underscore, a dot or two digits in it, as
    plain's handles after a network's name have)."""
    lower = text.lower()
    if len(lower) != len(text):  # a letter lowered into two: keep places
        lower = text.translate(_ASCII_LOWER)
    for match in _A_NETWORK.finditer(lower):
        # The word before, looked for in the 80 characters before (a handle is
        # shorter): each match copies no more, however long the note.
        start = max(0, match.start() - 80)
        words = list(_WORD.finditer(text, start, match.start()))
        if words and words[-1].group().lower() in _PREPOSITIONS:
            words.pop()
        if not words:
            continue
        handle = words[-1].group().lstrip("([{'\"")
        if len(handle) >= 4 and _A_HANDLE.fullmatch(handle):
            yield words[-1].end() - len(handle), words[-1].end()
