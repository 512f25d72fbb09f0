"""The pattern table: exact k and n on hand-built cases, and true rates recovered
from a synthetic cohort (checked against a second, plain-Python count)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint
from test_derive import IDS, handbuilt

from casekit import Store
from casekit.chain import chain_distribution
from casekit.derive import derive
from casekit.errors import UsageError
from casekit.literature import ANKLE_BASE_RATE
from casekit.patterns import (
    COLUMNS,
    PATTERNS,
    RECURRENCE,
    Tally,
    flare_curve,
    inputs,
    pattern_table,
    recurrence_table,
    with_adjusted_p,
)
from casekit.synth import CohortParams, cohort, populate

ORDER = [
    "si_opposite",
    "flare_after_care",
    "flare_same_side",
    "ankle_history",
    "ankle_same_side",
    "flexor_glute_same_side",
    "knee_same_side",
    "plantar_same_side",
    "improved",
    "improvement_held",
]
# (k, n) of every pattern on the hand-built cases, worked out in tests/test_derive.py.
EXPECTED = {
    "si_opposite": (2, 3),  # CASEC2 (both tighter), not_tested, empty: out
    "flare_after_care": (6, 9),  # sessions with relief and a check-in within 7 days
    "flare_same_side": (6, 7),  # both / other_region / both-sided pain: out
    "ankle_history": (4, 5),  # one-sided only; `unsure` is an injury; empty is out
    "ankle_same_side": (1, 2),
    "flexor_glute_same_side": (2, 4),
    "knee_same_side": (1, 2),
    "plantar_same_side": (2, 3),
    "improved": (4, 6),  # cases with an NPRS 14+ days after the last session
    "improvement_held": (2, 4),
}


@pytest.fixture
def frames(store):
    store.add_many(handbuilt())
    return store.frames()


def kn(table: pd.DataFrame) -> dict:
    return {p: (int(k), int(n)) for p, k, n in table[["pattern", "k", "n"]].values}


def test_columns_and_order(frames):
    table = pattern_table(frames)
    assert list(table.columns) == COLUMNS
    assert table["pattern"].tolist() == ORDER == [p.id for p in PATTERNS]
    assert table["label"].iloc[0] == "SI joint tighter on the side opposite the pain"


def test_every_k_and_n_is_exact_on_the_handbuilt_cases(frames):
    assert kn(pattern_table(frames)) == EXPECTED


def test_derived_frames_give_the_same_table(frames):
    pd.testing.assert_frame_equal(pattern_table(derive(frames)), pattern_table(frames))


def test_intervals_comparators_and_p_values(frames):
    table = pattern_table(frames).set_index("pattern")
    for pattern, (k, n) in EXPECTED.items():
        row = table.loc[pattern]
        low, high = proportion_confint(k, n, method="wilson")
        assert row["proportion"] == pytest.approx(k / n)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    for pattern in ("si_opposite", "flare_same_side", "ankle_same_side"):
        assert table.loc[pattern, "comparator"] == 0.5
        k, n = EXPECTED[pattern]
        assert table.loc[pattern, "p_value"] == sps.binomtest(k, n, 0.5).pvalue
    assert table.loc["ankle_history", "comparator"] == pytest.approx(520 / 751)
    assert table.loc["ankle_history", "p_value"] == (
        sps.binomtest(4, 5, ANKLE_BASE_RATE).pvalue
    )
    # Compared with the literature, but not tested: the note says why.
    assert table.loc["flare_after_care", "comparator"] == 0.33
    assert math.isnan(table.loc["flare_after_care", "p_value"])
    assert "Walker 2013" in table.loc["flare_after_care", "note"]
    for pattern in ("flexor_glute_same_side", "improved", "improvement_held"):
        assert math.isnan(table.loc[pattern, "comparator"])
        assert math.isnan(table.loc[pattern, "p_value"])
        assert "Descriptive" in table.loc[pattern, "note"]


def test_notes_say_small_n_and_what_is_left_out(frames):
    notes = pattern_table(frames).set_index("pattern")["note"]
    assert notes["si_opposite"].startswith("Only 3: too few to read a rate from")
    assert "both SI joints tighter 1" in notes["si_opposite"]
    assert "flares on both sides 1, in another region 1" in notes["flare_same_side"]
    assert "Hiller 2012" in notes["ankle_history"]
    assert "50 %" in notes["knee_same_side"]


def test_recurrence_per_case_and_within_a_case(frames):
    table = recurrence_table(frames)
    assert list(table.columns) == COLUMNS
    assert kn(table) == {
        "flare_after_care_cases": (4, 6),
        "same_side_recurrence": (2, 5),
    }


def test_split_by_sex_keeps_dictionary_order_and_empty_groups(frames):
    table = pattern_table(frames, by="sex")
    assert list(table.columns) == ["sex", *COLUMNS]
    assert table["sex"].drop_duplicates().tolist() == [
        "female",
        "male",
        "other",
        "undisclosed",
    ]
    assert list(table["sex"].cat.categories) == [
        "female",
        "male",
        "other",
        "undisclosed",
    ]
    assert len(table) == 4 * len(ORDER)
    got = {(s, p): (k, n) for s, p, k, n in table[["sex", "pattern", "k", "n"]].values}
    assert got["female", "si_opposite"] == (1, 2)
    assert got["male", "si_opposite"] == (1, 1)
    assert got["female", "flare_after_care"] == (4, 6)
    assert got["male", "flare_after_care"] == (2, 3)
    assert got["female", "flare_same_side"] == (5, 6)
    assert got["female", "improved"] == (1, 3)
    assert got["male", "improved"] == (3, 3)
    empty = table[table["sex"] == "other"]
    assert (empty["n"] == 0).all() and empty["proportion"].isna().all()
    assert empty["p_value"].isna().all()
    assert empty["note"].str.startswith("Nothing to count yet").all()
    # Each group's counts add up to the whole.
    totals = table.groupby("pattern", sort=False)[["k", "n"]].sum()
    assert {p: tuple(v) for p, v in totals.iterrows()} == EXPECTED


def test_split_by_upstream_treated_has_a_group_for_unknown(frames):
    table = pattern_table(frames, by="upstream_treated")
    groups = table["upstream_treated"].drop_duplicates().tolist()
    assert groups[:2] == [False, True] and pd.isna(groups[2])
    got = {
        (g if not pd.isna(g) else None, p): (k, n)
        for g, p, k, n in table[["upstream_treated", "pattern", "k", "n"]].values
    }
    assert got[False, "improved"] == (2, 2)
    assert got[True, "improved"] == (2, 3)
    assert got[None, "improved"] == (0, 1)
    assert got[True, "flare_after_care"] == (3, 4)


def test_split_by_site_and_a_bad_column(frames):
    assert pattern_table(frames, by="site")["site"].unique().tolist() == ["main"]
    for bad in ("no_such_column", "case_id", "intake_date", "pain_regions"):
        with pytest.raises(UsageError, match="by"):
            pattern_table(frames, by=bad)


def test_a_split_by_free_text_or_a_number_is_refused(frames):
    # What was typed (a local `referred_by`) would have become the group labels.
    case = frames["case"].assign(
        referred_by=pd.array(["sports club"] * len(frames["case"]), dtype="string")
    )
    for by, kind in (("referred_by", "free text"), ("nprs", "not coded")):
        with pytest.raises(UsageError, match=f"got '{by}' \\({kind}\\)"):
            pattern_table(dict(frames, case=case), by=by)


def test_a_filtered_case_frame_filters_every_pattern(frames):
    derived = derive(frames)
    kept = derived["case"]["sex"] == "male"
    table = pattern_table(dict(derived, case=derived["case"][kept]))
    assert kn(table)["flare_after_care"] == (2, 3)
    assert kn(table)["si_opposite"] == (1, 1)


@pytest.mark.parametrize("by", [None, "sex", "age_band", "site", "upstream_treated"])
def test_a_tally_of_some_cases_is_the_table_of_those_cases(synthetic, by):
    # The explorer counts a filter's cases from a Tally made once: the table must
    # be the one of frames that hold only those cases, split or not, every column.
    d = derive(synthetic[0])
    tally, again = Tally(d), Tally(d, RECURRENCE)
    rng = np.random.default_rng(7)
    for keep in (
        rng.random(len(d["case"])) < 0.3,
        (d["case"]["sex"] == "male").to_numpy(),
        np.zeros(len(d["case"]), dtype=bool),
    ):
        some = dict(d, case=d["case"][keep])
        pd.testing.assert_frame_equal(tally.table(keep, by), pattern_table(some, by))
        pd.testing.assert_frame_equal(again.table(keep, by), recurrence_table(some, by))
    pd.testing.assert_frame_equal(tally.table(by=by), pattern_table(d, by))


def test_adjusted_p_values_are_holm_over_the_tested_rows(frames):
    table = with_adjusted_p(pattern_table(frames))
    assert list(table.columns).index("p_adjusted") == COLUMNS.index("p_value") + 1
    tested = table["p_value"].notna()
    assert tested.sum() == 6
    from statsmodels.stats.multitest import multipletests

    expected = multipletests(table.loc[tested, "p_value"], method="holm")[1]
    np.testing.assert_allclose(table.loc[tested, "p_adjusted"], expected)
    assert table.loc[~tested, "p_adjusted"].isna().all()
    bh = with_adjusted_p(pattern_table(frames), method="fdr_bh")
    assert (bh["p_adjusted"].dropna() <= table["p_adjusted"].dropna()).all()


def test_chain_distribution(frames):
    table = chain_distribution(frames)
    # Only A (4 links) and B (1) have all five links examined.
    assert table["k"].tolist() == [0, 1, 0, 0, 1, 0]
    assert (table["n"] == 2).all()
    assert table["proportion"].sum() == pytest.approx(1)


def test_flare_curves(frames):
    onset = flare_curve(frames)
    assert onset["time"].tolist() == [3, 4, 12, 20, 30, 48, 80]
    assert onset["at_risk"].tolist() == [8, 7, 6, 5, 4, 3, 1]
    assert onset["events"].tolist() == [1, 1, 1, 1, 1, 0, 1]
    duration = flare_curve(frames, "duration")
    assert duration["time"].tolist() == [5, 6, 8, 10, 12, 18, 20, 30]
    # 12 h twice: B2, and E2 (told again: over after 12 h); 18 h: still going on.
    assert duration["events"].tolist() == [2, 1, 1, 1, 2, 0, 1, 1]
    assert duration["at_risk"].iloc[0] == 10
    with pytest.raises(UsageError):
        flare_curve(frames, "peak")


def test_an_empty_store_gives_the_table_with_nothing_counted(store):
    table = pattern_table(store.frames())
    assert table["pattern"].tolist() == ORDER
    assert (table["n"] == 0).all() and table["p_value"].isna().all()
    assert flare_curve(store.frames()).empty
    assert (chain_distribution(store.frames())["n"] == 0).all()


# -- a synthetic cohort gives back its true rates ------------------------------------

SEED = 5
N_CASES = 3000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "casekit.db"
    with Store(path, create=True, actor="tester") as store:
        populate(store, N_CASES, seed=SEED)
        frames = store.frames()
    return frames, cohort(N_CASES, seed=SEED)


@pytest.mark.parametrize("in_columns", [False, True], ids=["rows", "columns"])
def test_the_inputs_alone_count_as_the_whole_frames(store, in_columns):
    """`casekit patterns` reads only `inputs(by)`: every count, split and note is
    the same as from the whole frames, missing answers and withdrawals included."""
    populate(store, 200, seed=3, params=CohortParams(missing=0.3, not_tested=0.3))
    store.delete("case", sorted(store.case_ids())[0], reason="withdrew consent")
    whole = store.frames()
    for by in (None, "sex", "site", "age_band", "upstream_treated"):
        narrow = store.frames(columnar=in_columns, columns=inputs(by))
        assert narrow.keys() == {"case", "session", "followup"}
        for name, frame in narrow.items():
            assert set(frame.columns) < set(whole[name].columns)
            pd.testing.assert_frame_equal(frame, whole[name][frame.columns])
        pd.testing.assert_frame_equal(
            pattern_table(narrow, by=by), pattern_table(whole, by=by)
        )
    # a split by a column that is not a case's field stays the error it was
    with pytest.raises(UsageError):
        pattern_table(store.frames(columns=inputs("notes")), by="notes")


def test_the_inputs_hold_a_local_field_to_split_by(local_store):
    narrow = local_store.frames(columnar=True, columns=inputs("work_type"))
    whole = local_store.frames()
    pd.testing.assert_frame_equal(
        pattern_table(narrow, by="work_type"), pattern_table(whole, by="work_type")
    )


def close_to(k, n, p):
    # Four binomial standard errors: the seed is fixed, so this never flakes, and at
    # n = 1000 it still catches a rate that is 5 points off.
    return abs(k / n - p) <= 4 * math.sqrt(p * (1 - p) / n) + 0.005


def test_synthetic_cohort_gives_back_its_true_rates(synthetic):
    frames, _ = synthetic
    p = CohortParams()
    got = kn(pattern_table(frames))
    truth = {
        "si_opposite": p.si_opposite,
        "flare_after_care": p.flare_after_relief,
        "flare_same_side": p.flare_same_side,
        "ankle_history": p.ankle_history,
        "ankle_same_side": p.ankle_same_side,
        "knee_same_side": p.knee_same_side,
        "plantar_same_side": p.plantar_same_side,
    }
    for pattern, rate in truth.items():
        k, n = got[pattern]
        assert n > 100, pattern
        assert close_to(k, n, rate), (pattern, k, n, rate)


def test_synthetic_counts_equal_a_plain_python_count(synthetic):
    frames, records = synthetic
    assert kn(pattern_table(frames)) == _plain_count(records)


def _plain_count(records) -> dict:
    """Every pattern counted again, record by record, the way the brief words it."""
    sides, tested = ("left", "right"), ("none", "left", "right", "both")
    cases = {c["case_id"]: c for c in records["case"]}
    one = [c for c in cases.values() if c["pain_side"] in sides]

    def share(pairs):
        pairs = list(pairs)
        return sum(1 for hit in pairs if hit), len(pairs)

    def same(field):
        return share(c[field] == c["pain_side"] for c in one if c[field] in sides)

    sessions = {(s["case_id"], s["session_no"]): s for s in records["session"]}
    last = {}
    for s in records["session"]:
        last[s["case_id"]] = max(
            last.get(s["case_id"], s["session_date"]), s["session_date"]
        )
    after_care = {}
    for f in records["followup"]:
        s = sessions.get((f["case_id"], f["after_session"]))
        gap = (f["followup_date"] - s["session_date"]).days
        relief = (
            s["nprs_before"] is not None
            and s["nprs_after"] is not None
            and (s["nprs_after"] < s["nprs_before"])
        )
        if relief and 0 <= gap <= 7 and f["flare"] in ("yes", "no"):
            key = (f["case_id"], f["after_session"])
            hit = f["flare"] == "yes" and f["flare_onset_hours"] <= 72
            after_care[key] = after_care.get(key, False) or hit
    flares = [
        f
        for f in records["followup"]
        if f["flare"] == "yes"
        and cases[f["case_id"]]["pain_side"] in sides
        and f["flare_side"] in sides
    ]

    def important(intake, now):
        return intake - now >= 2 and 10 * (intake - now) >= 3 * intake

    improved, held = [], []
    for case_id, c in cases.items():
        own = sorted(
            (f for f in records["followup"] if f["case_id"] == case_id),
            key=lambda f: (f["followup_date"], f["followup_no"]),
        )
        late = [
            f
            for f in own
            if f["nprs"] is not None and (f["followup_date"] - last[case_id]).days >= 14
        ]
        if not late:
            continue
        outcome = late[-1]
        improved.append(important(c["nprs"], outcome["nprs"]))
        before = [
            important(c["nprs"], f["nprs"])
            for f in own
            if f is not outcome and f["nprs"] is not None
        ]
        if any(before):
            held.append(improved[-1])
    return {
        "si_opposite": share(
            c["si_tight_side"] != c["pain_side"]
            for c in one
            if c["si_tight_side"] in sides
        ),
        "flare_after_care": share(after_care.values()),
        "flare_same_side": share(
            f["flare_side"] == cases[f["case_id"]]["pain_side"] for f in flares
        ),
        "ankle_history": share(
            c["ankle_injury_side"] != "none"
            for c in one
            if c["ankle_injury_side"] is not None
        ),
        "ankle_same_side": same("ankle_injury_side"),
        "flexor_glute_same_side": share(
            c["hip_flexor_tight_side"] in sides
            and c["hip_flexor_tight_side"] == c["glute_weak_side"]
            for c in one
            if c["hip_flexor_tight_side"] in tested and c["glute_weak_side"] in tested
        ),
        "knee_same_side": same("knee_pain_side"),
        "plantar_same_side": same("plantar_fasciitis_side"),
        "improved": share(improved),
        "improvement_held": share(held),
    }


def test_handbuilt_ids_are_valid_case_ids():
    from casekit.privacy import is_case_id

    assert all(is_case_id(i) for i in IDS)
