# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain summaries of an app's Deployments for module results, diffs and release_info."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import discovery, scaling
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st


def deployment_summary(view, deployment):
    if deployment is None:
        return None
    status = deployment.get("status") or {}
    return {
        "name": discovery.name_of(deployment),
        "version": view.version_of(deployment),
        "role": discovery.role_of(deployment) or st.ROLE_STABLE,
        "replicas": scaling.replicas_of(deployment),
        "ready_replicas": int(status.get("readyReplicas") or 0),
        "available_replicas": int(status.get("availableReplicas") or 0),
        "updated_replicas": int(status.get("updatedReplicas") or 0),
    }


def split_summary(view, stable, canary):
    """{'stable': {...}, 'canary': {...}} with replicas and ready pods of each side."""
    return {"stable": deployment_summary(view, stable), "canary": deployment_summary(view, canary)}


def replicas_only(summary):
    """The part of a split summary that a step changes (for diff before/after)."""
    out = {}
    for side, value in summary.items():
        out[side] = None if value is None else {"name": value["name"], "version": value["version"],
                                                "replicas": value["replicas"]}
    return out
