"""The commands that start a server on 127.0.0.1: JupyterLab and the logging app."""

from __future__ import annotations

import argparse

from .options import Commands, db_option, positive


def register(commands: Commands) -> None:
    """Add these commands to ``casekit``."""
    sub = commands.add(
        "lab",
        "Open JupyterLab on the notebooks (127.0.0.1 only, with a token).",
        "casekit lab --db data/casekit.db",
        run_lab,
    )
    db_option(sub)
    server_options(sub, 8888)

    sub = commands.add(
        "serve",
        "Serve the logging forms as a web app (Voila; 127.0.0.1 only, with a token).",
        "casekit serve --port 8866 --no-browser",
        run_serve,
    )
    db_option(sub)
    server_options(sub, 8866)


def server_options(sub: argparse.ArgumentParser, port: int) -> None:
    sub.add_argument(
        "--port", type=positive, default=port, help=f"port (default: {port})"
    )
    sub.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="print the address instead of opening a browser",
    )


def run_lab(args: argparse.Namespace) -> int:
    from ..ui.launch import lab

    return start("JupyterLab", lab(args.db, args.port, args.browser))


def run_serve(args: argparse.Namespace) -> int:
    from ..ui.launch import serve

    return start("the logging app", serve(args.db, args.port, args.browser))


def start(what: str, launch) -> int:
    print(f"store: {launch.store}")
    print(f"{what}: {launch.url}", flush=True)
    print("stop it with Ctrl-C", flush=True)
    return launch.run()
