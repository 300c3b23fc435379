"""The canary judge's score: weighted groups, critical metrics, metrics without data."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_classification import (
    HIGH,
    NODATA,
    PASS,
    MetricVerdict,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_scoring import score

WEIGHTS = {"latency": 50, "errors": 50}


def verdict(name, classification, group, critical=False):
    return MetricVerdict(name, classification, [1.0], [1.0], group=group, critical=critical)


def metrics(p50=PASS, p99=PASS, errors=PASS):
    return [verdict("latency-p50", p50, "latency"), verdict("latency-p99", p99, "latency"),
            verdict("error-ratio", errors, "errors", critical=True)]


def test_everything_passing_scores_100():
    card = score(metrics(), WEIGHTS)
    assert (card.score, card.critical_failures, card.nodata) == (100.0, [], [])


def test_one_of_two_latency_metrics_high_halves_that_group():
    # latency 50 x 1/2 + errors 50 x 2/2 = 75 of 100: marginal with the default thresholds (75, 95).
    card = score(metrics(p99=HIGH), WEIGHTS)
    assert card.score == 75.0
    assert card.groups["latency"] == {"weight": 50.0, "metrics": 2, "judged": 2, "passed": 1, "score": 50.0}


def test_both_latency_metrics_high_scores_50():
    assert score(metrics(p50=HIGH, p99=HIGH), WEIGHTS).score == 50.0


def test_a_failed_critical_metric_is_named_whatever_the_score():
    card = score(metrics(errors=HIGH), {"latency": 90, "errors": 10})
    assert card.score == 90.0
    assert card.critical_failures == ["error-ratio"]


def test_groups_without_weights_count_once_each():
    # Three groups of weight 1: one of them failed, 2/3 of the score left.
    card = score([verdict("a", PASS, "a"), verdict("b", PASS, "b"), verdict("c", HIGH, "c")])
    assert card.score == 66.67


def test_nodata_metrics_are_not_judged_but_reported():
    card = score(metrics(p99=NODATA), WEIGHTS)
    assert card.nodata == ["latency-p99"]
    assert card.groups["latency"]["judged"] == 1 and card.score == 100.0


def test_nothing_judged_gives_no_score():
    card = score(metrics(p50=NODATA, p99=NODATA, errors=NODATA), WEIGHTS)
    assert card.score is None and len(card.nodata) == 3
