# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""canary: ensure the canary Deployment and its Service exist for a new version (or remove them).

Every refusal is decided from what is read before the first write: no stable, several stables, a
Service that would skip the canary, a missing version label, a rejected version, a release of
another version in progress, the lock held by another run.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sAlreadyExistsError
from ansible_collections.progressive.delivery.plugins.module_utils.release import (
    canary_builder,
    discovery,
    names,
    permissions,
    reject_list,
    schedule,
    snapshot,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    CanaryFailed,
    InvalidArgument,
    ReleaseError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release.freeze_guard import refuse_if_frozen
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import ready_of, replicas_of


def validate_canary_args(ctx, version, images, overrides, replicas, name=None, service_name=None,
                         progress_deadline_seconds=None):
    names.check_label_key("app_label", ctx.ref.app_label)
    names.check_label_key("version_label", ctx.ref.version_label)
    if ctx.ref.app_label == ctx.ref.version_label:
        raise InvalidArgument("version_label", "must differ from app_label (both are %r)" % ctx.ref.app_label)
    names.check_label_value("app", ctx.ref.app)
    names.check_label_value("version", version)
    if replicas is not None and replicas < 0:
        raise InvalidArgument("replicas", "%d is negative; the canary starts with 0 or more pods (default 1)" % replicas)
    if not images and not overrides:
        raise InvalidArgument("image", "set image (or images per container) to the new version's image, or "
                                       "template_overrides for a configuration-only release")
    for container, image in (images or {}).items():
        if not image or not str(image).strip() or " " in str(image):
            raise InvalidArgument("images", "container %s: %r is not an image reference" % (container, image))
    if progress_deadline_seconds is not None and progress_deadline_seconds < 1:
        raise InvalidArgument("progress_deadline_seconds", "%d must be 1 or more (seconds without progress before "
                                                           "the canary is reported failed)" % progress_deadline_seconds)
    if name:
        names.check_object_name("name", name)
    if service_name:
        names.check_object_name("service_name", service_name, dns_label=True)


def check_services(ctx, services, canary_template_labels):
    """Refuse when an app Service's selector would not pick the canary's pods (it would skip a version)."""
    for svc in services:
        selector = (svc.get("spec") or {}).get("selector") or {}
        skipped = dict((k, v) for k, v in selector.items() if canary_template_labels.get(k) != v)
        if skipped:
            keys = ", ".join("%s=%s" % kv for kv in sorted(skipped.items()))
            raise ReleaseError(
                "Service %s selects %s, so it would send no user traffic to the canary (and would skip one "
                "version for the whole release); select the app only (%s=%s) and remove %s from its selector"
                % (svc["metadata"]["name"], keys, ctx.ref.app_label, ctx.ref.app, ", ".join(sorted(skipped))),
                field="app")


def _service_summary(svc):
    if svc is None:
        return None
    return {"name": svc["metadata"]["name"], "selector": (svc.get("spec") or {}).get("selector")}


class CanaryRequest(object):
    """What the caller asked for, checked before anything is read."""

    def __init__(self, ctx, version, image=None, container=None, images=None, overrides=None, replicas=1, name=None,
                 service_name=None, create_service=True, force=False, progress_deadline_seconds=None,
                 check_permissions=True, extra_permissions=None, steps=None):
        self.steps = dict({"strategy": schedule.PODS, "step_size": 1, "weights": None}, **(steps or {}))
        schedule.validate(self.steps["strategy"], self.steps["step_size"], self.steps["weights"])
        self.extra_permissions = []
        for text in extra_permissions or []:
            try:
                self.extra_permissions.append(permissions.parse("extra_permissions", text))
            except ValueError as err:
                raise ReleaseError(str(err), field="extra_permissions")
        validate_canary_args(ctx, version, images or ({container or "*": image} if image else None), overrides,
                             replicas, name, service_name, progress_deadline_seconds)
        self.version, self.image, self.container, self.images = version, image, container, images
        self.overrides, self.replicas, self.force = overrides, replicas, force
        self.name = name or names.canary_name(ctx.ref.app, version)
        self.service_name = service_name or names.canary_name(ctx.ref.app, version)
        self.create_service, self.check_permissions = create_service, check_permissions
        self.progress_deadline_seconds = progress_deadline_seconds

    def targets(self, total, completed):
        return schedule.targets(total, completed=completed, **self.steps)


def ensure_canary(ctx, version, **options):
    """Create (or confirm) the canary; returns the module result.

    options: those of CanaryRequest; steps ({strategy, step_size, weights}) makes the result's ``targets`` the
    canary pods still to reach, one per step, from the last completed step on.
    """
    request = CanaryRequest(ctx, version, **options)
    view = ctx.view()
    in_progress = _release_in_progress(ctx, view, version)
    if in_progress is None:
        done = _completed(view, version)
        if done is not None:
            return done
    stable, total = _stable_and_size(ctx, view, request, in_progress)
    desired, desired_service = _desired_objects(ctx, request, stable, total)
    existing = _own_or_none(in_progress if in_progress is not None else view.by_name(request.name),
                            st.ROLE_CANARY, "Deployment", request.name)
    existing_service = _own_or_none(
        ctx.client.get("v1", "Service", ctx.ref.namespace, request.service_name) if request.create_service else None,
        st.ROLE_CANARY_SERVICE, "Service", request.service_name)
    result, template_changed = _plan(ctx, request, view, stable, total, desired, desired_service, existing,
                                     existing_service)
    if request.check_permissions:
        require_release_permissions(ctx, request.create_service, request.extra_permissions)
    if not ctx.lock_or_plan(result):
        result["targets"] = request.targets(total, st.ReleaseState.of(existing).completed_target or 0
                                            if existing is not None else 0)
        return result
    canary = _write(ctx, request, desired, desired_service, existing, existing_service, template_changed)
    canary = _settle(ctx, canary, template_changed)
    state = st.ReleaseState.of(canary)
    result.update({"canary": snapshot.deployment_summary(view, canary), "phase": state.phase,
                   "completed_canary_replicas": state.completed_target or 0})
    result["targets"] = request.targets(total, result["completed_canary_replicas"])
    return result


def _release_in_progress(ctx, view, version):
    """The canary of this version's release in progress (None when there is none); refuse another's, or a freeze."""
    in_progress = view.canary
    if in_progress is None:
        return None
    if view.version_of(in_progress) != version:
        state = st.ReleaseState.of(in_progress)
        raise ReleaseError(
            "a release of version %s is in progress for app %s (canary %s, phase %s, step %d); finish it with "
            "progressive.delivery.release_finish or roll it back with progressive.delivery.release_rollback first"
            % (view.version_of(in_progress), ctx.ref.app, in_progress["metadata"]["name"], state.phase, state.step),
            field="version")
    refuse_if_frozen(ctx, in_progress, "continue it")
    return in_progress


def _completed(view, version):
    """The module result when version already completed its release (it is the stable now), else None."""
    for d in view.stable_candidates:
        if view.version_of(d) == version and st.ReleaseState.of(d).phase == st.COMPLETED:
            return {"changed": False, "msg": "version %s already completed its release: it is the stable "
                                             "Deployment %s" % (version, d["metadata"]["name"]),
                    "version": version, "phase": st.COMPLETED, "canary": snapshot.deployment_summary(view, d)}
    return None


def _stable_and_size(ctx, view, request, in_progress):
    """(stable, N); refuse a stable that cannot be told apart, the same version, a rejected one, or no pods."""
    stable = view.require_stable()
    stable_version = view.version_of(stable)
    if not stable_version:
        raise ReleaseError(
            "the stable Deployment %s has no pod template label %r, so its pods cannot be told apart from the "
            "canary's; add %s: <current version> to its pod template labels, or set version_label to the key "
            "it uses" % (stable["metadata"]["name"], ctx.ref.version_label, ctx.ref.version_label),
            field="version_label")
    if stable_version == request.version:
        raise InvalidArgument("version", "%s is already the stable version of app %s (Deployment %s); set version "
                                         "to the new version" % (request.version, ctx.ref.app,
                                                                 stable["metadata"]["name"]))
    rejected = reject_list.read(ctx.client, ctx.ref)
    if request.version in rejected and not request.force:
        entry = rejected[request.version]
        raise ReleaseError(
            "version %s of app %s is on the reject list (rolled back at %s: %s); release a fixed version, or set "
            "force: true to release it anyway" % (request.version, ctx.ref.app, entry.get("rejected_at"),
                                                  entry.get("reason")),
            field="version")
    total = replicas_of(stable)
    if in_progress is not None:
        total = st.ReleaseState.of(in_progress).total or total
    if total < 1:
        raise ReleaseError("the stable Deployment %s has 0 replicas; scale it to the app's size first (the canary "
                           "release moves its N pods)" % stable["metadata"]["name"], field="app")
    if request.replicas > total:
        raise InvalidArgument("replicas", "%d is more than the app's %d replicas; start with 1 (the default)"
                              % (request.replicas, total))
    return stable, total


def _desired_objects(ctx, request, stable, total):
    """(canary Deployment, canary Service or None) as they should be; refuse a Service that would skip the canary."""
    stable_version = discovery.template_labels(stable).get(ctx.ref.version_label)
    images = canary_builder.resolve_images(stable["spec"]["template"].get("spec") or {}, request.image,
                                           request.container, request.images)
    desired = canary_builder.build_canary_deployment(stable, request.name, request.version, ctx.ref.version_label,
                                                     images, request.replicas, total, stable_version,
                                                     request.overrides,
                                                     progress_deadline_seconds=request.progress_deadline_seconds)
    services = discovery.app_services(ctx.client, ctx.ref)
    check_services(ctx, services, desired["spec"]["template"]["metadata"]["labels"])
    if not request.create_service:
        return desired, None
    return desired, canary_builder.build_canary_service(desired, request.service_name, ctx.ref.app_label, ctx.ref.app,
                                                        ctx.ref.version_label, request.version,
                                                        services[0] if services else None)


def _own_or_none(obj, role, kind, name):
    """obj when absent (None) or this collection's (its role annotation); refuse someone else's object."""
    if obj is not None and st.annotations_of(obj).get(st.ROLE) != role:
        what = "a canary of this collection" if kind == "Deployment" else "a canary Service of this collection"
        raise ReleaseError("%s %s already exists and is not %s; choose another %s" % (
            kind, name, what, "name" if kind == "Deployment" else "service_name"),
            field="name" if kind == "Deployment" else "service_name")
    return obj


def _plan(ctx, request, view, stable, total, desired, desired_service, existing, existing_service):
    """(module result with actions and diff, whether the canary's pod template changes)."""
    desired_hash = desired["metadata"]["annotations"][st.TEMPLATE_HASH]
    template_changed = existing is not None and st.annotations_of(existing).get(st.TEMPLATE_HASH) != desired_hash
    actions = []
    if existing is None:
        actions.append("create Deployment %s" % request.name)
    elif template_changed:
        actions.append("update the pod template of Deployment %s" % request.name)
    if request.create_service and existing_service is None:
        actions.append("create Service %s" % request.service_name)
    return {
        "app": ctx.ref.app, "namespace": ctx.ref.namespace, "version": request.version,
        "stable_version": view.version_of(stable), "stable": stable["metadata"]["name"], "total_replicas": total,
        "name": request.name, "service_name": request.service_name if request.create_service else None,
        "actions": actions, "changed": bool(actions),
        "diff": {
            "before": {"deployment": _template_view(existing), "service": _service_summary(existing_service)},
            "after": {"deployment": _template_view(desired if (existing is None or template_changed) else existing),
                      "service": _service_summary(desired_service if existing_service is None else existing_service)},
        },
    }, template_changed


def _write(ctx, request, desired, desired_service, existing, existing_service, template_changed):
    """Create or update the canary and create its Service; returns the canary Deployment."""
    canary = existing
    if existing is None:
        try:
            canary = ctx.client.create(desired)
        except K8sAlreadyExistsError:
            # Our own earlier attempt (answered 5xx) or a concurrent run of the same release created it.
            canary = _own(ctx.get_deployment(request.name), st.ROLE_CANARY, "Deployment", request.name)
    elif template_changed:
        canary = _replace_template(ctx, request.name, desired)
    if request.create_service and existing_service is None:
        try:
            ctx.client.create(desired_service)
        except K8sAlreadyExistsError:
            _own(ctx.client.get("v1", "Service", ctx.ref.namespace, request.service_name), st.ROLE_CANARY_SERVICE,
                 "Service", request.service_name)
    return canary


def _settle(ctx, canary, template_changed):
    """Wait for the canary's pods (recording a failure on it); a fixed template after a failure starts over."""
    if ctx.wait and replicas_of(canary) > 0:
        try:
            canary = ctx.wait_rolled_out(canary)
        except (CanaryFailed, ReleaseError) as err:
            ctx.annotate(canary, st.step_failed(err.message))
            raise
    state = st.ReleaseState.of(canary)
    if state.phase == st.FAILED and state.target is None and (ctx.wait or template_changed):
        # A fixed template for a canary that failed before its first step: it starts over.
        canary = ctx.annotate(canary, {st.PHASE: st.CREATED, st.LAST_ERROR: None, st.UPDATED_AT: st.timestamp()})
    return canary


def require_release_permissions(ctx, create_service, extra=()):
    """Refuse, before the lock or anything else is written, credentials that could not finish the release."""
    needed = permissions.release_permissions(create_service)
    missing = permissions.missing_permissions(ctx.client, ctx.ref.namespace,
                                              needed + tuple(p for p in extra if p not in needed))
    if missing:
        raise ReleaseError(
            "%s, which the release needs before it changes anything: grant the rules of "
            "docs/rbac/member-cluster.yaml (a RoleBinding to the ClusterRole progressive-delivery-member in this "
            "namespace) or use other credentials" % permissions.describe_missing(
                missing, ctx.ref.namespace, permissions.username(ctx.client)),
            field="check_permissions")


def _own(obj, role, kind, name):
    """obj if this collection created it (its role annotation says so); refuse someone else's object."""
    if obj is None or st.annotations_of(obj).get(st.ROLE) != role:
        raise ReleaseError("%s %s was created by someone else while this run created it; choose another name or "
                           "remove it" % (kind, name), field="name" if kind == "Deployment" else "service_name")
    return obj


def _template_view(deployment):
    if deployment is None:
        return None
    template = deployment["spec"]["template"]
    return {
        "name": deployment["metadata"]["name"],
        "labels": (template.get("metadata") or {}).get("labels"),
        "images": dict((c.get("name"), c.get("image")) for c in (template.get("spec") or {}).get("containers") or []),
        "replicas": replicas_of(deployment),
        "selector": (deployment["spec"].get("selector") or {}).get("matchLabels"),
    }


def _replace_template(ctx, name, desired):
    def mutate(obj):
        obj["spec"]["template"] = desired["spec"]["template"]
        if "progressDeadlineSeconds" in desired["spec"]:
            obj["spec"]["progressDeadlineSeconds"] = desired["spec"]["progressDeadlineSeconds"]
        obj["metadata"].setdefault("annotations", {})[st.TEMPLATE_HASH] = desired["metadata"]["annotations"][st.TEMPLATE_HASH]
        return obj

    return ctx.client.update("apps/v1", "Deployment", ctx.ref.namespace, name, mutate)


def remove_canary(ctx, version=None):
    """state: absent — remove the canary and its Service when the stable already serves at full size."""
    if version is not None:
        names.check_label_value("version", version)
    view = ctx.view()
    canary = view.canary
    if canary is None or (version is not None and view.version_of(canary) != version):
        return {"changed": False, "msg": "no canary%s of app %s to remove"
                % ((" for version %s" % version) if version else "", ctx.ref.app), "actions": []}
    refuse_if_frozen(ctx, canary, "remove its canary")
    state = st.ReleaseState.of(canary)
    stable = view.by_name(state.stable_name) if state.stable_name else None
    total = state.total or 0
    if stable is None or replicas_of(stable) < total or ready_of(stable) < total:
        raise ReleaseError(
            "removing canary %s now would leave app %s below its %d ready pods (stable %s: %s of %d ready); use "
            "progressive.delivery.release_rollback, which restores the stable first"
            % (canary["metadata"]["name"], ctx.ref.app, total, state.stable_name,
               ready_of(stable) if stable else 0, total), field="state")
    service_names = canary_service_names(ctx, view.version_of(canary))
    actions = ["delete Deployment %s" % canary["metadata"]["name"]] + ["delete Service %s" % s for s in service_names]
    result = {"changed": True, "actions": actions, "app": ctx.ref.app, "version": view.version_of(canary),
              "diff": {"before": {"deployment": _template_view(canary), "services": service_names},
                       "after": {"deployment": None, "services": []}}}
    if not ctx.lock_or_plan(result, actions):
        return result
    ctx.delete("apps/v1", "Deployment", canary["metadata"]["name"])
    for svc in service_names:
        ctx.delete("v1", "Service", svc)
    ctx.release_lock()
    return result


def canary_service_names(ctx, version):
    """Canary Services of this app and version (found by labels and role, whatever their name)."""
    body = ctx.client.list("v1", "Service", ctx.ref.namespace,
                           label_selector="%s=%s,%s=%s" % (ctx.ref.app_label, ctx.ref.app, ctx.ref.version_label, version))
    return sorted(s["metadata"]["name"] for s in body.get("items") or []
                  if st.annotations_of(s).get(st.ROLE) == st.ROLE_CANARY_SERVICE)
