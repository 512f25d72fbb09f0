"""Case ids: a record, phone or NHS number given as a case id is never kept, and
every id casekit draws is one it keeps."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.privacy import is_case_id, new_case_id, scan_text

HEADER = "case_id,intake_date,age_band,sex,pain_side,duration,episode,nprs\n"
ROW = ",2025-03-03,40-49,female,left,chronic,recurrent,6\n"
# A phone / NHS-like number, ID-like codes and a digit run: all fit the alphabet.
IDENTIFYING = ["9434765929", "CHART4567", "MRN2345", "943476"]


def _cases_file(folder, ids) -> list:
    folder.mkdir(exist_ok=True)
    path = folder / "cases.csv"
    path.write_text(HEADER + "".join(i + ROW for i in ids), encoding="utf-8")
    return [path]


@pytest.mark.parametrize("text", IDENTIFYING)
def test_an_identifying_id_is_no_case_id(text):
    assert not is_case_id(text)


def test_a_name_of_the_deny_list_is_no_case_id():
    assert is_case_id("ZUMBRAK") and not is_case_id("ZUMBRAK", ["Zumbrak"])


def test_identifying_ids_are_replaced_on_import_and_never_kept(store, tmp_path):
    folder = tmp_path / "in"
    paths = _cases_file(folder, [*IDENTIFYING, "K7Q2XM"])
    (folder / "sessions.csv").write_text(
        "case_id,session_no,session_date,nprs_before,nprs_after\n"
        "MRN2345,1,2025-03-03,6,3\n",
        encoding="utf-8",
    )
    result = import_files(store, [*paths, folder / "sessions.csv"])
    assert set(result.renamed) == set(IDENTIFYING)
    replaced = [p.row for p in result.found if p.rule == "replaced_id"]
    assert sorted(replaced) == [2, 3, 4, 5]
    assert store.case_ids() == {"K7Q2XM", *result.renamed.values()}
    # the session follows its case to the new id
    assert list(store.read("session")["case_id"]) == [result.renamed["MRN2345"]]
    text = "\n".join(p.read_text() for p in export_csv(store, tmp_path / "out"))
    assert not any(old in text for old in IDENTIFYING)


class _Draws:
    """A random source that deals the given characters, in order."""

    def __init__(self, characters: str):
        self.characters = iter(characters)

    def choice(self, _alphabet):
        return next(self.characters)


@pytest.mark.parametrize("flagged", ["234567", "B338TH"])
def test_a_drawn_id_that_reads_as_an_identifier_is_drawn_again(flagged):
    assert scan_text(flagged)  # all digits, a postcode
    assert new_case_id(rng=_Draws(flagged + "K7Q2XM")) == "K7Q2XM"


@given(st.integers(min_value=0))
def test_every_drawn_id_is_a_case_id(seed):
    case_id = new_case_id(rng=random.Random(seed))
    assert is_case_id(case_id) and not scan_text(case_id)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=40))
def test_drawn_ids_are_kept_by_an_import(store, tmp_path_factory, seed, n):
    rng = random.Random(seed)
    ids = list(dict.fromkeys(new_case_id(rng=rng) for _ in range(n)))
    folder = tmp_path_factory.mktemp("in")
    result = import_files(store, _cases_file(folder, ids), dry_run=True)
    assert result.renamed == {}
    assert not [p for p in result.found if p.rule == "replaced_id"]


def test_an_export_imports_with_its_ids(store, tmp_path):
    from casekit import Store

    rng = random.Random(7)
    ids = [new_case_id(rng=rng) for _ in range(200)]
    import_files(store, _cases_file(tmp_path / "in", ids))
    paths = export_csv(store, tmp_path / "out")
    with Store(tmp_path / "again.db", create=True, actor="tester") as again:
        result = import_files(again, [p for p in paths if p.name == "cases.csv"])
        assert result.renamed == {} and again.case_ids() == set(ids)


# Ids that spell a name: a first name and a surname, a title and a surname, a
# listed name in a longer id (imported ids may be up to twelve characters).
SPELLING_A_NAME = ["KATEWARD", "MRSWARD", "DRHUNT", "JAMESWEST", "KATEWARD7", "DAVE27X"]


@pytest.mark.parametrize("text", SPELLING_A_NAME)
def test_an_id_that_spells_a_name_is_no_case_id(text):
    assert not is_case_id(text)


# An English word that is also a surname, and ids that merely hold a few letters of
# one among digits, as casekit draws them: case ids.
@pytest.mark.parametrize(
    "text", ["HUNTER", "MARKET", "MYRA72", "2DAVE9", "K7Q2XM", "DR7HNT"]
)
def test_an_id_holding_no_name_is_a_case_id(text):
    assert is_case_id(text)


def test_a_drawn_id_that_spells_a_name_is_drawn_again():
    assert new_case_id(rng=_Draws("DRHUNT" + "K7Q2XM")) == "K7Q2XM"


def test_no_id_of_a_hundred_thousand_drawn_spells_a_name():
    """The rule costs a store's own ids nothing: of 100,000 ids of six characters
    drawn as casekit draws them (before it draws again), none spells a name."""
    from casekit.glued import case_id_spells_a_name
    from casekit.privacy import CASE_ID_ALPHABET, CASE_ID_LENGTH

    rng = random.Random(2026)
    drawn = (
        "".join(rng.choice(CASE_ID_ALPHABET) for _ in range(CASE_ID_LENGTH))
        for _ in range(100_000)
    )
    assert [i for i in drawn if case_id_spells_a_name(i, CASE_ID_LENGTH)] == []
