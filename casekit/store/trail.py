"""The server's guards of the audit in network mode: who reads which rows, who may
append which, and that every row appended follows from the chain.

Why on the server: a site's practitioner holds a login that may ``INSERT`` into
``audit`` (their cases' rows are written in their own transactions), so a notebook
or ``psql`` could append anything casekit would not: a row about the store itself
(``add_site``, ``restore_guards``) that every ``casekit check`` then reports, or a
row whose hash does not follow from the chain, which breaks the owner's check for
good (the audit is append-only: nobody can take it out again). So:

- **Reading.** A row about a case is seen with its case. A row about no case is
  about the store itself (a site added, a column added, the guards put back) and
  says nothing of a patient: everyone sees it, unless a site role wrote it. What a
  site merged (the ``merge`` row: its counts, its withdrawals, its redrawn case
  ids) is that site's own business, as its row of ``merges`` is: only the site
  merged into (named in the row's summary), the owner and the analyst see it; and
  another store's history pooled in (rows with an ``origin``) that is about no case
  only the role that merged it (and the owner and the analyst).
- **Appending.** A site role appends only rows of its own cases with the actions
  casekit writes for a case, the ``merge`` row of its own site, and the history of
  a store it merges (``origin`` set; of its own cases, or of none). Never a row
  about the store itself, and no row of another store's history that no merge
  carries (``NEVER_CARRIED``).
- **Another store's history.** ``casekit check`` replays no row with an
  ``origin``, and no such row vouches for a reason withheld; the one it heeds is a
  ``restore_guards`` row, which it took as this store's guards found removed: an
  error for good, which a site's login could write with any origin in a notebook.
  No merge carries one (:mod:`casekit.io.pool` refuses a store whose audit holds
  any ``restore_guards`` row, before writing), so the policy refuses it from a
  site, whatever its case. Why not
  narrower: a merge carries its source's rows about no case (sites added, columns
  added, its own merges), so origin rows cannot be held to the site's own cases;
  and requiring them to follow the site's own ``merge`` row in the same
  transaction would prove nothing, since a site may write that row too. Such a
  row in the audit all the same (a site's, written before schema 8 brought this
  policy; or the owner's, whom no policy holds) is, to the check, what its writer
  (the actor, whom the server names) claimed about another store: a warning
  naming them, not a break (:mod:`casekit.store.verify`). A forged
  history row of any other action changes nothing the check counts, but for a
  reason that looks like an identifier, which the check reports and the owner
  withholds (``casekit check --redact-reasons``), as of any row.
- **The chain.** A trigger (``SECURITY DEFINER``: it must see the last row, of
  whichever site) refuses a row whose ``id`` is not the last row's + 1 or whose
  ``hash`` is not the one :func:`casekit.store.audit.row_hash` gives: the same JSON
  (``to_json`` escapes a string as Python's ``json`` does with
  ``ensure_ascii=False``: ``\\"``, ``\\\\``, ``\\b\\f\\n\\r\\t`` and ``\\u00XX``
  for the other control characters) and the same SHA-256. So a row that breaks the
  chain is never written, and ``casekit check`` finding one means a row changed
  after it was written (behind the triggers, by someone with the server's keys) or
  written before this guard.
"""

from __future__ import annotations

import sqlalchemy as sa

# What casekit writes about a case (casekit.store.audit, .late's "renumber").
CASE_ACTIONS = ("insert", "update", "delete", "renumber")
MERGE_ACTION = "merge"
# What no merge carries from another store's history: a store whose guards were
# put back fails its check, and casekit.io.pool refuses to merge it
# (casekit.store.audit's RESTORE_ACTION, which this module cannot import).
NEVER_CARRIED = ("restore_guards",)

_SITE = "(SELECT casekit_site())"


def statements(definer: str, audit: sa.Table) -> list[str]:
    """The functions and the trigger (each may run again on a store that has them);
    ``definer`` is the server module's ``STABLE SECURITY DEFINER SET search_path``,
    ``audit`` the audit's table, whose columns but the last two (``origin`` and
    ``hash``) a row's hash covers, in order (``schema.HASHED_COLUMNS``, which this
    module cannot import: the schema imports the server module, and it this)."""
    hashed = [column.name for column in audit.columns][:-2]
    # The trigger reads the audit as it grows within one statement: not STABLE.
    volatile = definer.replace("STABLE ", "")
    parts = " || ',' || ".join(
        ["coalesce(to_json(head_hash)::text, 'null')"]
        + [f"coalesce(to_json(NEW.{c})::text, 'null')" for c in hashed]
    )
    return [
        f"""CREATE OR REPLACE FUNCTION casekit_site_of(who text) RETURNS text
            LANGUAGE sql {definer} AS
            $$ SELECT site FROM casekit_roles WHERE role = who AND kind = 'site' $$
        """,
        # Which site a merge row's summary names (NULL for text that is not one).
        """CREATE OR REPLACE FUNCTION casekit_merge_site(summary text) RETURNS text
            LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN
            RETURN summary::jsonb ->> 'site';
            EXCEPTION WHEN others THEN RETURN NULL;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION casekit_audit_follows() RETURNS trigger
            LANGUAGE plpgsql {volatile} AS $$
            DECLARE head_id integer; head_hash text; expected text;
            BEGIN
            SELECT a.id, coalesce(a.hash, '') INTO head_id, head_hash
              FROM audit a ORDER BY a.id DESC LIMIT 1;
            head_id := coalesce(head_id, 0);
            head_hash := coalesce(head_hash, '');
            IF NEW.id IS DISTINCT FROM head_id + 1 THEN
              RAISE EXCEPTION 'audit row % does not follow the last row, %: '
                'the audit is appended to by casekit alone', NEW.id, head_id;
            END IF;
            expected := encode(sha256(convert_to('[' || {parts}
              || CASE WHEN NEW.origin IS NULL THEN ''
                 ELSE ',' || to_json(NEW.origin)::text END
              || ']', 'UTF8')), 'hex');
            IF NEW.hash IS DISTINCT FROM expected THEN
              RAISE EXCEPTION 'audit row %''s hash does not follow from its values '
                'and the row before it: the audit is appended to by casekit alone',
                NEW.id;
            END IF;
            RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS audit_follows ON audit",
        # After audit_actor (triggers fire in name order): a row naming someone
        # else is refused for that first.
        """CREATE TRIGGER audit_follows BEFORE INSERT ON audit
            FOR EACH ROW EXECUTE FUNCTION casekit_audit_follows()""",
    ]


def policies(owner: str, analyst: str, of_my_cases: str) -> tuple[str, str]:
    """The audit's read and append rules (see the module's docstring), given the
    server module's tests of the owner, the analyst and a row of one's cases."""
    my_merge = f"casekit_merge_site(new_value) = {_SITE}"
    about_the_store = f"""CASE
        WHEN origin IS NOT NULL THEN actor = session_user
        WHEN action = '{MERGE_ACTION}' THEN {my_merge}
        ELSE casekit_site_of(actor) IS NULL OR actor = session_user END"""
    read = f"""{owner} OR {analyst} OR {of_my_cases}
        OR (case_id IS NULL AND ({about_the_store}))"""
    actions = ", ".join(f"'{a}'" for a in CASE_ACTIONS)
    never = ", ".join(f"'{a}'" for a in NEVER_CARRIED)
    write = f"""{owner} OR (origin IS NULL AND (
        ({of_my_cases} AND action IN ({actions}))
        OR (case_id IS NULL AND action = '{MERGE_ACTION}' AND {my_merge})))
        OR (origin IS NOT NULL AND action NOT IN ({never})
            AND (case_id IS NULL OR {of_my_cases}))"""
    return read, write
