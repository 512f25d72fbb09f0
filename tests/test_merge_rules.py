"""A merge keeps the rules across forms that an import keeps (``casekit merge``).

A practitioner's own store may hold what the import refuses: one written by
``Store.add_many`` (a script), or by an older casekit. Merged as it is, the
network store would hold it too, and its own export would no longer import. The
whole merge is refused instead, nothing written, each problem named with the
source's case id. A case merged before (as a store, then as its export) is not
merged again. On SQLite and PostgreSQL (``BOTH_BACKENDS``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.errors import MergeRefused, ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.pool import merge


def _own_store(folder: Path, *, broken: bool) -> tuple[Path, str]:
    """A practitioner's store of two cases, the second's follow-up recording a
    flare without its side when ``broken`` (``add_many`` leaves the rules across
    forms to its caller, so it stores that); the second case's id."""
    db = folder / "own.db"
    with Store(db, create=True, actor="practitioner") as own:
        for _ in range(2):
            case_id = own.add("case", case_record())["case_id"]
            own.add("session", session_record(case_id))
        side = None if broken else "left"
        own.add_many({"followup": [followup_record(case_id, flare_side=side)]})
    return db, case_id


@pytest.fixture
def network(store):
    store.add_site("north")
    return store


def _nothing_merged(store: Store) -> None:
    for form in ("case", "session", "followup"):
        assert store.read(form, include_deleted=True).empty
    assert not (store.audit()["action"] == "merge").any()


@pytest.mark.parametrize("what", ["store", "export folder"])
def test_a_merge_that_would_break_a_rule_across_forms_writes_nothing(
    network, tmp_path, what
):
    source, case_id = _own_store(tmp_path, broken=True)
    if what == "export folder":
        with Store(source) as own:
            export_csv(own, tmp_path / "export")
        source = tmp_path / "export"
    with pytest.raises(ValidationFailed) as info:
        merge(network, source, "north")
    (problem,) = info.value.found
    assert (problem.rule, problem.field) == ("flare_without_side", "flare_side")
    assert problem.case_id == case_id and problem.source == str(source)
    assert problem.problem.startswith(f"follow-up 1 of case {case_id}: a flare")
    _nothing_merged(network)


def test_the_command_names_the_problem_and_writes_nothing(network, tmp_path, capsys):
    source, case_id = _own_store(tmp_path, broken=True)
    code = main(["merge", str(source), "--site", "north", "--db", network.url])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"follow-up 1 of case {case_id}: a flare is recorded without" in out
    assert "nothing was written" in err
    _nothing_merged(network)


def test_a_sound_store_is_merged(network, tmp_path):
    source, _ = _own_store(tmp_path, broken=False)
    merged = merge(network, source, "north")
    assert merged.counts["case"] == 2 and merged.counts["followup"] == 1
    assert len(network.read("case")) == 2


@pytest.mark.parametrize("first", ["store", "export folder"])
def test_a_store_merged_again_as_its_export_is_refused(network, tmp_path, first):
    source, _ = _own_store(tmp_path, broken=False)
    with Store(source) as own:
        export_csv(own, tmp_path / "export")
        ids = sorted(own.read("case")["case_id"])
    sources = [source, tmp_path / "export"]
    if first == "export folder":
        sources.reverse()
    merge(network, sources[0], "north")
    before = len(network.audit())
    with pytest.raises(MergeRefused) as refused:
        merge(network, sources[1], "north")
    assert str(refused.value) == (
        f"{sources[1]}: 2 cases of it are already in site north (merged before, "
        f"perhaps as a store or as an export: {', '.join(ids)}); nothing was merged"
    )
    assert sorted(network.read("case")["case_id"]) == ids
    assert len(network.audit()) == before


def test_a_case_whose_id_alone_is_taken_is_another_case_and_redrawn(network, tmp_path):
    source, case_id = _own_store(tmp_path, broken=False)
    merge(network, source, "north")
    other = tmp_path / "other"
    other.mkdir()
    with Store(other / "own.db", create=True) as own:
        own.add("case", case_record(case_id=case_id, nprs=2))
    merged = merge(network, other / "own.db", "north")
    assert list(merged.redrawn) == [case_id]
    assert len(network.read("case")) == 3


# -- what the audit says of the source: never its path (a folder can name a person)

HOSTILE = ("jsmith", "Patients", "Mary", "Brown")


def _audit_text(store: Store) -> str:
    return store.audit().astype(str).to_csv(index=False)


@pytest.mark.parametrize("what", ["store", "export folder"])
def test_a_merge_names_its_source_without_the_folders_above_it(network, tmp_path, what):
    folder = tmp_path / "home" / "jsmith" / "Patients"
    folder.mkdir(parents=True)
    source, _ = _own_store(folder, broken=False)
    if what == "export folder":
        with Store(source) as own:
            export_csv(own, folder / "north-2025")
        source = folder / "north-2025"
    merge(network, source, "north")
    audit = network.audit()
    merged = audit[audit["origin"].isna() & audit["action"].isin(["insert", "merge"])]
    reasons = set(merged["reason"])
    assert reasons == {f"merged from the {what} {source.name} as site north"}
    text = _audit_text(network)
    assert not [word for word in HOSTILE if word in text]


@pytest.mark.parametrize("what", ["store", "export folder"])
def test_a_source_whose_own_name_is_a_persons_is_named_by_its_hash(
    network, tmp_path, what
):
    folder = tmp_path / "home" / "jsmith" / "Patients"
    folder.mkdir(parents=True)
    own, _ = _own_store(folder, broken=False)
    if what == "store":
        source = own.rename(folder / "Mary Brown.db")
        with Store(source) as store:
            digest = store.audit()["hash"].iloc[0]
        said = f"a store whose audit starts with row hash {digest[:16]}"
    else:
        source = folder / "mary_brown 2025"
        with Store(own) as store:
            export_csv(store, source)
        said = "an export folder of SHA-256 "
    merge(network, source, "north")
    reasons = set(network.audit().query("action == 'merge'")["reason"])
    (reason,) = reasons
    assert reason.startswith(f"merged from {said}") and reason.endswith("site north")
    text = _audit_text(network)
    assert not [word for word in HOSTILE if word.lower() in text.lower()]


def test_a_merge_writes_nothing_into_its_source(network, tmp_path):
    # The source's folder holds a dictionary.local.yaml it does not keep yet: an
    # open that writes would keep it, and the file cannot be written anyway.
    source, _ = _own_store(tmp_path, broken=False)
    (tmp_path / "dictionary.local.yaml").write_text("forms: {}\n", encoding="utf-8")
    before = source.read_bytes()
    source.chmod(0o444)  # as root this stops nothing: the bytes are compared
    merge(network, source, "north")
    assert source.read_bytes() == before
    wal = Path(f"{source}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
