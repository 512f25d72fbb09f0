"""A blank in a share says nothing of the answer withheld: where a row leaves its
sex blank, every field that can say the sex is withheld, whatever the row answered.

The review's leak: where practitioners always answer (None is an option), a blank
abdominal surgery in a row whose sex was blanked read "a caesarean, hysterectomy
or prostate surgery" (a `sensitive` field), and `disclosure.txt` counted the
withheld answers one by one. Withheld whatever the answer, the blank is the
same for a None as for a caesarean, and the note counts only rows whose sex the
reader already sees blank."""

from __future__ import annotations

import re
import tempfile
import textwrap
from pathlib import Path

import pandas as pd
from conftest import case_record, session_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit import Store
from casekit.dictionary import load_dictionary
from casekit.io.exporter import export_csv
from casekit.privacy import share_frames

REVEALING = ["abdominal_surgery", "pelvic_organ_history"]
_WORDS = load_dictionary()


def _answered_store(path: Path, local: str | None = None) -> Store:
    """Fourteen cases alike but for sex and answers, every one answered: ten women
    (three with a caesarean, seven with None or an appendectomy) and two men (one
    with prostate surgery), so that the men and some women are sex-blanked."""
    if local is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "dictionary.local.yaml").write_text(local, encoding="utf-8")
    store = Store(path, create=True, actor="tester")
    women = [
        case_record(abdominal_surgery=["caesarean"], pelvic_organ_history="none")
        for _ in range(3)
    ] + [
        case_record(
            abdominal_surgery=["none"] if i % 2 else ["appendectomy"],
            pelvic_organ_history="bladder" if i % 2 else "none",
        )
        for i in range(7)
    ]
    men = [
        case_record(
            sex="male", abdominal_surgery=["none"], pelvic_organ_history="none"
        ),
        case_record(
            sex="male", abdominal_surgery=["prostate"], pelvic_organ_history="prostate"
        ),
    ]
    store.add_many({"case": women + men})
    return store


def test_every_field_that_can_say_the_sex_is_blank_in_every_sex_blanked_row(
    tmp_path,
):
    with _answered_store(tmp_path / "s.db") as store:
        shared = share_frames(store.frames(), store.dictionary, k=5)
    cases = shared.frames["case"]
    blank = cases[cases["sex"].isna()]
    shown = cases[cases["sex"].notna()]
    assert len(blank) >= 2 and len(shown) >= 5
    for code in REVEALING:
        # a None and an appendectomy are withheld with the prostate surgery
        assert blank[code].isna().all(), (code, blank[code].tolist())
        # and a row that shows its sex keeps every answer: a blank there is unanswered
        assert shown[code].notna().all(), (code, shown[code].tolist())


def test_disclosure_names_the_fields_and_rows_never_a_count_per_answer(tmp_path):
    with _answered_store(tmp_path / "data" / "s.db") as store:
        export_csv(store, tmp_path / "share", share=True)
        shared = share_frames(store.frames(), store.dictionary, k=5)
    note = (tmp_path / "share" / "disclosure.txt").read_text()
    assert "Caesarean" not in note and "Prostate" not in note
    assert "Answers withheld:" not in note
    blanked = int(shared.frames["case"]["sex"].isna().sum())
    for label in ("Abdominal or pelvic surgery", "Pelvic organ history"):
        line = next(
            x for x in note.splitlines() if x.startswith(f"- {label}, withheld")
        )
        # the one count is of the rows whose sex is blank, which a reader sees
        assert [int(n) for n in re.findall(r"\d+", line)] == [blanked], line
    assert shared.anonymity.withheld == {
        "Abdominal or pelvic surgery": blanked,
        "Pelvic organ history": blanked,
    }


def test_the_redcap_share_shows_the_same_blanks(tmp_path):
    with _answered_store(tmp_path / "data" / "s.db") as store:
        export_csv(store, tmp_path / "redcap", share=True, fmt="redcap")
    data = pd.read_csv(
        tmp_path / "redcap" / "redcap_data.csv", dtype=str, keep_default_na=False
    )
    cases = data[data["redcap_repeat_instrument"] == ""]
    blank = cases[cases["sex"] == ""]
    shown = cases[cases["sex"] != ""]
    boxes = [c for c in cases.columns if c.startswith("abdominal_surgery___")]
    assert len(blank) >= 2
    assert (blank[boxes] == "0").all().all()  # withheld: no box ticked, None's too
    assert (blank["pelvic_organ_history"] == "").all()
    assert (shown[boxes] == "1").any(axis=1).all()
    assert (shown["pelvic_organ_history"] != "").all()


def test_a_local_field_that_can_say_the_sex_is_withheld_whatever_it_answered(
    tmp_path,
):
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
    with _answered_store(tmp_path / "data" / "s.db", local) as store:
        cases = store.read("case")
        store.add_many(
            {
                "session": [
                    session_record(c, antenatal="yes" if sex == "female" else "no")
                    for c, sex in zip(cases["case_id"], cases["sex"], strict=True)
                ]
            }
        )
        shared = share_frames(store.frames(), store.dictionary, k=5)
    rows = shared.frames["case"]
    sessions = shared.frames["session"]
    sex = sessions["case_id"].map(dict(zip(rows["case_id"], rows["sex"], strict=True)))
    assert sessions.loc[sex.isna(), "antenatal"].isna().all()  # the men's "no" too
    assert sessions.loc[sex.notna(), "antenatal"].notna().all()
    blanked = int(rows["sex"].isna().sum())
    assert shared.anonymity.withheld["Antenatal care (session form)"] == blanked


SURGERY = ["none", "caesarean", "appendectomy", "hysterectomy", "prostate"]
ORGANS = ["none", "prostate", "uterus_ovaries", "bladder", None]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["30-39", "40-49", "70-79"]),
            st.sampled_from(["female", "male", "other", "undisclosed"]),
            st.sampled_from(["left", "right"]),
            st.lists(st.sampled_from(SURGERY), max_size=2, unique=True),
            st.sampled_from(ORGANS),
        ),
        min_size=6,
        max_size=30,
    ),
    st.integers(2, 6),
)
def test_any_store_every_row_with_sex_not_shown_has_every_revealing_field_blank(
    rows, k
):
    with tempfile.TemporaryDirectory() as folder:
        with Store(Path(folder) / "s.db", create=True) as store:
            store.add_many(
                {
                    "case": [
                        case_record(
                            age_band=age,
                            sex=sex,
                            pain_side=side,
                            abdominal_surgery=surgery or None,
                            pelvic_organ_history=organ,
                        )
                        for age, sex, side, surgery, organ in rows
                    ]
                }
            )
            frames = store.frames()
    shared = share_frames(frames, _WORDS, k=k)
    cases = shared.frames["case"]
    # blank, generalised to several sexes, or a sex no answer can say (other,
    # not disclosed): what an answer could narrow
    unshown = cases["sex"].isna() | ~cases["sex"].isin(["female", "male"])
    for code in REVEALING:
        assert cases.loc[unshown, code].isna().all()
    counts = set(shared.anonymity.withheld.values())
    assert counts <= {int(unshown.sum())}


def test_a_row_showing_not_disclosed_has_every_revealing_field_withheld(tmp_path):
    """ "Not disclosed" shown in full is no sex an answer could confirm: a caesarean
    withheld there alone left a blank that read "a caesarean" beside the Nones."""
    undisclosed = [
        case_record(
            sex="undisclosed",
            abdominal_surgery=["caesarean"] if i < 2 else ["none"],
            pelvic_organ_history="none",
        )
        for i in range(6)
    ]
    women = [
        case_record(abdominal_surgery=["none"], pelvic_organ_history="none")
        for _ in range(6)
    ]
    with Store(tmp_path / "s.db", create=True, actor="tester") as store:
        store.add_many({"case": undisclosed + women})
        shared = share_frames(store.frames(), store.dictionary, k=5)
    cases = shared.frames["case"]
    rows = cases[cases["sex"] == "undisclosed"]
    assert len(rows) == 6  # shown as it is, not generalised
    for code in REVEALING:
        assert rows[code].isna().all(), (code, rows[code].tolist())
    female = cases[cases["sex"] == "female"]
    assert female["abdominal_surgery"].notna().all()
