"""What `casekit report` says while it renders (at a terminal, on stderr): each
step, from loading Jupyter's tools through each section of the notebook to the
page written; and a notebook's sections as steps."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from casekit import Store, bundled
from casekit.report.render import _steps, render
from casekit.synth import populate


def _tiny(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny report"),
        nbformat.v4.new_code_cell("N = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("rows = list(range(N))"),
        nbformat.v4.new_markdown_cell("## Counts\n\nHow many."),
        nbformat.v4.new_code_cell("len(rows)"),
        nbformat.v4.new_markdown_cell("### A subsection: no step of its own"),
        nbformat.v4.new_code_cell("rows"),
    ]
    nbformat.write(nb, path)
    return path


def test_each_section_of_a_notebook_is_a_step():
    nb = nbformat.read(bundled.notebook(bundled.REPORT), as_version=4)
    steps = list(_steps(nb).values())
    assert steps[0] == "1/9 imports, reading the data"
    assert "6/9 Findings: the pre-stated patterns" in steps
    assert steps[-1] == "9/9 Anonymisation"


def test_render_says_each_step_as_it_comes(tmp_path):
    said: list[str] = []
    page = render(_tiny(tmp_path / "tiny.ipynb"), tmp_path / "tiny.html", {"N": 3},
                  progress=said.append)  # fmt: skip
    assert said == [
        "tiny.ipynb: loading papermill and nbconvert",
        "tiny.ipynb: starting a fresh kernel",
        "tiny.ipynb: 1/2 imports, reading the data",
        "tiny.ipynb: 2/2 Counts",
        "tiny.ipynb: rendering HTML",
        f"tiny.ipynb: writing {page}",
    ]


def test_report_prints_its_steps_at_a_terminal(tmp_path):
    """Ten silent seconds on a 4-case store; and rfc3987_syntax, a grammar jsonschema
    builds at import for a check no notebook needs, is no longer imported."""
    db = tmp_path / "four.db"
    with Store(db, create=True) as store:
        populate(store, 4, seed=1)
    code = (
        "import sys\n"
        "sys.stderr.isatty = lambda: True\n"  # a person at a terminal
        "from casekit.cli import main\n"
        f"code = main(['report', '--db', {str(db)!r}, '--out', {str(tmp_path)!r}])\n"
        "print('rfc3987_syntax', sys.modules.get('rfc3987_syntax', 'absent'))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    steps = result.stderr.splitlines()
    assert steps[0] == "04_share_report.ipynb: loading papermill and nbconvert"
    assert "04_share_report.ipynb: 1/9 imports, reading the data" in steps
    assert "04_share_report.ipynb: 7/9 Outcomes" in steps
    assert steps[-1] == f"04_share_report.ipynb: writing {tmp_path / 'report.html'}"
    out = result.stdout.splitlines()
    assert out == [
        f"full report (keep it private): {tmp_path / 'report.html'}",
        "rfc3987_syntax None",
    ]
