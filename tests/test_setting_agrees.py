"""The Setting's sentence and the Flow table say the same number of cases logged.

The reviewer's case: 8 cases, one withdrawn. The flow hides the withdrawn one (a
count from 1 to 7) and so the total it could be worked back from: "Cases logged *".
The sentence said 10, safe too, but two safe numbers must not disagree."""

from __future__ import annotations

import pytest
from stores import frames_of

from casekit.disclosure import NHS, threshold
from casekit.report.markup import count
from casekit.report.series import EXACT, flow, series_of
from casekit.report.text import setting
from casekit.synth import cohort


def _logged(table) -> object:
    return table.frame.set_index("Stage").at["Cases logged", "Cases"]


@pytest.mark.parametrize("rule", [NHS, threshold(10), EXACT], ids=str)
def test_the_setting_says_what_the_flow_shows(rule):
    records = cohort(8, seed=3)
    gone = {records["case"][0]["case_id"]}
    series = series_of(frames_of(records, withdrawn=gone), withdrawn=1)
    shown = _logged(flow(series, rule))
    if rule is NHS:
        assert shown == "*"  # the reviewer's case
    if rule is EXACT:
        assert shown == 8
    text = setting(series, rule).html
    assert "Cases logged in casekit by one practice" in text
    assert f": {count(shown)}. Each case" in text
