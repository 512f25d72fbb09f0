"""Names by an initial or a bare surname, for the identifier screen: a lower-case
initial and a surname of the lists (``k.ward``, ``j.smith``), an initial and a
capitalised word that is no English or clinical word (``A. Kowalski``, not in the
name lists), and a common surname after a word for the patient (``patient Smith
asked``).

Clinical shorthand written with initials passes: sides and levels (``l.side``,
``r.hip``, ``L. SIJ``, ``T. 12``), muscles and microbes in Latin (``V.
Medialis``, ``E. Coli``, ``C. diff``), ``e.g.``, ``i.e.``, ``pt.``, ``st.``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import gazetteer

Span = tuple[int, int]

# Sides and spinal levels: after them a word must be more surely a name.
_SIDES_AND_LEVELS = "lrcts"
MIN_SURNAME = 4

# -- a lower-case initial and a surname: "k.ward", "j.smith" --------------------------

_LOWER_DOTTED = re.compile(
    r"(?<![\w.@/])(?P<initial>[a-z])\.(?P<last>[a-z]{4,})(?![\w@'-]|\.[a-z])"
)
# Words a letter and a dot shorten before ("v.good": very good, "x.ray").
_SHORTENED_BEFORE = frozenset("v x".split())


def lower_initialled(text: str) -> Iterator[Span]:
    """``k.ward``, ``j.smith``: a lower-case initial, a dot and a surname of the
    lists. A surname that is also an English word (``ward``, ``smith``) counts
    when it is one of the commonest surnames of a language; after a side or a
    level (``l.side``, ``r.knee``) only a surname that is no English word."""
    if "." not in text:
        return
    for match in _LOWER_DOTTED.finditer(text):
        initial, last = match.group("initial"), match.group("last")
        if initial in _SHORTENED_BEFORE or not _a_surname(last):
            continue
        if gazetteer.is_name(last) or (
            initial not in _SIDES_AND_LEVELS and _commonest(last)
        ):
            yield match.span()


def _a_surname(word: str) -> bool:
    return (
        len(word) >= MIN_SURNAME
        and word in gazetteer.last_names()
        and word not in gazetteer.CLINICAL_WORDS
    )


def _commonest(word: str) -> bool:
    return any(word in words for words in gazetteer.commonest_surnames().values())


# -- an initial and a word that is no English word: "A. Kowalski" ---------------------

# One or more capital initials, each with its dot, then a capitalised word.
_INITIAL_WORD = re.compile(
    r"(?<![\w.])(?:[A-Z]\.\s?)*(?P<initial>[A-Z])\.\s?(?P<word>[A-Z][a-z]{2,})"
    r"(?![\w-]|\.[A-Za-z])"
)
# Latin of muscles, microbes and anatomy that a capital initial and a dot shorten
# ("V. Medialis", "E. Coli", "G. Med", "Q. Lumborum"); words ending as Latin does
# (-is, -us, -ae, -um, -ii) are left out as well.
_LATIN = frozenset(
    """coli pylori dorsi diff fib gastroc glute glutes psoas med max min lat lats
    trap traps pec pecs quad quads ant post sup inf ham hams delt delts tib
    flexors extensors spinae lumborum medius minimus maximus femoris medialis
    lateralis longus brevis aureus difficile faecalis pneumoniae influenzae
    aeruginosa burgdorferi tuberculosis acnes epidermidis pyogenes quervain""".split()
)
_LATIN_ENDING = re.compile(r"(?:is|us|ae|um|ii)$")
# Words before a letter that closes a phrase, not an initial ("Vitamin D.
# Naproxen", "Hep B. Omeprazole", "grade A. Xyz").
_LETTER_AFTER = re.compile(
    r"\b(?i:vitamin|vit|vits|hep|hepatitis|grade|grades|type|level|stage|class|plan"
    r"|zone|phase|group|category|cat|step|option|section|part|appendix|strep)\s*$"
)
# Surnames' endings: after a side or a level ("L. Kowalski") only a word ending
# so, or a listed name, is one ("R. Piriformis", "L. Gastroc" pass).
_SURNAME_ENDING = re.compile(
    r"(?:ski|ska|sky|wicz|czyk|son|sen|ez|ova|ov|ev|enko|ic|ian|yan|oulos|escu"
    r"|stein|berg|mann|baum|idis|akis|oglu)$"
)


def initialled_words(text: str) -> Iterator[Span]:
    """``A. Kowalski``, ``J.A. Nowak``: a capital initial and its dot before a
    capitalised word that is no English, clinical or Latin word."""
    if "." not in text:
        return
    for match in _INITIAL_WORD.finditer(text):
        word = match.group("word").lower()
        if (
            gazetteer.is_common(word)
            or word in _LATIN
            or _LATIN_ENDING.search(word)
            or _LETTER_AFTER.search(text, max(0, match.start() - 20), match.start())
        ):
            continue
        if match.group("initial").lower() in _SIDES_AND_LEVELS and not (
            gazetteer.is_name(word) or _SURNAME_ENDING.search(word)
        ):
            continue
        yield match.span()


# -- a common surname after a word for the patient: "patient Smith asked" -------------

_AFTER_PATIENT = re.compile(
    r"\b(?i:patient|pt|client|customer|resident|named|called)\b\.?:?\s+"
    r"(?P<name>[A-Z][a-z]{3,})\b(?!-)"
)
# Commonest surnames that are also what follows "patient" capitalised in a note:
# a colour of a traffic-light plan, a walking aid, a place to walk, a cyst.
_NOT_AFTER_PATIENT = frozenset("green white young long hill hall walker baker".split())


def surnames_after_patient(text: str) -> Iterator[Span]:
    """``patient Smith asked``, ``pt Brown rang``: a capitalised surname that is one
    of the commonest of a language after a word for the patient (a surname that is
    no English word there is :mod:`casekit.recognizers`')."""
    for match in _AFTER_PATIENT.finditer(text):
        word = match.group("name").lower()
        if _a_surname(word) and _commonest(word) and word not in _NOT_AFTER_PATIENT:
            yield match.span("name")


def names(text: str) -> Iterator[Span]:
    """Every name of this module's finders."""
    yield from lower_initialled(text)
    yield from initialled_words(text)
    yield from surnames_after_patient(text)
