"""playbooks/platform_upgrade.yml with a StatefulSet component (a quorum store in kube-system) on the
simulated fleet: upgraded pod by pod from the highest ordinal and gated like DaemonSets and
Deployments; a version that crash-loops is rolled back and every pod runs the previous version again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FLEET = {"environment_sets": {"data": {"environments": ["dev"], "regions": ["r1"]}}}
CLUSTER = "data-dev-r1"
STORE = {
    "apiVersion": "apps/v1", "kind": "StatefulSet",
    "metadata": {"name": "quorum", "namespace": "kube-system", "labels": {"app": "quorum"}},
    "spec": {"serviceName": "quorum", "replicas": 3, "selector": {"matchLabels": {"app": "quorum"}},
             "template": {"metadata": {"labels": {"app": "quorum"},
                                       "annotations": "{{ quorum_annotations | default({}) }}"},
                          "spec": {"containers": [{"name": "quorum",
                                                   "image": "registry.example.com/quorum:{{ platform_upgrade_version }}"}]}}},
}


@pytest.fixture
def fleet(fleetsim_fleet):
    return fleetsim_fleet(FLEET, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="200ms")


def upgrade(fleet, tmp_path, version, extra=None):
    (tmp_path / "fleet-file.yml").write_text(yaml.safe_dump(FLEET))
    inventory = tmp_path / "platform.fleet.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "progressive.delivery.fleet",
                                         "fleet_file": str(tmp_path / "fleet-file.yml"),
                                         "fleetsim_state_dir": str(fleet.state_dir)}))
    extravars = {"platform_upgrade_name": "quorum", "platform_upgrade_version": version,
                 "platform_upgrade_manifests": [STORE], "platform_upgrade_sets": ["data"],
                 "platform_upgrade_rollout_timeout": 20, "platform_upgrade_poll_interval": 1,
                 "platform_upgrade_prometheus_url": "", **(extra or {})}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".venv" / "collections"),
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
                           str(REPO / "playbooks" / "platform_upgrade.yml"), "-e", json.dumps(extravars)],
                          capture_output=True, text=True, env=env, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def state(fleet):
    cluster = fleet.runtime.clusters[CLUSTER]

    def read():
        sts = cluster.store.get("statefulsets.apps", "kube-system", "quorum")
        pods = {p["metadata"]["name"]: p for p in cluster.store.items("pods", "kube-system")
                if p["metadata"]["name"].startswith("quorum-") and not p["metadata"].get("deletionTimestamp")}
        images = {n: p["spec"]["containers"][0]["image"].rsplit(":", 1)[1] for n, p in pods.items()}
        ready = sorted(n for n, p in pods.items() if any(c["type"] == "Ready" and c["status"] == "True"
                                                         for c in (p.get("status") or {}).get("conditions") or []))
        record = cluster.store.get("configmaps", "kube-system", "platform-upgrade-quorum")
        return images, ready, ((record or {}).get("data") or {}).get("phase"), (sts or {}).get("status")
    return fleet.call(read)


def test_statefulset_component_upgraded_then_a_bad_version_rolled_back(fleet, tmp_path):
    rc, out = upgrade(fleet, tmp_path, "2")
    assert rc == 0, out[-3000:]
    images, ready, phase, status = state(fleet)
    assert images == {"quorum-0": "2", "quorum-1": "2", "quorum-2": "2"} and len(ready) == 3
    assert phase == "Upgraded" and status["currentRevision"] == status["updateRevision"]

    rc, out = upgrade(fleet, tmp_path, "3", {"quorum_annotations": {"fleetsim.io/crash-loop": "true"}})
    assert rc != 0
    assert "quorum 3 rolled back on data-dev-r1" in out
    assert "quorum-2 quorum CrashLoopBackOff" in out or "quorum-2 quorum not Ready" in out
    images, ready, phase, status = state(fleet)
    # Only the highest ordinal had been replaced (the others wait for it); all run version 2 again.
    assert images == {"quorum-0": "2", "quorum-1": "2", "quorum-2": "2"}
    assert ready == ["quorum-0", "quorum-1", "quorum-2"] and phase == "RolledBack"
