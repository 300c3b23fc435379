# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_finish: the canary takes over as the app's stable.

Order: record Finishing, canary to N and Ready, then remove the old stable (or keep it at 0 replicas
as a fast-rollback window) and the canary Service, then mark the canary Completed with role stable.
Nothing is removed before N canary pods are Ready, so capacity never drops.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import baseline, canary_ops, names, snapshot
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import CanaryFailed, ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.freeze_guard import refuse_if_frozen
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import replicas_of
from ansible_collections.progressive.delivery.plugins.module_utils.release.step import completed_release, find_release


def finish_release(ctx, version=None, keep_stable=False):
    if version is not None:
        names.check_label_value("version", version)
    view = ctx.view()
    done = completed_release(view, version)
    if done is not None:
        return {"changed": False, "msg": "version %s already completed its release" % version, "actions": [],
                "version": version, "phase": st.COMPLETED, "stable": snapshot.deployment_summary(view, done)}
    if view.canaries == [] and version is None:
        return {"changed": False, "msg": "no release of app %s in progress; nothing to finish" % ctx.ref.app,
                "actions": []}
    view, canary, stable = find_release(ctx, version, stable_may_be_gone=True)
    refuse_if_frozen(ctx, canary, "finish it")
    state = st.ReleaseState.of(canary)
    if state.phase == st.ROLLING_BACK:
        raise ReleaseError("the release of version %s is being rolled back; run progressive.delivery.release_rollback "
                           "again to complete the rollback" % view.version_of(canary), field="app")
    total = state.total or replicas_of(stable)
    service_names = canary_ops.canary_service_names(ctx, view.version_of(canary))
    retired_old = [d["metadata"]["name"] for d in view.retired]
    result = _plan(ctx, view, canary, stable, state, total, keep_stable, service_names, retired_old)
    if not ctx.lock_or_plan(result):
        return result
    started = ctx.clock()
    canary = _canary_to_n(ctx, canary, state, total)
    # The baseline before the stable: a run killed in between still finds the release to finish.
    baseline.delete_baselines(ctx, view)
    _retire_stable(ctx, stable, state.stable_name, keep_stable, retired_old)
    for svc in service_names:
        ctx.delete("v1", "Service", svc)
    now = st.timestamp()
    ctx.annotate(canary, {st.ROLE: st.ROLE_STABLE, st.PHASE: st.COMPLETED, st.COMPLETED_AT: now, st.UPDATED_AT: now,
                          st.TARGET: str(total), st.COMPLETED_TARGET: str(total), st.LAST_ERROR: None})
    ctx.release_lock()
    after_view = ctx.view()
    result.update({"phase": st.COMPLETED, "duration": round(ctx.clock() - started, 3),
                   "after": snapshot.split_summary(after_view, after_view.by_name(state.stable_name),
                                                   after_view.by_name(canary["metadata"]["name"]))})
    return result


def _plan(ctx, view, canary, stable, state, total, keep_stable, service_names, retired_old):
    """The module result before anything is done: the actions, in order, and the diff."""
    canary_name, stable_name = canary["metadata"]["name"], state.stable_name
    actions = []
    if replicas_of(canary) != total:
        actions.append("scale Deployment %s (canary) to %d and wait until Ready" % (canary_name, total))
    actions.extend(baseline.leftover_actions(view))
    # stable is None when an interrupted finish already removed it.
    if stable is not None and keep_stable:
        actions.append("scale Deployment %s (old stable) to 0 and keep it for a fast rollback" % stable_name)
        actions.extend("delete Deployment %s (an older retired stable)" % n for n in retired_old)
    elif stable is not None:
        actions.append("delete Deployment %s (old stable)" % stable_name)
    actions.extend("delete Service %s (canary Service)" % s for s in service_names)
    actions.append("mark Deployment %s as the app's stable (phase Completed)" % canary_name)
    before = snapshot.split_summary(view, stable, canary)
    return {"changed": True, "app": ctx.ref.app, "namespace": ctx.ref.namespace,
            "version": view.version_of(canary), "previous_version": state.stable_version,
            "total_replicas": total, "actions": actions, "before": before,
            "diff": {"before": snapshot.replicas_only(before),
                     "after": {"stable": {"name": canary_name, "version": view.version_of(canary), "replicas": total},
                               "canary": None}}}


def _canary_to_n(ctx, canary, state, total):
    """Phase Finishing, the canary at N and Ready (always: the stable goes only once N canary pods are Ready)."""
    if state.phase != st.FINISHING:
        canary = ctx.annotate(canary, {st.PHASE: st.FINISHING, st.TARGET: str(total), st.UPDATED_AT: st.timestamp()})
    try:
        if replicas_of(canary) != total:
            canary = ctx.scale(canary, total)
        return ctx.wait_rolled_out(canary)
    except (CanaryFailed, ReleaseError) as err:
        ctx.annotate(canary, st.step_failed(err.message))
        raise


def _retire_stable(ctx, stable, stable_name, keep_stable, retired_old):
    """The old stable deleted, or kept at 0 as the one fast-rollback window (older windows deleted)."""
    if stable is None:
        return  # an interrupted finish already removed it
    if not keep_stable:
        ctx.delete("apps/v1", "Deployment", stable_name)
        return
    if replicas_of(stable) != 0:
        ctx.scale(stable, 0)
    ctx.annotate(stable, {st.ROLE: st.ROLE_RETIRED, st.RETIRED_AT: st.timestamp()})
    for old in retired_old:
        ctx.delete("apps/v1", "Deployment", old)
