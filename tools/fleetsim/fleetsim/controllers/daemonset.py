"""DaemonSet controller (pkg/controller/daemon): one pod per eligible node.

Pods are pinned with the node-affinity `matchFields metadata.name` term the real controller uses
(the scheduler binds them), carry the DaemonSet tolerations and the `controller-revision-hash`
label; a template change is rolled out node by node within `maxUnavailable` (RollingUpdate) or
left to the user (OnDelete). Status: desired/current/misscheduled/ready/available/updated counts.
"""
from __future__ import annotations

import copy

from ..errors import ApiError
from . import deployment_util as du
from . import podutil
from .base import Controller, controller_ref, deep, obj_key, owner_reference
from .replicaset import claim, pod_from_template
from .scheduler import node_matches_pod, tolerates_taints

DS = "daemonsets.apps"
REVISIONS = "controllerrevisions.apps"
COMPONENT = "daemonset-controller"
REVISION_HASH = "controller-revision-hash"
TEMPLATE_GENERATION = "pod-template-generation"
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def pinned_node(pod: dict) -> str | None:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [])
    for term in terms:
        for f in term.get("matchFields") or []:
            if f.get("key") == "metadata.name" and f.get("operator") == "In" and f.get("values"):
                return f["values"][0]
    return None


def sync_controller_history(self, ds: dict, template_hash: str, pods: list[dict]) -> None:
    """ControllerRevisions of a DaemonSet or StatefulSet (`self` is its controller; what `kubectl
    rollout history/undo` read): one per
    template, the current one carrying the highest revision, at most revisionHistoryLimit old."""
    if self.api.registry.find(REVISIONS) is None:
        return
    ns = ds["metadata"]["namespace"]
    uid = ds["metadata"]["uid"]
    owned = [r for r in self.items(REVISIONS, ns) if (controller_ref(r) or {}).get("uid") == uid]
    top = max((int(r.get("revision") or 0) for r in owned), default=0)
    name = f"{ds['metadata']['name']}-{template_hash}"
    current = next((r for r in owned if r["metadata"]["name"] == name), None)
    template = copy.deepcopy(ds["spec"].get("template") or {})
    if current is None:
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[REVISION_HASH] = template_hash
        template["$patch"] = "replace"
        try:
            self.api.create(REVISIONS, {
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": name, "namespace": ns, "labels": labels,
                             "annotations": dict(ds["metadata"].get("annotations") or {}),
                             "ownerReferences": [owner_reference(ds)]},
                "data": {"spec": {"template": template}}, "revision": top + 1}, namespace=ns)
        except ApiError as exc:
            if exc.code != 409:
                raise
    elif int(current.get("revision") or 0) < top:
        # Back to an older template (rollout undo): it becomes the newest revision again.
        bumped = deep(current)
        bumped["revision"] = top + 1
        self.api.update(REVISIONS, bumped)
    limit = int(ds["spec"].get("revisionHistoryLimit", 10))
    live_hashes = {(p["metadata"].get("labels") or {}).get(REVISION_HASH) for p in pods}
    old = sorted((r for r in owned if r["metadata"]["name"] != name
                  and (r["metadata"].get("labels") or {}).get(REVISION_HASH) not in live_hashes),
                 key=lambda r: int(r.get("revision") or 0))
    for r in old[:max(0, len(old) - limit)]:
        try:
            self.api.delete(REVISIONS, ns, r["metadata"]["name"])
        except ApiError as exc:
            if exc.code != 404:
                raise


class DaemonSetController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(ds) for ds in self.items(DS)]

    def on_change(self, event_type, resource, obj, old):
        if resource == DS:
            self.queue.add(obj_key(obj))
        elif resource == "pods":
            for o in (obj, old):
                ref = controller_ref(o) if o else None
                if ref is not None and ref.get("kind") == "DaemonSet":
                    self.queue.add((o["metadata"].get("namespace") or "", ref["name"]))
        elif resource == "nodes":
            for ds in self.items(DS):
                self.queue.add(obj_key(ds))

    def _template_pod(self, ds: dict, node: str | None) -> dict:
        template = copy.deepcopy(ds["spec"].get("template") or {})
        pod = pod_from_template(template, ds, ds["metadata"]["namespace"])
        spec = pod["spec"]
        tolerations = list(spec.get("tolerations") or [])
        for t in DAEMON_TOLERATIONS:
            if not any(x.get("key") == t["key"] and x.get("effect") == t["effect"] for x in tolerations):
                tolerations.append(dict(t))
        spec["tolerations"] = tolerations
        if node is not None:
            affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
            affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}
        return pod

    def sync(self, key):
        ns, name = key
        ds = self.lookup(DS, ns, name)
        if ds is None:
            return None
        pods = claim(self.api, self.items("pods", ns), ds, ds["spec"].get("selector"), "pods")
        template_hash = du.compute_hash(ds["spec"].get("template") or {}, (ds.get("status") or {}).get("collisionCount"))
        generation = str(ds["metadata"].get("generation") or 1)
        nodes = self.items("nodes")
        probe = self._template_pod(ds, None)
        should_run = {n["metadata"]["name"] for n in nodes if node_matches_pod(n, probe) and tolerates_taints(n, probe)}
        by_node: dict[str, list[dict]] = {}
        for p in pods:
            if podutil.is_terminating(p):
                continue
            by_node.setdefault(pinned_node(p) or "", []).append(p)
        deleting = ds["metadata"].get("deletionTimestamp")
        if not deleting:
            self._sync_history(ds, template_hash, pods)
            self._manage(ds, should_run, by_node, template_hash, generation)
            pods = claim(self.api, self.items("pods", ns), ds, ds["spec"].get("selector"), "pods")
            by_node = {}
            for p in pods:
                if not podutil.is_terminating(p):
                    by_node.setdefault(pinned_node(p) or "", []).append(p)
        return self._update_status(ds, should_run, by_node, template_hash)

    def _sync_history(self, ds: dict, template_hash: str, pods: list[dict]) -> None:
        sync_controller_history(self, ds, template_hash, pods)

    def _manage(self, ds: dict, should_run: set, by_node: dict, template_hash: str, generation: str) -> None:
        ns = ds["metadata"]["namespace"]
        now = self.clock.now()
        min_ready = int(ds["spec"].get("minReadySeconds") or 0)
        to_delete: list[dict] = []
        to_create: list[str] = []
        for node, node_pods in by_node.items():
            if node not in should_run:
                to_delete += node_pods
            elif len(node_pods) > 1:
                node_pods = sorted(node_pods, key=lambda p: p["metadata"].get("creationTimestamp") or "")
                to_delete += node_pods[1:]
        for node in sorted(should_run):
            if not by_node.get(node):
                to_create.append(node)
        strategy = ds["spec"].get("updateStrategy") or {"type": "RollingUpdate"}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            ru = strategy.get("rollingUpdate") or {}
            max_unavailable = du.scaled_value(ru.get("maxUnavailable", 1), len(should_run), True, "maxUnavailable")
            unavailable = len([n for n in should_run if not any(
                podutil.is_available(p, min_ready, now) for p in by_node.get(n, []))])
            budget = max_unavailable - unavailable
            for node in sorted(should_run):
                for p in by_node.get(node, []):
                    if (p["metadata"].get("labels") or {}).get(REVISION_HASH) == template_hash or p in to_delete:
                        continue
                    if not podutil.is_available(p, min_ready, now):
                        to_delete.append(p)  # old and unavailable: replace at once
                    elif budget > 0:
                        to_delete.append(p)
                        budget -= 1
        for pod in to_delete:
            try:
                self.api.delete("pods", ns, pod["metadata"]["name"])
                self.recorder.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}",
                                    component=COMPONENT)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        for node in to_create:
            pod = self._template_pod(ds, node)
            pod["metadata"].setdefault("labels", {})[REVISION_HASH] = template_hash
            pod["metadata"]["labels"][TEMPLATE_GENERATION] = generation
            try:
                created = self.api.create("pods", pod, namespace=ns)
            except ApiError as exc:
                self.recorder.event(ds, "Warning", "FailedCreate", f"Error creating: {exc.message}",
                                    component=COMPONENT)
                raise
            self.recorder.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                                component=COMPONENT)

    def _update_status(self, ds: dict, should_run: set, by_node: dict, template_hash: str) -> float | None:
        now = self.clock.now()
        min_ready = int(ds["spec"].get("minReadySeconds") or 0)
        scheduled = [n for n in should_run if by_node.get(n)]
        ready = available = updated = 0
        waits = []
        for n in scheduled:
            p = by_node[n][0]
            if podutil.is_ready(p):
                ready += 1
                if podutil.is_available(p, min_ready, now):
                    available += 1
                else:
                    w = podutil.seconds_until_available(p, min_ready, now)
                    if w is not None:
                        waits.append(w)
            if (p["metadata"].get("labels") or {}).get(REVISION_HASH) == template_hash:
                updated += 1
        status = {
            "currentNumberScheduled": len(scheduled),
            "numberMisscheduled": len([n for n in by_node if n and n not in should_run]),
            "desiredNumberScheduled": len(should_run),
            "numberReady": ready,
            "observedGeneration": int(ds["metadata"].get("generation") or 1),
        }
        if updated:
            status["updatedNumberScheduled"] = updated
        if available:
            status["numberAvailable"] = available
        if len(should_run) - available > 0:
            status["numberUnavailable"] = len(should_run) - available
        old = ds.get("status") or {}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            new = deep(ds)
            new["status"] = status
            self.api.update(DS, new, subresource="status")
        return min(waits) + 0.5 if waits else None
