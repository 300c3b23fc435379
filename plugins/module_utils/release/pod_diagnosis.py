# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read why pods are not Ready, in the kubelet's own words (containerStatuses, conditions).

A crash-looping or unpullable canary never becomes Ready; waiting for the full timeout and then
saying "timed out" hides the reason. These functions find the reason as soon as the kubelet reports it.
"""

from __future__ import annotations

# Waiting reasons that will not heal by waiting (the kubelet keeps backing off).
FATAL_WAITING_REASONS = ("CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                         "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
                         "RunContainerError")


def _pod_name(pod):
    return (pod.get("metadata") or {}).get("name", "?")


def _statuses(pod):
    status = pod.get("status") or {}
    return (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])


def _terminated_detail(cs):
    last = (cs.get("lastState") or {}).get("terminated") or (cs.get("state") or {}).get("terminated") or {}
    parts = []
    if "exitCode" in last:
        parts.append("exit code %s" % last["exitCode"])
    if last.get("reason"):
        parts.append(last["reason"])
    if last.get("message"):
        parts.append(last["message"].strip())
    return ", ".join(parts)


def fatal_reason(pods):
    """One line naming the first pod whose container cannot start, with the kubelet's reason; else None."""
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        for cs in _statuses(pod):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason not in FATAL_WAITING_REASONS:
                continue
            text = "pod %s container %s: %s" % (_pod_name(pod), cs.get("name", "?"), reason)
            if waiting.get("message"):
                text += ": " + waiting["message"].strip()
            detail = _terminated_detail(cs) if reason == "CrashLoopBackOff" else ""
            if detail:
                text += " (last termination: %s)" % detail
            if cs.get("restartCount"):
                text += ", %s restarts" % cs["restartCount"]
            return text
    return None


def not_ready_summary(pods):
    """Why pods are not Ready yet (for timeout messages): phase, Ready condition, waiting reasons."""
    lines = []
    for pod in pods:
        status = pod.get("status") or {}
        conditions = dict((c.get("type"), c) for c in status.get("conditions") or [])
        ready = conditions.get("Ready") or {}
        if ready.get("status") == "True":
            continue
        bits = ["phase %s" % status.get("phase", "Unknown")]
        if ready.get("reason") or ready.get("message"):
            bits.append("Ready=False %s" % " ".join(x for x in (ready.get("reason"), ready.get("message")) if x))
        sched = conditions.get("PodScheduled") or {}
        if sched.get("status") == "False":
            bits.append("unschedulable: %s" % (sched.get("message") or sched.get("reason") or ""))
        for cs in _statuses(pod):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason"):
                bits.append("%s %s" % (cs.get("name"), waiting["reason"]))
            elif "running" in (cs.get("state") or {}) and not cs.get("ready"):
                bits.append("%s running but not ready (readiness probe failing)" % cs.get("name"))
        lines.append("pod %s: %s" % (_pod_name(pod), ", ".join(bits)))
    return "; ".join(lines[:5]) + ("; ..." if len(lines) > 5 else "")


def ready_count(pods):
    """Pods with condition Ready=True and not being deleted."""
    n = 0
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        for c in (pod.get("status") or {}).get("conditions") or []:
            if c.get("type") == "Ready" and c.get("status") == "True":
                n += 1
    return n


def latest_warning(events):
    """The message of the newest Warning event ('Readiness probe failed: ...'), or None."""
    warnings = [e for e in events if e.get("type") == "Warning"]
    if not warnings:
        return None
    newest = max(warnings, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or
                 (e.get("metadata") or {}).get("creationTimestamp") or "")
    return "%s: %s" % (newest.get("reason", "Warning"), (newest.get("message") or "").strip())
