"""fieldValidation=Strict|Warn|Ignore: unknown and duplicate fields found with the OpenAPI schema,
reported like the real server's strict decoder ("strict decoding error: unknown field ...")."""
from __future__ import annotations

from ..errors import ApiError
from ..openapi import Node
from ..patch import schema_root, _child


def unknown_fields(obj: dict, node: Node | None) -> list[str]:
    out: list[str] = []

    def walk(value, n: Node | None, path: str):
        if n is None:
            return
        if isinstance(value, dict):
            if not n.properties and not n.is_map:
                # No declared fields (JSONSchemaPropsOrArray, RawExtension, preserved objects): any.
                return
            props = n.properties
            add = n.is_map
            for k, v in value.items():
                p = f"{path}.{k}" if path else k
                if k in props or add:
                    walk(v, _child(n, k), p)
                elif path == "" and k in ("apiVersion", "kind", "metadata"):
                    if k == "metadata":
                        walk(v, _child(n, "metadata"), p)
                elif not n.preserves_unknown:
                    out.append(p)
        elif isinstance(value, list) and n.items is not None:
            for i, v in enumerate(value):
                walk(v, n.items, f"{path}[{i}]")

    walk(obj, node, "")
    return out


def check(rt, obj: dict, mode: str | None) -> list[str]:
    """Warnings to return (Warn), or ApiError 400 (Strict); nothing for Ignore."""
    if mode not in ("Strict", "Warn"):
        return []
    node = schema_root(rt)
    unknown = unknown_fields(obj, node)
    if not unknown:
        return []
    if mode == "Strict":
        detail = ", ".join(f'unknown field "{u}"' for u in unknown)
        raise ApiError(400, "BadRequest", f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                                          f"strict decoding error: {detail}", {})
    return [f'unknown field "{u}"' for u in unknown]
