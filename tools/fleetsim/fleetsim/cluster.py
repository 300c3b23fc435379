"""One simulated cluster: its API (registry, store, verbs), its HTTP API server on 127.0.0.1, its
fault state, and the control-plane components (controllers, kubelet) that run against its Api."""
from __future__ import annotations

import inspect
import logging
import random
import secrets
from dataclasses import dataclass, field

from .api import Api
from .faults import FaultState
from .resources import ResourceRegistry
from .store import Store

log = logging.getLogger("fleetsim.cluster")


@dataclass
class UserInfo:
    """An authenticated user, as the real authenticator hands it to the authorizer (RBAC later)."""
    name: str
    groups: list[str] = field(default_factory=lambda: ["system:authenticated"])
    uid: str = ""
    extra: dict = field(default_factory=dict)


def _system_clock():
    from .clock import Clock
    return Clock(1.0)


def component_factories():
    """The control-plane parts every cluster runs: S2's controllers and kubelet.

    Each factory is called as factory(cluster) and returns (or awaits to) a handle with stop()."""
    factories = []
    try:
        from .controllers import start_controllers
        factories.append(start_controllers)
    except ImportError:
        pass
    try:
        from .kubelet import start_kubelet
        factories.append(start_kubelet)
    except ImportError:
        pass
    return factories


class Cluster:
    def __init__(self, name: str, *, clock=None, settings=None, token: str | None = None, port: int = 0,
                 host: str = "127.0.0.1", run_components: bool = True, seed: int | None = None,
                 region: str | None = None):
        self.name = name
        self.settings = settings
        self.region = region
        self.clock = clock or _system_clock()
        self.host = host
        self.port = port
        self.token = token or secrets.token_hex(24)
        # token -> user; the admin token belongs to the cluster admin (RBAC evaluation comes later).
        self.users: dict[str, UserInfo] = {self.token: UserInfo("kubernetes-admin",
                                                                ["system:masters", "system:authenticated"])}
        self.rng = random.Random(seed)
        self.registry = ResourceRegistry()
        self.store = Store()
        self.api = Api(self.registry, self.store, self.clock, rng=self.rng)
        self.faults = FaultState()
        from .logs import PodLogs
        self.logs = PodLogs(self.clock, random.Random(seed))  # container logs (pods/log)
        self.run_components = run_components
        self.components: list = []
        self.server = None  # apiserver.server.ApiServer once started
        # pods/proxy and services/proxy: async (resource, obj, method, path) -> (status, body, headers)
        # or None; the fleet runtime sets it to its front's (fronts.Front.proxy_answer).
        self.proxy_answer = None
        self.started = False
        self._bootstrap()

    def add_user(self, name: str, groups: list[str] | None = None, token: str | None = None) -> str:
        """Register a bearer token for a (non-admin) user; RBAC objects decide what it may do."""
        token = token or secrets.token_hex(24)
        self.users[token] = UserInfo(name, list(groups or []) + ["system:authenticated"])
        return token

    def client_certificate(self, name: str, groups: list[str] | None = None) -> tuple[str, str]:
        """(cert PEM, key PEM) of an x509 client certificate for user `name` in `groups` (CN/O),
        signed by the CA the API server trusts for client certificates."""
        from .apiserver import tls
        return tls.issue_client_certificate(name, list(groups or []))

    @property
    def url(self) -> str:
        # HTTPS: Kubernetes clients only send bearer tokens over TLS.
        return f"https://{self.host}:{self.port}"

    @property
    def ca_data(self) -> str:
        """The CA of the serving certificate, for kubeconfig certificate-authority-data."""
        from .apiserver import tls
        return tls.ca_data()

    @property
    def ca_file(self) -> str:
        from .apiserver import tls
        return tls.ca_file()

    def _bootstrap(self) -> None:
        """What a fresh kube-apiserver has: the system namespaces and the default service."""
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                            field_manager="kube-apiserver")
        from .apiserver.authz import bootstrap_policy
        for resource, obj in bootstrap_policy():
            self.api.create(resource, obj, field_manager="kube-apiserver")
        # The default ServiceCIDR the IP allocator hands cluster IPs from (each gets an IPAddress).
        cidr = self.api.create("servicecidrs.networking.k8s.io", {
            "apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR", "metadata": {"name": "kubernetes"},
            "spec": {"cidrs": ["10.96.0.0/12"]}}, field_manager="kube-apiserver")
        cidr["status"] = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": self.api.now_str(),
                                          "reason": "", "message": "Kubernetes Service CIDR is ready"}]}
        self.api.update("servicecidrs.networking.k8s.io", cidr, subresource="status", field_manager="kube-apiserver")
        self.api.create("services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        }, field_manager="kube-apiserver")

    async def start(self) -> None:
        from .apiserver.server import ApiServer
        self.server = ApiServer(self)
        await self.server.start()
        self.port = self.server.port
        if self.run_components:
            for factory in component_factories():
                handle = factory(self)
                if inspect.isawaitable(handle):
                    handle = await handle
                if handle is not None:
                    self.components.append(handle)
        self.started = True

    async def stop(self) -> None:
        for comp in reversed(self.components):
            try:
                res = comp.stop()
                if inspect.isawaitable(res):
                    await res
            except Exception:  # noqa: BLE001 - stopping the rest matters more
                log.exception("stopping %s of cluster %s failed", comp, self.name)
        self.components.clear()
        if self.server is not None:
            await self.server.stop()
        self.started = False

    async def set_reachable(self, reachable: bool) -> None:
        """Close (unreachable) or reopen the listening socket on the same port."""
        if self.server is not None:
            if reachable:
                await self.server.open()
            else:
                await self.server.close()

    def __repr__(self) -> str:
        return f"Cluster({self.name!r}, port={self.port})"

