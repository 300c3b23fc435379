# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout plan: what playbooks/rollout.yml will do in every cluster, and how long it will take.

From what plan_read found in each cluster, decided as the roles decide at run time: an environment that
already runs the version healthy everywhere is verified and skipped (fleet_state.first_pending); in the
others, a cluster that runs it is skipped, one with the version's release in progress resumes from its
last completed step, the rest release from scratch; a cluster that the release's preflight would refuse
(unreadable, rejected, frozen, locked, missing permissions, no stable) is refused with the reason, and a
version rejected anywhere in the set refuses the whole set. Durations come from rollout_estimate.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import fleet_state, schedule
from ansible_collections.progressive.delivery.plugins.module_utils.release import rollout_estimate as est

SCHEMA_VERSION = 1
KIND = "progressive.delivery/rollout-plan"


class Settings(object):
    """What the plan needs besides the clusters: the version, steps, waits, waves and the stated defaults."""

    def __init__(self, version, waits, steps, waves, pod_ready_default, task_seconds=None, force=False,
                 config_clusters=None, sets_in_parallel=False):
        self.version, self.waits, self.steps, self.waves = str(version), waits, steps, waves
        self.pod_ready_default, self.task_seconds, self.force = float(pod_ready_default), task_seconds, force
        self.config_clusters = config_clusters or {}
        self.sets_in_parallel = sets_in_parallel

    def module_s(self, parallel=1):
        return est.module_task_seconds(parallel, self.task_seconds)


def decide(read, settings):
    """(action, reason) of one cluster: skip, resume, release or refused."""
    state, dry = read["state"], read["dry_run"] or {}
    version = settings.version
    if not state.get("ok"):
        return "refused", "cannot be read: %s" % state["msg"]
    if fleet_state.verified(state):
        return "skip", "already runs %s with every pod Ready" % version
    if state["promoted"]:
        return "refused", "runs %s but only %s pods are Ready; the verify after the release would fail" % (
            version, state["ready"])
    if state["rejected"] is not None and not settings.force:
        return "refused", "%s was rejected here (%s)" % (version, state["rejected"])
    if not dry.get("ok"):
        return "refused", dry.get("msg") or "the release's preflight refuses it"
    if state["canary"] == version:
        return "resume", "the release of %s is in progress here (phase %s, split %s)" % (
            version, state["phase"], state["split"])
    return "release", "runs %s; releases %s from scratch" % (state["version"] or "nothing", version)


def _now(state):
    if not state.get("ok"):
        return {"readable": False, "error": state["msg"]}
    lock = state.get("lock") or {}
    frozen = state.get("frozen") or None
    return {"readable": True, "stable": state["version"], "canary": state["canary"], "phase": state["phase"],
            "split": state["split"], "ready": state["ready"], "rejected": state["rejected"],
            "frozen": (frozen.get("reason") or "frozen") if isinstance(frozen, dict) else (frozen or None),
            "lock": lock.get("owner")}


def _pod_ready(read, settings):
    found = read["pod_ready"]
    if found is None:
        return {"seconds": settings.pod_ready_default, "source": "default"}
    return {"seconds": round(found["seconds"], 1), "source": "ReplicaSet %s (%d pods)" % (found["replicaset"], found["pods"])}


def _resume_from(read, settings, targets):
    total = (read["dry_run"] or {}).get("total_replicas")
    if not total:
        return None
    planned = schedule.targets(int(total), settings.steps["strategy"], settings.steps["step_size"], settings.steps["weights"])
    return len(planned) - len(targets) + 1


def cluster_plan(name, read, settings, parallel, asks_metric_preflight=True):
    """One cluster's entry: what is there now, what the rollout does there, its steps and seconds."""
    action, reason = decide(read, settings)
    pod_ready = _pod_ready(read, settings)
    module_s = settings.module_s(parallel)
    steps, resume_from = [], None
    if action in ("release", "resume"):
        targets = list(read["dry_run"].get("targets") or [])
        split = (read["state"].get("split") or "0/1").split("/")
        canary_now = int(split[1]) if action == "resume" else 1
        steps = est.step_estimates(targets, canary_now, pod_ready["seconds"], settings.waits, module_s)
        if action == "resume":
            resume_from = _resume_from(read, settings, targets)
    seconds = est.cluster_seconds(action, pod_ready["seconds"], settings.waits, module_s, steps, asks_metric_preflight)
    return {"cluster": name, "now": _now(read["state"]), "action": action, "reason": reason,
            "resume_from_step": resume_from, "total_replicas": (read["dry_run"] or {}).get("total_replicas"),
            "pod_ready": pod_ready, "steps": steps, "seconds": round(seconds, 1)}
