"""Identifiers written plainly: names in lower case, names a relation introduces,
streets without a house number and handles without an @ (casekit/plain.py)."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casekit import gazetteer
from casekit.identifiers import scan_text
from casekit.recognizers import _CALENDAR

NAME = "a name"
STREET = "a street address"
HANDLE = "a handle"

# The notes a review found stored, each with what must be found and as what.
PLAIN = [
    ("priya sharma", NAME, "priya sharma"),
    ("mary brown reports less pain", NAME, "mary brown"),
    ("grace walker", NAME, "grace walker"),
    ("patient is mohammed ali", NAME, "mohammed ali"),
    ("her son is called Tom", NAME, "Tom"),
    ("Tom (son) brought her", NAME, "Tom"),
    ("lives on Kirkstall Road", STREET, "Kirkstall Road"),
    ("Works at Tesco on Mill Road", STREET, "Mill Road"),
    ("Her twitter is backpain_jo", HANDLE, "backpain_jo"),
]


@pytest.mark.parametrize(("text", "kind", "found"), PLAIN)
def test_what_the_review_found_is_refused_and_named(text, kind, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(kind, found)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("saw grace walker today", "grace walker"),
        ("grace walker reports less pain", "grace walker"),
        ("seen with mark brown, L4-5 stiff", "mark brown"),
        ("jack wood.", "jack wood"),
        ("pt john smith", "john smith"),
    ],
)
def test_a_lowercase_pair_of_english_words_set_apart_as_a_name_is_one(text, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(NAME, found)]


# A first name and a surname that are both English words, before a verb of coming to
# the clinic: only a person attends, presents or is seen.
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Grace walker attended", "Grace walker"),
        ("grace walker attended today", "grace walker"),
        ("Grace walker came in with LBP", "Grace walker"),
        ("grace walker presented with L sided LBP", "grace walker"),
        ("Grace walker was seen for review", "Grace walker"),
        ("jack wood came back after 2/52", "jack wood"),
        ("mark brown arrived late", "mark brown"),
    ],
)
def test_a_lowercase_pair_before_a_verb_of_attending_is_a_name(text, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(NAME, found)]


# A first name of one list ("will", in faker's en only) is mostly a word in lower
# case; with one of the commonest surnames of its language, where only a person
# can stand, the pair is a name.
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("saw will smith today", "will smith"),
        ("met will brown at the gym", "will brown"),
        ("spoke to will walker re: HEP", "will walker"),
        ("will smith attended", "will smith"),
        ("will smith reports less pain", "will smith"),
    ],
)
def test_a_first_name_of_one_list_with_a_wide_surname_after_a_cue_is_a_name(
    text, found
):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(NAME, found)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("son called Tom", "Tom"),
        ("her son is called tom", "tom"),
        ("daughter named Amy", "Amy"),
        ("Amy (daughter)", "Amy"),
        ("tom (son) drove her", "tom"),
        ("came with son (Tom)", "Tom"),
        ("son's name is Will", "Will"),
        ("Mark (husband) waited outside", "Mark"),
        ("her son, called tom, drove her", "tom"),
        ("her stepson is called tom", "tom"),
        ("Tom (step-son) drove her", "Tom"),
        ("her boy is called tom", "tom"),
        ("her grandchild is called tom", "tom"),
    ],
)
def test_a_name_a_relation_introduces_is_refused(text, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(NAME, found)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("on Station Rd", "Station Rd"),
        ("lives off Church St.", "Church St."),
        ("Moved to Acacia Avenue", "Acacia Avenue"),
        ("flat above the shop, Bridge Street", "Bridge Street"),
        ("lives on Hyde Park Gardens", "Hyde Park Gardens"),
        ("Lives On Kirkstall Road", "Kirkstall Road"),
        ("near Meadow Close", "Meadow Close"),
        ("Kirkstall Close", "Kirkstall Close"),
        ("On Mill Grove", "Mill Grove"),
        # identifiers' street words, and "lives on" before a lower-case one.
        ("lives on Park Ave", "Park Ave"),
        ("lives on Mill Court", "Mill Court"),
        ("lives on Elm Ct", "Elm Ct"),
        ("lives on Sunset Boulevard", "Sunset Boulevard"),
        ("lives in Mill Rise", "Mill Rise"),
        ("lives on Station St Leeds", "Station St"),
        ("lives at Kirkstall road", "Kirkstall road"),
        ("lives on kirkstall road", "kirkstall road"),
    ],
)
def test_a_street_without_a_number_is_refused(text, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(STREET, found)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("insta jo.smith77", "jo.smith77"),
        ("instagram is jojo77", "jojo77"),
        ("facebook: backpain_jo", "backpain_jo"),
        ("fb is jo_runs", "jo_runs"),
        ("tiktok jo_runs_uk", "jo_runs_uk"),
        ("snapchat is jo_b99", "jo_b99"),
        ("whatsapp name is jo.b", "jo.b"),
        ("telegram jojo_77", "jojo_77"),
        ("X.com is backpain_jo", "backpain_jo"),
        ("Skype: john.smith77", "john.smith77"),
        # The networks identifiers knows: one list for both finders.
        ("her ig is jo.smith77", "jo.smith77"),
        ("her discord is backpain_jo", "backpain_jo"),
        ("signal is jojo77", "jojo77"),
        ("her linkedin is jo.smith77", "jo.smith77"),
    ],
)
def test_a_handle_without_an_at_after_a_network_is_refused(text, found):
    assert [(f.kind, f.text) for f in scan_text(text)] == [(HANDLE, found)]


# Clinical notes that must pass: each has a word the new rules read (a listed name
# in lower case, a relation, a street word, a network).
CLINICAL = [
    "walks with a stick, will rest",
    "road traffic accident 2019",
    "Road traffic accident 2019",
    "RTA 2019, whiplash",
    "Left SIJ tight, Right glute weak",
    "Will review in 2 weeks",
    "mark on skin left by TENS",
    "grace period for exercises",
    "on the road to recovery",
    "if no better, come back",
    "pain will come back if she stops",
    "fear she will fall again",
    "can lie flat now",
    "can carry shopping without pain",
    "can read for 30 min before stiffness",
    "long long history of lbp",
    "dead bug and side plank progressions",
    "walks 5 km per day",
    "little more stiff today",
    "son called back re appointment",
    "her son, called back re appointment",
    "daughter named in consent form",
    "her insta is private",
    "twitter is full of bad advice",
    "fb group for back pain helped",
    "snap of pain at end of range",
    "signal is weak on the ward",
    "right side tighter, big toe stiff",
    "St Thomas hospital referral",
    "Visited St Thomas again",
    "Had CT scan",
    "Seated Row 3x10",
    "Tennis Court twice a week",
    "lives in flat by park",
    "lives in same old way",
    "moved to different way of pacing",
    "Same Place as before, L4-5",
    "Can Drive again",
    "Thomas Test tight L",
    "mother (carer) present",
    "frank discussion about pacing",
    "rose from chair slowly",
    "hope to return to work",
    "will walk more",
    # Verbs of attending after words that are listed names ("per" a first name,
    # "day" a surname), and after symptoms.
    "Grace period of 2 weeks",
    "steps per day returned to baseline",
    "HEP 3x per day was reviewed",
    "Paraesthesia came in waves",
    "Radiculopathy presented after lifting",
    "frank blood was seen on dipstick",
    "A red mark was seen on the skin",
    "Patient attended with husband",
    # "will" before English words that are surnames, and other first names of one
    # list ("less", "early", "over") before surnames, after words that take a person
    "will review in 2/52",
    "will see in 2 weeks",
    "pain will settle with time",
    "goals met, will ring next week",
    "patient will walk daily, will park further away",
    "Saw less back pain after HEP",
    "seen with less back pain this week",
    "met early goals, will book in",
    "pain over long drives, worse over long walks",
    "saw little day to day change",
    "saw little short term benefit, met friend west of town",
    "spoke to friend, will ring",
    # Exercise cues in title case: street words that are everyday words too
    # ("Close", "Drive", "Place") after body and exercise words.
    "Feet Close Together squat",
    "Hands Close Grip press",
    "Knees Close Together in crook lying",
    "Sit To Stand Drive through heels",
    "Wall Slide Drive elbows up",
    "Neutral Spine Place hands on hips",
    "Side Lying Close Packed position held",
]


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_notes_with_plain_words_pass(text):
    assert scan_text(text) == []


def _names(listed, common_too=False):
    words = gazetteer.common_words()
    return sorted(
        w
        for w in listed
        if (common_too or w not in words)
        and w not in gazetteer.CLINICAL_WORDS
        and w not in _CALENDAR
    )


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from(_names(gazetteer.first_names())),
    last=st.sampled_from(_names(gazetteer.last_names(), common_too=True)),
    case=st.sampled_from([str.lower, str.title]),
)
def test_a_listed_first_name_and_surname_is_a_name_in_any_case(first, last, case):
    # The first name is no English word, the surname any surname: written as
    # typed fast, in lower case, or capitalised, the pair is refused whole (as a
    # name; "Priya Lane" as a street, "maj sharma" as a name with a title).
    found = scan_text(f"seen today: {case(first)} {case(last)}, less pain")
    assert [f.text.lower() for f in found] == [f"{first} {last}"]
    assert found[0].kind in {NAME, STREET, "a name with a title"}


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(_names(gazetteer.first_names(), common_too=True)),
    relation=st.sampled_from(["son", "daughter", "wife", "husband", "friend"]),
)
def test_a_listed_name_with_its_relation_in_brackets_is_a_name(name, relation):
    found = scan_text(f"{name.title()} ({relation}) brought her in")
    assert [(f.kind, f.text) for f in found] == [(NAME, name.title())]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.", max_size=60))
def test_no_street_is_read_in_lower_case(text):
    # but after "lives on" ("lives on kirkstall road"), the one cue it is read after
    assume("liv" not in text and "resid" not in text)
    assert STREET not in {f.kind for f in scan_text(text)}


_WILL_COMMONEST = sorted(
    gazetteer.commonest_surnames()["en"] - gazetteer.CLINICAL_WORDS - {"will"}
)
_WORDS_LISTED_AS_SURNAMES = sorted(
    (gazetteer.last_names() & gazetteer.common_words())
    - gazetteer.commonest_surnames()["en"]
    - gazetteer.CLINICAL_WORDS
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_WILL_COMMONEST))
def test_will_and_a_commonest_surname_after_saw_is_a_name(surname):
    found = scan_text(f"saw will {surname} today")
    assert [(f.kind, f.text) for f in found] == [(NAME, f"will {surname}")]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_WORDS_LISTED_AS_SURNAMES),
    st.sampled_from(["saw will {} today", "will {} attended", "patient will {}"]),
)
def test_will_before_an_english_word_of_fewer_lists_is_no_name(word, sentence):
    # "will ring", "will park", "will day": English words some list has for a
    # surname, but none the commonest of an English-speaking list
    found = scan_text(sentence.format(word))
    assert [f.text for f in found if f.text.lower().startswith("will")] == []
