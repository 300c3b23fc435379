# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge one observation against a check's conditions: the phase of one measurement.

Argo Rollouts' rules: with only a success condition, not meeting it is a failure; with only
a failure condition, not meeting it is a success; with both, the failure condition wins and
meeting neither is inconclusive. Added here: no data (empty result, NaN) follows the
check's ``on_no_data`` policy, and a condition that cannot be evaluated is an error, never
a success.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import (
    ConditionEvaluationError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    SUCCESSFUL,
    format_labels,
    format_value,
    is_nan,
)

NO_DATA_PHASE = {"inconclusive": INCONCLUSIVE, "fail": FAILED, "pass": SUCCESSFUL}

# When several series disagree, the measurement takes the worst phase.
_SEVERITY = {SUCCESSFUL: 0, INCONCLUSIVE: 1, ERROR: 2, FAILED: 3}


class Judgement(object):
    """The outcome of judging one observation: what a Measurement records."""

    def __init__(self, phase, message, value=None, baseline=None, series=None, no_data=False, metrics=None):
        self.phase = phase
        self.message = message
        self.value = value
        self.baseline = baseline
        self.series = series or []
        # True when there was nothing to judge: whatever the phase, the evidence failed, not the version.
        self.no_data = no_data
        self.metrics = metrics


def _no_data(spec, reason):
    phase = NO_DATA_PHASE[spec.on_no_data]
    return phase, "no data: %s; counted %s because on_no_data=%s" % (reason, phase, spec.on_no_data)


def _describe(result, baseline, labels=None, label="value"):
    text = "%s %s" % (label, format_value(result))
    if labels is not None:
        text = "series %s %s" % (format_labels(labels), text)
    if baseline is not None:
        text += " (baseline %s)" % format_value(baseline)
    return text


def apply_conditions(success, failure, env):
    """(phase, explanation) for one set of values; raises ConditionEvaluationError."""
    met_success = success.evaluate(env) if success is not None else None
    met_failure = failure.evaluate(env) if failure is not None else None
    if failure is None:
        met_failure = not met_success
    if success is None:
        met_success = not met_failure
    if met_failure:
        if failure is not None:
            return FAILED, "meets failure condition '%s'" % failure.text
        return FAILED, "does not meet success condition '%s'" % success.text
    if met_success:
        if success is not None:
            return SUCCESSFUL, "meets success condition '%s'" % success.text
        return SUCCESSFUL, "does not meet failure condition '%s'" % failure.text
    return INCONCLUSIVE, "meets neither success condition '%s' nor failure condition '%s'" % (
        success.text, failure.text)


def _judge_values(success, failure, env, description):
    try:
        phase, why = apply_conditions(success, failure, env)
    except ConditionEvaluationError as exc:
        return ERROR, "%s: condition %s" % (description, exc)
    return phase, "%s %s" % (description, why)


def judge(spec, observation, default_condition=None, names=None, default_failure_condition=None):
    """Judge ``observation`` for ``spec``.

    ``default_condition`` is the provider's success condition when the check gives none
    (HTTP pass ratio, pod health, JMESPath truthiness); ``names`` are extra condition names
    the provider defines for this observation (e.g. ``restarts``); ``default_failure_condition``
    goes with it when meeting neither must be inconclusive (a judge's marginal score).
    """
    success = spec.success_condition
    failure = spec.failure_condition
    if success is None and failure is None:
        success, failure = default_condition, default_failure_condition
    judgement = _judge(spec, observation, success, failure, names)
    judgement.metrics = observation.metrics
    return judgement


def _judge(spec, observation, success, failure, names):
    detail = (" (%s)" % observation.detail) if observation.detail else ""
    if observation.no_data:
        phase, message = _no_data(spec, observation.no_data)
        return Judgement(phase, message + detail, series=_plain_series(observation), no_data=True)

    baseline = observation.baseline
    if is_nan(baseline):
        phase, message = _no_data(spec, "the baseline is NaN")
        return Judgement(phase, message + detail, series=_plain_series(observation), no_data=True)

    env = dict(spec.vars)
    env.update(names or {})
    env["baseline"] = baseline

    if spec.per_series and observation.scalar is None:
        return _judge_per_series(spec, observation, success, failure, env, baseline, detail)

    if observation.scalar is not None:
        result = observation.scalar
    else:
        values = [s.value for s in observation.series]
        result = values[0] if len(values) == 1 else values
        if all(is_nan(v) for v in values):
            phase, message = _no_data(spec, "the value is NaN")
            return Judgement(phase, message + detail, value=result, baseline=baseline,
                             series=_plain_series(observation), no_data=True)
    env["result"] = result
    phase, message = _judge_values(success, failure, env, _describe(result, baseline, label=observation.label))
    return Judgement(phase, message + detail, value=result, baseline=baseline,
                     series=_plain_series(observation))


def _judge_per_series(spec, observation, success, failure, env, baseline, detail):
    judged = []
    worst = None
    counts = {}
    for series in observation.series:
        if is_nan(series.value):
            phase, message = _no_data(spec, "series %s is NaN" % format_labels(series.labels))
        else:
            series_env = dict(env)
            series_env["result"] = series.value
            series_env["labels"] = series.labels
            phase, message = _judge_values(
                success, failure, series_env, _describe(series.value, baseline, series.labels))
        counts[phase] = counts.get(phase, 0) + 1
        judged.append({"labels": series.labels, "value": series.value, "phase": phase})
        if worst is None or _SEVERITY[phase] > _SEVERITY[worst[0]]:
            worst = (phase, message)
    phase, message = worst
    if len(judged) > 1:
        message += "; %d of %d series %s" % (counts[phase], len(judged), phase)
    return Judgement(phase, message + detail, value=None, baseline=baseline, series=judged)


def _plain_series(observation):
    return [{"labels": s.labels, "value": s.value, "phase": None} for s in observation.series]
