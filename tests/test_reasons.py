"""The reason given for changing or removing a record is screened like a note.

An audit row is never changed nor deleted, and a merge carries it to the network's
server: a reason that names or reaches a person would stay there for good. A reason
the identifier screen flags is refused before anything is written; a merge withholds
one that a store wrote before reasons were screened.
"""

from __future__ import annotations

import pytest
from conftest import case_record, followup_record, session_record
from test_forms import answer

from casekit import Store
from casekit.errors import IdentifyingReason
from casekit.io.pool import merge
from casekit.store import merge as merging
from casekit.ui.logbook import LoggingApp

IDENTIFYING = {
    "Rang Jane Smith on 07700 900123": "a phone number",
    "asked by jane.smith@example.com": "an e-mail address",
    "DOB 12/03/1961 was wrong": "a birth date",
    "Mr Patel asked to withdraw": "a name",
}
CLINICAL = [
    "typo in pain after care",
    "entered on the wrong case",
    "patient asked to withdraw",
    "NPRS 7/10 was 4/10, misread",
]


@pytest.fixture
def closed_case(store: Store) -> str:
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id, status="discharged"))
    return case_id


def _everything(store: Store) -> tuple:
    frames = store.frames()
    return tuple(
        frames[form].to_json(date_format="iso") for form in sorted(frames)
    ), len(store.audit())


@pytest.mark.parametrize("reason", IDENTIFYING)
def test_an_edit_with_an_identifying_reason_is_refused_and_nothing_written(
    store, closed_case, reason
):
    before = _everything(store)
    with pytest.raises(IdentifyingReason) as refused:
        store.update("case", closed_case, {"nprs": 9}, reason=reason)
    assert IDENTIFYING[reason] in str(refused.value)
    assert "the audit keeps it for good" in str(refused.value)
    assert _everything(store) == before


@pytest.mark.parametrize("reason", IDENTIFYING)
def test_a_removal_with_an_identifying_reason_is_refused_and_nothing_written(
    store, closed_case, reason
):
    before = _everything(store)
    with pytest.raises(IdentifyingReason):
        store.delete("case", closed_case, reason=reason)
    with pytest.raises(IdentifyingReason):
        store.delete("followup", (closed_case, 1), reason=reason)
    assert _everything(store) == before


def test_the_deny_list_applies_to_reasons(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "deny-list.txt").write_text("Okonkwo\n")
    with Store(tmp_path / "data" / "casekit.db", create=True) as store:
        case_id = store.add("case", case_record())["case_id"]
        with pytest.raises(IdentifyingReason):
            store.update("case", case_id, {"nprs": 9}, reason="okonkwo rang")


@pytest.mark.parametrize("reason", CLINICAL)
def test_a_clinical_reason_is_kept_in_the_audit(store, closed_case, reason):
    store.update("case", closed_case, {"nprs": 9}, reason=reason)
    store.delete("followup", (closed_case, 1), reason=reason)
    audit = store.audit()
    assert audit[audit["action"] == "update"]["reason"].tolist() == [reason]
    assert audit[audit["action"] == "delete"]["reason"].tolist() == [reason]


def test_the_form_asks_again_for_a_reason_it_refused(store, closed_case):
    app = LoggingApp(store)
    app.case.chooser.list.value = closed_case
    form = app.case.record
    answer(form, "nprs", "9")
    form.save_button.click()
    assert form.reason_row.layout.display is None  # the reason box appears
    form.reason.value = "Rang Jane Smith on 07700 900123"
    form.save_button.click()
    assert "a phone number" in form.reasons.message  # said under its box
    assert "Nothing was saved" in form.status.value
    assert form.reason_row.layout.display is None  # still asked, still shown
    assert store.get("case", closed_case)["nprs"] != 9
    assert (store.audit()["action"] == "update").sum() == 0

    form.reason.value = "typo in pain at intake"
    form.save_button.click()
    assert f"Saved the changes to case {closed_case}" in form.status.value
    assert store.get("case", closed_case)["nprs"] == 9


def test_a_merge_withholds_a_reason_written_before_reasons_were_screened(
    tmp_path, monkeypatch
):
    source = tmp_path / "own.db"
    with Store(source, create=True) as own:
        case_id = own.add("case", case_record())["case_id"]
        own.add("session", session_record(case_id))
        own.add("followup", followup_record(case_id, status="discharged"))
        with monkeypatch.context() as old_kit:  # as a store written before the fix
            old_kit.setattr(
                "casekit.store.store.refuse_identifying_reason", lambda *a: None
            )
            own.update("case", case_id, {"nprs": 9}, reason="Rang 07700 900123")
            own.update("case", case_id, {"nprs": 8}, reason="typo in pain")
    with Store(tmp_path / "network.db", create=True) as network:
        network.add_site("north")
        merge(network, source, "north")
        carried = network.audit()
        carried = carried[carried["action"] == "update"]
        assert carried["reason"].tolist() == [
            merging.WITHHELD_REASON,
            "typo in pain",
        ]
        assert not carried["reason"].str.contains("07700").any()
