"""The repository keeps its promises: one set of dependencies, documented commands."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import yaml

from casekit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names a few packages differently from PyPI.
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!\[;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {_name(r) for r in project["dependencies"]}
    pip_side |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_side = {
        CONDA_TO_PYPI.get(_name(r), _name(r)) for r in conda if isinstance(r, str)
    } - {"python"}
    assert pip_side == conda_side


def test_pandas_is_pinned_to_a_version_that_groups_categoricals_right():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "pandas>=3.1" in [r.split("#")[0].strip() for r in project["dependencies"]]


def test_readme_documents_every_command_and_starts_with_the_two():
    readme = (ROOT / "README.md").read_text()
    first_lines = "\n".join(readme.splitlines()[:6])
    assert "make demo" in first_lines and "make test" in first_lines
    parser = build_parser()
    commands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    for name in commands:
        assert f"`casekit {name}" in readme, f"README does not document {name}"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
