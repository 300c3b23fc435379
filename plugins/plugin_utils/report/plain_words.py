# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentences an operator reads: why a rollout stopped, what a gate saw, how the run ended."""

from __future__ import annotations

_COMPARISON_WORDS = {"<=": "at most", "<": "below", ">=": "at least", ">": "above"}


def format_value(metric, value):
    """A measurement as people read it: error rates in percent, latencies in milliseconds."""
    if value is None:
        return "no data"
    if metric == "error_rate":
        return "%.2f%%" % (value * 100.0)
    if metric == "latency":
        return "%.0f ms" % (value * 1000.0)
    if metric == "pass_ratio":
        return "%.0f%%" % (value * 100.0)
    return "%.4g" % value


def metric_name(metric):
    return {"error_rate": "error rate", "latency": "latency", "pass_ratio": "smoke requests passed"}.get(
        metric, "measured value")


def split_words(step):
    split = step.get("split_after")
    if not split:
        return ""
    total = (split.get("stable") or 0) + (split.get("canary") or 0)
    return "%s of %s pods on %s" % (split.get("canary") or 0, total, step.get("version"))


def _where(step):
    where = "in %s" % step.get("cluster")
    if step.get("step"):
        where += " at step %s" % step["step"]
    split = split_words(step)
    return where + (" (%s)" % split if split else "")


def deciding_measurement(step):
    """The last failed measurement of a failed gate (what decided it), or None."""
    failed = [m for m in step.get("measurements") or [] if m.get("phase") == "Failed" and not m.get("dry_run")]
    return failed[-1] if failed else None


def requests_words(requests):
    """e.g. "1 of 3 requests passed, failures: HTTP 500 x2" for a smoke (http) check."""
    text = "%s of %s requests passed" % (requests.get("passed"), requests.get("total"))
    failures = requests.get("failures") or {}
    if failures:
        text += ", failures: " + ", ".join("%s x%s" % (what, n) for what, n in sorted(failures.items()))
    return text


def measurement_words(measurement):
    if measurement.get("requests"):
        return requests_words(measurement["requests"])
    metric = measurement.get("metric")
    text = "%s %s" % (metric_name(metric), format_value(metric, measurement.get("value")))
    if measurement.get("threshold") is not None:
        text += " (allowed: %s %s" % (_COMPARISON_WORDS.get(measurement.get("comparison"), measurement.get("comparison")),
                                      format_value(metric, measurement.get("threshold")))
        if measurement.get("baseline") is not None:
            text += "; stable %s %s" % (measurement.get("baseline_version") or "", format_value(metric, measurement["baseline"]))
        text += ")"
    return text


def short_measurement(measurement):
    """e.g. "error rate 0.40% <= 1.20%" for the progress line."""
    if measurement.get("requests"):
        return "smoke " + requests_words(measurement["requests"])
    metric = measurement.get("metric")
    text = "%s %s" % (metric_name(metric), format_value(metric, measurement.get("value")))
    if measurement.get("threshold") is not None:
        text += " %s %s" % (measurement.get("comparison"), format_value(metric, measurement["threshold"]))
    return text


def failed_gate(step):
    measurement = deciding_measurement(step)
    if measurement is not None and measurement.get("requests"):
        requests = measurement["requests"]
        failures = requests.get("failures") or {}
        got = ", ".join(what if len(failures) == 1 else "%s x%s" % (what, n) for what, n in sorted(failures.items()))
        where = "in %s" % step.get("cluster") + (" at step %s" % step["step"] if step.get("step") else "")
        split = split_words(step)
        return "%s of %s smoke requests to version %s got %s (check %s %s%s)" % (
            sum(failures.values()) or requests.get("total", 0) - requests.get("passed", 0), requests.get("total"),
            step.get("version"), got or "a wrong answer", measurement.get("check"), where, ", " + split if split else "")
    if step.get("blame") == "evidence":
        return "the gate %s could not judge version %s: %s" % (
            _where(step), step.get("version"), step.get("reason") or step.get("message") or "no reason given")
    if measurement is not None:
        return "the gate %s failed: version %s had %s (check %s)" % (
            _where(step), step.get("version"), measurement_words(measurement), measurement.get("check"))
    return "the gate %s did not pass: %s" % (_where(step), step.get("reason") or step.get("message") or "no reason given")


def passed_gate(step):
    shown = [m for m in step.get("measurements") or [] if m.get("value") is not None]
    # What a person judges a version by first: its error rate, latency or smoke requests; a restart count after.
    shown = ([m for m in shown if m.get("metric") in ("error_rate", "latency") or m.get("requests")]
             or [dict(m, check_named=True) for m in shown])
    if shown:
        words = measurement_words(shown[-1])
        if shown[-1].get("check_named"):
            words += " (check %s)" % shown[-1].get("check")
        return "gate passed %s: %s" % (_where(step), words)
    return "gate passed %s" % _where(step)


def failed_step(step):
    return "%s failed %s: %s" % (step.get("module", "").split(".")[-1], _where(step),
                                 step.get("message") or "no message")


def rollback(step, cause, requested_reason):
    """Why a version was rolled back, in one sentence led by what went wrong."""
    head = "Version %s of %s was rolled back in %s" % (step.get("version"), step.get("app"), step.get("cluster"))
    if step.get("stable_version"):
        head += " (version %s serves again)" % step["stable_version"]
    if cause is not None:
        why = failed_gate(cause) if cause.get("kind") == "gate" else failed_step(cause)
        return "%s because %s." % (head, why)
    if requested_reason:
        return "%s: %s." % (head, requested_reason.rstrip("."))
    return head + "."


def summary(record):
    """One line for the whole run."""
    clusters = record.get("clusters") or {}
    counts = {}
    for cluster in clusters.values():
        counts[cluster["state"]] = counts.get(cluster["state"], 0) + 1
    apps = ", ".join("%s %s" % (a["app"], a["version"]) for a in record.get("apps") or []) or "no release"
    parts = ", ".join("%d %s" % (n, state.replace("_", " ")) for state, n in sorted(counts.items()))
    outcome = (record.get("run") or {}).get("outcome", "in_progress").replace("_", " ")
    return "%s: %s (%s)" % (apps, outcome, parts or "no cluster touched")
