"""Formula-safe files: no exported cell starts a formula; import undoes the escape."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
from conftest import case_record, session_record
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import Store
from casekit.cells import neutralise, neutralise_frame, restore, restore_frame
from casekit.cli import main
from casekit.errors import ValidationFailed
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
        lambda frames, by=None: pd.DataFrame(
            {"pattern": ["=cmd|' /C calc'!A0"], "p_value": [float("nan")]}
        ),
    )
    assert main(["patterns", "--db", str(store.path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split(",")[0] == "'=cmd|' /C calc'!A0"


@given(st.lists(st.text(), min_size=1, max_size=8))
def test_the_import_s_strip_keeps_what_the_export_escaped(texts):
    # The import strips each cell of a spreadsheet's stray spaces: a text whose
    # own spaces would go is escaped, and an escaped cell is not stripped.
    for dtype in ("str", object):
        frame = pd.DataFrame({"a": texts}, dtype=dtype)
        back = restore_frame(neutralise_frame(frame), strip=True)
        assert back["a"].tolist() == texts


def test_the_import_strips_stray_spaces_and_takes_an_apostrophe_as_typed():
    cells = [" 6 ", "'tis the season ", " '=x ", "'tis", "' a", "'a "]
    frame = pd.DataFrame({" notes ": cells}, dtype="str")
    back = restore_frame(frame, strip=True)
    assert back.columns.tolist() == ["notes"]
    # Only an escape loses its apostrophe: "'tis" is text that starts with one.
    # "'tis the season " is how the export writes "tis the season " (its space
    # kept): the same cell typed by hand reads as that too, the price of a space
    # kept, as "'=x" typed by hand reads as "=x".
    assert back["notes"].tolist() == ["6", "tis the season ", "=x", "'tis", " a", "a "]


# Texts a practitioner may type that start or end like the escape itself, or
# with spaces that the import strips from a cell: each comes back as typed.
EDGES = ["'tis the season", "'", "''", "='", "''=x", "'\t", " 'a", "a ", "'a\n", " =x"]
# A note is not blank (a blank answer is no answer); one the identifier screen
# refuses is not stored, and so not exported.
NOTE = (
    st.sampled_from(EDGES)
    | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)
).filter(str.strip)


@settings(max_examples=30, deadline=None)
@given(notes=st.lists(NOTE, min_size=1, max_size=6))
def test_any_text_cell_exported_then_imported_comes_back_identical(notes):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        with Store(folder / "a.db", create=True) as store:
            case_id = store.add("case", case_record())["case_id"]
            stored = []
            for note in notes:
                try:
                    store.add("session", session_record(case_id, notes=note))
                except ValidationFailed:
                    continue  # looks like an identifier: never stored
                stored.append(note)
            assert store.read("session")["notes"].tolist() == stored
            export_csv(store, folder / "export")
        with Store(folder / "b.db", create=True) as again:
            import_files(again, [folder / "export"])
            assert again.read("session")["notes"].tolist() == stored
