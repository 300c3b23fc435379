"""DaemonSet controller: one pod per eligible node, rolled out node by node on template changes."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster(nodes=3).start()
    s.namespace("kube-agents")
    yield s
    s.stop()


def daemonset(image="example/agent:1", node_selector=None) -> dict:
    spec = {"containers": [{"name": "agent", "image": image}]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "kube-agents"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}}, "spec": spec}}}


def live(sim):
    return [p for p in sim.items("pods", "kube-agents") if not p["metadata"].get("deletionTimestamp")]


def ds_status(sim):
    return (sim.get("daemonsets.apps", "kube-agents", "agent") or {}).get("status") or {}


@pytest.mark.asyncio
async def test_one_pod_per_node_and_status(sim):
    sim.api.create("daemonsets.apps", daemonset())
    await sim.wait_for(lambda: ds_status(sim).get("numberAvailable") == 3, what="3 available daemon pods")
    pods = live(sim)
    assert sorted(p["spec"]["nodeName"] for p in pods) == [f"test-cluster-node-{i}" for i in (1, 2, 3)]
    st = ds_status(sim)
    assert {k: st[k] for k in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                               "numberReady", "updatedNumberScheduled", "numberAvailable")} == {
        "currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3, "numberReady": 3,
        "updatedNumberScheduled": 3, "numberAvailable": 3}
    assert "numberUnavailable" not in st
    for p in pods:
        assert p["metadata"]["labels"]["controller-revision-hash"]
        assert p["metadata"]["labels"]["pod-template-generation"] == "1"
        assert any(t["key"] == "node.kubernetes.io/unschedulable" for t in p["spec"]["tolerations"])


@pytest.mark.asyncio
async def test_node_selector_limits_the_nodes(sim):
    sim.api.create("daemonsets.apps", daemonset(node_selector={"kubernetes.io/hostname": "test-cluster-node-3"}))
    await sim.wait_for(lambda: ds_status(sim).get("numberReady") == 1)
    assert [p["spec"]["nodeName"] for p in live(sim)] == ["test-cluster-node-3"]
    assert ds_status(sim)["desiredNumberScheduled"] == 1


@pytest.mark.asyncio
async def test_rolling_update_replaces_at_most_one_node_at_a_time(sim):
    sim.api.create("daemonsets.apps", daemonset())
    await sim.wait_for(lambda: ds_status(sim).get("numberAvailable") == 3)
    worst = []

    def record(event_type, rt, obj, old):
        if rt.name == "pods":
            available = [p for p in live(sim) if any(c["type"] == "Ready" and c["status"] == "True"
                                                     for c in p["status"].get("conditions") or [])]
            worst.append(len(available))
    unsubscribe = sim.api.subscribe(record)
    sim.api.patch("daemonsets.apps", "kube-agents", "agent", {"spec": {"template": {"spec": {"containers": [
        {"name": "agent", "image": "example/agent:2"}]}}}}, "strategic")
    await sim.wait_for(lambda: ds_status(sim).get("updatedNumberScheduled") == 3
                       and ds_status(sim).get("numberAvailable") == 3
                       and ds_status(sim).get("observedGeneration") == 2, timeout=15, what="rollout done")
    unsubscribe()
    assert min(worst) >= 2  # maxUnavailable defaults to 1
    assert {p["spec"]["containers"][0]["image"] for p in live(sim)} == {"example/agent:2"}


@pytest.mark.asyncio
async def test_controller_revisions_record_each_template(sim):
    sim.api.create("daemonsets.apps", daemonset())
    await sim.wait_for(lambda: ds_status(sim).get("numberAvailable") == 3)
    sim.api.patch("daemonsets.apps", "kube-agents", "agent", {"spec": {"template": {"spec": {"containers": [
        {"name": "agent", "image": "example/agent:2"}]}}}}, "strategic")
    await sim.wait_for(lambda: len(sim.items("controllerrevisions.apps", "kube-agents")) == 2)
    revs = sorted(sim.items("controllerrevisions.apps", "kube-agents"), key=lambda r: r["revision"])
    assert [r["revision"] for r in revs] == [1, 2]
    assert revs[1]["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == "example/agent:2"
    assert revs[1]["data"]["spec"]["template"]["$patch"] == "replace"
    ds = sim.get("daemonsets.apps", "kube-agents", "agent")
    assert revs[1]["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in live(sim)}
    await sim.wait_for(lambda: {p["metadata"]["labels"]["controller-revision-hash"] for p in live(sim)}
                       == {revs[1]["metadata"]["labels"]["controller-revision-hash"]}, timeout=15)
    assert hashes  # pods carry the hash of the revision they run
