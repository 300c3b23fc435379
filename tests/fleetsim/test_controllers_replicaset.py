"""ReplicaSet controller: pods from the template, victims on scale-down chosen like the real
controller (not-ready before ready, doubled-up nodes first, newer first), adoption and status."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    yield s
    s.stop()


def replicaset(name: str, replicas: int, annotations: dict | None = None, **spec) -> dict:
    meta = {"labels": {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    body = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": meta,
                                  "spec": {"containers": [{"name": "c", "image": "example/app:1"}]}}}}
    body["spec"].update(spec)
    return body


def ready(p):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (p.get("status") or {}).get("conditions") or [])


def live_pods(sim, app):
    return [p for p in sim.items("pods", "shop", app=app) if not p["metadata"].get("deletionTimestamp")]


@pytest.mark.asyncio
async def test_status_counts_ready_and_available_pods(sim):
    seen = []

    def record(event_type, rt, obj, old):
        if rt.name == "replicasets.apps":
            st = obj.get("status") or {}
            seen.append((st.get("replicas"), st.get("fullyLabeledReplicas"), st.get("readyReplicas", 0),
                         st.get("availableReplicas", 0)))
    unsubscribe = sim.api.subscribe(record)
    sim.api.create("replicasets.apps", replicaset("rs", 3, minReadySeconds=6))
    rs = await sim.wait_for(lambda: sim.get("replicasets.apps", "shop", "rs")["status"].get("availableReplicas") == 3
                            and sim.get("replicasets.apps", "shop", "rs"), what="available after minReadySeconds")
    unsubscribe()
    assert (3, 3, 3, 0) in seen  # all ready before any counted as available
    assert rs["status"]["observedGeneration"] == 1 and rs["status"]["terminatingReplicas"] == 0
    for p in live_pods(sim, "rs"):
        assert p["metadata"]["generateName"] == "rs-"
        ref = p["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["controller"], ref["blockOwnerDeletion"]) == ("ReplicaSet", "rs",
                                                                                          True, True)


@pytest.mark.asyncio
async def test_scale_down_deletes_not_ready_pods_before_ready_ones(sim):
    sim.api.create("replicasets.apps", replicaset("rs", 3))
    await sim.wait_for(lambda: len([p for p in live_pods(sim, "rs") if ready(p)]) == 3)
    # Two more pods that will never be ready (template annotation changed: new pods misbehave).
    sim.api.patch("replicasets.apps", "shop", "rs", {"spec": {"replicas": 5, "template": {"metadata": {
        "annotations": {"fleetsim.io/never-ready": "true"}}}}}, "merge")
    await sim.wait_for(lambda: len([p for p in live_pods(sim, "rs") if p["status"].get("phase") == "Running"]) == 5)
    ready_before = {p["metadata"]["name"] for p in live_pods(sim, "rs") if ready(p)}
    assert len(ready_before) == 3
    sim.api.patch("replicasets.apps", "shop", "rs", {"spec": {"replicas": 3}}, "merge")
    await sim.wait_for(lambda: len(live_pods(sim, "rs")) == 3)
    assert {p["metadata"]["name"] for p in live_pods(sim, "rs")} == ready_before
    deleted = [e["message"] for e in sim.events("shop", "rs", "SuccessfulDelete")]
    assert len(deleted) == 2 and all(m.startswith("Deleted pod: rs-") for m in deleted)


@pytest.mark.asyncio
async def test_deleted_pods_are_replaced_and_orphans_adopted(sim):
    sim.api.create("replicasets.apps", replicaset("rs", 2))
    await sim.wait_for(lambda: len(live_pods(sim, "rs")) == 2)
    victim = live_pods(sim, "rs")[0]["metadata"]["name"]
    sim.api.delete("pods", "shop", victim, grace_period_seconds=0)
    await sim.wait_for(lambda: len(live_pods(sim, "rs")) == 2 and victim not in
                       {p["metadata"]["name"] for p in live_pods(sim, "rs")}, what="replacement pod")
    # An orphan pod matching the selector is adopted, and the surplus is removed.
    sim.api.create("pods", {"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": "orphan", "namespace": "shop", "labels": {"app": "rs"}},
                            "spec": {"containers": [{"name": "c", "image": "example/app:1"}]}})
    await sim.wait_for(lambda: len(live_pods(sim, "rs")) == 2 and all(
        p["metadata"].get("ownerReferences") for p in live_pods(sim, "rs")), what="adoption and scale-down")
    orphan = sim.get("pods", "shop", "orphan")
    if orphan is not None and not orphan["metadata"].get("deletionTimestamp"):
        assert orphan["metadata"]["ownerReferences"][0]["name"] == "rs"
