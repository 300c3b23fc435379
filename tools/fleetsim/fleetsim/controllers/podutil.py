"""Pod predicates the controllers share (k8s.io/kubernetes/pkg/api/v1/pod and controller_utils.go)."""
from __future__ import annotations

import math
from datetime import datetime

from ..clock import parse_time


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or "Pending"


def condition(pod: dict, cond_type: str) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == cond_type:
            return c
    return None


def is_ready(pod: dict) -> bool:
    c = condition(pod, "Ready")
    return c is not None and c.get("status") == "True"


def ready_time(pod: dict) -> datetime | None:
    c = condition(pod, "Ready")
    if c is None or c.get("status") != "True":
        return None
    return parse_time(c.get("lastTransitionTime"))


def is_available(pod: dict, min_ready_seconds: int, now: datetime) -> bool:
    """podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds."""
    if not is_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = ready_time(pod)
    return since is not None and (now - since).total_seconds() > min_ready_seconds


def seconds_until_available(pod: dict, min_ready_seconds: int, now: datetime) -> float | None:
    """How long until a ready pod turns available (None when it is not ready or already available)."""
    since = ready_time(pod)
    if since is None or not min_ready_seconds:
        return None
    left = min_ready_seconds - (now - since).total_seconds()
    return left if left >= 0 else None


def is_terminating(pod: dict) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_active(pod: dict) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    return phase(pod) not in ("Succeeded", "Failed") and not is_terminating(pod)


def is_terminating_active(pod: dict) -> bool:
    """Counted in terminatingReplicas: being deleted but not finished yet."""
    return is_terminating(pod) and phase(pod) not in ("Succeeded", "Failed")


def max_restarts(pod: dict) -> int:
    statuses = ((pod.get("status") or {}).get("containerStatuses") or []) + \
        ((pod.get("status") or {}).get("initContainerStatuses") or [])
    return max((int(s.get("restartCount") or 0) for s in statuses), default=0)


def deletion_cost(pod: dict) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def find_port(pod: dict, target_port, service_port: dict) -> int | None:
    """podutil.FindPort: a numeric targetPort as is, a named one from the pod's container ports."""
    if target_port is None:
        target_port = service_port.get("port")
    if isinstance(target_port, int):
        return target_port
    if isinstance(target_port, str) and target_port.isdigit():
        return int(target_port)
    protocol = service_port.get("protocol") or "TCP"
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target_port and (p.get("protocol") or "TCP") == protocol:
                return int(p["containerPort"])
    return None


def _log_rank(t: datetime | None, now: datetime) -> int:
    if t is None:
        return -1
    d = (now - t).total_seconds() * 1e9
    return int(math.log2(d)) if d > 0 else -1


def deletion_rank_key(now: datetime, ranks: dict[str, int]):
    """Sort key of controller.ActivePodsWithRanks (LogarithmicScaleDown on): first = deleted first.

    Unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower deletion cost
    first; more related pods on the same node first; ready for a shorter time first
    (log2 buckets); more restarts first; newer first (log2 buckets); then UID.
    """
    phase_order = {"Pending": 0, "Unknown": 1, "Running": 2}

    def key(pod: dict):
        spec = pod.get("spec") or {}
        meta = pod.get("metadata") or {}
        ready = is_ready(pod)
        created = parse_time(meta.get("creationTimestamp"))
        return (
            1 if spec.get("nodeName") else 0,
            phase_order.get(phase(pod), 3),
            1 if ready else 0,
            deletion_cost(pod),
            -ranks.get(meta.get("uid"), 0),
            _log_rank(ready_time(pod), now) if ready else 0,
            -max_restarts(pod),
            _log_rank(created, now),
            meta.get("uid") or "",
        )
    return key
