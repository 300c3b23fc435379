"""The modules' EXAMPLES run: every example of the five release modules, as one playbook on fleetsim.

The examples are taken from the modules' own documentation (what ansible-doc shows), ordered as an
operator would run them, and run by ansible-playbook with the connection from K8S_AUTH_* variables.
"""

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out
from ansible_collections.progressive.delivery.plugins.modules import (
    canary,
    release_finish,
    release_info,
    release_rollback,
    scale_step,
)
from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher
from ansible_collections.progressive.delivery.tests.support.release_fleet import ANSIBLE, ReleaseFleet, app_service

CLUSTER = "app-dev-us-east1"
N = 4


def examples(module):
    return yaml.safe_load(module.EXAMPLES)


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s", namespaces=["default", "shop"])
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    stable = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "version": "1.9.3"}},
        "spec": {"replicas": N, "selector": {"matchLabels": {"app": "web", "version": "1.9.3"}},
                 "template": {"metadata": {"labels": {"app": "web", "version": "1.9.3"}},
                              "spec": {"containers": [
                                  {"name": "web", "image": "registry.example.com/web:1.9.3",
                                   "ports": [{"containerPort": 8080}]},
                                  {"name": "sidecar", "image": "registry.example.com/proxy:1.8"}]}}},
    }
    release_fleet.client.create(stable)
    svc = app_service()
    svc["metadata"]["namespace"] = "shop"
    release_fleet.client.create(svc)
    web = release_fleet.client.get("apps/v1", "Deployment", "shop", "web")
    wait_rolled_out(release_fleet.client, timeout=60, sleep=1, deployment=web)
    return release_fleet


def test_every_example_runs(rf, tmp_path):
    info_examples = examples(release_info)
    tasks = (info_examples  # nothing in progress: the assert example passes
             + examples(canary)[:1] + examples(scale_step) + examples(release_finish)[:1]
             + examples(canary)[1:2] + examples(release_rollback) + examples(canary)[2:]
             + examples(release_finish)[1:] + info_examples[:1])
    for task in tasks:
        for key, module_args in task.items():
            if key != "progressive.delivery.release_info" and isinstance(module_args, dict) and "namespace" in module_args:
                module_args["wait_timeout"] = 120
                # The gated example's Prometheus does not exist here, so its checks only wait out their delays
                # (30 s, then 3 x 30 s): shortened, they run the same way.
                for check in module_args.get("checks") or []:
                    check.update({"initial_delay": "1s", "interval": "1s"})
    playbook = [{"name": "Release module examples", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    path = tmp_path / "examples.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False))
    with CapacityWatcher.in_process(rf.fleet, CLUSTER, "shop", "web", floor=N) as watcher:
        proc = subprocess.run([os.path.join(os.path.dirname(ANSIBLE), "ansible-playbook"), str(path)],
                              env=rf.env, cwd=str(tmp_path), capture_output=True, text=True, timeout=900, check=False)
    doc = json.loads(proc.stdout)
    stats = doc["stats"]["localhost"]
    failed = [(t["task"]["name"], t["hosts"]["localhost"].get("msg")) for t in doc["plays"][0]["tasks"]
              if t["hosts"]["localhost"].get("failed")]
    assert stats["failures"] == 0 and not failed, failed
    assert stats["ok"] >= len(tasks)
    # After the examples: 2.0.0 finished, 2.1.0 rolled back and rejected.
    view = rf.client.get("apps/v1", "Deployment", "shop", "web-2-0-0")
    assert view["spec"]["replicas"] == N
    record = rf.client.get("v1", "ConfigMap", "shop", "web-release")
    assert "2.1.0" in json.loads(record["data"]["rejected-versions"])
    assert watcher.report.violations == [], watcher.report.describe()
