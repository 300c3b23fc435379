"""Patching as kube-apiserver does it: JSON patch (RFC 6902), JSON merge patch (RFC 7386),
strategic merge patch (patch-merge keys and directives from the OpenAPI schema), server-side
apply, and the managedFields bookkeeping (FieldsV1) every write updates."""
from __future__ import annotations

import json
from typing import Any

from . import errors, openapi
from .errors import ApiError
from .openapi import Node
from .store import clone

_MISSING = object()


# ================================================================================================
# schema lookup
# ================================================================================================

def schema_root(rt) -> Node | None:
    if rt.is_crd:
        return openapi.root_for(rt.api_version, rt.kind, rt.schema or {"type": "object",
                                                                          "x-kubernetes-preserve-unknown-fields": True})
    return openapi.root_for(rt.api_version, rt.kind)


def _child(node: Node | None, key: str) -> Node | None:
    if node is None:
        return None
    if key == "metadata" and not node.is_map and not node.properties.get("metadata"):
        # A custom resource schema rarely declares metadata: it is an ObjectMeta all the same.
        return openapi.root_for("v1", "ObjectMeta") or _object_meta()
    return node.field(key)


def _object_meta() -> Node | None:
    cat = openapi.schemas()
    s = cat.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    return Node(s, cat) if s else None


# ================================================================================================
# JSON merge patch
# ================================================================================================

def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    out = clone(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


# ================================================================================================
# JSON patch
# ================================================================================================

def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _json_patch_error(f'jsonpatch: invalid path "{path}"')
    return [_unescape(t) for t in path[1:].split("/")]


def _json_patch_error(msg: str) -> ApiError:
    return ApiError(422, "Invalid", msg, {})


def _container(doc, tokens: list[str], path: str):
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, dict):
            if t not in cur:
                raise _json_patch_error(f'doc is missing path: "{path}": missing value')
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError):
                raise _json_patch_error(f'doc is missing path: "{path}": missing value')
        else:
            raise _json_patch_error(f'doc is missing path: "{path}": missing value')
    return cur


def _get(doc, path: str):
    cur = doc
    for t in _pointer(path):
        if isinstance(cur, dict) and t in cur:
            cur = cur[t]
        elif isinstance(cur, list) and t.isdigit() and int(t) < len(cur):
            cur = cur[int(t)]
        else:
            raise _json_patch_error(f'doc is missing path: "{path}": missing value')
    return cur


def _add(doc, path: str, value):
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _container(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                idx = int(last)
            except ValueError:
                raise _json_patch_error(f'doc is missing path: "{path}": missing value')
            if idx < 0 or idx > len(parent):
                raise _json_patch_error(f"add operation does not apply: doc is missing path: \"{path}\"")
            parent.insert(idx, value)
    else:
        raise _json_patch_error(f'doc is missing path: "{path}": missing value')
    return doc


def _remove(doc, path: str):
    tokens = _pointer(path)
    parent = _container(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise _json_patch_error(f'doc is missing path: "{path}": missing value')


def json_patch(doc: Any, ops: list) -> Any:
    if not isinstance(ops, list):
        raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = clone(doc)
    for op in ops:
        kind = op.get("op")
        path = op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, clone(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            tokens = _pointer(path)
            if not tokens:
                doc = clone(op.get("value"))
            else:
                parent = _container(doc, tokens, path)
                if isinstance(parent, list):
                    parent[int(tokens[-1])] = clone(op.get("value"))
                else:
                    parent[tokens[-1]] = clone(op.get("value"))
        elif kind == "move":
            value = _remove(doc, op.get("from", ""))
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, clone(_get(doc, op.get("from", ""))))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _json_patch_error(f"testing value {path} failed: test failed")
        else:
            raise _json_patch_error(f"Unexpected kind: {kind}")
    return doc


# ================================================================================================
# strategic merge patch
# ================================================================================================

def _merge_key(node: Node | None) -> str | None:
    return node.patch_merge_key if node is not None else None


def _strategy_has(node: Node | None, word: str) -> bool:
    return node is not None and word in node.patch_strategy.split(",")


def strategic_merge(original: Any, patch: Any, node: Node | None) -> Any:
    """Apply a strategic merge patch to original (both plain JSON values)."""
    if not isinstance(patch, dict):
        return clone(patch)
    if not isinstance(original, dict):
        original = {}
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip_directives({k: v for k, v in patch.items() if k != "$patch"})
    if directive == "delete":
        return _MISSING
    result = clone(original)
    retain = patch.get("$retainKeys")
    orders = {}
    for k, v in patch.items():
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
        elif k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [x for x in result[field] if x not in (v or [])]
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        child = _child(node, k)
        if v is None:
            result.pop(k, None)
            continue
        if isinstance(v, dict):
            if child is not None and child.map_type == "atomic":
                merged = _strip_directives(v)
            else:
                merged = strategic_merge(result.get(k), v, child)
            if merged is _MISSING:
                result.pop(k, None)
            else:
                result[k] = merged
        elif isinstance(v, list):
            if _strategy_has(child, "merge"):
                result[k] = _merge_list(result.get(k) if isinstance(result.get(k), list) else [], v, child)
            else:
                result[k] = _strip_directives(v)
        else:
            result[k] = v
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _apply_order(result[field], order, _merge_key(_child(node, field)))
    if isinstance(retain, list):
        for k in list(result):
            if k not in retain:
                result.pop(k)
    return result


def _strip_directives(v):
    if isinstance(v, dict):
        return {k: _strip_directives(x) for k, x in v.items() if not k.startswith("$")}
    if isinstance(v, list):
        return [_strip_directives(x) for x in v if not (isinstance(x, dict) and x.get("$patch") == "delete")]
    return v


def _merge_list(original: list, patch: list, node: Node) -> list:
    key = _merge_key(node)
    items_node = node.items
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [_strip_directives(p) for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")]
    if key is None or not all(isinstance(p, dict) for p in patch):
        # A list of primitives with the merge strategy is a set union.
        out = list(original)
        for p in patch:
            if p not in out:
                out.append(p)
        return out
    out = clone(original)
    for p in patch:
        if key not in p:
            raise errors.bad_request(f"map: {p} does not contain declared merge key: {key}")
        idx = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(key) == p[key]), None)
        if p.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(_strip_directives(p))
        else:
            merged = strategic_merge(out[idx], p, items_node)
            if merged is _MISSING:
                out.pop(idx)
            else:
                out[idx] = merged
    return out


def _apply_order(items: list, order: list, key: str | None) -> list:
    def ident(x):
        return x.get(key) if key and isinstance(x, dict) else json.dumps(x, sort_keys=True)
    wanted = [o.get(key) if key and isinstance(o, dict) else json.dumps(o, sort_keys=True) for o in order]
    rank = {w: i for i, w in enumerate(wanted)}
    ordered = sorted((x for x in items if ident(x) in rank), key=lambda x: rank[ident(x)])
    rest = [x for x in items if ident(x) not in rank]
    return ordered + rest


def apply_patch(current: dict, patch: Any, patch_type: str, rt, api=None) -> dict:
    if patch_type == "json":
        return json_patch(current, patch)
    if patch_type == "merge":
        if not isinstance(patch, dict):
            raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        return merge_patch(current, patch)
    if patch_type == "strategic":
        if rt.is_crd:
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: "
                           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                           {})
        if not isinstance(patch, dict):
            raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        node = schema_root(rt) if current.get("kind") != "Scale" else openapi.root_for("autoscaling/v1", "Scale")
        out = strategic_merge(current, patch, node)
        return {} if out is _MISSING else out
    raise ApiError(415, "UnsupportedMediaType", f"unsupported patch type {patch_type!r}", {})


# ================================================================================================
# managed fields (FieldsV1)
# ================================================================================================

# Metadata the field manager never tracks (fieldmanager strips these before computing sets).
_STRIPPED_META = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                  "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"}
_MEMBER = "__member__"


def _elem_key(item: Any, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.list_type == "map" and isinstance(item, dict):
        keys = node.list_map_keys
        ident = {k: item[k] for k in sorted(keys) if k in item}
        # A key field the server defaults (ports' protocol) identifies the item as if it were set.
        if "protocol" in keys and "protocol" not in ident:
            ident["protocol"] = "TCP"
        return "k:" + json.dumps(ident, separators=(",", ":"), sort_keys=True)
    if node.list_type == "set" and not isinstance(item, (dict, list)):
        return "v:" + json.dumps(item, separators=(",", ":"))
    return None


def flatten(obj: dict, node: Node | None, scope: str) -> dict[tuple, Any]:
    """{path: leaf value | _MEMBER} for the fields of obj a manager can own.

    scope "main": everything but status (when the type has a status subresource, caller decides),
    "status": only status, "all": everything."""
    out: dict[tuple, Any] = {}

    def walk(value: Any, n: Node | None, path: tuple, required: list[str]):
        if isinstance(value, dict):
            atomic = n is not None and n.map_type == "atomic"
            if atomic or not value:
                out[path] = value
                return
            for k, v in value.items():
                if not path and k in ("apiVersion", "kind"):
                    continue
                if path == ("f:metadata",) and k in _STRIPPED_META:
                    continue
                c = _child(n, k) if n is not None else None
                cp = path + ("f:" + k,)
                walk_field(v, c, cp, k in (n.required if n is not None else []))
        else:
            out[path] = value

    def walk_field(v: Any, c: Node | None, cp: tuple, is_required: bool):
        if isinstance(v, dict) and v and not (c is not None and c.map_type == "atomic"):
            # A field that exists in the zero value of its Go type (defaulted {} / required) is no
            # member of its own; optional maps and structs are ("." in FieldsV1).
            if not (c is not None and (c.has_default_object or is_required)) and cp != ("f:metadata",):
                out[cp] = _MEMBER
            walk(v, c, cp, [])
        elif isinstance(v, list) and v and c is not None and c.list_type in ("map", "set"):
            if not is_required:
                out[cp] = _MEMBER
            items_node = c.items
            for item in v:
                ek = _elem_key(item, c)
                if ek is None:
                    out[cp] = v
                    return
                ep = cp + (ek,)
                if isinstance(item, dict) and cp != ("f:metadata", "f:ownerReferences"):
                    out[ep] = _MEMBER
                    for k, iv in item.items():
                        walk_field(iv, _child(items_node, k), ep + ("f:" + k,),
                                   k in (items_node.required if items_node is not None else []))
                else:
                    out[ep] = item
        else:
            out[cp] = v

    top = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    if scope == "main":
        top.pop("status", None)
    elif scope == "status":
        # The status endpoint may also change annotations (labels and spec stay as they were).
        annotations = (top.get("metadata") or {}).get("annotations")
        top = {"status": top["status"]} if "status" in top else {}
        if annotations:
            top = {"metadata": {"annotations": annotations}, **top}
    for k, v in top.items():
        c = _child(node, k)
        walk_field(v, c, ("f:" + k,), k in (node.required if node is not None else []))
    # metadata with nothing trackable leaves no trace
    return {p: v for p, v in out.items() if p != ("f:metadata",)}


def to_fields_v1(paths) -> dict:
    tree: dict = {}
    members = set(paths)
    for p in sorted(members):
        cur = tree
        for el in p:
            cur = cur.setdefault(el, {})
    def render(node: dict, prefix: tuple) -> dict:
        out = {}
        if node and prefix in members:
            out["."] = {}
        for k in sorted(node):
            out[k] = render(node[k], prefix + (k,))
        return out
    return render(tree, ())


def from_fields_v1(fv1: dict, prefix: tuple = ()) -> set:
    out = set()
    for k, v in (fv1 or {}).items():
        if k == ".":
            out.add(prefix)
            continue
        p = prefix + (k,)
        if not v:
            out.add(p)
        else:
            out |= from_fields_v1(v, p)
    return out


def _scope_for(rt, subresource: str | None) -> str:
    if subresource == "status":
        return "status"
    if "status" in rt.subresources:
        return "main"
    return "all"


def _sort_entries(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (e.get("operation", ""), e.get("time", ""), e.get("manager", ""),
                                          e.get("apiVersion", ""), e.get("subresource", "")))


def update_managed_fields(rt, new: dict, old: dict | None, manager: str, operation: str, now: str,
                          subresource: str | None, applied_paths: set | None = None,
                          base_entries: list | None = None) -> None:
    """Record in new.metadata.managedFields which fields manager now owns after this write.

    base_entries: managedFields the request set explicitly (kubectl's client-side to server-side
    apply migration rewrites them); they replace the stored ones before this write is tracked."""
    node = schema_root(rt)
    mf_sub = subresource if subresource in ("status", "scale") else None
    scope = _scope_for(rt, "status" if subresource == "status" else None)
    new_flat = flatten(new, node, scope)
    if base_entries is not None:
        entries = clone(base_entries)
    elif old is not None:
        entries = clone(old.get("metadata", {}).get("managedFields") or [])
    else:
        entries = []
    old_flat = flatten(old, node, scope) if old is not None else {}
    if applied_paths is not None:
        changed = set(applied_paths)
    else:
        changed = {p for p, v in new_flat.items() if p not in old_flat or (v is not _MEMBER and old_flat[p] != v)}
    removed = set(old_flat) - set(new_flat)
    if applied_paths is not None:
        # Apply: other managers lose only fields whose value this apply changed (forced);
        # equal values become shared ownership.
        taken = {p for p in applied_paths if p in new_flat and new_flat[p] is not _MEMBER
                 and (p not in old_flat or old_flat[p] != new_flat[p])}
    else:
        taken = changed
    result = []
    mine = None
    for e in entries:
        if e.get("manager") == manager and e.get("operation") == operation and e.get("subresource") == mf_sub:
            mine = e
            continue
        owned = from_fields_v1(e.get("fieldsV1") or {})
        in_scope = {p for p in owned if _inside_scope(p, scope)}
        kept = (in_scope - taken - removed) | (owned - in_scope)
        if kept != owned:
            e["fieldsV1"] = to_fields_v1(kept)
        if kept:
            result.append(e)
    prev = from_fields_v1(mine.get("fieldsV1") or {}) if mine else set()
    if applied_paths is not None:
        mine_set = set(applied_paths)
    else:
        mine_set = ((prev | changed) - removed) & set(new_flat)
    if mine_set:
        entry = {"manager": manager, "operation": operation, "apiVersion": rt.api_version, "time": now,
                 "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(mine_set)}
        if mf_sub:
            entry["subresource"] = mf_sub
        if mf_sub == "scale":
            # The real server's scale entries carry no time (they are converted from the Scale object).
            entry.pop("time")
        if mine is not None and mine_set == prev and not (changed & mine_set):
            # Nothing of this manager's changed: keep the entry as it was.
            entry = mine
        result.append(entry)
    meta = new.setdefault("metadata", {})
    if result:
        meta["managedFields"] = _sort_entries(result)
    else:
        meta.pop("managedFields", None)


def _inside_scope(path: tuple, scope: str) -> bool:
    if scope == "status":
        return bool(path) and (path[0] == "f:status" or path[:2] == ("f:metadata", "f:annotations"))
    if scope == "main":
        return not path or path[0] != "f:status"
    return True


# ================================================================================================
# server-side apply
# ================================================================================================

def _apply_merge(live: Any, applied: Any, node: Node | None) -> Any:
    if isinstance(applied, dict) and isinstance(live, dict) and not (node is not None and node.map_type == "atomic"):
        out = clone(live)
        for k, v in applied.items():
            out[k] = _apply_merge(live.get(k), v, _child(node, k))
        return out
    if isinstance(applied, list) and isinstance(live, list) and node is not None and node.list_type in ("map", "set"):
        out = clone(live)
        for item in applied:
            ek = _elem_key(item, node)
            idx = next((i for i, o in enumerate(out) if _elem_key(o, node) == ek), None)
            if idx is None:
                out.append(clone(item))
            elif isinstance(item, dict):
                out[idx] = _apply_merge(out[idx], item, node.items)
        return out
    return clone(applied)


def _remove_path(obj: Any, path: tuple, node: Node | None) -> None:
    """Delete the field at a FieldsV1 path from obj (if present)."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head.startswith("f:") and isinstance(obj, dict):
        k = head[2:]
        if not rest:
            obj.pop(k, None)
        elif k in obj:
            _remove_path(obj[k], rest, _child(node, k))
    elif (head.startswith("k:") or head.startswith("v:")) and isinstance(obj, list):
        for i, item in enumerate(obj):
            if _elem_key(item, node) == head:
                if not rest:
                    obj.pop(i)
                else:
                    _remove_path(item, rest, node.items if node is not None else None)
                return


def _path_str(path: tuple) -> str:
    out = ""
    for el in path:
        if el.startswith("f:"):
            out += "." + el[2:]
        elif el.startswith("k:"):
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(el[2:]).items()) + "]"
        elif el.startswith("v:"):
            out += "[=" + el[2:] + "]"
    return out


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _last_applied_paths(live: dict, node, scope: str) -> set:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return set()
    try:
        last = json.loads(text)
    except ValueError:
        return set()
    return set(flatten(last, node, scope)) if isinstance(last, dict) else set()


def server_side_apply(api, rt, namespace, name, applied, subresource=None, dry_run=False, field_manager=None,
                      force=False, validation_hook=None) -> dict:
    if not field_manager:
        # PatchOptions validation, as the real server words it.
        raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                                       'required for apply patch',
                       {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
                           {"reason": "FieldValueRequired", "message": "Required value: is required for apply patch",
                            "field": "fieldManager"}]})
    if not isinstance(applied, dict):
        raise errors.bad_request("error decoding YAML: the apply configuration must be an object")
    for req in ("apiVersion", "kind"):
        if not applied.get(req):
            raise errors.bad_request(f"{req} must be set in the apply configuration (got none)")
    meta = applied.get("metadata") or {}
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                                 f"({name})")
    if applied.get("apiVersion") != rt.api_version or applied.get("kind") != rt.kind:
        if subresource != "scale":
            raise errors.bad_request(f"the API version in the data ({applied.get('apiVersion')}) does not match "
                                     f"the expected API version ({rt.api_version})"
                                     if applied.get("apiVersion") != rt.api_version else
                                     f"the kind in the data ({applied.get('kind')}) does not match the expected "
                                     f"kind ({rt.kind})")
    node = schema_root(rt)
    scope = _scope_for(rt, subresource)
    applied = clone(applied)
    applied.setdefault("metadata", {})["name"] = name
    if rt.namespaced and namespace:
        applied["metadata"]["namespace"] = namespace
    cfg = flatten(applied, node, scope)
    # Types served from another type's storage (events.k8s.io Events, other CRD versions) apply
    # against the stored object seen through their view.
    storage = rt.extra.get("view_of") or rt.name
    live = api.store.get(storage, namespace if rt.namespaced else None, name)
    if live is not None and rt.extra.get("view_of"):
        live = api._view(rt).to_view(clone(live))
    if live is None:
        if subresource:
            raise errors.not_found(rt, name)
        obj = clone(applied)
        return api.create(rt, obj, namespace, dry_run=dry_run, field_manager=field_manager,
                          validation_hook=validation_hook, _operation="Apply", _applied_paths=set(cfg))
    live = clone(live)
    live_flat = flatten(live, node, scope)
    entries = live["metadata"].get("managedFields") or []
    mf_sub = subresource if subresource in ("status", "scale") else None
    mine = next((e for e in entries if e.get("manager") == field_manager and e.get("operation") == "Apply"
                 and e.get("subresource") == mf_sub), None)
    prev = from_fields_v1(mine.get("fieldsV1")) if mine else set()
    conflicts: dict[str, list[tuple]] = {}
    if not force:
        for e in entries:
            if e is mine:
                continue
            owned = from_fields_v1(e.get("fieldsV1") or {})
            for p, v in cfg.items():
                if v is _MEMBER or p not in owned or p not in live_flat:
                    continue
                if live_flat[p] != v:
                    conflicts.setdefault(e["manager"], []).append(p)
    if conflicts and field_manager == "kubectl":
        # kube-apiserver's lastAppliedManager: `kubectl apply --server-side` takes over, without
        # conflicts, the fields its client-side apply recorded in last-applied-configuration.
        allowed = _last_applied_paths(live, node, scope)
        if all(p in allowed for paths in conflicts.values() for p in paths):
            conflicts = {}
            force = True
    if conflicts:
        causes = []
        for mgr, paths in conflicts.items():
            for p in sorted(paths):
                causes.append({"reason": "FieldManagerConflict",
                               "message": f'conflict with "{mgr}" using {rt.api_version}', "field": _path_str(p)})
        n = len(causes)
        if n == 1:
            msg = f"Apply failed with 1 conflict: {causes[0]['message']}: {causes[0]['field']}"
        else:
            lines = []
            for mgr, paths in conflicts.items():
                lines.append(f'conflicts with "{mgr}" using {rt.api_version}:\n' +
                             "\n".join(f"- {_path_str(p)}" for p in sorted(paths)))
            msg = f"Apply failed with {n} conflicts: " + "\n".join(lines)
        raise ApiError(409, "Conflict", msg, {"causes": causes})
    merged = _apply_merge(live, {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")}, node)
    annotations = (merged.get("metadata") or {}).get("annotations") or {}
    if field_manager == "kubectl" and LAST_APPLIED in annotations:
        # lastAppliedUpdater: keep the client-side apply annotation in step with what kubectl applied.
        config = clone(applied)
        (config.get("metadata") or {}).get("annotations", {}).pop(LAST_APPLIED, None)
        annotations[LAST_APPLIED] = json.dumps(config, separators=(",", ":")) + "\n"
    # Fields this manager applied before but no longer does are removed unless someone else owns them.
    others = set()
    for e in entries:
        if e is not mine:
            others |= from_fields_v1(e.get("fieldsV1") or {})
    for p in sorted(prev - set(cfg), key=len, reverse=True):
        if p not in others and not any(o[:len(p)] == p for o in others):
            _remove_path(merged, p, node)
    merged["apiVersion"] = rt.api_version  # the version the client applied (another CRD version maybe)
    merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    if (applied.get("metadata") or {}).get("resourceVersion"):
        merged["metadata"]["resourceVersion"] = applied["metadata"]["resourceVersion"]
    merged["metadata"]["managedFields"] = entries
    return api.update(rt, merged, subresource=subresource, dry_run=dry_run, field_manager=field_manager,
                      namespace=namespace, name=name, validation_hook=validation_hook,
                      _operation="Apply", _applied_paths=set(cfg))
