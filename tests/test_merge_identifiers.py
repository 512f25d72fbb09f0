"""A merge writes no identifier of its source into the network's audit: neither
a file name that is an e-mail address (split into words it was screened as none),
nor the source's actor (its practitioner's login name or ``CASEKIT_ACTOR``),
carried in each origin. On SQLite and PostgreSQL (``BOTH_BACKENDS``).

The network review's case: ``CASEKIT_ACTOR='kate.ward@example.org' casekit init
--db k.ward@example.org.db``, a case imported, and the store merged as a site."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.io.pool import audit_name, merge
from casekit.privacy import actor_problem
from casekit.store.merge import WITHHELD_ACTOR, Actors, actors_named

ADDRESS = "kate.ward@example.org"
# What of the address may not reach the network's audit.
HOSTILE = ("kate", "ward", "example")


@pytest.fixture
def network(store):
    store.add_site("fsite")
    return store


def _own_store(path: Path, monkeypatch, actor: str) -> Path:
    """A practitioner's store at ``path`` of one case with a session, written by
    ``actor`` as ``CASEKIT_ACTOR`` says."""
    monkeypatch.setenv("CASEKIT_ACTOR", actor)
    with Store(path, create=True) as own:
        case_id = own.add("case", case_record())["case_id"]
        own.add("session", session_record(case_id))
    monkeypatch.delenv("CASEKIT_ACTOR")
    return path


def _first_hash(path: Path) -> str:
    with Store(path, read_only=True) as own:
        return own.audit()["hash"].iloc[0]


def test_a_store_named_by_an_address_and_its_actor_stay_out_of_the_audit(
    network, tmp_path, monkeypatch, capsys
):
    source = _own_store(tmp_path / "k.ward@example.org.db", monkeypatch, ADDRESS)
    digest = _first_hash(source)
    assert main(["merge", str(source), "--site", "fsite", "--db", network.url]) == 0
    audit = network.audit()
    text = audit.astype(str).to_csv(index=False).lower()
    assert not [word for word in HOSTILE if word in text]
    merged = audit[audit["origin"].isna() & audit["action"].isin(["insert", "merge"])]
    called = f"a store whose audit starts with row hash {digest[:16]}"
    assert set(merged["reason"]) == {f"merged from {called} as site fsite"}
    origins = audit["origin"].dropna()
    assert len(origins) == 2  # the case's insert and the session's
    assert all(o.endswith(f"by actor 1 ({WITHHELD_ACTOR})") for o in origins)
    assert main(["check", "--db", network.url]) == 0


def test_each_flagged_actor_is_one_numbered_writer_and_others_stay(
    network, tmp_path, monkeypatch
):
    source = _own_store(tmp_path / "own.db", monkeypatch, ADDRESS)
    for actor in ("practitioner", "Kate Ward", ADDRESS):
        monkeypatch.setenv("CASEKIT_ACTOR", actor)
        with Store(source) as own:
            own.add("case", case_record())
    monkeypatch.delenv("CASEKIT_ACTOR")
    merge(network, source, "fsite")
    audit = network.audit()
    assert "merged from the store own.db as site fsite" in set(audit["reason"])
    writers = [o.rpartition(" by ")[2] for o in audit["origin"].dropna()]
    assert writers == [
        f"actor 1 ({WITHHELD_ACTOR})",  # the address: the case, then its session
        f"actor 1 ({WITHHELD_ACTOR})",
        "practitioner",
        f"actor 2 ({WITHHELD_ACTOR})",  # Kate Ward
        f"actor 1 ({WITHHELD_ACTOR})",
    ]
    text = audit.astype(str).to_csv(index=False).lower()
    assert not [word for word in HOSTILE if word in text]


@pytest.mark.parametrize(
    "name",
    ["k.ward@example.org.db", "kate-ward.db", "drward.co.uk.db", "Mary Brown.db"],
)
def test_a_store_name_the_screen_flags_is_named_by_its_hash(name):
    said = audit_name(Path("/home/x") / name, "store:" + "ab12" * 16)
    assert said == f"a store whose audit starts with row hash {'ab12' * 4}"


@pytest.mark.parametrize("name", ["own.db", "north-2025.db", "casekit.db"])
def test_a_plain_store_name_is_kept(name):
    assert audit_name(Path(name), "store:" + "ab12" * 16) == f"the store {name}"


@pytest.mark.parametrize(
    ("actor", "flagged"),
    [
        (ADDRESS, True),
        ("Kate Ward", True),
        ("kate_ward", True),
        ("jsmith", True),
        ("practitioner", False),
        ("casekit-demo", False),
        ("north", False),
        ("unknown", False),
    ],
)
def test_an_actor_is_screened_as_a_site_code_is(actor, flagged):
    assert bool(actor_problem(actor)) == flagged
    assert (actors_named([{"actor": actor}], ())[actor] == actor) != flagged


def test_an_export_folder_named_by_an_address_is_named_by_its_hash():
    digest = "export:" + "cd34" * 16
    said = audit_name(Path("k.ward@example.org"), digest)
    assert said == f"an export folder of SHA-256 {'cd34' * 4}"
    assert audit_name(Path("north-2025"), digest) == "the export folder north-2025"


def test_an_origin_carried_from_an_earlier_merge_has_its_actors_screened():
    # A source that merged a store itself, before actors were screened.
    actors = Actors()
    withheld = f"actor 1 ({WITHHELD_ACTOR})"
    assert actors.name("north") == "north"
    nested = f"store:{'ab' * 32} row 3 by {ADDRESS}"
    assert actors.in_origin(nested) == f"store:{'ab' * 32} row 3 by {withheld}"
    deeper = (
        "store:cd row 9 by north "
        f"(store:ef row 2 by Kate Ward (export:01 row 1 by {ADDRESS}))"
    )
    assert actors.in_origin(deeper) == (
        f"store:cd row 9 by north (store:ef row 2 by actor 2 ({WITHHELD_ACTOR}) "
        f"(export:01 row 1 by {withheld}))"
    )
    # One withheld there already stays as it was.
    assert actors.in_origin(f"store:cd row 1 by {withheld}") == (
        f"store:cd row 1 by {withheld}"
    )
