"""Starting JupyterLab (``casekit lab``) and the Voila app (``casekit serve``).

Both listen on 127.0.0.1 only and ask for a token (``JUPYTER_TOKEN`` when set, else
a fresh random one), so no other machine, and no other program that does not know
the token, reaches the forms. The store is opened (created if need be) before the
server starts, and its absolute URL reaches the notebook's kernel through the
environment as ``CASEKIT_DB``: a kernel runs in the notebooks' folder, where a relative
``data/casekit.db`` would name another file.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import bundled
from ..errors import UsageError
from ..store import Store

HOST = "127.0.0.1"
# voila.json beside this module holds a Content-Security-Policy by which the page loads
# nothing from another host (Voila's template links a CDN font sheet that the forms
# do not need; with it blocked, an offline machine does not even try). It also leaves
# out the notebook's cells tagged `lab-only` (how to run it in JupyterLab: the served
# page has no menu), and lets Voila wait for the forms' output until the kernel says
# it is done: by default it gives up 4 s after a cell's reply (nbclient's
# `iopub_timeout`) and drops what had not arrived, so that on a busy machine the
# page showed no forms at all, the flaky browser test of issue 11. The wait ends as
# soon as the kernel is idle; 600 s is only how long a starved machine may take.
_HERE = Path(__file__).resolve().parent


@dataclass
class Launch:
    """A server to start: its command line, environment and the address to open."""

    command: list[str]
    env: dict[str, str]
    url: str
    store: str

    def run(self) -> int:
        """Become the server (Ctrl-C stops it): one process, so a signal sent to
        ``casekit serve`` reaches the server itself and leaves nothing behind."""
        sys.stdout.flush()
        os.execve(self.command[0], self.command, self.env)
        return 0  # not reached


def strip_outputs(model: dict, **_kwargs) -> None:
    """JupyterLab's pre-save hook: a notebook is written without outputs.

    The forms show case ids and answers; saved outputs would carry them into the
    notebook file (and so towards git). A person runs all cells again anyway.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    model["content"].get("metadata", {}).pop("widgets", None)


def _require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"{package} is not installed; install it with `pip install {package}` "
            "(or `make lab`, which installs everything)"
        )


def notebook_dir() -> Path:
    """Your own copy, ``notebooks/`` of the current folder, when it holds the logging
    notebook; else the notebooks shipped inside casekit."""
    own = Path.cwd() / "notebooks"
    if (own / bundled.LOGGING).is_file():
        return own.resolve()
    return bundled.notebook(bundled.LOGGING).parent


def _environment(db: str | None) -> tuple[dict[str, str], str]:
    with Store(db, create=True) as store:
        url, where = store.url, store.where
    env = dict(os.environ)
    env["CASEKIT_DB"] = url
    env.setdefault("JUPYTER_TOKEN", secrets.token_urlsafe(24))
    return env, where


def lab(db: str | None = None, port: int = 8888, browser: bool = True) -> Launch:
    """JupyterLab on ``notebooks/`` and the store ``db``."""
    _require("jupyterlab", "jupyterlab")
    folder = notebook_dir()
    env, where = _environment(db)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ContentsManager.pre_save_hook=casekit.ui.launch.strip_outputs",
        # offline by design: no news feed, no update check, no prompt about them
        f"--LabApp.app_settings_dir={_HERE / 'lab'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class="
        "jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    url = (
        f"http://{HOST}:{port}/lab/tree/{bundled.LOGGING}?token={env['JUPYTER_TOKEN']}"
    )
    return Launch(command, env, url, where)


def serve(db: str | None = None, port: int = 8866, browser: bool = True) -> Launch:
    """The logging notebook as a Voila app (code hidden) on the store ``db``."""
    _require("voila", "voila")
    notebook = notebook_dir() / bundled.LOGGING
    env, where = _environment(db)
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--Voila.ip={HOST}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--token",
        f"--Voila.config_file_paths={_HERE}",
    ]
    if not browser:
        command.append("--no-browser")
    url = f"http://{HOST}:{port}/?token={env['JUPYTER_TOKEN']}"
    return Launch(command, env, url, where)
