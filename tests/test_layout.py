"""The package as it is laid out: one family, one subpackage; small modules; no
import cycle; lower layers never import higher ones; `import casekit` stays light.

Read from the source with `ast`, so that an import inside a function counts as much
as one at the top of a module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "casekit"
MAX_LINES = 500
# What each layer may import, besides the core and itself. The core is the flat
# modules (rules and analysis); the entry (`casekit/__init__`, `__main__` and the
# `cli` subpackage) may import anything.
ALLOWED = {
    "core": set(),
    "store": set(),
    "io": {"store"},
    "synth": {"store"},
    "figures": set(),
    "ui": {"store", "figures"},
    "report": {"store", "figures"},
    "workshop": {"synth", "figures", "report"},
}
ENTRY = {"casekit", "casekit.__main__"}
ENTRY_LAYER = "cli"
HEAVY = ("matplotlib", "seaborn", "ipywidgets", "IPython", "nbconvert", "papermill")
HEAVY += ("jupyterlab", "voila", "scipy", "statsmodels")


def modules() -> dict[str, Path]:
    """Every module of casekit by dotted name (a package by its own name)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("casekit", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The casekit modules that ``name`` imports, wherever in it the import is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "casekit":
                    yield _nearest(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "casekit":
                continue
            for alias in node.names:
                whole = f"{source}.{alias.name}"
                yield whole if whole in known else _nearest(source, known)


def _nearest(name: str, known: set[str]) -> str:
    while name not in known:
        name = name.rpartition(".")[0]
    return name


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: set(imported(name, path, known)) - {name} for name, path in found.items()
    }


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return "core"


def test_no_two_modules_of_a_folder_share_a_family_prefix():
    for folder in [PACKAGE, *(p for p in PACKAGE.iterdir() if p.is_dir())]:
        names = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        names += [p.name for p in folder.iterdir() if (p / "__init__.py").exists()]
        families: dict[str, list[str]] = {}
        for name in names:
            families.setdefault(name.lstrip("_").split("_")[0], []).append(name)
        shared = {f: n for f, n in families.items() if len(n) > 1}
        assert not shared, f"{folder}: families spelled as prefixes: {shared}"


def test_the_families_are_subpackages():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(ALLOWED) - {"core"} | {ENTRY_LAYER}


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_longer_than_500_lines(name):
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1 being visited, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for other in sorted(edges[node]):
            if state.get(other) == 1:
                cycle = stack[stack.index(other) :] + [other]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_lower_layers_never_import_higher_ones():
    wrong = []
    for module, targets in graph().items():
        mine = layer(module)
        if module in ENTRY or mine == ENTRY_LAYER:
            continue
        for target in targets:
            theirs = layer(target)
            if target in ENTRY or theirs == ENTRY_LAYER:
                theirs = "entry"
            if theirs not in {"core", mine, *ALLOWED[mine]}:
                wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from .figures import plots\n    return plots\n")
    known = {"casekit.figures", "casekit.figures.plots", "casekit.core_mod"}
    assert set(imported("casekit.core_mod", module, known)) == {"casekit.figures.plots"}


def test_importing_casekit_is_light():
    code = (
        "import sys, casekit; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# What `casekit patterns` has no use for: plotting, widgets, notebooks, servers, the
# identifier screen's name lists, and the parts of statsmodels and scipy it does not
# compute with (it needs scipy.stats' binomial test, statsmodels' Wilson interval
# and Holm adjustment).
NOT_FOR_PATTERNS = (*HEAVY[:6], "jupyterlab", "voila", "nbformat", "jupyter_client")
NOT_FOR_PATTERNS += ("anywidget", "faker", "phonenumbers", "openpyxl", "duckdb")
NOT_FOR_PATTERNS += ("statsmodels.api", "statsmodels.regression", "statsmodels.formula")
NOT_FOR_PATTERNS += ("statsmodels.genmod", "scipy.io", "scipy.signal")


def test_casekit_patterns_imports_only_what_it_computes_with(tmp_path):
    from casekit import Store
    from casekit.synth import populate

    db = tmp_path / "s.db"
    with Store(db, create=True) as store:
        populate(store, 40, seed=1)
    code = (
        "import sys; from casekit.cli import main; "
        f"code = main(['patterns', '--db', {str(db)!r}]); "
        f"print(','.join(m for m in {NOT_FOR_PATTERNS!r} if m in sys.modules)); "
        "print('scipy.stats' in sys.modules, 'statsmodels.stats.proportion' in "
        "sys.modules); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded, needed = result.stdout.strip().splitlines()[-2:]
    assert loaded == ""
    assert needed == "True True"  # the check itself sees what is imported
