"""Two writers at once, and a writer killed mid-write: the store stays whole (on a
SQLite file and on PostgreSQL: see conftest.BOTH_BACKENDS)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from casekit import Store

WRITER = Path(__file__).with_name("writer.py")


def _writer(db: Path, count: int) -> subprocess.Popen:
    paths = [str(WRITER.parent), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _count(db: str, query: str) -> int:
    with Store(db) as store, store.engine.connect() as conn:
        return conn.exec_driver_sql(query).scalar()


def _unaudited(db: str) -> dict[str, int]:
    """Rows of each table that have no insert row in the audit trail, and back."""
    queries = {
        "cases": """SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM audit a
                    WHERE a.action = 'insert' AND a.form = 'case'
                    AND a.case_id = c.case_id)""",
        "sessions": """SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1
                    FROM audit a WHERE a.action = 'insert' AND a.form = 'session'
                    AND a.case_id = s.case_id AND a.instance = s.session_no)""",
        "followups": """SELECT count(*) FROM followups f WHERE NOT EXISTS (SELECT 1
                    FROM audit a WHERE a.action = 'insert' AND a.form = 'followup'
                    AND a.case_id = f.case_id AND a.instance = f.followup_no)""",
        "audit without row": """SELECT count(*) FROM audit a WHERE a.action = 'insert'
                    AND a.form = 'case' AND NOT EXISTS (SELECT 1 FROM cases c
                    WHERE c.case_id = a.case_id)""",
    }
    return {name: _count(db, query) for name, query in queries.items()}


def test_two_writers_at_once_both_finish(db_url):
    db = db_url
    Store(db, create=True).close()
    writers = [_writer(db, 200), _writer(db, 200)]
    results = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert out.split()[-1] == "200"
    with Store(db) as store:
        frames = store.frames()
        assert len(frames["case"]) == 400
        assert len(frames["session"]) == 400 and len(frames["followup"]) == 400
        # On PostgreSQL the audit names the database role, whatever the client says.
        on_server = db.startswith("postgresql")
        assert set(store.audit()["actor"]) == {
            "casekit_owner" if on_server else "writer-200"
        }
        assert store.verify()[0] == []  # one chain, not two forks of it
    assert set(_unaudited(db).values()) == {0}


def test_writer_killed_mid_loop_leaves_a_consistent_store(db_url):
    db = db_url
    Store(db, create=True).close()
    writer = _writer(db, 0)
    written = 0
    deadline = time.monotonic() + 120
    while written < 60 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        assert line, f"the writer stopped by itself: {writer.stderr.read()}"
        written = int(line)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL and written >= 60
    if not db.startswith("postgresql"):
        with sqlite3.connect(db) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cases = _count(db, "SELECT count(*) FROM cases")
    assert _count(db, "SELECT count(*) FROM sessions") == cases
    assert cases >= written
    assert set(_unaudited(db).values()) == {0}
    with Store(db) as store:  # and the store opens and takes writes again
        assert store.verify()[0] == []
        assert len(store.read("case")) == cases
