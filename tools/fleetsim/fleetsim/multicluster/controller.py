"""The cross-cluster controller of the simulation: what GKE's multi-cluster ingress and
multi-cluster services controllers do for a fleet, for every (set, environment) of the fleet.

It is a fleet controller (``async start(fleet)`` / ``async stop()``, see fleet_runtime.py): at
start it installs the CRDs (crds.py), publishes each environment's membership on its config
cluster (topology.py), starts one MCI front per config cluster (front.py) and the MCI traffic
(ingress_traffic.py). Then one work queue, fed by the clusters' change feeds (``api.subscribe``),
reconciles MultiClusterServices (mcs.py), MultiClusterIngresses (mci.py) and ServiceExports
(exports.py). Nothing polls.
"""
from __future__ import annotations

import asyncio
import logging
import math
import random

from ..controllers.base import WorkQueue
from ..controllers.events import EventRecorder
from ..traffic import RATE_ANNOTATION
from . import crds, exports, mci, mcs
from .front import IngressFront
from .ingress_traffic import IngressTraffic
from .objects import MANAGER, lookup
from .topology import MEMBERSHIPS_CONFIGMAP, MEMBERSHIPS_NAMESPACE, environments, \
    memberships_configmap

log = logging.getLogger(__name__)


class MultiClusterController:
    def __init__(self):
        self.fleet = None
        self.environments: dict[tuple[str, str], object] = {}
        # (env key, namespace, MCI name) -> mci.Route; what the fronts and the traffic serve.
        self.routes: dict[tuple, mci.Route] = {}
        self._placements: dict[tuple, list[mcs.Placement]] = {}
        self._exported: set[tuple] = set()
        self.fronts: dict[tuple[str, str], IngressFront] = {}
        self.traffic: IngressTraffic | None = None
        self.queue: WorkQueue | None = None
        self._recorders: dict[str, EventRecorder] = {}
        self._unsubscribe: list = []
        self._task: asyncio.Task | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, fleet) -> None:
        self.fleet = fleet
        self.queue = WorkQueue("multicluster", self._sync, fleet.clock)
        for env in environments(fleet.spec):
            self.environments[env.key] = env
            config_api = fleet.clusters[env.config].api
            crds.install(config_api, crds.CONFIG_CLUSTER_CRDS)
            _publish_memberships(config_api, env)
            self._recorders[env.config] = EventRecorder(config_api, fleet.clock)
            self._unsubscribe.append(config_api.subscribe(self._config_listener(env)))
            for member in env.members:
                member_api = fleet.clusters[member.name].api
                crds.install(member_api, crds.MEMBER_CLUSTER_CRDS)
                self._unsubscribe.append(member_api.subscribe(self._member_listener(env)))
            self._queue_existing(env)
            front = IngressFront(self, env, fleet.metrics, random.Random(fleet.rng.random()))
            await front.start()
            self.fronts[env.key] = front
        self.traffic = IngressTraffic(self, fleet.metrics, random.Random(fleet.rng.random()))
        self._task = asyncio.create_task(self.traffic.run(fleet.clock), name="fleetsim-mci-traffic")

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self.queue is not None:
            self.queue.shutdown()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for front in self.fronts.values():
            await front.stop()

    def describe(self) -> dict:
        """The ``multicluster`` entry of fleet.json."""
        return {"multicluster": {
            "fronts": {env.config: self.fronts[key].url for key, env in self.environments.items()
                       if key in self.fronts},
            "environments": [{"set": env.set, "environment": env.environment,
                              "config_cluster": env.config,
                              "members": [m.link for m in env.members]}
                             for env in self.environments.values()],
        }}

    def ingress_url(self, config_cluster: str, namespace: str, name: str) -> str:
        """Where the MCI ``namespace/name`` of a config cluster answers HTTP requests."""
        for key, env in self.environments.items():
            if env.config == config_cluster:
                return f"{self.fronts[key].url}/{namespace}/{name}"
        raise KeyError(f"{config_cluster} is not a config cluster")

    # -- what reconcilers, fronts and traffic ask ---------------------------------------------
    def api(self, cluster: str):
        return self.fleet.clusters[cluster].api

    def placements(self, env, namespace: str, mcs_name: str) -> list[mcs.Placement]:
        return self._placements.get((env.key, namespace, mcs_name), [])

    def endpoints(self, env_key, namespace: str, mcs_name: str) -> list[tuple]:
        """(cluster, Endpoint) for every ready pod behind the MCS's derived Services."""
        out = []
        for placement in self._placements.get((env_key, namespace, mcs_name), []):
            directory = self.fleet.directories[placement.cluster]
            if directory.has_service(namespace, placement.service):
                out += [(placement.cluster, endpoint)
                        for endpoint in directory.ready_endpoints(namespace, placement.service)]
        return out

    def default_rate(self, env_key) -> float:
        env = self.environments[env_key]
        return self.fleet.cluster_specs[env.config].simulation.requests_per_second

    @staticmethod
    def rate_override(obj: dict) -> float | None:
        raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(RATE_ANNOTATION)
        try:
            value = float(raw) if raw is not None else math.nan
        except ValueError:
            value = math.nan
        return value if value >= 0 else None  # NaN compares False

    def warn(self, cluster: str, obj: dict, reason: str, message: str) -> None:
        self._recorders[cluster].event(obj, "Warning", reason, message, component=mci.COMPONENT)

    # -- change feeds ---------------------------------------------------------------------------
    def _config_listener(self, env):
        def on_change(event_type, rt, obj, old):
            resource = getattr(rt, "name", rt)
            meta = obj.get("metadata") or {}
            if resource == mcs.RESOURCE:
                self.queue.add(("mcs", env.key, meta.get("namespace"), meta.get("name")))
            elif resource == mci.RESOURCE:
                self.queue.add(("mci", env.key, meta.get("namespace"), meta.get("name")))
        return on_change

    def _member_listener(self, env):
        def on_change(event_type, rt, obj, old):
            resource = getattr(rt, "name", rt)
            meta = obj.get("metadata") or {}
            namespace, name = meta.get("namespace"), meta.get("name")
            if resource == "services":
                owner = (meta.get("labels") or {}).get(mcs.LABEL_MCS)
                if owner:
                    self.queue.add(("mcs", env.key, namespace, owner))
                if (env.key, namespace, name) in self._exported:
                    self.queue.add(("export", env.key, namespace, name))
            elif resource == exports.EXPORTS:
                self._exported.add((env.key, namespace, name))
                self.queue.add(("export", env.key, namespace, name))
            elif resource == exports.IMPORTS:
                if (env.key, namespace, name) in self._exported:
                    self.queue.add(("export", env.key, namespace, name))
            elif resource == "namespaces" and event_type == "ADDED":
                self._queue_namespace(env, name)
        return on_change

    def _queue_existing(self, env) -> None:
        config_api = self.api(env.config)
        for resource, kind in ((mcs.RESOURCE, "mcs"), (mci.RESOURCE, "mci")):
            for item in config_api.list(resource)["items"]:
                self.queue.add((kind, env.key, item["metadata"]["namespace"], item["metadata"]["name"]))
        for member in env.members:
            for item in self.api(member.name).list(exports.EXPORTS)["items"]:
                key = (env.key, item["metadata"]["namespace"], item["metadata"]["name"])
                self._exported.add(key)
                self.queue.add(("export", *key))

    def _queue_namespace(self, env, namespace: str) -> None:
        """A namespace appeared in a member: MCSs and exports of it may now place objects there."""
        for item in self.api(env.config).list(mcs.RESOURCE, namespace)["items"]:
            self.queue.add(("mcs", env.key, namespace, item["metadata"]["name"]))
        for env_key, ns, name in list(self._exported):
            if env_key == env.key and ns == namespace:
                self.queue.add(("export", env_key, ns, name))

    # -- reconcile ------------------------------------------------------------------------------
    def _sync(self, key) -> None:
        kind, env_key, namespace, name = key
        env = self.environments[env_key]
        if kind == "mcs":
            placements = mcs.reconcile(self, env, namespace, name)
            if placements:
                self._placements[(env_key, namespace, name)] = placements
            else:
                self._placements.pop((env_key, namespace, name), None)
            # Any MCI naming this MCS may change: NEGs follow placements, backend services its ports.
            # (An unchanged MCI status is not rewritten, so this does not loop.)
            for item in self.api(env.config).list(mci.RESOURCE, namespace)["items"]:
                route = mci.route_of(item, None)
                if any(backend.service == name for backend in route.backends()):
                    self.queue.add(("mci", env_key, namespace, item["metadata"]["name"]))
        elif kind == "mci":
            route = mci.reconcile(self, env, namespace, name)
            if route is None:
                self.routes.pop((env_key, namespace, name), None)
            else:
                self.routes[(env_key, namespace, name)] = route
        elif kind == "export":
            exports.reconcile(self, env, namespace, name)
            if not any(lookup(self.api(m.name), exports.EXPORTS, namespace, name) for m in env.members):
                self._exported.discard((env_key, namespace, name))


def _publish_memberships(api, env) -> None:
    desired = memberships_configmap(env)
    existing = lookup(api, "configmaps", MEMBERSHIPS_NAMESPACE, MEMBERSHIPS_CONFIGMAP)
    if existing is None:
        api.create("configmaps", desired, field_manager=MANAGER)
    elif existing.get("data") != desired["data"]:
        existing["data"] = desired["data"]
        api.update("configmaps", existing, field_manager=MANAGER)
