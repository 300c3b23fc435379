"""Helpers of pkg/controller/deployment/util/deployment_util.go, with the same names and rules.

Fenceposts (maxSurge rounds up, maxUnavailable rounds down, both zero means one unavailable),
the pod-template-hash, revision/desired/max annotations, the condition helpers and the
ReplicaSet orderings the deployment controller relies on.
"""
from __future__ import annotations

import copy
import json
import math
import struct

from ..clock import parse_time

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
POD_TEMPLATE_HASH = "pod-template-hash"
# Annotations a Deployment never copies to its ReplicaSets (skipCopyAnnotation).
SKIP_COPY = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, DEPRECATED_ROLLBACK_TO}
MAX_REV_HISTORY_LENGTH = 2000
MAX_INT32 = 2 ** 31 - 1

# Condition reasons (deployment_util.go).
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
RS_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
MIN_AVAILABLE_REASON = "MinimumReplicasAvailable"
MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable"

# k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and confusable characters.
SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def safe_encode_string(text: str) -> str:
    return "".join(SAFE_ALPHANUMS[b % len(SAFE_ALPHANUMS)] for b in text.encode())


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def compute_hash(template: dict, collision_count: int | None) -> str:
    """controller.ComputeHash: FNV-32a over the template (+ collisionCount, little endian), rendered
    as the decimal uint32 through SafeEncodeString. The template is serialised as canonical JSON
    (the real one hashes a spew dump of the Go struct, so the strings differ from a real cluster's,
    but they are stable, change exactly when the template changes, and have the same shape)."""
    data = json.dumps(drop_nulls(template), sort_keys=True, separators=(",", ":")).encode()
    h = fnv32a(data)
    if collision_count is not None:
        # An 8-byte buffer with the uint32 in its first four bytes (little endian), as the real one.
        h = fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\0" * 4, h)
    return safe_encode_string(str(h))


# -- IntOrString ------------------------------------------------------------------------------
def scaled_value(value, total: int, round_up: bool, field: str = "value") -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"{field}: invalid type: bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if not value.endswith("%"):
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"{field}: invalid value for IntOrString: invalid type: string is not a percentage")
        try:
            pct = int(value[:-1])
        except ValueError:
            raise ValueError(f"{field}: invalid value {value!r}: must be an integer or a percentage like 25%")
        exact = pct * total / 100
        return int(math.ceil(exact)) if round_up else int(math.floor(exact))
    raise ValueError(f"{field}: invalid type {type(value).__name__}")


def replicas_of(obj: dict) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def is_rolling_update(d: dict) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def _rolling(d: dict) -> dict:
    return ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}


def resolve_fenceposts(max_surge, max_unavailable, desired: int) -> tuple[int, int]:
    surge = scaled_value(max_surge if max_surge is not None else 0, desired, True, "maxSurge")
    unavailable = scaled_value(max_unavailable if max_unavailable is not None else 0, desired, False,
                               "maxUnavailable")
    if surge == 0 and unavailable == 0:
        # Surging to zero is not a good idea: the real controller lets one pod be unavailable.
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict) -> int:
    if not is_rolling_update(d):
        return 0
    ru = _rolling(d)
    return resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), replicas_of(d))[0]


def max_unavailable(d: dict) -> int:
    if not is_rolling_update(d) or replicas_of(d) == 0:
        return 0
    ru = _rolling(d)
    _, unavailable = resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"),
                                        replicas_of(d))
    return min(unavailable, replicas_of(d))


# -- ReplicaSet arithmetic ----------------------------------------------------------------------
def status_int(obj: dict | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def replica_count(rss) -> int:
    return sum(replicas_of(rs) for rs in rss if rs is not None)


def actual_replica_count(rss) -> int:
    return sum(status_int(rs, "replicas") for rs in rss if rs is not None)


def ready_replica_count(rss) -> int:
    return sum(status_int(rs, "readyReplicas") for rs in rss if rs is not None)


def available_replica_count(rss) -> int:
    return sum(status_int(rs, "availableReplicas") for rs in rss if rs is not None)


def terminating_replica_count(rss) -> int:
    return sum(status_int(rs, "terminatingReplicas") for rs in rss if rs is not None)


def filter_active(rss) -> list[dict]:
    return [rs for rs in rss if rs is not None and replicas_of(rs) > 0]


def _created(obj: dict):
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


def by_creation(rss) -> list[dict]:
    """controller.ReplicaSetsByCreationTimestamp (oldest first, then by name)."""
    return sorted(rss, key=lambda rs: (_created(rs).timestamp() if _created(rs) else 0, rs["metadata"]["name"]))


def by_size_newer(rss) -> list[dict]:
    """ReplicaSetsBySizeNewer: larger first; equal sizes newest first."""
    def cmp_key(rs):
        t = _created(rs)
        return (-replicas_of(rs), -(t.timestamp() if t else 0), _neg_name(rs["metadata"]["name"]))
    return sorted(rss, key=cmp_key)


def by_size_older(rss) -> list[dict]:
    """ReplicaSetsBySizeOlder: larger first; equal sizes oldest first."""
    def cmp_key(rs):
        t = _created(rs)
        return (-replicas_of(rs), t.timestamp() if t else 0, rs["metadata"]["name"])
    return sorted(rss, key=cmp_key)


class _neg_name(str):
    """Sort key reversing string order (newer-first ties fall back to the greater name first)."""
    def __lt__(self, other):
        return str.__gt__(self, other)


def revision_of(obj: dict) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def by_revision(rss) -> list[dict]:
    def key(rs):
        t = _created(rs)
        return (revision_of(rs), t.timestamp() if t else 0, rs["metadata"]["name"])
    return sorted(rss, key=key)


def max_revision(rss) -> int:
    return max((revision_of(rs) for rs in rss), default=0)


def drop_nulls(value):
    """JSON nulls are absent fields once decoded into Go types (`creationTimestamp: null` that
    kubectl sends back on `rollout undo` included): compare and hash templates without them."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def template_without_hash(template: dict) -> dict:
    t = drop_nulls(copy.deepcopy(template or {}))
    labels = (t.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(POD_TEMPLATE_HASH, None)
        if not labels:
            t["metadata"].pop("labels")
    meta = t.get("metadata")
    if meta is not None and not meta:
        t.pop("metadata")
    return t


def equal_ignore_hash(a: dict, b: dict) -> bool:
    return template_without_hash(a) == template_without_hash(b)


def find_new_replica_set(d: dict, rss: list[dict]) -> dict | None:
    for rs in by_creation(rss):
        if equal_ignore_hash(rs["spec"].get("template") or {}, d["spec"].get("template") or {}):
            return rs
    return None


def find_old_replica_sets(d: dict, rss: list[dict]) -> tuple[list[dict], list[dict]]:
    """(old RSs with pods, all old RSs)."""
    new = find_new_replica_set(d, rss)
    all_old = [rs for rs in rss if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]
    return [rs for rs in all_old if replicas_of(rs) != 0], all_old


def annotations(obj: dict) -> dict:
    return obj.setdefault("metadata", {}).setdefault("annotations", {})


def int_annotation(obj: dict, key: str) -> int | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def set_replicas_annotations(rs: dict, desired: int, maximum: int) -> bool:
    ann = annotations(rs)
    changed = False
    if ann.get(DESIRED_REPLICAS) != str(desired):
        ann[DESIRED_REPLICAS] = str(desired)
        changed = True
    if ann.get(MAX_REPLICAS) != str(maximum):
        ann[MAX_REPLICAS] = str(maximum)
        changed = True
    return changed


def replicas_annotations_need_update(rs: dict, desired: int, maximum: int) -> bool:
    ann = (rs.get("metadata") or {}).get("annotations") or {}
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(maximum)


def copy_deployment_annotations(d: dict, rs: dict) -> bool:
    changed = False
    ann = annotations(rs)
    for k, v in ((d.get("metadata") or {}).get("annotations") or {}).items():
        if k in SKIP_COPY or ann.get(k) == v:
            continue
        ann[k] = v
        changed = True
    return changed


def set_new_replica_set_annotations(d: dict, rs: dict, new_revision: str, exists: bool) -> bool:
    changed = copy_deployment_annotations(d, rs)
    ann = annotations(rs)
    old_revision = ann.get(REVISION)
    had_revision = old_revision is not None
    try:
        old_int = int(old_revision) if old_revision else 0
    except ValueError:
        return False
    new_int = int(new_revision)
    if old_int < new_int:
        ann[REVISION] = new_revision
        changed = True
    if had_revision and old_int < new_int:
        # Rolling back to this ReplicaSet: keep the revisions it had before, for history.
        history = ann.get(REVISION_HISTORY, "")
        olds = history.split(",")
        if not olds[0]:
            ann[REVISION_HISTORY] = old_revision
        else:
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > MAX_REV_HISTORY_LENGTH and start < len(olds):
                total -= len(olds[start]) + 1
                start += 1
            if total <= MAX_REV_HISTORY_LENGTH:
                ann[REVISION_HISTORY] = ",".join(olds[start:] + [old_revision])
    if not exists and set_replicas_annotations(rs, replicas_of(d), replicas_of(d) + max_surge(d)):
        changed = True
    return changed


def set_deployment_revision(d: dict, revision: str) -> bool:
    ann = annotations(d)
    if ann.get(REVISION) != revision:
        ann[REVISION] = revision
        return True
    return False


def is_saturated(d: dict, rs: dict | None) -> bool:
    if rs is None:
        return False
    desired = int_annotation(rs, DESIRED_REPLICAS)
    if desired is None:
        return False
    return (replicas_of(rs) == replicas_of(d) and desired == replicas_of(d)
            and status_int(rs, "availableReplicas") == replicas_of(d))


def find_active_or_latest(new_rs: dict | None, old_rss: list[dict]) -> dict | None:
    if new_rs is None and not old_rss:
        return None
    olds = list(reversed(by_creation(old_rss)))
    active = filter_active(olds + [new_rs])
    if not active:
        return new_rs if new_rs is not None else olds[0]
    if len(active) == 1:
        return active[0]
    return None


def replica_set_proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
    if rs is None or replicas_of(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def replica_set_fraction(rs: dict, d: dict) -> int:
    if replicas_of(d) == 0:
        return -replicas_of(rs)
    deployment_max = replicas_of(d) + max_surge(d)
    before = int_annotation(rs, MAX_REPLICAS)
    if not before:
        before = status_int(d, "replicas")
    if not before:
        return 0
    new_size = replicas_of(rs) * deployment_max / before
    return _round_half_away(new_size) - replicas_of(rs)


def _round_half_away(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def new_rs_new_replicas(d: dict, all_rss: list[dict], new_rs: dict) -> int:
    if is_rolling_update(d):
        surge = scaled_value(_rolling(d).get("maxSurge", "25%"), replicas_of(d), True, "maxSurge")
        current = replica_count(all_rss)
        max_total = replicas_of(d) + surge
        if current >= max_total:
            return replicas_of(new_rs)
        scale_up = min(max_total - current, replicas_of(d) - replicas_of(new_rs))
        return replicas_of(new_rs) + scale_up
    return replicas_of(d)


# -- conditions ---------------------------------------------------------------------------------
def get_condition(status: dict, cond_type: str) -> dict | None:
    for c in status.get("conditions") or []:
        if c.get("type") == cond_type:
            return c
    return None


def new_condition(cond_type: str, status: str, reason: str, message: str, now: str) -> dict:
    return {"type": cond_type, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def set_condition(status: dict, cond: dict) -> None:
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current["status"] == cond["status"]:
        cond["lastTransitionTime"] = current.get("lastTransitionTime")
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: dict, cond_type: str) -> None:
    if "conditions" in status:
        status["conditions"] = [c for c in status["conditions"] if c.get("type") != cond_type]
        if not status["conditions"]:
            status.pop("conditions")


def has_progress_deadline(d: dict) -> bool:
    pds = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return pds is not None and pds != MAX_INT32


def has_revision_history_limit(d: dict) -> bool:
    limit = (d.get("spec") or {}).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


def deployment_complete(d: dict, status: dict) -> bool:
    n = replicas_of(d)
    return (int(status.get("updatedReplicas") or 0) == n and int(status.get("replicas") or 0) == n
            and int(status.get("availableReplicas") or 0) == n
            and int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation") or 0))


def deployment_progressing(d: dict, status: dict) -> bool:
    old = d.get("status") or {}
    old_old = int(old.get("replicas") or 0) - int(old.get("updatedReplicas") or 0)
    new_old = int(status.get("replicas") or 0) - int(status.get("updatedReplicas") or 0)
    return (int(status.get("updatedReplicas") or 0) > int(old.get("updatedReplicas") or 0)
            or new_old < old_old
            or int(status.get("readyReplicas") or 0) > int(old.get("readyReplicas") or 0)
            or int(status.get("availableReplicas") or 0) > int(old.get("availableReplicas") or 0))


def deployment_timed_out(d: dict, status: dict, now) -> bool:
    if not has_progress_deadline(d):
        return False
    cond = get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.get("reason") == TIMED_OUT_REASON:
        return True
    since = parse_time(cond.get("lastUpdateTime"))
    if since is None:
        return False
    return (now - since).total_seconds() > int(d["spec"]["progressDeadlineSeconds"])
