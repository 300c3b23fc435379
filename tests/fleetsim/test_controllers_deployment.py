"""Deployment + ReplicaSet controllers on an in-process cluster, checked against the real controller's
behaviour (tests/fleetsim/fixtures/real and the recorded kube-controller-manager status sequence)."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster, deployment, deployment_available


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    yield s
    s.stop()


@pytest.mark.asyncio
async def test_new_deployment_becomes_available_with_real_status_shape(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    d = await sim.wait_for(deployment_available(sim, "shop", "web"), what="deployment web available")
    rs_list = sim.items("replicasets.apps", "shop")
    assert len(rs_list) == 1
    rs = rs_list[0]
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert set(pod_hash) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4",
                                             "deployment.kubernetes.io/revision": "1"}
    assert rs["metadata"]["ownerReferences"][0] | {} == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                            "terminatingReplicas": 0, "observedGeneration": 1}
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    status = dict(d["status"])
    conditions = status.pop("conditions")
    assert status == {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
                      "availableReplicas": 3, "terminatingReplicas": 0}
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions] == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'),
    ]
    pods = sim.items("pods", "shop", app="web")
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["generateName"] == f"{rs['metadata']['name']}-"
        suffix = pod["metadata"]["name"][len(rs["metadata"]["name"]) + 1:]
        assert len(suffix) == 5 and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
        assert pod["metadata"]["labels"]["pod-template-hash"] == pod_hash
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    scaling = sim.events("shop", "web", "ScalingReplicaSet")
    assert [e["message"] for e in scaling] == [f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"]
    assert scaling[0]["source"] == {"component": "deployment-controller"}
    created = sim.events("shop", rs["metadata"]["name"], "SuccessfulCreate")
    assert sorted(e["message"] for e in created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)


@pytest.mark.asyncio
async def test_scale_sets_unavailable_replicas_then_settles(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"replicas": 4}}, "merge")
    # Right after the scale, as in deploy_just_after_scale.json: the RS is at 4, 3 pods are available.
    just_after = await sim.wait_for(lambda: (sim.get("deployments.apps", "shop", "web")["status"]
                                             .get("unavailableReplicas") == 1) and sim.get("deployments.apps", "shop", "web"))
    assert just_after["status"]["availableReplicas"] == 3
    d = await sim.wait_for(deployment_available(sim, "shop", "web", 4))
    assert "unavailableReplicas" not in d["status"]
    rs = sim.items("replicasets.apps", "shop")[0]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "4"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "5"
    messages = [e["message"] for e in sim.events("shop", "web", "ScalingReplicaSet")]
    assert messages[-1] == f"Scaled up replica set {rs['metadata']['name']} from 3 to 4"
