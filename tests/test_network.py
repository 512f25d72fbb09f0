"""Network mode on a real PostgreSQL server: site roles that see and write only their
own site, an analyst who reads every site and writes nothing, an audit beyond
anyone's reach, and practitioners' own stores merged in.

Every test gets a fresh database on the session's throwaway server
(``tests/pgserver.py``) and works through the ``casekit`` command, as the owner, the
practitioners and the analyst would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from conftest import case_record, followup_record, session_record
from pgserver import login_sql, superuser_sql

from casekit import Store
from casekit.cli import main
from casekit.errors import StoreError
from casekit.io.exporter import FILE_OF
from casekit.store import columnar
from casekit.store.schema import TABLE_OF
from casekit.synth import CohortParams, populate
from casekit.ui.logbook import LoggingApp, logging_app

SITES = ("north", "south")


def _casekit(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Every form's table, the repeated exams' included: all under row-level security.
FORM_TABLES = tuple(TABLE_OF.values())


def _own_store(folder: Path, site: str, n: int, seed: int) -> Path:
    """A practitioner's own SQLite store of ``n`` synthetic cases of ``site``."""
    db = folder / f"{site}-{seed}.db"
    with Store(db, create=True, actor=f"practitioner-{site}") as store:
        populate(store, n, seed=seed, params=CohortParams(sites=(site,)))
    return db


def _export(db: Path, folder: Path) -> list[str]:
    """``casekit export`` of ``db``: a CSV file per form (the exams' included)."""
    assert main(["export", str(folder), "--db", str(db)]) == 0
    return [str(folder / name) for name in FILE_OF.values()]


@pytest.fixture
def network(pg_url, capsys):
    """A network store with a role for north and south and an analyst: the URLs."""
    code, out, _ = _casekit(capsys, "init", "--db", pg_url)
    assert code == 0 and "network mode" in out
    urls = {"owner": pg_url}
    for name in SITES:
        code, out, _ = _casekit(capsys, "grant", name, "--db", pg_url)
        assert code == 0, out
        urls[name] = out.strip().splitlines()[-1]
    code, out, _ = _casekit(capsys, "grant", "--analyst", "ana", "--db", pg_url)
    assert code == 0, out
    urls["analyst"] = out.strip().splitlines()[-1]
    return urls


@pytest.fixture
def files(tmp_path):
    """Exports of a north store (40 cases) and of a south store (25 cases)."""
    return {
        site: _export(_own_store(tmp_path, site, n, seed), tmp_path / f"{site}-export")
        for site, n, seed in (("north", 40, 1), ("south", 25, 2))
    }


def _counts(url: str) -> dict[str, int]:
    return {
        table: superuser_sql(url, f"SELECT count(*) FROM {table}")[0][0]
        for table in (*FORM_TABLES, "audit")
    }


def _patterns(capsys, url: str, *more: str) -> list[dict]:
    code, out, err = _casekit(
        capsys, "patterns", "--format", "json", "--db", url, *more
    )
    assert code == 0, err
    return json.loads(out)


# 1. init, grant, a site's own import, another site's import refused


def test_grant_prints_a_working_url_last_and_a_new_one_on_reset(network, capsys):
    url = network["north"]
    assert url.startswith("postgresql+psycopg://north:") and "@127.0.0.1:" in url
    assert login_sql(url, "SELECT session_user")[0][0] == "north"
    code, out, _ = _casekit(capsys, "grant", "north", "--db", network["owner"])
    assert code == 0 and "password reset" in out
    assert out.count(out.strip().splitlines()[-1].split(":")[2].split("@")[0]) == 1
    with pytest.raises(psycopg.OperationalError, match="password authentication"):
        login_sql(url, "SELECT 1")  # the old password no longer works
    assert login_sql(out.strip().splitlines()[-1], "SELECT session_user")[0][0] == (
        "north"
    )


def test_a_site_with_a_login_role_or_a_case_is_not_removed(network, capsys):
    owner = network["owner"]
    code, _, err = _casekit(capsys, "site", "remove", "north", "--db", owner)
    assert code == 1 and "site north was not removed: it has a login role" in err
    assert "casekit grant north" in err and "Traceback" not in err
    for code in ("west", "east"):
        assert main(["site", "add", code, "--db", owner]) == 0
    with Store(owner) as store:  # a case of a site that has no role: the owner's
        store.add("case", case_record(site="east"))
    code, _, err = _casekit(capsys, "site", "remove", "east", "--db", owner)
    assert code == 1 and "1 case of it is in the store" in err
    code, _, err = _casekit(capsys, "site", "remove", "west", "--db", network["north"])
    assert code == 1 and "only the store's owner removes a site" in err
    code, out, err = _casekit(capsys, "site", "remove", "west", "--db", owner)
    assert code == 0 and "site west removed" in out, err
    rows = superuser_sql(owner, "SELECT code FROM sites ORDER BY code")
    assert rows == [("east",), ("main",), ("north",), ("south",)]
    code, out, _ = _casekit(capsys, "check", "--db", owner)
    assert code == 0, out


def test_a_site_imports_its_own_cases_and_not_another_sites(network, files, capsys):
    code, out, err = _casekit(
        capsys, "import", *files["north"], "--db", network["north"]
    )
    assert code == 0, err
    assert "imported 40 cases" in out
    before = _counts(network["owner"])
    code, out, err = _casekit(
        capsys, "import", *files["south"], "--db", network["north"]
    )
    assert code == 1
    assert "another site's" in out and "site north only" in out
    assert "Traceback" not in out + err
    assert _counts(network["owner"]) == before  # nothing written
    # Around casekit, straight to the server: refused by row-level security.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        login_sql(
            network["north"],
            "INSERT INTO cases (case_id, site, deleted) "
            "VALUES ('ZZZZZZ', 'south', false)",
        )
    assert _counts(network["owner"]) == before


def test_a_site_roles_new_case_gets_its_site(network, files, tmp_path):
    with Store(network["north"]) as store:
        case = store.add("case", case_record())
    assert case["site"] == "north"
    login_sql(
        network["north"],
        "INSERT INTO cases (case_id, deleted) VALUES ('ZZZZZZ', false)",
    )
    # A file without a site column: its cases are the importing site's.
    cases = pd.read_csv(files["north"][0], dtype=str).drop(columns="site")
    cases.to_csv(tmp_path / "cases.csv", index=False)
    assert main(["import", str(tmp_path / "cases.csv"), "--db", network["north"]]) == 0
    rows = superuser_sql(
        network["owner"], "SELECT site, count(*) FROM cases GROUP BY site"
    )
    assert rows == [("north", 42)]


def test_a_case_id_another_site_has_is_replaced_at_import(network, tmp_path, capsys):
    with Store(network["north"]) as store:
        taken = store.add("case", case_record())["case_id"]
    case = {**case_record(), "case_id": taken, "site": "south"}
    session = session_record(taken)
    for record in (case, session):
        for code, value in record.items():
            if isinstance(value, list):
                record[code] = "|".join(value)
    pd.DataFrame([case]).to_csv(tmp_path / "cases.csv", index=False)
    pd.DataFrame([session]).to_csv(tmp_path / "sessions.csv", index=False)
    files = [str(tmp_path / name) for name in ("cases.csv", "sessions.csv")]
    code, out, err = _casekit(capsys, "import", *files, "--db", network["south"])
    assert code == 0, out + err
    new = re.search(r"cases\.csv row 2 -> (\w+)", out)[1]
    assert new != taken and "a case this role cannot read" in out
    assert "north" not in out + err  # whose case it is stays unsaid
    rows = superuser_sql(network["owner"], "SELECT site, case_id FROM cases")
    assert sorted(rows) == [("north", taken), ("south", new)]
    assert superuser_sql(network["owner"], "SELECT case_id FROM sessions") == [(new,)]


def test_a_site_roles_forms_built_ahead_are_kept_until_a_save(network):
    # A served page builds its forms ahead and, when asked for, whether anything
    # changed: a site's role reads the audit but not the drafts (kept only on a
    # practitioner's own file), and its forms work all the same.
    ahead = logging_app(network["north"])
    assert isinstance(ahead, LoggingApp)
    assert logging_app(network["north"], ahead=ahead) is ahead
    with Store(network["north"]) as store:
        case_id = store.add("case", case_record())["case_id"]
    fresh = logging_app(network["north"], ahead=ahead)
    assert fresh is not ahead
    assert [c for _, c in fresh.session.chooser.options] == [case_id]


# 2. another site sees nothing; the analyst's pooled counts are exact


def test_another_site_sees_nothing_and_the_analyst_counts_exactly(
    network, files, tmp_path, capsys
):
    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0
    capsys.readouterr()
    south_only = _patterns(capsys, network["south"])
    north_only = _patterns(capsys, network["north"])
    for table in FORM_TABLES:
        sites = login_sql(
            network["north"],
            f"SELECT DISTINCT c.site FROM {table} t JOIN cases c USING (case_id)",
        )
        assert sites == [("north",)]
    # A site without cases: a third role sees nothing at all.
    code, out, _ = _casekit(capsys, "grant", "east", "--db", network["owner"])
    east_url = out.strip().splitlines()[-1]
    for table in FORM_TABLES:
        assert login_sql(east_url, f"SELECT * FROM {table}") == []
    assert login_sql(east_url, "SELECT * FROM audit WHERE case_id IS NOT NULL") == []
    east_patterns = _patterns(capsys, east_url)
    assert east_patterns and all(row["n"] == 0 for row in east_patterns)
    # The analyst's pooled counts are those of one store holding both sites' cases.
    pooled = tmp_path / "pooled.db"
    with Store(pooled, create=True) as store:
        for site in SITES:
            store.add_site(site)
    for site in SITES:
        assert main(["import", *files[site], "--db", str(pooled)]) == 0
    capsys.readouterr()
    expected = _patterns(capsys, str(pooled))
    analyst = _patterns(capsys, network["analyst"])
    keys = ("pattern", "k", "n")
    assert [[r[k] for k in keys] for r in analyst] == [
        [r[k] for k in keys] for r in expected
    ]
    assert sum(r["n"] for r in expected) > 0
    # Each site's own view counts its own cases only, and they add up.
    by_pattern = {r["pattern"]: r["n"] for r in expected}
    for row_n, row_s in zip(north_only, south_only, strict=True):
        assert row_n["n"] + row_s["n"] == by_pattern[row_n["pattern"]]


def test_each_role_reads_in_columns_the_rows_it_may_see(
    network, files, capsys, monkeypatch
):
    """The columnar read logs in as the store's own role: row-level security gives
    it a site's rows alone, the analyst every site's, the same frames as row by
    row."""
    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0
    reads = []
    real = columnar.read_frames
    monkeypatch.setattr(
        columnar, "read_frames", lambda *a: reads.append(a[0]) or real(*a)
    )
    monkeypatch.setattr(columnar, "read_errors", lambda: ())  # no falling back
    for who in (*SITES, "analyst"):
        with Store(network[who]) as store:
            fast, rows = store.frames(columnar=True), store.frames()
        assert isinstance(reads.pop(), str)  # the server's URI, read in columns
        for name, frame in fast.items():
            pd.testing.assert_frame_equal(frame, rows[name], obj=f"{who} {name}")
        seen = set(fast["case"]["site"])
        assert seen == ({who} if who in SITES else set(SITES)), who
    assert not reads


def test_the_analysts_split_by_site_passes_disclosure_control(network, files, capsys):
    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0
    capsys.readouterr()
    rows = _patterns(capsys, network["analyst"], "--by", "site")
    assert {r["site"] for r in rows} == set(SITES)
    for row in rows:
        assert row["k"] == "*" or (int(row["k"]) % 5 == 0 and int(row["n"]) % 5 == 0)
    assert any(row["k"] == "*" for row in rows)  # small counts are there, hidden
    code, out, _ = _casekit(
        capsys, "patterns", "--by", "site", "--db", network["analyst"]
    )
    assert code == 0 and "The pooled counts are exact." in out


def test_the_analysts_report_shows_each_sites_counts_safely(network, files, tmp_path):
    from pages import Page, is_safe_count

    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0
    out = tmp_path / "reports"
    assert main(["report", "--db", network["analyst"], "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    table = re.search(r"<table[^>]*casekit-sites.*?</table>", html, flags=re.DOTALL)
    assert table is not None, "no site-by-site table in the analyst's report"

    def numbers(page: Page) -> list[str]:  # a `k / n` pair is two counts
        return [n for c in page.counts for n in c.replace(" ", "").split("/")]

    counts = numbers(Page(table[0]))
    assert counts and all(is_safe_count(c) for c in counts), counts
    assert "*" in counts  # a site's small counts are there, hidden
    # The pooled counts of the same report stay exact (the full report's).
    assert not all(is_safe_count(c) for c in numbers(Page(html)))


def test_each_role_records_its_shares_and_is_held_to_them(
    network, files, tmp_path, capsys
):
    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0

    def share(who: str, folder: str) -> int:
        out = str(tmp_path / folder)
        return main(["export", out, "--db", network[who], "--share"])

    assert share("north", "n1") == 0  # north's 40 cases
    # The pool's 65 are far from north's 40, but for the exams: south's 4 cases
    # examined are all the examiners' agreement would move by since north's share.
    capsys.readouterr()
    assert share("analyst", "a1") == 1
    said = capsys.readouterr().err
    assert "exams of 4 cases changed since the share export" in said
    with Store(network["south"]) as south:  # 4 more of south's cases examined
        examined = set(south.read("exam")["case_id"])
        for case_id in sorted(south.case_ids(include_deleted=False) - examined)[:4]:
            when = south.get("case", case_id)["intake_date"]
            exam = {"case_id": case_id, "exam_date": when, "examiner": "b"}
            south.add("exam", {**exam, "si_tight_side": "right"})
    assert share("analyst", "a1") == 0  # the exams of 8 cases: let through
    rows = "SELECT kind, released_by, site, cases FROM share_releases ORDER BY id"
    assert superuser_sql(network["owner"], rows) == [
        ("export", "north", "north", 40),
        ("export", "ana", None, 65),
    ]
    # A site's role sees its own site's shares alone; the analyst every one.
    assert login_sql(network["north"], "SELECT count(*) FROM share_releases") == [(1,)]
    assert login_sql(network["south"], "SELECT count(*) FROM share_releases") == [(0,)]
    assert login_sql(network["analyst"], "SELECT count(*) FROM share_releases") == [
        (2,)
    ]
    with Store(network["south"]) as south:  # one of south's cases withdrawn
        south.delete("case", sorted(south.case_ids())[0], reason="withdrew consent")
    capsys.readouterr()
    assert share("analyst", "a2") == 1
    assert "1 case changed since the share export" in capsys.readouterr().err
    assert not (tmp_path / "a2").exists()
    assert share("north", "n2") == 0  # north's cases are as they were


def test_the_roles_of_an_older_network_store_may_record_shares(network, tmp_path):
    owner = network["owner"]
    superuser_sql(
        owner,
        "DROP TABLE share_releases",
        "UPDATE casekit_meta SET value = '4' WHERE key = 'schema_version'",
    )
    with pytest.raises(StoreError, match="its owner opens it once"):
        Store(network["north"]).close()
    Store(owner).close()  # the owner's open brings it up to date
    audit = superuser_sql(owner, "SELECT action FROM audit")
    assert ("restore_guards",) not in audit  # an upgrade, not guards put back
    assert login_sql(network["north"], "SELECT count(*) FROM share_releases") == [(0,)]
    login_sql(
        network["north"],
        "INSERT INTO share_releases (released_at, kind, released_by, site, cases, "
        "digest, case_ids) VALUES ('2026-01-01', 'export', 'north', 'north', 0, "
        "'x', 'y')",
    )


# 3. the audit beyond anyone's reach; no case moves site; the analyst writes nothing


@pytest.mark.parametrize(
    "statement", ["UPDATE audit SET actor = 'x'", "DELETE FROM audit", "TRUNCATE audit"]
)
@pytest.mark.parametrize("who", ["north", "owner"])
def test_nobody_rewrites_the_audit(network, files, who, statement):
    assert main(["import", *files["north"], "--db", network["north"]]) == 0
    before = superuser_sql(network["owner"], "SELECT * FROM audit ORDER BY id")
    with pytest.raises(psycopg.Error, match="append-only|permission denied"):
        login_sql(network[who], statement)
    assert superuser_sql(network["owner"], "SELECT * FROM audit ORDER BY id") == before


def test_the_owners_audit_rewrite_is_refused_by_the_trigger_itself(network, files):
    assert main(["import", *files["north"], "--db", network["north"]]) == 0
    for statement in (
        "UPDATE audit SET actor = 'x'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            login_sql(network["owner"], statement)
    # And beneath the trigger, no role the owner grants has the right to try.
    for role in ("north", "south", "ana"):
        rights = superuser_sql(
            network["owner"],
            f"SELECT has_table_privilege('{role}', 'audit', 'UPDATE'), "
            f"has_table_privilege('{role}', 'audit', 'DELETE'), "
            f"has_table_privilege('{role}', 'audit', 'TRUNCATE')",
        )
        assert rights == [(False, False, False)]


def test_a_site_role_cannot_move_its_cases_to_another_site(network, files, capsys):
    assert main(["import", *files["north"], "--db", network["north"]]) == 0
    capsys.readouterr()
    with Store(network["north"]) as store:
        cid = sorted(store.case_ids())[0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        login_sql(
            network["north"], f"UPDATE cases SET site = 'south' WHERE case_id = '{cid}'"
        )
    with Store(network["north"]) as store, pytest.raises(Exception, match="site north"):
        store.update("case", cid, {"site": "south"}, reason="moving it")
    assert superuser_sql(network["owner"], "SELECT DISTINCT site FROM cases") == [
        ("north",)
    ]


def test_the_analyst_cannot_change_a_case(network, files, capsys):
    assert main(["import", *files["north"], "--db", network["north"]]) == 0
    before = _counts(network["owner"])
    for statement in (
        "UPDATE cases SET nprs = 0",
        "DELETE FROM cases",
        "INSERT INTO cases (case_id, site, deleted) VALUES ('ZZZZZZ', 'north', false)",
        "INSERT INTO audit (time, actor, action) VALUES ('t', 'ana', 'note')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            login_sql(network["analyst"], statement)
    capsys.readouterr()
    code, out, err = _casekit(
        capsys, "import", *files["north"], "--db", network["analyst"]
    )
    assert code != 0 and "Traceback" not in err
    assert _counts(network["owner"]) == before


# 4. the audit names the database role


def test_the_audits_actor_is_the_role_not_the_clients_claim(
    network, files, monkeypatch
):
    monkeypatch.setenv("CASEKIT_ACTOR", "someone-else")
    assert main(["import", *files["north"], "--db", network["north"]]) == 0
    actors = superuser_sql(
        network["owner"], "SELECT DISTINCT actor FROM audit WHERE action = 'insert'"
    )
    assert actors == [("north",)]
    with pytest.raises(psycopg.errors.RaiseException, match="actor"):
        login_sql(
            network["north"],
            "INSERT INTO audit (id, time, actor, action) "
            "VALUES (99999, 't', 'south', 'note')",
        )


def test_the_chain_stays_whole_and_check_passes(network, files, capsys):
    for site in SITES:
        assert main(["import", *files[site], "--db", network[site]]) == 0
    capsys.readouterr()
    for who in ("owner", "analyst"):
        code, out, _ = _casekit(capsys, "check", "--db", network[who])
        assert code == 0, out
        assert "chain head" in out
    code, out, _ = _casekit(capsys, "check", "--db", network["north"])
    assert code == 0 and "site north" in out
    # Someone with the server's keys rewrites a row behind the triggers' back.
    superuser_sql(
        network["owner"], "UPDATE audit SET actor = 'x' WHERE id = 3", guards=False
    )
    code, out, _ = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 1 and "audit row 3 was changed or replaced" in out


def test_a_site_role_logs_a_late_visit_and_check_passes(network, capsys):
    # The later session and its follow-up move under the site's row-level
    # security, audited as the site's role (tests/test_late_visit.py: the rest).
    def day(n: int) -> dt.date:
        return dt.date(2025, 3, n)

    with Store(network["north"]) as store:
        cid = store.add("case", case_record(intake_date=day(1)))["case_id"]
        for n in (5, 20):
            store.add("session", session_record(cid, session_date=day(n)))
        store.add(
            "followup", followup_record(cid, followup_date=day(22), after_session=2)
        )
        late = store.add("session", session_record(cid, session_date=day(10)))
        assert late["session_no"] == 2
        assert store.get("session", (cid, 3))["session_date"] == day(20)
        assert store.get("followup", (cid, 1))["after_session"] == 3
    for who in ("owner", "north"):
        code, out, _ = _casekit(capsys, "check", "--db", network[who])
        assert code == 0, out


# 5. merge


def test_merge_of_a_store_lands_every_case_under_its_site_once(
    network, tmp_path, capsys
):
    own = _own_store(tmp_path, "main", 30, seed=5)
    with Store(own) as store:
        ids = store.case_ids()
        history = len(store.audit())
    code, out, err = _casekit(
        capsys, "merge", str(own), "--site", "north", "--db", network["owner"]
    )
    assert code == 0, err
    assert "merged 30 cases" in out and f"{history} audit rows" in out
    rows = superuser_sql(network["owner"], "SELECT case_id, site FROM cases")
    assert {r[0] for r in rows} == ids and {r[1] for r in rows} == {"north"}
    assert len(login_sql(network["north"], "SELECT * FROM cases")) == 30
    assert login_sql(network["south"], "SELECT * FROM cases") == []
    origins = superuser_sql(
        network["owner"], "SELECT count(*) FROM audit WHERE origin IS NOT NULL"
    )
    assert origins == [(history,)]
    before = _counts(network["owner"])
    code, out, err = _casekit(
        capsys, "merge", str(own), "--site", "north", "--db", network["owner"]
    )
    assert code == 0 and "merged already" in out and "nothing added" in out
    assert "Traceback" not in err
    assert _counts(network["owner"]) == before
    code, out, _ = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 0, out


def test_merge_redraws_a_case_id_taken_at_another_site(network, tmp_path, capsys):
    own = _own_store(tmp_path, "main", 5, seed=6)
    with Store(own) as store:
        taken = sorted(store.case_ids())[0]
    with Store(network["south"]) as south:  # north cannot see it, yet it is taken
        south.add("case", case_record(case_id=taken))
    code, out, err = _casekit(
        capsys, "merge", str(own), "--site", "north", "--db", network["north"]
    )
    assert code == 0, err
    assert f"{taken} -> " in out
    rows = superuser_sql(
        network["owner"], "SELECT site, count(*) FROM cases GROUP BY site ORDER BY site"
    )
    assert rows == [("north", 5), ("south", 1)]
    code, out, _ = _casekit(capsys, "check", "--db", network["owner"])
    assert code == 0, out


def test_a_store_whose_audit_does_not_explain_it_is_not_merged(
    network, tmp_path, capsys
):
    own = _own_store(tmp_path, "main", 5, seed=8)
    with sqlite3.connect(own) as raw:  # changed behind its audit's back
        raw.execute("UPDATE cases SET nprs = 0")
    code, _, err = _casekit(
        capsys, "merge", str(own), "--site", "north", "--db", network["owner"]
    )
    assert code == 1 and "its audit does not explain its tables" in err
    assert "nothing was merged" in err
    assert _counts(network["owner"])["cases"] == 0


def test_merge_of_an_export_folder_once(network, files, capsys):
    folder = str(Path(files["south"][0]).parent)
    code, out, err = _casekit(
        capsys, "merge", folder, "--site", "south", "--db", network["owner"]
    )
    assert code == 0, err and "merged 25 cases" in out
    code, out, _ = _casekit(
        capsys, "merge", folder, "--site", "south", "--db", network["owner"]
    )
    assert code == 0 and "nothing added" in out
    assert superuser_sql(network["owner"], "SELECT count(*) FROM cases") == [(25,)]


def test_a_site_role_merges_into_its_own_site_only(network, tmp_path, capsys):
    own = _own_store(tmp_path, "main", 5, seed=7)
    code, _, err = _casekit(
        capsys, "merge", str(own), "--site", "south", "--db", network["north"]
    )
    assert code != 0 and "own site, north" in err and "Traceback" not in err
    assert superuser_sql(network["owner"], "SELECT count(*) FROM cases") == [(0,)]
    # Merged by north, the store is north's: south neither sees that merge nor
    # merges the same store again.
    assert main(["merge", str(own), "--site", "north", "--db", network["north"]]) == 0
    assert login_sql(network["south"], "SELECT * FROM merges") == []
    assert len(login_sql(network["analyst"], "SELECT * FROM merges")) == 1
    capsys.readouterr()
    code, _, err = _casekit(
        capsys, "merge", str(own), "--site", "south", "--db", network["south"]
    )
    assert code == 1 and "the network holds it already" in err
    assert "another site" not in err and "north" not in err  # nor whose it was
    assert superuser_sql(network["owner"], "SELECT count(*) FROM cases") == [(5,)]


# 6. two site roles import at once


def test_two_site_roles_import_300_cases_each_at_once(network, tmp_path):
    commands = []
    for site, seed in zip(SITES, (11, 12), strict=True):
        files = _export(_own_store(tmp_path, site, 300, seed), tmp_path / site)
        commands.append(
            [sys.executable, "-m", "casekit", "import", *files, "--db", network[site]]
        )
    writers = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outcomes = [w.communicate(timeout=600) for w in writers]
    for writer, (out, err) in zip(writers, outcomes, strict=True):
        assert writer.returncode == 0, err
        assert "imported 300 cases" in out
    rows = superuser_sql(
        network["owner"], "SELECT site, count(*) FROM cases GROUP BY site ORDER BY site"
    )
    assert rows == [("north", 300), ("south", 300)]
    assert main(["check", "--db", network["owner"]]) == 0


# errors in plain words


def test_errors_are_one_plain_line_with_the_password_masked(network, pg_server, capsys):
    secret = network["north"].split(":")[2].split("@")[0]
    wrong = network["north"].replace(secret, "not-the-password")
    down = network["north"].replace(f":{pg_server.port}/", ":1/")
    for url, words in (
        (wrong, "wrong user name or password"),
        (down, "cannot reach the database server"),
    ):
        code, out, err = _casekit(capsys, "patterns", "--db", url)
        assert code == 1 and words in err
        assert len(err.strip().splitlines()) == 1
        assert secret not in err and "not-the-password" not in err
    # A role without rights, and a write that row-level security refuses.
    code, out, err = _casekit(capsys, "site", "add", "west", "--db", network["analyst"])
    assert code == 1 and "no right to do that" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with Store(network["north"]) as store, pytest.raises(StoreError) as refused:
        with store._translate_errors(), store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO cases (case_id, site, deleted) "
                "VALUES ('ZZZZZZ', 'south', false)"
            )
    assert str(refused.value).endswith(
        "the server refused the write: this role writes only rows of its own site "
        "(row-level security)"
    )
    assert secret not in str(refused.value)
    code, out, err = _casekit(capsys, "grant", "west", "--db", network["north"])
    assert code != 0 and "only the store's owner" in err and secret not in err


def test_grant_on_a_sqlite_file_is_a_usage_error(tmp_path, capsys):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    code, _, err = _casekit(capsys, "grant", "north", "--db", str(db))
    assert code == 2 and "PostgreSQL" in err


def test_the_backup_casekit_advises_dumps_and_restores_a_network_store(
    network, files, pg_server, tmp_path, capsys
):
    """`casekit backup` on a network store names the server's own tool with what
    it needs: row-level security binds the owner too, and a plain `pg_dump`
    refuses (`query would be affected by row-level security policy`)."""
    from psycopg import sql

    owner = network["owner"]
    assert _casekit(capsys, "import", *files["north"], "--db", network["north"])[0] == 0
    code, _, err = _casekit(capsys, "backup", str(tmp_path / "copy"), "--db", owner)
    assert code == 2
    advised = re.search(r"`(pg_dump [^`]*)`", err).group(1).split()
    restore = re.search(r"`(pg_restore [^`]*)`", err).group(1).split()
    database = owner.rsplit("/", 1)[1]
    login = ["-h", "127.0.0.1", "-p", str(pg_server.port), "-U", "casekit_owner"]
    env = {**os.environ, "PGPASSWORD": pg_server.owner_password}
    dump = tmp_path / "network.dump"
    dumped = subprocess.run(
        [str(pg_server.bin / advised[0]), *advised[1:], *login, "-d", database]
        + ["-f", str(dump)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert dumped.returncode == 0, dumped.stderr
    with pg_server.admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER casekit_owner").format(
                sql.Identifier(f"{database}_restored")
            )
        )
    try:
        restored = subprocess.run(
            [str(pg_server.bin / restore[0]), *restore[1:], *login]
            + ["-d", f"{database}_restored", str(dump)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert restored.returncode == 0, restored.stderr
        again = owner.rsplit("/", 1)[0] + f"/{database}_restored"
        assert _casekit(capsys, "check", "--db", again)[0] == 0
        assert _patterns(capsys, again) == _patterns(capsys, owner)
    finally:
        with pg_server.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"{database}_restored")
                )
            )
