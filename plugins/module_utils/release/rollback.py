# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_rollback: the fast path back to the previous version, in one move and without gates.

Order: record RollingBack, the version to restore back to N and Ready (whatever step the release
was at), only then delete the version being rolled back and its canary Service, and put that
version on the reject list. If the restored version cannot become Ready, nothing is deleted and the
error says why: capacity never drops.

Two cases: a release in progress (restore the stable, remove the canary), and a finished release
whose old stable was kept at 0 replicas by release_finish(keep_stable) - the fast-rollback window
(restore the retired Deployment, remove the finished version). The second needs the version named
explicitly, so a rollback never undoes a finished release by accident.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import baseline, canary_ops, names, reject_list
from ansible_collections.progressive.delivery.plugins.module_utils.release import snapshot
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import replicas_of
from ansible_collections.progressive.delivery.plugins.module_utils.release.step import completed_release, find_release


def _window(view, version):
    """(finished Deployment of version, the Deployment to restore) when a fast-rollback window is open.

    A rollback interrupted half-way left the finished version 'leaving' and the restored one retired
    or already stable again: the re-run continues with that pair.
    """
    newest_retired = max(view.retired, key=lambda d: st.annotations_of(d).get(st.RETIRED_AT) or "") \
        if view.retired else None
    leaving = [d for d in view.leaving if view.version_of(d) == version]
    if leaving:
        restore = newest_retired if newest_retired is not None else view.stable
        return (leaving[0], restore) if restore is not None else None
    finished = completed_release(view, version)
    if finished is None or newest_retired is None:
        return None
    return finished, newest_retired


def rollback_release(ctx, version=None, reason=None, reject=True):
    if version is not None:
        names.check_label_value("version", version)
    view = ctx.view()
    in_progress = view.canary is not None and (version is None or view.version_of(view.canary) == version)
    window = None if in_progress else _window(view, version)
    if not in_progress and window is None:
        return _nothing_to_roll_back(ctx, version, view)
    if in_progress:
        view, remove, restore = find_release(ctx, version)
        total = st.ReleaseState.of(remove).total or replicas_of(restore)
    else:
        remove, restore = window
        total = replicas_of(remove)
    service_names = canary_ops.canary_service_names(ctx, view.version_of(remove))
    result = _plan(ctx, view, remove, restore, total, in_progress, reject, reason, service_names)
    if not ctx.lock_or_plan(result):
        return result
    started = ctx.clock()
    restore = _restore(ctx, remove, restore, total, in_progress, reason)
    ready_at = round(ctx.clock() - started, 3)
    # Reject before deleting: a run killed in between leaves the version (phase RollingBack) for the
    # re-run to remove, never a removed version that was not rejected.
    rejected = reject_list.read(ctx.client, ctx.ref)
    if reject:
        rejected = reject_list.reject(ctx.client, ctx.ref, result["version"], reason, ctx.lock_owner)
    # The baseline before the canary: a run killed in between leaves the canary, so the re-run comes back here.
    baseline.delete_baselines(ctx, view)
    ctx.delete("apps/v1", "Deployment", remove["metadata"]["name"])
    for svc in service_names:
        ctx.delete("v1", "Service", svc)
    ctx.release_lock()
    after_view = ctx.view()
    result.update({"duration": round(ctx.clock() - started, 3), "stable_ready_after": ready_at,
                   "rejected_versions": rejected,
                   "after": snapshot.split_summary(after_view, after_view.by_name(restore["metadata"]["name"]), None)})
    return result


def _nothing_to_roll_back(ctx, version, view):
    rejected = reject_list.read(ctx.client, ctx.ref)
    msg = "no release%s of app %s in progress; nothing to roll back" % (
        (" of version %s" % version) if version else "", ctx.ref.app)
    if version is not None and version in rejected:
        msg = "version %s was already rolled back (on the reject list since %s)" % (
            version, rejected[version].get("rejected_at"))
    result = {"changed": False, "msg": msg, "actions": [], "rejected_versions": rejected}
    if view.baselines and view.canaries == []:
        # A baseline left by a killed run outlives no rollback: it only adds pods, so it goes at once.
        result.update({"changed": True, "actions": baseline.leftover_actions(view)})
        if ctx.lock_or_plan(result):
            baseline.delete_baselines(ctx, view)
            ctx.release_lock()
    return result


def _plan(ctx, view, remove, restore, total, in_progress, reject, reason, service_names):
    """The module result before anything is done: the actions, in order, and the diff."""
    version = view.version_of(remove)
    remove_name, restore_name = remove["metadata"]["name"], restore["metadata"]["name"]
    what = "canary" if in_progress else "finished release, rolled back through the fast-rollback window"
    actions = []
    if replicas_of(restore) != total:
        label = "stable" if in_progress else "retired stable, version %s" % view.version_of(restore)
        actions.append("scale Deployment %s (%s) to %d" % (restore_name, label, total))
    actions.append("wait until %d pods of %s are Ready" % (total, restore_name))
    if reject:
        actions.append("put version %s on the reject list of app %s" % (version, ctx.ref.app))
    actions.extend(baseline.leftover_actions(view))
    actions.append("delete Deployment %s (%s)" % (remove_name, what))
    actions.extend("delete Service %s (canary Service)" % s for s in service_names)
    before = snapshot.split_summary(view, restore, remove)
    return {"changed": True, "app": ctx.ref.app, "namespace": ctx.ref.namespace, "version": version,
            "stable_version": view.version_of(restore), "total_replicas": total, "actions": actions,
            "before": before, "reason": reason,
            "diff": {"before": snapshot.replicas_only(before),
                     "after": {"stable": {"name": restore_name, "version": view.version_of(restore),
                                          "replicas": total}, "canary": None}}}


def _restore(ctx, remove, restore, total, in_progress, reason):
    """Phase RollingBack, then the version to restore at N and Ready (always: nothing is removed before)."""
    state = st.ReleaseState.of(remove)
    if state.phase != st.ROLLING_BACK:
        ctx.annotate(remove, {st.PHASE: st.ROLLING_BACK, st.LAST_VERDICT: reason or state.last_verdict,
                              st.UPDATED_AT: st.timestamp()})
    if replicas_of(restore) != total:
        restore = ctx.scale(restore, total)
    restore = ctx.wait_rolled_out(restore)
    if not in_progress:
        # The finished version is 'leaving' (phase RollingBack), so the restored one is the single stable.
        ctx.annotate(restore, {st.ROLE: st.ROLE_STABLE, st.RETIRED_AT: None, st.UPDATED_AT: st.timestamp()})
    return restore
