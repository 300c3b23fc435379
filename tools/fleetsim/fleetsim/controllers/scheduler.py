"""kube-scheduler, reduced to what a simulated fleet needs: bind every pending pod to a node.

Filters like the real default plugins that matter here (node Ready and schedulable, nodeSelector,
required node affinity incl. the `metadata.name` field DaemonSets use), scores by spreading pods
of the same owner first and then all pods over the nodes, picks randomly among equal scores,
binds through `pods/binding` and records Scheduled / FailedScheduling events.
"""
from __future__ import annotations

import random

from ..errors import ApiError
from . import podutil
from .base import Controller, controller_ref, deep, obj_key

COMPONENT = "default-scheduler"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def node_ready(node: dict) -> bool:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _expr_matches(expr: dict, value: str | None) -> bool:
    op, values = expr.get("operator"), expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            return int(value) > int(values[0]) if op == "Gt" else int(value) < int(values[0])
        except ValueError:
            return False
    return False


def node_matches_pod(node: dict, pod: dict) -> bool:
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if terms:
        def term_ok(term):
            for expr in term.get("matchExpressions") or []:
                if not _expr_matches(expr, labels.get(expr.get("key"))):
                    return False
            for expr in term.get("matchFields") or []:
                if expr.get("key") == "metadata.name" and not _expr_matches(expr, node["metadata"]["name"]):
                    return False
            return True
        if not any(term_ok(t) for t in terms):
            return False
    return True


def tolerates_taints(node: dict, pod: dict) -> bool:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        ok = False
        for t in tolerations:
            if t.get("effect") and t["effect"] != taint["effect"]:
                continue
            if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint.get("key")):
                ok = True
            elif t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
                ok = True
        if not ok:
            return False
    return True


class Scheduler(Controller):
    name = COMPONENT
    field_manager = "kube-scheduler"

    def __init__(self, cluster, recorder, rng: random.Random | None = None):
        super().__init__(cluster, recorder)
        self.rng = rng or random.Random(cluster.rng.random() if hasattr(cluster, "rng") else None)

    def initial_keys(self):
        return [obj_key(p) for p in self.items("pods") if self._wants(p)]

    @staticmethod
    def _wants(pod: dict) -> bool:
        spec = pod.get("spec") or {}
        return (not spec.get("nodeName") and (spec.get("schedulerName") or COMPONENT) == COMPONENT
                and not podutil.is_terminating(pod) and podutil.phase(pod) not in ("Succeeded", "Failed"))

    def on_change(self, event_type, resource, obj, old):
        if resource == "pods" and event_type != "DELETED" and self._wants(obj):
            self.queue.add(obj_key(obj))
        elif resource == "nodes" and event_type != "DELETED":
            # A node appeared or changed: pods that found no node may fit now.
            for pod in self.items("pods"):
                if self._wants(pod):
                    self.queue.add(obj_key(pod))

    def sync(self, key):
        ns, name = key
        pod = self.lookup("pods", ns, name)
        if pod is None or not self._wants(pod):
            return None
        nodes = self.items("nodes")
        fits = [n for n in nodes if not self._filtered_out(n, pod)]
        if not fits:
            self._unschedulable(pod, nodes)
            return None
        owner = (controller_ref(pod) or {}).get("uid")
        load: dict[str, list[int]] = {n["metadata"]["name"]: [0, 0] for n in fits}
        for other in self.items("pods"):
            node_name = (other.get("spec") or {}).get("nodeName")
            if node_name in load and podutil.phase(other) not in ("Succeeded", "Failed"):
                load[node_name][1] += 1
                if owner and (controller_ref(other) or {}).get("uid") == owner:
                    load[node_name][0] += 1
        best = min(load.values())
        choices = sorted(n for n, v in load.items() if v == best)
        node = self.rng.choice(choices)
        self._bind(pod, node)
        return None

    def _bind(self, pod: dict, node: str) -> None:
        meta = pod["metadata"]
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta.get("uid")},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        try:
            self.api.create("pods", binding, namespace=meta["namespace"], subresource="binding")
        except ApiError as exc:
            if exc.code == 409:  # already bound by someone else
                return
            raise
        self.recorder.event(pod, "Normal", "Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} "
                            f"to {node}", component=COMPONENT, action="Binding")

    @staticmethod
    def _filtered_out(node: dict, pod: dict) -> str | None:
        """Why a node cannot take the pod (the filter plugins' messages), None when it can."""
        if not node_ready(node):
            return "node(s) were not ready"
        if (node.get("spec") or {}).get("unschedulable") and not tolerates_taints(
                {"spec": {"taints": [UNSCHEDULABLE_TAINT]}}, pod):
            # NodeUnschedulable: a cordoned node, unless the pod tolerates the unschedulable taint.
            return "node(s) were unschedulable"
        if not node_matches_pod(node, pod):
            return "node(s) didn't match Pod's node affinity/selector"
        if not tolerates_taints(node, pod):
            return "node(s) had untolerated taint(s)"
        return None

    def _unschedulable(self, pod: dict, nodes: list[dict]) -> None:
        n = len(nodes)
        if n == 0:
            message = "no nodes available to schedule pods"
        else:
            reasons: dict[str, int] = {}
            for node in nodes:
                why = self._filtered_out(node, pod) or "node(s) didn't match Pod's node affinity/selector"
                reasons[why] = reasons.get(why, 0) + 1
            listed = ", ".join(f"{count} {why}" for why, count in sorted(reasons.items()))
            message = (f"0/{n} nodes are available: {listed}. "
                       f"preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling.")
        cond = podutil.condition(pod, "PodScheduled")
        if cond is None or cond.get("status") != "False" or cond.get("message") != message:
            updated = deep(pod)
            status = updated.setdefault("status", {})
            status.setdefault("phase", "Pending")
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conditions.append({"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                               "lastTransitionTime": self.clock.timestamp(), "reason": "Unschedulable",
                               "message": message})
            status["conditions"] = conditions
            self.api.update("pods", updated, subresource="status")
        self.recorder.event(pod, "Warning", "FailedScheduling", message, component=COMPONENT, action="Scheduling")
