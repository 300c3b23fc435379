"""Deployment controller (pkg/controller/deployment: sync.go, rolling.go, recreate.go, progress.go).

One ReplicaSet per pod template (`<deployment>-<pod-template-hash>`), revisions, rolling updates
within maxSurge/maxUnavailable, Recreate, proportional scaling, pause, revision history clean-up,
status and the Available/Progressing conditions with the real reasons and messages, and the
ScalingReplicaSet events.
"""
from __future__ import annotations

import copy

from ..clock import parse_time
from ..errors import ApiError
from ..selectors import label_selector_matches
from . import deployment_util as du
from . import podutil
from .base import Controller, controller_ref, deep, is_being_deleted, obj_key, owner_reference
from .replicaset import claim

DEPLOY = "deployments.apps"
RS = "replicasets.apps"
COMPONENT = "deployment-controller"


class DeploymentController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(d) for d in self.items(DEPLOY)]

    def on_change(self, event_type, resource, obj, old):
        if resource == DEPLOY:
            self.queue.add(obj_key(obj))
        elif resource == RS:
            ns = obj["metadata"].get("namespace") or ""
            owners = {(controller_ref(o) or {}).get("name") for o in (obj, old) if o is not None
                      and (controller_ref(o) or {}).get("kind") == "Deployment"}
            owners.discard(None)
            for name in owners:
                self.queue.add((ns, name))
            if not owners and event_type != "DELETED":
                for d in self.items(DEPLOY, ns):
                    if label_selector_matches(d["spec"].get("selector"), obj["metadata"].get("labels")):
                        self.queue.add(obj_key(d))
        elif resource == "pods" and event_type == "DELETED":
            # Recreate waits for every old pod to be gone before it starts the new ReplicaSet.
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == "ReplicaSet":
                ns = obj["metadata"].get("namespace") or ""
                rs = self.lookup(RS, ns, ref["name"])
                dref = controller_ref(rs) if rs else None
                if dref is not None and dref.get("kind") == "Deployment":
                    d = self.lookup(DEPLOY, ns, dref["name"])
                    if d is not None and not du.is_rolling_update(d):
                        self.queue.add((ns, dref["name"]))

    # -- syncDeployment ---------------------------------------------------------------------------
    def sync(self, key):
        ns, name = key
        live = self.lookup(DEPLOY, ns, name)
        if live is None:
            return None
        d = deep(live)
        if d["spec"].get("selector") in ({}, None) or d["spec"]["selector"] == {"matchLabels": {}}:
            self.recorder.event(d, "Warning", "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector is required.",
                                component=COMPONENT)
            if int((d.get("status") or {}).get("observedGeneration") or 0) < int(d["metadata"].get("generation") or 0):
                d.setdefault("status", {})["observedGeneration"] = d["metadata"]["generation"]
                self.api.update(DEPLOY, d, subresource="status")
            return None
        rs_list = claim(self.api, self.items(RS, ns), d, d["spec"].get("selector"), RS)
        if is_being_deleted(d):
            return self._sync_status_only(d, rs_list)
        d = self._check_paused_conditions(d)
        if d["spec"].get("paused"):
            return self._sync(d, rs_list)
        if self._is_scaling_event(d, rs_list):
            return self._sync(d, rs_list)
        if du.is_rolling_update(d):
            return self._rollout_rolling(d, rs_list)
        return self._rollout_recreate(d, rs_list)

    # -- ReplicaSet bookkeeping -------------------------------------------------------------------
    def _get_all_rs_and_sync_revision(self, d: dict, rs_list: list[dict], create: bool):
        _, all_old = du.find_old_replica_sets(d, rs_list)
        new_rs = self._get_new_rs(d, rs_list, all_old, create)
        return new_rs, all_old

    def _update_deployment_status(self, d: dict) -> dict:
        """UpdateStatus with the revision annotation in the same object, as the real controller
        writes it; an apiserver that keeps metadata out of /status gets a metadata update too."""
        wanted = dict((d.get("metadata") or {}).get("annotations") or {})
        updated = self.api.update(DEPLOY, d, subresource="status")
        if (updated["metadata"].get("annotations") or {}) != wanted:
            updated["metadata"]["annotations"] = wanted
            updated = self.api.update(DEPLOY, updated)
        d.clear()
        d.update(updated)
        return d

    def _get_new_rs(self, d: dict, rs_list: list[dict], old_rss: list[dict], create: bool) -> dict | None:
        existing = du.find_new_replica_set(d, rs_list)
        new_revision = str(du.max_revision(old_rss) + 1)
        now = self.clock.timestamp()
        if existing is not None:
            rs_copy = deep(existing)
            changed = du.set_new_replica_set_annotations(d, rs_copy, new_revision, True)
            min_ready = d["spec"].get("minReadySeconds") or 0
            if (rs_copy["spec"].get("minReadySeconds") or 0) != min_ready:
                rs_copy["spec"]["minReadySeconds"] = min_ready
                changed = True
            if changed:
                rs_copy = self.api.update(RS, rs_copy)
            needs_update = du.set_deployment_revision(d, du.annotations(rs_copy)[du.REVISION])
            status = d.setdefault("status", {})
            if du.has_progress_deadline(d) and du.get_condition(status, "Progressing") is None:
                du.set_condition(status, du.new_condition(
                    "Progressing", "True", du.FOUND_NEW_RS_REASON,
                    f'Found new replica set "{rs_copy["metadata"]["name"]}"', now))
                needs_update = True
            if needs_update:
                self._update_deployment_status(d)
            return rs_copy
        if not create:
            return None
        template = copy.deepcopy(d["spec"]["template"])
        status = d.setdefault("status", {})
        collision_count = status.get("collisionCount")
        pod_hash = du.compute_hash(template, collision_count)
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = dict(template["metadata"].get("labels") or {}, **{du.POD_TEMPLATE_HASH: pod_hash})
        selector = copy.deepcopy(d["spec"]["selector"])
        selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{du.POD_TEMPLATE_HASH: pod_hash})
        new_rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{d['metadata']['name']}-{pod_hash}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [owner_reference(d)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        if d["spec"].get("minReadySeconds"):
            new_rs["spec"]["minReadySeconds"] = d["spec"]["minReadySeconds"]
        new_rs["spec"]["replicas"] = du.new_rs_new_replicas(d, list(old_rss) + [new_rs], new_rs)
        du.set_new_replica_set_annotations(d, new_rs, new_revision, False)
        already_exists = False
        try:
            created = self.api.create(RS, new_rs, namespace=d["metadata"]["namespace"])
        except ApiError as exc:
            if exc.code != 409:
                msg = f"Failed to create new replica set {new_rs['metadata']['name']!r}: {exc.message}"
                if du.has_progress_deadline(d):
                    du.set_condition(status, du.new_condition("Progressing", "False", du.FAILED_RS_CREATE_REASON,
                                                              msg, now))
                    self._update_deployment_status(d)
                self.recorder.event(d, "Warning", du.FAILED_RS_CREATE_REASON, msg, component=COMPONENT)
                raise
            found = self.lookup(RS, d["metadata"]["namespace"], new_rs["metadata"]["name"])
            ref = controller_ref(found) if found else None
            if (found is not None and ref is not None and ref.get("uid") == d["metadata"]["uid"]
                    and du.equal_ignore_hash(d["spec"]["template"], found["spec"].get("template") or {})):
                created = deep(found)
                already_exists = True
            else:
                # A hash collision with a ReplicaSet that is not ours: bump collisionCount and retry.
                status["collisionCount"] = int(collision_count or 0) + 1
                self._update_deployment_status(d)
                raise
        if not already_exists and new_rs["spec"]["replicas"] > 0:
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled up replica set {created['metadata']['name']} from 0 to "
                                f"{new_rs['spec']['replicas']}", component=COMPONENT)
        needs_update = du.set_deployment_revision(d, new_revision)
        if not already_exists and du.has_progress_deadline(d):
            du.set_condition(status, du.new_condition(
                "Progressing", "True", du.NEW_RS_REASON,
                f'Created new replica set "{created["metadata"]["name"]}"', now))
            needs_update = True
        if needs_update:
            self._update_deployment_status(d)
        return created

    def _scale_rs_and_record(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        if du.replicas_of(rs) == new_scale:
            return False, rs
        operation = "up" if du.replicas_of(rs) < new_scale else "down"
        return self._scale_rs(rs, new_scale, d, operation)

    def _scale_rs(self, rs: dict, new_scale: int, d: dict, operation: str | None) -> tuple[bool, dict]:
        size_changed = du.replicas_of(rs) != new_scale
        maximum = du.replicas_of(d) + du.max_surge(d)
        if not size_changed and not du.replicas_annotations_need_update(rs, du.replicas_of(d), maximum):
            return False, rs
        old_scale = du.replicas_of(rs)
        rs_copy = deep(rs)
        rs_copy["spec"]["replicas"] = new_scale
        du.set_replicas_annotations(rs_copy, du.replicas_of(d), maximum)
        updated = self.api.update(RS, rs_copy)
        if size_changed:
            if operation is None:
                operation = "up" if old_scale < new_scale else "down"
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}",
                                component=COMPONENT)
        return size_changed, updated

    # -- sync.go: scaling, paused, status ---------------------------------------------------------
    def _is_scaling_event(self, d: dict, rs_list: list[dict]) -> bool:
        new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, False)
        for rs in du.filter_active(list(old_rss) + [new_rs]):
            desired = du.int_annotation(rs, du.DESIRED_REPLICAS)
            if desired is not None and desired != du.replicas_of(d):
                return True
        return False

    def _sync(self, d: dict, rs_list: list[dict]):
        new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, False)
        new_rs, old_rss = self._scale(d, new_rs, old_rss)
        if d["spec"].get("paused"):
            self._cleanup(old_rss, d)
        return self._sync_deployment_status(list(old_rss) + [new_rs], new_rs, d)

    def _scale(self, d: dict, new_rs: dict | None, old_rss: list[dict]):
        target = du.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if du.replicas_of(target) != du.replicas_of(d):
                _, updated = self._scale_rs_and_record(target, du.replicas_of(d), d)
                new_rs, old_rss = self._replace(new_rs, old_rss, updated)
            return new_rs, old_rss
        if du.is_saturated(d, new_rs):
            for old in du.filter_active(old_rss):
                _, updated = self._scale_rs_and_record(old, 0, d)
                new_rs, old_rss = self._replace(new_rs, old_rss, updated)
            return new_rs, old_rss
        if du.is_rolling_update(d):
            all_rss = du.filter_active(list(old_rss) + [new_rs])
            allowed = du.replicas_of(d) + du.max_surge(d) if du.replicas_of(d) > 0 else 0
            to_add = allowed - du.replica_count(all_rss)
            operation = None
            if to_add > 0:
                all_rss = du.by_size_newer(all_rss)
                operation = "up"
            elif to_add < 0:
                all_rss = du.by_size_older(all_rss)
                operation = "down"
            added = 0
            sizes = {}
            for rs in all_rss:
                if to_add != 0:
                    proportion = du.replica_set_proportion(rs, d, to_add, added)
                    sizes[rs["metadata"]["name"]] = du.replicas_of(rs) + proportion
                    added += proportion
                else:
                    sizes[rs["metadata"]["name"]] = du.replicas_of(rs)
            for i, rs in enumerate(all_rss):
                name = rs["metadata"]["name"]
                if i == 0 and to_add != 0:
                    sizes[name] = max(0, sizes[name] + to_add - added)
                _, updated = self._scale_rs(rs, sizes[name], d, operation)
                new_rs, old_rss = self._replace(new_rs, old_rss, updated)
        return new_rs, old_rss

    @staticmethod
    def _replace(new_rs, old_rss, updated):
        uid = updated["metadata"]["uid"]
        if new_rs is not None and new_rs["metadata"]["uid"] == uid:
            return updated, old_rss
        return new_rs, [updated if rs["metadata"]["uid"] == uid else rs for rs in old_rss]

    def _sync_status_only(self, d: dict, rs_list: list[dict]):
        new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, False)
        return self._sync_deployment_status(list(old_rss) + [new_rs], new_rs, d)

    def _sync_deployment_status(self, all_rss, new_rs, d):
        status = self._calculate_status(all_rss, new_rs, d)
        if status != (d.get("status") or {}):
            d["status"] = status
            self._update_deployment_status(d)
        return None

    def _check_paused_conditions(self, d: dict) -> dict:
        if not du.has_progress_deadline(d):
            return d
        status = d.setdefault("status", {})
        cond = du.get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == du.TIMED_OUT_REASON:
            return d
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED_REASON
        now = self.clock.timestamp()
        if d["spec"].get("paused") and not paused_cond:
            du.set_condition(status, du.new_condition("Progressing", "Unknown", du.PAUSED_REASON,
                                                      "Deployment is paused", now))
        elif not d["spec"].get("paused") and paused_cond:
            du.set_condition(status, du.new_condition("Progressing", "Unknown", du.RESUMED_REASON,
                                                      "Deployment is resumed", now))
        else:
            return d
        return self._update_deployment_status(d)

    def _calculate_status(self, all_rss, new_rs, d) -> dict:
        rss = [rs for rs in all_rss if rs is not None]
        available = du.available_replica_count(rss)
        unavailable = max(0, du.replica_count(rss) - available)
        old = d.get("status") or {}
        status: dict = {"observedGeneration": int(d["metadata"].get("generation") or 1)}
        for field, value in (("replicas", du.actual_replica_count(rss)),
                             ("updatedReplicas", du.actual_replica_count([new_rs])),
                             ("readyReplicas", du.ready_replica_count(rss)),
                             ("availableReplicas", available),
                             ("unavailableReplicas", unavailable)):
            if value:
                status[field] = value
        status["terminatingReplicas"] = du.terminating_replica_count(rss)
        if old.get("conditions"):
            status["conditions"] = copy.deepcopy(old["conditions"])
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        now = self.clock.timestamp()
        if available >= du.replicas_of(d) - du.max_unavailable(d):
            du.set_condition(status, du.new_condition("Available", "True", du.MIN_AVAILABLE_REASON,
                                                      "Deployment has minimum availability.", now))
        else:
            du.set_condition(status, du.new_condition("Available", "False", du.MIN_UNAVAILABLE_REASON,
                                                      "Deployment does not have minimum availability.", now))
        return status

    # -- progress.go ------------------------------------------------------------------------------
    def _sync_rollout_status(self, all_rss, new_rs, d):
        status = self._calculate_status(all_rss, new_rs, d)
        if not du.has_progress_deadline(d):
            du.remove_condition(status, "Progressing")
        current = du.get_condition(d.get("status") or {}, "Progressing")
        complete = (int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
                    and current is not None and current.get("reason") == du.NEW_RS_AVAILABLE_REASON)
        now_dt = self.clock.now()
        now = self.clock.timestamp()
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        if du.has_progress_deadline(d) and not complete:
            if du.deployment_complete(d, status):
                msg = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.')
                du.set_condition(status, du.new_condition("Progressing", "True", du.NEW_RS_AVAILABLE_REASON, msg, now))
            elif du.deployment_progressing(d, status):
                msg = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" is progressing.')
                cond = du.new_condition("Progressing", "True", du.RS_UPDATED_REASON, msg, now)
                # Progress refreshes lastUpdateTime even when the reason stays the same.
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    du.remove_condition(status, "Progressing")
                du.set_condition(status, cond)
            elif du.deployment_timed_out(d, status, now_dt):
                msg = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                du.set_condition(status, du.new_condition("Progressing", "False", du.TIMED_OUT_REASON, msg, now))
        failure = self._replica_failure(all_rss, new_rs)
        if failure is not None:
            du.set_condition(status, failure)
        else:
            du.remove_condition(status, "ReplicaFailure")
        if status == (d.get("status") or {}):
            return self._requeue_stuck(d, status)
        d["status"] = status
        self._update_deployment_status(d)
        return self._requeue_stuck(d, status)

    def _replica_failure(self, all_rss, new_rs) -> dict | None:
        candidates = ([new_rs] if new_rs is not None else []) + [rs for rs in all_rss if rs is not None and rs is not new_rs]
        for rs in candidates:
            for c in (rs.get("status") or {}).get("conditions") or []:
                if c.get("type") == "ReplicaFailure":
                    return {"type": "ReplicaFailure", "status": c.get("status"),
                            "lastUpdateTime": c.get("lastTransitionTime"),
                            "lastTransitionTime": c.get("lastTransitionTime"),
                            "reason": c.get("reason"), "message": c.get("message")}
        return None

    def _requeue_stuck(self, d: dict, status: dict) -> float | None:
        """requeueStuckDeployment: look again when the progress deadline would pass."""
        current = du.get_condition(d.get("status") or {}, "Progressing")
        if not du.has_progress_deadline(d) or current is None:
            return None
        if du.deployment_complete(d, status) or current.get("reason") == du.TIMED_OUT_REASON:
            return None
        since = parse_time(current.get("lastUpdateTime"))
        if since is None:
            return None
        after = (since - self.clock.now()).total_seconds() + int(d["spec"]["progressDeadlineSeconds"])
        return max(after, 0) + 1.0

    # -- rolling.go -------------------------------------------------------------------------------
    def _rollout_rolling(self, d: dict, rs_list: list[dict]):
        new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, True)
        all_rss = list(old_rss) + [new_rs]
        scaled_up, new_rs = self._reconcile_new_rs(all_rss, new_rs, d)
        if scaled_up:
            return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)
        scaled_down, old_rss = self._reconcile_old_rss(list(old_rss) + [new_rs], old_rss, new_rs, d)
        if scaled_down:
            return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)
        if du.deployment_complete(d, d.get("status") or {}):
            old_rss = self._cleanup(old_rss, d)
        return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)

    def _reconcile_new_rs(self, all_rss, new_rs, d):
        want = du.replicas_of(d)
        if du.replicas_of(new_rs) == want:
            return False, new_rs
        if du.replicas_of(new_rs) > want:
            return self._scale_rs_and_record(new_rs, want, d)
        count = du.new_rs_new_replicas(d, all_rss, new_rs)
        return self._scale_rs_and_record(new_rs, count, d)

    def _reconcile_old_rss(self, all_rss, old_rss, new_rs, d):
        old_pods = du.replica_count(old_rss)
        if old_pods == 0:
            return False, old_rss
        all_pods = du.replica_count(all_rss)
        min_available = du.replicas_of(d) - du.max_unavailable(d)
        new_unavailable = du.replicas_of(new_rs) - du.status_int(new_rs, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False, old_rss
        old_rss, cleaned = self._cleanup_unhealthy(du.filter_active(old_rss), d, max_scaled_down, old_rss)
        scaled = self._scale_down_old_for_rolling(list(old_rss) + [new_rs], old_rss, d)
        return cleaned + scaled[0] > 0, scaled[1]

    def _cleanup_unhealthy(self, active_old, d, max_cleanup, old_rss):
        total = 0
        for rs in du.by_creation(active_old):
            if total >= max_cleanup:
                break
            replicas = du.replicas_of(rs)
            available = du.status_int(rs, "availableReplicas")
            if replicas == 0 or replicas == available:
                continue
            count = min(max_cleanup - total, replicas - available)
            _, updated = self._scale_rs_and_record(rs, replicas - count, d)
            _, old_rss = self._replace(None, old_rss, updated)
            total += count
        return old_rss, total

    def _scale_down_old_for_rolling(self, all_rss, old_rss, d):
        min_available = du.replicas_of(d) - du.max_unavailable(d)
        available = du.available_replica_count(all_rss)
        if available <= min_available:
            return 0, old_rss
        total = 0
        budget = available - min_available
        for rs in du.by_creation(old_rss):
            if total >= budget:
                break
            if du.replicas_of(rs) == 0:
                continue
            count = min(du.replicas_of(rs), budget - total)
            _, updated = self._scale_rs_and_record(rs, du.replicas_of(rs) - count, d)
            _, old_rss = self._replace(None, old_rss, updated)
            total += count
        return total, old_rss

    # -- recreate.go ------------------------------------------------------------------------------
    def _rollout_recreate(self, d: dict, rs_list: list[dict]):
        new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, False)
        scaled_down = False
        for rs in du.filter_active(old_rss):
            changed, updated = self._scale_rs_and_record(rs, 0, d)
            _, old_rss = self._replace(None, old_rss, updated)
            scaled_down = scaled_down or changed
        if scaled_down:
            return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)
        if self._old_pods_running(new_rs, old_rss, d):
            return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)
        if new_rs is None:
            new_rs, old_rss = self._get_all_rs_and_sync_revision(d, rs_list, True)
        _, new_rs = self._scale_rs_and_record(new_rs, du.replicas_of(d), d)
        if du.deployment_complete(d, d.get("status") or {}):
            old_rss = self._cleanup(old_rss, d)
        return self._sync_rollout_status(list(old_rss) + [new_rs], new_rs, d)

    def _old_pods_running(self, new_rs, old_rss, d) -> bool:
        if du.actual_replica_count(old_rss) > 0:
            return True
        old_uids = {rs["metadata"]["uid"] for rs in old_rss}
        for pod in self.items("pods", d["metadata"]["namespace"]):
            ref = controller_ref(pod)
            if ref is None or ref.get("uid") not in old_uids:
                continue
            if podutil.phase(pod) not in ("Succeeded", "Failed"):
                return True
        return False

    # -- history ----------------------------------------------------------------------------------
    def _cleanup(self, old_rss, d):
        if not du.has_revision_history_limit(d):
            return old_rss
        cleanable = [rs for rs in old_rss if not is_being_deleted(rs)]
        diff = len(cleanable) - int(d["spec"]["revisionHistoryLimit"])
        if diff <= 0:
            return old_rss
        deleted = set()
        for rs in du.by_revision(cleanable)[:diff]:
            if (du.status_int(rs, "replicas") != 0 or du.replicas_of(rs) != 0
                    or int(rs["metadata"].get("generation") or 0) > du.status_int(rs, "observedGeneration")):
                continue
            try:
                self.api.delete(RS, rs["metadata"]["namespace"], rs["metadata"]["name"])
                deleted.add(rs["metadata"]["uid"])
            except ApiError as exc:
                if exc.code != 404:
                    raise
        return [rs for rs in old_rss if rs["metadata"]["uid"] not in deleted]
