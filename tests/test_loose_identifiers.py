"""Identifiers a privacy review found stored past the screen (round 2): names run
together (casekit/glued.py), e-mail addresses without their ending, letters spaced
out, postcodes with two spaces or a hyphen, a birth month and year, a handle before
its network (casekit/loose.py) and a phone number said with "hundred"
(casekit/disguise.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casekit.errors import IdentifyingReason
from casekit.identifiers import scan_text
from casekit.privacy import refuse_identifying_reason

NAME = "a name"
EMAIL = "an e-mail address"
BIRTH = "a birth date or year"
POSTCODE = "a postcode"
HANDLE = "a handle"
SAID = "a phone number written in words"

# What the review found, each with what must be found and as what.
FOUND = [
    ("KateWard rang", NAME, "KateWard"),
    ("K.Ward called", NAME, "K.Ward"),
    ("DaveHunt", NAME, "DaveHunt"),
    ("KateWard61 on the phone", NAME, "KateWard"),
    ("JWatts withdrew consent", NAME, "JWatts"),
    ("email her at kateward61 at hotmail", EMAIL, "kateward61 at hotmail"),
    ("kateward at gmail", EMAIL, "kateward at gmail"),
    ("reply to kate.w@yahoo", EMAIL, "kate.w@yahoo"),
    ("k w a r d @ g m a i l . c o m", EMAIL, "k w a r d @ g m a i l . c o m"),
    ("born in March 61", BIRTH, "born in March 61"),
    ("born Mar 61", BIRTH, "born Mar 61"),
    ("born spring 1961", BIRTH, "born spring 1961"),
    ("DOB: Oct '61", BIRTH, "DOB: Oct '61"),
    ("born 1961", BIRTH, "born 1961"),  # a year of birth alone, as before
    ("address ends SW1A  1AA", POSTCODE, "SW1A  1AA"),
    ("flat near LS6-2QT", POSTCODE, "LS6-2QT"),
    ("postcode L S 6 2 Q T", POSTCODE, "L S 6 2 Q T"),
    ("msg kate_ward61 on insta", HANDLE, "kate_ward61"),
    ("jo.smith77 on tiktok", HANDLE, "jo.smith77"),
    ("add kate_ward61 fb", HANDLE, "kate_ward61"),
    (
        "oh seven seven hundred nine hundred one two three",
        SAID,
        "oh seven seven hundred nine hundred one two three",
    ),
]


@pytest.mark.parametrize(("text", "kind", "found"), FOUND)
def test_what_the_review_found_is_refused(text, kind, found):
    assert (kind, found) in [(f.kind, f.text) for f in scan_text(text)]


@pytest.mark.parametrize(
    "reason", ["KateWard asked, ring DaveHunt at home", "JWatts withdrew consent"]
)
def test_a_reason_naming_someone_run_together_is_refused(reason):
    with pytest.raises(IdentifyingReason):
        refuse_identifying_reason(reason)


# Clinical lines beside each rule: they pass.
NEAR_MISSES = [
    "pain since March",
    "onset spring 2024",
    "worse since spring, 2 falls",
    "born at 36 weeks",
    "L5-S1 disc, L4 5 facet",
    "S1 radic, T12-L1 tender, C5 6 stiff",
    "C5  6 in sitting",
    "XRay of the L spine; X.Ray: no change",
    "TBand 3x10, PBall bridges, GMin weak",
    "McKenzie, DeQuervain, TheraBand, KinesioTape, YouTube video sent",
    "logged in at outlook to book",
    "we met at gmail's office",  # no address: a word before "at"
    "advice on ig and fb pages of the clinic",
    "sets on fb live",
    "walked two hundred, three hundred, four hundred metres",
    "one hundred and twenty reps",
    "R L S 1 2 3 sides and levels",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_clinical_lines_beside_the_new_rules_pass(text):
    assert scan_text(text) == []


_LETTER = st.sampled_from("abcdeglmoqstwx0126789@.-")


@given(st.lists(_LETTER, min_size=6, max_size=20))
def test_letters_spaced_out_read_as_what_they_spell(chars):
    """A string spaced a character at a time is refused when written together it
    is an e-mail address or a postcode, whatever its characters."""
    joined = "".join(chars)
    spaced = " ".join(chars)
    kinds = {f.kind for f in scan_text(joined) if f.text == joined}
    spaced_kinds = {f.kind for f in scan_text(spaced) if f.text == spaced}
    assert kinds & {EMAIL, POSTCODE} <= spaced_kinds


@given(st.sampled_from(["KateWard", "DaveHunt", "JamesWest"]), st.text("0123456789"))
def test_a_name_run_together_is_found_with_digits_after_it(name, digits):
    assert NAME in {f.kind for f in scan_text(f"ring {name}{digits} later")}
