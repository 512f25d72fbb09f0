"""Totals of nested sets of cases (or flares) that a reader of the shared report
holds, and whether one more keeps every hidden count hidden.

Cases with at least ``s`` sessions, flares within 72 h, the patients with a
session that brought relief: each set lies within the next, so a reader who holds
two of their totals holds their difference, the number in one and not the other,
a count no table shows (exact under a threshold rule, to within 4 when rounded:
no protection for a count of 3). Each total is a node; each number shown joins
two nodes (a total to "none", or a band to its two ends); the nodes joined to
"none" are the totals a reader knows. :func:`safe_tails` says whether one more
number shown keeps those apart by 0 or by more than the rule's small counts.
:mod:`casekit.report.timing` (the pain course, the flare windows) and
:mod:`casekit.report.rates` (recurrence per patient) decide with it.
"""

from __future__ import annotations

from ..disclosure import Rule


def safe_tails(values: dict, edges: list, new: tuple, hidden: list, rule: Rule):
    """Whether one more number shown keeps the totals a reader holds safe.

    Parameters
    ----------
    values : dict
        Each node's exact total (the last node of ``new`` is "none": 0).
    edges : list of (node, node)
        The numbers shown so far, each the difference of two nodes' totals.
    new : (node, node)
        The number to show; ``new[1]`` is "none".
    hidden : list of (node, node)
        Bands hidden (a count from 1 to the rule's small ones, or its partner):
        a reader must not hold both their ends.
    rule : Rule

    Returns
    -------
    bool
        Whether, with ``new`` shown, each total it joins to "none" differs from
        every total held by 0 or by more than ``rule.suppress_max``, and no
        hidden band has both its ends held. Differences that ``edges`` alone
        give are their own tables' secondary suppression's, not checked again.
    """
    end = new[1]

    def held(edges):
        root = {node: node for node in values}

        def find(node):
            while root[node] != node:
                node = root[node]
            return node

        for a, b in edges:
            root[find(a)] = find(b)
        return {node for node in values if find(node) == find(end)}

    before, after = held(edges), held([*edges, new])
    if any(a in after and b in after and a != b for a, b in hidden):
        return False
    gaps = [abs(values[n] - values[m]) for n in after - before for m in after]
    return all(gap == 0 or gap > rule.suppress_max for gap in gaps)
