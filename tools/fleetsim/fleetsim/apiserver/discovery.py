"""Discovery documents: /api, /apis, /api/v1, /apis/{group}[/{version}] and the aggregated
(apidiscovery.k8s.io/v2) variants kubectl asks for, built from the cluster's registry."""
from __future__ import annotations

from ..resources import ResourceRegistry, ResourceType, subresource_info


def _resource_entries(rt: ResourceType) -> list[dict]:
    main = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced, "kind": rt.kind,
            "verbs": list(rt.verbs)}
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    if rt.categories:
        main["categories"] = list(rt.categories)
    if not rt.extra.get("not_stored"):
        main["storageVersionHash"] = rt.storage_version_hash
    out = [main]
    for sub in rt.subresources:
        group, version, kind, verbs = subresource_info(rt, sub)
        entry = {"name": f"{rt.plural}/{sub}", "singularName": "", "namespaced": rt.namespaced}
        if group:
            entry.update({"group": group, "version": version})
        entry["kind"] = kind
        entry["verbs"] = list(verbs)
        out.append(entry)
    return out


def api_resource_list(registry: ResourceRegistry, group: str, version: str) -> dict | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    resources = []
    for rt in types:
        resources += _resource_entries(rt)
    resources.sort(key=lambda e: e["name"])
    if not group:
        # The real /api/v1 carries no apiVersion.
        return {"kind": "APIResourceList", "groupVersion": version, "resources": resources}
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
            "resources": resources}


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group_entry(group: str, versions: list[str]) -> dict:
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": vs, "preferredVersion": vs[0]}


def api_group_list(registry: ResourceRegistry) -> dict:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_entry(g, vs) for g, vs in registry.group_versions().items()]}


def api_group(registry: ResourceRegistry, group: str) -> dict | None:
    vs = registry.group_versions().get(group)
    if not vs:
        return None
    entry = _group_entry(group, vs)
    return {"kind": "APIGroup", "apiVersion": "v1", **entry}


def _aggregated_resource(rt: ResourceType) -> dict:
    entry = {"resource": rt.plural, "responseKind": {"group": "", "version": "", "kind": rt.kind},
             "scope": "Namespaced" if rt.namespaced else "Cluster", "singularResource": rt.singular,
             "verbs": list(rt.verbs)}
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = []
    for sub in sorted(rt.subresources):
        group, version, kind, verbs = subresource_info(rt, sub)
        subs.append({"subresource": sub, "responseKind": {"group": group, "version": version, "kind": kind},
                     "verbs": list(verbs)})
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated_core(registry: ResourceRegistry) -> dict:
    resources = [_aggregated_resource(rt) for rt in registry.in_group_version("", "v1")]
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": resources,
                                                     "freshness": "Current"}]}]}


def aggregated_groups(registry: ResourceRegistry) -> dict:
    items = []
    for group, versions in registry.group_versions().items():
        vs = []
        for v in versions:
            vs.append({"version": v, "resources": [_aggregated_resource(rt)
                                                   for rt in registry.in_group_version(group, v)],
                       "freshness": "Current"})
        items.append({"metadata": {"name": group}, "versions": vs})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}
