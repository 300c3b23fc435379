"""ReplicaSet controller (pkg/controller/replicaset/replica_set.go).

Keeps `spec.replicas` active pods per ReplicaSet: creates them from the template (generateName
`<rs>-`, controller ownerReference, template labels), deletes the surplus in the real victim order
(controller.ActivePodsWithRanks), adopts matching orphans and releases pods that stopped matching,
and writes status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas after
minReadySeconds, terminatingReplicas, observedGeneration).
"""
from __future__ import annotations

import copy

from ..errors import ApiError
from ..selectors import label_selector_matches
from . import podutil
from .base import Controller, controller_ref, deep, is_being_deleted, obj_key, owner_reference

RS = "replicasets.apps"
COMPONENT = "replicaset-controller"


def pod_from_template(template: dict, owner: dict, namespace: str) -> dict:
    """controller.GetPodFromTemplate."""
    tmeta = template.get("metadata") or {}
    meta: dict = {"generateName": f"{owner['metadata']['name']}-", "namespace": namespace}
    if tmeta.get("labels"):
        meta["labels"] = dict(tmeta["labels"])
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    meta["ownerReferences"] = [owner_reference(owner)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": copy.deepcopy(template.get("spec") or {})}


def claim(api, items, owner: dict, selector: dict | None, resource: str) -> list[dict]:
    """ControllerRefManager.Claim*: owned objects that match, adopting orphans and releasing strays."""
    uid = owner["metadata"]["uid"]
    deleting = is_being_deleted(owner)
    claimed = []
    for obj in items:
        ref = controller_ref(obj)
        matches = label_selector_matches(selector, (obj.get("metadata") or {}).get("labels"))
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches or deleting:
                claimed.append(obj)
                continue
            _set_owner_refs(api, resource, obj, [r for r in obj["metadata"].get("ownerReferences") or []
                                                 if r.get("uid") != uid])
            continue
        if deleting or is_being_deleted(obj) or not matches:
            continue
        refs = list(obj["metadata"].get("ownerReferences") or []) + [owner_reference(owner)]
        adopted = _set_owner_refs(api, resource, obj, refs)
        if adopted is not None:
            claimed.append(adopted)
    return claimed


def _set_owner_refs(api, resource: str, obj: dict, refs: list[dict]) -> dict | None:
    meta = obj["metadata"]
    patch = {"metadata": {"ownerReferences": refs or None, "uid": meta["uid"]}}
    try:
        return api.patch(resource, meta.get("namespace"), meta["name"], patch, "merge")
    except ApiError as exc:
        if exc.code in (404, 409, 422):
            return None
        raise


class ReplicaSetController(Controller):
    name = COMPONENT
    resource = RS
    kind = "ReplicaSet"
    event_component = COMPONENT

    def _selector(self, rs: dict) -> dict | None:
        return rs["spec"].get("selector")

    def initial_keys(self):
        return [obj_key(rs) for rs in self.items(self.resource)]

    def on_change(self, event_type, resource, obj, old):
        if resource == self.resource:
            self.queue.add(obj_key(obj))
            return
        if resource != "pods":
            return
        ns = obj["metadata"].get("namespace") or ""
        refs = [controller_ref(obj)] + ([controller_ref(old)] if old else [])
        owned = False
        for ref in refs:
            if ref is not None and ref.get("kind") == self.kind:
                self.queue.add((ns, ref["name"]))
                owned = True
        if not owned and event_type != "DELETED":
            labels = obj["metadata"].get("labels")
            for rs in self.items(self.resource, ns):
                if label_selector_matches(self._selector(rs), labels):
                    self.queue.add(obj_key(rs))

    # -- reconcile ------------------------------------------------------------------------------
    def sync(self, key):
        ns, name = key
        rs = self.lookup(self.resource, ns, name)
        if rs is None:
            return None
        pods = self._claimed(rs)
        error = None
        if not is_being_deleted(rs):
            try:
                self._manage_replicas([p for p in pods if podutil.is_active(p)], rs)
            except ApiError as exc:
                error = exc
            pods = self._claimed(rs)
        requeue = self._update_status(rs, pods, error)
        if error is not None:
            raise error
        return requeue

    def _claimed(self, rs: dict) -> list[dict]:
        ns = rs["metadata"].get("namespace")
        return claim(self.api, self.items("pods", ns), rs, self._selector(rs), "pods")

    def _manage_replicas(self, active: list[dict], rs: dict) -> None:
        diff = len(active) - int(rs["spec"].get("replicas", 1))
        ns = rs["metadata"].get("namespace")
        if diff < 0:
            for _ in range(-diff):
                pod = pod_from_template(rs["spec"].get("template") or {}, rs, ns)
                try:
                    created = self.api.create("pods", pod, namespace=ns)
                except ApiError as exc:
                    self.recorder.event(rs, "Warning", "FailedCreate", f"Error creating: {exc.message}",
                                        component=self.event_component)
                    raise
                self.recorder.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                                    component=self.event_component)
        elif diff > 0:
            for pod in self._pods_to_delete(active, rs, diff):
                try:
                    self.api.delete("pods", ns, pod["metadata"]["name"])
                except ApiError as exc:
                    if exc.code == 404:
                        continue
                    self.recorder.event(rs, "Warning", "FailedDelete", f"Error deleting: {exc.message}",
                                        component=self.event_component)
                    raise
                self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}",
                                    component=self.event_component)

    def _pods_to_delete(self, active: list[dict], rs: dict, diff: int) -> list[dict]:
        # Pods of every ReplicaSet with the same owner (a Deployment's other revisions) count as
        # "related": a pod doubled up on a node with related pods goes first.
        related = list(active)
        owner = controller_ref(rs)
        if owner is not None:
            siblings = {r["metadata"]["uid"] for r in self.items(self.resource, rs["metadata"].get("namespace"))
                        if (controller_ref(r) or {}).get("uid") == owner.get("uid")}
            related = [p for p in self.items("pods", rs["metadata"].get("namespace"))
                       if podutil.is_active(p) and (controller_ref(p) or {}).get("uid") in siblings]
        on_node: dict[str, int] = {}
        for p in related:
            node = (p.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
        ranks = {p["metadata"]["uid"]: on_node.get((p.get("spec") or {}).get("nodeName") or "", 0) for p in active}
        ordered = sorted(active, key=podutil.deletion_rank_key(self.clock.now(), ranks))
        return ordered[:diff]

    def _update_status(self, rs: dict, pods: list[dict], error: ApiError | None) -> float | None:
        now = self.clock.now()
        min_ready = int(rs["spec"].get("minReadySeconds") or 0)
        active = [p for p in pods if podutil.is_active(p)]
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        fully = sum(1 for p in active
                    if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items()))
        ready = [p for p in active if podutil.is_ready(p)]
        available = [p for p in ready if podutil.is_available(p, min_ready, now)]
        terminating = sum(1 for p in pods if podutil.is_terminating_active(p))
        old = rs.get("status") or {}
        status: dict = {"replicas": len(active)}
        if fully:
            status["fullyLabeledReplicas"] = fully
        if ready:
            status["readyReplicas"] = len(ready)
        if available:
            status["availableReplicas"] = len(available)
        if self.kind == "ReplicaSet":
            status["terminatingReplicas"] = terminating
        status["observedGeneration"] = int(rs["metadata"].get("generation") or 1)
        conditions = [c for c in old.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
        failure = next((c for c in old.get("conditions") or [] if c.get("type") == "ReplicaFailure"), None)
        if error is not None and error.code != 409:
            reason = "FailedCreate" if len(active) < int(rs["spec"].get("replicas", 1)) else "FailedDelete"
            failure = failure or {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": self.clock.timestamp(),
                                  "reason": reason, "message": error.message}
            conditions.append(failure)
        if conditions:
            status["conditions"] = conditions
        if status != old:
            updated = deep(rs)
            updated["status"] = status
            self.api.update(self.resource, updated, subresource="status")
        # Ready pods turn available once minReadySeconds have passed: look again then.
        waits = [w for w in (podutil.seconds_until_available(p, min_ready, now) for p in ready) if w is not None]
        return min(waits) + 0.5 if waits else None


class ReplicationControllerManager(ReplicaSetController):
    """The replication manager (pkg/controller/replication): the ReplicaSet controller's logic for
    core/v1 ReplicationControllers, whose selector is a plain label map."""
    name = "replicationcontroller-controller"
    resource = "replicationcontrollers"
    kind = "ReplicationController"
    event_component = "replication-controller"

    def _selector(self, rc: dict) -> dict | None:
        sel = rc["spec"].get("selector")
        return {"matchLabels": sel} if sel else None
