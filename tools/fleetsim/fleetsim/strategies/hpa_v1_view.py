"""autoscaling/v1 HorizontalPodAutoscaler is a view of the autoscaling/v2 storage, as on a real server
(pkg/apis/autoscaling/v1/conversion.go): the CPU utilization target is v2's Resource metric `cpu`
with an Utilization target; the other metrics (and conditions) travel in the annotations the real
conversion uses, so nothing is lost when a v1 client writes the object back."""
from __future__ import annotations

import json

from ..store import clone

METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"


def _is_cpu(metric: dict) -> bool:
    return metric.get("type") == "Resource" and (metric.get("resource") or {}).get("name") == "cpu" and \
        ((metric.get("resource") or {}).get("target") or {}).get("type") == "Utilization"


def to_v1(v2: dict) -> dict:
    meta = clone(v2.get("metadata") or {})
    spec2, status2 = v2.get("spec") or {}, v2.get("status") or {}
    spec = {k: clone(spec2[k]) for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec2}
    others = []
    for m in spec2.get("metrics") or []:
        if _is_cpu(m) and "targetCPUUtilizationPercentage" not in spec:
            spec["targetCPUUtilizationPercentage"] = m["resource"]["target"].get("averageUtilization")
        else:
            others.append(m)
    ann = dict(meta.get("annotations") or {})
    if others:
        ann[METRICS_ANNOTATION] = json.dumps(others, separators=(",", ":"))
    status: dict = {}
    for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"):
        if k in status2:
            status[k] = clone(status2[k])
    for m in status2.get("currentMetrics") or []:
        if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu":
            value = ((m.get("resource") or {}).get("current") or {}).get("averageUtilization")
            if value is not None:
                status["currentCPUUtilizationPercentage"] = value
    if status2.get("conditions"):
        ann[CONDITIONS_ANNOTATION] = json.dumps(status2["conditions"], separators=(",", ":"))
    if ann:
        meta["annotations"] = ann
    status.setdefault("currentReplicas", 0)
    status.setdefault("desiredReplicas", 0)
    return {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1", "metadata": meta, "spec": spec,
            "status": status}


def to_v2(v1: dict) -> dict:
    meta = clone(v1.get("metadata") or {})
    spec1, status1 = v1.get("spec") or {}, v1.get("status") or {}
    ann = dict(meta.get("annotations") or {})
    metrics = []
    if spec1.get("targetCPUUtilizationPercentage") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": spec1["targetCPUUtilizationPercentage"]}}})
    try:
        metrics += json.loads(ann.pop(METRICS_ANNOTATION, "[]"))
    except ValueError:
        pass
    conditions = None
    try:
        conditions = json.loads(ann.pop(CONDITIONS_ANNOTATION, "null"))
    except ValueError:
        pass
    ann.pop(CURRENT_METRICS_ANNOTATION, None)
    if ann:
        meta["annotations"] = ann
    else:
        meta.pop("annotations", None)
    spec = {k: clone(spec1[k]) for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec1}
    if metrics:
        spec["metrics"] = metrics
    status = {k: clone(status1[k]) for k in ("observedGeneration", "lastScaleTime", "currentReplicas",
                                             "desiredReplicas") if k in status1}
    if status1.get("currentCPUUtilizationPercentage") is not None:
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": status1["currentCPUUtilizationPercentage"]}}}]
    if conditions:
        status["conditions"] = conditions
    out = {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2", "metadata": meta, "spec": spec}
    if status:
        out["status"] = status
    return out


class HpaV1View:
    """How the Api serves autoscaling/v1 from the autoscaling/v2 storage (see Api._view)."""

    @staticmethod
    def to_view(obj: dict) -> dict:
        return to_v1(obj)

    @staticmethod
    def to_view_item(obj: dict) -> dict:
        out = to_v1(obj)
        out.pop("kind", None)
        out.pop("apiVersion", None)
        return out

    @staticmethod
    def to_storage(obj: dict) -> dict:
        return to_v2(obj)

    @staticmethod
    def field_selector(selector):
        return selector
