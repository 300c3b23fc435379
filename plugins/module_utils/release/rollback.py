# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_rollback: the fast path back to the stable version, in one move and without gates.

Order: record RollingBack, stable back to N and Ready (whatever step the release was at), only then
delete the canary and its Service, and put the version on the reject list. If the stable cannot
become Ready the canary is left serving and the error says why: capacity never drops.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops, names, reject_list
from ansible_collections.progressive.delivery.plugins.module_utils.release import snapshot
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import replicas_of
from ansible_collections.progressive.delivery.plugins.module_utils.release.step import find_release


def rollback_release(ctx, version=None, reason=None, reject=True):
    if version is not None:
        names.check_label_value("version", version)
    view = ctx.view()
    if view.canary is None or (version is not None and view.version_of(view.canary) != version):
        rejected = reject_list.read(ctx.client, ctx.ref)
        msg = "no release%s of app %s in progress; nothing to roll back" % (
            (" of version %s" % version) if version else "", ctx.ref.app)
        if version is not None and version in rejected:
            msg = "version %s was already rolled back (on the reject list since %s)" % (
                version, rejected[version].get("rejected_at"))
        return {"changed": False, "msg": msg, "actions": [], "rejected_versions": rejected}
    view, canary, stable = find_release(ctx, version)
    state = st.ReleaseState.of(canary)
    total = state.total or replicas_of(stable)
    version = view.version_of(canary)
    canary_name, stable_name = canary["metadata"]["name"], stable["metadata"]["name"]
    service_names = canary_ops.canary_service_names(ctx, version)
    actions = []
    if replicas_of(stable) != total:
        actions.append("scale Deployment %s (stable) to %d" % (stable_name, total))
    actions.append("wait until %d stable pods are Ready" % total)
    actions.append("delete Deployment %s (canary)" % canary_name)
    actions.extend("delete Service %s (canary Service)" % s for s in service_names)
    if reject:
        actions.append("put version %s on the reject list of app %s" % (version, ctx.ref.app))
    before = snapshot.split_summary(view, stable, canary)
    result = {"changed": True, "app": ctx.ref.app, "namespace": ctx.ref.namespace, "version": version,
              "stable_version": view.version_of(stable), "total_replicas": total, "actions": actions,
              "before": before, "reason": reason,
              "diff": {"before": snapshot.replicas_only(before),
                       "after": {"stable": {"name": stable_name, "version": view.version_of(stable),
                                            "replicas": total}, "canary": None}}}
    ctx.hold_lock()
    if ctx.check_mode:
        result["plan"] = actions
        return result

    started = ctx.clock()
    if state.phase != st.ROLLING_BACK:
        ctx.annotate(canary, {st.PHASE: st.ROLLING_BACK, st.LAST_VERDICT: reason or state.last_verdict,
                              st.UPDATED_AT: st.timestamp()})
    if replicas_of(stable) != total:
        stable = ctx.scale(stable, total)
    stable = ctx.wait_rolled_out(stable)  # always: the canary goes only once N stable pods are Ready
    ready_at = round(ctx.clock() - started, 3)
    # Reject before deleting: a run killed in between leaves the canary (phase RollingBack) for the
    # re-run to remove, never a removed canary whose version was not rejected.
    rejected = reject_list.read(ctx.client, ctx.ref)
    if reject:
        rejected = reject_list.reject(ctx.client, ctx.ref, version, reason, ctx.lock_owner)
    ctx.delete("apps/v1", "Deployment", canary_name)
    for svc in service_names:
        ctx.delete("v1", "Service", svc)
    ctx.release_lock()
    after_view = ctx.view()
    result.update({"duration": round(ctx.clock() - started, 3), "stable_ready_after": ready_at,
                   "rejected_versions": rejected,
                   "after": snapshot.split_summary(after_view, after_view.by_name(stable_name), None)})
    return result
