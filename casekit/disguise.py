"""Identifiers disguised with the wrong kind of character, read back for the screen.

Folding (:mod:`casekit.folding`) sees through look-alike letters of other scripts;
these readers see through the substitutions a person types on purpose, and hand
what they read to the screen's usual judges (the name lists, libphonenumber):

- :func:`names_with_digits`: digits standing for letters in a word (``Sm1th``,
  ``J0nes``, ``Wa1ker``, ``5mith``). Only a word mixing three letters or more with
  fewer digits is read, so clinical shorthand (``L5/S1``, ``T12``, ``3x10``,
  ``B12``) never is; the reading must then be a name of the lists
  (:mod:`casekit.gazetteer`), and the name around it is found by the screen's own
  name finders (:mod:`casekit.recognizers`) on the text as read (``John Sm1th`` is
  the full name ``John Smith``). A word with one digit at its end that is an
  English word without it (``Pate1``, ``Set1``) is a label and its number alone,
  and a name only beside a title, a first name or an initial, or after a verb that
  takes a person (``Mr Pate1``, ``john pate1``, ``J. Pate1``, ``saw Pate1``); a
  label of a plan (``Set1``, ``Day3``) is one wherever it stands.
- :func:`phones_with_letters`: letters standing for digits in a phone number
  (``0770O 900 123``, ``O7700 9OO123``, ``0770l 900123``): ``O``/``o`` read as 0
  and ``l``/``I`` as 1, only inside a run that already has several real digits,
  and libphonenumber decides.
- :func:`spelled_numbers`: a phone number written in words (``seven seven zero
  zero nine double oh one two three four``), or half in words and half in digits
  (``07700 nine oh oh one two three``), read digit by digit, passing over the
  words that fill a pause (``07700 and then 900 123``, ``seven seven, um, oh oh
  nine``) when the number opens with its trunk 0, or, without it, is all in words
  with six said in a row (``five five five and then one two three four five six
  seven``).

Every reader swaps one character for one, so a span of the text as read is a span
of the text it was given, and the screen maps it back to the text as typed. Each
waits behind a search or two: a note with no digit among letters, no six number
words in a row, no number word beside digits and no filler between digits costs
the screen a few microseconds more.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

from . import gazetteer, plain, recognizers

Span = tuple[int, int]

_NUMBER_WORDS = (
    "zero|oh|o|nought|naught|nil|one|two|three|four|five|six|seven|eight|nine"
    "|double|triple|hundred"
)
# Fewer number words in a row than this are a sentence ("three sessions, two weeks
# apart"), never a number.
MIN_NUMBER_WORDS = 6

# Whether a note is worth reading further costs a search for each kind of reader:
# one to two microseconds each, on a screen of some 200 a note. Two searches, not
# one: the first starts at a digit, which the engine skips to in C, and a single
# alternation of both kinds measured 8 to 14 microseconds a note.
#
# A digit with letters about it (``Sm1th``, ``J0nes``; not ``L4``, ``3x10``) or with
# a look-alike letter for a digit beside it (``0770O``, ``07700 O00``; not ``10 on``).
_DIGIT_AMONG_LETTERS = re.compile(
    r"\d(?:[A-Za-z]{2}|(?<=[A-Za-z]\d)[A-Za-z]|(?<=[A-Za-z]{2}\d)"
    r"|[OoIl]|[ .-][OoIl]|(?<=[OoIl]\d)|(?<=[OoIl][ .-]\d))"
)
# Words a person fills a pause with while saying a number ("07700 and then 900
# 123", "seven seven, um, oh oh nine"): a closed set, none a number word, and at
# most MAX_FILLERS of them in a row, so that a run is read in one pass whatever
# the note.
FILLERS = ("and", "then", "uh", "um", "umm", "er", "erm", "ah", "eh")
MAX_FILLERS = 2
_SEPARATOR = r"[\s,-]+"
# Between two tokens of a number: separators, and perhaps a filler or two.
_GAP = rf"{_SEPARATOR}(?:(?:{'|'.join(FILLERS)}){_SEPARATOR}){{0,{MAX_FILLERS}}}"
# Six number words in a row, looked for in the note in lower case.
_NUMBER_WORDS_IN_A_ROW = re.compile(
    rf"(?<![a-z])(?:{_NUMBER_WORDS})"
    rf"(?:{_GAP}(?:{_NUMBER_WORDS})){{{MIN_NUMBER_WORDS - 1}}}(?![a-z])"
)


# -- digits for letters in a name ----------------------------------------------------

# What a digit stands for when typed for a letter, the likeliest first.
_LETTERS_FOR = {
    "0": "o",
    "1": "il",
    "2": "z",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "gb",
    "7": "t",
    "8": "b",
    "9": "gq",
}
_MIXED = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]+")
# A name disguised keeps most of its letters: at least three, and more letters than
# digits, so that units and counts ("10mins", "3x10", "2wks") are never read.
_MIN_LETTERS = 3
_MAX_DIGITS = 3  # each digit may stand for two letters: at most eight readings


def names_with_digits(text: str) -> Iterator[Span]:
    """Words with digits for letters whose reading is a name of the lists, and the
    name they are part of (``John Sm1th``, ``Mr J0nes``)."""
    if not _DIGIT_AMONG_LETTERS.search(text):
        return
    read = list(text)
    tokens: list[Span] = []  # names on their own
    in_company: list[Span] = []  # names only beside another word of a name
    for match in _MIXED.finditer(text):
        found = _name_reading(match.group())
        if found is not None:
            reading, on_its_own = found
            read[match.start() : match.end()] = reading
            (tokens if on_its_own else in_company).append(match.span())
    if not (tokens or in_company):
        return
    yield from tokens
    # The rest of the name ("John" before "Sm1th", a title) is found as ever, by
    # the name finders of the screen, on the text as read.
    as_read = "".join(read)
    # Tokens come in order and never overlap: a name is held against those within
    # its reach only, by bisection (a long note of names is not quadratic).
    token_starts = [s for s, _ in tokens]
    company_starts = [s for s, _ in in_company]
    for start, end in (
        *recognizers.titled_names(as_read),
        *recognizers.names(as_read),
        *_lower_case_names(as_read),
    ):
        before = bisect.bisect_left(token_starts, end)
        first, last = (bisect.bisect_left(company_starts, at) for at in (start, end))
        if (before and tokens[before - 1][1] > start) or any(
            _in_company(as_read, (start, end), token)
            for token in in_company[first:last]
        ):
            yield start, end
    for token in in_company:
        if _a_person_follows(text, token):
            yield token


# A word of a name: a title or a first name; an initial that is no side or spinal
# level ("L Set1", "T Pate1"), nor a word of its own ("A", "I").
_A_WORD_OF_TWO = re.compile(r"[A-Za-z]{2}")
_AN_INITIAL = re.compile(r"[BD-HJKM-QU-Z]\.?\s+")


def _in_company(text: str, name: Span, token: Span) -> bool:
    """Whether ``name`` holds ``token`` and another word of two letters or more, or
    an initial before it: a word read only in company ("Pate1") is a name in "Mr
    Patel", "John Patel" and "J. Patel", not in "with Patel" or "Patel felt" ("with
    Set1", "Set1 felt easy": "Set1" reads "Seti", a surname), nor after an initial
    that is also a side ("L Set1")."""
    (start, end), (s, e) = name, token
    if not (start <= s and e <= end):
        return False
    return bool(
        _A_WORD_OF_TWO.search(text, start, s)
        or _A_WORD_OF_TWO.search(text, e, end)
        or _AN_INITIAL.fullmatch(text, start, s)
    )


def _lower_case_names(text: str) -> Iterator[Span]:
    """plain's lower-case full names ("john patel", "priya patel"), read as plain
    reads two English words when the first is one: the word with a digit is an
    English word too ("pate1"), so the first must be a first name the world over
    and the pair stand as a name does ("saw john pate1", "john pate1" alone; not
    "per abd1", "max add4", nor "will seti", "can tana": "will" and "can" are the
    first names of one list)."""
    for start, end in plain.lowercase_full_names(text):
        first = text[start:end].split()[0].lower()
        if not gazetteer.is_common(first) or (
            plain.widely_a_first_name(first) and plain.stands_as_a_name(text, start)
        ):
            yield start, end


def _a_person_follows(text: str, token: Span) -> bool:
    """Whether ``token`` is capitalised straight after a verb that takes a person
    ("saw Pate1 today", "spoke to Pate1"), as plain reads "saw will smith"."""
    start = token[0]
    return text[start].isupper() and bool(
        plain.A_PERSON_FOLLOWS.search(text, max(0, start - 40), start)
    )


# A count and its unit, or a label and its number ("3min", "day3", "wk4", "Jan3"):
# digits only at one end of a word that is a word without them. Units and
# abbreviations of notes that are no English word are listed here.
_AT_ONE_END = re.compile(
    r"(?P<digits>\d+)(?P<a>[A-Za-z]+)|(?P<b>[A-Za-z]+)(?P<end>\d+)"
)
_ABBREVIATIONS = frozenset(
    """mins mcg wks mths hrly reps secs ax fu sess iso ecc con kine reax
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs
    fri sat sun""".split()
)
# Words a plan numbers, a label with its number whatever stands beside it ("Will
# Set1 suffice?", "Mark Set1 as done", "met Aim1"), though some read as a
# name ("Seti", "Repo", "Aiml", "Warda").
_LABELS = frozenset(
    """set sets rep day days week weeks month step steps level phase stage grade
    round session visit trial test block cycle lap plan goal option position part
    aim run runs line bed bay ward room group class circuit station task""".split()
)


def _name_reading(word: str) -> tuple[str, bool] | None:
    """``word`` with its digits read as letters, when that makes a listed name, and
    whether it is a name on its own (``Sm1th``) or only beside another word of a
    name (``Pate1``)."""
    digits = [i for i, c in enumerate(word) if c.isdigit()]
    letters = len(word) - len(digits)
    if letters < _MIN_LETTERS or len(digits) >= letters or len(digits) > _MAX_DIGITS:
        return None
    on_its_own = True
    counted = _AT_ONE_END.fullmatch(word)
    if counted:
        # "24min", "day13": two digits at an end are a number, never a letter each;
        # one before or after a unit ("3min") is a count.
        rest = (counted["a"] or counted["b"]).lower()
        if len(digits) > 1 or rest in _ABBREVIATIONS or rest in _LABELS:
            return None
        # One before or after a word is a count or a label ("days3", "Set1"), or a
        # letter of a name ("Pate1" for "Patel"): a name only in a name's company,
        # and only read as a surname or first name that is no word ("Week5" reads
        # "Weeks").
        on_its_own = not gazetteer.is_common(rest)
    shouted = word.isupper()  # "SM1TH": its letters all capitals
    for choice in itertools.product(*(_LETTERS_FOR[word[i]] for i in digits)):
        chars = list(word)
        for i, letter in zip(digits, choice, strict=True):
            # A digit opening a word stands for its capital ("5mith" for "Smith").
            chars[i] = letter.upper() if shouted or i == 0 else letter
        reading = "".join(chars)
        if gazetteer.is_name(reading) or (on_its_own and gazetteer.in_lists(reading)):
            return reading, on_its_own
    return None


# -- letters for digits in a phone number --------------------------------------------

# Groups of digits and look-alike letters, as a number is grouped (spaces, dots,
# hyphens, brackets). The first holds a real digit, and so does any other with an
# l or I in it, so that "I" or "lol" beside a number is never part of it; a group
# of Os alone may stand between two others ("07700 OOO 123").
_GROUP = r"\(?(?=[OoIl]*\d)[0-9OoIl]+\)?"
_ONLY_OS = r"\(?[Oo]+\)?(?=[ .-]\(?\d)"
_PHONE_RUN = re.compile(
    rf"(?<![A-Za-z0-9+])\+?{_GROUP}(?:[ .-](?:{_GROUP}|{_ONLY_OS}))*(?![A-Za-z0-9])"
)
_DIGIT_FOR = str.maketrans("OoIl", "0011")
_MIN_REAL_DIGITS = 6


def phones_with_letters(text: str) -> Iterator[Span]:
    """Phone numbers with ``O``/``o`` typed for 0 or ``l``/``I`` for 1."""
    if not _DIGIT_AMONG_LETTERS.search(text):
        return
    for match in _PHONE_RUN.finditer(text):
        run = match.group()
        real = sum(c.isdigit() for c in run)
        swapped = sum(c in "OoIl" for c in run)
        # Several real digits, and no more letters than them: a number with letters
        # slipped in (every 0 of "O77OO 9OO123"), not words with a digit.
        if not swapped or real < _MIN_REAL_DIGITS or swapped > real:
            continue
        for start, end in recognizers.phones(run.translate(_DIGIT_FOR)):
            if any(c in "OoIl" for c in run[start:end]):
                yield match.start() + start, match.start() + end


# -- numbers written in words --------------------------------------------------------

# No library of the field reads a phone number said aloud: text2num's alpha2digit
# leaves "double oh" and "oh" as they are and regroups digits ("zero zero nine" as
# "009"), and word2number and number-parser add the words up as an amount
# ("seven seven" as 14). Reading digit words one by one is all this needs.
_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "naught": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TIMES = {"double": 2, "triple": 3}
# A number word beside a group of digits: a number written half in words
# ("07700 nine oh oh one two three"), looked for in the note in lower case.
_NUMBER_WORD_BY_DIGITS = re.compile(
    rf"(?<![a-z])(?:{_NUMBER_WORDS}){_GAP}\d|\d{_GAP}(?:{_NUMBER_WORDS})(?![a-z])"
)
# Digit groups with a filler between them ("07700 and then 900 123").
_DIGITS_AND_FILLERS = re.compile(
    rf"\d{_SEPARATOR}(?:(?:{'|'.join(FILLERS)}){_SEPARATOR}){{1,{MAX_FILLERS}}}\d"
)
_TOKEN = rf"(?:{_NUMBER_WORDS}|\d+)"
_NUMBER_WORD_RUN = re.compile(
    rf"(?<![a-z0-9])(?:{_TOKEN})(?:{_GAP}(?:{_TOKEN}))+(?![a-z0-9])"
)
_A_WORD = re.compile(r"[a-z]+|\d+")
# A stretch of words and digit groups is a number when at least this many of its
# tokens are number words ("mob: zero seven seven zero zero 9 0 0 1 2 3"), and so
# digits beside one word ("12-12-10-10-8, two sets") never are.
MIN_MIXED_WORDS = 2
MIN_MIXED_TOKENS = 3
_MIN_PHONE_DIGITS = 7  # no phone number is shorter, "double" and "triple" read
_LONG_NUMBER = 9  # digits: a number this long is an identifier, phone or not
# A stretch with fillers in it is read only when this long (see _a_number): a
# phone number with its trunk 0 is ten digits or eleven.
_MIN_DIGITS_WITH_FILLERS = 10


def spelled_numbers(text: str) -> Iterator[Span]:
    """Phone numbers and other long numbers written in words: six number words or
    more in a row (fillers aside, see :data:`FILLERS`) that read as a number
    libphonenumber takes for a phone number, or as nine digits or more."""
    lower = text.lower()
    if len(lower) != len(text):  # a letter lowered into two ("İ"): keep places
        lower = text.translate(_ASCII_LOWER)
    if not (
        _NUMBER_WORDS_IN_A_ROW.search(lower)
        or _NUMBER_WORD_BY_DIGITS.search(lower)
        or _DIGITS_AND_FILLERS.search(lower)
    ):
        return
    for match in _NUMBER_WORD_RUN.finditer(lower):
        words = [(m.group(), m.span()) for m in _A_WORD.finditer(match.group())]
        for whole, before_filler in _read_digits(words):
            # A number said before a filler and whatever follows it ("... one two
            # three and 2 days later") is read alone when the two together are none.
            for stretch in (whole, before_filler):
                if stretch is not None and _a_phone_or_long_number(stretch):
                    yield match.start() + stretch.start, match.start() + stretch.end
                    break


def _a_phone_or_long_number(stretch: _Stretch) -> bool:
    if not _a_number(stretch) or _counted(stretch.digits):
        return False
    # Counts between fillers ("one two three four five six and then one two three
    # four", a breathing cue) are counted aloud, "five five five" no count by one.
    parts = [part for part in stretch.parts if part] if stretch.fillers else []
    if parts and all(_counted(p) and len(set(p)) > 1 for p in parts):
        return False
    # Half in digits, only a phone number counts: "BP 120 80, one 72 two 98"
    # reads as eleven digits, but as no number anyone dials.
    long_number = len(stretch.digits) >= _LONG_NUMBER and not stretch.groups
    return long_number or any(recognizers.phones(stretch.digits))


def _counted(digits: str) -> bool:
    """Whether ``digits`` are counted aloud, not a number: a count up or down ("one
    two three ... eight", a breathing cue) or one digit over and over."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {-1}, {0})


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass
class _Stretch:
    """Words of a run read as one number: where they are (in the run), the digits
    they read as, how many of them are digit groups, the first of those, how many
    fillers are among them, the digits between fillers, and the most number words
    said in a row (no filler or digit group between)."""

    start: int = 0
    end: int = 0
    digits: str = ""
    count: int = 0
    groups: int = 0
    first_group: str = ""
    fillers: int = 0
    parts: list[str] = dataclasses.field(default_factory=lambda: [""])
    in_a_row: int = 0
    most_in_a_row: int = 0

    def said(self, word: bool) -> None:
        """Count a number word (or a digit group, ``word`` false) said in a row."""
        self.in_a_row = self.in_a_row + 1 if word else 0
        self.most_in_a_row = max(self.most_in_a_row, self.in_a_row)


def _read_digits(
    words: list[tuple[str, Span]],
) -> Iterator[tuple[_Stretch, _Stretch | None]]:
    """Each stretch of ``words`` that reads as seven digits or more, with the part
    of it before its first filler when that is as long (else ``None``); fillers
    are passed over, and a "double" or "triple" with no digit after it ends a
    stretch."""
    stretch, times, before_filler = _Stretch(), 1, None
    for word, (start, end) in [*words, ("", (0, 0))]:
        # "seven hundred" is said for 700 ("oh seven seven hundred nine hundred
        # ..."): after a number word, as no count of the six a number needs.
        if word == "hundred" and stretch.in_a_row and times == 1:
            stretch.digits, stretch.end = stretch.digits + "00", end
            stretch.parts[-1] += "00"
            continue
        if word in _DIGIT_WORDS or word.isdigit():
            stretch.start = start if not stretch.count else stretch.start
            if word.isdigit():
                stretch.first_group = stretch.first_group or word
                stretch.groups += 1
            read = _DIGIT_WORDS.get(word, word)
            read = read * times if len(read) == 1 else read
            stretch.digits += read
            stretch.parts[-1] += read
            stretch.said(not word.isdigit())
            stretch.count, stretch.end, times = stretch.count + 1, end, 1
            continue
        if word in _TIMES and times == 1:
            stretch.start = start if not stretch.count else stretch.start
            stretch.count, times = stretch.count + 1, _TIMES[word]
            stretch.said(True)
            continue
        if word in FILLERS and stretch.count and times == 1:
            if not stretch.fillers and len(stretch.digits) >= _MIN_PHONE_DIGITS:
                before_filler = dataclasses.replace(stretch, parts=[*stretch.parts])
            stretch.fillers += 1  # the run allows no more than MAX_FILLERS in a row
            if stretch.parts[-1]:
                stretch.parts.append("")
            stretch.in_a_row = 0
            continue
        # The stretch ends: at "double double", a "double" ending the run, the end.
        if len(stretch.digits) >= _MIN_PHONE_DIGITS:
            yield stretch, before_filler
        stretch, times, before_filler = _Stretch(), 1, None
        if word in _TIMES:  # "double double two": the second starts a stretch
            stretch.start, stretch.count, times = start, 1, _TIMES[word]
            stretch.said(True)


def _a_number(stretch: _Stretch) -> bool:
    """Whether ``stretch`` is long enough to be a number: six number words, or
    number words and digit groups together. Said with fillers, only as a phone
    number is, ten digits or more: dialled at home, its trunk 0 first ("07700 and
    then 900 123"), for numbers said in a sentence run short and seldom open with 0
    ("BP 120 and 80, one 72 two 98 and 97"); digit groups alone then open with the
    0 and an area code ("0 and then 10 and 20" is no number). Without the 0 ("five
    five five and then one two three four five six seven", a US number or one
    given from abroad), all in words, with six said in a row, and the filler inside
    the number: fewer than seven digits before it, else the part before the filler
    is the number (see :func:`spelled_numbers`). A sentence says its numbers a few
    at a time ("one and two, three then four")."""
    words = stretch.count - stretch.groups
    if stretch.fillers:
        dialled = stretch.digits.startswith("0")
        said_without_0 = (
            not stretch.groups
            and stretch.most_in_a_row >= MIN_NUMBER_WORDS
            and len(stretch.parts[0]) < _MIN_PHONE_DIGITS
        )
        if len(stretch.digits) < _MIN_DIGITS_WITH_FILLERS:
            return False
        if not (dialled or said_without_0):
            return False
        if not words:
            return len(stretch.first_group) >= 3
    if not stretch.groups:
        return stretch.count >= MIN_NUMBER_WORDS
    return stretch.count >= MIN_MIXED_TOKENS and words >= MIN_MIXED_WORDS
