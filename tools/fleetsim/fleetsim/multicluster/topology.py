"""Which clusters make up one multi-cluster environment, and how GKE names them.

Each (environment set, environment) of the fleet file is one GKE fleet: the config cluster
``<set>-<environment>-config`` holds MultiClusterService / MultiClusterIngress objects and the
member clusters ``<set>-<environment>-<region>`` run the workloads. A MultiClusterService selects
member clusters with links ``<region>/<cluster name>`` (GKE: ``<zone or region>/<cluster name>``).

The config cluster publishes the fleet's membership in the ConfigMap
``kube-public/fleet-memberships`` (one key per member cluster name, the value its location), so
clients can check links before writing. GKE keeps memberships in the GKE Hub API (``gcloud
container fleet memberships list``), not in a cluster; the ConfigMap is the simulation's stand-in.
"""
from __future__ import annotations

import dataclasses

MEMBERSHIPS_NAMESPACE = "kube-public"
MEMBERSHIPS_CONFIGMAP = "fleet-memberships"


@dataclasses.dataclass(frozen=True)
class Member:
    name: str
    region: str

    @property
    def link(self) -> str:
        return f"{self.region}/{self.name}"


@dataclasses.dataclass(frozen=True)
class Environment:
    set: str
    environment: str
    config: str  # config cluster name
    members: tuple[Member, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.set, self.environment)

    def member_by_link(self, link: str) -> Member | None:
        for member in self.members:
            if member.link == link:
                return member
        return None

    def member(self, name: str) -> Member | None:
        for member in self.members:
            if member.name == name:
                return member
        return None


def environments(spec) -> list[Environment]:
    """Every (set, environment) of a FleetSpec with its config cluster and members."""
    grouped: dict[tuple[str, str], list[Member]] = {}
    configs: dict[tuple[str, str], str] = {}
    for cluster in spec.clusters:
        key = (cluster.set, cluster.environment)
        grouped.setdefault(key, [])
        if cluster.role == "config":
            configs[key] = cluster.name
        else:
            grouped[key].append(Member(cluster.name, cluster.region))
    return [Environment(key[0], key[1], configs[key], tuple(members))
            for key, members in grouped.items() if key in configs]


def parse_link(link) -> tuple[str, str] | None:
    """``(location, cluster)`` of a ``<location>/<cluster>`` link, None when malformed."""
    if not isinstance(link, str) or link.count("/") != 1:
        return None
    location, cluster = link.split("/")
    if not location or not cluster:
        return None
    return location, cluster


def memberships_configmap(env: Environment) -> dict:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": MEMBERSHIPS_CONFIGMAP, "namespace": MEMBERSHIPS_NAMESPACE,
                     "labels": {"app.kubernetes.io/managed-by": "fleetsim"},
                     "annotations": {"fleetsim.io/environment": f"{env.set}/{env.environment}"}},
        "data": {member.name: member.region for member in env.members},
    }
