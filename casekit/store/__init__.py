"""The case store: every SQL statement of casekit lives in this subpackage.

:mod:`~casekit.store.database` opens a database (SQLite file or server URL),
:mod:`~casekit.store.schema` makes its tables from the data dictionary,
:mod:`~casekit.store.store` is :class:`Store` (audited writes, typed reads) and
:mod:`~casekit.store.queries` the small look-ups of the logging forms.
"""

from .store import CLOSED_STATUSES, Store

__all__ = ["CLOSED_STATUSES", "Store"]
