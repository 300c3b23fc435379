"""The disruption controller (pkg/controller/disruption): keeps every PodDisruptionBudget's status
(currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed, disruptedPods, the
DisruptionAllowed condition) in step with the pods it selects, which the Eviction API reads.

- maxUnavailable, or a minAvailable percentage: expectedPods is the scale of the pods' controllers
  (Deployment through its ReplicaSet, ReplicaSet, StatefulSet, ReplicationController).
- an integer minAvailable: expectedPods is the number of selected pods.
- healthy = Ready, not being deleted, not in disruptedPods (an eviction in flight). An entry of
  disruptedPods older than 2 minutes whose pod was not deleted is dropped, as the real one does.
"""
from __future__ import annotations

import math
from datetime import timedelta

from ..clock import parse_time
from ..selectors import from_label_selector
from . import podutil
from .base import Controller, controller_ref, deep, obj_key

PDB = "poddisruptionbudgets.policy"
DELETION_TIMEOUT_S = 120


def set_disruption_allowed_condition(status: dict, now: str) -> None:
    """pdbhelper.UpdateDisruptionAllowedCondition + meta.SetStatusCondition."""
    allowed = status.get("disruptionsAllowed", 0) > 0
    want = {"type": "DisruptionAllowed", "status": "True" if allowed else "False"}
    if status.get("observedGeneration"):
        want["observedGeneration"] = status["observedGeneration"]
    want["lastTransitionTime"] = now
    want["reason"] = "SufficientPods" if allowed else "InsufficientPods"
    want["message"] = ""
    conditions = list(status.get("conditions") or [])
    for i, c in enumerate(conditions):
        if c.get("type") == "DisruptionAllowed":
            if c.get("status") == want["status"]:
                want["lastTransitionTime"] = c.get("lastTransitionTime") or now
            conditions[i] = want
            break
    else:
        conditions.append(want)
    status["conditions"] = conditions


def _scaled(value, total: int, round_up: bool = True) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        pct = int(text[:-1])
        raw = pct * total / 100
        return math.ceil(raw) if round_up else math.floor(raw)
    return int(text)


class DisruptionController(Controller):
    name = "disruption-controller"

    def initial_keys(self):
        return [obj_key(p) for p in self.items(PDB)]

    def on_change(self, event_type, resource, obj, old):
        if resource == PDB:
            if event_type != "DELETED":
                self.queue.add(obj_key(obj))
        elif resource == "pods":
            ns = obj["metadata"].get("namespace")
            labels = [(obj.get("metadata") or {}).get("labels") or {}]
            if old is not None:
                labels.append((old.get("metadata") or {}).get("labels") or {})
            for pdb in self.items(PDB, ns):
                sel = (pdb.get("spec") or {}).get("selector")
                if self._selects(sel, labels):
                    self.queue.add(obj_key(pdb))
        elif resource in ("deployments.apps", "replicasets.apps", "statefulsets.apps", "replicationcontrollers"):
            # A controller's scale is the expected pod count of budgets counting by scale.
            for pdb in self.items(PDB, obj["metadata"].get("namespace")):
                self.queue.add(obj_key(pdb))

    @staticmethod
    def _selects(sel, label_sets) -> bool:
        if not sel:
            return False
        try:
            selector = from_label_selector(sel)
        except (ValueError, KeyError):
            return False
        return not selector.empty() and any(selector.matches(ls) for ls in label_sets)

    def _pods(self, pdb: dict) -> list[dict]:
        sel = (pdb.get("spec") or {}).get("selector")
        if not sel:
            return []
        try:
            selector = from_label_selector(sel)
        except (ValueError, KeyError):
            return []
        if selector.empty():
            return []
        return [p for p in self.items("pods", pdb["metadata"]["namespace"])
                if selector.matches((p.get("metadata") or {}).get("labels") or {})]

    def _scale_of(self, namespace: str, ref: dict) -> tuple[str, int] | None:
        """(uid, replicas) of the controller that owns a pod, following a ReplicaSet to its Deployment."""
        kind = ref.get("kind")
        if kind == "ReplicaSet":
            rs = self.lookup("replicasets.apps", namespace, ref.get("name"))
            if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
                return None
            owner = controller_ref(rs)
            if owner and owner.get("kind") == "Deployment":
                d = self.lookup("deployments.apps", namespace, owner.get("name"))
                if d is not None and d["metadata"].get("uid") == owner.get("uid"):
                    return d["metadata"]["uid"], int((d.get("spec") or {}).get("replicas", 1))
                return None
            return rs["metadata"]["uid"], int((rs.get("spec") or {}).get("replicas", 1))
        resource = {"StatefulSet": "statefulsets.apps", "ReplicationController": "replicationcontrollers",
                    "Deployment": "deployments.apps"}.get(kind)
        if resource is None:
            return None
        obj = self.lookup(resource, namespace, ref.get("name"))
        if obj is None or obj["metadata"].get("uid") != ref.get("uid"):
            return None
        return obj["metadata"]["uid"], int((obj.get("spec") or {}).get("replicas", 1))

    def _expected_scale(self, pdb: dict, pods: list[dict]) -> tuple[int, list[str]] | str:
        controllers: dict[str, int] = {}
        unmanaged: list[str] = []
        ns = pdb["metadata"]["namespace"]
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                unmanaged.append(pod["metadata"]["name"])
                continue
            found = self._scale_of(ns, ref)
            if found is None:
                return f"found no controllers for pod {pod['metadata']['name']!r}"
            controllers[found[0]] = found[1]
        return sum(controllers.values()), unmanaged

    def sync(self, key):
        ns, name = key
        pdb = self.lookup(PDB, ns, name)
        if pdb is None or pdb["metadata"].get("deletionTimestamp"):
            return None
        spec = pdb.get("spec") or {}
        pods = self._pods(pdb)
        if not pods:
            self.recorder.event(pdb, "Normal", "NoPods", "No matching pods found",
                                component="controllermanager")
        unmanaged: list[str] = []
        if "maxUnavailable" in spec and spec["maxUnavailable"] is not None:
            scale = self._expected_scale(pdb, pods)
            if isinstance(scale, str):
                return self._sync_failed(pdb, scale)
            expected, unmanaged = scale
            desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
        elif isinstance(spec.get("minAvailable"), int):
            expected, desired = len(pods), spec["minAvailable"]
        elif spec.get("minAvailable") is not None:
            scale = self._expected_scale(pdb, pods)
            if isinstance(scale, str):
                return self._sync_failed(pdb, scale)
            expected, unmanaged = scale
            desired = _scaled(spec["minAvailable"], expected)
        else:
            expected, desired = len(pods), 0
        if unmanaged:
            self.recorder.event(pdb, "Warning", "UnmanagedPods",
                                f"Pods selected by this PodDisruptionBudget (selector: {spec.get('selector')}) "
                                f"were found to be unmanaged. As a result, the status of the PDB cannot be "
                                f"calculated correctly, which may result in undefined behavior. To account for "
                                f"these pods please set \".spec.minAvailable\" field of the PDB to an integer "
                                f"value.", component="controllermanager")
        now = self.clock.now()
        disrupted, recheck = {}, None
        old_disrupted = (pdb.get("status") or {}).get("disruptedPods") or {}
        by_name = {p["metadata"]["name"]: p for p in pods}
        for pod_name, when in old_disrupted.items():
            pod = by_name.get(pod_name)
            if pod is None or podutil.is_terminating(pod):
                continue  # the eviction went through
            started = parse_time(when)
            expires = (started + timedelta(seconds=DELETION_TIMEOUT_S)) if started else now
            if expires <= now:
                continue  # the pod was never deleted: count it again
            disrupted[pod_name] = when
            left = (expires - now).total_seconds()
            recheck = left if recheck is None else min(recheck, left)
        healthy = sum(1 for p in pods if not podutil.is_terminating(p) and p["metadata"]["name"] not in disrupted
                      and podutil.is_ready(p))
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        status: dict = {"observedGeneration": pdb["metadata"].get("generation", 1)}
        if disrupted:
            status["disruptedPods"] = disrupted
        status.update({"disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired,
                       "expectedPods": expected})
        status["conditions"] = deep((pdb.get("status") or {}).get("conditions") or [])
        set_disruption_allowed_condition(status, self.clock.timestamp())
        if status != pdb.get("status"):
            updated = deep(pdb)
            updated["status"] = status
            self.api.update(PDB, updated, subresource="status")
        return recheck

    def _sync_failed(self, pdb: dict, why: str):
        self.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed",
                            f"Failed to calculate the number of expected pods: {why}", component="controllermanager")
        status = deep(pdb.get("status") or {})
        status["observedGeneration"] = pdb["metadata"].get("generation", 1)
        status["disruptionsAllowed"] = 0
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionAllowed"]
        conditions.append({"type": "DisruptionAllowed", "status": "False",
                           "observedGeneration": status["observedGeneration"],
                           "lastTransitionTime": self.clock.timestamp(), "reason": "SyncFailed", "message": why})
        status["conditions"] = conditions
        if status != pdb.get("status"):
            updated = deep(pdb)
            updated["status"] = status
            self.api.update(PDB, updated, subresource="status")
        return 30.0
