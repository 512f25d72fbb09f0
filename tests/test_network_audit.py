"""The network's audit on a real PostgreSQL server: what each site reads of rows
about no case (another site's merge is not its business), and what it may append
(rows of its own cases that follow the chain, nothing about the store itself), so
that nobody with a site's login can break the owner's ``casekit check`` for good.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from conftest import case_record
from pgserver import login_sql, superuser_sql
from sqlalchemy.engine import make_url

from casekit import Store
from casekit.cli import main
from casekit.dictionary import load_dictionary
from casekit.store.audit import RESTORE_ACTION, TYPED_ACTIONS, row_hash
from casekit.store.late import RENUMBER_ACTION
from casekit.store.schema import HASHED_COLUMNS, build_metadata
from casekit.store.trail import CASE_ACTIONS, NEVER_CARRIED
from casekit.synth import CohortParams, populate

SITES = ("north", "south")
NULL_CASE = "SELECT action, actor, new_value, origin FROM audit WHERE case_id IS NULL"


def _casekit(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def network(pg_url, capsys):
    """A network store with a role for north and south and an analyst: the URLs."""
    assert main(["init", "--db", pg_url]) == 0
    urls = {"owner": pg_url}
    for name in SITES:
        assert main(["grant", name, "--db", pg_url]) == 0
        urls[name] = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["grant", "--analyst", "ana", "--db", pg_url]) == 0
    urls["analyst"] = capsys.readouterr().out.strip().splitlines()[-1]
    return urls


def _own_store(folder: Path, site: str, n: int, seed: int) -> Path:
    """A practitioner's own SQLite store of ``n`` synthetic cases of ``site``."""
    db = folder / f"{site}-{seed}.db"
    with Store(db, create=True, actor=f"practitioner-{site}") as store:
        populate(store, n, seed=seed, params=CohortParams(sites=(site,)))
    return db


def _merge_both(network, tmp_path) -> None:
    """North and south each merge their own store, as their own role."""
    for site, seed in zip(SITES, (1, 2), strict=True):
        own = _own_store(tmp_path, site, 6, seed)
        assert main(["merge", str(own), "--site", site, "--db", network[site]]) == 0


def _merge_sites(url: str) -> list[str]:
    return sorted(
        json.loads(value)["site"]
        for action, _, value, _ in login_sql(url, NULL_CASE)
        if action == "merge"
    )


def _head(url: str) -> tuple[int, str]:
    return superuser_sql(url, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")[0]


def _forge(url: str, **row) -> dict:
    """An audit row after the chain's head, with the hash casekit would give it."""
    last_id, last_hash = _head(url)
    row = {"id": last_id + 1, "time": "2026-11-28T23:59:00+00:00", **row}
    row["hash"] = row_hash(last_hash, row)
    return row


def _insert(url: str, row: dict) -> None:
    names = ", ".join(row)
    values = ", ".join("NULL" if v is None else _literal(v) for v in row.values())
    login_sql(url, f"INSERT INTO audit ({names}) VALUES ({values})")


def _role(url: str) -> str:
    return make_url(url).username


def _literal(value) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


# 1. a site's merge is its own business


def test_a_sites_merge_summary_is_read_by_it_the_owner_and_the_analyst(
    network, tmp_path, capsys
):
    _merge_both(network, tmp_path)
    assert _merge_sites(network["north"]) == ["north"]
    assert _merge_sites(network["south"]) == ["south"]
    for who in ("owner", "analyst"):
        assert _merge_sites(network[who]) == ["north", "south"]
    # The other store's history about no case (its sites added) stays with it
    # too; the rows the owner wrote about the store itself every role reads.
    for site, other in (("north", "south"), ("south", "north")):
        rows = login_sql(network[site], NULL_CASE)
        assert not any(actor == other for _, actor, _, _ in rows)
        assert any(origin for _, actor, _, origin in rows if actor == site)
    owners = superuser_sql(
        network["owner"],
        "SELECT count(*) FROM audit WHERE case_id IS NULL "
        "AND actor NOT IN ('north', 'south')",
    )
    seen = login_sql(
        network["north"],
        "SELECT count(*) FROM audit WHERE actor NOT IN ('north', 'south')",
    )
    assert seen == owners and owners[0][0] > 0
    for who in ("owner", "analyst", *SITES):
        code, out = _casekit(capsys, "check", "--db", network[who])
        assert code == 0, out


def test_a_merge_by_the_owner_as_a_site_is_read_by_that_site(network, tmp_path):
    own = _own_store(tmp_path, "south", 4, 3)
    assert main(["merge", str(own), "--site", "south", "--db", network["owner"]]) == 0
    assert _merge_sites(network["south"]) == ["south"]
    assert _merge_sites(network["north"]) == []


# 2. nobody appends a row that breaks the chain; a site nothing about the store


def test_a_forged_row_is_refused_and_the_owners_check_stays_whole(
    network, tmp_path, capsys
):
    _merge_both(network, tmp_path)
    head = _head(network["owner"])
    forged = (
        "INSERT INTO audit (id, time, actor, action, form, new_value, hash) "
        "SELECT id + 1, '2026-11-28T23:59:00+00:00', '{who}', 'add_site', 'site', "
        "'bogus', 'deadbeef' FROM casekit_chain_head()"
    )
    for who in ("south", "owner"):
        with pytest.raises(psycopg.errors.RaiseException, match="does not follow"):
            login_sql(network[who], forged.format(who=_role(network[who])))
    # The right hash, or a row of south's own case, at a wrong place in the chain.
    case = login_sql(network["south"], "SELECT case_id FROM cases LIMIT 1")[0][0]
    row = _forge(network["owner"], actor="south", action="update", case_id=case)
    row.update(form="case", field="notes", new_value="x")
    with pytest.raises(psycopg.errors.RaiseException, match="does not follow"):
        _insert(network["south"], {**row, "id": row["id"] + 5})
    with pytest.raises(psycopg.errors.RaiseException, match="hash does not follow"):
        _insert(network["south"], row)  # its hash was made before form and field
    assert _head(network["owner"]) == head
    code, out = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 0, out
    code, out = _casekit(capsys, "check", "--redact-reasons", "--db", network["owner"])
    assert code == 0 and "chain is broken" not in out, out


@pytest.mark.parametrize(
    "action", ["add_site", "add_column", "restore_guards", "redact_reasons", "merge"]
)
def test_a_site_role_writes_nothing_about_the_store_itself(network, action):
    row = _forge(
        network["owner"],
        actor="south",
        action=action,
        form="store",
        new_value=json.dumps({"site": "north"}),
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        _insert(network["south"], row)
    # Nor about a case of its own, under an action casekit never writes for one.
    with Store(network["south"]) as store:
        case = store.add("case", case_record())["case_id"]
    row = _forge(network["owner"], actor="south", action=action, case_id=case)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        _insert(network["south"], row)


@pytest.mark.parametrize("of_a_case", [False, True])
def test_a_site_role_appends_no_guards_put_back_as_a_merged_stores_history(
    network, tmp_path, capsys, of_a_case
):
    """An origin marks another store's history; no merge carries a row saying that
    store's guards were put back (such a store is refused), so a site's login that
    writes one is refused, and the owner's check stays whole."""
    _merge_both(network, tmp_path)
    case = login_sql(network["south"], "SELECT case_id FROM cases LIMIT 1")[0][0]
    row = _forge(
        network["owner"],
        actor="south",
        action="restore_guards",
        form="audit",
        case_id=case if of_a_case else None,
        new_value="audit_follows",
        reason="the audit's guards had been removed",
        origin="store:feed row 9 by actor 1",
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        _insert(network["south"], row)
    code, out = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 0, out


def test_guards_put_back_in_a_merged_history_are_its_writers_claim(
    network, tmp_path, capsys
):
    """Such a row written before the server refused it is what that login wrote
    about another store, not this store's guards put back: check names who wrote
    it, as a warning, and no longer fails the owner's store for good."""
    _merge_both(network, tmp_path)
    row = _forge(
        network["owner"],
        actor="south",
        action="restore_guards",
        form="audit",
        new_value="audit_follows",
        reason="the audit's guards had been removed",
        origin="store:feed row 9 by actor 1",
    )
    names = ", ".join(row)
    values = ", ".join("NULL" if v is None else _literal(v) for v in row.values())
    # As the older policy let south (its chain whole): in south's name, by hand.
    insert = f"INSERT INTO audit ({names}) VALUES ({values})"
    superuser_sql(network["owner"], insert, guards=False)
    code, out = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 0, out
    assert "guards were removed" not in out
    said = [line for line in out.splitlines() if f"audit row {row['id']}" in line]
    assert len(said) == 1 and "south" in said[0] and "warning" in out, out
    # A row of this store's own saying so stays an error for good.
    superuser_sql(network["owner"], "DROP TRIGGER audit_follows ON audit")
    assert main(["init", "--db", network["owner"]]) == 0
    code, out = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 1 and "guards were removed" in out, out


def test_a_site_merging_a_store_whose_guards_were_put_back_is_told_so(
    network, tmp_path, capsys
):
    """Refused by the merge, in plain words, before anything is written: not by
    the server's policy, whose refusal would name row-level security."""
    own = _own_store(tmp_path, "south", 2, 3)
    with Store(own, actor="practitioner-south") as store, store._write() as conn:
        row = {"action": "restore_guards", "form": "audit"}
        store._audit(conn, [{**row, "origin": "store:feed row 9 by actor 1"}])
    before = _head(network["owner"])
    code, out = _casekit(
        capsys, "merge", str(own), "--site", "south", "--db", network["south"]
    )
    assert code != 0 and "guards were put back, its own or" in out, out
    assert "row-level" not in out
    assert _head(network["owner"]) == before


def test_the_server_hashes_a_row_as_casekit_does(network):
    """Quotes, backslashes, control characters and letters beyond ASCII, with and
    without an origin: the trigger's JSON is Python's, byte for byte."""
    tricky = 'a "quoted" \\ back\tslash\nline\r\x01\x1f\x7f é ß 東京 😀 \u2028'
    for origin in (None, "a store row 3 by actor 1"):
        row = _forge(
            network["owner"],
            actor=_role(network["owner"]),
            action="note",
            form="store",
            instance=7,
            old_value=tricky,
            new_value=json.dumps({"x": tricky}, ensure_ascii=False),
            reason=tricky,
        )
        if origin:
            row["origin"] = origin
            row["hash"] = row_hash(_head(network["owner"])[1], row)
        _insert(network["owner"], row)
    assert _head(network["owner"])[1] == row["hash"]


def test_the_actions_a_site_may_write_are_casekits_own():
    assert RENUMBER_ACTION in CASE_ACTIONS
    assert set(TYPED_ACTIONS) <= set(CASE_ACTIONS)
    assert NEVER_CARRIED == (RESTORE_ACTION,)
    # What the server hashes is what casekit hashes.
    audit = build_metadata(load_dictionary()).tables["audit"]
    assert [c.name for c in audit.columns][:-2] == HASHED_COLUMNS


# 3. an older network store gets the guards on its owner's next open


def test_an_older_network_store_is_guarded_on_its_owners_init(
    network, tmp_path, capsys
):
    owner = network["owner"]
    _merge_both(network, tmp_path)
    superuser_sql(
        owner,
        "DROP TRIGGER audit_follows ON audit",
        "DROP FUNCTION casekit_audit_follows()",
        "DROP POLICY casekit_read ON audit",
        "CREATE POLICY casekit_read ON audit FOR SELECT USING (true)",
        "UPDATE casekit_meta SET value = '6' WHERE key = 'schema_version'",
    )
    assert _merge_sites(network["north"]) == ["north", "south"]  # the old way
    assert main(["init", "--db", owner]) == 0
    assert _merge_sites(network["north"]) == ["north"]
    assert ("restore_guards",) not in superuser_sql(owner, "SELECT action FROM audit")
    row = _forge(owner, actor="south", action="add_site", form="site")
    with pytest.raises(psycopg.Error):
        _insert(network["south"], {**row, "hash": "deadbeef"})
    code, out = _casekit(capsys, "check", "--db", owner)
    assert code == 0, out
    # On a store of schema 7, the guard gone is guards removed: said, for good.
    superuser_sql(owner, "DROP TRIGGER audit_follows ON audit")
    assert main(["init", "--db", owner]) == 0
    assert ("restore_guards",) in superuser_sql(owner, "SELECT action FROM audit")


def test_a_store_of_schema_7_gets_the_narrower_policy_on_its_owners_init(
    network, tmp_path
):
    owner = network["owner"]
    _merge_both(network, tmp_path)
    superuser_sql(
        owner,
        "DROP POLICY casekit_add ON audit",  # as loose as schema 7's, for origins
        "CREATE POLICY casekit_add ON audit FOR INSERT WITH CHECK (true)",
        "UPDATE casekit_meta SET value = '7' WHERE key = 'schema_version'",
    )
    assert main(["init", "--db", owner]) == 0
    row = _forge(
        owner,
        actor="south",
        action="restore_guards",
        form="audit",
        origin="store:feed row 9 by actor 1",
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        _insert(network["south"], row)
    # An upgrade, not guards found removed.
    assert ("restore_guards",) not in superuser_sql(owner, "SELECT action FROM audit")


def test_a_sites_history_row_with_an_identifying_reason_is_withheld_by_the_owner(
    network, tmp_path, capsys
):
    """Any other row of a merged history is replayed by nothing the check counts,
    but its reason is screened, as every reason is: the owner withholds it, and
    the check is whole again."""
    _merge_both(network, tmp_path)
    case = login_sql(network["south"], "SELECT case_id FROM cases LIMIT 1")[0][0]
    row = _forge(
        network["owner"],
        actor="south",
        action="update",
        form="case",
        case_id=case,
        field="notes",
        new_value="x",
        reason="asked by jane.doe@example.org",
        origin="store:feed row 9 by actor 1",
    )
    _insert(network["south"], row)
    code, out = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 1 and f"audit row {row['id']}" in out, out
    code, out = _casekit(capsys, "check", "--redact-reasons", "--db", network["owner"])
    assert code == 0 and f"rows {row['id']})" in out, out
