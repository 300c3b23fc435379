# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slack-compatible webhook messages (text + one attachment) for a rollout's start, rollbacks and end."""

from __future__ import annotations

COLOURS = {"start": "#3182bd", "rollback": "#e6550d", "succeeded": "#31a354", "failed": "#de2d26"}


def _fields(pairs):
    return [{"title": title, "value": str(value), "short": True} for title, value in pairs if value not in (None, "")]


def start_message(record, step):
    text = "Rollout started: %s %s in %s (stable %s)" % (
        step.get("app"), step.get("version"), step["cluster"], step.get("stable_version") or "-")
    return {"text": text, "attachments": [{
        "color": COLOURS["start"], "fallback": text,
        "fields": _fields([("app", step.get("app")), ("version", step.get("version")), ("cluster", step["cluster"]),
                           ("playbook", record["run"].get("playbook")), ("run", record["run"]["id"])]),
    }]}


def rollback_message(record, step):
    reason = step.get("reason") or "no reason recorded"
    text = "Rollback: %s %s in %s" % (step.get("app"), step.get("version"), step["cluster"])
    return {"text": "%s\n%s" % (text, reason), "attachments": [{
        "color": COLOURS["rollback"], "fallback": text, "text": reason,
        "fields": _fields([("cluster", step["cluster"]), ("version", step.get("version")),
                           ("serving again", step.get("stable_version")), ("run", record["run"]["id"])]),
    }]}


def finish_message(record):
    run = record["run"]
    outcome = run.get("outcome") or "in_progress"
    text = "Rollout finished (%s): %s" % (outcome.replace("_", " "), run.get("summary") or "")
    reasons = "\n".join(r["reason"] for r in record.get("rollbacks") or [])
    attachment = {"color": COLOURS.get(outcome, COLOURS["failed"]), "fallback": text,
                  "fields": _fields([("outcome", outcome), ("duration", "%.0fs" % run["duration"] if run.get("duration") else None),
                                     ("playbook", run.get("playbook")), ("run", run["id"])])}
    if reasons:
        attachment["text"] = reasons
    return {"text": text, "attachments": [attachment]}
