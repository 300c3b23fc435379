"""Small write helpers shared by the multi-cluster reconcilers (everything goes through Api)."""
from __future__ import annotations

import copy
import hashlib
import json

from ..errors import ApiError

MANAGER = "multicluster-controller"


def lookup(api, resource: str, namespace: str | None, name: str) -> dict | None:
    try:
        return api.get(resource, namespace, name)
    except ApiError as exc:
        if exc.code == 404:
            return None
        raise


def namespace_exists(api, namespace: str) -> bool:
    ns = lookup(api, "namespaces", None, namespace)
    return ns is not None and not (ns.get("metadata") or {}).get("deletionTimestamp")


def spec_hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def set_status(api, resource: str, obj: dict, status: dict) -> dict:
    """Write ``status`` unless it is already there (condition times of unchanged conditions are
    kept, so a no-op reconcile writes nothing and emits no watch event)."""
    old = obj.get("status") or {}
    status = copy.deepcopy(status)
    keep_transition_times(old.get("conditions"), status.get("conditions"))
    if old == status:
        return obj
    new = copy.deepcopy(obj)
    new["status"] = status
    return api.update(resource, new, subresource="status", field_manager=MANAGER)


def condition(type_: str, ok: bool, reason: str, message: str, now: str,
              generation: int | None = None) -> dict:
    out = {"type": type_, "status": "True" if ok else "False", "reason": reason,
           "message": message, "lastTransitionTime": now}
    if generation is not None:
        out["observedGeneration"] = generation
    return out


def keep_transition_times(old_conditions, new_conditions) -> None:
    """A condition whose status did not change keeps its lastTransitionTime."""
    previous = {c.get("type"): c for c in old_conditions or []}
    for cond in new_conditions or []:
        before = previous.get(cond.get("type"))
        if before and before.get("status") == cond.get("status"):
            cond["lastTransitionTime"] = before.get("lastTransitionTime", cond["lastTransitionTime"])


def template_spec(obj: dict) -> dict:
    """``spec.template.spec`` of an MCS or MCI, {} when missing or malformed."""
    spec = obj.get("spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    inner = template.get("spec") if isinstance(template, dict) else None
    return inner if isinstance(inner, dict) else {}
