"""/openapi/v3: the index and the per-group-version documents. Built-in documents are the real
ones (shared, loaded once per process); each CRD group gets a document generated from the CRD's
openAPIV3Schema, as apiextensions-apiserver publishes it."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from .. import openapi
from ..store import clone

VERSION = "v1.36.2"
_META_SCHEMAS = ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1")


@lru_cache(maxsize=1)
def _meta_components() -> dict:
    """ObjectMeta and what it references, with descriptions (for `kubectl explain`)."""
    doc = json.loads(openapi.documents()["apis/apps/v1"])
    schemas = doc["components"]["schemas"]
    return {name: schemas[name] for name in _META_SCHEMAS if name in schemas}


def _reverse_group(group: str) -> str:
    return ".".join(reversed(group.split(".")))


def _schema_name(rt) -> str:
    if rt.is_crd:
        return f"{_reverse_group(rt.group)}.{rt.version}.{rt.kind}"
    # Built-in naming: io.k8s.api.<first label of the group>.<version>.<Kind>
    return f"io.k8s.api.{(rt.group or 'core').split('.')[0]}.{rt.version}.{rt.kind}"


def crd_document(types: list) -> bytes:
    """The OpenAPI v3 document of one group-version generated from its ResourceTypes: CRDs (with
    their openAPIV3Schema) and the built-in groups fleetsim has no recorded document for (an open
    schema: kubectl then validates through the server's fieldValidation)."""
    components = clone(_meta_components())
    paths = {}
    for rt in types:
        base = _schema_name(rt)
        schema = clone(rt.schema or {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"description": "APIVersion defines the versioned schema of this representation "
                                              "of an object.", "type": "string"}
        props["kind"] = {"description": "Kind is a string value representing the REST resource this object "
                                        "represents.", "type": "string"}
        props["metadata"] = {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1."
                                                 "ObjectMeta"}],
                             "description": "Standard object's metadata. More info: https://git.k8s.io/community/"
                                            "contributors/devel/sig-architecture/api-conventions.md#metadata"}
        schema.setdefault("type", "object")
        schema["x-kubernetes-group-version-kind"] = [{"group": rt.group, "kind": rt.kind, "version": rt.version}]
        components[base] = schema
        components[f"{base}List"] = {
            "description": f"{rt.kind}List is a list of {rt.kind}", "type": "object", "required": ["items"],
            "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{base}"}},
                "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1."
                                                "ListMeta"}]}},
            "x-kubernetes-group-version-kind": [{"group": rt.group, "kind": rt.list_kind, "version": rt.version}]}
        prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
        coll = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        paths[coll] = {
            "get": _operation("list", rt, f"{base}List"),
            "post": _operation("post", rt, base, _WRITE_PARAMS),
            "delete": _operation("deletecollection", rt, None),
        }
        paths[f"{coll}/{{name}}"] = {
            "get": _operation("get", rt, base),
            "put": _operation("put", rt, base, _WRITE_PARAMS),
            "patch": _operation("patch", rt, base, _WRITE_PARAMS + ("force",)),
            "delete": _operation("delete", rt, None, ("dryRun",)),
        }
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"},
           "paths": paths, "components": {"schemas": components}}
    return json.dumps(doc, separators=(",", ":")).encode()


_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")


def _operation(action: str, rt, schema_name: str | None, params: tuple = ()) -> dict:
    """One operation with the extensions kubectl reads (it checks the PATCH operation of a kind for
    a fieldValidation parameter to decide whether the server validates fields itself)."""
    ok = {"description": "OK"}
    if schema_name:
        ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}
    op = {"operationId": f"{action}{rt.kind}",
          "parameters": [{"in": "query", "name": p, "schema": {"type": "string", "uniqueItems": True}}
                         for p in params],
          "responses": {"200": ok},
          "x-kubernetes-action": action,
          "x-kubernetes-group-version-kind": {"group": rt.group, "kind": rt.kind, "version": rt.version}}
    if action in ("post", "put", "patch") and schema_name:
        op["requestBody"] = {"content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema_name}"}}}}
    return op


_GENERATED: dict[tuple, dict[str, bytes]] = {}


def _builtin_generated(registry) -> dict[str, bytes]:
    """Documents for built-in group-versions without a recorded one (rbac, batch, ...); the same
    for every cluster, so generated once per process."""
    missing: dict[str, list] = {}
    real = openapi.documents()
    for rt in registry.all():
        if rt.is_crd:
            continue
        path = f"apis/{rt.group}/{rt.version}" if rt.group else f"api/{rt.version}"
        if path not in real:
            missing.setdefault(path, []).append(rt)
    key = tuple(sorted((p, tuple(sorted(r.name for r in rts))) for p, rts in missing.items()))
    if key not in _GENERATED:
        _GENERATED[key] = {p: crd_document(sorted(rts, key=lambda r: r.plural)) for p, rts in missing.items()}
    return _GENERATED[key]


class OpenApiV3:
    """Per-cluster view: built-in documents plus this cluster's CRD groups (cached until CRDs change)."""

    def __init__(self, registry):
        self.registry = registry
        self._crd_docs: dict[str, bytes] | None = None
        registry.on_change(self._invalidate)

    def _invalidate(self, action, rt) -> None:
        if rt.is_crd:
            self._crd_docs = None

    def crd_docs(self) -> dict[str, bytes]:
        if self._crd_docs is None:
            groups: dict[str, list] = {}
            for rt in self.registry.all():
                if rt.is_crd:
                    groups.setdefault(f"apis/{rt.group}/{rt.version}", []).append(rt)
            self._crd_docs = {path: crd_document(types) for path, types in groups.items()}
            self._crd_docs.update({p: d for p, d in _builtin_generated(self.registry).items()
                                   if p not in self._crd_docs})
        return self._crd_docs

    def document(self, path: str) -> bytes | None:
        builtin = openapi.documents().get(path)
        if builtin is not None:
            return builtin
        return self.crd_docs().get(path)

    def doc_hash(self, path: str) -> str:
        if path in openapi.documents():
            return openapi.document_hash(path)
        return hashlib.sha512(self.crd_docs()[path]).hexdigest().upper()

    def index(self) -> dict:
        paths = sorted(set(openapi.documents()) | set(self.crd_docs()))
        return {"paths": {p: {"serverRelativeURL": f"/openapi/v3/{p}?hash={self.doc_hash(p)}"} for p in paths}}
