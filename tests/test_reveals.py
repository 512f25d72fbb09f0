"""A share export gives back no quasi-identifier it blanked, through the answers
that say it: a caesarean, a hysterectomy or uterus and ovaries say female, prostate
surgery male (the dictionary's `reveals`).

The review's case: in the 40-case demo share (seed 3) sex was blanked in every row,
yet 8 rows still said it; with it put back, 20 of 40 cases sat in groups under 5.
The put-back here is the test's own, read from the dictionary, not the kit's."""

from __future__ import annotations

import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import case_record, session_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycanon import anonymity as pycanon

from casekit import Store
from casekit.anonymity import group_sizes, k_anonymise, quasi_identifiers
from casekit.dictionary import load_dictionary
from casekit.errors import DictionaryError
from casekit.io.exporter import export_csv
from casekit.io.redcap import raw_codes
from casekit.privacy import share_frames
from casekit.reveals import put_back
from casekit.synth import populate

QIS = ["site", "age_band", "sex", "pain_side", "duration", "episode"]
FEMALE = {"caesarean", "hysterectomy", "uterus_ovaries"}
MALE = {"prostate"}


def _answers(cell: str) -> set[str]:
    return set(cell.split("|")) if cell else set()


def _said(row) -> set[str]:
    """The sexes a row's answers say (none, one, or both when they disagree)."""
    answers = _answers(row["abdominal_surgery"]) | {row["pelvic_organ_history"]}
    said = {"female"} if answers & FEMALE else set()
    return said | ({"male"} if answers & MALE else set())


def _put_back(cases: pd.DataFrame) -> pd.DataFrame:
    """The shared cases with sex as a reader would narrow it from the answers."""
    cases = cases.copy()
    for i, row in cases.iterrows():
        said = _said(row)
        if said and row["sex"] not in said:
            cases.at[i, "sex"] = "|".join(sorted(said))
    return cases


def _read(path: Path) -> pd.DataFrame:
    # A blank is a value of its own, as the kit groups (and pycanon would drop it).
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`casekit demo --cases 40 --seed 3`'s store, and its CSV and REDCap shares."""
    folder = tmp_path_factory.mktemp("demo")
    with Store(folder / "demo.db", create=True, actor="casekit-demo") as store:
        populate(store, 40, seed=3)
        export_csv(store, folder / "share", share=True)
        export_csv(store, folder / "redcap", share=True, fmt="redcap")
        yield store, folder


def test_the_dictionary_marks_the_answers_that_say_the_sex():
    words = load_dictionary()["case"]
    surgery = {(a, t, v) for a, t, v in words["abdominal_surgery"].reveals}
    assert surgery == {
        ("caesarean", "sex", ("female",)),
        ("hysterectomy", "sex", ("female",)),
        ("prostate", "sex", ("male",)),
    }
    organs = {(a, t, v) for a, t, v in words["pelvic_organ_history"].reveals}
    assert organs == {
        ("prostate", "sex", ("male",)),
        ("uterus_ovaries", "sex", ("female",)),
    }


def test_the_review_finding_is_there_without_withholding(demo):
    """The measure finds what the review found: k-anonymised as the kit does, with
    every answer left in, 20 of 40 cases fall into groups under 5."""
    store, _ = demo
    frames = store.frames()
    before = k_anonymise(frames["case"], QIS, 5)
    frames["case"] = before.frame
    narrowed = put_back(frames, store.dictionary, before)
    assert before.frame["sex"].isna().all()
    assert narrowed["sex"].notna().sum() == 8
    assert int((group_sizes(narrowed, QIS) < 5).sum()) == 20


def test_no_group_is_smaller_than_k_with_the_sex_put_back(demo):
    store, folder = demo
    cases = _read(folder / "share" / "cases.csv")
    assert len(cases) == 40
    assert pycanon.k_anonymity(_put_back(cases), QIS) >= 5
    # not by chance: the store's own answers say the sex of 8 cases
    raw = store.read("case")
    says = raw["abdominal_surgery"].map(lambda v: bool(set(v or ()) & (FEMALE | MALE)))
    says |= raw["pelvic_organ_history"].isin(FEMALE | MALE)
    assert says.sum() == 8


def test_a_row_with_sex_blanked_carries_no_answer_that_says_it(demo):
    _, folder = demo
    cases = _read(folder / "share" / "cases.csv")
    for _, row in cases.iterrows():
        said = _said(row)
        assert not said or row["sex"] in said, row.to_dict()
    # sex is blank in every row: both fields are withheld in all 40, whatever the
    # answer, and the note counts those rows, never an answer
    assert (cases["sex"] == "").all()
    assert (cases[["abdominal_surgery", "pelvic_organ_history"]] == "").all().all()
    note = (folder / "share" / "disclosure.txt").read_text()
    assert "- Abdominal or pelvic surgery, withheld in 40 cases" in note
    assert "- Pelvic organ history, withheld in 40 cases" in note
    assert "Uterus or ovaries" not in note


def test_the_redcap_share_withholds_them_too(demo):
    store, folder = demo
    data = _read(folder / "redcap" / "redcap_data.csv")
    cases = data[data["redcap_repeat_instrument"] == ""].reset_index(drop=True)
    organ = store.dictionary["case"]["pelvic_organ_history"]
    raw = dict(zip(organ.code_values, raw_codes(organ), strict=True))
    sex = store.dictionary["case"]["sex"]
    code_of = dict(zip(raw_codes(sex), sex.code_values, strict=True))
    as_csv = pd.DataFrame(
        {
            "sex": cases["sex"].map(lambda v: code_of.get(v, v)),
            "abdominal_surgery": [
                "|".join(
                    a
                    for a in FEMALE | MALE
                    if row.get(f"abdominal_surgery___{a}") == "1"
                )
                for _, row in cases.iterrows()
            ],
            "pelvic_organ_history": cases["pelvic_organ_history"]
            .map({v: k for k, v in raw.items()})
            .fillna(""),
        }
    )
    assert len(cases) == 40
    for _, row in as_csv.iterrows():
        said = _said(row)
        assert not said or row["sex"] in said, row.to_dict()
    narrowed = _put_back(as_csv)
    narrowed[[q for q in QIS if q != "sex"]] = cases[[q for q in QIS if q != "sex"]]
    assert pycanon.k_anonymity(narrowed, QIS) >= 5


# -- a small store: some rows keep their sex, some have it blanked ---------------


def _mixed_store(path: Path, local: str | None = None) -> Store:
    """Ten women (caesarean and appendectomy; uterus and ovaries) and two men
    (prostate, both fields) alike in all else: the two men cannot be 5, so their
    sex is blanked, and three women join them, blanked too."""
    if local is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "dictionary.local.yaml").write_text(local, encoding="utf-8")
    store = Store(path, create=True, actor="tester")
    women = case_record(
        abdominal_surgery=["caesarean", "appendectomy"],
        pelvic_organ_history="uterus_ovaries",
    )
    men = case_record(
        sex="male", abdominal_surgery=["prostate"], pelvic_organ_history="prostate"
    )
    store.add_many({"case": [dict(women) for _ in range(10)] + [dict(men)] * 2})
    return store


def _shared_rows(store: Store, k: int = 5):
    shared = share_frames(store.frames(), store.dictionary, k=k)
    return shared, shared.frames["case"]


def test_a_row_whose_sex_is_shared_keeps_its_answers(tmp_path):
    with _mixed_store(tmp_path / "s.db") as store:
        shared, cases = _shared_rows(store)
    kept = cases[cases["sex"] == "female"]
    blank = cases[cases["sex"].isna()]
    assert (len(kept), len(blank)) == (7, 5)
    assert all(v == ["caesarean", "appendectomy"] for v in kept["abdominal_surgery"])
    assert (kept["pelvic_organ_history"] == "uterus_ovaries").all()
    # blanked whole: a list without the revealing choice would say "no" to it
    assert blank["abdominal_surgery"].isna().all()
    assert blank["pelvic_organ_history"].isna().all()
    assert shared.anonymity.withheld == {
        "Abdominal or pelvic surgery": 5,
        "Pelvic organ history": 5,
    }
    assert "- Pelvic organ history, withheld in 5 cases" in shared.note


def test_a_sex_generalised_beyond_an_answer_withholds_it(tmp_path):
    """`other or not disclosed` stands for two codes: an answer saying one of
    them, or neither, says more than the row."""
    local = textwrap.dedent(
        """
        forms:
          case:
            fields:
              - code: transition
                type: yesno
                label: Gender transition care
                share: true
                quasi_identifier: false
                reveals: {'yes': {sex: other}}
        """
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dictionary.local.yaml").write_text(local, encoding="utf-8")
    with Store(tmp_path / "data" / "s.db", create=True, actor="tester") as store:
        rows = [case_record(sex="female") for _ in range(6)]
        rows += [case_record(sex="other", transition="yes") for _ in range(3)]
        rows += [case_record(sex="undisclosed") for _ in range(3)]
        store.add_many({"case": rows})
        shared, cases = _shared_rows(store)
    assert set(cases["sex"]) == {"female", "other or not disclosed"}
    assert cases["transition"].isna().all()
    # in the six rows of `other or not disclosed`, whatever they answered; the
    # kit's fields too: a caesarean or prostate surgery would rule both out
    assert shared.anonymity.withheld == {
        "Abdominal or pelvic surgery": 6,
        "Gender transition care": 6,
        "Pelvic organ history": 6,
    }


def test_a_local_field_of_another_form_may_reveal_too(tmp_path):
    local = textwrap.dedent(
        """
        forms:
          session:
            fields:
              - code: antenatal
                type: yesno
                label: Antenatal care
                share: true
                reveals: {'yes': {sex: female}}
        """
    )
    with _mixed_store(tmp_path / "data" / "s.db", local) as store:
        cases = store.read("case")
        store.add_many(
            {
                "session": [
                    session_record(c, antenatal="yes")
                    for c, sex in zip(cases["case_id"], cases["sex"], strict=True)
                    if sex == "female"
                ]
            }
        )
        shared, rows = _shared_rows(store)
    sessions = shared.frames["session"]
    sex = sessions["case_id"].map(dict(zip(rows["case_id"], rows["sex"], strict=True)))
    assert (sessions.loc[sex == "female", "antenatal"] == "yes").sum() == 7
    assert sessions.loc[sex.isna(), "antenatal"].isna().all()
    assert shared.anonymity.withheld["Antenatal care (session form)"] == 5
    assert shared.anonymity.smallest == 5


# -- the dictionary -----------------------------------------------------------------


def _local(tmp_path, body: str) -> Path:
    path = tmp_path / "dictionary.local.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


PREGNANT = """
forms:
  case:
    fields:
      - code: pregnant
        type: {type}
        label: Pregnant now
        {codes}
        reveals: {reveals}
"""


@pytest.mark.parametrize(
    "ftype, reveals, words",
    [
        ("yesno", "{'yes': {gender: female}}", "`gender`, which is not a quasi"),
        ("yesno", "{'yes': {nprs: '5'}}", "`nprs`, which is not a quasi"),
        ("yesno", "{'yes': {sex: woman}}", "gives `sex` 'woman', which is not one"),
        ("yesno", "{'yes': {age_band: [18-29, 19-29]}}", "'19-29'"),
        ("yesno", "{maybe: {sex: female}}", "answer 'maybe', which is not a code"),
        ("yesno", "{'yes': female}", "expected `reveals: {ANSWER: {FIELD"),
        ("yesno", "[female]", "expected `reveals: {ANSWER: {FIELD"),
        ("yesno", "{'yes': {sex: []}}", "a code of that field or a list"),
        ("integer", "{'1': {sex: female}}", "a integer field has no coded answers"),
    ],
)
def test_a_reveals_naming_an_unknown_field_or_value_is_refused(
    tmp_path, ftype, reveals, words
):
    body = PREGNANT.replace("{type}", ftype).replace("{reveals}", reveals)
    body = body.replace("{codes}", "")
    with pytest.raises(DictionaryError) as info:
        load_dictionary(_local(tmp_path, body))
    assert info.value.field == "pregnant"
    assert words in info.value.problem
    assert info.value.source.endswith("dictionary.local.yaml")


def test_a_local_reveals_of_several_values_is_read(tmp_path):
    body = PREGNANT.replace("{type}", "choice").replace("{codes}", "")
    body = body.replace(
        "        reveals: {reveals}",
        "        codes: [{'no': 'No'}, {early: Early}, {late: Late}]\n"
        "        reveals: {early: {sex: female, age_band: [18-29, 30-39, 40-49]}}",
    )
    f = load_dictionary(_local(tmp_path, body))["case"]["pregnant"]
    assert f.reveals == (
        ("early", "sex", ("female",)),
        ("early", "age_band", ("18-29", "30-39", "40-49")),
    )


# -- any store ----------------------------------------------------------------------

SURGERY = ["none", "caesarean", "appendectomy", "hysterectomy", "prostate"]
ORGANS = ["none", "prostate", "uterus_ovaries", "bladder", None]
_WORDS = load_dictionary()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["30-39", "40-49", "70-79"]),
            st.sampled_from(["female", "male", "other", "undisclosed"]),
            st.sampled_from(["left", "right"]),
            st.lists(st.sampled_from(SURGERY[1:]), max_size=2, unique=True),
            st.sampled_from(ORGANS),
        ),
        min_size=6,
        max_size=40,
    ),
    st.integers(2, 6),
)
def test_any_store_shared_stays_k_anonymous_with_revealed_values_put_back(rows, k):
    with tempfile.TemporaryDirectory() as folder:
        with Store(Path(folder) / "s.db", create=True) as store:
            store.add_many(
                {
                    "case": [
                        case_record(
                            age_band=age,
                            sex=sex,
                            pain_side=side,
                            abdominal_surgery=surgery or ["none"],
                            pelvic_organ_history=organ,
                        )
                        for age, sex, side, surgery, organ in rows
                    ]
                }
            )
            frames = store.frames()
    shared = share_frames(frames, _WORDS, k=k)
    cases = shared.frames["case"]
    qis = list(quasi_identifiers(_WORDS["case"], cases.columns))
    text = pd.DataFrame(
        {
            **{q: cases[q].astype(object).fillna("") for q in qis},
            "abdominal_surgery": cases["abdominal_surgery"].map(
                lambda v: "|".join(v) if isinstance(v, list) else ""
            ),
            "pelvic_organ_history": cases["pelvic_organ_history"]
            .astype(object)
            .fillna(""),
        }
    )
    narrowed = _put_back(text)
    assert len(rows) >= k  # min_size 6, k at most 6: k-anonymity is reachable
    assert int(group_sizes(narrowed, qis).min()) >= k
    assert shared.anonymity.smallest >= k
    for _, row in text.iterrows():
        said = _said(row)
        assert not said or row["sex"] in said
    # a multi-select with a revealing choice withheld is blank whole, never a list
    # without that choice (which would say "no" to it, falsely); the others keep
    # every choice: an appendectomy stays wherever its row's answer is shared
    answers = Counter(frozenset(surgery or ["none"]) for *_, surgery, _ in rows)
    shared_answers = Counter(
        frozenset(answer.split("|")) for answer in text["abdominal_surgery"] if answer
    )
    assert not shared_answers - answers
