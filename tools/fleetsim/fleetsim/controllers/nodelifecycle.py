"""The part of the node lifecycle controller a cordon shows: a Node with spec.unschedulable gets
the `node.kubernetes.io/unschedulable:NoSchedule` taint, and loses it on uncordon
(TaintNodesByCondition, pkg/controller/nodelifecycle)."""
from __future__ import annotations

from .base import Controller, deep

UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"

    def initial_keys(self):
        return [n["metadata"]["name"] for n in self.items("nodes")]

    def on_change(self, event_type, resource, obj, old):
        if resource == "nodes" and event_type != "DELETED":
            self.queue.add(obj["metadata"]["name"])

    def sync(self, key):
        node = self.lookup("nodes", None, key)
        if node is None:
            return None
        spec = node.get("spec") or {}
        taints = list(spec.get("taints") or [])
        has = any(t.get("key") == UNSCHEDULABLE and t.get("effect") == "NoSchedule" for t in taints)
        want = bool(spec.get("unschedulable"))
        if has == want:
            return None
        updated = deep(node)
        if want:
            taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule"})
        else:
            taints = [t for t in taints if not (t.get("key") == UNSCHEDULABLE and t.get("effect") == "NoSchedule")]
        if taints:
            updated["spec"]["taints"] = taints
        else:
            updated["spec"].pop("taints", None)
        self.api.update("nodes", updated)
        return None
