"""Notebooks rendered to HTML fit to send: run afresh, code hidden, self-contained.

:func:`render` executes a notebook with papermill in a fresh kernel (its parameters
cell given ``DB``, ``SHARE``...), then exports HTML with nbconvert through casekit's
template (``templates/casekit_report``: JupyterLab's look without the require.js,
MathJax, mermaid and widget-renderer scripts that the lab template loads from CDNs).
Code, prompts and the cells of hidden tags are left out; figures stay as embedded
PNG images. The page runs no script and loads nothing: :func:`scan_html` checks it
before it is written, and a page that would load anything from the network is
refused. :func:`report` renders the case-series report, ``04_share_report``.

papermill and nbconvert are imported inside the functions: the core of casekit
runs without Jupyter.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import bundled
from ..errors import RenderError, UsageError
from ..store import Store, releases
from . import few

TEMPLATES = Path(__file__).resolve().parent / "templates"
HIDE = ("remove-cell",)
# papermill's cells: the defaults, then the values given. They show nothing, and
# the values (a store's path, say) are nobody else's business.
PARAMETER_TAGS = ("parameters", "injected-parameters")
WIDGET_TYPES = (
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)

# A reference the browser follows by itself: http(s), ws(s), ftp or
# protocol-relative (//host/...). Links a reader clicks (<a href>) are not loads.
_REMOTE = re.compile(r"^\s*(?:(?:https?|wss?|ftp):)?//", re.IGNORECASE)
_LOADING = {"src", "srcset", "imagesrcset", "poster", "data", "background"}
_LOADING |= {"lowsrc", "dynsrc", "xlink:href", "manifest", "codebase", "archive"}
_HREF_LOADS = {"link", "image", "use", "feimage", "base", "script"}
_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>")
_ATTR = re.compile(r"([\w:-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_BODY = re.compile(r"(<script\b[^>]*>)(.*?)(</script\s*>)", re.I | re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*((?:(?:https?|wss?|ftp):)?//[^'\")\s]*)", re.I)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?\s*((?:https?:)?//[^'\")\s;]*)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_JS_URL = re.compile(r"(?:https?|wss?):/+[^\s'\"`)]+", re.IGNORECASE)


def scan_html(html: str) -> list[str]:
    """What in a page would make a browser fetch something from the network.

    Parameters
    ----------
    html : str
        A whole page.

    Returns
    -------
    list of str
        One line per finding, e.g. ``<script src="https://cdn...">``; empty when
        opening the page loads nothing remote. Looked for: loading attributes
        (``src``, ``srcset``, ``poster``, ``data``, ``background``...) and ``href``
        of ``<link>``, ``<base>`` and SVG ``<image>`` / ``<use>`` pointing at
        ``http(s)://``, ``ws(s)://``, ``ftp://`` or ``//host``; a ``<meta>``
        refresh to one; CSS ``url(...)`` and ``@import`` of one (in ``<style>``
        and ``style=""``, comments aside); any such address inside a script.
        A link a reader may click (``<a href>``) is not a load.
    """
    page = _HTML_COMMENT.sub("", html)
    found = []
    for _, script, _ in _SCRIPT_BODY.findall(page):
        found += [f"<script> mentions {url}" for url in _JS_URL.findall(script)]
    # The tag stays (its src is an attribute like any other), its body goes.
    page = _SCRIPT_BODY.sub(lambda m: m.group(1) + m.group(3), page)
    for css in _STYLE.findall(page):
        found += _css_loads(css, "<style>")
    page = _STYLE.sub("<style></style>", page)
    for tag, attributes in _TAG.findall(page):
        tag = tag.lower()
        for name, quoted in _ATTR.findall(attributes):
            name, value = name.lower(), html_lib.unescape(quoted.strip("'\""))
            where = f"<{tag} {name}={quoted}>"
            if name == "style":
                found += _css_loads(value, f"<{tag} style>")
            elif name in _LOADING or (name == "href" and tag in _HREF_LOADS):
                if any(_REMOTE.match(part) for part in value.split(",")):
                    found.append(where)
            elif name == "content" and tag == "meta" and "url=" in value.lower():
                target = value.lower().split("url=", 1)[1].strip("'\" ")
                if _REMOTE.match(target):
                    found.append(where)
    return found


def _css_loads(css: str, where: str) -> list[str]:
    css = _CSS_COMMENT.sub("", css)
    urls = _CSS_URL.findall(css) + _CSS_IMPORT.findall(css)
    return [f"{where} loads {url}" for url in urls]


def render(
    notebook: str | os.PathLike,
    out_html: str | os.PathLike,
    parameters: Mapping[str, Any] | None = None,
    *,
    hide_tags: Iterable[str] = HIDE,
    show_code: bool = False,
    private: bool = False,
    progress: Callable[[str], None] | None = None,
    timeout: int = 600,
) -> Path:
    """Execute a notebook in a fresh kernel and write it as a self-contained page.

    Parameters
    ----------
    notebook : path
        An ``.ipynb`` with a cell tagged ``parameters``.
    out_html : path
        The page to write (its folder is created).
    parameters : mapping, optional
        Values for the parameters cell, e.g. ``{"DB": "data/casekit.db",
        "SHARE": True}`` (papermill).
    hide_tags : iterable of str, default ("remove-cell",)
        Cells with any of these tags are left out of the page (they still run).
        The checks of the notebooks are tagged ``remove-cell``; a workshop
        notebook renders its participants' version with
        ``hide_tags=("remove-cell", "solution")`` and its instructor's version
        with the default, which shows the ``solution`` cells.
    show_code : bool, default False
        Show the code of the cells that are shown (a workshop may want it); the
        parameters cells are left out either way.
    private : bool, default False
        Write the page readable by its owner alone (mode 0600): a page with
        exact counts, for the practitioner, as the full export is.
    progress : callable, optional
        Called with a short line at each stage: starting the kernel, each
        section (``#`` or ``##`` heading) as its first cell runs, rendering the
        HTML, writing the page.
    timeout : int, default 600
        Seconds a cell may run.

    Returns
    -------
    Path
        ``out_html``. The page holds no script and no widget state, and
        :func:`scan_html` finds nothing in it; otherwise nothing is written and
        :class:`~casekit.errors.RenderError` says what was found.
    """
    notebook, out_html = Path(notebook), Path(out_html)
    if not notebook.is_file():
        raise UsageError(f"no notebook {str(notebook)!r}")
    say = progress or (lambda _line: None)
    say(f"{notebook.name}: loading papermill and nbconvert")
    import nbformat
    import papermill
    from jupyter_client.manager import KernelManager
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    say(f"{notebook.name}: starting a fresh kernel")
    steps = _steps(nbformat.read(notebook, as_version=4))

    def started(cell: Any, **_: Any) -> None:
        if cell.get("id") in steps:
            say(f"{notebook.name}: {steps[cell['id']]}")

    with tempfile.TemporaryDirectory(prefix="casekit-report-") as work:
        # A fresh kernel of our own, started in a scratch folder, whose chatter on
        # stderr (transport warnings, its shutdown) stays off the user's terminal.
        kernel = KernelManager(kernel_name="python3")
        kernel.start_kernel(
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            executed = papermill.execute_notebook(
                str(notebook),
                str(Path(work) / notebook.name),
                parameters=dict(parameters or {}),
                kernel_name="python3",
                language="python",
                km=kernel,
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                # nbclient waits 4 s for a cell's outputs, then drops what has not
                # arrived and goes on: on a busy machine a page would lose a figure
                # without a word. Wait as long as a cell may run.
                iopub_timeout=timeout,
                on_cell_start=started,
            )
        except papermill.PapermillExecutionError as exc:
            raise RenderError(
                notebook.name,
                f"cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}",
            ) from None
        finally:
            kernel.shutdown_kernel(now=True)
    say(f"{notebook.name}: rendering HTML")
    executed = nbformat.from_dict(_for_sharing(executed))
    config = Config()
    config.HTMLExporter.exclude_input = not show_code
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(
        config=config,
        template_name="casekit_report",
        extra_template_basedirs=[str(TEMPLATES)],
    )
    hidden = {*hide_tags, *PARAMETER_TAGS}
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=hidden, enabled=True), enabled=True
    )
    page, _ = exporter.from_notebook_node(
        executed, resources={"metadata": {"name": _title(executed, notebook)}}
    )
    page = _static(page)
    problems = scan_html(page)
    if problems:
        raise RenderError(
            notebook.name,
            f"refused to write {out_html}: opening it would load from the network: "
            + "; ".join(problems[:3]),
        )
    say(f"{notebook.name}: writing {out_html}")
    out_html.parent.mkdir(parents=True, exist_ok=True)
    if private:
        write_private(out_html, page)
    else:
        out_html.write_text(page, encoding="utf-8")
    return out_html


def report(
    db: str | os.PathLike | None = None,
    out: str | os.PathLike = "reports",
    *,
    share: bool = False,
    name: str = "report",
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Render the case-series report of a store: ``OUT/report.html`` (full, exact
    counts, for the practitioner) or ``OUT/report-share.html`` (``share``).

    Parameters
    ----------
    db : str or path, optional
        The store (``CASEKIT_DB`` or ``data/casekit.db`` by default); only read.
    out : path, default "reports"
    share : bool, default False
        Disclosure-controlled: small counts hidden, the others rounded; a series
        of fewer than 8 cases shows no count at all (:mod:`casekit.report.few`).
        A shared report with counts is refused if its cases differ from an
        earlier share's by 1 to 7, logged, changed or withdrawn since, or by 1
        to 7 in any one form (:class:`~casekit.errors.ReleaseRefused`), and
        recorded as it is written (:mod:`casekit.store.releases`).
    name : str, default "report"
        The file's stem (``-share`` is added for a shared one).
    progress : callable, optional
        As for :func:`render`.

    Returns
    -------
    Path
        The page; the full one (exact counts) is readable by its owner alone.
    """
    # A missing or broken store fails here, plainly; a report never writes it.
    with Store(db, read_only=True) as store:
        # The kernel runs elsewhere (a temporary folder): an absolute path.
        database = str(store.path.resolve()) if store.path else store.url
        # The cases a shared report counts (the series: withdrawn ones out),
        # each with a fingerprint of what it holds (casekit.store.releases).
        counted = releases.counted(store) if share else set()
        counts = share and not few.too_few(len(counted))
        if counts:  # refused before the long rendering (casekit.store.releases)
            releases.check(store, counted)
    # Made before the long rendering: a path that cannot be used is said at once.
    Path(out).mkdir(parents=True, exist_ok=True)
    notebook = bundled.notebook(bundled.REPORT)
    target = Path(out) / f"{name}{'-share' if share else ''}.html"
    # RELEASED: the command records the share (casekit.report.few: a notebook run
    # by hand with SHARE stops before any count).
    parameters = {"DB": database, "SHARE": bool(share), "RELEASED": bool(share)}
    if not share:
        return render(notebook, target, parameters, private=True, progress=progress)
    with tempfile.TemporaryDirectory(prefix="casekit-share-") as work:
        page = Path(work) / target.name
        if not counts:
            # Too few cases for a shared report's counts: its sections in words
            # alone (casekit.report.few); it counts nothing, so it is no release.
            import nbformat

            words = few.words_only(nbformat.read(notebook, as_version=4))
            nbformat.write(nbformat.from_dict(words), Path(work) / notebook.name)
            render(Path(work) / notebook.name, page, parameters, progress=progress)
            shutil.copyfile(page, target)
            return target
        render(notebook, page, parameters, progress=progress)
        # Copied aside, recorded (the store holding still the cases counted), then
        # put in place by a rename: no page is in place before its release is, and
        # a copy that fails part way leaves none.
        aside = target.with_name(f".{target.name}.partial")
        try:
            shutil.copyfile(page, aside)
            with Store(db) as store, releases.releasing(store, "report", counted):
                pass
            os.replace(aside, target)
        finally:
            aside.unlink(missing_ok=True)
    return target


def _steps(nb: Any) -> dict[str, str]:
    """The id of the first cell that runs under each ``#`` or ``##`` heading, and
    what it says while it runs: ``"3/9 Flow of cases"``; under the title, the
    imports and the reading of the data."""
    heads: list[tuple[str, str]] = []
    heading = None
    for cell in nb.cells:
        first = cell.source.lstrip().split("\n", 1)[0]
        if cell.cell_type == "markdown" and re.match(r"#{1,2} ", first):
            level, _, words = first.partition(" ")
            heading = "imports, reading the data" if level == "#" else words.strip()
        elif cell.cell_type == "code" and heading is not None:
            if not set(cell.metadata.get("tags", ())) & set(PARAMETER_TAGS):
                heads.append((cell.get("id"), heading))
                heading = None
    return {
        cell_id: f"{i}/{len(heads)} {words}"
        for i, (cell_id, words) in enumerate(heads, 1)
        if cell_id
    }


def write_private(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to a file readable by its owner
    alone, from the first byte (an older file of the same name loses its wider mode
    before it is rewritten)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(descriptor, "wb") as file:
        file.write(data)


def _for_sharing(nb: Any) -> dict:
    """The executed notebook without what must not reach a page: widget state,
    execution timestamps, papermill's records, stderr (warnings name paths)."""
    nb = dict(nb)
    nb["metadata"] = {
        k: v for k, v in nb["metadata"].items() if k not in ("widgets", "papermill")
    }
    cells = []
    for cell in nb["cells"]:
        cell = dict(cell)
        cell["metadata"] = {
            k: v
            for k, v in cell.get("metadata", {}).items()
            if k not in ("papermill", "execution", "widgets")
        }
        if cell["cell_type"] == "code":
            outputs = []
            for output in cell.get("outputs", []):
                output = dict(output)
                if output.get("name") == "stderr":
                    continue
                if "data" in output:
                    data = {k: v for k, v in output["data"].items()}
                    for kind in WIDGET_TYPES:
                        data.pop(kind, None)
                    if not data:
                        continue
                    output["data"] = data
                outputs.append(output)
            cell["outputs"] = outputs
        cells.append(cell)
    nb["cells"] = cells
    return nb


def _static(page: str) -> str:
    """No script at all (a static page needs none), and no CSS comments (the lab
    theme's cite web pages; nothing loads them, but a reader need not wonder)."""
    page = _SCRIPT.sub("", page)
    return _STYLE.sub(
        lambda m: m.group(0).replace(m.group(1), _CSS_COMMENT.sub("", m.group(1))),
        page,
    )


def _title(nb: Any, notebook: Path) -> str:
    """The first heading of the notebook, as the page's title."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return notebook.stem
