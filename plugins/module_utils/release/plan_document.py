# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan document: environment sets -> environments (promotion order) -> waves -> clusters, each with its
decision (rollout_plan) and estimated seconds, the refusals, the totals and the critical path.

docs/schemas/rollout-plan.schema.json describes it. The environments of a set run one after the other (a
promotion gate before each after the first); the clusters of a wave at the same time, so a wave lasts as
long as its slowest cluster, which is on the critical path.
"""

from __future__ import annotations

import datetime

from ansible_collections.progressive.delivery.plugins.module_utils.release import fleet_state, rollout_plan
from ansible_collections.progressive.delivery.plugins.module_utils.release import rollout_estimate as est


def _waves(clusters, reads, settings):
    out, start = [], 0
    # The metric preflight question is asked by the environment's first cluster that releases (one Prometheus).
    releasing = [c for c in clusters if rollout_plan.decide(reads[c], settings)[0] in ("release", "resume")]
    for index, size in enumerate(est.batches(settings.waves, len(clusters)), 1):
        members = clusters[start:start + size]
        start += size
        entries = [rollout_plan.cluster_plan(c, reads[c], settings, len(members), c in releasing[:1]) for c in members]
        slowest = max(entries, key=lambda e: e["seconds"])
        out.append({"wave": index, "clusters": entries, "slowest": slowest["cluster"], "seconds": slowest["seconds"]})
    return out


def _soak_wait(previous, states, settings, elapsed):
    """Soak still to wait at the promotion gate; `previous` None means released earlier in this run."""
    soak = settings.waits["soak_seconds"]
    if previous is None:
        return max(soak - elapsed, 0.0)
    decision = fleet_state.promotion(dict((c, states[c]) for c in previous), settings.version,
                                     settings.waits["require"], soak)
    return max(decision["wait_seconds"] - elapsed, 0.0)


def _gate(position, previous_done, environments, group, states, settings, elapsed):
    if position == 0:
        return None
    names = list(environments)
    previous = environments[names[position - 1]] if previous_done else None
    module_s = settings.module_s()
    # From the previous environment's completion to this gate: its verify, MCS B removed, the gate's first read.
    after_finish = est.tasks_seconds("verify", module_s) + module_s + est.tasks_seconds("gate_read", module_s)
    wait = _soak_wait(previous, states, settings, elapsed if previous_done else after_finish)
    return {"from": names[position - 1], "soak_seconds": settings.waits["soak_seconds"], "wait_seconds": round(wait, 1),
            "approval": settings.waits["approval"], "metric_check": settings.waits["promotion_metric"],
            "seconds": round(est.promotion_seconds(wait, settings.waits, module_s), 1)}


def environment_plan(group, clusters, reads, settings, gate):
    """One environment released in this run: its promotion gate, waves and the verify after them."""
    waves = _waves(clusters, reads, settings)
    module_s = settings.module_s()
    seconds = est.tasks_seconds("environment", module_s)
    if settings.config_clusters.get(group):
        seconds += est.tasks_seconds("config_cluster", module_s)
    seconds += sum(w["seconds"] for w in waves) + est.tasks_seconds("verify", settings.module_s(len(clusters)))
    if not settings.waits["finish"]:
        seconds += settings.module_s(len(clusters))  # every cluster finished together (rollback_scope all)
    seconds += gate["seconds"] if gate else 0.0
    return {"group": group, "action": "release", "promotion_gate": gate, "config_cluster": settings.config_clusters.get(group),
            "waves": waves, "seconds": round(seconds, 1)}


def _refusals(set_name, environments, envs, states, settings):
    out = [{"set": set_name, "environment": e["group"], "cluster": c["cluster"], "reason": c["reason"]}
           for e in envs for w in e["waves"] for c in w["clusters"] if c["action"] == "refused"]
    rejected = [c for clusters in environments.values() for c in clusters
                if states[c].get("ok") and states[c]["rejected"] is not None]
    if rejected and not settings.force:
        out.insert(0, {"set": set_name, "environment": None, "cluster": ", ".join(rejected),
                       "reason": "%s was rejected in %s; the whole set is refused before anything moves (force overrides)"
                       % (settings.version, ", ".join(rejected))})
    return out


def set_plan(set_name, environments, reads, settings):
    """One environment set ({group: [clusters in wave order]} in promotion order) as rollout.yml runs it."""
    states = dict((c, reads[c]["state"]) for clusters in environments.values() for c in clusters)
    first = fleet_state.first_pending(environments, states)
    module_s = settings.module_s()
    elapsed = est.RUN_START_S * module_s / est.MODULE_TASK_S + est.tasks_seconds("run", module_s)
    envs = []
    for position, (group, clusters) in enumerate(environments.items()):
        if position < first:
            envs.append({"group": group, "action": "verified", "promotion_gate": None, "config_cluster":
                         settings.config_clusters.get(group), "waves": [], "seconds": 0.0})
            continue
        gate = _gate(position, position == first, environments, group, states, settings, elapsed)
        envs.append(environment_plan(group, clusters, reads, settings, gate))
        elapsed += envs[-1]["seconds"]
    refusals = _refusals(set_name, environments, envs, states, settings)
    return {"set": set_name, "environments": envs, "refusals": refusals, "refused": bool(refusals),
            "first_pending": first, "seconds": round(elapsed, 1), "critical_path": critical_path(set_name, envs)}


def critical_path(set_name, envs):
    """What the set's duration is made of, in order: each promotion gate and each wave's slowest cluster."""
    path = []
    for env in envs:
        if env["promotion_gate"]:
            path.append({"what": "promotion gate %s -> %s" % (env["promotion_gate"]["from"], env["group"]),
                         "set": set_name, "environment": env["group"], "seconds": env["promotion_gate"]["seconds"]})
        for wave in env["waves"]:
            path.append({"what": "%s wave %d: %s" % (env["group"], wave["wave"], wave["slowest"]), "set": set_name,
                         "environment": env["group"], "cluster": wave["slowest"], "seconds": wave["seconds"]})
    return path


def document(app, namespace, sets, reads, settings, now=None):
    """The whole plan (docs/schemas/rollout-plan.schema.json)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    planned = [set_plan(name, envs, reads, settings) for name, envs in sets.items()]
    seconds = [s["seconds"] for s in planned] or [0.0]
    total = max(seconds) if settings.sets_in_parallel else sum(seconds)
    if settings.sets_in_parallel:
        path = max(planned, key=lambda s: s["seconds"])["critical_path"] if planned else []
    else:
        path = [step for s in planned for step in s["critical_path"]]
    return {
        "schema_version": rollout_plan.SCHEMA_VERSION, "kind": rollout_plan.KIND,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "app": app, "namespace": namespace, "version": settings.version,
        "sets": planned, "refused": any(s["refused"] for s in planned),
        "refusals": [r for s in planned for r in s["refusals"]],
        "estimate_seconds": round(total, 1), "sets_in_parallel": settings.sets_in_parallel,
        "critical_path": path,
        "assumptions": {
            "pod_ready_default_seconds": settings.pod_ready_default,
            "module_task_seconds": settings.module_s(), "parallel_module_task_seconds": est.PARALLEL_MODULE_TASK_S,
            "controller_task_seconds": est.CONTROLLER_TASK_S, "run_start_seconds": est.RUN_START_S,
            "gate_seconds": est.gate_seconds(settings.waits), "waves": [str(w) for w in settings.waves],
            "approvals_counted": False,
        },
    }
