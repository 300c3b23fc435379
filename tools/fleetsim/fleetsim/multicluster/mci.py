"""MultiClusterIngress: status (VIP, Cloud resources) and the routing its front and traffic use.

The MCI's backends (``spec.template.spec.backend`` and every ``rules[].http.paths[].backend``)
name a MultiClusterService (``serviceName``) and one of its ports (``servicePort``, number or
name). Status as GKE writes it once the load balancer exists::

    status:
      VIP: 34.101.7.19                     # networking.gke.io/static-ip if set, else a stable fake
      CloudResources:
        BackendServices: [mci-ab12cd-8080-shop-web]     # one per (MCS, port)
        Firewalls: [mci-ab12cd-default-l7]
        ForwardingRules: [mci-ab12cd-fw-shop-web]
        HealthChecks: [mci-ab12cd-8080-shop-web]
        NetworkEndpointGroups:                          # one per (backend, cluster serving it)
        - zones/us-east1-b/networkEndpointGroups/k8s1-...
        TargetProxies: [mci-ab12cd-shop-web]
        UrlMap: mci-ab12cd-shop-web

A backend naming a missing MCS or a port the MCS does not expose gets no backend service and a
Warning Event (``MissingBackend`` / ``UnknownServicePort``) on the MCI, as the GKE controller
reports it.
"""
from __future__ import annotations

import dataclasses
import fnmatch

from . import names
from .mcs import RESOURCE as MCS_RESOURCE
from .objects import lookup, set_status, template_spec

RESOURCE = "multiclusteringresses.networking.gke.io"
STATIC_IP_ANNOTATION = "networking.gke.io/static-ip"
COMPONENT = "multi-cluster-ingress-controller"


@dataclasses.dataclass(frozen=True)
class Backend:
    service: str  # the MCS name
    port: int | str


@dataclasses.dataclass(frozen=True)
class Rule:
    host: str | None
    paths: tuple[tuple[str, Backend], ...]


@dataclasses.dataclass(frozen=True)
class Route:
    """What the MCI front needs to answer a request of one MCI."""
    namespace: str
    name: str
    default: Backend | None
    rules: tuple[Rule, ...]
    requests_per_second: float | None

    def backends(self) -> list[Backend]:
        out = [self.default] if self.default else []
        for rule in self.rules:
            out += [backend for _, backend in rule.paths]
        return list(dict.fromkeys(out))

    def pick(self, host: str, path: str) -> Backend | None:
        """The backend of the first rule whose host and path match, else the default backend."""
        for rule in self.rules:
            if rule.host and rule.host != host:
                continue
            for pattern, backend in rule.paths:
                if path_matches(pattern, path):
                    return backend
        return self.default


def path_matches(pattern: str, path: str) -> bool:
    """GCE URL map paths: exact, or a trailing ``/*`` prefix match (``/*`` matches anything)."""
    if not pattern or pattern in ("/*", "*"):
        return True
    if pattern.endswith("/*"):
        prefix = pattern[:-2]
        return path == prefix or path.startswith(prefix + "/")
    return fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path == pattern


def _backend(value) -> Backend | None:
    if not isinstance(value, dict) or not value.get("serviceName"):
        return None
    port = value.get("servicePort")
    return Backend(str(value["serviceName"]), port if isinstance(port, int) else str(port))


def route_of(mci: dict, rate: float | None) -> Route:
    spec = template_spec(mci)
    rules = []
    # The CRD keeps whatever a client wrote: skip malformed parts rather than fail the whole MCI.
    for rule in spec.get("rules") if isinstance(spec.get("rules"), list) else []:
        if not isinstance(rule, dict):
            continue
        http = rule.get("http") if isinstance(rule.get("http"), dict) else {}
        paths = []
        for entry in http.get("paths") if isinstance(http.get("paths"), list) else []:
            backend = _backend(entry.get("backend")) if isinstance(entry, dict) else None
            if backend:
                paths.append((entry.get("path") or "/*", backend))
        rules.append(Rule(rule.get("host") or None, tuple(paths)))
    meta = mci["metadata"]
    return Route(meta["namespace"], meta["name"], _backend(spec.get("backend")), tuple(rules), rate)


def port_of(mcs: dict, port) -> dict | None:
    """The MCS template port a backend's servicePort names (by number or by name)."""
    ports = template_spec(mcs).get("ports")
    for entry in ports if isinstance(ports, list) else []:
        if isinstance(entry, dict) and (entry.get("port") == port or
                                        (isinstance(port, str) and entry.get("name") == port) or
                                        str(entry.get("port")) == str(port)):
            return entry
    return None


def reconcile(ctl, env, namespace: str, name: str) -> Route | None:
    config_api = ctl.api(env.config)
    mci = lookup(config_api, RESOURCE, namespace, name)
    if mci is None or mci["metadata"].get("deletionTimestamp"):
        return None
    route = route_of(mci, ctl.rate_override(mci))
    prefix = names.lb_prefix(env.config, namespace, name)
    backend_services, negs = [], []
    for backend in route.backends():
        mcs = lookup(config_api, MCS_RESOURCE, namespace, backend.service)
        if mcs is None:
            ctl.warn(env.config, mci, "MissingBackend",
                     f'backend MultiClusterService "{backend.service}" not found in namespace {namespace}')
            continue
        port = port_of(mcs, backend.port)
        if port is None:
            ctl.warn(env.config, mci, "UnknownServicePort",
                     f'MultiClusterService "{backend.service}" does not expose port {backend.port}')
            continue
        backend_services.append(f"{prefix}-{port['port']}-{namespace}-{backend.service}")
        for placement in ctl.placements(env, namespace, backend.service):
            member = env.member(placement.cluster)
            negs.append(f"zones/{member.region}-b/networkEndpointGroups/"
                        + names.neg_name(member.name, namespace, placement.service, port["port"]))
    annotations = mci["metadata"].get("annotations") or {}
    vip = annotations.get(STATIC_IP_ANNOTATION) or names.fake_vip(env.config, namespace, name)
    backend_services = list(dict.fromkeys(backend_services))
    status = {
        "VIP": vip,
        "CloudResources": {
            "BackendServices": backend_services,
            "Firewalls": [f"{prefix}-default-l7"],
            "ForwardingRules": [f"{prefix}-fw-{namespace}-{name}"],
            "HealthChecks": list(backend_services),
            "NetworkEndpointGroups": sorted(set(negs)),
            "TargetProxies": [f"{prefix}-{namespace}-{name}"],
            "UrlMap": f"{prefix}-{namespace}-{name}",
        },
    }
    set_status(config_api, RESOURCE, mci, status)
    return route
