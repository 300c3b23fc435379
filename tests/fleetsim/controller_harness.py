"""An in-process simulated cluster with its controllers and kubelet, for controller/kubelet tests.

No HTTP server: tests talk to `cluster.api` directly. The clock runs fast so a rollout with 2 s
ready delays takes a fraction of a real second; `wait_for` polls the store without busy-spinning.
"""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from fleetsim.clock import Clock
from fleetsim.cluster import Cluster
from fleetsim.controllers import start_controllers
from fleetsim.kubelet import start_kubelet

FAST = 40.0


class SimCluster:
    def __init__(self, name: str = "test-cluster", speed: float = FAST, nodes: int = 3, ready_delay: float = 2.0,
                 ready_jitter: float = 0.5, seed: int = 7):
        settings = SimpleNamespace(nodes_per_cluster=nodes, pod_ready_delay_s=ready_delay,
                                   pod_ready_jitter_s=ready_jitter)
        self.cluster = Cluster(name, clock=Clock(speed), settings=settings, run_components=False, seed=seed)
        self.api = self.cluster.api
        self.clock = self.cluster.clock
        self.manager = None
        self.kubelet = None

    async def start(self) -> "SimCluster":
        self.manager = await start_controllers(self.cluster)
        self.kubelet = await start_kubelet(self.cluster)
        return self

    def stop(self) -> None:
        if self.kubelet is not None:
            self.kubelet.stop()
        if self.manager is not None:
            self.manager.stop()

    # -- helpers ----------------------------------------------------------------------------------
    def namespace(self, name: str) -> dict:
        return self.api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def get(self, resource: str, namespace: str | None, name: str) -> dict | None:
        obj = self.cluster.store.get(resource, namespace, name)
        return obj

    def items(self, resource: str, namespace: str | None = None, **labels) -> list[dict]:
        out = self.cluster.store.items(resource, namespace)
        return [o for o in out if all((o["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]

    def events(self, namespace: str, name: str | None = None, reason: str | None = None) -> list[dict]:
        return [e for e in self.cluster.store.items("events", namespace)
                if (name is None or e["involvedObject"].get("name") == name)
                and (reason is None or e.get("reason") == reason)]

    async def wait_for(self, predicate, timeout: float = 30.0, interval: float = 0.01, what: str = "condition"):
        # The bound is a safety net, not the behaviour under test: `make test` runs this lane at nice 10
        # beside the others, and a starved event loop must not read as a controller that never acted.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(interval)


def deployment(name: str, namespace: str = "shop", replicas: int = 3, image: str = "example/web:1.0",
               labels: dict | None = None, annotations: dict | None = None, **spec) -> dict:
    labels = labels or {"app": name}
    template_meta = {"labels": dict(labels)}
    if annotations:
        template_meta["annotations"] = annotations
    body = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": template_meta,
                         "spec": {"containers": [{"name": "web", "image": image,
                                                  "ports": [{"containerPort": 8080, "name": "http"}]}]}},
        },
    }
    body["spec"].update(spec)
    return body


def deployment_available(sim: SimCluster, namespace: str, name: str, replicas: int | None = None):
    def check():
        d = sim.get("deployments.apps", namespace, name)
        if d is None:
            return None
        st = d.get("status") or {}
        want = d["spec"]["replicas"] if replicas is None else replicas
        conds = {c["type"]: c for c in st.get("conditions") or []}
        done = (st.get("observedGeneration") == d["metadata"]["generation"] and st.get("updatedReplicas", 0) == want
                and st.get("availableReplicas", 0) == want and st.get("replicas", 0) == want
                and conds.get("Progressing", {}).get("reason") == "NewReplicaSetAvailable")
        return d if done else None
    return check
