"""The case store: every SQL statement of casekit lives in this subpackage.

:mod:`~casekit.store.database` opens a database (SQLite file or server URL),
:mod:`~casekit.store.schema` makes its tables from the data dictionary,
:mod:`~casekit.store.store` is :class:`Store` (audited writes, typed reads),
:mod:`~casekit.store.checked` its one door, :mod:`~casekit.store.across` the rules
across forms a single save is judged by, :mod:`~casekit.store.numbering` the case
ids and numbers it gives, :mod:`~casekit.store.audit` the audit rows it writes,
:mod:`~casekit.store.rows` how it finds stored rows,
:mod:`~casekit.store.closing` which cases are closed, and
:mod:`~casekit.store.queries` the small look-ups of the logging forms.

The door: :meth:`Store.check` validates a record, once, and returns a
:class:`Checked` record (typed values and every problem). ``Store.add``,
``add_many`` and ``update`` write a ``Checked`` record as it is, and put raw values
through the door themselves; so the forms and the importer check each record once,
show or gather its problems, and write what they checked. ``add`` and ``update``
also judge the record against its case's stored rows by the rules across forms, as
an import does (``add_many``, the importer's write, leaves them to the importer).
"""

from ..closing import CLOSED_STATUSES
from .checked import Checked
from .store import Store

__all__ = ["CLOSED_STATUSES", "Checked", "Store"]
