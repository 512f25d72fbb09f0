"""The same cases give the same fingerprints in every copy of them, the rule counts
what changed form by form, and a share is recorded without fingerprinting the
store again when nothing was written.

A copy that is not a byte copy (a full export imported into a fresh SQLite store,
into a store whose columns were added by migration, into a PostgreSQL store) holds
the same cases: a share of them and one more, from either store, is one case
changed (refused through the user's ledger). How two sets of fingerprints differ
(``releases.difference``) is held to a model of it, for any changes of any forms.
The tests of a store run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3

import pytest
from conftest import case_record
from hypothesis import example, given
from hypothesis import strategies as st

from casekit import Store
from casekit.errors import ReleaseRefused, StoreError
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.store import fingerprints, releases
from casekit.store.differences import DRAWS_ON
from casekit.store.fingerprints import FORMS
from casekit.store.schema import TABLE_OF
from casekit.synth import populate

# The whole-case fingerprints (``k``) of populate(12, seed=1) as the casekit before
# the parts recorded them (the SHA-256 of their sorted entries, releases.pack):
# what its releases hold, made the same way still.
WHOLE_OF_SEED_1 = "a95218e500a996afdd27728c929a0cf01bd88de26125d9d76d5b026072fb03be"


def marks(store: Store) -> dict[str, str]:
    with store.connect() as conn:
        return fingerprints.fingerprints(conn, store.dictionary)


def imported(store: Store, export) -> Store:
    import_files(store, sorted(export.glob("*.csv")))
    return store


def test_the_same_cases_give_the_same_fingerprints_in_every_copy(
    tmp_path, pg_url, monkeypatch
):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store(tmp_path / "a.db", create=True, actor="tester") as first:
        populate(first, 30, seed=1)
        export = tmp_path / "full"
        export_csv(first, export)
        original = marks(first)
    assert len(original) == 30
    # A store whose columns were added later (a migrated one): the same fields in
    # another order, the number (odi) and a multi-select (pain_regions) last.
    migrated = tmp_path / "b.db"
    Store(migrated, create=True, actor="tester").close()
    with sqlite3.connect(migrated) as conn:
        for column, kind in (("odi", "FLOAT"), ("pain_regions", "TEXT")):
            conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
            conn.execute(f"ALTER TABLE cases ADD COLUMN {column} {kind}")
    with Store(migrated, actor="tester") as store:
        assert marks(imported(store, export)) == original
    with Store(tmp_path / "c.db", create=True, actor="tester") as store:
        assert marks(imported(store, export)) == original
    with Store(pg_url, create=True, actor="tester") as pooled:
        assert marks(imported(pooled, export)) == original
        # A share of the same cases from the first store, then of the same cases
        # and one more from the PostgreSQL one: one case changed.
        with Store(tmp_path / "a.db", actor="tester") as first:
            export_csv(first, tmp_path / "first-share", share=True)
        pooled.add("case", case_record())
        with pytest.raises(ReleaseRefused) as refused:
            export_csv(pooled, tmp_path / "pooled-share", share=True)
        assert refused.value.changed == 1
        assert releases.released(pooled) == []


def test_a_multi_select_in_another_order_and_a_float_are_written_one_way():
    assert fingerprints._codes("b|a") == fingerprints._codes("a|b") == "a|b"
    assert fingerprints._float(5) == fingerprints._float(5.0) == "5.0"
    assert fingerprints._float(0.30000000000000004) != fingerprints._float(0.3)


def test_an_earlier_casekits_fingerprints_match_their_cases_by_id():
    """A release of fingerprints made the old way: what its cases held then is not
    known in the new way, so a case counts as changed only if logged or withdrawn."""
    old = {"AAAAAA:0123456789ab", "BBBBBB:0123456789ab", "CCCCCC:0123456789ab"}
    now = {"AAAAAA:kffffffffffff", "BBBBBB:kffffffffffff", "DDDDDD:kffffffffffff"}
    assert releases.changed(old, now) == 2
    assert releases.changed(now, now | {"EEEEEE:kffffffffffff"}) == 1
    changed = {"AAAAAA:k000000000000", "BBBBBB:kffffffffffff", "DDDDDD:kffffffffffff"}
    assert releases.changed(now, changed) == 1


def test_a_fingerprint_is_a_part_per_form_empty_where_the_case_has_none(store):
    populate(store, 12, seed=1)
    found = marks(store)
    examined = set(store.read("exam")["case_id"])
    followed = set(store.read("followup")["case_id"])
    for case_id, mark in found.items():
        assert mark.startswith(fingerprints.VERSION)
        parts = fingerprints.parts(mark)
        case, session, followup, exam = parts
        assert len(case) == 8 and int(case, 16) >= 0
        assert bool(exam) == (case_id in examined)
        assert bool(followup) == (case_id in followed)
        assert len(mark) == 1 + 3 + 8 * sum(map(bool, parts))
    assert examined and followed
    assert fingerprints.parts("k0123456789ab") is None


def test_the_whole_case_fingerprints_are_made_as_the_casekit_before_made_them(store):
    populate(store, 12, seed=1)
    counted = releases.counted(store)
    whole = {f"{case_id}:{mark}" for case_id, mark in counted.whole.items()}
    assert releases.pack(whole)[0] == WHOLE_OF_SEED_1


def entry(case_id: str, *parts: str) -> str:
    return f"{case_id}:{fingerprints.VERSION}{fingerprints.PARTS.join(parts)}"


def test_a_whole_case_fingerprint_is_held_to_its_cases_one_of_now():
    now = releases.Counted(
        {entry("AAAAAA", "1" * 8, "", "", ""), entry("BBBBBB", "2" * 8, "", "", "")}
    )
    now.whole = {"AAAAAA": "k" + "a" * 12, "BBBBBB": "k" + "b" * 12}
    same = {"AAAAAA:k" + "a" * 12, "BBBBBB:k" + "b" * 12}
    assert releases.changed(same, now) == 0
    assert releases.changed({"AAAAAA:k" + "c" * 12, "BBBBBB:k" + "b" * 12}, now) == 1
    assert releases.changed(same, set(now)) == 0  # not known now: by id alone
    # A plain id matches its case whatever it holds; no form is known of it.
    judged = releases.difference({"AAAAAA", "CCCCCC"}, now)
    assert (judged.cases, judged.forms) == (2, (2, 0, 0, 0))


def test_forms_with_no_records_in_common_tell_nothing_by_their_difference():
    """Two different stores' shares (in the user's ledger): their cases differ, and
    a form where one has a few records and the other none differs by those few,
    which each share shows alone: no difference is taken from a common part."""
    north = {
        entry(f"N{i:05d}", "1" * 8, "2" * 8, "3" * 8 if i < 3 else "", "")
        for i in range(30)
    }
    south = {entry(f"S{i:05d}", "4" * 8, "5" * 8, "", "") for i in range(31)}
    judged = releases.difference(north, south)
    assert (judged.cases, judged.forms) == (61, (61, 61, 3, 0))
    assert judged.telling() is None
    # The same store: a session among sessions in common is one changed, though
    # eight cases logged (intakes alone) make nine cases changed.
    later = {e.replace("2" * 8, "6" * 8) if e < "N00001" else e for e in north}
    later |= {entry(f"L{i:05d}", "7" * 8, "", "", "") for i in range(8)}
    judged = releases.difference(north, later)
    # (its follow-ups too: their counts draw on its sessions)
    assert (judged.cases, judged.forms) == (9, (8, 1, 1, 0))
    assert judged.telling() == ("session", 1)


# A case's part of a form, as a model of it: "" (no record) or a few versions.
PART = st.sampled_from(["", "0" * 8, "1" * 8, "2" * 8])


@st.composite
def two_sets(draw):
    """Earlier and later fingerprints of a store: cases kept alike (one with a record
    in every form, so that every form has records in common), changed in any forms,
    withdrawn and logged."""
    width = len(TABLE_OF)
    # Without it, a form's records in common may lie only in cases changed in
    # another form, or nowhere.
    kept = [("KEPT00", ("a" * 8,) * width)] if draw(st.booleans()) else []
    earlier, later = dict(kept), dict(kept)
    for i in range(draw(st.integers(0, 24))):
        case_id = f"C{i:05d}"
        was = ("c" * 8, *draw(st.tuples(*[PART] * (width - 1))))
        now = list(was)
        for form in draw(st.sets(st.integers(0, width - 1))):
            now[form] = draw(PART.filter(lambda p, old=was[form]: p != old))
            if form == 0 and not now[0]:
                now[0] = "d" * 8  # a case has its record in the case form
        fate = draw(st.sampled_from(["kept", "withdrawn", "logged"]))
        if fate != "logged":
            earlier[case_id] = was
        if fate != "withdrawn":
            later[case_id] = tuple(now)
    return earlier, later


# The closest form that tells is one with records in common: here the sessions
# changed by one case have none, and the intakes tell (7 of them).
_NOTHING_IN_COMMON = (
    {f"C{i:05d}": ("cccccccc", "", "", "") for i in range(12)},
    {
        "C00000": ("cccccccc", "00000000", "", ""),
        "C00001": ("dddddddd", "", "", ""),
        "C00002": ("dddddddd", "", "", ""),
        **{f"C{i:05d}": ("cccccccc", "", "", "") for i in range(3, 7)},
    },
)


@given(two_sets())
@example(_NOTHING_IN_COMMON)
def test_refused_if_and_only_if_cases_or_a_form_changed_by_one_to_seven(sets):
    earlier, later = sets
    width = len(TABLE_OF)
    empty = ("",) * width
    cases = {c for c in earlier.keys() | later.keys() if earlier.get(c) != later.get(c)}
    drawn = [[FORMS.index(d) for d in DRAWS_ON[f]] for f in FORMS]

    def moved(c, f):  # the case has records in form f, and what they draw on moved
        was, now = earlier.get(c, empty), later.get(c, empty)
        return bool(was[f] or now[f]) and any(was[d] != now[d] for d in drawn[f])

    forms = tuple(sum(moved(c, f) for c in cases) for f in range(width))
    # A form's records in common: a case in both, with records there, unmoved.
    kept = [
        any(later[c][f] and not moved(c, f) for c in earlier.keys() & later.keys())
        for f in range(width)
    ]
    judged = releases.difference(
        {entry(c, *p) for c, p in earlier.items()},
        {entry(c, *p) for c, p in later.items()},
    )
    assert (judged.cases, judged.forms) == (len(cases), forms)
    few = range(1, releases.FEW + 1)
    refused = len(cases) in few or any(
        n in few and kept[f] for f, n in enumerate(forms)
    )
    assert (judged.telling() is not None) == refused
    if refused and len(cases) not in few:
        form, n = judged.telling()
        assert n == min(n for f, n in enumerate(forms) if n in few and kept[f])
        assert form in TABLE_OF


@pytest.fixture
def counting(monkeypatch):
    """How many times the store's cases are fingerprinted."""
    calls = []
    real = releases.marks

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(releases, "marks", counted)
    return calls


def test_a_share_is_recorded_without_fingerprinting_again(store, counting, tmp_path):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    assert len(counting) == 1
    with releases.releasing(store, "export", counted, 5):
        pass
    assert len(counting) == 1
    assert [r["cases"] for r in releases.released(store)] == [20]
    # Given plain entries (no head read with them), it fingerprints to know.
    with releases.releasing(store, "export", set(counted), 5):
        pass
    assert len(counting) == 2


def test_a_case_changed_after_counting_still_stops_the_share(store, counting):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    case_id = min(store.case_ids(include_deleted=False))
    store.update("case", case_id, {"nprs": 0}, reason="typed wrong")
    with (
        pytest.raises(StoreError, match="logged, changed or withdrawn while"),
        releases.releasing(store, "export", counted, 5),
    ):
        pass
    assert len(counting) == 2
    assert releases.released(store) == []


def test_a_write_put_back_is_fingerprinted_and_let_through(store, counting):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    case_id = min(store.case_ids(include_deleted=False))
    nprs = store.get("case", case_id)["nprs"]
    store.update("case", case_id, {"nprs": 1 if nprs == 0 else 0}, reason="typed wrong")
    store.update("case", case_id, {"nprs": nprs}, reason="typed wrong")
    with releases.releasing(store, "export", counted, 5):
        pass
    assert len(counting) == 2
    assert len(releases.released(store)) == 1
