# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prometheus_judge provider: a statistical canary-versus-baseline judge (Kayenta-style).

Each measurement runs every metric's PromQL as a range query over the last ``window`` with one point
per ``step``, once with ``{version}`` set to the canary version and once to the baseline version (and
``{track}`` to canary_track / baseline_track, so a fresh baseline of the stable version is told apart
from the long-running stable by its pods' track label); every point of every series is one sample (per
pod per interval when the query keeps the ``pod`` label).
judge_classification turns the two sample sets into a MetricVerdict, judge_scoring the verdicts into a
0-100 score. ``result`` is the score; the default conditions pass at ``pass_score`` and fail below
``marginal_score`` or on a failed critical metric (in between: inconclusive).
"""

from __future__ import annotations

import time

from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import parse_duration
from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import Condition
from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_classification import (
    DIRECTIONS,
    INCREASE,
    classify,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.judge_scoring import score
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    Observation,
    ProviderError,
    Series,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.prometheus import PrometheusProvider

VERSION_PLACEHOLDER = "{version}"
TRACK_PLACEHOLDER = "{track}"
INTERVAL_PLACEHOLDER = "{interval}"
DEFAULTS = {"window": "5m", "step": "30s", "min_samples": 10, "significance_level": 0.01,
            "pass_score": 95.0, "marginal_score": 75.0}
METRIC_OPTIONS = {
    "name": {"type": "str", "required": True},
    "query": {"type": "str", "required": True},
    "direction": {"type": "str", "default": INCREASE, "choices": list(DIRECTIONS)},
    "group": {"type": "str"},
    "critical": {"type": "bool", "default": False},
    "tolerance": {"type": "float", "default": 0.05},
}
METRIC_DEFAULTS = {"direction": INCREASE, "critical": False, "tolerance": 0.05}


def promql_duration(seconds):
    """A PromQL duration for ``{interval}``: whole seconds when it is, else milliseconds."""
    return "%ds" % seconds if float(seconds).is_integer() else "%dms" % round(seconds * 1000)


def metric_settings(raw):
    """One metric's settings with the defaults filled in (the module's arg spec does this too)."""
    metric = dict(METRIC_DEFAULTS)
    metric.update({key: value for key, value in (raw or {}).items() if value is not None})
    return metric


def _validate_metric(spec, position, raw, seen):
    if not isinstance(raw, dict):
        raise spec.error("metrics[%d] must be a dict with name and query, got %r" % (position, raw))
    metric = metric_settings(raw)
    name = metric.get("name")
    if not name or name in seen:
        raise spec.error("metrics[%d] needs a name, unique within the check" % position)
    seen.add(name)
    if VERSION_PLACEHOLDER not in str(metric.get("query") or ""):
        raise spec.error("metric '%s': query must contain %s (filled with the canary and the baseline version)"
                         % (name, VERSION_PLACEHOLDER))
    tracks = [spec.option(field) for field in ("canary_track", "baseline_track") if spec.option(field)]
    if tracks and TRACK_PLACEHOLDER not in str(metric["query"]):
        # Without it the baseline's samples would silently be those of every pod of the version.
        raise spec.error("metric '%s': query must contain %s (e.g. track=\"%s\") when a track is set"
                         % (name, TRACK_PLACEHOLDER, TRACK_PLACEHOLDER))
    if metric["direction"] not in DIRECTIONS:
        raise spec.error("metric '%s': direction must be one of %s" % (name, ", ".join(DIRECTIONS)))
    if float(metric["tolerance"]) < 0:
        raise spec.error("metric '%s': tolerance cannot be negative" % name)


class PrometheusJudgeProvider(PrometheusProvider):
    name = "prometheus_judge"
    options = {
        "canary_version": {"type": "str"},
        "baseline_version": {"type": "str"},
        "canary_track": {"type": "str"},
        "baseline_track": {"type": "str"},
        "metrics": {"type": "list", "elements": "dict", "options": METRIC_OPTIONS},
        "window": {"type": "str"},
        "step": {"type": "str"},
        "min_samples": {"type": "int"},
        "significance_level": {"type": "float"},
        "group_weights": {"type": "dict"},
        "pass_score": {"type": "float", "no_log": False},  # a score, not a password
        "marginal_score": {"type": "float"},
    }
    required = ("canary_version", "baseline_version", "metrics")
    requires_condition = False

    @classmethod
    def validate(cls, spec):
        if spec.per_series:
            raise spec.error("per_series does not apply to prometheus_judge; every metric is judged on its own")
        for field in ("canary_version", "baseline_version"):
            if not str(spec.option(field, "")).strip():
                raise spec.error("a prometheus_judge check needs %s" % field)
        metrics = spec.option("metrics")
        if not isinstance(metrics, list) or not metrics:
            raise spec.error("a prometheus_judge check needs metrics: a list of {name, query} with %s"
                             % VERSION_PLACEHOLDER)
        seen = set()
        for position, raw in enumerate(metrics):
            _validate_metric(spec, position, raw, seen)
        cls._validate_numbers(spec)

    @classmethod
    def _validate_numbers(cls, spec):
        try:
            window = parse_duration(spec.option("window", DEFAULTS["window"]), "window")
            step = parse_duration(spec.option("step", DEFAULTS["step"]), "step")
        except ValueError as exc:
            raise spec.error(str(exc))
        if not 0 < step <= window:
            raise spec.error("step must be more than 0 and at most the window (%gs), got %gs" % (window, step))
        if int(spec.option("min_samples", DEFAULTS["min_samples"])) < 3:
            raise spec.error("min_samples must be at least 3; a rank test on fewer samples says nothing")
        if not 0 < float(spec.option("significance_level", DEFAULTS["significance_level"])) < 1:
            raise spec.error("significance_level must be between 0 and 1 (e.g. 0.01)")
        marginal = float(spec.option("marginal_score", DEFAULTS["marginal_score"]))
        passing = float(spec.option("pass_score", DEFAULTS["pass_score"]))
        if not 0 <= marginal <= passing <= 100:
            raise spec.error("scores must satisfy 0 <= marginal_score (%g) <= pass_score (%g) <= 100"
                             % (marginal, passing))
        for group, weight in (spec.option("group_weights") or {}).items():
            try:
                if float(weight) < 0:
                    raise ValueError()
            except (TypeError, ValueError):
                raise spec.error("group_weights['%s'] must be a number >= 0, got %r" % (group, weight))

    @classmethod
    def condition_names(cls, spec):
        return {"result", "critical_failures", "pass_score", "marginal_score"}

    def default_condition(self, spec):
        return Condition("result >= pass_score and critical_failures == 0", self.condition_names(spec))

    def default_failure_condition(self, spec):
        return Condition("result < marginal_score or critical_failures > 0", self.condition_names(spec))

    def __init__(self, spec, context):
        super(PrometheusJudgeProvider, self).__init__(spec, context)
        self.range_endpoint = self.base_url + "/api/v1/query_range"
        self.metrics = [metric_settings(raw) for raw in spec.option("metrics")]
        # "" selects series without the label: pods of no track (the canary, the long-running stable).
        self.canary_track = str(spec.option("canary_track") or "")
        self.baseline_track = str(spec.option("baseline_track") or "")
        self.window = parse_duration(spec.option("window", DEFAULTS["window"]), "window")
        self.step = parse_duration(spec.option("step", DEFAULTS["step"]), "step")
        self.min_samples = int(spec.option("min_samples", DEFAULTS["min_samples"]))
        self.significance_level = float(spec.option("significance_level", DEFAULTS["significance_level"]))
        self.group_weights = dict(spec.option("group_weights") or {})
        self.pass_score = float(spec.option("pass_score", DEFAULTS["pass_score"]))
        self.marginal_score = float(spec.option("marginal_score", DEFAULTS["marginal_score"]))
        self.now = time.time  # tests and the benchmark pin the window's end

    def start(self):
        # With an initial delay, find a query Prometheus rejects now rather than after the wait.
        if self.spec.initial_delay > 0:
            for metric in self.metrics:
                try:
                    self.query(self.promql(metric, self.spec.option("canary_version"), self.canary_track))
                except ProviderError:
                    return  # unreachable now: measurements will record it on schedule

    def promql(self, metric, version, track=""):
        return (metric["query"].replace(VERSION_PLACEHOLDER, str(version)).replace(TRACK_PLACEHOLDER, track)
                .replace(INTERVAL_PLACEHOLDER, promql_duration(self.step)))

    def samples(self, metric, version, end, track=""):
        """Every point of every series of the metric's range query for one version (and track)."""
        promql = self.promql(metric, version, track)
        # window / step points, each covering its own step of the window: no sample counted twice.
        start = end - self.window + self.step
        data = self.fetch(self.range_endpoint, promql, start="%.3f" % start, end="%.3f" % end, step="%g" % self.step)
        try:
            return [float(point[1]) for item in data.get("result") or [] for point in item.get("values") or []]
        except (IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError("unexpected Prometheus range answer (%s) to %s" % (exc, promql))

    def judge_metric(self, metric, end):
        canary = self.samples(metric, self.spec.option("canary_version"), end, self.canary_track)
        baseline = self.samples(metric, self.spec.option("baseline_version"), end, self.baseline_track)
        return classify(metric["name"], canary, baseline, direction=metric["direction"],
                        tolerance=float(metric["tolerance"]), significance_level=self.significance_level,
                        min_samples=self.min_samples, group=metric.get("group"), critical=bool(metric["critical"]))

    def measure(self):
        end = self.now()
        verdicts = [self.judge_metric(metric, end) for metric in self.metrics]
        return judged_observation(verdicts, score(verdicts, self.group_weights),
                                  {"pass_score": self.pass_score, "marginal_score": self.marginal_score})


def judged_observation(verdicts, card, thresholds):
    """The Observation of one judgement: the score as ``result``, every metric's verdict alongside.

    A failed critical metric is a breach whatever else is missing; otherwise a metric without enough
    samples makes the whole measurement no data (never a pass: the check's on_no_data decides)."""
    details = [v.as_dict() for v in verdicts]
    series = [Series({"metric": v.name, "classification": v.classification}, v.effect_size) for v in verdicts]
    summary = "; ".join("%s %s (%s)" % (v.name, v.classification, v.reason) for v in verdicts)
    if card.nodata and not card.critical_failures:
        return Observation(series=series, no_data="metric(s) %s had too few samples" % ", ".join(card.nodata),
                           detail=summary, metrics=details)
    names = dict(thresholds, critical_failures=len(card.critical_failures))
    return Observation(series=series, scalar=card.score if card.score is not None else 0.0, names=names,
                       label="score", detail=summary, metrics=details)
