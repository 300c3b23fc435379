"""Resource types and the per-cluster registry (built-in kinds plus CRDs).

The table mirrors what kube-apiserver v1.36 publishes in discovery: verbs, shortNames, categories,
subresources and storageVersionHash (computed the same way the real server does).
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")
# CustomResourceDefinitions publish their verbs in this (unsorted) order on a real server.
CRD_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")
CONNECT_VERBS = ("create", "get")
PROXY_VERBS = ("create", "delete", "get", "patch", "update")
# Subresources whose kind or verbs are not "<the parent's kind>, get/patch/update", as
# /api/v1 of v1.36 lists them: name -> (group, version, kind or None for the parent's, verbs).
# "proxy" answers with <Kind>ProxyOptions (NodeProxyOptions, PodProxyOptions, ServiceProxyOptions).
SPECIAL_SUBRESOURCES = {
    "scale": ("autoscaling", "v1", "Scale", SUBRESOURCE_VERBS),
    "finalize": ("", "", None, ("update",)),
    "log": ("", "", None, ("get",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "binding": ("", "", "Binding", ("create",)),
    "token": ("authentication.k8s.io", "v1", "TokenRequest", ("create",)),
    "exec": ("", "", "PodExecOptions", CONNECT_VERBS),
    "attach": ("", "", "PodAttachOptions", CONNECT_VERBS),
    "portforward": ("", "", "PodPortForwardOptions", CONNECT_VERBS),
    "proxy": ("", "", "ProxyOptions", PROXY_VERBS),
}


def subresource_info(rt: "ResourceType", sub: str) -> tuple[str, str, str, tuple[str, ...]]:
    """(group, version, kind, verbs) of a subresource as discovery publishes it."""
    group, version, kind, verbs = SPECIAL_SUBRESOURCES.get(sub, ("", "", None, SUBRESOURCE_VERBS))
    if sub == "proxy":
        kind = f"{rt.kind}ProxyOptions"
    return group, version, kind or rt.kind, verbs


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """Same algorithm as k8s.io/apiserver/pkg/endpoints/discovery.StorageVersionHash."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


@dataclass(eq=False)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()  # "status", "scale", "log", ... (SPECIAL_SUBRESOURCES)
    # CRD-only: the openAPIV3Schema of the served version, and the scale subresource paths.
    schema: dict | None = None
    scale_paths: dict | None = None
    is_crd: bool = False
    list_kind_name: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """kubectl's fully qualified resource name: "pods", "deployments.apps"."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    # A ResourceType equals its fully qualified name, so subscribers may compare it with a string.
    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return self.name == other
        if isinstance(other, ResourceType):
            return (self.group, self.version, self.plural) == (other.group, other.version, other.plural)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.list_kind_name or f"{self.kind}List"

    @property
    def qualified_kind(self) -> str:
        """"Deployment.apps" as used in Invalid messages; bare kind for the core group."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def storage_version_hash(self) -> str:
        return storage_version_hash(self.group, self.version, self.kind)


def _rt(group, version, plural, kind, namespaced, short=(), cats=(), verbs=ALL_VERBS, sub=(), singular=None,
        view_of=None, stored=True):
    rt = ResourceType(group=group, version=version, plural=plural, singular=singular or kind.lower(),
                      kind=kind, namespaced=namespaced, short_names=tuple(short), categories=tuple(cats),
                      verbs=tuple(verbs), subresources=tuple(sub))
    if view_of:
        # Served from another resource's storage through a conversion (events.k8s.io Events).
        rt.extra["view_of"] = view_of
    if not stored:
        # Answered, never stored (bindings, componentstatuses, reviews): no storageVersionHash.
        rt.extra["not_stored"] = True
    return rt


def _hpa_v1() -> ResourceType:
    """autoscaling/v1 HorizontalPodAutoscaler: a conversion view of the autoscaling/v2 storage."""
    from .strategies.hpa_v1_view import HpaV1View
    rt = _rt("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ["hpa"], ["all"],
             sub=("status",), view_of="horizontalpodautoscalers.autoscaling")
    rt.extra["view"] = HpaV1View
    return rt


def builtin_types() -> list[ResourceType]:
    """The built-in kinds fleetsim serves, in the order discovery lists them."""
    return [
        # core/v1
        _rt("", "v1", "bindings", "Binding", True, verbs=("create",), stored=False),
        _rt("", "v1", "componentstatuses", "ComponentStatus", False, ["cs"], verbs=("get", "list"), stored=False),
        _rt("", "v1", "configmaps", "ConfigMap", True, ["cm"]),
        _rt("", "v1", "endpoints", "Endpoints", True, ["ep"], singular="endpoints"),
        _rt("", "v1", "events", "Event", True, ["ev"]),
        _rt("", "v1", "limitranges", "LimitRange", True, ["limits"]),
        _rt("", "v1", "namespaces", "Namespace", False, ["ns"], verbs=NAMESPACE_VERBS, sub=("finalize", "status")),
        _rt("", "v1", "nodes", "Node", False, ["no"], sub=("proxy", "status")),
        _rt("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"], sub=("status",)),
        _rt("", "v1", "persistentvolumes", "PersistentVolume", False, ["pv"], sub=("status",)),
        _rt("", "v1", "pods", "Pod", True, ["po"], ["all"],
            sub=("attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy",
                 "resize", "status")),
        _rt("", "v1", "podtemplates", "PodTemplate", True),
        _rt("", "v1", "replicationcontrollers", "ReplicationController", True, ["rc"], ["all"],
            sub=("scale", "status")),
        _rt("", "v1", "resourcequotas", "ResourceQuota", True, ["quota"], sub=("status",)),
        _rt("", "v1", "secrets", "Secret", True),
        _rt("", "v1", "serviceaccounts", "ServiceAccount", True, ["sa"], sub=("token",)),
        _rt("", "v1", "services", "Service", True, ["svc"], ["all"], sub=("proxy", "status")),
        # apps/v1
        _rt("apps", "v1", "controllerrevisions", "ControllerRevision", True),
        _rt("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"], ["all"], sub=("status",)),
        _rt("apps", "v1", "deployments", "Deployment", True, ["deploy"], ["all"], sub=("scale", "status")),
        _rt("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"], ["all"], sub=("scale", "status")),
        _rt("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"], ["all"], sub=("scale", "status")),
        # events.k8s.io/v1
        _rt("events.k8s.io", "v1", "events", "Event", True, ["ev"], view_of="events"),
        # batch/v1
        _rt("batch", "v1", "cronjobs", "CronJob", True, ["cj"], ["all"], sub=("status",)),
        _rt("batch", "v1", "jobs", "Job", True, (), ["all"], sub=("status",)),
        # autoscaling/v2
        _rt("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ["hpa"], ["all"],
            sub=("status",)),
        _hpa_v1(),
        # networking.k8s.io/v1
        _rt("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
        _rt("networking.k8s.io", "v1", "ingresses", "Ingress", True, ["ing"], sub=("status",)),
        _rt("networking.k8s.io", "v1", "ipaddresses", "IPAddress", False, ["ip"]),
        _rt("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ["netpol"]),
        _rt("networking.k8s.io", "v1", "servicecidrs", "ServiceCIDR", False, sub=("status",)),
        # policy/v1
        _rt("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"], sub=("status",)),
        # rbac.authorization.k8s.io/v1
        _rt("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
        _rt("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
        _rt("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
        _rt("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
        # apiextensions.k8s.io/v1
        _rt("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
            ["crd", "crds"], ["api-extensions"], sub=("status",)),
        # authentication.k8s.io/v1 and authorization.k8s.io/v1: reviews answered, never stored
        _rt("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",),
            stored=False),
        _rt("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False, verbs=("create",), stored=False),
        _rt("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", True,
            verbs=("create",), stored=False),
        _rt("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
            verbs=("create",), stored=False),
        _rt("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False,
            verbs=("create",), stored=False),
        _rt("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", False,
            verbs=("create",), stored=False),
        # scheduling.k8s.io/v1
        _rt("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ["pc"]),
        # coordination.k8s.io/v1
        _rt("coordination.k8s.io", "v1", "leases", "Lease", True),
        # discovery.k8s.io/v1
        _rt("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ]


# The order groups appear in /apis on a real v1.36 server (apis.json); CRD groups follow.
GROUP_ORDER = [
    "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
    "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "resource.k8s.io", "flowcontrol.apiserver.k8s.io",
]


def version_priority(version: str) -> tuple:
    """Kubernetes' version ordering (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else)."""
    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", version)
    if not m:
        return (0, 0, 0, version)
    major, stage, minor = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    rank = {"alpha": 1, "beta": 2, None: 3}[stage]
    return (1, rank, major, minor) if rank != 3 else (1, 3, major, 0)


class ResourceRegistry:
    """The resource types one cluster serves. CRDs add and remove entries at run time.

    A resource name ("widgets.example.com") has one primary type (its storage version); further
    served versions of a CRD are views of it (extra["view_of"] == name) found by group/version."""

    def __init__(self, types: list[ResourceType] | None = None):
        self._types: list[ResourceType] = []
        self._by_name: dict[str, ResourceType] = {}
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {}
        self._by_gvk: dict[tuple[str, str], ResourceType] = {}
        self._listeners: list = []
        for rt in types if types is not None else builtin_types():
            self.add(rt)

    def add(self, rt: ResourceType) -> None:
        self._types = [t for t in self._types if (t.group, t.version, t.plural) != (rt.group, rt.version, rt.plural)]
        self._types.append(rt)
        if rt.extra.get("view_of") != rt.name:
            self._by_name[rt.name] = rt
        self._by_gvr[(rt.group, rt.version, rt.plural)] = rt
        self._by_gvk[(rt.api_version, rt.kind)] = rt
        for fn in list(self._listeners):
            fn("added", rt)

    def remove(self, name: str) -> ResourceType | None:
        """Forget every version of a resource; returns its primary type."""
        primary = self._by_name.pop(name, None)
        gone = [t for t in self._types if t.name == name]
        self._types = [t for t in self._types if t.name != name]
        for rt in gone:
            if self._by_gvr.get((rt.group, rt.version, rt.plural)) is rt:
                self._by_gvr.pop((rt.group, rt.version, rt.plural), None)
            if self._by_gvk.get((rt.api_version, rt.kind)) is rt:
                self._by_gvk.pop((rt.api_version, rt.kind), None)
            for fn in list(self._listeners):
                fn("removed", rt)
        return primary

    def on_change(self, fn) -> None:
        """fn(action, resource_type) after a type is added or removed (discovery caches use it)."""
        self._listeners.append(fn)

    def get(self, name: str) -> ResourceType:
        """By fully qualified name ("deployments.apps"); KeyError when unknown."""
        return self._by_name[name]

    def find(self, name: str) -> ResourceType | None:
        return self._by_name.get(name)

    def by_gvr(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvr.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return self._by_gvk.get((api_version, kind))

    def all(self) -> list[ResourceType]:
        """Every served type, every version."""
        return list(self._types)

    def group_versions(self) -> dict[str, list[str]]:
        """{group: [versions, preferred first]} for every non-core group, in the real server's order."""
        out: dict[str, list[str]] = {}
        for rt in self._types:
            if rt.group:
                versions = out.setdefault(rt.group, [])
                if rt.version not in versions:
                    versions.append(rt.version)
        for versions in out.values():
            versions.sort(key=version_priority, reverse=True)
        order = {g: i for i, g in enumerate(GROUP_ORDER)}
        return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], len(order)),
                                                        kv[0] if kv[0] not in order else "")))

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return sorted((rt for rt in self._types if rt.group == group and rt.version == version),
                      key=lambda rt: rt.plural)
