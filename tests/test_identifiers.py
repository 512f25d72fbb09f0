"""Tests for the free-text identifier scan."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.identifiers import Finding, describe, scan_text

# Ordinary clinical shorthand: none of it may be refused.
CLINICAL = [
    "L4-5",
    "L5/S1",
    "S1",
    "T12",
    "C7-T1",
    "NPRS 7/10",
    "pain 3/10 after",
    "3x/week",
    "2 weeks",
    "C-section 2015",
    "since 2019",
    "SLR 45 deg",
    "ODI 34%",
    "flare 24-48h",
    "48 h check-in",
    "ROM 90/120",
    "Thomas test +ve L",
    "glute med 4/5",
    "reps 3x10",
    "BP 120/80",
    "e.g. hip flexors",
    "i.e. psoas",
    "2.5 cm",
    "rolled ankle 20 years ago",
    "grade 2 sprain",
    "sessions 1-3",
    "Laslett 3/6 positive",
    "walks 5 km daily",
    "hip flexors tight, glute weak R",
    "see again in 10 days",
    "1st visit",
    "2nd session",
    "S1 2nd visit",
    "may need more sessions",
    "Trendelenburg R",
    "TFL, ITB tight",
    # a few more in the same spirit
    "L3-L4-L5-S1 degeneration",
    "ROM dec 20 deg",
    "vit D 1000 IU daily",
    "marching on the spot",
    "missed the last session",
    "LBP since 2019, C-section 2015, NPRS 6/10 -> 3/10 over 2 weeks",
]


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_shorthand_passes(text):
    assert scan_text(text) == []


EMAIL = "an e-mail address"
PHONE = "a phone number"
URL = "a URL"
POSTCODE = "a postcode"
ZIP = "a ZIP code"
RECORD = "a record number"
NHS = "an NHS number"
NI = "a national insurance number"
SSN = "a social security number"
ID = "an ID-like code"
DIGITS = "a long digit run"
DATE = "a calendar date"
TITLED = "a name with a title"
AGE = "an exact age"

# (note, kind, the matched text)
FOUND = [
    ("mail jo@example.com today", EMAIL, "jo@example.com"),
    ("contact j.smith+lbp@clinic.co.uk.", EMAIL, "j.smith+lbp@clinic.co.uk"),
    ("call +44 7700 900123 pm", PHONE, "+44 7700 900123"),
    ("call (555) 123-4567", PHONE, "(555) 123-4567"),
    ("mob 07700900123", PHONE, "07700900123"),
    ("tel 555.123.4567.", PHONE, "555.123.4567"),
    ("see https://example.com/p?id=3.", URL, "https://example.com/p?id=3"),
    ("see www.physio-clinic.com", URL, "www.physio-clinic.com"),
    ("booked via example.com", URL, "example.com"),
    ("works at clinic.co.uk now", URL, "clinic.co.uk"),
    ("blog on name.org", URL, "name.org"),
    ("lives SW1A 1AA", POSTCODE, "SW1A 1AA"),
    ("from M1 1AE", POSTCODE, "M1 1AE"),
    ("moved to B33 8TH", POSTCODE, "B33 8TH"),
    ("EH1 2NG area", POSTCODE, "EH1 2NG"),
    ("Ottawa K1A 0B1", POSTCODE, "K1A 0B1"),
    ("Leiden 2311 AB", POSTCODE, "2311 AB"),
    ("zip 12345-6789", ZIP, "12345-6789"),
    ("ZIP 90210-1234 on form", ZIP, "90210-1234"),
    ("lives in 02139", ZIP, "02139"),
    ("moved to a flat in MA 02139", ZIP, "MA 02139"),
    ("NHS 943 476 5919", NHS, "943 476 5919"),
    ("nhs no 9434765919.", NHS, "9434765919"),
    ("NHS 401-023-2137", NHS, "401-023-2137"),
    ("NI QQ 12 34 56 C", NI, "QQ 12 34 56 C"),
    ("NI AB123456C", NI, "AB123456C"),
    ("SSN 123-45-6789", SSN, "123-45-6789"),
    ("ssn 078-05-1120 on file", SSN, "078-05-1120"),
    ("member ABC12345678", RECORD, "ABC12345678"),
    ("policy XK-2291-4471", RECORD, "XK-2291-4471"),
    ("hosp no 87654321", RECORD, "87654321"),
    ("MRN 443-221", RECORD, "443-221"),
    ("card XK-2291-4471", ID, "XK-2291-4471"),
    ("token AB12CD3456 sent", ID, "AB12CD3456"),
    ("wrote 123456 down", DIGITS, "123456"),
    ("ticket 87654321", DIGITS, "87654321"),
    ("seen 12/03/2021", DATE, "12/03/2021"),
    ("seen 3.12.21", DATE, "3.12.21"),
    ("seen 2021-03-12", DATE, "2021-03-12"),
    ("seen 12-03-2021", DATE, "12-03-2021"),
    ("fell on 3 March", DATE, "3 March"),
    ("fell on March 3rd", DATE, "March 3rd"),
    ("fell on the 3rd of March", DATE, "3rd of March"),
    ("review Mar 12", DATE, "Mar 12"),
    ("onset March 2015", DATE, "March 2015"),
    ("op Sept 2019", DATE, "Sept 2019"),
    ("born 3 March 1978", DATE, "3 March 1978"),
    ("seen May 4", DATE, "May 4"),
    ("referred by Mr Smith", TITLED, "Mr Smith"),
    ("referred by Mrs. Jones", TITLED, "Mrs. Jones"),
    ("referred by Ms Patel", TITLED, "Ms Patel"),
    ("referred by Miss Brown", TITLED, "Miss Brown"),
    ("GP Dr Khan", TITLED, "Dr Khan"),
    ("seen by Prof. Lee", TITLED, "Prof. Lee"),
    ("47 yo F", AGE, "47 yo"),
    ("47 y/o office worker", AGE, "47 y/o"),
    ("she is 47 years old", AGE, "47 years old"),
    ("a 47-year-old roofer", AGE, "47-year-old"),
    ("aged 47, roofer", AGE, "aged 47"),
    ("age 47", AGE, "age 47"),
]


@pytest.mark.parametrize(("text", "kind", "matched"), FOUND)
def test_identifier_found_with_kind(text, kind, matched):
    findings = scan_text(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, matched)]
    f = findings[0]
    assert text[f.start : f.end] == matched


def test_every_kind_has_two_examples():
    kinds = [kind for _, kind, _ in FOUND]
    for kind in (
        EMAIL,
        PHONE,
        URL,
        POSTCODE,
        ZIP,
        RECORD,
        NHS,
        NI,
        SSN,
        ID,
        DIGITS,
        DATE,
        TITLED,
        AGE,
    ):
        assert kinds.count(kind) >= 2, kind


@pytest.mark.parametrize("number", ["943 476 5918", "9434765918", "1234567890"])
def test_bad_nhs_check_digit_still_caught(number):
    findings = scan_text(f"number {number} on letter")
    assert len(findings) == 1
    assert findings[0].kind in (PHONE, DIGITS)
    assert findings[0].text == number


def test_findings_ordered_and_non_overlapping():
    text = (
        "Dr Khan rang 07700 900123 re NHS 943 476 5919; mail jo@example.com, "
        "seen 3 March, 47 yo, member ABC12345678, lives SW1A 1AA"
    )
    findings = scan_text(text)
    assert [f.kind for f in findings] == [
        TITLED,
        PHONE,
        NHS,
        EMAIL,
        DATE,
        AGE,
        RECORD,
        POSTCODE,
    ]
    starts = [f.start for f in findings]
    assert starts == sorted(starts)
    for a, b in zip(findings, findings[1:], strict=False):
        assert a.end <= b.start
    for f in findings:
        assert text[f.start : f.end] == f.text


def test_more_specific_rule_wins_overlap():
    # An e-mail's domain alone would be a URL; an NHS number is also a phone number.
    assert [f.kind for f in scan_text("jo@example.com")] == [EMAIL]
    assert [f.kind for f in scan_text("9434765919")] == [NHS]


def test_describe_names_each_finding():
    findings = scan_text("mail jo@example.com or call 07700 900123")
    assert describe(findings) == (
        "looks like an e-mail address ('jo@example.com') and a phone number "
        "('07700 900123')"
    )
    three = describe(
        [
            Finding(AGE, "47 yo", 0, 5),
            Finding(TITLED, "Dr Khan", 6, 13),
            Finding(DATE, "3 March", 14, 21),
        ]
    )
    assert three == (
        "looks like an exact age ('47 yo'), a name with a title "
        "('Dr Khan') and a calendar date ('3 March')"
    )
    assert describe([]) == "has nothing identifier-like"


DENY = "a name from the deny-list"


def test_deny_list_whole_word_case_insensitive_and_phrases():
    assert [(f.kind, f.text) for f in scan_text("saw Ann today", ["Ann"])] == [
        (DENY, "Ann")
    ]
    assert scan_text("annual review, annotated", ["Ann"]) == []
    assert [f.text for f in scan_text("saw ANN and ann", ["ann"])] == ["ANN", "ann"]
    assert [f.text for f in scan_text("sister Mary  Jane came", ["mary jane"])] == [
        "Mary  Jane"
    ]
    found = scan_text("Mary came, Jane left", ["Mary Jane"])
    assert DENY not in {f.kind for f in found}  # each is a name, not the phrase


def test_deny_list_blank_entries_ignored():
    assert scan_text("all fine", ["", "   "]) == []
    assert [f.text for f in scan_text("saw Okafor", ["", " Okafor "])] == ["Okafor"]


def test_year_alone_is_not_a_finding():
    assert scan_text("C-section 2015, LBP since 2019") == []
    assert [f.text for f in scan_text("C-section March 2015")] == ["March 2015"]


# The disguises the issue found passing, each refused now (a sample per kind).
DISGUISED = [
    "sw1a 1aa",
    "ec1a1bb",
    "on 14/03",
    "Tuesday 14th",
    "Mar '22",
    "Christmas Day 2022",
    "born 1961",
    "DOB 1961",
    "b. 4/61",
    "47M",
    "pt is 47",
    "turned 50",
    "MRN 443-221",
    "Bupa member 8812 3341",
    "Claim ref 44-21-77",
    "jd at gmail dot com",
    "j.smith(at)hotmail(dot)co(dot)uk",
    "@backpain_jo",
    "Skype: john.smith77",
    "jo-runs.blog",
    "physio.ie/jo",
    "12 High Street",
    "Flat 3, 27 Baker Street",
    "car reg AB12 CDE",
    "Saw Margaret today",
    "Husband Keith",
    "Patient Aisha Khan",
    "mr. jones",
    "Rev. Patel",
    "Sgt Walker",
]
# The clinical notes the issue found refused, each passing now.
CLINICAL_NOW = [
    "Walks 10000 steps/day",
    "Session 4 may be the last",
    "20 march steps",
    "MR Lumbar spine 2019",
    "Known MS",
    "3x10-3x15",
    "Squat reps 12-12-10-10-8",
]


@pytest.mark.parametrize("text", DISGUISED)
def test_the_disguised_identifiers_are_refused(text):
    assert scan_text(text)


@pytest.mark.parametrize("text", CLINICAL_NOW)
def test_ordinary_notes_once_refused_pass(text):
    assert scan_text(text) == []


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("call 07700\u200b900123 today", "07700\u200b900123"),
        ("email jo\uff20example.com", "jo\uff20example.com"),
        ("saw Mrs J\u043enes", "Mrs J\u043enes"),
        ("lives SW1A\u00a01AA", "SW1A\u00a01AA"),
        ("seen 14\u221503\u22152023", "14\u221503\u22152023"),
        ("DOB 1\u00ad961", "DOB 1\u00ad961"),
        ("Saw Marg\u200baret", "Marg\u200baret"),
    ],
)
def test_unicode_disguises_are_found_where_they_were_typed(text, typed):
    findings = scan_text(text)
    assert [f.text for f in findings] == [typed]
    assert text[findings[0].start : findings[0].end] == typed


def test_the_deny_list_sees_through_unicode_too():
    assert [f.kind for f in scan_text("saw Okaf\u043er", ["Okafor"])] == [DENY]


@pytest.mark.parametrize(
    "code, refused",
    [("jane-smith", True), ("margaret", True), ("north", False), ("main", False)],
)
def test_strict_names_read_lower_case_words(code, refused):
    assert bool(scan_text(code.replace("-", " "), strict_names=True)) is refused


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gives_findings_in_place_and_in_order(text):
    findings = scan_text(text)
    for f in findings:
        assert text[f.start : f.end] == f.text
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


# Forms beyond the corpus: initials, kin, lower case, words, districts.
@pytest.mark.parametrize(
    "text",
    [
        "J. Smith phoned",
        "Uncle Bob helps",
        "Nurse Ratched",
        "jones called back",
        "with keith today",
        "Lives at 221B Baker St",
        "lives at 12 high street",
        "lives in NW3",
        "she's 61",
        "age sixty-two",
        "seen 25/11",
        "see t.me/jojo",
        "Dr. Ngozi Adeyemi",
        "Ms Nakamura",
        "reg: ab12cde",
        "MRN:12-34-567",
        "born on the 4th of July 1976",
    ],
)
def test_more_disguises_are_refused(text):
    assert scan_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "L. Side pain",
        "pain from L5 to S1",
        "with a walker",
        "24/7 pain",
        "Patient Will attend",
        "Father had surgery",
        "Gave Maitland grade III PA L4 and L5",
        "FABER R reproduces groin pain; Thomas test tight L",
        "Keele STarT 6/9 high risk",
        "Took co-codamol 8/500 x2 today",
        "Drives a Ford, 40 min each way",
        "Hope to return to Crossfit in May",
    ],
)
def test_more_clinical_notes_pass(text):
    assert scan_text(text) == []


# A first name and a surname of the lists, each also an English word: a name when
# written as one (capitalised or in capitals), and a surname with an initial.
FULL_NAMES = [
    ("Pt John Smith reports less pain", "John Smith"),
    ("seen with Peter Brown today", "Peter Brown"),
    ("Grace Walker attended", "Grace Walker"),
    ("Jack Wood", "Jack Wood"),
    ("Frank Turner, L4-5", "Frank Turner"),
    ("JOHN SMITH", "JOHN SMITH"),
    ("Thomas White rang", "Thomas White"),
    ("per Smith J", "Smith J"),
    ("list: WALKER G.", "WALKER G."),
]


@pytest.mark.parametrize(("text", "name"), FULL_NAMES)
def test_a_full_name_of_english_words_is_found(text, name):
    findings = scan_text(text)
    assert [f.kind for f in findings] == ["a name"]
    assert findings[0].text == name


@pytest.mark.parametrize(
    "text",
    [
        "Will review in 2 weeks",
        "Grace period for HEP",
        "Left SIJ tight, Right glute weak",
        "Mark progress at 6/52",
        "Rose from chair without hands",
        "Frank discussion re pacing",
        "Hope to walk 5 km by May",
        "Back R tight, Foot L numb",
        "Thomas Test tight L",
        "May Day weekend flare",
        "HEP GIVEN, ROM FULL",
        "Bill for 3 sessions sent",
        "Walker R leg",
        "Roland Morris 8/24",
        "Alexander Technique weekly",
    ],
)
def test_clinical_sentences_opening_with_capitals_pass(text):
    assert scan_text(text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("card 4111 1111 1111 1111", "4111 1111 1111 1111"),
        ("paid by 5555-5555-5555-4444 today", "5555-5555-5555-4444"),
        ("amex 3782 822463 10005", "3782 822463 10005"),
        ("card 4012888888881881", "4012888888881881"),
    ],
)
def test_a_payment_card_number_is_found_by_its_luhn_check(text, number):
    findings = scan_text(text)
    assert [(f.kind, f.text) for f in findings] == [("a payment card number", number)]
