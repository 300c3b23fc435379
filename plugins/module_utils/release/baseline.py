# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""baseline: start, resize or remove the fresh pods of the stable version the judge compares the canary with.

The baseline only ever adds pods next to the stable and the canary: it is never the stable or the
canary (discovery), never moves the split and is never counted in N, so starting, resizing or
removing it cannot take serving capacity below what the release already guarantees. One name per
app (names.baseline_name): a re-run after a kill adopts it, never starts a second one; a baseline of
another stable (a leftover of an earlier release) is replaced. Rollback and finish remove it too.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sAlreadyExistsError
from ansible_collections.progressive.delivery.plugins.module_utils.release import baseline_builder, discovery, names
from ansible_collections.progressive.delivery.plugins.module_utils.release import snapshot
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    BaselineFailed,
    InvalidArgument,
    ReleaseError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release.freeze_guard import refuse_if_frozen
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import replicas_of
from ansible_collections.progressive.delivery.plugins.module_utils.release.step import find_release


def ensure_baseline(ctx, version=None, replicas=None):
    """Start (or confirm) the baseline of the release in progress, sized like its canary (or replicas)."""
    if version is not None:
        names.check_label_value("version", version)
    if replicas is not None and replicas < 1:
        raise InvalidArgument("replicas", "%d: a baseline needs 1 pod or more (default: as many as the canary)"
                              % replicas)
    view, canary, stable = find_release(ctx, version)
    refuse_if_frozen(ctx, canary, "start its baseline")
    name = names.baseline_name(ctx.ref.app)
    size = replicas if replicas is not None else max(1, replicas_of(canary))
    desired = baseline_builder.build_baseline_deployment(stable, name, ctx.ref.version_label,
                                                         view.version_of(stable), size, discovery.name_of(canary))
    existing = _ours_or_none(ctx, ctx.get_deployment(name), name)
    others = [d for d in view.baselines if discovery.name_of(d) != name]
    result = _plan(ctx, view, canary, stable, desired, existing, others)
    replace = result.pop("replace")
    if not ctx.lock_or_plan(result):
        return result
    for other in others:
        ctx.delete("apps/v1", "Deployment", discovery.name_of(other))
    deployment = _write(ctx, desired, existing, replace)
    deployment = _settle(ctx, deployment, view.version_of(stable))
    result["baseline"] = snapshot.deployment_summary(view, deployment)
    return result


def _ours_or_none(ctx, obj, name):
    if obj is not None and not discovery.is_baseline(obj):
        raise ReleaseError("Deployment %s already exists and is not the baseline of app %s (no %s: %s annotation); "
                           "rename or remove it, the baseline takes this name" % (name, ctx.ref.app, st.ROLE,
                                                                                  st.ROLE_BASELINE), field="app")
    return obj


def _stale(existing, desired):
    """A baseline of another stable or selector cannot be updated in place (a selector is immutable)."""
    return (existing["spec"].get("selector") != desired["spec"]["selector"]
            or st.annotations_of(existing).get(st.STABLE_NAME) != st.annotations_of(desired).get(st.STABLE_NAME))


def _plan(ctx, view, canary, stable, desired, existing, others):
    """The module result before anything is written: actions, the diff and whether to replace."""
    name, size = desired["metadata"]["name"], desired["spec"]["replicas"]
    want = st.annotations_of(desired)
    actions = ["delete Deployment %s (another baseline of the app)" % discovery.name_of(d) for d in others]
    replace = existing is not None and _stale(existing, desired)
    if existing is None or replace:
        what = "replace the leftover baseline" if replace else "create Deployment"
        actions.append("%s %s: %d pod(s) of stable version %s, track %s" % (
            what, name, size, view.version_of(stable), st.TRACK_BASELINE))
    else:
        have = st.annotations_of(existing)
        if have.get(st.TEMPLATE_HASH) != want[st.TEMPLATE_HASH]:
            actions.append("update the pod template of Deployment %s to the stable's" % name)
        if replicas_of(existing) != size:
            actions.append("scale Deployment %s to %d (like canary %s)" % (name, size, discovery.name_of(canary)))
        elif have.get(st.CANARY_NAME) != want[st.CANARY_NAME]:
            actions.append("record canary %s on Deployment %s" % (want[st.CANARY_NAME], name))
    before = None if existing is None else {"name": name, "replicas": replicas_of(existing),
                                            "stable_version": st.annotations_of(existing).get(st.STABLE_VERSION)}
    return {"changed": bool(actions), "actions": actions, "replace": replace, "app": ctx.ref.app,
            "namespace": ctx.ref.namespace, "name": name, "replicas": size, "version": view.version_of(canary),
            "canary": discovery.name_of(canary), "stable": discovery.name_of(stable),
            "stable_version": view.version_of(stable), "track_label": st.TRACK_LABEL, "track": st.TRACK_BASELINE,
            "diff": {"before": {"baseline": before},
                     "after": {"baseline": {"name": name, "replicas": size,
                                            "stable_version": view.version_of(stable)}}}}


def _write(ctx, desired, existing, replace):
    """Create, replace or update the baseline; returns it as the API answered."""
    name = desired["metadata"]["name"]
    if replace:
        ctx.delete("apps/v1", "Deployment", name)
    if existing is None or replace:
        try:
            return ctx.client.create(desired)
        except K8sAlreadyExistsError:
            # Our own earlier attempt (answered 5xx) or a concurrent run of the same release created it.
            existing = _ours_or_none(ctx, ctx.get_deployment(name), name)
    want = st.annotations_of(desired)
    have = st.annotations_of(existing)
    if (have.get(st.TEMPLATE_HASH), have.get(st.CANARY_NAME), replicas_of(existing)) == (
            want[st.TEMPLATE_HASH], want[st.CANARY_NAME], desired["spec"]["replicas"]):
        return existing

    def mutate(obj):
        # One update: the template, the size and the record together.
        obj["spec"]["template"] = desired["spec"]["template"]
        obj["spec"]["replicas"] = desired["spec"]["replicas"]
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations.update({st.TEMPLATE_HASH: want[st.TEMPLATE_HASH], st.CANARY_NAME: want[st.CANARY_NAME]})
        return obj
    return ctx.client.update("apps/v1", "Deployment", ctx.ref.namespace, name, mutate)


def _settle(ctx, deployment, stable_version):
    """Wait for the baseline's pods; their failure is the evidence's, never the canary's."""
    if not ctx.wait:
        return deployment
    try:
        return ctx.wait_rolled_out(deployment)
    except ReleaseError as err:
        raise BaselineFailed(
            "the baseline %s (stable version %s) did not get Ready, so the canary cannot be judged against it: %s; "
            "remove it (progressive.delivery.baseline state: absent) and judge against the stable, or fix the "
            "cause and run again" % (discovery.name_of(deployment), stable_version, err.message), field="app")


def remove_baseline(ctx, version=None):
    """state: absent - remove the app's baseline(s); the split and the stable are not touched."""
    if version is not None:
        names.check_label_value("version", version)
    view = ctx.view()
    found = view.baselines
    actions = leftover_actions(view)
    result = {"changed": bool(found), "actions": actions, "app": ctx.ref.app, "namespace": ctx.ref.namespace,
              "name": names.baseline_name(ctx.ref.app), "version": version,
              "diff": {"before": {"baseline": [discovery.name_of(d) for d in found]}, "after": {"baseline": []}}}
    if not found:
        result["msg"] = "app %s has no baseline; nothing to remove" % ctx.ref.app
        return result
    if not ctx.lock_or_plan(result, actions):
        return result
    delete_baselines(ctx, view)
    if not view.canaries:
        ctx.release_lock()  # no release in progress holds it after this
    return result


def leftover_actions(view):
    """Plan lines of removing the app's baselines (rollback, finish and state absent)."""
    return ["delete Deployment %s (baseline of stable version %s)" % (discovery.name_of(d), view.version_of(d))
            for d in view.baselines]


def delete_baselines(ctx, view):
    """Delete every baseline of the app; returns their names."""
    removed = [discovery.name_of(d) for d in view.baselines]
    for name in removed:
        ctx.delete("apps/v1", "Deployment", name)
    return removed
