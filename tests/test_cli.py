"""The command line: exit codes, one clear line for bad input, never a traceback."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import LOCAL_FIELD
from test_interop import _write

from casekit import Store
from casekit.cli import main
from casekit.synth import cohort


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real `casekit` command in a subprocess, as a person runs it."""
    return subprocess.run(
        [sys.executable, "-m", "casekit", *args],
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, code: int, words: str):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casekit: error:"), result.stderr
    assert words in lines[0]


def test_init_import_export_check_work_together(db_url, tmp_path, capsys):
    db = db_url
    assert main(["init", "--db", db]) == 0
    if not db.startswith("postgresql"):
        assert stat.S_IMODE(Path(db).stat().st_mode) == 0o600
    files = [str(p) for p in _write(tmp_path / "in")]
    assert main(["import", *files, "--db", db, "--dry-run"]) == 0
    assert "would import 2 cases, 3 sessions, 2 followups" in capsys.readouterr().out
    assert main(["import", *files, "--db", db]) == 0
    assert main(["check", "--db", db]) == 0
    assert "checked 2 cases: 0 errors" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "out"), "--db", db]) == 0
    share = ["export", str(tmp_path / "share"), "--db", db, "--share"]
    assert main([*share, "--k", "2"]) == 0  # a store of 2 cases
    assert {p.name for p in (tmp_path / "share").iterdir()} == {
        "cases.csv",
        "sessions.csv",
        "followups.csv",
        "exams.csv",
        "dictionary.csv",
        "disclosure.txt",
    }


def test_store_comes_from_the_environment(tmp_path, monkeypatch, capsys):
    db = tmp_path / "elsewhere.db"
    monkeypatch.setenv("CASEKIT_DB", str(db))
    assert main(["init"]) == 0
    assert db.exists()


def test_invalid_import_prints_every_problem_and_exits_1(tmp_path):
    db = str(tmp_path / "casekit.db")
    Store(db, create=True).close()
    folder = tmp_path / "in"
    from test_interop import CASES, SESSIONS

    paths = _write(
        folder,
        cases=CASES.replace(",7,32.5,", ",17,32.5,"),
        sessions=SESSIONS.replace(
            "P3W9HD,1,2025-01-09,4,2,ankle_foot", "P3W9HD,1,2025-01-09,4,2,ankle"
        ),
    )
    result = run("import", *map(str, paths), "--db", db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "cases.csv row 2: case K7Q2XM: `nprs` is 17, expected 0 to 10" in out
    assert (
        "sessions.csv row 4: session 1 of case P3W9HD: `regions_treated` is "
        "'ankle', expected one of lumbar" in out
    )
    assert "2 problems found; nothing was written" in result.stderr
    with Store(db) as store:
        assert store.case_ids() == set()


def test_import_prints_its_warnings_and_writes(tmp_path, capsys):
    from test_interop import CASES

    db = str(tmp_path / "casekit.db")
    cases = CASES.replace("case_id,", "case_id,red_flags_cleared,", 1)
    cases = cases.replace("K7Q2XM,", "K7Q2XM,no,").replace("P3W9HD,", "P3W9HD,yes,")
    files = [str(p) for p in _write(tmp_path / "in", cases=cases)]
    assert main(["init", "--db", db]) == 0  # an import makes no store
    assert main(["import", *files, "--db", db]) == 0
    out = capsys.readouterr().out
    assert (
        "cases.csv row 2: warning: case K7Q2XM: red flags are not cleared: screen "
        "for serious pathology before treating" in out
    )
    assert "imported 2 cases" in out


def test_check_finds_every_cross_form_problem_and_exits_1(store, capsys):
    from test_checks import seed_every_cross_form_problem

    cid = seed_every_cross_form_problem(store)
    assert main(["check", "--db", str(store.path or store.url)]) == 1
    out = capsys.readouterr().out
    for words in (
        f"session 2 of case {cid}: `session_date` is 2025-03-01, before the intake",
        f"session 3 of case {cid}: `nprs_after` is 2 but `nprs_before` is missing",
        "session 1 of case GHOST2: `case_id` 'GHOST2' is not a case",
        f"follow-up 1 of case {cid}: `followup_date` is 2025-03-08, before session 1",
        f"follow-up 2 of case {cid}: a flare is recorded without `flare_side`",
        f"follow-up 3 of case {cid}: `after_session` is 9, but the case has no such",
    ):
        assert words in out
    # The rows were written behind the audit's back, and check says so too.
    assert out.count("it is in the table, but no audit row wrote it") == 6
    assert "12 errors" in out


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["import", "{tmp}/missing.csv"], 2, "no such file"),
        (["import", "{tmp}/visits.csv"], 2, "is not a form"),
        (["import", "{tmp}/cases.csv"], 1, "is not a CSV text file"),
        (["check", "--db", "{tmp}/nowhere.db"], 1, "casekit init"),
        (["check", "--db", "{tmp}/cases.csv"], 1, "not a casekit store"),
        (["check", "--db", "postgresql://nobody@127.0.0.1:1/none"], 1, "store"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, args, code, words):
    (tmp_path / "visits.csv").write_text("a,b\n1,2\n")
    (tmp_path / "cases.csv").write_bytes(bytes(range(256)) * 8)
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    args = [a.format(tmp=tmp_path) for a in args]
    if "--db" not in args:
        args += ["--db", str(db)]
    assert_one_clear_line(run(*args), code, words)


def test_wrong_column_is_reported_with_the_file_and_exit_1(tmp_path):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    path = tmp_path / "cases.csv"
    path.write_text("case_id,pain_sides\nK7Q2XM,left\n")
    result = run("import", str(path), "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cases.csv row 1: column `pain_sides` is not a field" in result.stdout


def test_locked_store_gives_one_clear_line(tmp_path):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    paths = [str(p) for p in _write(tmp_path / "in")]
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
    try:
        result = run(
            "import", *paths, "--db", str(db), env={"CASEKIT_BUSY_TIMEOUT": "0.5"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_clear_line(result, 1, "is locked by another program")


@contextlib.contextmanager
def _read_only(db: Path):
    """Make the store file unwritable, even for root (who ignores permissions)."""
    if os.geteuid() != 0:
        db.chmod(0o444)
        yield
        db.chmod(0o600)
        return
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
        pytest.skip("cannot make a file immutable on this file system")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)


def test_read_only_store_gives_one_clear_line(tmp_path):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    paths = [str(p) for p in _write(tmp_path / "in")]
    with _read_only(db):
        result = run("import", *paths, "--db", str(db))
    assert_one_clear_line(result, 1, "read-only")


def test_read_only_url_gives_one_clear_line(tmp_path):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    paths = [str(p) for p in _write(tmp_path / "in")]
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = subprocess.run(
        [sys.executable, "-m", "casekit", "import", *paths, "--db", url],
        text=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert_one_clear_line(result, 1, "read-only")
    assert not (tmp_path / "file:").exists()  # no stray file named after the URI


def test_usage_errors_exit_2():
    assert run("import").returncode == 2
    assert run("frobnicate").returncode == 2
    bare = run()  # no command: a usage error like the others, said on stderr
    assert bare.returncode == 2 and bare.stdout == ""
    assert bare.stderr.strip().splitlines()[-1] == (
        "casekit: error: give a command; `casekit --help` lists them"
    )


def test_every_command_has_help_with_an_example():
    import argparse

    from casekit.cli import build_parser

    parser = build_parser()
    commands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    for command in commands:
        result = run(command, "-h")
        assert result.returncode == 0 and "Example: casekit " + command in result.stdout
    assert run("--version").stdout.startswith("casekit ")


def _synthetic_store(db: Path, cases: int) -> Path:
    from casekit.synth import populate

    with Store(db, create=True) as store:
        populate(store, cases, seed=1)
    return db


def test_synthetic_cohort_survives_export_and_import_exactly(db_url, tmp_path, capsys):
    """Every value of a few hundred awkward synthetic cases (multi-selects, missing
    answers, dates, ongoing flares) comes back exactly, through the real commands
    (into a SQLite file, and into a PostgreSQL database)."""
    source = _synthetic_store(tmp_path / "synthetic.db", 150)
    assert main(["export", str(tmp_path / "out"), "--db", str(source)]) == 0
    target = db_url
    assert main(["init", "--db", str(target)]) == 0  # an import makes no store
    # the folder form: dictionary.csv beside the data is understood, not imported
    assert main(["import", str(tmp_path / "out"), "--db", str(target)]) == 0
    assert "imported 150 cases" in capsys.readouterr().out
    with Store(source) as before, Store(target) as after:
        for form, frame in before.frames().items():
            pd.testing.assert_frame_equal(frame, after.read(form))


def test_password_in_a_url_is_never_printed():
    result = run("check", "--db", "postgresql://ann:s3cret@127.0.0.1:1/none")
    assert result.returncode == 1 and "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_nonsense_db_gives_one_clear_line():
    assert_one_clear_line(run("check", "--db", "::://"), 1, "store")


def test_patterns_prints_the_table_as_json_and_splits_it(tmp_path, capsys):
    import json

    from casekit.patterns import COLUMNS

    db = str(_synthetic_store(tmp_path / "synthetic.db", 120))
    assert main(["patterns", "--db", db, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["pattern"] for r in rows] == [
        "si_opposite",
        "flare_after_care",
        "flare_same_side",
        "ankle_history",
        "ankle_same_side",
        "flexor_glute_same_side",
        "knee_same_side",
        "plantar_same_side",
        "improved",
        "improvement_held",
    ]
    with_holm = [*COLUMNS[: COLUMNS.index("p_value") + 1], "p_adjusted", "note"]
    assert all(list(r) == with_holm for r in rows)
    assert all(0 <= r["k"] <= r["n"] for r in rows)
    assert main(["patterns", "--db", db, "--format", "json", "--by", "sex"]) == 0
    split = json.loads(capsys.readouterr().out)
    female = [r for r in split if r["sex"] == "female"]
    male = [r for r in split if r["sex"] == "male"]
    assert len(female) == len(male) == 10
    whole = {r["pattern"]: r["n"] for r in rows}
    parts = {}
    for r in split:
        parts[r["pattern"]] = parts.get(r["pattern"], 0) + r["n"]
    assert parts == whole  # the split partitions every denominator
    assert main(["patterns", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "SI joint tighter on the side opposite the pain" in text
    assert "Holm-adjusted" in text


def test_patterns_of_a_store_all_withdrawn_says_so_not_none_logged(
    store, db_url, capsys
):
    """The only case withdrawn: it said "No case logged yet", denying the case."""
    from conftest import case_record

    case_id = store.add("case", case_record())["case_id"]
    store.delete("case", case_id, reason="withdrew consent")
    assert main(["patterns", "--db", db_url]) == 0
    text = capsys.readouterr().out
    assert "No case in the series: the 1 case logged is withdrawn." in text
    assert "No case logged yet" not in text and "Holm" not in text


def test_patterns_csv_and_json_carry_the_holm_adjusted_p(tmp_path, capsys):
    """--help promised p_adjusted (Holm) in csv and json; only the text had it."""
    import io
    import json

    from statsmodels.stats.multitest import multipletests

    db = str(_synthetic_store(tmp_path / "synthetic.db", 60))
    assert main(["patterns", "--db", db, "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert main(["patterns", "--db", db, "--format", "json", "--by", "sex"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    split = pd.DataFrame(rows)
    for frame in (table, split):
        tested = frame["p_value"].notna()
        assert tested.sum() >= 2
        holm = multipletests(frame.loc[tested, "p_value"], method="holm")[1]
        assert frame.loc[tested, "p_adjusted"].to_numpy() == pytest.approx(holm)
        # where there is no test there is no adjusted p either
        assert frame.loc[~tested, "p_adjusted"].isna().all()


def test_patterns_text_names_a_split_by_the_stores_dictionary(local_store, capsys):
    db = str(local_store.path)
    assert main(["patterns", "--db", db, "--by", "work_type"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rates = [line for line in lines if line.startswith("[")]
    assert len(rates) == 2 * 10
    assert rates[0].startswith("[Kind of work: Desk] SI joint tighter")
    assert rates[-1].startswith("[Kind of work: Manual] Improvement still there")
    assert not any("work_type" in line or ": desk]" in line for line in lines)
    # The same words for a rate as every other table: k / n, its rate, its interval.
    assert (
        " / " in rates[0]
        and " % (95 % Wilson interval " in rates[0]
        and "Holm-adjusted" in rates[0]
    )
    # and which interval and which test, once, below the rates
    methods = "Intervals: Wilson 95 % (statsmodels); p: exact binomial test (scipy)"
    assert sum(line.startswith(methods) for line in lines) == 1


def test_patterns_with_an_unknown_split_is_a_usage_error(tmp_path):
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    assert_one_clear_line(run("patterns", "--db", str(db), "--by", "shoe"), 2, "`by`")


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """`casekit patterns | head`: when the pipe closes under the command (here its
    reader, `true`, reads nothing at all), it stops quietly, without a traceback."""
    db = tmp_path / "casekit.db"
    Store(db, create=True).close()
    result = subprocess.run(
        [
            "bash",
            "-c",
            f"'{sys.executable}' -m casekit patterns --db '{db}' | true; "
            'echo "exit ${PIPESTATUS[0]}"',
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout == "exit 0\n"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


# conftest's local choice field, with a free-text and a number field after it
TEXT_AND_NUMBER_FIELDS = (
    LOCAL_FIELD
    + """      - code: referred_by
        type: text
        free_text: true
        label: Referred by
      - code: birth_decade
        type: integer
        label: Decade of birth
        min: 1900
        max: 2030
"""
)


@pytest.mark.parametrize(
    "by, why", [("referred_by", "free text"), ("birth_decade", "not coded")]
)
def test_patterns_split_only_by_a_coded_field(tmp_path, monkeypatch, capsys, by, why):
    # Split by a local free-text or number field, the typed values became labels.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    (tmp_path / "data").mkdir()
    local = tmp_path / "data" / "dictionary.local.yaml"
    local.write_text(TEXT_AND_NUMBER_FIELDS, encoding="utf-8")
    records = cohort(12, seed=3)
    for record in records["case"]:
        record.update(work_type="desk", referred_by="sports club", birth_decade=1970)
    with Store("data/casekit.db", create=True, actor="tester") as store:
        store.add_many(records)
    assert main(["patterns", "--by", by]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1, err
    assert lines[0] == (
        "casekit: error: `by` must be site, sex, age_band, duration, episode, "
        "upstream_treated or another choice field of the case form (yours: "
        f"work_type), got {by!r} ({why})"
    )
    assert "sports club" not in err
    assert main(["patterns", "--by", "work_type"]) == 0


def test_import_and_export_help_say_what_they_read_and_write():
    # The help said "casekit's three files" (the export writes four and the
    # dictionary) and named no folder, workbook sheets or REDCap export.
    imports = " ".join(run("import", "-h").stdout.split())
    for words in ("a folder holding them", ".xlsx", "a sheet per form", "REDCap"):
        assert words in imports, words
    exports = " ".join(run("export", "-h").stdout.split())
    assert "three" not in exports
    assert (
        "csv: cases.csv, sessions.csv, followups.csv and exams.csv plus "
        "dictionary.csv (default)"
    ) in exports
