#!/usr/bin/env python
"""Rollback latency: from the failing verdict to the stable back at N Ready, divided by the pod
ready delay (target <= 1.1).

In each cluster: version 1 at N = 4 pods; version 2 answers every request with 500
(``fleetsim.io/error-rate: 1``); its canary is created and moved to 2 of 4 pods (stable at 2); a
smoke gate (``gate_check``, http provider, through the cluster's front) fails. The clock starts
when that gate process returns its ``fail`` verdict (the moment Ansible would enter the rescue),
``release_rollback`` runs at once (a fresh module process, as Ansible runs it), and the clock
stops when a watcher polling the stable Deployment every 20 ms sees N Ready replicas (it does not
wait for the module's own exit, which also removes the canary afterwards).

The floor is one pod ready delay: the rollback scales the stable back to N in one go, and the new
pods need that long to become Ready.

    .venv/bin/python bench/rollback_latency.py [--clusters 3] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time

import harness

TARGET = 1.1


class StableWatcher(threading.Thread):
    """Polls the stable Deployment until N replicas are Ready; records when."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.ready_at: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            stable = self.client.get("apps/v1", "Deployment", harness.NAMESPACE, harness.APP) or {}
            status = stable.get("status") or {}
            if (stable.get("spec") or {}).get("replicas") == harness.N and status.get("readyReplicas") == harness.N \
                    and status.get("updatedReplicas", harness.N) == harness.N:
                self.ready_at = time.monotonic()
                return
            time.sleep(0.02)


def rollback_once(fleet: harness.Fleet, name: str) -> dict:
    cluster = fleet.cluster(name)
    auth = {"kubeconfig": fleet.kubeconfig, "context": cluster["context"]}
    common = dict(auth, namespace=harness.NAMESPACE, app=harness.APP, version="2")
    canary, _ = harness.run_module("canary", dict(common, image="registry.example.com/web:2", wait_timeout=120,
                                                  template_overrides={"metadata": {"annotations": {
                                                      "fleetsim.io/error-rate": "1"}}}))
    if canary.get("failed"):
        raise RuntimeError(f"canary failed in {name}: {canary.get('msg')}")
    moved, _ = harness.run_module("scale_step", dict(common, canary_replicas=harness.N // 2, wait_timeout=120))
    if moved.get("failed"):
        raise RuntimeError(f"scale_step failed in {name}: {moved.get('msg')}")
    gate, gate_s = harness.run_module("gate_check", {"fail_on_inconclusive": True, "checks": [{
        "name": "smoke-web-2", "provider": "http", "requests": 3, "required_pass_ratio": 1.0,
        "url": f"{cluster['front_url']}/{harness.NAMESPACE}/{canary['service_name']}/", "status_codes": [200],
        "request_timeout": 10}]})
    verdict_at = time.monotonic()
    if gate.get("verdict") != "fail":
        raise RuntimeError(f"the smoke gate did not fail in {name}: {gate.get('verdict')} {gate.get('msg')}")
    watcher = StableWatcher(harness.get_client(auth))
    watcher.start()
    rolled, module_s = harness.run_module("release_rollback", dict(common, reason="bench: smoke gate failed",
                                                                   wait_timeout=120))
    watcher.join(120)
    watcher.stop.set()
    if rolled.get("failed") or watcher.ready_at is None:
        raise RuntimeError(f"rollback failed in {name}: {rolled.get('msg')}")
    latency = watcher.ready_at - verdict_at
    return {"cluster": name, "latency_s": round(latency, 3),
            "ratio": round(latency / harness.WAITS["pod_ready_delay_s"], 3),
            "rollback_module_s": round(module_s, 3), "gate_s": round(gate_s, 3)}


def startup_cost() -> float:
    """A module process that does nothing but start and fail its argument check: Python start-up
    and imports, the part of the latency Ansible's module runner pays before any API request."""
    started = time.monotonic()
    harness.run_module("release_rollback", {})
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=3, help="rollbacks, one per cluster")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    options = parser.parse_args()

    regions = ["us-east1", "europe-west1", "asia-east1", "us-west1", "europe-west2"][:options.clusters]
    with harness.Fleet(harness.fleet_yaml({"bench": (["dev"], regions)}), name="rollback") as fleet:
        names = [c["name"] for c in fleet.members()]
        harness.deploy_stable(fleet, names)
        runs = [rollback_once(fleet, name) for name in names]
    startup = [startup_cost() for _ in range(3)]

    latency = statistics.median(r["latency_s"] for r in runs)
    ratio = latency / harness.WAITS["pod_ready_delay_s"]
    result = {"ratio": round(ratio, 3), "target": TARGET, "within_target": ratio <= TARGET,
              "latency_s_median": round(latency, 3), "floor_s": harness.WAITS["pod_ready_delay_s"],
              "overhead_s": round(latency - harness.WAITS["pod_ready_delay_s"], 3),
              "module_startup_s_median": round(statistics.median(startup), 3), "runs": runs}
    harness.write_result("rollback_latency", result)
    if options.json:
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    else:
        print("Rollback latency, failing verdict -> stable at N=%d Ready (%d rollbacks)" % (harness.N, len(runs)))
        print("  latency: median %.2f s (runs %s); pod ready delay %.1f s"
              % (latency, ", ".join("%.2f" % r["latency_s"] for r in runs), harness.WAITS["pod_ready_delay_s"]))
        print("  ratio %.2f   target <= %.1f -> %s   (module process start-up alone: %.2f s)"
              % (ratio, TARGET, harness.verdict(ratio, TARGET), result["module_startup_s_median"]))
    return 1 if options.check and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
