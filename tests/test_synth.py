"""Tests for the synthetic cohort generator: determinism, validity, calibration."""

import math
from collections import Counter

import pytest

from casekit import Store, load_dictionary
from casekit.checks import cross_form_problems
from casekit.frames import frame_records
from casekit.identifiers import scan_text
from casekit.synth import CohortParams, cohort, populate
from casekit.synth.case import CASE_NOTES, FOLLOWUP_NOTES, SESSION_NOTES
from casekit.validate import validate_records

SIDES = ("left", "right")


@pytest.fixture(scope="module")
def small():
    return cohort(300, seed=1)


@pytest.fixture(scope="module")
def large():
    return cohort(3000, seed=2)


def _share(flags):
    flags = list(flags)
    return sum(flags) / len(flags), len(flags)


def observed(records):
    """Each pattern's observed rate and denominator, counted the way the brief says."""
    cases = {c["case_id"]: c for c in records["case"]}
    pain = {k: c["pain_side"] for k, c in cases.items()}
    one = [c for c in cases.values() if c["pain_side"] in SIDES]
    sessions = {(s["case_id"], s["session_no"]): s for s in records["session"]}
    checkins = [f for f in records["followup"] if f["flare"] is not None]
    flares = [f for f in checkins if f["flare"] == "yes"]

    def relief(f):
        s = sessions[f["case_id"], f["after_session"]]
        return s["nprs_after"] is not None and s["nprs_after"] < s["nprs_before"]

    def same(field):
        return _share(c[field] == c["pain_side"] for c in one if c[field] in SIDES)

    # Lost: no outcome 6 weeks after the last session (no record, or status lost).
    last = {s["case_id"]: s["session_date"] for s in records["session"]}
    six_weeks = {
        f["case_id"]
        for f in records["followup"]
        if f["status"] != "lost"
        and (f["followup_date"] - last[f["case_id"]]).days == 42
    }
    return {
        "one_sided": _share(c["pain_side"] in SIDES for c in cases.values()),
        "si_opposite": _share(
            c["si_tight_side"] != c["pain_side"]
            for c in one
            if c["si_tight_side"] in SIDES
        ),
        "ankle_history": _share(
            c["ankle_injury_side"] != "none"
            for c in cases.values()
            if c["ankle_injury_side"] is not None
        ),
        "ankle_same_side": same("ankle_injury_side"),
        "knee_same_side": same("knee_pain_side"),
        "plantar_same_side": same("plantar_fasciitis_side"),
        "hip_flexor_same_side": same("hip_flexor_tight_side"),
        "flexor_glute_same_side": _share(
            c["glute_weak_side"] == c["hip_flexor_tight_side"]
            for c in cases.values()
            if c["glute_weak_side"] in SIDES and c["hip_flexor_tight_side"] in SIDES
        ),
        "flare_after_relief": _share(
            f["flare"] == "yes"
            for f in checkins
            if f["flare"] != "unknown" and relief(f)
        ),
        "flare_same_side": _share(
            f["flare_side"] == pain[f["case_id"]]
            for f in flares
            if pain[f["case_id"]] in SIDES and f["flare_side"] in SIDES
        ),
        "flare_onset_4h": _share(f["flare_onset_hours"] <= 4 for f in flares),
        "flare_gone_24h": _share(
            f["flare_duration_hours"] <= 24
            for f in flares
            if f["flare_duration_hours"] is not None
        ),
        "flare_ongoing": _share(f["flare_duration_hours"] is None for f in flares),
        "lost_to_followup": _share(k not in six_weeks for k in cases),
    }


def close_to(rate, n, p):
    # Four binomial standard errors: the seeds are fixed, so this never flakes, and
    # it is still tight enough (about 5 points at n = 1000) to catch a wrong rate.
    return abs(rate - p) <= 4 * math.sqrt(p * (1 - p) / n) + 0.005


def test_same_seed_same_records_other_seed_other_records():
    assert cohort(50, seed=7) == cohort(50, seed=7)
    other = cohort(50, seed=8)
    assert other != cohort(50, seed=7)
    assert {c["case_id"] for c in other["case"]}.isdisjoint(
        c["case_id"] for c in cohort(50, seed=7)["case"]
    )


def test_populate_writes_the_cohort_and_passes_cross_form_checks(tmp_path):
    store = Store(tmp_path / "s.db", create=True)
    calls = []
    counts = populate(
        store,
        45,
        seed=3,
        batch=20,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(20, 45), (40, 45), (45, 45)]
    frames = store.frames()
    assert counts == {form: len(frame) for form, frame in frames.items()}
    assert counts["case"] == 45
    assert cross_form_problems(store.dictionary, frames) == []
    # What is stored is exactly what cohort() returns for the same seed.
    expected = cohort(45, seed=3)
    for form in ("case", "session", "followup"):
        spec = store.dictionary[form]
        stored = frame_records(spec, frames[form])
        assert stored == sorted(
            expected[form], key=lambda r: tuple(r[k] for k in spec.key)
        )


def test_populate_into_a_store_that_has_cases_draws_fresh_ids(tmp_path):
    store = Store(tmp_path / "s.db", create=True)
    populate(store, 10, seed=4)
    assert populate(store, 10, seed=4)["case"] == 10
    assert len(store.case_ids()) == 20
    assert cross_form_problems(store.dictionary, store.frames()) == []


@pytest.mark.parametrize("form", ["case", "session", "followup"])
def test_records_pass_validation_and_respect_show_if(small, form):
    dictionary = load_dictionary()
    _, problems = validate_records(dictionary, form, small[form])
    assert [p for p in problems if p.severity == "error"] == []
    # The only warning allowed is the clinical one: a hidden field that carries a
    # value would warn too.
    assert {p.field for p in problems} <= {"red_flags_cleared"}


def test_awkward_cases_are_present(small):
    cases, followups = small["case"], small["followup"]
    exams = (
        "si_tight_side",
        "hip_flexor_tight_side",
        "glute_weak_side",
        "trendelenburg_side",
        "pelvic_high_side",
    )
    for field in exams:
        values = Counter(c[field] for c in cases)
        assert values["not_tested"] > 0 and values[None] > 0, field
    assert {"both", "central"} <= {c["pain_side"] for c in cases}
    statuses = Counter(f["status"] for f in followups)
    assert statuses["lost"] > 0 and statuses["discharged"] > 0
    # Lost without a word: no report at all after the last session's check-in.
    heard = {f["case_id"] for f in followups if f["flare"] is None}
    assert any(c["case_id"] not in heard for c in cases)
    flares = [f for f in followups if f["flare"] == "yes"]
    assert any(f["flare_duration_hours"] is None for f in flares)
    assert any(f["flare_side"] == "other_region" for f in flares)
    assert {"yes", "no", "unknown"} <= {f["flare"] for f in followups}
    assert any(c["notes"] for c in cases)
    assert any(c["odi"] is None for c in cases) and any(c["odi"] for c in cases)


def test_red_flags_not_cleared_is_rare_but_there(large):
    flags = Counter(c["red_flags_cleared"] for c in large["case"])
    assert 0 < flags["no"] < 0.03 * len(large["case"])


def test_show_if_fields_are_empty_when_hidden(large):
    for c in large["case"]:
        if c["ankle_injury_side"] in (None, "none"):
            assert c["ankle_injury_grade"] is None
            assert c["ankle_injury_years_ago"] is None
        if c["hip_flexor_tight_side"] not in ("left", "right", "both"):
            assert c["hip_flexor_muscles"] is None
    detail = (
        "flare_side",
        "flare_onset_hours",
        "flare_duration_hours",
        "flare_peak_nprs",
    )
    for f in large["followup"]:
        if f["flare"] != "yes":
            assert all(f[k] is None for k in detail)
        else:
            assert f["flare_side"] is not None and f["flare_onset_hours"] is not None


def test_dates_numbers_and_scores_hang_together(large):
    intake = {c["case_id"]: c["intake_date"] for c in large["case"]}
    by_key = {(s["case_id"], s["session_no"]): s for s in large["session"]}
    per_case = Counter(s["case_id"] for s in large["session"])
    assert set(per_case.values()) <= set(range(1, 11))
    assert 4.5 < len(large["session"]) / len(intake) < 5.5
    for (case_id, no), s in by_key.items():
        if no == 1:
            assert s["session_date"] == intake[case_id]
        else:
            gap = (s["session_date"] - by_key[case_id, no - 1]["session_date"]).days
            assert 3 <= gap <= 14
        if s["nprs_after"] is not None:
            assert s["nprs_before"] is not None
    numbers = Counter()
    for f in large["followup"]:
        numbers[f["case_id"]] += 1
        assert f["followup_no"] == numbers[f["case_id"]]
        session = by_key[f["case_id"], f["after_session"]]
        days = (f["followup_date"] - session["session_date"]).days
        assert days in ((2,) if f["flare"] is not None else (14, 42))
    relief = [
        s["nprs_after"] < s["nprs_before"]
        for s in large["session"]
        if s["nprs_after"] is not None
    ]
    assert sum(relief) / len(relief) > 0.7
    intake_nprs = [c["nprs"] for c in large["case"]]
    assert min(intake_nprs) == 3 and max(intake_nprs) == 9


@pytest.mark.parametrize(
    "name",
    [
        "one_sided",
        "si_opposite",
        "ankle_history",
        "ankle_same_side",
        "knee_same_side",
        "plantar_same_side",
        "hip_flexor_same_side",
        "flexor_glute_same_side",
        "flare_after_relief",
        "flare_same_side",
        "flare_onset_4h",
        "flare_gone_24h",
        "flare_ongoing",
        "lost_to_followup",
    ],
)
def test_observed_rates_match_the_parameters(large, name):
    rate, n = observed(large)[name]
    assert n >= 100, f"{name}: denominator {n} too small to calibrate"
    assert close_to(rate, n, getattr(CohortParams(), name)), (name, rate, n)


def test_defaults_follow_the_brief():
    params = CohortParams()
    assert params.ankle_history == pytest.approx(0.692, abs=0.001)
    assert params.flare_onset_4h == 0.64 and params.flare_gone_24h == 0.74
    assert 0.3 <= params.flare_after_relief <= 0.4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("si_opposite", 0.9),
        ("ankle_history", 0.3),
        ("flare_onset_4h", 0.3),
        ("flare_same_side", 0.85),
    ],
)
def test_changing_a_parameter_moves_the_observed_rate(name, value):
    records = cohort(3000, seed=2, params=CohortParams(**{name: value}))
    rate, n = observed(records)[name]
    assert close_to(rate, n, value), (name, rate, n)


def test_second_site():
    records = cohort(400, seed=5, params=CohortParams(sites=("main", "north")))
    sites = Counter(c["site"] for c in records["case"])
    assert set(sites) == {"main", "north"} and sites["main"] > sites["north"]


@pytest.mark.parametrize("text", CASE_NOTES + SESSION_NOTES + FOLLOWUP_NOTES)
def test_notes_pass_the_identifier_scan(text):
    assert scan_text(text) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"si_opposite": 1.5},
        {"missing": -0.1},
        {"sessions_mean": 12.0},
        {"gap_days": (1, 5)},
        {"sites": ()},
        {"not_tested": 0.6, "missing": 0.5},
    ],
)
def test_bad_parameters_are_refused(bad):
    with pytest.raises(ValueError, match="`"):
        CohortParams(**bad)


def test_empty_and_negative_sizes():
    assert cohort(0) == {"case": [], "session": [], "followup": [], "exam": []}
    with pytest.raises(ValueError, match="n_cases"):
        cohort(-1)
