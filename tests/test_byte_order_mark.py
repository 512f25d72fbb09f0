"""The files a practitioner writes beside the store, saved by Windows Notepad as
"UTF-8 with BOM": read as the same text without the mark.

``casekit.toml`` (the schedule), ``dictionary.local.yaml`` (the local fields) and
``deny-list.txt`` (the names to refuse) each start with U+FEFF then, which TOML
refuses outright and which would otherwise stick to the first name of the list or
make the same dictionary look changed.
"""

from __future__ import annotations

import sqlite3
import warnings

import pytest

from casekit import Store
from casekit.cli import main
from casekit.privacy import load_deny_list
from casekit.schedule import Schedule, load_schedule
from casekit.store.kept import LocalDictionaryChanged

NOTEPAD = "utf-8-sig"  # what Notepad's "UTF-8 with BOM" writes

REFERRED = """
forms:
  case:
    fields:
      - code: referred_by
        type: text
        label: Referred by
"""


def test_a_schedule_saved_with_a_bom_is_read(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "casekit.toml").write_text(
        "[schedule]\ntwo_week_days = 10\n", encoding=NOTEPAD
    )
    assert load_schedule(data) == Schedule(two_week_days=10)
    with Store(data / "casekit.db", create=True, actor="tests"):
        pass
    assert main(["due", "--db", str(data / "casekit.db"), "--on", "2025-03-14"]) == 0
    assert capsys.readouterr().out == "Nothing due on 2025-03-14.\n"


def test_a_local_dictionary_saved_again_with_a_bom_is_the_same_dictionary(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(REFERRED, encoding="utf-8")
    with Store(data / "casekit.db", create=True, actor="tests"):
        pass  # keeps its copy of the file
    (data / "dictionary.local.yaml").write_text(REFERRED, encoding=NOTEPAD)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LocalDictionaryChanged)
        with Store(data / "casekit.db", actor="tests") as store:
            assert store.dictionary["case"]["referred_by"].label == "Referred by"
            kept = store.audit().query("action == 'keep_dictionary'")
    assert kept["new_value"].tolist() == [REFERRED]


@pytest.mark.parametrize("encoding", ["utf-8", NOTEPAD])
def test_a_deny_list_saved_with_a_bom_keeps_its_first_name_whole(tmp_path, encoding):
    (tmp_path / "deny-list.txt").write_text("Okonkwo\nAdebayo\n", encoding=encoding)
    assert load_deny_list(tmp_path / "deny-list.txt") == ("Okonkwo", "Adebayo")


def test_a_copy_kept_with_its_bom_by_the_previous_casekit_is_the_same(tmp_path, capsys):
    """The previous casekit kept the file's BOM in its copy; the file, read now
    without it, was said to differ and kept again with an audit row."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(REFERRED, encoding=NOTEPAD)
    with Store(data / "casekit.db", create=True, actor="tests"):
        pass
    with sqlite3.connect(data / "casekit.db") as conn:  # as the old reader kept it
        conn.execute(
            "UPDATE casekit_meta SET value = ? WHERE key = 'dictionary.local.yaml'",
            ("\ufeff" + REFERRED,),
        )
    conn.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LocalDictionaryChanged)
        due = ["due", "--db", str(data / "casekit.db"), "--on", "2025-03-14"]
        assert main(due) == 0
        with Store(data / "casekit.db", actor="tests") as store:
            kept = store.audit().query("action == 'keep_dictionary'")
    assert "differs" not in capsys.readouterr().err
    assert len(kept) == 1  # kept when the store was made, not again
