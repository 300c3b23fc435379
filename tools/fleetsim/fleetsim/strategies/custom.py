"""Custom resources: pruning, defaulting and validation against the CRD's openAPIV3Schema, the way
apiextensions-apiserver treats them (unstructured objects, generation on spec changes)."""
from __future__ import annotations

import re

from ..errors import Cause, field_not_supported, field_required
from ..store import clone
from .base import Strategy

_TYPE_NAMES = {"string": str, "boolean": bool, "object": dict, "array": list}


def _type_ok(value, t: str) -> bool:
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    py = _TYPE_NAMES.get(t)
    return py is None or isinstance(value, py)


def _go_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _preserves(schema: dict) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def prune(value, schema: dict | None, path: str = "", unknown: list | None = None):
    """Drop fields the structural schema does not know (unless it preserves unknown fields)."""
    if schema is None:
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        add = schema.get("additionalProperties")
        if props is None and add is None and (_preserves(schema) or schema.get("type") != "object"):
            return value
        out = {}
        embedded = path == "" or schema.get("x-kubernetes-embedded-resource")
        for k, v in value.items():
            if embedded and k in ("apiVersion", "kind", "metadata"):
                out[k] = v
            elif props is not None and k in props:
                out[k] = prune(v, props[k], f"{path}.{k}" if path else k, unknown)
            elif isinstance(add, dict):
                out[k] = prune(v, add, f"{path}.{k}" if path else k, unknown)
            elif add is True or _preserves(schema):
                out[k] = v
            else:
                if unknown is not None:
                    unknown.append(f"{path}.{k}" if path else k)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(v, schema["items"], f"{path}[{i}]", unknown) for i, v in enumerate(value)]
    return value


def apply_defaults(value, schema: dict | None):
    if schema is None or not isinstance(value, dict):
        if isinstance(value, list) and schema and isinstance(schema.get("items"), dict):
            for v in value:
                apply_defaults(v, schema["items"])
        return value
    for k, sub in (schema.get("properties") or {}).items():
        if k not in value and "default" in sub:
            value[k] = clone(sub["default"])
        if k in value:
            apply_defaults(value[k], sub)
    return value


def validate_value(value, schema: dict | None, path: str) -> list[Cause]:
    if schema is None:
        return []
    out: list[Cause] = []
    if value is None:
        if not schema.get("nullable"):
            t = schema.get("type")
            if t:
                out.append(Cause("FieldValueTypeInvalid", path,
                                 f'Invalid value: "null": {path} in body must be of type {t}: "null"'))
        return out
    t = schema.get("type")
    if t and not _type_ok(value, t) and not (schema.get("x-kubernetes-int-or-string") and
                                              isinstance(value, (int, str))):
        out.append(Cause("FieldValueTypeInvalid", path,
                         f'Invalid value: "{_go_type(value)}": {path} in body must be of type {t}: '
                         f'"{_go_type(value)}"'))
        return out
    if "enum" in schema and value not in schema["enum"]:
        out.append(field_not_supported(path, value, [str(e) for e in schema["enum"]]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(Cause("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be "
                                                        f"greater than or equal to {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            out.append(Cause("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be "
                                                        f"less than or equal to {schema['maximum']}"))
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(Cause("FieldValueInvalid", path, f'Invalid value: "{value}": {path} in body should match '
                                                        f"'{schema['pattern']}'"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(Cause("FieldValueTooLong", path, f"Too long: may not be more than {schema['maxLength']} "
                                                        f"bytes"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(Cause("FieldValueInvalid", path, f'Invalid value: "{value}": {path} in body should be at '
                                                        f"least {schema['minLength']} chars long"))
    if isinstance(value, dict):
        for req in schema.get("required") or []:
            if req not in value:
                out.append(field_required(f"{path}.{req}" if path else req))
        props = schema.get("properties") or {}
        add = schema.get("additionalProperties")
        for k, v in value.items():
            sub = props.get(k) if k in props else (add if isinstance(add, dict) else None)
            if path == "" and k in ("apiVersion", "kind", "metadata"):
                continue
            out += validate_value(v, sub, f"{path}.{k}" if path else k)
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(Cause("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most "
                                                        f"{schema['maxItems']} items"))
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(Cause("FieldValueInvalid", path, f"Invalid value: {len(value)}: {path} in body should have "
                                                        f"at least {schema['minItems']} items"))
        items = schema.get("items") if isinstance(schema.get("items"), dict) else None
        for i, v in enumerate(value):
            out += validate_value(v, items, f"{path}[{i}]")
    return out


def _sorted(value):
    """Unstructured objects are encoded with sorted keys, as Go's encoding/json writes maps."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


class CustomResourceStrategy(Strategy):
    has_generation = True

    def default(self, obj, ctx):
        rt = ctx.registry.by_kind(obj.get("apiVersion"), obj.get("kind"))
        schema = rt.schema if rt is not None else None
        # The caller (Api.create / update) holds obj["metadata"] and writes uid, generation and
        # timestamps into that very dict afterwards: keep it, rebuild only the rest. prune() may
        # return obj itself (preserve-unknown-fields), so never clear obj before reading it.
        metadata = obj.get("metadata")
        rebuilt = prune(obj, schema) if schema else obj
        if schema:
            apply_defaults(rebuilt, schema)
        ordered = _sorted(rebuilt)
        obj.clear()
        obj.update(ordered)
        if isinstance(metadata, dict):
            obj["metadata"] = metadata

    def prepare_for_create(self, obj, ctx):
        rt = ctx.registry.by_kind(obj.get("apiVersion"), obj.get("kind"))
        if rt is not None and "status" in rt.subresources:
            obj.pop("status", None)

    def validate(self, obj, ctx):
        rt = ctx.registry.by_kind(obj.get("apiVersion"), obj.get("kind"))
        if rt is None or not rt.schema:
            return []
        return validate_value(obj, rt.schema, "")

    def validate_status(self, new, old, ctx):
        return self.validate(new, ctx)


CUSTOM_RESOURCE = CustomResourceStrategy()
