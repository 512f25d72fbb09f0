"""Options that cannot do what they say are refused up front, in one line, exit 2,
with nothing written: never a half-done command, never one silently ignored."""

from __future__ import annotations

from test_cli import assert_one_clear_line, run

from casekit import Store
from casekit.synth import cohort


def test_a_demo_too_small_to_share_is_refused_before_writing(tmp_path):
    out = tmp_path / "reports"
    result = run("demo", "--out", str(out), "--cases", "3")
    assert_one_clear_line(result, 2, "`--cases` must be at least 5")
    assert not out.exists()  # no demo.db, no export, no report


def test_k_without_share_is_refused(tmp_path):
    db = tmp_path / "s.db"
    with Store(db, create=True) as store:
        store.add_many(cohort(6, seed=1))
    out = tmp_path / "out"
    result = run("export", str(out), "--db", str(db), "--k", "3")
    assert_one_clear_line(result, 2, "--k applies to a share export: add --share")
    assert not out.exists()
    # with --share it is the share export's k, as before
    shared = run("export", str(out), "--db", str(db), "--k", "3", "--share")
    assert shared.returncode == 0, shared.stderr
    assert "shareable export written" in shared.stdout
