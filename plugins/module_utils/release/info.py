# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_info: a read-only view of an app's release in one namespace of one cluster."""

from __future__ import annotations

import datetime

from ansible_collections.progressive.delivery.plugins.module_utils.release import (
    canary_ops,
    discovery,
    lock,
    release_record,
    reject_list,
    snapshot,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError


def describe_app(ctx):
    view = ctx.view()
    record = release_record.get_record(ctx.client, ctx.ref)
    now = datetime.datetime.now(datetime.timezone.utc)
    current_lock = lock.Lock.of(record)
    problems = []
    try:
        canary = view.canary
    except ReleaseError as err:
        canary, problems = view.canaries[0], problems + [err.message]
    try:
        stable = view.stable
    except ReleaseError as err:
        stable, problems = None, problems + [err.message]
    versions = {}
    for d in view.deployments:
        summary = snapshot.deployment_summary(view, d)
        if d is canary:
            summary["role"] = st.ROLE_CANARY
        elif d is stable:
            summary["role"] = st.ROLE_STABLE
        entry = versions.setdefault(summary["version"] or "", {
            "version": summary["version"], "replicas": 0, "ready_replicas": 0, "deployments": []})
        entry["replicas"] += summary["replicas"]
        entry["ready_replicas"] += summary["ready_replicas"]
        entry["deployments"].append(summary)
    state = st.ReleaseState.of(canary if canary is not None else stable)
    release = None
    if canary is not None or state.phase:
        release = state.as_dict()
        release["in_progress"] = canary is not None
    total = state.total if canary is not None and state.total else None
    completed_at = None
    if stable is not None:
        completed_at = st.annotations_of(stable).get(st.COMPLETED_AT) or stable["metadata"].get("creationTimestamp")
    return {
        "changed": False,
        "app": ctx.ref.app,
        "namespace": ctx.ref.namespace,
        "exists": bool(view.deployments),
        "versions": [versions[k] for k in sorted(versions)],
        "stable": snapshot.deployment_summary(view, stable),
        "canary": snapshot.deployment_summary(view, canary),
        "retired": [snapshot.deployment_summary(view, d) for d in view.retired],
        "baseline": snapshot.deployment_summary(view, view.baselines[0]) if view.baselines else None,
        "services": [s["metadata"]["name"] for s in discovery.app_services(ctx.client, ctx.ref)],
        "canary_services": canary_ops.canary_service_names(ctx, view.version_of(canary)) if canary is not None else [],
        "total_replicas": total,
        "ready_replicas": sum(v["ready_replicas"] for v in versions.values()),
        "phase": state.phase if (canary is not None or state.phase == st.COMPLETED) else None,
        "step": state.step if canary is not None else None,
        "release": release,
        "lock": current_lock.as_dict(now) if current_lock else None,
        "rejected_versions": reject_list.parse(record),
        "frozen": st.ReleaseState.of(canary).frozen if canary is not None else None,
        "stable_since": completed_at,
        "problems": problems,
    }
