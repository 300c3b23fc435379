# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Score a canary judge's metric verdicts: weighted groups, 0-100 (Kayenta's weighted sum).

A group's score is the share of its judged metrics that did not fail; the total is the weighted mean
of the groups' scores, times 100. Metrics without data are not judged (the judge reports them as no
data before any score counts); a failed critical metric fails the judge whatever the score.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_classification import NODATA


class ScoreCard(object):
    """The score, each group's share of it, and what the score alone does not say."""

    def __init__(self, score, groups, critical_failures, nodata):
        self.score = score
        self.groups = groups
        self.critical_failures = critical_failures
        self.nodata = nodata


def _group_weight(group, group_weights):
    # A group the weights do not name counts once, like each named group with weight 1.
    weight = (group_weights or {}).get(group, 1.0)
    return float(weight)


def score(verdicts, group_weights=None):
    """The ScoreCard of a list of MetricVerdict (score None when no metric could be judged)."""
    groups = {}
    for verdict in verdicts:
        entry = groups.setdefault(verdict.group, {"weight": _group_weight(verdict.group, group_weights),
                                                  "metrics": 0, "judged": 0, "passed": 0, "score": None})
        entry["metrics"] += 1
        if verdict.classification == NODATA:
            continue
        entry["judged"] += 1
        entry["passed"] += 0 if verdict.failed else 1
    total_weight = 0.0
    weighted = 0.0
    for entry in groups.values():
        if entry["judged"]:
            entry["score"] = 100.0 * entry["passed"] / entry["judged"]
            total_weight += entry["weight"]
            weighted += entry["weight"] * entry["score"]
    total = round(weighted / total_weight, 2) if total_weight > 0 else None
    critical_failures = [v.name for v in verdicts if v.critical and v.failed]
    nodata = [v.name for v in verdicts if v.classification == NODATA]
    return ScoreCard(total, groups, critical_failures, nodata)
