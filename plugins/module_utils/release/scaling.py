# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale a Deployment, and what a wait on it says when it fails: the pods' own reason.

The wait itself is app_watch.AppWatch (the shared ObjectWatch with kubectl's rollout-status predicate). A
crash-looping or unpullable pod does not change the Deployment, so the wait runs in short slices and reads
the pods' containerStatuses between them (check_pods): the kubelet's reason ends the wait as soon as it appears.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import pod_diagnosis
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import CanaryFailed, ReleaseError


def replicas_of(deployment):
    replicas = ((deployment or {}).get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def ready_of(deployment):
    return int(((deployment or {}).get("status") or {}).get("readyReplicas") or 0)


def _meta(deployment):
    return deployment.get("metadata") or {}


def scale(client, deployment, replicas, annotations=None):
    """Set spec.replicas with a merge patch (a 409 answer is sent again by the client's retry policy).

    annotations (None values remove one) ride in the same patch: a step records its target on the canary
    with the canary's first replica change, one request instead of two.
    """
    meta = _meta(deployment)
    body = {"spec": {"replicas": replicas}}
    if annotations:
        body["metadata"] = {"annotations": dict(annotations)}
    return client.patch("apps/v1", "Deployment", meta.get("namespace"), meta["name"], body)


def pods_of(client, deployment):
    """Pods selected by the Deployment's matchLabels (the ReplicaSets add only pod-template-hash)."""
    meta = _meta(deployment)
    labels = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    terms = ["%s=%s" % kv for kv in sorted(labels.items())]
    if terms and st.TRACK_LABEL not in labels:
        # The stable's selector also matches the baseline's pods (same app and version): not its pods.
        terms.append("!" + st.TRACK_LABEL)
    selector = ",".join(terms)
    return client.list("v1", "Pod", meta.get("namespace"), label_selector=selector or None).get("items") or []


def not_ready_reason(client, deployment, pods):
    """Why pods are not Ready: their state, plus the kubelet's latest warning for one of them."""
    summary = pod_diagnosis.not_ready_summary(pods)
    not_ready = [p for p in pods if pod_diagnosis.ready_count([p]) == 0]
    if not_ready:
        name = not_ready[0]["metadata"]["name"]
        events = client.list("v1", "Event", _meta(deployment).get("namespace"),
                             field_selector="involvedObject.name=%s" % name).get("items") or []
        warning = pod_diagnosis.latest_warning(events)
        if warning:
            summary += "; pod %s: %s" % (name, warning)
    return summary


def failed_error(client, deployment, last_status):
    """CanaryFailed for a rollout the predicate reports failed (e.g. ProgressDeadlineExceeded), with the pods' reason."""
    name = _meta(deployment)["name"]
    pods = pods_of(client, deployment)
    reason = pod_diagnosis.fatal_reason(pods) or not_ready_reason(client, deployment, pods)
    return CanaryFailed(
        "Deployment %s/%s failed: %s%s" % (_meta(deployment).get("namespace"), name, last_status,
                                           ("; " + reason) if reason else ""),
        details={"deployment": name, "reason": reason or last_status},
    )


def check_pods(client, deployment):
    """Read the Deployment's pods once (a wait slice ended undecided): raise CanaryFailed on a fatal state.

    Returns the pods, so a wait that has also reached its deadline can explain itself without reading again.
    """
    pods = pods_of(client, deployment)
    reason = pod_diagnosis.fatal_reason(pods)
    if reason:
        name = _meta(deployment)["name"]
        raise CanaryFailed("Deployment %s/%s cannot become ready: %s" % (_meta(deployment).get("namespace"), name,
                                                                         reason),
                           details={"deployment": name, "reason": reason})
    return pods


def timeout_error(client, deployment, pods, last_status, elapsed):
    """ReleaseError for a wait that reached wait_timeout: the last status plus why the pods are not Ready."""
    name = _meta(deployment)["name"]
    summary = not_ready_reason(client, deployment, pods)
    return ReleaseError(
        "timed out after %.0fs waiting for Deployment %s/%s: %s%s. Raise wait_timeout if the pods "
        "are just slow, or fix what keeps them from becoming Ready"
        % (elapsed, _meta(deployment).get("namespace"), name, last_status, ("; " + summary) if summary else ""),
        field="wait_timeout",
        details={"deployment": name, "last_status": last_status, "pods": summary},
    )


def slice_seconds_for(sleep):
    """Length of one wait slice: short enough to notice a crash loop soon, long enough for a pod to start."""
    return max(1.0, min(5.0, float(sleep) * 2))
