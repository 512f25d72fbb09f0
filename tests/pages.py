"""What the notebooks make, read back for the tests: a rendered page's marked counts
and words, and a notebook run under nbval against a store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

COUNT_CLASSES = {"casekit-count", "casekit-kn"}
VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr", "col", "area"}


class Page(HTMLParser):
    """A rendered page read back: each marked count, the text outside them (and
    outside published figures, styles and images), and the classes of tables."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []
        self.counts: list[str] = []
        self.text: list[str] = []
        self.tables: list[set[str]] = []
        self._count: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "table":
            self.tables.append(classes)
        if classes & COUNT_CLASSES:
            self._count = []
        if tag not in VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        while self.stack:
            name, classes = self.stack.pop()
            if classes & COUNT_CLASSES and self._count is not None:
                self.counts.append("".join(self._count).strip())
                self._count = None
            if name == tag:
                break

    def handle_data(self, data):
        if self._count is not None:
            self._count.append(data)
            return
        skip = {"style", "script", "title"}
        if any(t in skip or "casekit-published" in c for t, c in self.stack):
            return
        self.text.append(data)


def is_safe_count(text: str) -> bool:
    """0, * or a multiple of 5: what NHS Digital's rule lets out."""
    text = text.strip()
    return text == "*" or (text.isdigit() and int(text) % 5 == 0)


def without_images(html: str) -> str:
    """The page without its embedded images and styles: the data and the words."""
    html = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", html)
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL)


def run_nbval(
    notebooks: Path | Sequence[Path], db: Path, cwd: Path
) -> subprocess.CompletedProcess:
    """``notebooks`` run top to bottom under ``pytest --nbval-lax`` (each in a
    kernel of its own) against the store ``db`` (``CASEKIT_DB``), from ``cwd``."""
    paths = [notebooks] if isinstance(notebooks, Path) else list(notebooks)
    env = {**os.environ, "CASEKIT_DB": str(db)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(cwd),
            *map(str, paths),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
