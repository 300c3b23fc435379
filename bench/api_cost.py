#!/usr/bin/env python
"""API cost of a release step: requests per step per cluster, counted by fleetsim (target <= 10).

A step is what the canary_release role does per step: ``scale_step`` (move one pod from the stable
to the canary, capacity first, and wait for Ready) followed by the pod-health gate
(``gate_check`` with the kubernetes provider, the role's gate count). The metric half of the gate
queries Prometheus, not the cluster, so it costs no API requests and is left out. Each module runs
as Ansible runs it (a fresh interpreter per task: client set-up and discovery included).
fleetsim's admin endpoint ``GET /admin/requests`` is read before and after every task.

Also reported: the canary creation, the finish and the whole release per cluster.

    .venv/bin/python bench/api_cost.py [--clusters 3] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import harness

TARGET = 10.0
SETTLE_S = 2.5


def diff(after: dict, before: dict) -> dict:
    keys = set(after["by_verb_resource"]) | set(before["by_verb_resource"])
    changes = {k: after["by_verb_resource"].get(k, 0) - before["by_verb_resource"].get(k, 0) for k in keys}
    return {"total": after["total"] - before["total"], "by_verb_resource": {k: v for k, v in sorted(changes.items()) if v}}


def release_one(fleet: harness.Fleet, name: str) -> dict:
    auth = {"kubeconfig": fleet.kubeconfig, "context": fleet.cluster(name)["context"]}
    common = dict(auth, namespace=harness.NAMESPACE, app=harness.APP, version="2")

    def counted(module, args):
        before = fleet.request_counts([name])[name]
        result, seconds = harness.run_module(module, args)
        if result.get("failed"):
            raise RuntimeError(f"{module} failed in {name}: {result.get('msg')}")
        # fleetsim counts a watch when it ends; the server notices a client that went away within
        # its disconnect check (2 s), so wait that long or the watch lands on the next task's count.
        time.sleep(SETTLE_S)
        return diff(fleet.request_counts([name])[name], before), seconds

    canary, _ = counted("canary", dict(common, image="registry.example.com/web:2", wait_timeout=120))
    steps = []
    for target in range(1, harness.N + 1):
        moved, move_s = counted("scale_step", dict(common, canary_replicas=target, wait_timeout=120))
        gated, gate_s = counted("gate_check", dict(auth, fail_on_inconclusive=True, checks=[{
            "name": "pods-web-2", "provider": "kubernetes", "namespace": harness.NAMESPACE,
            "deployment": "web-2", "max_restarts": 0, "max_not_ready": 0, "warning_events": False,
            "interval": "%gs" % harness.WAITS["gate_interval_s"], "count": harness.WAITS["gate_count"],
            "initial_delay": "%gs" % harness.WAITS["gate_initial_delay_s"], "inconclusive_limit": 1}]))
        steps.append({"canary_replicas": target, "requests": moved["total"] + gated["total"],
                      "scale_step": moved, "gate_check": gated,
                      "seconds": round(move_s + gate_s, 2)})
    finish, _ = counted("release_finish", common)
    return {"cluster": name, "canary": canary, "steps": steps, "finish": finish,
            "release_total": canary["total"] + sum(s["requests"] for s in steps) + finish["total"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=2, help="clusters released one after another")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    options = parser.parse_args()

    regions = ["us-east1", "europe-west1", "asia-east1", "us-west1", "europe-west2"][:options.clusters]
    with harness.Fleet(harness.fleet_yaml({"bench": (["dev"], regions)}), name="api-cost") as fleet:
        names = [c["name"] for c in fleet.members()]
        harness.deploy_stable(fleet, names)
        releases = [release_one(fleet, name) for name in names]

    per_step = [s["requests"] for r in releases for s in r["steps"]]
    mean = statistics.mean(per_step)
    # The costliest step's breakdown, for the summary.
    worst = max((s for r in releases for s in r["steps"]), key=lambda s: s["requests"])
    result = {
        "requests_per_step_per_cluster": {"mean": round(mean, 2), "max": max(per_step), "min": min(per_step)},
        "ratio": round(mean / TARGET, 3), "target": TARGET, "within_target": mean <= TARGET,
        "canary_requests_mean": statistics.mean(r["canary"]["total"] for r in releases),
        "finish_requests_mean": statistics.mean(r["finish"]["total"] for r in releases),
        "release_requests_mean": statistics.mean(r["release_total"] for r in releases),
        "worst_step": worst, "clusters": releases, "gate_count": harness.WAITS["gate_count"],
    }
    harness.write_result("api_cost", result)
    if options.json:
        print(json.dumps({k: v for k, v in result.items() if k not in ("clusters", "worst_step")}))
    else:
        print("API cost per release step (scale_step + pod-health gate), %d clusters x %d steps"
              % (len(releases), harness.N))
        print("  requests per step per cluster: mean %.1f, min %d, max %d   target <= %g -> %s"
              % (mean, min(per_step), max(per_step), TARGET, harness.verdict(mean, TARGET)))
        print("  canary creation %.0f, finish %.0f, whole release %.0f requests per cluster"
              % (result["canary_requests_mean"], result["finish_requests_mean"], result["release_requests_mean"]))
        print("  costliest step: %s" % json.dumps(worst["scale_step"]["by_verb_resource"]))
        print("              gate: %s" % json.dumps(worst["gate_check"]["by_verb_resource"]))
    return 1 if options.check and mean > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
