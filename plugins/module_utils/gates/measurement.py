# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The measurement model shared by every gate provider and the analysis engine.

A provider turns one query/request into an ``Observation`` (values per series, or
"no data" with a reason) or raises ``ProviderError`` (could not measure) or
``CheckConfigError`` (the check itself is wrong: retrying will not help).
The engine turns observations into ``Measurement`` records whose ``as_dict()``
shape is the module's public return format.
"""

from __future__ import annotations

import math

# Phases of one measurement and of one check (Argo Rollouts' names).
SUCCESSFUL = "Successful"
FAILED = "Failed"
INCONCLUSIVE = "Inconclusive"
ERROR = "Error"
RUNNING = "Running"

# Verdicts of a whole gate.
PASS = "pass"
FAIL = "fail"
VERDICT_INCONCLUSIVE = "inconclusive"

# Whose fault a gate that did not pass is (the same words as release/errors.py): the version's only when a
# measured value breached its condition; the evidence's when nothing could be measured or judged.
BLAME_VERSION = "version"
BLAME_EVIDENCE = "evidence"


class CheckConfigError(Exception):
    """A check is misconfigured (bad option, query Prometheus rejects, ...): fail the task now."""

    def __init__(self, check_name, message):
        self.check_name = check_name
        super(CheckConfigError, self).__init__(
            "check '%s': %s" % (check_name, message) if check_name else message
        )


class ProviderError(Exception):
    """The provider could not be measured this time (unreachable, timeout, 5xx)."""


class Series(object):
    """One value with the labels that identify it (a Prometheus series, an HTTP request, a pod)."""

    __slots__ = ("labels", "value")

    def __init__(self, labels, value):
        self.labels = dict(labels or {})
        self.value = value


class Observation(object):
    """What a provider saw in one measurement.

    ``series`` holds the values; ``no_data`` is a reason string when there was nothing
    to judge (empty result, NaN); ``baseline`` is the comparison value, if any;
    ``detail`` is provider context for the message (e.g. why HTTP requests failed);
    ``scalar`` replaces ``series`` for providers whose result is one JSON value (jmespath).
    """

    def __init__(self, series=None, no_data=None, baseline=None, detail=None, scalar=None, names=None,
                 label="value", metrics=None):
        self.series = list(series or [])
        self.no_data = no_data
        self.baseline = baseline
        self.detail = detail
        # Providers whose result is not a list of series (jmespath) set ``scalar``.
        self.scalar = scalar
        # Extra names conditions may use for this provider (e.g. kubernetes' ``restarts``).
        self.names = dict(names or {})
        # What ``result`` is, for messages: "value", "pass ratio", "problems".
        self.label = label
        # Per-metric verdicts of a judge (medians, U, p-value, effect size, classification), or None.
        self.metrics = metrics

    @classmethod
    def empty(cls, reason):
        return cls(no_data=reason)


def is_nan(value):
    return isinstance(value, float) and math.isnan(value)


def json_number(value):
    """Values as JSON can carry them: NaN/Inf become Prometheus' strings, not invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "+Inf" if value > 0 else "-Inf"
    if isinstance(value, list):
        return [json_number(v) for v in value]
    return value


def format_value(value):
    """Short human form of a value for one-line reasons."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return "%.6g" % value
    if isinstance(value, list):
        shown = ", ".join(format_value(v) for v in value[:5])
        return "[%s%s]" % (shown, ", ..." if len(value) > 5 else "")
    return repr(value) if isinstance(value, str) else str(value)


def format_labels(labels):
    if not labels:
        return "{}"
    return "{%s}" % ",".join('%s="%s"' % (k, labels[k]) for k in sorted(labels))


class Measurement(object):
    """One measurement of one check, in the module's stable return shape."""

    def __init__(self, check, provider, index, timestamp, phase, message,
                 value=None, baseline=None, series=None, dry_run=False, elapsed_ms=0.0, metrics=None):
        self.check = check
        self.provider = provider
        self.index = index
        self.timestamp = timestamp
        self.phase = phase
        self.message = message
        self.value = value
        self.baseline = baseline
        # list of dicts: labels, value, phase (phase only set when judged per series)
        self.series = series or []
        self.dry_run = dry_run
        self.elapsed_ms = elapsed_ms
        self.metrics = metrics

    def as_dict(self):
        shape = {
            "check": self.check,
            "provider": self.provider,
            "index": self.index,
            "timestamp": self.timestamp,
            "phase": self.phase,
            "value": json_number(self.value),
            "baseline": json_number(self.baseline),
            "series": [
                {"labels": s["labels"], "value": json_number(s["value"]), "phase": s.get("phase")}
                for s in self.series
            ],
            "message": self.message,
            "dry_run": self.dry_run,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
        if self.metrics is not None:
            # Only judge checks carry per-metric verdicts; other checks keep their shape.
            shape["metrics"] = [{key: json_number(value) for key, value in metric.items()} for metric in self.metrics]
        return shape
