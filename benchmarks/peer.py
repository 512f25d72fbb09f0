"""An independent count of every pattern, in DuckDB SQL: the peer to compare against.

It reads the same three stored frames as :func:`casekit.patterns.pattern_table` but
shares none of its code: each denominator is written again, from the definitions in
``casekit/patterns.py``'s docstring, as SQL. Where the two agree to the last case on
synthetic cohorts of every size, neither is likely to be counting wrong.

It counts from the frames (:func:`peer_counts`) or, as a peer of ``casekit
patterns`` from a cold start, straight from a store's CSV export
(:func:`peer_counts_from_csv`)::

    python benchmarks/peer.py EXPORT_DIR    # prints pattern, k, n a line
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # the cold-start peer imports DuckDB alone
    import pandas as pd

# Columns the SQL needs; lists (multi-selects) stay behind, DuckDB has no use for them.
NEEDED = {
    "case": [
        "case_id",
        "pain_side",
        "si_tight_side",
        "ankle_injury_side",
        "knee_pain_side",
        "plantar_fasciitis_side",
        "hip_flexor_tight_side",
        "glute_weak_side",
        "nprs",
    ],
    "session": ["case_id", "session_no", "session_date", "nprs_before", "nprs_after"],
    "followup": [
        "case_id",
        "followup_no",
        "followup_date",
        "after_session",
        "nprs",
        "flare",
        "flare_side",
        "flare_onset_hours",
        "flare_duration_hours",
    ],
}

SQL = """
WITH c AS (
    SELECT *, pain_side IN ('left', 'right') AS one_sided FROM cases
),
s AS (
    SELECT s.*, (s.nprs_after < s.nprs_before) AS relief
    FROM sessions s JOIN c USING (case_id)
),
last_session AS (
    SELECT case_id, max(session_date) AS last_date FROM sessions GROUP BY case_id
),
f AS (
    SELECT f.*, s.session_date, s.relief,
           date_diff('day', s.session_date, f.followup_date) AS gap_days,
           date_diff('day', l.last_date, f.followup_date) AS after_last,
           c.nprs AS intake_nprs, c.pain_side, c.one_sided
    FROM followups f
    JOIN c USING (case_id)
    LEFT JOIN s ON s.case_id = f.case_id AND s.session_no = f.after_session
    LEFT JOIN last_session l ON l.case_id = f.case_id
),
-- the reports of a flare after one session, in order, beside the first report
told AS (
    SELECT case_id, after_session, followup_no, gap_days,
           flare_side AS side, flare_onset_hours AS onset,
           flare_duration_hours AS duration,
           row_number() OVER w AS nth,
           first_value(flare_side) OVER w AS side1,
           first_value(flare_onset_hours) OVER w AS onset1,
           first_value(flare_duration_hours) OVER w AS duration1,
           first_value(gap_days) OVER w AS gap1
    FROM f WHERE flare = 'yes' AND after_session IS NOT NULL
    WINDOW w AS (PARTITION BY case_id, after_session ORDER BY followup_no)
),
-- a later report is of the first one's flare when that one was going on, the
-- side is the same (and given), the onset the same or empty on one of them (an
-- onset given only later no later than the end of the first report's day)
told_same AS (
    SELECT *, duration IS NULL AS going,
           duration1 IS NULL AND (nth = 1 OR coalesce(
               side = side1
               AND (onset IS NULL OR onset1 IS NULL OR onset = onset1)
               AND (onset1 IS NOT NULL OR onset IS NULL
                    OR onset <= (gap1 + 1) * 24), false)) AS same
    FROM told
),
-- how long each report of it saw it going on
told_seen AS (
    SELECT *, CASE WHEN same AND going AND gap_days IS NOT NULL
                    AND coalesce(onset, onset1) IS NOT NULL
               THEN greatest(gap_days * 24 - coalesce(onset, onset1), 0) END AS seen
    FROM told_same
),
-- an end no shorter than any report before saw it going on
told_ends AS (
    SELECT *, same AND NOT going AND nth > 1 AND coalesce(duration >= max(seen) OVER (
               PARTITION BY case_id, after_session ORDER BY followup_no
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS ends
    FROM told_seen
),
-- a later report of the flare without its onset, up to the flare's first end,
-- where the first report gave the onset: the flare is placed
told_again AS (
    SELECT case_id, after_session, followup_no,
           same AND nth > 1 AND onset IS NULL AND onset1 IS NOT NULL
           AND coalesce(CASE WHEN going THEN nth < first_end ELSE nth = first_end END,
                        going) AS placed_again
    FROM (
        SELECT *, min(CASE WHEN ends THEN nth END) OVER (
                   PARTITION BY case_id, after_session) AS first_end
        FROM told_ends
    )
),
-- flare after care: per session, over its follow-ups within 7 days; a flare
-- without its onset may have begun within 72 h: unless another report places one
-- there, the session is left out (a "no" beside it does not make it a no); a later
-- report of a flare its first report placed is read for nothing (its first is)
fac_rows AS (
    SELECT f.case_id, f.after_session,
           coalesce(flare = 'yes' AND flare_onset_hours <= 72, false) AS hit,
           (flare = 'yes' AND flare_onset_hours IS NULL) AS unplaced
    FROM f
    LEFT JOIN told_again a ON a.case_id = f.case_id
        AND a.after_session = f.after_session AND a.followup_no = f.followup_no
    WHERE relief AND gap_days BETWEEN 0 AND 7 AND flare IN ('yes', 'no')
      AND NOT coalesce(a.placed_again, false)
),
fac AS (
    SELECT case_id, after_session, bool_or(hit) AS hit
    FROM fac_rows GROUP BY case_id, after_session
    HAVING bool_or(hit) OR NOT bool_or(unplaced)
),
-- the first report of each flare (a flare told twice after one session is one)
first_flare AS (
    SELECT * FROM (
        SELECT f.*, row_number() OVER (
            PARTITION BY case_id, after_session ORDER BY followup_no) AS nth
        FROM f WHERE flare = 'yes' AND after_session IS NOT NULL
    ) WHERE nth = 1
),
-- outcome: the latest follow-up with an NPRS 14+ days after the last session
late AS (
    SELECT * FROM (
        SELECT f.*, row_number() OVER (
            PARTITION BY case_id ORDER BY followup_date DESC, followup_no DESC) AS nth
        FROM f WHERE after_last >= 14 AND nprs IS NOT NULL
    ) WHERE nth = 1
),
graded AS (
    SELECT f.*, intake_nprs - nprs AS drop_points,
           (intake_nprs - nprs >= 2 AND 10 * (intake_nprs - nprs) >= 3 * intake_nprs)
               AS better
    FROM f WHERE nprs IS NOT NULL AND intake_nprs IS NOT NULL
),
held AS (
    SELECT l.case_id, g_final.better AS still
    FROM late l
    JOIN graded g_final ON g_final.case_id = l.case_id
        AND g_final.followup_no = l.followup_no
    WHERE EXISTS (
        SELECT 1 FROM graded g
        WHERE g.case_id = l.case_id AND g.followup_no <> l.followup_no AND g.better)
)
SELECT 'si_opposite' AS pattern,
       count(*) FILTER (WHERE si_tight_side <> pain_side) AS k, count(*) AS n
FROM c WHERE one_sided AND si_tight_side IN ('left', 'right')
UNION ALL
SELECT 'flare_after_care', count(*) FILTER (WHERE hit), count(*) FROM fac
UNION ALL
SELECT 'flare_same_side', count(*) FILTER (WHERE flare_side = pain_side), count(*)
FROM first_flare WHERE one_sided AND flare_side IN ('left', 'right')
UNION ALL
SELECT 'ankle_history',
       count(*) FILTER (WHERE ankle_injury_side IN ('left', 'right', 'both', 'unsure')),
       count(*)
FROM c WHERE one_sided AND ankle_injury_side IS NOT NULL
UNION ALL
SELECT 'ankle_same_side', count(*) FILTER (WHERE ankle_injury_side = pain_side),
       count(*)
FROM c WHERE one_sided AND ankle_injury_side IN ('left', 'right')
UNION ALL
SELECT 'flexor_glute_same_side',
       count(*) FILTER (WHERE hip_flexor_tight_side IN ('left', 'right')
                        AND hip_flexor_tight_side = glute_weak_side),
       count(*)
FROM c WHERE one_sided
  AND hip_flexor_tight_side IN ('none', 'left', 'right', 'both')
  AND glute_weak_side IN ('none', 'left', 'right', 'both')
UNION ALL
SELECT 'knee_same_side', count(*) FILTER (WHERE knee_pain_side = pain_side), count(*)
FROM c WHERE one_sided AND knee_pain_side IN ('left', 'right')
UNION ALL
SELECT 'plantar_same_side', count(*) FILTER (WHERE plantar_fasciitis_side = pain_side),
       count(*)
FROM c WHERE one_sided AND plantar_fasciitis_side IN ('left', 'right')
UNION ALL
SELECT 'improved',
       count(*) FILTER (WHERE 10 * (intake_nprs - nprs) >= 3 * intake_nprs
                        AND intake_nprs - nprs >= 2),
       count(*)
FROM late WHERE intake_nprs IS NOT NULL
UNION ALL
SELECT 'improvement_held', count(*) FILTER (WHERE still), count(*) FROM held
"""


# The export's file of each table, and the types of the columns DuckDB should not
# guess from a sample (a number column whose first rows are whole).
CSV_FILES = {
    "cases": "cases.csv",
    "sessions": "sessions.csv",
    "followups": "followups.csv",
}
CSV_TYPES = {
    "cases": {"nprs": "INTEGER"},
    "sessions": {
        "session_no": "INTEGER",
        "session_date": "DATE",
        "nprs_before": "INTEGER",
        "nprs_after": "INTEGER",
    },
    "followups": {
        "followup_no": "INTEGER",
        "followup_date": "DATE",
        "after_session": "INTEGER",
        "nprs": "INTEGER",
        "flare_onset_hours": "DOUBLE",
        "flare_duration_hours": "DOUBLE",
    },
}
TABLE_FORMS = {"cases": "case", "sessions": "session", "followups": "followup"}


def peer_counts_from_csv(folder: Path) -> list[tuple[str, int, int]]:
    """``(pattern, k, n)`` for the ten patterns, counted by DuckDB from the CSV
    files of ``casekit export`` in ``folder`` (an empty cell is missing)."""
    typed = []
    for table, name in CSV_FILES.items():
        path = str(Path(folder) / name).replace("'", "''")
        columns = ", ".join(
            f"CAST(nullif({c}, '') AS {CSV_TYPES[table].get(c, 'VARCHAR')}) AS {c}"
            for c in NEEDED[TABLE_FORMS[table]]
        )
        typed.append(
            f"{table} AS (SELECT {columns} FROM "
            f"read_csv('{path}', header = true, all_varchar = true))"
        )
    sql = "WITH " + ", ".join(typed) + ", " + SQL.strip().removeprefix("WITH")
    con = duckdb.connect()
    rows = con.execute(sql).fetchall()
    con.close()
    return [(pattern, int(k), int(n)) for pattern, k, n in rows]


def peer_counts(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``pattern, k, n`` for the ten patterns, counted by DuckDB."""
    import pandas as pd

    con = duckdb.connect()
    for form, table in (
        ("case", "cases"),
        ("session", "sessions"),
        ("followup", "followups"),
    ):
        frame = frames[form][NEEDED[form]].copy()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype("str")
        con.register(table, frame)
    result = con.execute(SQL).df()
    con.close()
    result["k"] = result["k"].astype("int64")
    result["n"] = result["n"].astype("int64")
    return result


if __name__ == "__main__":
    for pattern, k, n in peer_counts_from_csv(Path(sys.argv[1])):
        print(pattern, k, n)
