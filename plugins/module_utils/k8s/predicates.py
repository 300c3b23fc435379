# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait predicates: pure functions of an object (dict, or None when it does not exist) -> Verdict."""

from __future__ import annotations

from collections import namedtuple

# done: the wait is over; failed: it can never succeed (stop now); message: what the object is doing.
Verdict = namedtuple("Verdict", ["done", "failed", "message"])

# kubernetes/pkg/controller/deployment/util: the Progressing reason once progressDeadlineSeconds passed.
PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"


def get_condition(obj, type_):
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def deployment_rollout_status(obj):
    """kubectl's `rollout status` for a Deployment (kubectl/pkg/polymorphichelpers/rollout_status.go).

    Done when the controller has observed the current generation and every replica is updated and
    available with no old replicas left. Fails fast when the Progressing condition reports
    ProgressDeadlineExceeded (what kubectl fails on) or any other Progressing=False (e.g. a
    ReplicaSet that cannot be created), instead of sitting out the whole wait_timeout.
    """
    if obj is None:
        return Verdict(False, False, "Waiting for the deployment to be created...")
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    name = meta.get("name", "")
    generation = meta.get("generation") or 0
    observed = status.get("observedGeneration") or 0
    if generation > observed:
        return Verdict(False, False, "Waiting for deployment spec update to be observed...")

    progressing = get_condition(obj, "Progressing")
    if progressing and progressing.get("reason") == PROGRESS_DEADLINE_EXCEEDED:
        return Verdict(False, True, 'deployment "%s" exceeded its progress deadline: %s' % (
            name, progressing.get("message", "")))
    if progressing and progressing.get("status") == "False":
        return Verdict(False, True, 'deployment "%s" is not progressing (%s): %s' % (
            name, progressing.get("reason", ""), progressing.get("message", "")))

    paused = " (the deployment is paused: resume it or this never finishes)" if spec.get("paused") else ""
    desired = spec.get("replicas")
    updated = status.get("updatedReplicas") or 0
    current = status.get("replicas") or 0
    available = status.get("availableReplicas") or 0
    if desired is not None and updated < desired:
        return Verdict(False, False, 'Waiting for deployment "%s" rollout to finish: %d out of %d new replicas have '
                                     'been updated...%s' % (name, updated, desired, paused))
    if current > updated:
        return Verdict(False, False, 'Waiting for deployment "%s" rollout to finish: %d old replicas are pending '
                                     'termination...%s' % (name, current - updated, paused))
    if available < updated:
        return Verdict(False, False, 'Waiting for deployment "%s" rollout to finish: %d of %d updated replicas are '
                                     'available...%s' % (name, available, updated, paused))
    return Verdict(True, False, 'deployment "%s" successfully rolled out' % name)


def object_gone(obj):
    """Done once the object no longer exists (a delete finished, finalizers included)."""
    if obj is None:
        return Verdict(True, False, "the object is gone")
    meta = obj.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        finalizers = meta.get("finalizers") or []
        return Verdict(False, False, "being deleted, waiting for finalizers: %s" % (", ".join(finalizers) or "none"))
    return Verdict(False, False, "%s %s still exists" % (obj.get("kind", "object"), meta.get("name", "")))


def condition_is(type_, status="True"):
    """A predicate that is done when status.conditions[type_] has ``status`` (compared as a string)."""
    wanted = str(status)

    def predicate(obj):
        if obj is None:
            return Verdict(False, False, "waiting for the object to exist")
        cond = get_condition(obj, type_)
        if cond is None:
            return Verdict(False, False, "condition %s not reported yet" % type_)
        text = "condition %s=%s (%s: %s)" % (
            type_, cond.get("status"), cond.get("reason", ""), cond.get("message", ""))
        return Verdict(str(cond.get("status")) == wanted, False, text)

    predicate.__name__ = "condition_is_%s_%s" % (type_, wanted)
    return predicate
