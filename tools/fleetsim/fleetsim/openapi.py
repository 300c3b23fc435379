"""The OpenAPI v3 documents of the real API (package data), loaded once per process and shared by
every cluster: raw bytes to serve, and a description-free schema catalog for strategic merge
patch keys, managed fields and field validation."""
from __future__ import annotations

import hashlib
import json
import threading
from functools import lru_cache
from importlib import resources as _res
from typing import Iterator

_LOCK = threading.RLock()
_DOCS: dict[str, bytes] | None = None
_SCHEMAS: dict[str, dict] | None = None
_GVK: dict[tuple[str, str], str] | None = None
REF_PREFIX = "#/components/schemas/"


def _data_dir():
    return _res.files("fleetsim").joinpath("data", "openapi")


def documents() -> dict[str, bytes]:
    """{"api/v1": bytes, "apis/apps/v1": bytes, ...}: the built-in group-version documents."""
    global _DOCS
    if _DOCS is None:
        with _LOCK:
            if _DOCS is None:
                docs = {}
                for entry in _data_dir().iterdir():
                    if entry.name.endswith("_openapi.json"):
                        path = entry.name[: -len("_openapi.json")].replace("__", "/")
                        docs[path] = entry.read_bytes()
                _DOCS = docs
    return _DOCS


@lru_cache(maxsize=None)
def document_hash(path: str) -> str:
    return hashlib.sha512(documents()[path]).hexdigest().upper()


def _strip(node, field_names: bool = False):
    """Drop descriptions: they are most of the bytes and nothing but `explain` needs them. Inside
    "properties" the keys are field names (JSONSchemaProps has a field called description)."""
    if isinstance(node, dict):
        if field_names:
            return {k: _strip(v) for k, v in node.items()}
        return {k: _strip(v, k == "properties") for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def schemas() -> dict[str, dict]:
    """Every component schema of every built-in document, by name."""
    global _SCHEMAS, _GVK
    if _SCHEMAS is None:
        with _LOCK:
            if _SCHEMAS is None:
                all_schemas: dict[str, dict] = {}
                gvk: dict[tuple[str, str], str] = {}
                for raw in documents().values():
                    doc = json.loads(raw)
                    for name, schema in doc.get("components", {}).get("schemas", {}).items():
                        if name in all_schemas:
                            continue
                        all_schemas[name] = _strip(schema)
                        for g in schema.get("x-kubernetes-group-version-kind") or []:
                            av = f"{g['group']}/{g['version']}" if g["group"] else g["version"]
                            gvk.setdefault((av, g["kind"]), name)
                _SCHEMAS = all_schemas
                _GVK = gvk
    return _SCHEMAS


def schema_name_for(api_version: str, kind: str) -> str | None:
    schemas()
    assert _GVK is not None
    return _GVK.get((api_version, kind))


# Resolved ($ref/allOf merged) schemas by the id of the schema dict they came from.
_RESOLVED: dict[int, tuple[dict, dict]] = {}
_RESOLVED_MAX = 50000


class Node:
    """A position in a schema: resolves $ref/allOf and answers the patch/list extensions."""

    __slots__ = ("schema", "catalog")

    def __init__(self, schema: dict | None, catalog: dict[str, dict]):
        self.catalog = catalog
        schema = schema or {}
        cached = _RESOLVED.get(id(schema))
        if cached is not None and cached[0] is schema:
            self.schema = cached[1]
        else:
            self.schema = self._resolve(schema)
            if len(_RESOLVED) < _RESOLVED_MAX:
                # The entry keeps schema alive, so its id cannot be reused by another dict.
                _RESOLVED[id(schema)] = (schema, self.schema)

    def _resolve(self, schema: dict) -> dict:
        merged = dict(schema)
        seen = 0
        while seen < 20:
            seen += 1
            ref = merged.pop("$ref", None)
            all_of = merged.pop("allOf", None)
            if ref is None and not all_of:
                break
            if ref:
                target = self.catalog.get(ref[len(REF_PREFIX):], {}) if ref.startswith(REF_PREFIX) else {}
                merged = {**target, **merged}
            for part in all_of or []:
                r = part.get("$ref")
                target = self.catalog.get(r[len(REF_PREFIX):], {}) if r and r.startswith(REF_PREFIX) else part
                merged = {**target, **merged}
        return merged

    def field(self, name: str) -> "Node | None":
        props = self.schema.get("properties")
        if props and name in props:
            return Node(props[name], self.catalog)
        add = self.schema.get("additionalProperties")
        if isinstance(add, dict):
            return Node(add, self.catalog)
        return None

    @property
    def items(self) -> "Node | None":
        it = self.schema.get("items")
        return Node(it, self.catalog) if isinstance(it, dict) else None

    @property
    def type(self) -> str | None:
        t = self.schema.get("type")
        if t is None and "properties" in self.schema:
            return "object"
        return t

    @property
    def properties(self) -> dict:
        return self.schema.get("properties") or {}

    @property
    def required(self) -> list[str]:
        return self.schema.get("required") or []

    @property
    def is_map(self) -> bool:
        return isinstance(self.schema.get("additionalProperties"), dict)

    @property
    def preserves_unknown(self) -> bool:
        return bool(self.schema.get("x-kubernetes-preserve-unknown-fields")) or (
            self.type == "object" and not self.properties and not self.is_map)

    @property
    def int_or_string(self) -> bool:
        return bool(self.schema.get("x-kubernetes-int-or-string")) or self.schema.get("format") == "int-or-string"

    @property
    def patch_strategy(self) -> str:
        return self.schema.get("x-kubernetes-patch-strategy", "")

    @property
    def patch_merge_key(self) -> str | None:
        return self.schema.get("x-kubernetes-patch-merge-key")

    @property
    def list_type(self) -> str | None:
        return self.schema.get("x-kubernetes-list-type")

    @property
    def list_map_keys(self) -> list[str]:
        return self.schema.get("x-kubernetes-list-map-keys") or []

    @property
    def map_type(self) -> str | None:
        return self.schema.get("x-kubernetes-map-type")

    @property
    def has_default_object(self) -> bool:
        return self.schema.get("default") == {}


def root_for(api_version: str, kind: str, crd_schema: dict | None = None) -> Node | None:
    """The schema Node of a kind, or of a custom resource given its openAPIV3Schema."""
    if crd_schema is not None:
        return Node(crd_schema, schemas())
    name = schema_name_for(api_version, kind)
    if name is None:
        return None
    cat = schemas()
    return Node(cat[name], cat)


def iter_paths() -> Iterator[str]:
    return iter(sorted(documents()))


_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number",
              type(None): "null"}


def _go_type(node: Node) -> str:
    t = node.type
    if node.int_or_string:
        return "intstr.IntOrString"
    if t == "integer":
        return node.schema.get("format") or "int64"
    if t == "number":
        return "float64"
    if t == "boolean":
        return "bool"
    if t == "string":
        return "string"
    if t == "array":
        return "[]" + (_go_type(node.items) if node.items is not None else "interface {}")
    if node.is_map:
        return "map[string]" + _go_type(Node(node.schema["additionalProperties"], node.catalog))
    return "struct"


def _accepts(node: Node, value) -> bool:
    if value is None:
        return True  # null decodes to the zero value
    if node.int_or_string:
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    t = node.type
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    return True


def type_error(obj, node: Node | None, path: str = "") -> tuple[str, str, str] | None:
    """The first value whose JSON type the schema's Go type cannot decode: (path, json type, go type).
    This is what makes the real server answer 400 before any validation."""
    if node is None:
        return None
    if not _accepts(node, obj):
        return path, _JSON_TYPE.get(type(obj), "value"), _go_type(node)
    if isinstance(obj, dict):
        for k, v in obj.items():
            if path == "" and k in ("apiVersion", "kind"):
                continue
            child = node.field(k)
            if child is None and k == "metadata" and path == "":
                child = _object_meta_node()
            err = type_error(v, child, f"{path}.{k}" if path else k)
            if err:
                return err
    elif isinstance(obj, list) and node.items is not None:
        for i, v in enumerate(obj):
            err = type_error(v, node.items, f"{path}[{i}]")
            if err:
                return err
    return None


def _object_meta_node() -> Node | None:
    cat = schemas()
    s = cat.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    return Node(s, cat) if s else None


_ZERO = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}


def drop_nulls(value, node: Node | None, top: bool = True) -> None:
    """Null decodes to Go's zero value. Members stay null (Go writes null back for zero times such
    as lastProbeTime), except the top-level structs; list elements become zero values."""
    if isinstance(value, dict):
        if top:
            for k in [k for k in ("metadata", "spec", "status") if k in value and value[k] is None]:
                del value[k]
        if "creationTimestamp" in value and value["creationTimestamp"] is None:
            # ObjectMeta's zero time is omitted on v1.36 (see the template in deploy_create_201.json).
            del value["creationTimestamp"]
        for k, v in value.items():
            drop_nulls(v, node.field(k) if node is not None else None, False)
    elif isinstance(value, list):
        items = node.items if node is not None else None
        for i, v in enumerate(value):
            if v is None:
                value[i] = {} if items is None else _ZERO.get(items.type or "object", {})
            else:
                drop_nulls(v, items, False)
