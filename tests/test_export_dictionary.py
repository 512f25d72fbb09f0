"""dictionary.csv of an export: a field's range as typed (0 and 10, never 0.0 and
10.0), as every number of an export comes back."""

from __future__ import annotations

import pandas as pd

from casekit import Store
from casekit.cli import main

# a local integer field, its max typed as 7.0 in the YAML
DAYS_OFF = """
forms:
  case:
    fields:
      - code: days_off_work
        type: integer
        label: Days off work last week
        min: 0
        max: 7.0
"""


def test_integer_ranges_are_written_as_integers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dictionary.local.yaml").write_text(DAYS_OFF, "utf-8")
    Store("data/casekit.db", create=True, actor="tester").close()
    assert main(["export", "out"]) == 0
    text = (tmp_path / "out" / "dictionary.csv").read_text(encoding="utf-8")
    assert ".0," not in text
    book = pd.read_csv(
        tmp_path / "out" / "dictionary.csv", dtype=str, keep_default_na=False
    ).set_index(["form", "field"])
    ranges = book[["min", "max"]].apply(tuple, axis=1).to_dict()
    assert ranges["case", "nprs"] == ("0", "10")
    assert ranges["followup", "groc"] == ("-7", "7")
    assert ranges["followup", "after_session"] == ("1", "")
    assert ranges["case", "days_off_work"] == ("0", "7")
    assert ranges["case", "sex"] == ("", "")
