"""casekit installed from its wheel, not run from a checkout: the notebooks and the
files the commands read are inside the package, and `casekit demo` and `casekit
workshop` work in an empty folder elsewhere.

The wheel is built from this checkout (pip, in its own build environment). It is
installed, without its dependencies, into a fresh virtual environment that borrows
those dependencies from the test's own environment through a path file: the casekit
it imports is the wheel's, never the checkout's (the editable install's finder is not
a site directory there, so it is not loaded), and Jupyter's data files (nbconvert's
templates) are found through JUPYTER_PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "casekit" / "notebooks").glob("*.ipynb"))
DATA = (
    "casekit/dictionary.yaml",
    "casekit/ui/voila.json",
    "casekit/ui/lab/overrides.json",
    "casekit/report/templates/casekit_report/index.html.j2",
    "casekit/report/templates/casekit_report/conf.json",
    "casekit/report/templates/casekit_report/static/casekit.css",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT)],
        cwd=out,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("casekit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh environment with the wheel's casekit; returns its bin folder."""
    env = tmp_path_factory.mktemp("env") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True
    )
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "borrowed.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install"]
        + ["--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return env / "bin"


def test_the_wheel_carries_the_notebooks_and_the_files_commands_read(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert len(NOTEBOOKS) == 5
    for notebook in NOTEBOOKS:
        assert f"casekit/notebooks/{notebook}" in names
    for path in DATA:
        assert path in names
    assert not any(name.startswith(("tests/", "notebooks/")) for name in names)


def test_the_installed_casekit_is_the_wheels_not_the_checkouts(installed, tmp_path):
    result = subprocess.run(
        [str(installed / "python"), "-c", "import casekit; print(casekit.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    where = Path(result.stdout.strip())
    assert installed.parent in where.parents
    assert ROOT not in where.parents


def test_demo_and_workshop_run_in_an_empty_folder_elsewhere(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CASEKIT_DB"}
    # nbconvert's templates are data files of the borrowed environment, as they
    # would be of the new one had its dependencies been installed into it.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    casekit = str(installed / "casekit")
    demo = subprocess.run(
        [casekit, "demo", "--out", "out", "--cases", "40"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr
    out = tmp_path / "out"
    for name in ("demo.db", "demo-report.html", "demo-report-share.html"):
        assert (out / name).is_file(), name
    assert "Flow of cases" in (out / "demo-report-share.html").read_text()
    workshop = subprocess.run(
        [casekit, "workshop", "--out", "handouts"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert workshop.returncode == 0, workshop.stderr
    assert (tmp_path / "handouts" / "participant.html").stat().st_size > 10_000
    # Nothing was written beside the checkout's own files.
    assert not (tmp_path / "notebooks").exists()
