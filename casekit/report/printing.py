"""A rendered page printed to PDF, offline, by Debian's chromium.

The report and the workshop handout are HTML pages that load nothing (see
:func:`casekit.report.render.scan_html`); :func:`print_pdf` hands such a page to
chromium in headless mode (``--print-to-pdf``) with a fresh, throw-away profile and
every host name resolved to nowhere, so that printing reaches no network either.
The page's stylesheet (``templates/casekit_report/static/casekit.css``) sets the
paper (A4), the page numbers (an ``@page`` margin box: "Page 2 of 9") and keeps each
figure and table whole on one page. Chromium prints no header or footer of its own
(they would carry the date and the file's path).

Calling chromium directly, rather than Playwright, keeps the run time free of test
tools: a PDF needs chromium alone. Where it is missing, :func:`find_chromium` says
in one line how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MissingTool, RenderError
from .render import write_private

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW = (
    "install it with `apt-get install chromium` (Debian, Ubuntu), or set "
    "CASEKIT_CHROMIUM to a Chromium or Chrome program"
)
# Nothing to fetch, nothing to phone home: no updates, no sync, no first-run page,
# and every host name resolved to nowhere.
OFFLINE = [
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # No header or footer of chromium's own: they print the date and the file's
    # path (both flags: the older name, then the newer).
    "--print-to-pdf-no-header",
    "--no-pdf-header-footer",
]


def find_chromium() -> str:
    """The chromium program to print with.

    Returns
    -------
    str
        ``CASEKIT_CHROMIUM`` when set, else Debian's ``/usr/bin/chromium``, else
        the first of chromium, chromium-browser, google-chrome on the ``PATH``.

    Raises
    ------
    MissingTool
        None is there (or ``CASEKIT_CHROMIUM`` names no program): the message says
        how to get it.
    """
    chosen = os.environ.get("CASEKIT_CHROMIUM")
    if chosen:
        if shutil.which(chosen):
            return chosen
        raise MissingTool(
            "chromium", f"CASEKIT_CHROMIUM={chosen!r} is no program; " + HOW
        )
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise MissingTool("chromium", HOW)


def print_pdf(
    page: str | os.PathLike,
    pdf: str | os.PathLike,
    *,
    private: bool = False,
    chromium: str | None = None,
    timeout: float = 180,
) -> Path:
    """Print a self-contained HTML page to a PDF file.

    Parameters
    ----------
    page : path
        The page (a rendered report or handout).
    pdf : path
        The PDF to write (its folder is created).
    private : bool, default False
        Readable by its owner alone (mode 0600), as the full report is.
    chromium : str, optional
        The program; :func:`find_chromium` by default.
    timeout : float, default 180
        Seconds chromium may take.

    Returns
    -------
    Path
        ``pdf``: A4, numbered pages, as the page's print styles lay it out.

    Raises
    ------
    MissingTool
        No chromium (one line says how to get it).
    RenderError
        Chromium ran but wrote no PDF (its last line of complaint is said).
    """
    page, pdf = Path(page).resolve(), Path(pdf)
    program = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="casekit-print-") as work:
        written = Path(work) / "page.pdf"
        command = [
            program,
            *OFFLINE,
            f"--user-data-dir={Path(work) / 'profile'}",
            f"--print-to-pdf={written}",
            page.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # chromium's sandbox refuses root
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                cwd=work,
            )
        except subprocess.TimeoutExpired:
            raise RenderError(page.name, f"chromium took over {timeout:g} s") from None
        if not written.is_file() or written.stat().st_size == 0:
            said = [line for line in result.stderr.splitlines() if line.strip()]
            why = said[-1] if said else f"exit status {result.returncode}"
            raise RenderError(page.name, f"chromium wrote no PDF: {why}")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        if private:
            write_private(pdf, written.read_bytes())
        else:
            shutil.copyfile(written, pdf)
    return pdf
