"""CustomResourceDefinition: validation, and what the apiextensions controllers do at once in a
real apiserver: accept the names, mark the CRD Established and serve the new resource (REST,
discovery, watch, OpenAPI); on deletion remove every instance and stop serving it."""
from __future__ import annotations

import re

from ..errors import Cause, field_invalid, field_not_supported, field_required
from ..resources import CRD_VERBS, ResourceType
from ..store import clone
from . import register
from .base import Strategy, validate_dns_subdomain

CRD_RESOURCE = "customresourcedefinitions.apiextensions.k8s.io"


def storage_version(crd: dict) -> dict | None:
    """The storage version if served, else the first served one (what fleetsim stores)."""
    versions = (crd.get("spec") or {}).get("versions") or []
    served = [v for v in versions if v.get("served")]
    for v in served:
        if v.get("storage"):
            return v
    return served[0] if served else None


class ApiVersionView:
    """A served CRD version other than the storage one: conversion strategy None, i.e. the same
    object with the other apiVersion."""

    def __init__(self, storage_api_version: str, api_version: str):
        self.storage_api_version = storage_api_version
        self.api_version = api_version

    def to_view(self, obj: dict) -> dict:
        return {**obj, "apiVersion": self.api_version} if "apiVersion" in obj else dict(obj)

    @staticmethod
    def to_view_item(obj: dict) -> dict:
        return obj

    def to_storage(self, obj: dict) -> dict:
        return {**obj, "apiVersion": self.storage_api_version}

    @staticmethod
    def field_selector(selector):
        return selector


def _version_type(crd: dict, version: dict) -> ResourceType:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    subs = version.get("subresources") or {}
    scale = subs.get("scale")
    rt = ResourceType(
        group=spec["group"], version=version["name"], plural=names["plural"],
        singular=names.get("singular") or names["kind"].lower(), kind=names["kind"],
        namespaced=spec.get("scope") == "Namespaced", short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()), verbs=CRD_VERBS,
        subresources=tuple(s for s in ("scale", "status") if s in subs),
        schema=(version.get("schema") or {}).get("openAPIV3Schema"),
        scale_paths={"spec": scale.get("specReplicasPath", ".spec.replicas"),
                     "status": scale.get("statusReplicasPath", ".status.replicas"),
                     "selector": scale.get("labelSelectorPath")} if scale is not None else None,
        is_crd=True, list_kind_name=names.get("listKind"))
    rt.extra["crd_name"] = crd["metadata"]["name"]
    rt.extra["printer_columns"] = version.get("additionalPrinterColumns") or []
    return rt


def resource_type_for(crd: dict) -> ResourceType | None:
    """The type of the storage version (where the objects live)."""
    version = storage_version(crd)
    return _version_type(crd, version) if version is not None else None


def resource_types_for(crd: dict) -> list[ResourceType]:
    """Every served version: the storage one first, the others as views of it."""
    primary = resource_type_for(crd)
    if primary is None:
        return []
    out = [primary]
    for version in (crd.get("spec") or {}).get("versions") or []:
        if version.get("served") and version.get("name") != primary.version:
            rt = _version_type(crd, version)
            rt.extra["view_of"] = primary.name
            rt.extra["view"] = ApiVersionView(primary.api_version, rt.api_version)
            out.append(rt)
    return out


class CRDStrategy(Strategy):
    has_generation = True

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        names = spec.setdefault("names", {})
        if names.get("kind"):
            names.setdefault("singular", names["kind"].lower())
            names.setdefault("listKind", names["kind"] + "List")
        spec.setdefault("conversion", {"strategy": "None"})

    def prepare_for_create(self, obj, ctx):
        versions = (obj.get("spec") or {}).get("versions") or []
        storage = [v.get("name") for v in versions if v.get("storage")]
        obj["status"] = {"conditions": None, "acceptedNames": {"plural": "", "kind": ""},
                         "storedVersions": storage[:1]}

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out: list[Cause] = []
        group = spec.get("group")
        names = spec.get("names") or {}
        if not group:
            out.append(field_required("spec.group"))
        elif "." not in group:
            out.append(field_invalid("spec.group", group, "should be a domain with at least one dot"))
        else:
            out += validate_dns_subdomain("spec.group", group)
        if not names.get("plural"):
            out.append(field_required("spec.names.plural"))
        elif not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", names["plural"]):
            out.append(field_invalid("spec.names.plural", names["plural"],
                                     "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                                     "characters or '-', and must start and end with an alphanumeric character"))
        if not names.get("kind"):
            out.append(field_required("spec.names.kind"))
        if group and names.get("plural") and obj["metadata"].get("name") != f"{names['plural']}.{group}":
            out.append(field_invalid("metadata.name", obj["metadata"].get("name"),
                                     "must be spec.names.plural+\".\"+spec.group"))
        scope = spec.get("scope")
        if scope not in ("Namespaced", "Cluster"):
            out.append(field_not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))
        versions = spec.get("versions") or []
        if not versions:
            out.append(field_invalid("spec.versions", versions, "must have exactly one version marked as storage "
                                                                "version"))
        elif sum(1 for v in versions if v.get("storage")) != 1:
            out.append(field_invalid("spec.versions", versions, "must have exactly one version marked as storage "
                                                                "version"))
        for i, v in enumerate(versions):
            if not v.get("name"):
                out.append(field_required(f"spec.versions[{i}].name"))
            if not ((v.get("schema") or {}).get("openAPIV3Schema")):
                out.append(field_required(f"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required"))
        return out

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        for f in ("group", "scope"):
            if (new.get("spec") or {}).get(f) != (old.get("spec") or {}).get(f) and f == "group":
                out.append(field_invalid(f"spec.{f}", (new.get("spec") or {}).get(f), "field is immutable"))
        return out

    def after_commit(self, event_type, obj, old, ctx):
        if event_type == "DELETED":
            rt = resource_type_for(obj)
            if rt is not None:
                ctx.registry.remove(rt.name)
                ctx.store.drop_resource(rt.name)
            return
        if obj["metadata"].get("deletionTimestamp"):
            return
        types = resource_types_for(obj)
        if not types:
            return
        rt = types[0]
        existing = ctx.registry.find(rt.name)
        if existing is not None and existing.is_crd and existing.extra.get("crd_name") != obj["metadata"]["name"]:
            return
        if existing is not None:
            ctx.registry.remove(rt.name)
        for t in types:
            ctx.registry.add(t)
        status = obj.get("status") or {}
        names = (obj.get("spec") or {}).get("names") or {}
        accepted = {k: names[k] for k in ("plural", "singular", "shortNames", "kind", "listKind", "categories")
                    if k in names}
        if status.get("acceptedNames") == accepted and _established(status):
            return
        now = ctx.now_str()
        conditions = [c for c in (status.get("conditions") or []) if c.get("type") not in (
            "NamesAccepted", "Established")]
        prev = {c.get("type"): c for c in status.get("conditions") or []}
        conditions[0:0] = [
            {"type": "NamesAccepted", "status": "True",
             "lastTransitionTime": prev.get("NamesAccepted", {}).get("lastTransitionTime", now),
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True",
             "lastTransitionTime": prev.get("Established", {}).get("lastTransitionTime", now),
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ]
        new = clone(obj)
        new["status"] = {"conditions": conditions, "acceptedNames": accepted,
                         "storedVersions": status.get("storedVersions") or []}
        ctx.defer(lambda: ctx.update(CRD_RESOURCE, new, subresource="status", field_manager="kube-apiserver"))

    def before_delete(self, obj, ctx):
        """Remove every instance first, as the CRD finalizer does before the CRD goes away."""
        rt = resource_type_for(obj)
        if rt is None or ctx.registry.find(rt.name) is None:
            return
        for item in ctx.store.items(rt.name):
            meta = item["metadata"]
            gone = clone(item)
            ctx._commit("DELETED", rt, gone, item)


def _established(status: dict) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in status.get("conditions") or [])


register(CRD_RESOURCE, CRDStrategy())
