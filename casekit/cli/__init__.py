"""The ``casekit`` command: a thin layer over the package.

Exit status: 0 success, 1 the data has problems (they are printed), 2 a usage error.
Every casekit error reaches the terminal as one line, never as a traceback. The
commands are grouped by what they work on: :mod:`~casekit.cli.data` (the store and
its files), :mod:`~casekit.cli.analysis` (patterns, reports, the demo, the
workshop), :mod:`~casekit.cli.network` (roles and merges of a network store) and
:mod:`~casekit.cli.servers` (JupyterLab and the logging app);
:mod:`~casekit.cli.main` puts them together.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
