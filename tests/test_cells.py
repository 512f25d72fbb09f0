"""Formula-safe files: no exported cell starts a formula; import undoes the escape."""

from __future__ import annotations

import csv

import pandas as pd
from conftest import case_record, session_record
from hypothesis import given
from hypothesis import strategies as st

from casekit import Store
from casekit.cells import neutralise, neutralise_frame, restore, restore_frame
from casekit.cli import main
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files

STARTS_A_FORMULA = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("x","click")',
    "+SUM(1,1)",
    "@ SUM(1,1)",
    "-2+3",
    "\tindented",
    "\rreturn",
    "'=already quoted",
    "''+twice",
    "'plain apostrophe",
]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lstrip("+-")[:1].isdigit() or text.lstrip("+-")[:1] == "."


@given(st.text())
def test_every_text_comes_back_exactly(text):
    assert restore(neutralise(text)) == text


@given(st.text())
def test_no_neutralised_text_starts_a_formula_unless_a_number(text):
    cell = neutralise(text)
    assert not cell.startswith(STARTS_A_FORMULA) or _is_number(cell)


@given(st.lists(st.sampled_from(HOSTILE) | st.text(), min_size=1, max_size=8))
def test_a_frame_is_changed_cell_by_cell_as_each_cell_alone(texts):
    # A CSV's columns are pandas text (StringDtype, matched at once), a workbook's
    # objects: both give what the one-cell functions give, missing cells kept.
    for dtype in ("str", object):
        frame = pd.DataFrame({"a": texts, "b": [*texts[1:], None]}, dtype=dtype)
        for whole, one in ((restore_frame, restore), (neutralise_frame, neutralise)):
            changed = whole(frame)
            if dtype == "str":
                assert changed.dtypes.tolist() == frame.dtypes.tolist()
            for name in frame.columns:
                expected = [v if pd.isna(v) else one(v) for v in frame[name]]
                got = changed[name].tolist()
                assert [None if pd.isna(v) else v for v in got] == [
                    None if pd.isna(v) else v for v in expected
                ]


def test_numbers_and_clinical_shorthand_are_untouched():
    for value in ("-3", "+1.5", "-0.25e3", "L4-5", "3x10-3x15", "NPRS 7/10"):
        assert neutralise(value) == value
    assert neutralise(-3) == -3 and neutralise(None) is None
    assert neutralise("-") == "'-" and neutralise("-inf") == "'-inf"


def _cells(folder):
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                yield from ((path.name, cell) for cell in row)


def _assert_no_formula(folder):
    risky = [
        (name, cell)
        for name, cell in _cells(folder)
        if cell.startswith(STARTS_A_FORMULA) and not _is_number(cell)
    ]
    assert not risky


def test_full_share_and_redcap_exports_start_no_formula_and_round_trip(store, tmp_path):
    case = store.add("case", case_record(notes=HOSTILE[0], site="main"))
    for number, note in enumerate(HOSTILE[1:], start=1):
        store.add(
            "session",
            session_record(case["case_id"], notes=note, nprs_before=number % 10),
        )
    for name, options in {
        "full": {},
        "share": {"share": True, "k": 1},  # of one case: the cells are the point
        "redcap": {"fmt": "redcap"},
    }.items():
        export_csv(store, tmp_path / name, **options)
        _assert_no_formula(tmp_path / name)
    written = {c for _, c in _cells(tmp_path / "full")}
    assert "'+SUM(1,1)" in written and "''=already quoted" in written

    with Store(tmp_path / "again.db", create=True) as again:
        import_files(again, [tmp_path / "full"])
        for form in ("case", "session"):
            pd.testing.assert_frame_equal(store.read(form), again.read(form))
        assert set(again.read("session")["notes"]) == set(HOSTILE[1:])


def test_a_redcap_export_imports_back_exactly(store, tmp_path):
    case = store.add("case", case_record(notes="@ SUM(1,1) done"))
    store.add("session", session_record(case["case_id"], notes="-walks daily"))
    export_csv(store, tmp_path / "rc", fmt="redcap")
    with Store(tmp_path / "again.db", create=True) as again:
        import_files(again, [tmp_path / "rc"])
        assert again.read("case")["notes"].tolist() == ["@ SUM(1,1) done"]
        assert again.read("session")["notes"].tolist() == ["-walks daily"]


def test_patterns_csv_starts_no_formula(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "casekit.cli.analysis.pattern_table",
        lambda frames, by=None: pd.DataFrame({"pattern": ["=cmd|' /C calc'!A0"]}),
    )
    assert main(["patterns", "--db", str(store.path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == "'=cmd|' /C calc'!A0"
