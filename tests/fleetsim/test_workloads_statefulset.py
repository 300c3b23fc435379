"""StatefulSet controller against the real one's behaviour: ordered creation (each pod after the
previous is Ready), ordered scale-down (highest ordinal first), partitioned RollingUpdate (highest
ordinal first, one at a time, pods below the partition untouched), OnDelete, the status fields, and
`kubectl rollout status` / kubernetes.core's wait on them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STS = """\
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "example/db:1.0"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


def record_pod_events(k):
    """(event, pod name) for every pod creation and deletion start, in commit order."""
    seen: list[tuple[str, str]] = []

    def on(event_type, rt, obj, old):
        if rt != "pods" or obj["metadata"].get("namespace") != "shop":
            return
        name = obj["metadata"]["name"]
        if event_type == "ADDED":
            seen.append(("create", name))
        elif obj["metadata"].get("deletionTimestamp") and not (old or {}).get("metadata", {}).get(
                "deletionTimestamp"):
            seen.append(("delete", name))
        elif event_type == "DELETED" and not (old or {}).get("metadata", {}).get("deletionTimestamp"):
            seen.append(("delete", name))
        cond = next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"), None)
        old_cond = next((c for c in ((old or {}).get("status") or {}).get("conditions") or []
                         if c["type"] == "Ready"), None)
        if cond and cond["status"] == "True" and (old_cond or {}).get("status") != "True":
            seen.append(("ready", name))
    k.call(lambda: k.cluster.api.subscribe(on))
    return seen


def sts(k):
    return k.cluster.store.get("statefulsets.apps", "shop", "db")


def test_ordered_creation_status_and_rollout_status(fleet_kubectl):
    k = fleet_kubectl
    seen = record_pod_events(k)
    k.apply(STS)
    out = k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120).stdout
    assert out.rstrip().endswith("partitioned roll out complete: 3 new pods have been updated...")
    order = [e for e in seen if e[0] in ("create", "ready")]
    assert order == [("create", "db-0"), ("ready", "db-0"), ("create", "db-1"), ("ready", "db-1"),
                     ("create", "db-2"), ("ready", "db-2")]
    status = sts(k)["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["updateRevision"].startswith("db-")
    assert {key: status[key] for key in ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas",
                                         "availableReplicas", "collisionCount", "observedGeneration")} == {
        "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
        "collisionCount": 0, "observedGeneration": 1}
    pod = k.cluster.store.get("pods", "shop", "db-1")
    assert pod["spec"]["hostname"] == "db-1" and pod["spec"]["subdomain"] == "db"
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "db-1"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
    assert pod["metadata"]["labels"]["controller-revision-hash"] == status["currentRevision"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}} in pod["spec"]["volumes"]
    claims = k("-n", "shop", "get", "pvc", "-o", "name").stdout.split()
    assert claims == ["persistentvolumeclaim/data-db-0", "persistentvolumeclaim/data-db-1",
                      "persistentvolumeclaim/data-db-2"]


def test_partitioned_rolling_update_then_full_update_highest_ordinal_first(fleet_kubectl):
    k = fleet_kubectl
    k.apply(STS)
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    first_rev = sts(k)["status"]["currentRevision"]
    seen = record_pod_events(k)
    k("-n", "shop", "patch", "statefulset", "db", "-p",
      '{"spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}}}}')
    k("-n", "shop", "set", "image", "statefulset/db", "db=example/db:2.0")
    out = k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120).stdout
    assert out.rstrip().endswith("partitioned roll out complete: 1 new pods have been updated...")
    images = {n: k.cluster.store.get("pods", "shop", n)["spec"]["containers"][0]["image"]
              for n in ("db-0", "db-1", "db-2")}
    assert images == {"db-0": "example/db:1.0", "db-1": "example/db:1.0", "db-2": "example/db:2.0"}
    status = sts(k)["status"]
    assert status["currentRevision"] == first_rev != status["updateRevision"]
    assert (status["updatedReplicas"], status["currentReplicas"]) == (1, 2)
    k("-n", "shop", "patch", "statefulset", "db", "-p",
      '{"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}')
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    k.wait_for(lambda: sts(k)["status"].get("currentRevision") == sts(k)["status"]["updateRevision"],
               what="the update revision to become current")
    deletes = [name for event, name in seen if event == "delete"]
    assert deletes == ["db-2", "db-1", "db-0"]
    # One at a time: db-0 is only deleted once the new db-1 is ready.
    assert seen.index(("delete", "db-0")) > max(i for i, e in enumerate(seen) if e == ("ready", "db-1"))


def test_ordered_scale_down_removes_the_highest_ordinal_first(fleet_kubectl):
    k = fleet_kubectl
    k.apply(STS)
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    seen = record_pod_events(k)
    k("-n", "shop", "scale", "statefulset", "db", "--replicas=1")
    k.wait_for(lambda: sts(k)["status"]["replicas"] == 1, timeout=60, what="scale-down")
    assert [e for e in seen if e[0] == "delete"] == [("delete", "db-2"), ("delete", "db-1")]
    assert [p["metadata"]["name"] for p in k.cluster.store.items("pods", "shop")] == ["db-0"]
    # PersistentVolumeClaims stay (persistentVolumeClaimRetentionPolicy whenScaled: Retain).
    assert len(k("-n", "shop", "get", "pvc", "-o", "name").stdout.split()) == 3


def test_on_delete_updates_a_pod_only_when_it_is_deleted(fleet_kubectl):
    k = fleet_kubectl
    k.apply(STS.replace("  serviceName: db\n", "  serviceName: db\n  updateStrategy: {type: OnDelete}\n"))
    k.wait_for(lambda: (sts(k).get("status") or {}).get("readyReplicas") == 3, timeout=90, what="3 ready")
    k("-n", "shop", "set", "image", "statefulset/db", "db=example/db:2.0")
    k.wait_for(lambda: sts(k)["status"]["observedGeneration"] == 2, what="the new generation")
    assert all(p["spec"]["containers"][0]["image"] == "example/db:1.0" for p in k.cluster.store.items("pods", "shop"))
    proc = k("-n", "shop", "rollout", "status", "statefulset/db", check=False)
    assert proc.returncode != 0 and "rollout status is only available for RollingUpdate strategy type" in proc.stderr
    k("-n", "shop", "delete", "pod", "db-1")
    k.wait_for(lambda: (p := k.cluster.store.get("pods", "shop", "db-1")) is not None and not p["metadata"].get(
        "deletionTimestamp") and p["spec"]["containers"][0]["image"] == "example/db:2.0", what="db-1 recreated")
    assert k.cluster.store.get("pods", "shop", "db-0")["spec"]["containers"][0]["image"] == "example/db:1.0"
    k.wait_for(lambda: sts(k)["status"].get("updatedReplicas") == 1, what="updatedReplicas 1")


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - kubernetes.core.k8s:
        kubeconfig: "{{ lookup('env', 'KC') }}"
        context: app-dev-us-east1
        definition: "{{ lookup('file', lookup('env', 'MANIFEST')) | from_yaml_all | list }}"
        wait: true
        wait_timeout: 90
      register: applied
    - ansible.builtin.copy:
        dest: "{{ lookup('env', 'RESULT_FILE') }}"
        content: "{{ applied.result.results | map(attribute='result.status') | list | to_json }}"
"""


def test_kubernetes_core_waits_for_a_statefulset(fleet_kubectl, tmp_path):
    k = fleet_kubectl
    (tmp_path / "sts.yml").write_text(STS)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = dict(os.environ, KC=str(k.fleet.kubeconfig), MANIFEST=str(tmp_path / "sts.yml"),
               RESULT_FILE=str(tmp_path / "out.json"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(tmp_path / "play.yml")],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    statuses = json.loads((tmp_path / "out.json").read_text())
    assert statuses[1]["readyReplicas"] == 3 and statuses[1]["updatedReplicas"] == 3


def test_rollout_history_and_undo(fleet_kubectl):
    k = fleet_kubectl
    k.apply(STS)
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    k("-n", "shop", "set", "image", "statefulset/db", "db=example/db:2.0")
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    history = k("-n", "shop", "rollout", "history", "statefulset/db").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    k("-n", "shop", "rollout", "undo", "statefulset/db")
    k("-n", "shop", "rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    k.wait_for(lambda: all(p["spec"]["containers"][0]["image"] == "example/db:1.0"
                           for p in k.cluster.store.items("pods", "shop")
                           if not p["metadata"].get("deletionTimestamp")) and
               len(k.cluster.store.items("pods", "shop")) == 3, what="version 1 back on every pod")
