"""The identifier screen's recognizers that lean on the field's libraries.

Each finder takes folded text (see :mod:`casekit.folding`) and yields the spans
``(start, end)`` of what it recognises:

- :func:`phones`: Google's libphonenumber (``phonenumbers``): a number that is a
  valid phone number of the UK, Ireland, the US and Canada, Australia, New Zealand
  or India, or any possible one of ten digits or more (numbers from the range
  reserved for drama, 07700 900xxx, are possible but not valid);
- :func:`nhs_numbers`: ten digits that pass the NHS number's modulus-11 check
  (``python-stdnum``'s ``gb.nhs``);
- :func:`card_numbers`: 13 to 19 digits that pass the Luhn check of a payment card
  (``python-stdnum``'s ``luhn``);
- :func:`domains`: a bare domain or URL whose ending is on the public suffix list
  (``publicsuffixlist`` with its bundled copy of the list; nothing is fetched):
  ``jo-runs.blog``, ``physio.ie/jo``, ``clinic.nz/staff/jo``;
- :func:`names`: first names and surnames from the gazetteer
  (:mod:`casekit.gazetteer`), after a title (``mr. jones``, ``Sgt Walker``), after
  a word for a relative or a patient (``husband keith``, ``Patient Aisha Khan``) or
  on their own when capitalised (``Saw Margaret today``), and a first name and a
  surname of the lists together even when each is also an English word (``Grace
  Walker``, ``JOHN SMITH``), or a surname and an initial (``Smith J``).

Libraries load on first use and stay loaded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from . import gazetteer

Span = tuple[int, int]

# -- phone numbers -------------------------------------------------------------------

PHONE_REGIONS = ("GB", "IE", "US", "AU", "NZ", "IN")
_SMALL_GROUPS = re.compile(r"\d{1,2}(?:[-/ ]\d{1,2}){2,}")
_DIGITS = re.compile(r"\d")


def phones(text: str) -> Iterator[Span]:
    """Phone numbers, by libphonenumber."""
    if len(_DIGITS.findall(text)) < 7:  # no phone number is shorter: skip the work
        return
    import phonenumbers
    from phonenumbers import Leniency, PhoneNumberMatcher

    for region in PHONE_REGIONS:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            if _SMALL_GROUPS.fullmatch(match.raw_string):
                continue  # reps of a set, "12-12-10-10-8": no one groups a number so
            digits = sum(c.isdigit() for c in match.raw_string)
            if digits >= 10 or phonenumbers.is_valid_number(match.number):
                yield match.start, match.end


# -- NHS numbers ---------------------------------------------------------------------

_TEN_DIGITS = re.compile(r"(?<![\w+./-])\d{3}([ -]?)\d{3}\1\d{4}(?![\w/]|[.-]\d)")


def nhs_numbers(text: str) -> Iterator[Span]:
    """Ten digits (3-3-4) that are a valid NHS number."""
    from stdnum.gb import nhs

    for match in _TEN_DIGITS.finditer(text):
        if nhs.is_valid(match.group()):
            yield match.span()


# -- payment card numbers ------------------------------------------------------------

# 13 to 19 digits, run together or in the groups a card prints (4-4-4-4, Amex's
# 4-6-5), one separator throughout.
_CARD = re.compile(
    r"(?<![\w+./-])(?:\d{13,19}"
    r"|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}"
    r"|\d{4}([ -])\d{6}\2\d{4,5})(?![\w/]|[.-]\d)"
)


def card_numbers(text: str) -> Iterator[Span]:
    """Payment card numbers: 13 to 19 digits that pass the Luhn check every card
    number carries (``python-stdnum``'s ``luhn``)."""
    from stdnum import luhn

    for match in _CARD.finditer(text):
        if luhn.is_valid(re.sub(r"[ -]", "", match.group())):
            yield match.span()


# -- domains and URLs ----------------------------------------------------------------

_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,})(?![\w-])"
    r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?",
    re.IGNORECASE,
)
_WEB = re.compile(r"(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]", re.I)


@functools.cache
def _suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the copy bundled with the package, read offline


def domains(text: str) -> Iterator[Span]:
    """URLs (``http://``, ``www.``) and bare domains ending in a public suffix."""
    for match in _WEB.finditer(text):
        yield match.span()
    if "." not in text:
        return
    for match in _DOMAIN.finditer(text):
        host = match.group().split("/")[0]
        ending = match.group(1)
        # Domains are written in lower case; "walked home.Now" is two sentences.
        if ending != ending.lower() or not any(c.isalpha() for c in host[:-1]):
            continue
        labels = host.lower().split(".")
        has_path = "/" in match.group()
        if (len(labels[0]) < 2 and not has_path) or not re.search(r"[a-z]", labels[0]):
            continue  # "i.e", "b.d": abbreviations, not domains ("t.me/jo" is one)
        suffix = _suffixes().publicsuffix(host.lower())
        if suffix and suffix != host.lower() and _suffixes().is_public(suffix):
            yield match.span()


# -- names ---------------------------------------------------------------------------

# Titles that announce a name; a capitalised word after one is a name. "Miss" is
# matched capitalised only (it is also a verb). After an honorific (never a noun of
# its own, unlike "the dr") any word of the name lists is a name, "smith" included.
_HONORIFICS = frozenset({"mr", "mrs", "ms", "mx", "miss"})
_STRONG_TITLES = (
    r"mrs|mr|ms|mx|dr|prof|professor|rev|revd|reverend|sgt|sergeant|cpl|corporal"
    r"|capt|captain|lt|lieut|lieutenant|cllr|councillor|sir|dame|rabbi|imam|pastor"
)
# Words that may announce a name, or be words of their own ("Father had surgery",
# "Major trauma"): the next word must be a name of the gazetteer.
_WEAK_TITLES = r"fr|sr|father|sister|brother|mother|major|maj|general|gen|col|lord|lady"
_FAMILY = (
    r"husband|wife|partner|spouse|son|daughter|mother|mum|mom|father|dad|brother"
    r"|sister|sibling|cousin|uncle|aunt|auntie|niece|nephew|grandson|granddaughter"
    r"|grandmother|grandfather|gran|granny|grandma|grandpa|friend|colleague|boss"
    r"|neighbour|neighbor|fiance|fiancee|girlfriend|boyfriend|carer|caregiver|nurse"
)
_RELATIONS = rf"{_FAMILY}|patient|pt|client|named|called"
_KIN = re.compile(rf"(?i:{_FAMILY})(?:-in-law)?")
_WORD = r"[A-Za-z][A-Za-z']*(?:-[A-Za-z][A-Za-z']*)*"
_TITLED = re.compile(
    rf"\b(?:(?i:(?P<strong>{_STRONG_TITLES}))|(?P<miss>Miss)|(?i:(?P<weak>{_WEAK_TITLES})))"
    rf"\b\.?\s+(?P<name>{_WORD})"
)
_ANY_TITLE = re.compile(rf"(?i:{_STRONG_TITLES}|{_WEAK_TITLES})")
_RELATED = re.compile(rf"\b(?i:{_RELATIONS})(?:-in-law)?\b[,:]?\s+(?P<name>{_WORD})")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:'s)?\b|\b[A-Z]{4,}\b")
# What people do in a note: a capitalised word before one of these is a person
# ("Olusegun reports less pain"), even when no name list has it.
_DOES = re.compile(
    r"\b(?P<name>[A-Za-z][a-z]+)\s+(?:reports|reported|says|said|states|stated|feels"
    r"|felt|denies|denied|describes|complains|walks|attends|prefers|wants|wishes"
    r"|lives|drives|rang|phoned|called|emailed"
    r"|agrees|agreed|declined|cancelled|missed|thinks|believes|remembers)\b"
)
# Words after which a surname of the lists is a person ("saw Jones", "per Okafor").
_MET = re.compile(
    r"\b(?i:saw|seen\s+by|spoke\s+(?:to|with)|told|asked|met|visited|phoned|rang"
    r"|emailed|texted|referred\s+(?:by|to)|per|cc|c/o|care\s+of|with|and|from|for"
    r"|via)\s+(?P<name>[A-Za-z]+)"
)
# An initial and a surname: "J. Smith", "K Brown". L, R, C, T and S are also sides
# and spinal levels ("L. Side", "S. Back"): after them only an unusual word counts.
_INITIALLED = re.compile(r"\b(?P<initial>[A-Z])\.?\s(?P<name>[A-Z][a-z]+)\b")
# A surname and an initial, as a register lists people: "Smith J", "WALKER G.".
_SURNAME_FIRST = re.compile(
    r"\b(?P<name>[A-Z][a-z]+|[A-Z]{3,})\s(?P<initial>[A-Z])\b\.?(?![\w'-])"
)
# Two capitalised words (or two in capitals), looked at pairwise: overlapping,
# so that in "Pt John Smith" the pair "John Smith" is read after "Pt John".
_PAIR = re.compile(
    r"\b(?=(?P<first>[A-Z][a-z]+|[A-Z]{3,})\s+(?P<last>[A-Z][a-z]+|[A-Z]{3,})\b)"
)


def titled_names(text: str) -> Iterator[Span]:
    """Names after a title: ``Dr Okafor``, ``mr. jones``, ``Sgt Walker``."""
    for match in _TITLED.finditer(text):
        word = _bare(match.group("name"))
        title = match.group("strong") or match.group("miss") or ""
        shouted = title.isupper() and len(title) > 1  # "MR" scan, "Known MS"
        honorific = title.lower() in _HONORIFICS and not shouted
        if (
            gazetteer.is_name(word)
            or (honorific and gazetteer.in_lists(word))
            or (
                title
                and not shouted
                and _is_capitalised(match.group("name"))
                and word.lower() not in gazetteer.CLINICAL_WORDS
            )
        ):
            yield match.start(), _with_surname(text, match.end("name"))


def names(text: str, *, strict: bool = False) -> Iterator[Span]:
    """Names after a relation (``husband keith``), before what people do
    (``Olusegun reports``), and first names on their own (``Saw Margaret``).

    ``strict``: any word of the gazetteer counts, in any case (for a site code,
    where ``jane-smith`` has no capitals to go by).
    """
    for match in _RELATED.finditer(text):
        word = _bare(match.group("name"))
        capitalised = _is_capitalised(match.group("name"))
        # After a word for kin, a capitalised name is one even if also a word:
        # "Uncle Bob", "son Will".
        kin = _KIN.match(match.group().split()[0].rstrip(",:"))
        if (
            gazetteer.is_name(word)
            or (capitalised and not gazetteer.is_common(word))
            or (capitalised and kin and gazetteer.in_lists(word))
        ):
            yield match.start("name"), _with_surname(text, match.end("name"))
    for match in _CAPITALISED.finditer(text):
        if gazetteer.is_first_name(_bare(match.group())):
            yield match.start(), _with_surname(text, match.end())
    yield from _full_names(text)
    for match in _INITIALLED.finditer(text):
        word = match.group("name")
        if gazetteer.is_name(word) or (
            gazetteer.in_lists(word)
            and match.group("initial") not in "LRCTS"
            and word.lower() not in gazetteer.CLINICAL_WORDS
        ):
            yield match.span()
    for match in _MET.finditer(text):
        if gazetteer.is_name(match.group("name")):
            yield match.start("name"), _with_surname(text, match.end("name"))
    for match in _DOES.finditer(text):
        word = match.group("name")
        if _ANY_TITLE.fullmatch(word):
            continue
        if gazetteer.is_name(word) or (
            _is_capitalised(word) and not gazetteer.is_common(word)
        ):
            yield match.span("name")
    if strict:
        for match in re.finditer(r"[A-Za-z]+", text):
            if gazetteer.is_name(match.group()):
                yield match.span()


_CALENDAR = frozenset(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday christmas
    easter""".split()
)


def _full_names(text: str) -> Iterator[Span]:
    """A first name and a surname of the lists, written as a name is: ``John
    Smith``, ``Grace Walker``, ``JOHN SMITH``; and a surname with an initial
    (``Smith J``).

    Each word alone may be an English word (a "john", "grace", a "walker") and is
    let through on its own; but a capitalised first name followed by a capitalised
    surname is a person, which "Grace period" or "Will review" is not. A surname
    that is an eponym ("Roland Morris") and a first name that is a month or a day
    ("May Day") make no name; an eponym as the first name may ("Thomas White").
    """
    for match in _PAIR.finditer(text):
        first, last = match.group("first"), match.group("last")
        if first.isupper() != last.isupper():
            continue  # "Left SIJ": a word and an abbreviation, not a name
        if (
            first.lower() in gazetteer.first_names()
            and last.lower() in gazetteer.last_names()
            and last.lower() not in gazetteer.CLINICAL_WORDS  # "Roland Morris"
            and first.lower() not in _CALENDAR  # "May Day"; but "Thomas White"
        ):
            yield match.start("first"), match.end("last")
    for match in _SURNAME_FIRST.finditer(text):
        word = match.group("name").lower()
        if word not in gazetteer.last_names() or word in gazetteer.CLINICAL_WORDS:
            continue
        # L, R, C, T, S are sides and levels ("Foot L", "Back R"): after them only
        # a surname that is no English word counts.
        if match.group("initial") not in "LRCTS" or gazetteer.is_name(word):
            yield match.span()


def _bare(word: str) -> str:
    return word.removesuffix("'s").removesuffix("'")


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


_NEXT_WORD = re.compile(rf"\s+({_WORD})")


def _with_surname(text: str, end: int) -> int:
    """Where a name ends: after the next word too when that is a capitalised name
    ("Aisha Khan")."""
    match = _NEXT_WORD.match(text, end)
    if match and _is_capitalised(match.group(1)):
        word = _bare(match.group(1))
        if word.lower() in gazetteer.last_names() or not gazetteer.is_common(word):
            return match.end(1)
    return end
