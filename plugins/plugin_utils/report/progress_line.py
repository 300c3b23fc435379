# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress callback's line: cluster, what happened, split, verdict, duration - one line per step."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import plain_words

WHAT = {"canary": "canary", "step": "step", "gate": "gate", "finish": "finish", "rollback": "ROLLBACK", "info": "info"}


def _split(step, cluster):
    split = step.get("split_after") or (cluster or {}).get("split")
    if not split:
        return "split -"
    stable, canary = split.get("stable") or 0, split.get("canary") or 0
    share = int(round(100.0 * canary / (stable + canary))) if stable + canary else 0
    return "split %s/%s (%d%%)" % (stable, canary, share)


def _verdict(step, cluster, events):
    if "frozen" in events:
        return "FROZEN at the current split"
    if step["kind"] == "gate":
        verdict = step.get("verdict") or "error"
        deciding = plain_words.deciding_measurement(step) if verdict != "pass" else None
        if deciding is not None:
            return "%s - %s" % (verdict, plain_words.measurement_words(deciding))
        last = {}
        for measurement in step.get("measurements") or []:
            if measurement.get("value") is not None:
                last[measurement.get("check")] = measurement  # the last one of each check
        shown = "; ".join(plain_words.short_measurement(m) for m in last.values())
        return verdict + (" - %s" % shown if shown else "")
    if step["status"] == "failed":
        return "FAILED - %s" % (step.get("message") or "no message")
    if "rollback" in events:
        return "rolled back to %s" % ((cluster or {}).get("stable_version") or "the stable")
    if "promoted" in events:
        return "promoted"
    return step["status"]


def progress_line(step, cluster, events=()):
    """e.g. PROGRESS 11:02:03 services-dev-us-east1 web 2 step 2 | split 2/2 (50%) | changed | 3.1s"""
    what = WHAT.get(step["kind"], step["kind"])
    version = step.get("version") or "-"
    if step["kind"] in ("step", "gate") and step.get("step"):
        what += " %s" % step["step"]
    if step["kind"] == "gate" and (cluster or {}).get("state") in ("untouched", "verified"):
        # No release of this run in the cluster: a gate before it (environment_promotion's promotion gate
        # judges the previous environment), not a gate of the version it runs.
        what, version = "promotion gate", ""
    duration = "%.1fs" % step["duration"] if step.get("duration") is not None else "-"
    return "PROGRESS %s %s %s %s%s | %s | %s | %s" % (
        (step.get("ended_at") or "")[11:19], step["cluster"], step.get("app") or "-", version + " " if version else "",
        what, _split(step, cluster), _verdict(step, cluster, events), duration)
