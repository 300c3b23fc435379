"""The running fleet: every cluster of a fleet file on one asyncio loop, plus what surrounds them.

``Fleet(spec)`` builds one ``Cluster`` per cluster of the fleet file (sharing one simulated
clock), one HTTP front per cluster, one metrics/admin server for the whole fleet and the simulated
user traffic. ``await fleet.start()`` returns once every listener is up; ``write_state(dir)``
writes ``kubeconfig`` and ``fleet.json``; ``await fleet.stop()`` tears it all down.

Cross-cluster behaviour (MultiClusterService / MultiClusterIngress, later) plugs in as a
``FleetController``: an object with ``async start(fleet)`` and ``async stop()``, added with
``fleet.add_controller`` before ``start``. It finds what it needs through ``fleet.clusters``,
``fleet.config_cluster(set, environment)`` and ``fleet.members(set, environment)``.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import random
import secrets
from pathlib import Path
from typing import Any, Iterable, Protocol

import yaml

from .admin import AdminServer
from .clock import Clock
from .cluster import Cluster
from .fleet import ROLE_MEMBER, ClusterSpec, FleetSpec
from .fronts import Front
from .metrics import RequestMetrics
from .multicluster import MultiClusterController
from .traffic import ClusterTraffic, ServiceDirectory, TrafficGenerator

log = logging.getLogger(__name__)


class FleetController(Protocol):
    async def start(self, fleet: Fleet) -> None: ...
    async def stop(self) -> None: ...


class Fleet:
    def __init__(self, spec: FleetSpec, seed: int | None = None):
        self.spec = spec
        self.id = secrets.token_hex(4)
        self.clock = Clock(spec.simulation.clock_speed)
        self.rng = random.Random(seed)
        self.metrics = RequestMetrics()
        self.admin_token = secrets.token_urlsafe(24)
        self.clusters: dict[str, Cluster] = {}
        self.cluster_specs: dict[str, ClusterSpec] = {c.name: c for c in spec.clusters}
        self.directories: dict[str, ServiceDirectory] = {}
        self.fronts: dict[str, Front] = {}
        self.admin = AdminServer(self, self.admin_token)
        self.traffic = TrafficGenerator(self.metrics, [], self.rng)
        # GKE's multi-cluster controllers (MCS/MCI, ServiceExport) run in every fleet, as the
        # config clusters exist in every fleet; its MCI fronts are listed in fleet.json.
        self.multicluster = MultiClusterController()
        self._controllers: list[FleetController] = [self.multicluster]
        self._tasks: list[asyncio.Task] = []
        self.started = False

    # -- topology -------------------------------------------------------------------------------
    def config_cluster(self, set_name: str, environment: str) -> Cluster:
        return self.clusters[f"{set_name}-{environment}-config"]

    def members(self, set_name: str, environment: str) -> list[Cluster]:
        return [self.clusters[c.name] for c in self.spec.clusters
                if c.set == set_name and c.environment == environment and c.role == ROLE_MEMBER]

    def add_controller(self, controller: FleetController) -> None:
        if self.started:
            raise RuntimeError("add fleet controllers before start()")
        self._controllers.append(controller)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        for spec in self.spec.clusters:
            cluster = Cluster(spec.name, clock=self.clock, settings=spec.simulation,
                              region=spec.region, seed=self.rng.randrange(2**32))
            self.clusters[spec.name] = cluster
            cluster.faults.rng = random.Random(self.rng.random())
            cluster.faults.on_change(self._reachability_listener(cluster))
            directory = ServiceDirectory(spec.name, logs=cluster.logs)
            # Before anything is created, so the directory sees every object from the start.
            directory.attach(cluster.api)
            self.directories[spec.name] = directory
            self.traffic.clusters.append(
                ClusterTraffic(directory, spec.simulation.requests_per_second))
            self.fronts[spec.name] = Front(spec.name, directory, self.metrics,
                                           random.Random(self.rng.random()))
            # pods/proxy and services/proxy on the API server answer like the front.
            cluster.proxy_answer = self.fronts[spec.name].proxy_answer
        await asyncio.gather(*(cluster.start() for cluster in self.clusters.values()))
        for spec in self.spec.clusters:
            _ensure_namespaces(self.clusters[spec.name].api, spec.simulation.namespaces)
        await asyncio.gather(*(front.start() for front in self.fronts.values()))
        await self.admin.start()
        for controller in self._controllers:
            await controller.start(self)
        self._tasks.append(asyncio.create_task(
            self.traffic.run(self.clock.monotonic, lambda: self.clock.speed),
            name="fleetsim-traffic"))
        self.started = True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for controller in reversed(self._controllers):
            await _quietly(controller.stop(), "fleet controller")
        await _quietly(self.admin.stop(), "admin server")
        await asyncio.gather(*(_quietly(front.stop(), f"front {name}")
                               for name, front in self.fronts.items()))
        await asyncio.gather(*(_quietly(cluster.stop(), f"cluster {name}")
                               for name, cluster in self.clusters.items()))
        self.started = False

    # -- faults ---------------------------------------------------------------------------------
    def _reachability_listener(self, cluster: Cluster):
        def listener(state, changed: bool):
            if changed:
                return cluster.set_reachable(not state.unreachable)
            return None
        return listener

    async def set_fault(self, name: str, **changes: Any) -> dict[str, Any]:
        cluster = self.clusters[name]
        for pending in cluster.faults.update(**changes):
            if asyncio.iscoroutine(pending):
                await pending
        return self.faults_of(name)

    async def clear_faults(self, name: str) -> dict[str, Any]:
        cluster = self.clusters[name]
        for pending in cluster.faults.clear():
            if asyncio.iscoroutine(pending):
                await pending
        return self.faults_of(name)

    def faults_of(self, name: str) -> dict[str, Any]:
        return {"cluster": name, **self.clusters[name].faults.to_dict()}

    # -- description ----------------------------------------------------------------------------
    def render_metrics(self) -> str:
        return self.metrics.render()

    @property
    def metrics_url(self) -> str:
        return f"{self.admin.url}/metrics"

    @property
    def metrics_address(self) -> str:
        """host:port of the metrics endpoint (a Prometheus target)."""
        return f"127.0.0.1:{self.admin.port}"

    def cluster_summaries(self) -> list[dict[str, Any]]:
        out = []
        for spec in self.spec.clusters:
            cluster = self.clusters[spec.name]
            out.append({
                "name": spec.name, "set": spec.set, "environment": spec.environment,
                "region": spec.region, "role": spec.role, "context": spec.name,
                "api_url": cluster.url, "token": cluster.token,
                "front_url": self.fronts[spec.name].url,
                "config_cluster": f"{spec.set}-{spec.environment}-config",
                "faults": cluster.faults.to_dict(),
            })
        return out

    def describe(self, state_dir: Path | None = None) -> dict[str, Any]:
        """The content of fleet.json."""
        return {
            "id": self.id,
            "pid": os.getpid(),
            "clock_speed": self.clock.speed,
            "metrics_url": self.metrics_url,
            "admin_url": f"{self.admin.url}/admin",
            "admin_token": self.admin_token,
            "kubeconfig": str(state_dir / "kubeconfig") if state_dir else None,
            # The clusters serve HTTPS with a certificate from this CA (also in the kubeconfig).
            "ca_file": str(state_dir / "ca.crt") if state_dir else None,
            "clusters": [{k: v for k, v in summary.items() if k != "faults"}
                         for summary in self.cluster_summaries()],
            # Controllers may describe what they serve (the multi-cluster ingress fronts).
            **{key: value for controller in self._controllers
               for key, value in getattr(controller, "describe", dict)().items()},
        }

    def kubeconfig(self) -> dict[str, Any]:
        """One context per cluster, named like the cluster, each with its own user and token."""
        names = [spec.name for spec in self.spec.clusters]
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": names[0],
            "clusters": [{"name": n, "cluster": {
                "server": self.clusters[n].url,
                "certificate-authority-data": self.clusters[n].ca_data}} for n in names],
            "users": [{"name": f"{n}-admin", "user": {"token": self.clusters[n].token}}
                      for n in names],
            "contexts": [{"name": n, "context": {"cluster": n, "user": f"{n}-admin",
                                                 "namespace": "default"}} for n in names],
        }

    def kubeconfig_x509(self, user: str = "kubernetes-admin", groups: tuple[str, ...] = ("system:masters",)
                        ) -> dict[str, Any]:
        """The same contexts with a client certificate instead of a token (kubeadm's admin.conf and
        kind's kubeconfig look like this): CN is the user, each O a group."""
        config = self.kubeconfig()
        cert, key = self.clusters[self.spec.clusters[0].name].client_certificate(user, list(groups))
        creds = {"client-certificate-data": base64.b64encode(cert.encode()).decode(),
                 "client-key-data": base64.b64encode(key.encode()).decode()}
        for entry in config["users"]:
            entry["user"] = dict(creds)
        return config

    def write_state(self, state_dir: str | Path) -> tuple[Path, Path]:
        """Write ``ca.crt``, ``kubeconfig`` and ``fleet.json`` (atomically, fleet.json last: its
        presence means the fleet is up). The last two hold tokens: private to the user."""
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        kubeconfig = state_dir / "kubeconfig"
        fleet_json = state_dir / "fleet.json"
        first = self.clusters[self.spec.clusters[0].name]
        _write_private(state_dir / "ca.crt", base64.b64decode(first.ca_data).decode())
        _write_private(kubeconfig, yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        _write_private(state_dir / "kubeconfig-x509", yaml.safe_dump(self.kubeconfig_x509(), sort_keys=False))
        _write_private(fleet_json, json.dumps(self.describe(state_dir), indent=2) + "\n")
        return kubeconfig, fleet_json


def _ensure_namespaces(api: Any, namespaces: Iterable[str]) -> None:
    for namespace in namespaces:
        if not api.exists("namespaces", None, namespace):
            api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                      "metadata": {"name": namespace}})


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


async def _quietly(awaitable, what: str) -> None:
    try:
        await awaitable
    except Exception:  # stopping must go on for the other parts
        log.exception("stopping %s failed", what)
