"""First names and surnames, for the identifier screen: who a word may be.

The names are faker's name lists for every locale it ships (``faker.providers.person``,
about 27,000 first names and 23,000 surnames once transliterated to ASCII with
``anyascii``), read from the installed package, never downloaded. A word is a name
only when it is not also an everyday or clinical word:

- ``english_words.txt.gz`` (beside this module, written by
  ``tools/english_words.py``): the 63,000 lower-case words of SCOWL's British
  English list, so that "Will", "Mark", "Rose" or "Walker" starting a sentence is
  not a name, and a capitalised word after "husband" that is no English word is;
- :data:`CLINICAL_WORDS`: eponyms of tests and conditions (Thomas test, FABER,
  Trendelenburg, McKenzie), methods, scales and calendar words, which notes
  capitalise.

Everything is loaded once, on first use: ``import casekit`` stays light.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

ENGLISH_WORDS = Path(__file__).with_name("english_words.txt.gz")
MIN_LENGTH = 3  # shorter "names" are mostly syllables of transliterated scripts

# Capitalised in clinical notes, and names in some locale's list: never a person.
CLINICAL_WORDS = frozenset(
    """
    achilles adams addison alexander apley babinski baastrup bankart barral
    bechterew bertolotti borg bournemouth bowen brudzinski chaitow colles
    craig crohn cushing cyriax danlos dupuytren ehlers ely faber fadir fair
    feldenkrais finkelstein forestier fortin gaenslen gerber gillet graston
    graves hawkins hibb hodgkin hoffa hoffmann horner hunter janda jobe
    kaltenborn keele kemp kennedy kernig kinesio lachman larsen laslett
    lasegue lewit lhermitte maigne maitland marfan mckenzie mcmurray mennell
    modic morris morton mulligan nachlas neer noble ober oswestry osgood paget
    parkinson patrick perthes phalen pilates quebec raynaud reiter roland
    romberg sahrmann scarpa schatzker schlatter schmorl schober scheuermann
    sever sinding sjogren speed spurling still stork sutherland tampa
    thessaly thomas tietze tinel trendelenburg upledger valsalva waddell
    yeoman yergason
    january february march april may june july august september october
    november december monday tuesday wednesday thursday friday saturday sunday
    christmas easter
    abd add adl ant asis bilat dist dx ext flex hx ice inf lat med neg obs pos
    post prox psis rom rot rpe rx sij sup sx tens tx vit
    biering bobath copenhagen covid kendall mcgill nordic sorensen vojta
    physio physiotherapist osteo osteopath chiro chiropractor gp consultant
    """.split()
)


FIRST_NAME_LISTS = ("first_names", "first_names_male", "first_names_female")
SURNAME_LIST = "last_names"


def _person_lists() -> Iterator[tuple[str, str, list | tuple | dict]]:
    """``(locale, list, names)`` for each of faker's person lists: a list or tuple,
    or a dict of each name's frequency."""
    import faker.providers.person as person

    for module in pkgutil.iter_modules(person.__path__):
        try:
            provider = importlib.import_module(f"{person.__name__}.{module.name}")
        except ImportError:
            continue
        attributes = vars(getattr(provider, "Provider", object))
        for attribute in (*FIRST_NAME_LISTS, SURNAME_LIST):
            names = attributes.get(attribute)
            if isinstance(names, list | tuple | dict):  # not a property of others
                yield module.name, attribute, names


def _ascii_word(name: object) -> str | None:
    """``name`` in ASCII, lower case, when it is letters only and at least
    ``MIN_LENGTH`` long."""
    from anyascii import anyascii

    if not isinstance(name, str):
        return None
    word = anyascii(name).lower()
    return word if word.isalpha() and len(word) >= MIN_LENGTH else None


def _listed_names() -> Iterator[tuple[str, str, str]]:
    """``(locale, list, name)`` for every name of faker's person lists, as
    :func:`_ascii_word` writes it."""
    for locale, attribute, names in _person_lists():
        for name in names:
            word = _ascii_word(name)
            if word is not None:
                yield locale, attribute, word


@functools.cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for _, attribute, word in _listed_names():
        (last if attribute == SURNAME_LIST else first).add(word)
    return frozenset(first), frozenset(last)


@functools.cache
def first_name_locales() -> dict[str, frozenset[str]]:
    """For each first name of the lists, the faker locales that list it
    (``"will"``: ``{"en"}``)."""
    locales: dict[str, set[str]] = {}
    for locale, attribute, word in _listed_names():
        if attribute in FIRST_NAME_LISTS:
            locales.setdefault(word, set()).add(locale)
    return {word: frozenset(where) for word, where in locales.items()}


COMMONEST = 50  # surnames of each list that carries frequencies


@functools.cache
def commonest_surnames() -> dict[str, frozenset[str]]:
    """For each language (``"en"``), the :data:`COMMONEST` surnames of each of its
    faker lists that gives how common each surname is (en_US's from the US
    census, en_GB's, en_NZ's): ``"smith"``, ``"brown"``, ``"walker"``."""
    commonest: dict[str, set[str]] = {}
    for locale, attribute, names in _person_lists():
        if attribute != SURNAME_LIST or not isinstance(names, dict):
            continue
        by_frequency = sorted(names, key=names.__getitem__, reverse=True)
        words = filter(None, map(_ascii_word, by_frequency[:COMMONEST]))
        commonest.setdefault(locale.split("_")[0], set()).update(words)
    return {language: frozenset(words) for language, words in commonest.items()}


def first_names() -> frozenset[str]:
    """Every first name of the lists, lower case, ASCII."""
    return _lists()[0]


def last_names() -> frozenset[str]:
    """Every surname of the lists, lower case, ASCII."""
    return _lists()[1]


@functools.cache
def common_words() -> frozenset[str]:
    """Everyday English words and the clinical words above, lower case."""
    text = gzip.decompress(ENGLISH_WORDS.read_bytes()).decode("utf-8")
    words = {line for line in text.splitlines() if line and line[0] != "#"}
    return frozenset(words | CLINICAL_WORDS)


def is_common(word: str) -> bool:
    """Whether ``word`` (any case, a possessive 's aside) is an English or
    clinical word."""
    return word.lower().removesuffix("'s") in common_words()


def is_first_name(word: str) -> bool:
    """Whether ``word`` (any case) is a first name and not a common word."""
    lower = word.lower()
    return lower in first_names() and lower not in common_words()


def in_lists(word: str) -> bool:
    """Whether ``word`` (any case) is in the name lists at all, common or not."""
    lower = word.lower()
    return lower in first_names() or lower in last_names()


def is_name(word: str) -> bool:
    """Whether ``word`` (any case) is a first name or surname, not a common word."""
    lower = word.lower()
    return (lower in first_names() or lower in last_names()) and (
        lower not in common_words()
    )
