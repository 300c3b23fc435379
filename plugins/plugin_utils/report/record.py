# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout record: every step, gate measurement, decision, duration and outcome of one run.

The recorder is fed the results of the collection's modules (as the callbacks see them) and keeps
the record as plain JSON-ready data, in the shape docs/schemas/rollout-record.schema.json documents.
It knows nothing about Ansible objects, so it is tested with plain dicts.
"""

from __future__ import annotations

import datetime
import math
import uuid

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import plain_words
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.thresholds import check_threshold

SCHEMA_VERSION = 1
RECORD_KIND = "progressive.delivery/rollout-record"

# Module (short name) -> kind of step in the record. Other modules of the collection are ignored.
STEP_KINDS = {
    "canary": "canary",
    "scale_step": "step",
    "gate_check": "gate",
    "release_finish": "finish",
    "release_rollback": "rollback",
    "release_info": "info",
}

# Cluster states, worst last: the board colours cells by them.
STATES = ("untouched", "verified", "in_progress", "promoted", "frozen", "failed", "rolled_back")


def utc_timestamp(epoch):
    """RFC 3339 UTC with milliseconds, like gate_check's measurement timestamps."""
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _split(deployments):
    """{"stable": n, "canary": m} from a module's before/after (replicas of each Deployment), or None."""
    if not isinstance(deployments, dict):
        return None
    split = {}
    for role in ("stable", "canary"):
        entry = deployments.get(role)
        split[role] = entry.get("replicas") if isinstance(entry, dict) else 0
    return split


def _weight(split):
    if not split:
        return None
    total = (split.get("stable") or 0) + (split.get("canary") or 0)
    return int(round(100.0 * (split.get("canary") or 0) / total)) if total else None


def _finite(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if not (math.isnan(value) or math.isinf(value)) else None


def metric_kind(check_args, measurement):
    """What a check measures, for grouping the plots: error_rate, latency or other.

    Read from the check's name and query (the collection's roles name their checks
    error-ratio-... and query http_requests_total with a 5xx code). An http check's value is its pass
    ratio and a kubernetes check's a restart count: other.
    """
    text = " ".join(str((check_args or {}).get(k) or "") for k in ("name", "query")).lower()
    text += " " + str(measurement.get("check") or "").lower()
    if "error" in text or "5.." in text or "5xx" in text:
        return "error_rate"
    if any(word in text for word in ("latency", "duration", "quantile", "p99", "p95")):
        return "latency"
    return "other"


def smoke_requests(check_args, measurement):
    """An http (smoke) check's measurement as people count it: {passed, total, failures: {"HTTP 500": 2}}."""
    if measurement.get("provider") != "http":
        return None
    series = [s for s in measurement.get("series") or [] if isinstance(s, dict)]
    if not series:
        return None
    options = dict(check_args or {})
    options.update((check_args or {}).get("http") or {})
    allowed = [str(code) for code in options.get("status_codes") or [200]]
    failures = {}
    for entry in series:
        status = str((entry.get("labels") or {}).get("status") or "none")
        if status not in allowed:
            what = "no answer" if status == "none" else "HTTP %s" % status
            failures[what] = failures.get(what, 0) + 1
    total = len(series)
    ratio = _finite(measurement.get("value"))
    passed = int(round(ratio * total)) if ratio is not None else total - sum(failures.values())
    if total - passed > sum(failures.values()):  # an allowed status with a wrong body or too slow
        failures["a wrong answer"] = total - passed - sum(failures.values())
    return {"passed": passed, "total": total, "failures": failures}


def _split_of_summary(text):
    """release_info's summary split "3/1" (stable/canary replicas) as a dict, or None."""
    try:
        stable, canary = str(text).split("/")
        return {"stable": int(stable), "canary": int(canary)}
    except (TypeError, ValueError):
        return None


class RolloutRecorder(object):
    """Builds one run's record from module results, and says what happened for notifications."""

    def __init__(self, playbook=None, started=None, run_id=None):
        self.record = {
            "schema_version": SCHEMA_VERSION,
            "kind": RECORD_KIND,
            "run": {
                "id": run_id or uuid.uuid4().hex,
                "playbook": playbook,
                "started_at": utc_timestamp(started) if started is not None else None,
                "finished_at": None,
                "duration": None,
                "outcome": "in_progress",
                "summary": None,
                "stats": None,
            },
            "apps": [],
            "fleet": [],
            "clusters": {},
            "steps": [],
            "decisions": [],
            "rollbacks": [],
        }
        self._started = started

    # -- inputs ---------------------------------------------------------------------------------
    def set_fleet(self, clusters):
        """The whole fleet the run could touch (set, environment, region of each cluster), for the grid."""
        known = set(c["cluster"] for c in self.record["fleet"])
        for cluster in clusters:
            if cluster["cluster"] not in known:
                known.add(cluster["cluster"])
                self.record["fleet"].append({
                    "cluster": cluster["cluster"], "set": cluster.get("set"),
                    "environment": cluster.get("environment"), "region": cluster.get("region"),
                })

    def _cluster(self, name, location):
        clusters = self.record["clusters"]
        if name not in clusters:
            location = location or {}
            self.set_fleet([dict(location, cluster=name)])
            clusters[name] = {
                "state": "untouched", "app": None, "namespace": None, "version": None, "stable_version": None,
                "total_replicas": None, "split": None, "canary_weight": None, "step": None, "phase": None,
                "last_verdict": None, "rollback_reason": None, "rejected_versions": {},
                "set": location.get("set"), "environment": location.get("environment"),
                "region": location.get("region"),
                "canary_version": None, "exists": None, "steps_total": None, "age_seconds": None,
            }
        return clusters[name]

    def fleet_read(self, summaries, locations=None, app=None, namespace=None):
        """release_info's per-cluster summaries ({cluster: summary}, read with clusters:): what runs where
        before (or between) this run's steps. Clusters this run already moved keep what their steps said."""
        for name, summary in (summaries or {}).items():
            if not isinstance(summary, dict) or not summary.get("ok"):
                continue
            state = self._cluster(name, (locations or {}).get(name))
            state["exists"] = bool(summary.get("exists"))
            state["age_seconds"] = summary.get("age_seconds") if isinstance(summary.get("age_seconds"), int) else None
            if state["state"] not in ("untouched", "verified"):
                continue
            state["app"] = state["app"] or app
            state["namespace"] = state["namespace"] or namespace
            state["stable_version"] = summary.get("version")
            state["canary_version"] = summary.get("canary")
            state["version"] = summary.get("canary") or summary.get("version")
            state["phase"] = summary.get("phase")
            state["step"] = summary.get("step") if isinstance(summary.get("step"), int) else state["step"]
            state["split"] = _split_of_summary(summary.get("split"))
            if state["split"] is None and summary.get("version"):
                ready = _split_of_summary(summary.get("ready"))
                if ready:
                    state["split"] = {"stable": ready["canary"], "canary": 0}
                    state["total_replicas"] = ready["canary"]
            state["canary_weight"] = _weight(state["split"])

    def task_results(self, cluster, module, task, args, result, failed, started, ended, location=None):
        """Record one module result as the steps it means; returns [(step, events)] for the steps recorded.

        A scale_step that gated its own move (its ``gate``) is two steps, as a scale_step and a gate_check
        task would have been: the move (not failed: the gate failed the task after it) and the gate.
        """
        gate = result.get("gate") if module == "scale_step" and not result.get("skipped") else None
        if not isinstance(gate, dict):
            return self._recorded(lambda: self.task_result(cluster, module, task, args, result, failed, started,
                                                           ended, location))
        moved = (started or ended) + (result.get("duration") or 0.0)
        move = dict((k, v) for k, v in result.items() if k not in ("gate", "failed", "msg", "verdict", "reason", "blame"))
        recorded = self._recorded(lambda: self.task_result(cluster, module, task, args, move, False, started,
                                                           min(moved, ended), location))
        gate_args = {"checks": (args or {}).get("checks") or []}
        return recorded + self._recorded(lambda: self.task_result(cluster, "gate_check", task, gate_args, gate, failed,
                                                                  min(moved, ended), ended, location))

    def _recorded(self, record_one):
        count = len(self.record["steps"])
        events = record_one()
        return [(step, events) for step in self.record["steps"][count:]]

    def task_result(self, cluster, module, task, args, result, failed, started, ended, location=None):
        """Record one result of a collection module; returns the events it means (see EVENTS below).

        cluster: the host the task ran for; module: the short module name; args: its arguments
        (the invocation's module_args when the callback sees them); result: the module's return;
        started/ended: epoch seconds as the callback saw them.
        """
        kind = STEP_KINDS.get(module)
        if kind is None or result.get("skipped"):
            return []
        args = args or {}
        state = self._cluster(cluster, location)
        duration = result.get("duration")
        if not isinstance(duration, (int, float)):
            duration = round(max(0.0, ended - started), 3) if started is not None else None
        step = {
            "seq": len(self.record["steps"]) + 1,
            "cluster": cluster,
            "kind": kind,
            "module": "progressive.delivery." + module,
            "task": task,
            "app": args.get("app") or state["app"],
            "namespace": args.get("namespace") or state["namespace"],
            "version": result.get("version") or args.get("version") or state["version"],
            "stable_version": result.get("stable_version") or state["stable_version"],
            "started_at": utc_timestamp(started) if started is not None else None,
            "ended_at": utc_timestamp(ended),
            "duration": duration,
            "status": "failed" if failed else ("changed" if result.get("changed") else "ok"),
            "step": result.get("step") if isinstance(result.get("step"), int) else None,
            "split_before": _split(result.get("before")),
            "split_after": _split(result.get("after")),
            "canary_weight": None,
            "phase": result.get("phase"),
            "verdict": None,
            "reason": None,
            "message": result.get("msg") if failed else None,
            "blame": None,
            "checks": [],
            "measurements": [],
        }
        if kind != "gate":
            state["app"] = step["app"]
            state["namespace"] = step["namespace"]
        getattr(self, "_on_" + kind)(state, step, args, result, failed)
        if step["split_after"]:
            step["canary_weight"] = _weight(step["split_after"])
        self.record["steps"].append(step)
        self._remember_app(step)
        return self._events(state, step, failed)

    def _remember_app(self, step):
        # The versions this run releases: a gate or a read in a cluster can be about another version (a
        # promotion gate runs in the next environment, which still runs the old one).
        if not step["app"] or step["kind"] in ("info", "gate"):
            return
        key = (step["app"], step["namespace"], step["version"])
        for app in self.record["apps"]:
            if (app["app"], app["namespace"], app["version"]) == key:
                return
        self.record["apps"].append({"app": step["app"], "namespace": step["namespace"], "version": step["version"]})

    # -- one handler per kind of step -------------------------------------------------------------
    def _on_canary(self, state, step, args, result, failed):
        if args.get("state") == "absent":
            return
        state["version"] = step["version"]
        state["stable_version"] = result.get("stable_version") or state["stable_version"]
        step["stable_version"] = state["stable_version"]
        state["total_replicas"] = result.get("total_replicas") or state["total_replicas"]
        canary = result.get("canary") or {}
        if isinstance(canary, dict) and state["total_replicas"]:
            replicas = canary.get("replicas") or 0
            step["split_after"] = {"stable": state["total_replicas"], "canary": replicas}
            state["split"] = step["split_after"]
        state["phase"] = result.get("phase") or state["phase"]
        state["canary_version"] = step["version"]
        state["exists"] = True
        targets = result.get("targets")
        if isinstance(targets, list) and targets and not result.get("completed_canary_replicas"):
            state["steps_total"] = len(targets)
        if failed:
            state["state"] = "failed"
            self._decide(step, "stop", plain_words.failed_step(step))
        else:
            state["state"] = "in_progress"

    def _on_step(self, state, step, args, result, failed):
        state["version"] = step["version"]
        state["stable_version"] = step["stable_version"] or state["stable_version"]
        state["total_replicas"] = result.get("total_replicas") or state["total_replicas"]
        if step["split_after"]:
            state["split"] = step["split_after"]
            state["canary_weight"] = _weight(step["split_after"])
        state["step"] = step["step"] if step["step"] is not None else state["step"]
        state["phase"] = result.get("phase") or state["phase"]
        if failed:
            state["state"] = "failed"
            self._decide(step, "stop", plain_words.failed_step(step))
        else:
            state["state"] = "in_progress"

    def _on_gate(self, state, step, args, result, failed):
        step["version"] = state["version"] or step["version"]
        step["stable_version"] = state["stable_version"]
        step["step"] = state["step"]
        step["split_after"] = dict(state["split"]) if state["split"] else None
        step["verdict"] = result.get("verdict") or ("fail" if failed else None)
        step["reason"] = result.get("reason")
        step["blame"] = result.get("blame") if result.get("blame") in ("version", "evidence", "lock") else None
        checks_args = dict((c.get("name"), c) for c in (args.get("checks") or []) if isinstance(c, dict))
        for check in result.get("checks") or []:
            step["checks"].append({
                "name": check.get("name"), "provider": check.get("provider"), "phase": check.get("phase"),
                "dry_run": bool(check.get("dry_run")), "message": check.get("message"),
            })
        for measurement in result.get("measurements") or []:
            check_args = checks_args.get(measurement.get("check"), {})
            baseline = _finite(measurement.get("baseline"))
            comparison, number = check_threshold(check_args, baseline)
            requests = smoke_requests(check_args, measurement)
            if requests is not None and number is None:
                # The http provider's own condition: result >= required_pass_ratio (default 1.0).
                options = dict(check_args, **(check_args.get("http") or {}))
                comparison, number = ">=", _finite(options.get("required_pass_ratio")) or 1.0
            step["measurements"].append({
                "check": measurement.get("check"),
                "provider": measurement.get("provider"),
                "metric": metric_kind(check_args, measurement),
                "index": measurement.get("index"),
                "timestamp": measurement.get("timestamp"),
                "phase": measurement.get("phase"),
                "value": _finite(measurement.get("value")),
                "raw_value": measurement.get("value"),
                "baseline": baseline,
                "threshold": number,
                "comparison": comparison,
                "condition": check_args.get("success_condition") or check_args.get("failure_condition"),
                "version": step["version"],
                "baseline_version": step["stable_version"],
                "dry_run": bool(measurement.get("dry_run")),
                "message": measurement.get("message"),
                "requests": requests,
            })
        if step["verdict"]:
            state["last_verdict"] = step["verdict"]
        if failed or step["verdict"] == "fail":
            state["state"] = "failed"  # until a rollback (or a freeze) says what became of it
            self._decide(step, "stop", plain_words.failed_gate(step))
        else:
            self._decide(step, "proceed", plain_words.passed_gate(step))

    def _on_finish(self, state, step, args, result, failed):
        if failed:
            state["state"] = "failed"
            self._decide(step, "stop", plain_words.failed_step(step))
            return
        state["version"] = step["version"]
        state["stable_version"] = result.get("previous_version") or state["stable_version"]
        state["phase"] = result.get("phase") or "Completed"
        state["state"] = "promoted"
        state["canary_version"] = None
        if state["total_replicas"]:
            state["split"] = {"stable": 0, "canary": state["total_replicas"]}
            state["canary_weight"] = 100
        self._decide(step, "promote", "%s %s is now the stable version in %s"
                     % (step["app"], step["version"], step["cluster"]))

    def _on_rollback(self, state, step, args, result, failed):
        state["rejected_versions"] = result.get("rejected_versions") or state["rejected_versions"]
        if failed:
            state["state"] = "failed"
            self._decide(step, "stop", plain_words.failed_step(step))
            return
        if not result.get("changed"):
            return  # nothing was split: a no-op rollback changes no state
        state["version"] = step["version"]
        state["stable_version"] = result.get("stable_version") or state["stable_version"]
        state["state"] = "rolled_back"
        state["canary_version"] = None
        state["phase"] = "RolledBack"
        if state["total_replicas"] or result.get("total_replicas"):
            state["total_replicas"] = result.get("total_replicas") or state["total_replicas"]
            state["split"] = {"stable": state["total_replicas"], "canary": 0}
            state["canary_weight"] = 0
        cause = self._cause(step["cluster"])
        plain = plain_words.rollback(step, cause, args.get("reason"))
        state["rollback_reason"] = plain
        step["reason"] = plain
        self.record["rollbacks"].append({
            "cluster": step["cluster"], "app": step["app"], "version": step["version"],
            "stable_version": state["stable_version"], "at": step["ended_at"], "reason": plain,
            "requested_reason": args.get("reason"), "cause_step": cause["seq"] if cause else None,
            "stable_ready_after": result.get("stable_ready_after"), "duration": step["duration"],
            "rejected": step["version"] in (state["rejected_versions"] or {}),
        })
        self._decide(step, "rollback", plain)

    def _on_info(self, state, step, args, result, failed):
        if failed:
            return
        stable = result.get("stable") or {}
        canary = result.get("canary")
        state["rejected_versions"] = result.get("rejected_versions") or state["rejected_versions"]
        step["version"] = (canary or stable or {}).get("version") or step["version"]
        step["phase"] = result.get("phase")
        if state["state"] == "untouched" and not canary and stable:
            # What runs there now; finish() calls it verified if that is the version this run released.
            state["version"] = stable.get("version")
            state["phase"] = result.get("phase")
            state["total_replicas"] = stable.get("replicas")

    def mark_frozen(self, cluster, note, ended):
        """The canary_release role froze the split instead of rolling back (progressive.delivery.release_freeze)."""
        state = self._cluster(cluster, None)
        state["state"] = "frozen"
        state["rollback_reason"] = None
        self.record["decisions"].append({
            "at": utc_timestamp(ended), "cluster": cluster, "step_seq": len(self.record["steps"]) or None,
            "decision": "freeze", "version": state["version"],
            "reason": "Version %s held at its current split in %s: %s" % (state["version"], cluster, note),
        })
        return ["frozen"]

    # -- derived --------------------------------------------------------------------------------
    def _cause(self, cluster):
        """The failed step that led to a rollback in this cluster (the last failed one before it)."""
        for step in reversed(self.record["steps"]):
            if step["cluster"] != cluster:
                continue
            if step["kind"] == "rollback":
                return None
            if step["status"] == "failed" or step["verdict"] == "fail":
                return step
        return None

    def _decide(self, step, decision, reason):
        self.record["decisions"].append({
            "at": step["ended_at"], "cluster": step["cluster"], "step_seq": step["seq"], "decision": decision,
            "version": step["version"], "reason": reason,
        })

    def _events(self, state, step, failed):
        events = []
        if step["kind"] == "canary" and not failed and step["status"] == "changed":
            events.append("canary")
        if step["kind"] == "rollback" and state["state"] == "rolled_back" and step["status"] == "changed":
            events.append("rollback")
        if step["kind"] == "finish" and state["state"] == "promoted" and step["status"] == "changed":
            events.append("promoted")
        return events

    def outcome(self):
        states = [c["state"] for c in self.record["clusters"].values()]
        if "rolled_back" in states:
            return "rolled_back"
        if "failed" in states:
            return "failed"
        if "frozen" in states:
            return "frozen"
        if "in_progress" in states:
            return "incomplete"
        if "promoted" in states or "verified" in states:
            return "succeeded"
        return "nothing_done"

    def released(self):
        """Whether the run moved anything (a status or preflight-only run did not)."""
        return any(step["kind"] != "info" for step in self.record["steps"])

    def finish(self, ended, stats=None):
        # A cluster only read, already running a version this run released: a resumed run verified it.
        versions = set(app["version"] for app in self.record["apps"])
        for cluster in self.record["clusters"].values():
            if cluster["state"] == "untouched" and cluster["version"] in versions:
                cluster["state"] = "verified"
        run = self.record["run"]
        run["finished_at"] = utc_timestamp(ended)
        if self._started is not None:
            run["duration"] = round(ended - self._started, 3)
        run["stats"] = stats
        if stats and any(s.get("failures") or s.get("unreachable") for s in stats.values()) \
                and self.outcome() in ("succeeded", "incomplete", "nothing_done"):
            # A failure outside the collection's modules (a preflight assert, a play error).
            run["outcome"] = "failed"
        else:
            run["outcome"] = self.outcome()
        run["summary"] = plain_words.summary(self.record)
        return self.record
