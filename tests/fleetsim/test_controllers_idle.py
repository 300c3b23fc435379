"""An idle cluster does no work: once a rollout settles no controller has queued keys or timers
and the kubelet holds no timers for healthy pods (30 clusters must idle in one process)."""
from __future__ import annotations

import pytest

from controller_harness import SimCluster, deployment, deployment_available


def pending_work(sim: SimCluster) -> dict[str, int]:
    work = {}
    for c in sim.manager.controllers:
        n = len(c.queue) + len(c.queue._timers)
        if n:
            work[c.name] = n
    timers = sum(1 for run in sim.kubelet.pods.values() for h in run.timers if not h.cancelled())
    if timers:
        work["kubelet"] = timers
    return work


@pytest.mark.asyncio
async def test_settled_cluster_has_no_queued_work_or_timers():
    sim = await SimCluster().start()
    try:
        sim.namespace("shop")
        sim.api.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
                                    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
        sim.api.create("deployments.apps", deployment("web", replicas=3, minReadySeconds=2))
        await sim.wait_for(deployment_available(sim, "shop", "web"))
        await sim.clock.sleep(3)  # let the last status writes and their follow-up syncs land
        await sim.wait_for(lambda: not pending_work(sim), timeout=5, what="no pending work")
        rv = sim.cluster.store.resource_version
        await sim.clock.sleep(40)
        assert sim.cluster.store.resource_version == rv, "an idle cluster kept writing"
    finally:
        sim.stop()


@pytest.mark.asyncio
async def test_stop_unsubscribes_and_cancels_timers():
    sim = await SimCluster().start()
    sim.namespace("shop")
    sim.api.create("deployments.apps", deployment("web", replicas=2, annotations={"fleetsim.io/ready-after": "30s"}))
    await sim.wait_for(lambda: len(sim.items("pods", "shop")) == 2)
    sim.stop()
    rv = sim.cluster.store.resource_version
    sim.api.create("deployments.apps", deployment("other", replicas=2))
    await sim.clock.sleep(40)
    assert sim.items("replicasets.apps", "shop", app="other") == []
    assert sim.cluster.store.resource_version == rv + 1


@pytest.mark.asyncio
async def test_writes_from_another_thread_still_reach_the_controllers():
    import asyncio
    import threading
    sim = await SimCluster().start()
    try:
        sim.namespace("shop")
        # The Api is synchronous: a test thread may call it while the cluster's loop runs.
        thread = threading.Thread(target=lambda: sim.api.create("deployments.apps", deployment("web", replicas=2)))
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.01)
        await sim.wait_for(deployment_available(sim, "shop", "web"), what="deployment created off-loop rolled out")
    finally:
        sim.stop()
