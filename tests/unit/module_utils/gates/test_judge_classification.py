"""One metric of the canary judge: Mann-Whitney U and effect size against worked examples."""

from __future__ import annotations

import math

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_classification import (
    HIGH,
    LOW,
    NODATA,
    PASS,
    classify,
    mean_ratio,
)

TEN = [float(v) for v in range(1, 11)]


def test_a_canary_above_every_baseline_sample_is_high():
    # Every one of the 10 x 10 pairs has the canary larger: U = 100, the largest possible.
    verdict = classify("p50", [v + 10 for v in TEN], TEN)
    assert verdict.classification == HIGH and verdict.failed
    assert verdict.u_statistic == 100.0
    assert verdict.p_value < 1e-4
    assert verdict.canary_median == 15.5 and verdict.baseline_median == 5.5
    assert verdict.effect_size == pytest.approx(15.5 / 5.5)


def test_ties_count_half_a_pair_each():
    # canary: 3 zeros, 7 ones; baseline: 7 zeros, 3 ones.
    # Pairs canary 1 > baseline 0: 7 x 7 = 49; ties 0-0 (3 x 7) and 1-1 (7 x 3) add 21 x 0.5 each: U = 70.
    canary = [0.0] * 3 + [1.0] * 7
    baseline = [0.0] * 7 + [1.0] * 3
    verdict = classify("errors", canary, baseline, significance_level=0.05)
    assert verdict.u_statistic == 70.0
    assert verdict.p_value == pytest.approx(0.0446, abs=0.001)  # normal approximation with the tie correction
    assert verdict.effect_size == pytest.approx(0.7 / 0.3)
    assert verdict.classification == HIGH
    # The same data at the default significance level (0.01) is not enough evidence.
    assert classify("errors", canary, baseline).classification == PASS


def test_identical_samples_with_ties_pass():
    samples = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0]
    verdict = classify("p99", list(samples), list(samples))
    assert verdict.classification == PASS and not verdict.failed
    assert verdict.u_statistic == 50.0
    assert verdict.p_value > 0.5 - 0.02
    assert verdict.effect_size == 1.0


@pytest.mark.parametrize("value", [0.0, 0.02])
def test_all_equal_samples_pass_with_p_one(value):
    # scipy gives NaN here (no variance); all-equal samples show no difference at all.
    verdict = classify("errors", [value] * 10, [value] * 12)
    assert (verdict.classification, verdict.p_value, verdict.u_statistic, verdict.effect_size) == (PASS, 1.0, 60.0, 1.0)
    assert verdict.reason == "all samples equal"


def test_too_few_samples_is_nodata_never_a_pass():
    verdict = classify("p50", TEN[:9], TEN, min_samples=10)
    assert verdict.classification == NODATA and not verdict.failed
    assert verdict.p_value is None and verdict.u_statistic is None
    assert "canary 9, baseline 10; min_samples 10" in verdict.reason


def test_nan_samples_are_dropped_before_counting():
    # histogram_quantile over an interval without requests is NaN: not a sample.
    verdict = classify("p50", TEN[:8] + [math.nan, math.nan, math.inf], TEN, min_samples=9)
    assert verdict.classification == NODATA and verdict.canary_count == 8


def test_a_significant_difference_within_the_tolerance_passes():
    baseline = [1.0 + i * 0.001 for i in range(50)]
    canary = [v + 0.02 for v in baseline]  # ~2% slower, every sample
    verdict = classify("p50", canary, baseline, tolerance=0.05)
    assert verdict.p_value < 1e-6
    assert verdict.effect_size == pytest.approx(1.0195, abs=1e-3)
    assert verdict.classification == PASS
    assert classify("p50", canary, baseline, tolerance=0.01).classification == HIGH


def test_direction_decides_which_change_fails():
    faster = [v / 10 for v in TEN]
    assert classify("p50", faster, TEN, direction="increase").classification == PASS
    lower = classify("throughput", faster, TEN, direction="decrease")
    assert lower.classification == LOW and lower.failed
    either = classify("cpu", faster, TEN, direction="either")
    assert either.classification == LOW and either.failed
    assert classify("cpu", [v * 10 for v in TEN], TEN, direction="either").classification == HIGH


def test_mean_ratio_with_a_zero_baseline():
    assert mean_ratio([0.0, 0.0], [0.0, 0.0]) == 1.0
    assert mean_ratio([0.1, 0.0], [0.0, 0.0]) == math.inf
    assert mean_ratio([0.0], [0.5]) == 0.0


def test_verdict_as_dict_carries_the_evidence():
    shown = classify("p50", [v + 10 for v in TEN], TEN, group="latency", critical=True).as_dict()
    assert set(shown) == {"name", "group", "critical", "direction", "classification", "failed", "canary_median",
                          "baseline_median", "canary_samples", "baseline_samples", "u_statistic", "p_value",
                          "effect_size", "reason"}
    assert (shown["group"], shown["critical"], shown["canary_samples"]) == ("latency", True, 10)
