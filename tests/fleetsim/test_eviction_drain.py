"""PodDisruptionBudgets, the Eviction API and node drain: the disruption controller keeps each
budget's status; pods/eviction deletes a pod only when its budget allows (429 otherwise, with the
body of pkg/registry/core/pod/storage/eviction.go); cordoned nodes get no new pods; `kubectl drain`
and kubernetes.core.k8s_drain work with and without a budget blocking them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: example/web:1.0}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  MIN
  selector: {matchLabels: {app: web}}
"""


def deploy(k, budget: str = "minAvailable: 2"):
    k.apply(WEB.replace("MIN", budget))
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    return k.wait_for(lambda: _pdb_settled(k), what="the PDB status")


def _pdb_settled(k):
    pdb = k.cluster.store.get("poddisruptionbudgets.policy", "shop", "web")
    status = (pdb or {}).get("status") or {}
    return status if status.get("currentHealthy") == 3 and status.get("observedGeneration") else None


def running_pods(k):
    return sorted((p["metadata"]["name"], p["spec"].get("nodeName")) for p in k.cluster.store.items("pods", "shop")
                  if not p["metadata"].get("deletionTimestamp"))


def test_disruption_controller_keeps_the_budget_status(fleet_kubectl):
    status = deploy(fleet_kubectl)
    assert {k: status[k] for k in ("currentHealthy", "desiredHealthy", "expectedPods", "disruptionsAllowed")} == {
        "currentHealthy": 3, "desiredHealthy": 2, "expectedPods": 3, "disruptionsAllowed": 1}
    cond = status["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == (
        "DisruptionAllowed", "True", "SufficientPods", "")
    table = fleet_kubectl("-n", "shop", "get", "pdb", "web").stdout.splitlines()
    assert table[1].split()[:4] == ["web", "2", "N/A", "1"]
    # maxUnavailable counts the Deployment's scale.
    fleet_kubectl("-n", "shop", "patch", "pdb", "web", "--type=json", "-p",
                  '[{"op": "remove", "path": "/spec/minAvailable"}, '
                  '{"op": "add", "path": "/spec/maxUnavailable", "value": "34%"}]')
    status = fleet_kubectl.wait_for(lambda: (s := fleet_kubectl.cluster.store.get(
        "poddisruptionbudgets.policy", "shop", "web")["status"]).get("observedGeneration") == 2 and s)
    assert (status["desiredHealthy"], status["expectedPods"], status["disruptionsAllowed"]) == (1, 3, 2)


def test_eviction_allowed_then_refused_with_the_real_429(fleet_kubectl):
    import kubernetes
    deploy(fleet_kubectl)
    v1 = kubernetes.client.CoreV1Api(fleet_kubectl.client())
    first, second = [name for name, _ in running_pods(fleet_kubectl)][:2]
    dry = kubernetes.client.V1Eviction(metadata=kubernetes.client.V1ObjectMeta(name=first, namespace="shop"),
                                       delete_options=kubernetes.client.V1DeleteOptions(dry_run=["All"]))
    v1.create_namespaced_pod_eviction(first, "shop", dry)
    pod = fleet_kubectl.cluster.store.get("pods", "shop", first)
    assert not pod["metadata"].get("deletionTimestamp"), "a dry-run eviction deleted the pod"
    assert fleet_kubectl.cluster.store.get("poddisruptionbudgets.policy", "shop", "web")["status"][
        "disruptionsAllowed"] == 1
    # deleteOptions apply to the delete the eviction makes: a stale uid precondition refuses it. (Dry
    # run: a real eviction would have taken its budget before the delete failed, as eviction.go does.)
    with pytest.raises(kubernetes.client.ApiException) as stale:
        v1.create_namespaced_pod_eviction(first, "shop", kubernetes.client.V1Eviction(
            metadata=kubernetes.client.V1ObjectMeta(name=first, namespace="shop"),
            delete_options=kubernetes.client.V1DeleteOptions(
                dry_run=["All"], preconditions=kubernetes.client.V1Preconditions(uid="not-the-uid"))))
    assert stale.value.status == 409 and "Precondition failed: UID in precondition: not-the-uid" in stale.value.body
    evict = kubernetes.client.V1Eviction(metadata=kubernetes.client.V1ObjectMeta(name=first, namespace="shop"),
                                         delete_options=kubernetes.client.V1DeleteOptions(grace_period_seconds=0))
    v1.create_namespaced_pod_eviction(first, "shop", evict)
    # The evicted pod no longer counts as healthy (disruptedPods, then its deletionTimestamp).
    status = fleet_kubectl.cluster.store.get("poddisruptionbudgets.policy", "shop", "web")["status"]
    assert status["disruptionsAllowed"] == 0
    fleet_kubectl.wait_for(lambda: fleet_kubectl.cluster.store.get("poddisruptionbudgets.policy", "shop", "web")[
        "status"]["currentHealthy"] == 2, what="the controller to count the evicted pod out")
    assert fleet_kubectl.cluster.store.get("pods", "shop", first) is None  # gracePeriodSeconds 0: gone at once
    with pytest.raises(kubernetes.client.ApiException) as refused:
        v1.create_namespaced_pod_eviction(second, "shop", kubernetes.client.V1Eviction(
            metadata=kubernetes.client.V1ObjectMeta(name=second, namespace="shop")))
    assert refused.value.status == 429
    # checkAndDecrement's error: NewTooManyRequests(msg, 0) plus a DisruptionBudget cause.
    assert json.loads(refused.value.body) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Cannot evict pod as it would violate the pod's disruption budget.",
        "reason": "TooManyRequests",
        "details": {"causes": [{"reason": "DisruptionBudget",
                                "message": "The disruption budget web needs 2 healthy pods and has 2 currently"}]},
        "code": 429}
    # Once the replacement is ready the budget allows one disruption again.
    fleet_kubectl.wait_for(lambda: fleet_kubectl.cluster.store.get("poddisruptionbudgets.policy", "shop", "web")[
        "status"]["disruptionsAllowed"] == 1, what="the replacement pod")
    v1.create_namespaced_pod_eviction(second, "shop", kubernetes.client.V1Eviction(
        metadata=kubernetes.client.V1ObjectMeta(name=second, namespace="shop")))


def test_kubectl_drain_moves_pods_off_a_cordoned_node_within_the_budget(fleet_kubectl):
    k = fleet_kubectl
    deploy(k)
    node = running_pods(k)[0][1]
    out = k("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s", timeout=120)
    assert f"node/{node} cordoned" in out.stdout and f"node/{node} drained" in out.stdout
    assert "evicting pod shop/" in out.stderr + out.stdout
    n = k.cluster.store.get("nodes", None, node)
    assert n["spec"]["unschedulable"] is True
    assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"} in n["spec"]["taints"]
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    pods = running_pods(k)
    assert len(pods) == 3 and all(where != node for _, where in pods)
    assert "SchedulingDisabled" in k("get", "node", node).stdout
    k("uncordon", node)
    k.wait_for(lambda: not k.cluster.store.get("nodes", None, node)["spec"].get("taints"), what="the taint to go")


def test_kubectl_drain_blocked_by_a_budget_allowing_no_disruption(fleet_kubectl):
    k = fleet_kubectl
    deploy(k, "maxUnavailable: 0")
    node = running_pods(k)[0][1]
    proc = k("drain", node, "--ignore-daemonsets", "--timeout=6s", check=False, timeout=60)
    assert proc.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in proc.stderr
    assert k.cluster.store.get("nodes", None, node)["spec"]["unschedulable"] is True
    assert len(running_pods(k)) == 3 and node in {where for _, where in running_pods(k)}


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - kubernetes.core.k8s_drain:
        kubeconfig: "{{ lookup('env', 'KC') }}"
        context: app-dev-us-east1
        name: "{{ lookup('env', 'NODE') }}"
        state: drain
        delete_options: {ignore_daemonsets: true, wait_timeout: 60, terminate_grace_period: 5}
      register: drained
    - kubernetes.core.k8s_drain:
        kubeconfig: "{{ lookup('env', 'KC') }}"
        context: app-dev-us-east1
        name: "{{ lookup('env', 'NODE') }}"
        state: uncordon
      register: uncordoned
    - ansible.builtin.copy:
        dest: "{{ lookup('env', 'RESULT_FILE') }}"
        content: "{{ {'drained': drained.changed, 'result': drained.result,
                      'uncordoned': uncordoned.changed} | to_json }}"
"""


def test_kubernetes_core_k8s_drain(fleet_kubectl, tmp_path):
    k = fleet_kubectl
    deploy(k)
    node = running_pods(k)[0][1]
    playbook, result = tmp_path / "drain.yml", tmp_path / "result.json"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, KC=str(k.fleet.kubeconfig), NODE=node, RESULT_FILE=str(result),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)], env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    out = json.loads(result.read_text())
    assert out["drained"] is True and out["uncordoned"] is True
    assert out["result"] == f"node {node} marked unschedulable. 1 Pod(s) deleted from node."
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s")
    assert all(where != node for _, where in running_pods(k))
