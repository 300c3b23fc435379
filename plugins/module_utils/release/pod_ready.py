# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long the app's pods take to become Ready in one cluster, from what the cluster shows.

The current ReplicaSet of a Deployment (its highest revision) still owns the pods of the last rollout:
each pod's Ready transition time minus its creation time is how long one of its pods took. The median
of them is what the rollout plan counts for every pod-ready wait in that cluster. Read-only.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st

REVISION = "deployment.kubernetes.io/revision"


def _selector(labels):
    return ",".join("%s=%s" % (k, v) for k, v in sorted((labels or {}).items()))


def _owned_by(obj, owner):
    uid = owner["metadata"].get("uid")
    return any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or [])


def current_replicaset(client, deployment):
    """The ReplicaSet of the Deployment's highest revision, or None."""
    meta = deployment["metadata"]
    labels = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels")
    found = client.list("apps/v1", "ReplicaSet", meta["namespace"], label_selector=_selector(labels))
    owned = [rs for rs in found.get("items") or [] if _owned_by(rs, deployment)]
    if not owned:
        return None
    return max(owned, key=lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION) or 0))


def _ready_after(pod):
    created = st.parse_timestamp(pod["metadata"].get("creationTimestamp"))
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            ready = st.parse_timestamp(cond.get("lastTransitionTime"))
            if created is not None and ready is not None:
                return max((ready - created).total_seconds(), 0.0)
    return None


def ready_seconds(client, deployment):
    """{seconds (median), pods, replicaset} of the current ReplicaSet's Ready pods, or None when none shows it."""
    if deployment is None:
        return None
    rs = current_replicaset(client, deployment)
    if rs is None:
        return None
    labels = ((rs.get("spec") or {}).get("selector") or {}).get("matchLabels")
    pods = client.list("v1", "Pod", rs["metadata"]["namespace"], label_selector=_selector(labels))
    times = sorted(t for t in (_ready_after(p) for p in pods.get("items") or [] if _owned_by(p, rs)) if t is not None)
    if not times:
        return None
    middle = len(times) // 2
    median = times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2.0
    return {"seconds": median, "pods": len(times), "replicaset": rs["metadata"]["name"]}
