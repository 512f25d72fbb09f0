"""Names run together, for the identifier screen: ``KateWard``, ``K.Ward``,
``JWatts`` in a note, and codes and case ids that spell a name (``jsmith``,
``drpatel``, ``jo-smith-77``, ``KATEWARD``, ``MRSWARD``).

A note's words are read by :mod:`casekit.recognizers` and :mod:`casekit.plain`,
which need a space between a first name and a surname; a code has no capitals to
go by and a case id is all capitals. Here a word is split where a name could end,
and each part is held against the name lists of :mod:`casekit.gazetteer`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import gazetteer

Span = tuple[int, int]

# A first name and a surname in camel case ("KateWard", "DaveHunt61"); an initial
# dotted or glued to a surname ("K.Ward", "JWatts"). "McKenzie" and "DeQuervain"
# have two letters before the capital: no first name of the lists is that short.
_CAMEL = re.compile(
    r"(?<![A-Za-z])(?P<first>[A-Z][a-z]{2,})(?P<last>[A-Z][a-z]{2,})(?![a-z])"
)
_INITIAL_GLUED = re.compile(
    r"(?<![A-Za-z.])(?P<initial>[A-Z])(?:\.(?=[A-Z][a-z])|(?=[A-Z][a-z]{2,}))"
    r"(?P<last>[A-Z][a-z]+)(?![a-z])"
)
# A title run into a surname ("DrPatel", "MrsWard", "Dr.Hunt"): the words'
# screen wants a space after a title.
_TITLE_GLUED = re.compile(
    r"(?<![A-Za-z])(?P<title>[A-Z][a-z]{1,3})\.?(?P<last>[A-Z][a-z]{3,})(?![a-z])"
)
_TWO_CAPITALS = re.compile(r"[A-Z](?:[a-z]{1,})?\.?[A-Z][a-z]")
# Sides and spinal levels ("L.Side", "TWave"): after them only a surname that is
# no English word counts, as for "L. Smith" (see recognizers).
_SIDES_AND_LEVELS = "LRCTS"
# Kit a letter is glued to ("PBall", "TBand"), surnames of some list too.
_KIT = frozenset("ball band bike board roll step lift ring rope bell".split())

# Titles a code or a case id may open with ("drpatel", "MRSWARD").
TITLES = frozenset("mr mrs ms mx miss dr prof sir dame rev revd sgt capt cllr".split())
# Words of a place's name that are also surnames: a code "leeds-west" or
# "rosehill" is a place, "kate-west" a person (a first name of the everyday
# words, "rose", before one of these is a place).
_PLACE_WORDS = frozenset(
    """north south east west central upper lower park hill field wood green bridge
    ford gate vale dale moor bank cross way lane mount town""".split()
)
# Two letters that are a code's word, not initials ("st-james", "ne-leeds").
_NOT_INITIALS = frozenset("st ne nw se sw uk gp ed ex".split())
MIN_SURNAME = 4  # for an initial, a title or a first name glued before it
MIN_FIRST = 4  # in a case id, so that no six-character id casekit draws reads so


def glued_names(text: str) -> Iterator[Span]:
    """Names written without a space: ``KateWard``, ``K.Ward``, ``JWatts``."""
    if not _TWO_CAPITALS.search(text):  # a microsecond less for most notes
        return
    for match in _CAMEL.finditer(text):
        if _first_and_surname(match.group("first"), match.group("last")):
            yield match.span()
    for match in _TITLE_GLUED.finditer(text):
        if _titled(match.group("title"), match.group("last")):
            yield match.span()
    for match in _INITIAL_GLUED.finditer(text):
        last = match.group("last").lower()
        if not _a_surname(last) or last in _KIT:  # "XRay", "GMin": too short
            continue
        if match.group("initial") not in _SIDES_AND_LEVELS or gazetteer.is_name(last):
            yield match.span()


def _first_and_surname(first: str, last: str, min_first: int = 3) -> bool:
    first, last = first.lower(), last.lower()
    return (
        len(first) >= min_first
        and len(last) >= MIN_SURNAME
        and first in gazetteer.first_names()
        and last in gazetteer.last_names()
        and last not in gazetteer.CLINICAL_WORDS
        and first not in gazetteer.CLINICAL_WORDS  # "March", "Thomas test"
        and not (gazetteer.is_common(first) and last in _PLACE_WORDS)
    )


def _titled(title: str, last: str) -> bool:
    last = last.lower()
    return (
        title.lower() in TITLES
        and len(last) >= MIN_SURNAME
        and last in gazetteer.last_names()
        and last not in gazetteer.CLINICAL_WORDS
    )


def spells_a_name(letters: str, *, min_first: int = MIN_FIRST) -> bool:
    """Whether ``letters`` (one word, any case) read as a title and a surname
    (``MRSWARD``, ``drhunt``) or a first name and a surname (``KATEWARD``) run
    together, each part of ``min_first`` and :data:`MIN_SURNAME` letters or more."""
    word = letters.lower()
    return any(
        _titled(word[:cut], word[cut:])
        or _first_and_surname(word[:cut], word[cut:], min_first)
        for cut in range(2, len(word) - MIN_SURNAME + 1)
    )


_LETTER_RUN = re.compile(r"[A-Za-z]+")


def case_id_spells_a_name(case_id: str, drawn_length: int = 6) -> bool:
    """Whether a case id reads as a name: a title or a first name run into a
    surname (``MRSWARD``, ``KATEWARD61``), or a listed name that is no English
    word (``HUNTER`` is a word): the whole of an id of ``drawn_length`` (what
    casekit draws), four letters or more of a longer one (``PATEL2024``).

    In 100,000 ids of six characters drawn at random none reads so: a name of four
    or five letters among digits would be one in a thousand (``MYRA72``), and a
    store's own ids must import again. :func:`casekit.privacy.new_case_id` draws
    again all the same.
    """
    shortest = MIN_SURNAME if len(case_id) > drawn_length else drawn_length
    for run in _LETTER_RUN.findall(case_id):
        if len(run) >= shortest and gazetteer.is_name(run):
            return True
        if len(run) >= MIN_SURNAME and spells_a_name(run):
            return True
    return False


_CODE_WORD = re.compile(r"[a-z]+", re.IGNORECASE)


def code_names(code: str) -> Iterator[Span]:
    """Names in a short code (a site's or an examiner's), which has neither spaces
    nor capitals: an initial, a title or a first name before a surname, glued
    (``jsmith``, ``drpatel``, ``katesmith``) or with ``-`` between
    (``jo-smith-77``, ``dr-patel``, ``kate-smith``; ``_`` and ``.`` too, which a
    site code may not hold but another code might)."""
    words = list(_CODE_WORD.finditer(code))
    for at, match in enumerate(words):
        word = match.group().lower()
        if spells_a_name(word, min_first=3) or _initial_and_surname(word):
            yield match.span()
            continue
        if at + 1 < len(words) and _joined(code, match, words[at + 1]):
            after = words[at + 1].group().lower()
            if (
                _titled(word, after)
                or _first_and_surname(word, after)
                or (_initials(word) and _a_surname(after, place_words_too=False))
            ):
                yield match.start(), words[at + 1].end()


def _joined(code: str, one: re.Match, two: re.Match) -> bool:
    return code[one.end() : two.start()] in {"-", "_", "."}


def _initials(word: str) -> bool:
    return len(word) <= 2 and word not in _NOT_INITIALS


def _a_surname(word: str, place_words_too: bool = True) -> bool:
    return (
        len(word) >= MIN_SURNAME
        and word in gazetteer.last_names()
        and word not in gazetteer.CLINICAL_WORDS
        and (place_words_too or word not in _PLACE_WORDS)
    )


def _initial_and_surname(word: str) -> bool:
    if len(word) <= MIN_SURNAME or not _initials(word[0]):
        return False
    return _a_surname(word[1:], place_words_too=False)
