# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classify one metric of a canary judge: the canary's samples against the baseline's (Kayenta's rules).

A Mann-Whitney U test (scipy.stats.mannwhitneyu) asks whether the canary's samples tend to be larger
(or smaller) than the baseline's; the effect size (ratio of the sample means, as Kayenta's default
``meanRatio``) asks whether the difference is large enough to matter. A metric is ``high`` (or ``low``)
only when both say so; with fewer samples than ``min_samples`` on either side it is ``nodata``.
"""

from __future__ import annotations

import math
import statistics


def _mannwhitneyu():
    """scipy.stats, imported when a judge classifies: it costs about 1 s of CPU, which every other gate_check
    (they all load this provider's registry) would pay for nothing. scipy is in requirements.txt; a missing one
    is said clearly."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError as exc:
        raise RuntimeError("the canary judge needs the Python library scipy (pip install scipy): %s" % exc)
    return mannwhitneyu


PASS = "pass"
HIGH = "high"
LOW = "low"
NODATA = "nodata"

INCREASE = "increase"
DECREASE = "decrease"
EITHER = "either"
DIRECTIONS = (INCREASE, DECREASE, EITHER)
# The side of the test each direction cares about: a faster canary must not fail a latency metric.
_ALTERNATIVE = {INCREASE: "greater", DECREASE: "less", EITHER: "two-sided"}
# Classifications that fail a metric of each direction.
_BAD = {INCREASE: (HIGH,), DECREASE: (LOW,), EITHER: (HIGH, LOW)}


class MetricVerdict(object):
    """The classification of one metric and the numbers behind it."""

    def __init__(self, name, classification, canary, baseline, direction=INCREASE, group=None, critical=False,
                 u_statistic=None, p_value=None, effect_size=None, reason=""):
        self.name = name
        self.classification = classification
        self.canary_count = len(canary)
        self.baseline_count = len(baseline)
        self.canary_median = statistics.median(canary) if canary else None
        self.baseline_median = statistics.median(baseline) if baseline else None
        self.direction = direction
        self.group = group or name
        self.critical = critical
        self.u_statistic = u_statistic
        self.p_value = p_value
        self.effect_size = effect_size
        self.reason = reason

    @property
    def failed(self):
        return self.classification in _BAD[self.direction]

    def as_dict(self):
        return {
            "name": self.name,
            "group": self.group,
            "critical": self.critical,
            "direction": self.direction,
            "classification": self.classification,
            "failed": self.failed,
            "canary_median": self.canary_median,
            "baseline_median": self.baseline_median,
            "canary_samples": self.canary_count,
            "baseline_samples": self.baseline_count,
            "u_statistic": self.u_statistic,
            "p_value": self.p_value,
            "effect_size": self.effect_size,
            "reason": self.reason,
        }


def finite_samples(values):
    """The samples a test can use: NaN (histogram_quantile of no requests) and infinities dropped."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def mean_ratio(canary, baseline):
    """Canary mean / baseline mean; a zero baseline mean gives 1 (both zero) or infinity."""
    canary_mean = sum(canary) / len(canary)
    baseline_mean = sum(baseline) / len(baseline)
    if baseline_mean == 0:
        return 1.0 if canary_mean == 0 else math.copysign(math.inf, canary_mean)
    return canary_mean / baseline_mean


def _direction_of_change(p_value, effect, direction, significance_level, tolerance):
    """high / low when the test is significant and the effect exceeds the tolerance, else pass."""
    if p_value >= significance_level:
        return PASS
    if direction in (INCREASE, EITHER) and effect > 1.0 + tolerance:
        return HIGH
    if direction in (DECREASE, EITHER) and effect < 1.0 - tolerance:
        return LOW
    return PASS


def classify(name, canary, baseline, direction=INCREASE, tolerance=0.05, significance_level=0.01, min_samples=10,
             group=None, critical=False):
    """The MetricVerdict of one metric from its canary and baseline samples."""
    mannwhitneyu = _mannwhitneyu()
    canary, baseline = finite_samples(canary), finite_samples(baseline)
    common = dict(direction=direction, group=group, critical=critical)
    if min(len(canary), len(baseline)) < min_samples:
        return MetricVerdict(name, NODATA, canary, baseline, reason="too few samples (canary %d, baseline %d; "
                             "min_samples %d)" % (len(canary), len(baseline), min_samples), **common)
    pairs = len(canary) * len(baseline)
    if len(set(canary) | set(baseline)) == 1:
        # All samples equal: no difference to find (scipy's p-value would be NaN).
        return MetricVerdict(name, PASS, canary, baseline, u_statistic=pairs / 2.0, p_value=1.0, effect_size=1.0,
                             reason="all samples equal", **common)
    result = mannwhitneyu(canary, baseline, alternative=_ALTERNATIVE[direction])
    u_statistic, p_value = float(result.statistic), float(result.pvalue)
    effect = mean_ratio(canary, baseline)
    classification = _direction_of_change(p_value, effect, direction, significance_level, tolerance)
    reason = "p %.3g %s %g, mean ratio %.3g %s tolerance %g" % (
        p_value, "<" if p_value < significance_level else ">=", significance_level, effect,
        "beyond" if abs(effect - 1.0) > tolerance else "within", tolerance)
    return MetricVerdict(name, classification, canary, baseline, u_statistic=u_statistic, p_value=p_value,
                         effect_size=effect, reason=reason, **common)
