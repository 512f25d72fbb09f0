"""The body chain, side by side: exact k and n on the hand-built cases, and the same
counts as a plain-Python count on a synthetic cohort."""

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from test_derive import handbuilt

from casekit.chain import chain_sides
from casekit.derive import derive
from casekit.synth import cohort, populate

LINKS = [
    "pain_side",
    "si_tight_side",
    "glute_weak_side",
    "hip_flexor_tight_side",
    "knee_pain_side",
    "ankle_injury_side",
    "plantar_fasciitis_side",
]
# (k on the pain side, k on the other side, n), worked out from the table at the top
# of tests/test_derive.py over the six one-sided cases (A, C, E left; B, D, H right).
EXPECTED = {
    "pain_side": (6, 0, 6),  # the pain itself
    "si_tight_side": (2, 3, 4),  # B same, C both, A and H opposite; D, E out
    "glute_weak_side": (3, 1, 5),  # A, C, H pain side; B other; E empty is out
    "hip_flexor_tight_side": (4, 0, 5),  # C not_tested is out; D none is in n
    "knee_pain_side": (2, 2, 4),  # C both counts on each side
    "ankle_injury_side": (2, 2, 4),  # C unsure and E empty are out; H both
    "plantar_fasciitis_side": (2, 1, 4),  # D and E empty are out
}


def as_dict(table: pd.DataFrame) -> dict:
    out = {}
    for link, part in table.groupby("link", sort=False):
        by_side = dict(zip(part["side"], part["k"], strict=True))
        out[link] = (by_side["pain side"], by_side["other side"], int(part["n"].iat[0]))
    return out


@pytest.fixture
def frames(store):
    store.add_many(handbuilt())
    return store.frames()


def test_shape_and_order(frames):
    table = chain_sides(frames)
    assert list(table.columns) == [
        "link", "side", "k", "n", "proportion", "ci_low", "ci_high",
    ]  # fmt: skip
    assert table["link"].tolist() == [link for link in LINKS for _ in range(2)]
    assert table["side"].tolist() == ["pain side", "other side"] * len(LINKS)
    assert list(table["side"].cat.categories) == ["pain side", "other side"]


def test_every_k_and_n_is_exact_on_the_handbuilt_cases(frames):
    assert as_dict(chain_sides(frames)) == EXPECTED
    # Derived frames give the same counts (the explorer passes those).
    assert as_dict(chain_sides(derive(frames))) == EXPECTED


def test_intervals_are_statsmodels_wilson(frames):
    table = chain_sides(frames)
    low, high = proportion_confint(table["k"], table["n"], method="wilson")
    assert table["proportion"].tolist() == pytest.approx(table["k"] / table["n"])
    assert table["ci_low"].to_numpy() == pytest.approx(low.to_numpy())
    assert table["ci_high"].to_numpy() == pytest.approx(high.to_numpy())


def test_a_filtered_case_frame_counts_only_its_cases(frames):
    d = derive(frames)
    left = d["case"][d["case"]["pain_side"] == "left"]  # A, C, E
    counts = as_dict(chain_sides({**d, "case": left}))
    assert counts["pain_side"] == (3, 0, 3)
    assert counts["knee_pain_side"] == (2, 1, 2)  # A left; C both
    assert counts["hip_flexor_tight_side"] == (2, 0, 2)  # C not tested


def test_empty_store_gives_zero_counts_and_no_rate(store):
    table = chain_sides(store.frames())
    assert (table["k"] == 0).all() and (table["n"] == 0).all()
    assert table["proportion"].isna().all()


def test_synthetic_cohort_matches_a_plain_count(store):
    populate(store, 300, seed=5)
    records = cohort(300, seed=5)["case"]
    expected = {}
    for link in LINKS:
        pain = other = n = 0
        for r in records:
            side = r.get("pain_side")
            if side not in ("left", "right"):
                continue
            found = r.get(link)
            if found not in ("none", "left", "right", "both"):
                continue
            n += 1
            pain += found in (side, "both")
            other += found in ({"left": "right", "right": "left"}[side], "both")
        expected[link] = (pain, other, n)
    assert as_dict(chain_sides(store.frames())) == expected
