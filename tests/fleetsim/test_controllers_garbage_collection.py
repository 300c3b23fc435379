"""Garbage collection through ownerReferences with each propagation policy, and namespace deletion."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster, deployment, deployment_available


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    sim_web = deployment("web", replicas=2)
    s.api.create("deployments.apps", sim_web)
    await s.wait_for(deployment_available(s, "shop", "web"))
    yield s
    s.stop()


def gone(sim, resource, namespace, name):
    return lambda: sim.get(resource, namespace, name) is None


@pytest.mark.asyncio
async def test_background_deletes_dependents_after_the_owner(sim):
    rs_name = sim.items("replicasets.apps", "shop")[0]["metadata"]["name"]
    result = sim.api.delete("deployments.apps", "shop", "web", propagation_policy="Background")
    assert result["kind"] == "Status" and result["status"] == "Success"
    assert sim.get("deployments.apps", "shop", "web") is None
    await sim.wait_for(gone(sim, "replicasets.apps", "shop", rs_name), what="ReplicaSet collected")
    await sim.wait_for(lambda: not sim.items("pods", "shop"), what="pods collected")


@pytest.mark.asyncio
async def test_foreground_keeps_the_owner_until_blocking_dependents_are_gone(sim):
    rs_name = sim.items("replicasets.apps", "shop")[0]["metadata"]["name"]
    order = []

    def record(event_type, rt, obj, old):
        if event_type == "DELETED" and rt.name in ("deployments.apps", "replicasets.apps", "pods"):
            order.append(rt.name)
    unsubscribe = sim.api.subscribe(record)
    marked = sim.api.delete("deployments.apps", "shop", "web", propagation_policy="Foreground")
    assert marked["metadata"]["finalizers"] == ["foregroundDeletion"] and marked["metadata"]["deletionTimestamp"]
    await sim.wait_for(gone(sim, "deployments.apps", "shop", "web"), timeout=15, what="deployment deleted")
    unsubscribe()
    assert sim.get("replicasets.apps", "shop", rs_name) is None and not sim.items("pods", "shop")
    # Pods (blocking the RS) go first, then the RS (blocking the Deployment), then the Deployment.
    assert order[-1] == "deployments.apps" and order[-2] == "replicasets.apps"
    assert order.count("pods") == 2 and order.index("replicasets.apps") > max(
        i for i, r in enumerate(order) if r == "pods")


@pytest.mark.asyncio
async def test_orphan_removes_owner_references_and_keeps_dependents(sim):
    rs = sim.items("replicasets.apps", "shop")[0]
    marked = sim.api.delete("deployments.apps", "shop", "web", propagation_policy="Orphan")
    assert marked["metadata"]["finalizers"] == ["orphan"]
    await sim.wait_for(gone(sim, "deployments.apps", "shop", "web"), what="deployment deleted")
    kept = sim.get("replicasets.apps", "shop", rs["metadata"]["name"])
    assert kept is not None and "ownerReferences" not in kept["metadata"]
    await sim.clock.sleep(3)
    assert len([p for p in sim.items("pods", "shop") if not p["metadata"].get("deletionTimestamp")]) == 2


@pytest.mark.asyncio
async def test_dependent_created_for_a_missing_owner_is_collected(sim):
    sim.api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "stray", "namespace": "shop", "ownerReferences": [
                                      {"apiVersion": "apps/v1", "kind": "Deployment", "name": "nope",
                                       "uid": "00000000-0000-4000-8000-000000000000"}]}})
    await sim.wait_for(gone(sim, "configmaps", "shop", "stray"), what="dangling dependent collected")


@pytest.mark.asyncio
async def test_namespace_deletion_removes_everything_then_the_namespace(sim):
    sim.api.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
                                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    sim.api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "shop"}})
    ns = sim.api.delete("namespaces", None, "shop")
    assert ns["status"]["phase"] == "Terminating"
    conditions = []

    def record(event_type, rt, obj, old):
        if rt.name == "namespaces" and obj["metadata"]["name"] == "shop":
            conditions.append({c["type"]: (c["status"], c["reason"]) for c in obj.get("status", {}).get("conditions", [])})
    unsubscribe = sim.api.subscribe(record)
    await sim.wait_for(gone(sim, "namespaces", None, "shop"), timeout=15, what="namespace deleted")
    unsubscribe()
    for resource in ("deployments.apps", "replicasets.apps", "pods", "services", "configmaps", "endpoints"):
        assert sim.items(resource, "shop") == [], resource
    assert any(c.get("NamespaceContentRemaining") == ("True", "SomeResourcesRemain") for c in conditions)
    assert conditions[-1]["NamespaceContentRemaining"] == ("False", "ContentRemoved")
    with pytest.raises(Exception) as err:
        sim.api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "late", "namespace": "shop"}})
    assert getattr(err.value, "code", None) == 404


@pytest.mark.asyncio
async def test_every_namespace_gets_a_default_service_account_and_root_ca(sim):
    sim.namespace("fresh")
    await sim.wait_for(lambda: sim.get("serviceaccounts", "fresh", "default")
                       and sim.get("configmaps", "fresh", "kube-root-ca.crt"), what="default SA and root CA")
    ca = sim.get("configmaps", "fresh", "kube-root-ca.crt")
    assert ca["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    sim.api.delete("serviceaccounts", "fresh", "default")
    await sim.wait_for(lambda: sim.get("serviceaccounts", "fresh", "default"), what="default SA recreated")
