"""A place to write that cannot be used is one plain line naming it, for every
command that writes (export, export --share, report, backup): a file where a folder
goes, a folder under a file, a read-only disk. Exit status 2, as a usage error; no
traceback."""

from __future__ import annotations

import errno
import os

import pytest

from casekit import Store
from casekit.cli import main
from casekit.synth import populate


@pytest.fixture
def db(tmp_path, capsys):
    """A store of five cases: a share of fewer than k (five) is refused before any
    folder is made, so an empty store would never reach the destination."""
    path = str(tmp_path / "casekit.db")
    assert main(["init", "--db", path]) == 0
    with Store(path) as store:
        populate(store, 5, seed=1)
    capsys.readouterr()
    return path


def _refused(args: list[str], capsys) -> str:
    """The one line a command that cannot write prints, checked to be plain."""
    code = main(args)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("casekit: error: "), err
    assert "Errno" not in err and "Traceback" not in err
    return lines[0]


COMMANDS = [
    ["export"],
    ["export", "--share"],
    ["report", "--out"],
    ["report", "--share", "--out"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_where_the_folder_goes_is_named(command, db, tmp_path, capsys):
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("mine\n")
    line = _refused([*command, str(in_the_way), "--db", db], capsys)
    assert line.endswith(
        f"{in_the_way} is a file, not a folder; give a folder or a new name"
    )
    assert in_the_way.read_text() == "mine\n"


@pytest.mark.parametrize("command", [*COMMANDS, ["backup"]])
def test_a_folder_under_a_file_names_the_file(command, db, tmp_path, capsys):
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("mine\n")
    line = _refused([*command, str(in_the_way / "out" / "more"), "--db", db], capsys)
    assert str(in_the_way) in line
    assert "is a file, not a folder" in line or "no folder" in line


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder on which making a folder or a file fails as on a read-only disk
    (EROFS). The tests run as root, whom chmod does not stop, and mounting a
    read-only file system needs privileges a test should not take: the system
    calls that create are made to refuse as such a disk does, for this folder."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    mkdir, open_ = os.mkdir, os.open

    def refused(path) -> bool:
        return os.path.abspath(os.fsdecode(path)).startswith(str(folder))

    def no_mkdir(path, *args, **kwargs):
        if refused(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return mkdir(path, *args, **kwargs)

    def no_create(path, flags, *args, **kwargs):
        if refused(path) and flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return open_(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", no_mkdir)
    monkeypatch.setattr(os, "open", no_create)
    return folder


@pytest.mark.parametrize("command", [*COMMANDS, ["backup"]])
def test_a_read_only_disk_is_said_with_the_folder(command, db, read_only, capsys):
    line = _refused([*command, str(read_only / "out"), "--db", db], capsys)
    assert line == (
        f"casekit: error: cannot write in {read_only}: it is on a read-only disk; "
        "choose a folder you can write to"
    )
