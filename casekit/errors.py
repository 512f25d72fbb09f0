"""Every error casekit raises, under one base class.

Each error keeps the bad value as attributes (tests and the CLI read those, not the
prose) and says what was expected. The command line catches ``CasekitError`` alone
and prints its message as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CasekitError(Exception):
    """Base of every casekit error. ``exit_code`` is what the command line returns."""

    exit_code = 1


class UsageError(CasekitError):
    """The command was asked for something it cannot do (exit status 2)."""

    exit_code = 2


class DictionaryError(CasekitError):
    """The data dictionary is broken: names the field and what is wrong with it."""

    def __init__(self, field: str, problem: str, source: str = "dictionary") -> None:
        self.field = field
        self.problem = problem
        self.source = source
        super().__init__(f"{source}: field `{field}`: {problem}")


class ValidationFailed(CasekitError):
    """Records did not pass validation; ``problems`` is the tidy problems table and
    ``found`` the :class:`~casekit.problems.Problem` objects it was made from (a form
    words them in its own way)."""

    def __init__(self, problems: Any, found: Sequence[Any] = ()) -> None:
        self.problems = problems
        self.found = tuple(found)
        errors = problems[problems["severity"] == "error"]
        first = errors["problem"].iloc[0] if len(errors) else "no detail"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")


class ReasonRequired(CasekitError):
    """An edit to a closed case was attempted without saying why."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(
            f"case {case_id} is closed: an edit needs a reason (pass `reason=`)"
        )


class IdentifyingReason(CasekitError):
    """The reason given for an edit or a removal looks like it names or reaches a
    person; ``found`` says what (the audit keeps a reason for good, so it is
    screened like a note)."""

    def __init__(self, found: str) -> None:
        self.found = found
        super().__init__(
            f"the reason for the change {found}: the audit keeps it for good, so "
            "write why without naming or contacting anyone"
        )


class InvalidSite(CasekitError):
    """A site code that cannot be added: not short and plain, or identifier-like.
    The code itself is kept as an attribute, never printed (it may be a name)."""

    def __init__(self, code: str, problem: str) -> None:
        self.code = code
        self.problem = problem
        super().__init__(f"that site code cannot be used: {problem}")


class SiteNotRemoved(CasekitError):
    """A site code that ``casekit site remove`` keeps: not listed, used by a case,
    or (network mode) given a login role. The code is a listed, screened one, or
    one the screen passed."""

    def __init__(self, code: str, problem: str) -> None:
        self.code = code
        self.problem = problem
        super().__init__(f"site {code} was not removed: {problem}")


class NotFound(CasekitError):
    """A case, session or follow-up that the store does not hold."""

    def __init__(self, form: str, key: Any) -> None:
        self.form = form
        self.key = key
        super().__init__(f"no {form} {key!r} in the store")


class StoreError(CasekitError):
    """The store cannot be opened or written (locked, read-only, missing, wrong URL)."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"store {url}: {problem}")


class RoleRefused(CasekitError):
    """A network role that cannot be granted as asked (``casekit grant``)."""

    def __init__(self, role: str, problem: str) -> None:
        self.role = role
        self.problem = problem
        super().__init__(f"role {role}: {problem}")


class MergeRefused(CasekitError):
    """A store or export folder that cannot be merged (``casekit merge``); nothing
    was written."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}; nothing was merged")


class ImportFileError(CasekitError):
    """An import file cannot be read as what it claims to be."""

    def __init__(self, path: str, problem: str, exit_code: int = 1) -> None:
        self.path = path
        self.problem = problem
        self.exit_code = exit_code
        super().__init__(f"{path}: {problem}")


class RenderError(CasekitError):
    """A notebook could not be rendered to a report, or its page would leak."""

    def __init__(self, notebook: str, problem: str) -> None:
        self.notebook = notebook
        self.problem = problem
        super().__init__(f"{notebook}: {problem}")


class SettingsError(CasekitError):
    """A settings file beside the store (``casekit.toml``) says something casekit
    cannot use: names the file and what is wrong (exit status 2)."""

    exit_code = 2

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class MissingTool(CasekitError):
    """A program casekit needs for one task is not installed: says how to get it
    (exit status 2)."""

    exit_code = 2

    def __init__(self, tool: str, how: str) -> None:
        self.tool = tool
        self.how = how
        super().__init__(f"{tool} is needed for this and was not found: {how}")


class ShareRefused(CasekitError):
    """A share export that could not keep its promise (every combination of the
    quasi-identifiers shared by ``k`` cases or more); nothing was written."""

    def __init__(
        self, cases: int, k: int, smallest: int, quasi_identifiers: Sequence[str] = ()
    ) -> None:
        self.cases = cases
        self.k = k
        self.smallest = smallest
        self.quasi_identifiers = tuple(quasi_identifiers)
        held = f"{cases} case{'s' * (cases != 1)}"
        names = ", ".join(self.quasi_identifiers) or "the quasi-identifiers"
        # No advice to lower `--k`: a smaller k is a weaker promise, not a fix.
        super().__init__(
            f"a shareable export needs every combination of {names} shared by at "
            f"least {k} case{'s' * (k != 1)}, and this store holds {held} "
            f"(smallest group: {smallest}); nothing was written. Share when the "
            f"store holds {k} case{'s' * (k != 1)} or more"
        )


# What a form's records are called in a refusal (casekit.store.releases), by form.
RECORDS_OF = {
    "case": "intakes",
    "session": "sessions",
    "followup": "follow-ups",
    "exam": "exams",
}


class ReleaseRefused(CasekitError):
    """A share whose cases differ from an earlier share's by a few (logged,
    changed or withdrawn since), or differ by a few in one form: a reader of the
    two could work those cases, or those records, out
    (:mod:`casekit.store.releases`); nothing was written.

    ``changed``: how many cases (``form`` None) or how many cases' records in
    ``form`` (``case``, ``session``, ``followup``, ``exam``) changed; ``more``:
    how many more must change before a share is let through (or none at all);
    ``drawn``: whether ``form``'s counts draw on other forms too (a corrected
    intake moves how a case fared, counted among its follow-ups: the rule's
    ``casekit.store.differences.DRAWS_ON``), which the message then says.
    No case is named: the message is read, and kept, where the share goes."""

    def __init__(
        self,
        changed: int,
        since: str,
        kind: str,
        more: int,
        form: str | None = None,
        drawn: bool = False,
    ) -> None:
        self.changed = changed
        self.since = since  # the earlier share's date, ISO 8601
        self.kind = kind  # what the earlier share was, in words
        self.more = more
        self.form = form  # None: the cases whole
        cases = f"{changed} case{'s' * (changed != 1)}"
        enough = changed + more  # the fewest that a share may differ by
        if form is None:
            what, it = cases, "it" if changed == 1 else "them"
            again = f"{enough} or more cases have changed"
        else:
            records = RECORDS_OF.get(form, form)
            what, it = f"{records} of {cases}", "them"
            again = f"the {records} of {enough} or more cases have changed"
        with_ = " (they or what they are counted with)" if drawn else ""
        super().__init__(
            f"{what} changed since the {kind} of {since}{with_}: a share now would "
            f"give {it} away, so nothing was written; share again when {again}, or "
            "none"
        )


class OtherKRefused(CasekitError):
    """A share export of the same cases as an earlier one, at another k: the two
    blank different cells, and their rows joined on the clinical columns fill
    each other's blanks (:mod:`casekit.store.releases`); nothing was written."""

    def __init__(self, k: int, before: int, since: str, kind: str) -> None:
        self.k = k
        self.before = before  # the earlier share export's k
        self.since = since  # its date, ISO 8601
        self.kind = kind  # what it was, in words
        super().__init__(
            f"the {kind} of {since} shared these same cases at k {before}: a share "
            f"of them at k {k} would blank other cells, and the two joined would "
            f"give back what each hides, so nothing was written; share them at "
            f"k {before} again (--k {before})"
        )


class LedgerError(CasekitError):
    """The user's ledger of shares (:mod:`casekit.store.ledger`) cannot be created,
    read or written: a share not kept there too would be forgotten by a restored
    backup, so it is not made."""

    def __init__(self, path: Any, problem: str, *, written: bool = False) -> None:
        self.path = path
        self.problem = problem
        self.written = written  # the store had recorded the share already
        kept = (
            "nothing was shared, though the store recorded it (the same cases may "
            "be shared again)"
            if written
            else "nothing was shared or recorded"
        )
        super().__init__(
            f"the ledger of shares {path} cannot be used ({problem}): {kept}; make "
            "it writable, or name another file in CASEKIT_LEDGER"
        )
