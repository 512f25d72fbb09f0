"""Identifiers written plainly, with nothing but their words to give them away.

The finders of :mod:`casekit.recognizers` and :mod:`casekit.identifiers` lean on
what usually marks an identifier: a capital letter, a house number, an ``@``. A
practitioner typing fast writes without them; each finder here takes folded text
(see :mod:`casekit.folding`) and yields the spans ``(start, end)`` of:

- :func:`names`: a first name and a surname of the name lists in lower case
  (``priya sharma``, ``grace walker``), and a name that a relation introduces
  (``her son is called Tom``, ``daughter named Amy``) or follows in brackets
  (``Tom (son)``);
- :func:`streets`: a street without a house number (``lives on Kirkstall Road``,
  ``on Station Rd``);
- :func:`numbered_lower_streets`: a numbered street in lower case, "st" shortened
  (``14 church st``);
- :func:`social_handles`: a handle without its ``@`` after the name of a social
  network (``her twitter is backpain_jo``, ``insta jo.smith77``).

The name lists and their stop lists are :mod:`casekit.gazetteer`'s, and the words
for relatives those of :mod:`casekit.recognizers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import gazetteer
from .recognizers import (
    _CALENDAR,
    _DOES,
    _FAMILY,
    _RELATIONS,
    _WORD,
    Span,
    _bare,
    _is_capitalised,
    _with_surname,
)

# -- names in lower case -------------------------------------------------------------

# Two words in lower case, looked at pairwise (overlapping, like recognizers._PAIR);
# the first may open a sentence ("Grace walker attended"), both capitalised are
# recognizers' to judge.
_LOWER_PAIR = re.compile(r"\b(?=(?P<first>[A-Za-z][a-z]+)\s+(?P<last>[a-z]+)\b)")
# Where a clause starts or ends: a pair alone between these stands as a name does.
_CLAUSE_MARKS = ".,;:!?()[]/\n-"
_CLAUSE_END = re.compile(r"\s*(?:$|[.,;:!?()\[\]/\n-]|'s\b)")
# Words after which the next words are a person ("seen with grace walker", "patient
# is grace walker"): the relations of recognizers and verbs that take a person.
_TAKING_A_PERSON = r"saw|met|visited|seen\s+by|spoke\s+(?:to|with)|referred\s+(?:by|to)"
_ANNOUNCED = re.compile(
    rf"\b(?:(?:{_RELATIONS})(?:-in-law)?(?:\s+(?:is|was))?|{_TAKING_A_PERSON}"
    r"|seen\s+with)[,:]?\s+$",
    re.IGNORECASE,
)
# Straight after one of those verbs (no comma: "goals met, will ring"), only a
# person stands. Not after a relation ("patient will rest") nor "seen with" ("seen
# with less back pain"): there a word may follow as well. Shared with disguise
# ("saw Pate1 today").
A_PERSON_FOLLOWS = re.compile(rf"\b(?:{_TAKING_A_PERSON})\s+$", re.IGNORECASE)
# What only a person does, after the pair ("grace walker attended", "Grace walker
# was seen", "will smith reports"): with recognizers' _DOES, the verbs that mark a
# person after a name. Kept here, for pairs of listed names only: in _DOES a
# capitalised word that is no English word before one is a name, and symptoms come
# and present ("Paraesthesia came in waves", "Radiculopathy presented"). Left out:
# "returned" and "was reviewed" ("per" is a first name and "day" a surname: "steps
# per day returned to baseline", "HEP 3x per day was reviewed"), and _DOES's verbs
# that are plural nouns too ("walks", "drives", "lives": "worse over long walks").
_ONLY_PEOPLE_DO = re.compile(
    r"\s+(?:attended|attends|presented|presents|arrived|arrives"
    r"|(?:came|comes)\s+(?:in|back)|(?:was|is)\s+seen"
    r"|reports|reported|says|said|states|stated)\b"
)
# A lower-case English word is taken for a first name only when at least this many
# of faker's locales list it as one: "grace" (12 locales), "mark" (21) and "rose"
# (14) are names the world over; "will" (1: en), "can" (1: de_CH) and "come"
# (1: fr_BE) are first names of one list and, in lower case, the verbs of
# "will fall", "can lie flat" and "come back" (but see _commonest_surname: "saw
# will smith").
MIN_LOCALES = 3


def names(text: str) -> Iterator[Span]:
    """Lower-case full names and names a relation introduces."""
    yield from lowercase_full_names(text)
    yield from related_names(text)


def lowercase_full_names(text: str) -> Iterator[Span]:
    """A first name followed by a surname of the lists, in lower case.

    Capitalised, such a pair is a name whatever its words (recognizers'
    ``_full_names``). In lower case nothing marks a name, and two English words
    that happen to be listed names are mostly English ("come back", "will fall",
    "can read", "per day", "side plank": each a first name and a surname of some
    locale). So, what was chosen and why:

    - when at least one of the two is no English word (``priya sharma``, ``mary
      brown``, ``mohammed ali``), the pair is a name: no clinical phrase of the
      corpus or the tests is such a pair, lower-cased;
    - when both are English words (``grace walker``), the first must be a first
      name in at least :data:`MIN_LOCALES` locales and the pair must stand as a
      name does: alone in its clause, after a word that introduces a person
      (``saw``, ``patient is``, ``husband``) or before what people do
      (``reports``, ``says``, ``attended``, ``was seen``). "grace period",
      "mark on skin" and "walks 5 km per day" pass;
    - when the first is a first name of fewer locales (``will``), the surname
      must be one of the commonest of the first name's language (``smith``) and
      the pair stand where only a person can: straight after a verb that takes a
      person (``saw will smith``) or before what only a person does (``will
      smith attended``). "will review", "patient will walk", "goals met, will
      ring" and "saw little short term benefit" pass.

    As capitalised, neither word may be a clinical word ("roland morris") and the
    first no month or day ("may day").
    """
    for match in _LOWER_PAIR.finditer(text):
        first, last = match.group("first").lower(), match.group("last")
        if (
            first not in gazetteer.first_names()
            or last not in gazetteer.last_names()
            or first in gazetteer.CLINICAL_WORDS
            or last in gazetteer.CLINICAL_WORDS
            or first in _CALENDAR
        ):
            continue
        if not (gazetteer.is_common(first) and gazetteer.is_common(last)):
            yield match.start("first"), match.end("last")
        elif widely_a_first_name(first) and _set_apart(match):
            yield match.start("first"), match.end("last")
        elif _commonest_surname(first, last) and _only_a_person_there(match):
            yield match.start("first"), match.end("last")


def stands_as_a_name(text: str, start: int) -> bool:
    """Whether the two lower-case words at ``start`` of ``text`` stand as a name
    does (see :func:`lowercase_full_names`): alone in their clause, after a word
    that introduces a person, or before what people do."""
    pair = _LOWER_PAIR.match(text, start)
    return pair is not None and _set_apart(pair)


def _set_apart(pair: re.Match) -> bool:
    """Whether the two words of ``pair`` stand as a name does."""
    text, start, end = pair.string, pair.start("first"), pair.end("last")
    # Only the few words before the pair are read: a long note of many pairs
    # must not be read again from its start for each.
    if _ANNOUNCED.search(text, max(0, start - 40), start):
        return True
    if _DOES.match(text, pair.start("last")) or _ONLY_PEOPLE_DO.match(text, end):
        return True
    opening = start
    while opening and text[opening - 1].isspace():
        opening -= 1
    starts_clause = opening == 0 or text[opening - 1] in _CLAUSE_MARKS
    return starts_clause and bool(_CLAUSE_END.match(text, end))


def widely_a_first_name(word: str) -> bool:
    """Whether ``word`` (lower case) is a first name in at least
    :data:`MIN_LOCALES` of faker's locales ("grace", "john"; not "will")."""
    return len(gazetteer.first_name_locales().get(word, ())) >= MIN_LOCALES


def _commonest_surname(first: str, last: str) -> bool:
    """Whether ``last`` is among the commonest surnames of a language ``first`` is
    a first name in (:func:`casekit.gazetteer.commonest_surnames`): "smith",
    "brown", "walker" for "will" (en). A surname merely listed is not enough:
    "little" is an en first name and "day" and "short" en surnames ("saw little
    day to day change", "saw little short term benefit")."""
    commonest = gazetteer.commonest_surnames()
    return any(
        last in commonest.get(locale.split("_")[0], ())
        for locale in gazetteer.first_name_locales()[first]
    )


def _only_a_person_there(pair: re.Match) -> bool:
    """Whether ``pair`` stands where only a person can: straight after a verb that
    takes a person ("saw will smith") or before what only a person does ("will
    smith attended")."""
    text, start = pair.string, pair.start("first")
    # The few words before only, as in _set_apart.
    return bool(
        A_PERSON_FOLLOWS.search(text, max(0, start - 40), start)
        or _ONLY_PEOPLE_DO.match(text, pair.end("last"))
    )


# -- names a relation introduces -----------------------------------------------------

# recognizers' relatives, "step-" and "grand-" before any ("stepson", "step-son",
# "grandchild"), and the words for a child. These are added here, not to
# recognizers._FAMILY: there a relation word before any capitalised word of the
# name lists makes it a name ("boy Will"), and "child", "boy" and "girl" open too
# many clinical phrases for that.
_KIN_WORDS = rf"(?:step-?|grand-?)?(?:{_FAMILY}|child|kid|boy|girl)(?:-in-law)?"
# "her son is called Tom", "son called Tom", "daughter named Amy", "son's name is Tom",
# "her son, called Tom, drove her"
_KIN_NAMED = re.compile(
    rf"\b{_KIN_WORDS}(?:'s\s+name(?P<name_is>\s+is)"
    rf"|(?P<is>\s+(?:is|was))?(?P<comma>\s*,)?\s+(?:called|named|name\s+is))"
    rf"\s+(?P<name>{_WORD})",
    re.IGNORECASE,
)
# After "son, called tom" the name closes the aside: a comma or the end follows.
_ASIDE_CLOSED = re.compile(r"\s*(?:[,;.)]|$)")
# "Tom (son)", "Amy (daughter-in-law)", and "son (Tom)"
_KIN_BRACKETED = re.compile(
    # Only where a word starts: inside a long hyphenated run every letter would
    # start a try that reads to the run's end (quadratic in the note's length).
    rf"(?<![\w'-])(?P<name>{_WORD})\s*\(\s*{_KIN_WORDS}\s*\)"
    rf"|\b{_KIN_WORDS}\s*\(\s*(?P<inside>{_WORD})\s*\)",
    re.IGNORECASE,
)


def related_names(text: str) -> Iterator[Span]:
    """A name a word for a relative introduces, or that one follows in brackets.

    Capitalised, a word of the name lists is a name there even when also a word
    ("son called Tom", "Will (son)"), as after a bare "son" in recognizers. In
    lower case it must be no English word ("son called keith"), unless "is
    called", "named" or brackets leave no other reading ("her son is called
    tom", "tom (son)"); "son called back" passes.
    """
    lower = text.lower()
    # Most notes have neither a naming word nor a bracket: skip the patterns.
    named = "call" in lower or "name" in lower
    for match in _KIN_NAMED.finditer(text) if named else ():
        word = match.group("name")
        # "son, called tom, drove her" is as plain as "son is called tom" ("son,
        # called back" is no aside and its "back" no name).
        aside = match.group("comma") and _ASIDE_CLOSED.match(text, match.end("name"))
        plainly_named = (
            match.group("is")
            or match.group("name_is")
            or aside
            or ("named" in match.group().lower())
        )
        if _a_name(word, any_case=bool(plainly_named)):
            yield match.start("name"), _with_surname(text, match.end("name"))
    # Brackets leave no other reading either: "tom (son)" is a name in any case.
    for match in _KIN_BRACKETED.finditer(text) if "(" in text else ():
        group = "name" if match.group("name") else "inside"
        if _a_name(match.group(group), any_case=True):
            yield match.span(group)


def _a_name(word: str, *, any_case: bool) -> bool:
    bare = _bare(word)
    if bare.lower() in gazetteer.CLINICAL_WORDS:
        return False
    return gazetteer.is_name(bare) or (
        (any_case or _is_capitalised(word)) and gazetteer.in_lists(bare)
    )


# -- streets without a house number --------------------------------------------------

# The street words, shared with identifiers' numbered addresses ("12 Mill Court"):
# a street it reads with a number this reads without one.
STREET_WORDS = (
    "street st road rd lane ln avenue ave drive dr close crescent cres way place pl"
    " court ct gardens gdns terrace grove square sq row mews parade boulevard blvd"
    " walk hill park rise view green gate wharf quay"
).split()
# The short forms, which a dot may follow ("Church St.").
_ABBREVIATIONS = frozenset("st rd ln ave dr cres pl ct gdns sq blvd".split())


def _street_words(*, capitalised: bool) -> str:
    # Longest first, so that "Street" is tried before "St"; capitalised, "Rd" and
    # "St" are left to _STREET's any-case form.
    words = sorted(STREET_WORDS, key=len, reverse=True)
    if capitalised:
        words = [word for word in words if word not in ("rd", "st")]
    form = str.capitalize if capitalised else str.lower
    return "|".join(
        rf"{form(word)}\b" + (r"\.?" if word in _ABBREVIATIONS else "")
        for word in words
    )


# One or two capitalised words and a capitalised street word ("Rd" and "St" in any
# case). "Road traffic accident" has no word before "Road", "on the road to
# recovery" no capitals (but see _CUED_STREET), "CT scan" is no "Ct".
_STREET = re.compile(
    r"\b(?P<one>[A-Z][a-z']+)(?:\s+(?P<two>[A-Z][a-z']+))?\s+"
    rf"(?P<word>(?:{_street_words(capitalised=True)}|(?i:rd|st)\b\.?)"
    r"(?!\s+(?i:traffic|accident|collision)))"
)
# After "lives on", "lives at" a street is a street in any case ("lives on kirkstall
# road", "lives at Kirkstall road"): those words announce where someone lives.
# "moved to" is left out here: in lower case it is as often a change of plan ("moved
# to different way of pacing").
_CUED_STREET = re.compile(
    r"\b(?:lives?|living|lived|resides|residing)\s+(?:on|at|in|off)\s+"
    r"(?P<one>[a-z][a-z']+)(?:\s+(?P<two>[a-z][a-z']+))?\s+"
    rf"(?P<word>{_street_words(capitalised=False)})",
    re.IGNORECASE,
)
_CUES = ("liv", "resid")
# "St" before a first name opens that name: a saint ("seen at St Thomas", "Visited
# St James"), not a street closing the words before. Before another word it closes
# them ("Station St Leeds"). "Dr" before a capitalised word is a title ("Saw Dr
# Patel").
_SAINT_OR_TITLE = re.compile(r"\s+(?P<next>[A-Z][a-z']+)")
# Street words that are also everyday verbs, nouns or adjectives. Exercise cues are
# written in title case ("Feet Close Together", "Sit To Stand Drive through heels",
# "Neutral Spine Place hands on hips") and read as "Capitalised Capitalised Close";
# a street so named has a name no English word ("Kirkstall Close"), or is written
# where a place is ("lives on Meadow Close", "near Mill Grove"). So one of these
# counts only after a location cue or after a word that is neither English nor
# clinical (gazetteer.is_common): body and exercise words are English words, and a
# street named with English words only ("Mill Rise") must have its cue. "Road",
# "Street", "Lane" and the like are no exercise words and keep the rule above.
_EVERYDAY_STREET_WORDS = frozenset(
    """close drive dr way place pl grove walk rise row park green hill gate view
    court ct square sq parade""".split()
)
# Where a place is named: "lives on", "moved to", "on", "at", "off", "near".
_LOCATION_CUE = re.compile(
    r"\b(?:(?:lives?|living|lived|resides|residing|moved|moving)\s+(?:on|at|in|to|off)"
    r"|on|at|off|near)\s+$",
    re.IGNORECASE,
)
# Capitalised words that start a sentence or a title but name no place: "The Way",
# "Same Place", "Left Lane".
_NOT_PLACES = frozenset(
    """a an the this that these those my his her their our your its no any each
    every same other another which what some all one first last next right left
    wrong long short half test back at on in off near by to from of can will may
    must should could would""".split()
)


def streets(text: str) -> Iterator[Span]:
    """A street named without its house number: ``Kirkstall Road``, ``Mill Rd``."""
    for match in _STREET.finditer(text):
        named = [
            group
            for group in ("one", "two")
            if match.group(group) and match.group(group).lower() not in _NOT_PLACES
        ]
        if not named or _saint_or_title(match):
            continue
        # "On Mill Road": "Mill Road", the words from the first that names a place.
        start = match.start(named[0])
        if _street_word_counts(match, start, named):
            yield start, match.end()
    lower = text.lower()
    for match in _CUED_STREET.finditer(text) if any(c in lower for c in _CUES) else ():
        # In lower case, every word must name the place ("lives in flat by park"
        # is no street "flat by park"), and before an everyday street word one must
        # be no English word: "lives on kirkstall way", not "lives in same old way".
        named = [match.group(group) for group in ("one", "two") if match.group(group)]
        word = match.group("word").lower().rstrip(".")
        if any(name.lower() in _NOT_PLACES for name in named):
            continue
        if word not in _EVERYDAY_STREET_WORDS or not all(
            map(gazetteer.is_common, named)
        ):
            yield match.start("one"), match.end()


def _street_word_counts(match: re.Match, start: int, named: list[str]) -> bool:
    word = match.group("word").lower().rstrip(".")
    if word not in _EVERYDAY_STREET_WORDS:
        return True
    if any(not gazetteer.is_common(match.group(group)) for group in named):
        return True
    # Only the few words before are read, as in _set_apart.
    return bool(_LOCATION_CUE.search(match.string, max(0, start - 30), start))


def _saint_or_title(match: re.Match) -> bool:
    word = match.group("word").lower().rstrip(".")
    after = _SAINT_OR_TITLE.match(match.string, match.end())
    if word not in ("st", "dr") or after is None:
        return False
    following = after.group("next").lower().removesuffix("'s")
    return word == "dr" or following in gazetteer.first_names()


# A house number, one to three lower-case words and a short street word, "st"
# among them ("14 church st", "2a mill ln"): identifiers' numbered streets in
# lower case know "rd" and "ave" but not "st", which counts follow too ("14 reps
# st", "3 sets sit to st", "lost 2 st"): none of the words may be a unit, a count's
# word or a word of an exercise.
_NUMBERED_LOWER = re.compile(
    r"(?<![\w./x*+-])\d{1,4}[a-z]?,?\s+(?P<words>(?:[a-z']+\s+){1,3})"
    r"(?:st|ln|gdns|cres|blvd)\b\.?"
)
_NOT_A_STREET_NAME = frozenset(
    """x reps rep sets set secs sec s mins min minutes hrs hr hours days day wks wk
    weeks months times steps step stairs degrees deg kg lbs lb mm cm m km miles
    yards metres meters sessions visits of per each side sides to on in at and or
    the a with for from into sit stand stands squat squats lunge lunges bridge
    bridges hold holds lift lifts walk walking rounds round laps cycles breaths
    more less than over under about approx""".split()
)


def numbered_lower_streets(text: str) -> Iterator[Span]:
    """``14 church st``: a house number and a street in lower case, "st" shortened."""
    for match in _NUMBERED_LOWER.finditer(text):
        if not any(word in _NOT_A_STREET_NAME for word in match.group("words").split()):
            yield match.span()


# -- handles without an @ ------------------------------------------------------------

# The social networks, one list for this finder and for identifiers' (which adds
# "handle" and "username"): a network one of them knows the other must too.
SOCIAL_NETWORKS = (
    "skype instagram insta ig twitter x.com tiktok snapchat snap facebook fb"
    " whatsapp telegram signal discord linkedin"
).split()
NETWORKS = "|".join(re.escape(network) for network in SOCIAL_NETWORKS)
# The network, optionally "handle", "name", "id" or "account", then "is", ":" or
# nothing, then the handle.
_SOCIAL_HANDLE = re.compile(
    rf"\b(?:{NETWORKS})\b(?:\s+(?:handle|name|id|account|user\s*name))?"
    r"(?:\s+is\b|\s*[:=])?\s*(?P<hit>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)",
    re.IGNORECASE,
)
# A handle has what no word has: an underscore, a dot or two digits after its first
# letter ("backpain_jo", "jo.smith77", "jojo77"); "her insta is private" passes.
_HANDLE_LIKE = re.compile(r"[a-z][\w.]*(?:[_.]|\d\d)[\w.]*", re.IGNORECASE)


def social_handles(text: str) -> Iterator[Span]:
    """A handle without ``@`` after a social network: ``twitter is backpain_jo``."""
    # A substring test first skips the pattern for a note without a network's name
    # even inside a word: about two notes in three ("ig" is in "right", "fb" rare).
    lower = text.lower()
    if not any(network in lower for network in SOCIAL_NETWORKS):
        return
    for match in _SOCIAL_HANDLE.finditer(text):
        handle = match.group("hit")
        if len(handle) >= 4 and _HANDLE_LIKE.fullmatch(handle):
            yield match.span("hit")
