"""apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet (defaults and validation as
pkg/apis/apps/v1/defaults.go and pkg/apis/apps/validation)."""
from __future__ import annotations

import re

from ..errors import (Cause, GoRepr, field_invalid, field_not_supported, field_required)
from . import register
from .base import Strategy, template_labels_cause, validate_nonneg, is_int
from .pods import default_pod_spec, validate_pod_template

_PERCENT = re.compile(r"^[0-9]+%$")


def go_label_selector(sel: dict | None) -> GoRepr:
    """Render a LabelSelector like Go's %#v of v1.LabelSelector (used in immutability errors)."""
    sel = sel or {}
    labels = sel.get("matchLabels")
    if labels:
        ml = "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items())) + "}"
    else:
        ml = "map[string]string(nil)"
    exprs = sel.get("matchExpressions")
    if exprs:
        parts = []
        for e in exprs:
            vals = e.get("values")
            vs = "[]string{" + ", ".join(f'"{v}"' for v in vals) + "}" if vals else "[]string(nil)"
            parts.append(f'v1.LabelSelectorRequirement{{Key:"{e.get("key")}", Operator:"{e.get("operator")}", '
                         f'Values:{vs}}}')
        me = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    else:
        me = "[]v1.LabelSelectorRequirement(nil)"
    return GoRepr(f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{me}}}")


def _default_template(obj: dict) -> None:
    tmpl = (obj.get("spec") or {}).get("template")
    if isinstance(tmpl, dict):
        default_pod_spec(tmpl.setdefault("spec", {}) if isinstance(tmpl.get("spec", {}), dict) else {})


def _int_or_percent(path: str, value, out: list[Cause]) -> None:
    if value is None:
        return
    if is_int(value):
        if value < 0:
            out.append(field_invalid(path, value, "must be greater than or equal to 0"))
    elif isinstance(value, str) and _PERCENT.match(value):
        if int(value[:-1]) > 100:
            out.append(field_invalid(path, value, "must not be greater than 100%"))
    else:
        out.append(field_invalid(path, value, "a valid percent string must be a numeric string followed by an "
                                              "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                                              "'[0-9]+%')"))


def _is_zero(v) -> bool:
    return v in (0, "0%") or v is None


def validate_selector_and_template(obj: dict, kind_label: str, restart=("Always",)) -> list[Cause]:
    spec = obj.get("spec") or {}
    out: list[Cause] = []
    sel = spec.get("selector")
    if sel is None:
        out.append(field_required("spec.selector"))
    elif not (sel.get("matchLabels") or sel.get("matchExpressions")):
        out.append(field_invalid("spec.selector", go_label_selector(sel),
                                 f"empty selector is invalid for {kind_label}"))
    tmpl = spec.get("template")
    if tmpl is None:
        out.append(field_required("spec.template"))
        return out
    out += template_labels_cause("spec.template.metadata.labels", sel if sel and (
        sel.get("matchLabels") or sel.get("matchExpressions")) else None,
                                 (tmpl.get("metadata") or {}).get("labels"))
    out += validate_pod_template("spec.template", tmpl, restart)
    return out


def _immutable_selector(new: dict, old: dict) -> list[Cause]:
    ns, os_ = (new.get("spec") or {}).get("selector"), (old.get("spec") or {}).get("selector")
    if ns != os_:
        return [field_invalid("spec.selector", go_label_selector(ns), "field is immutable")]
    return []


class DeploymentStrategy(Strategy):
    has_generation = True

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        _default_template(obj)

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {}

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = validate_nonneg("spec.replicas", spec.get("replicas"))
        out += validate_selector_and_template(obj, "deployment")
        strategy = spec.get("strategy") or {}
        stype = strategy.get("type")
        if stype not in ("Recreate", "RollingUpdate"):
            out.append(field_not_supported("spec.strategy.type", stype, ["Recreate", "RollingUpdate"]))
        ru = strategy.get("rollingUpdate")
        if stype == "Recreate" and ru is not None:
            out.append(Cause("FieldValueForbidden", "spec.strategy.rollingUpdate",
                             "Forbidden: may not be specified when strategy `type` is 'Recreate'"))
        if stype == "RollingUpdate" and isinstance(ru, dict):
            _int_or_percent("spec.strategy.rollingUpdate.maxUnavailable", ru.get("maxUnavailable"), out)
            _int_or_percent("spec.strategy.rollingUpdate.maxSurge", ru.get("maxSurge"), out)
            if _is_zero(ru.get("maxUnavailable")) and _is_zero(ru.get("maxSurge")):
                out.append(field_invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.get("maxUnavailable"),
                                         "may not be 0 when `maxSurge` is 0"))
        out += validate_nonneg("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
        out += validate_nonneg("spec.minReadySeconds", spec.get("minReadySeconds"))
        pds = spec.get("progressDeadlineSeconds")
        out += validate_nonneg("spec.progressDeadlineSeconds", pds)
        if is_int(pds) and pds <= (spec.get("minReadySeconds") or 0):
            out.append(field_invalid("spec.progressDeadlineSeconds", pds,
                                     "must be greater than minReadySeconds"))
        return out

    def validate_update(self, new, old, ctx):
        return self.validate(new, ctx) + _immutable_selector(new, old)

    def validate_status(self, new, old, ctx):
        st = new.get("status") or {}
        out = []
        for f in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas",
                  "observedGeneration", "terminatingReplicas"):
            out += validate_nonneg(f"status.{f}", st.get(f))
        return out


class ReplicaSetStrategy(DeploymentStrategy):
    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        _default_template(obj)

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = validate_nonneg("spec.replicas", spec.get("replicas"))
        out += validate_nonneg("spec.minReadySeconds", spec.get("minReadySeconds"))
        out += validate_selector_and_template(obj, "replicaset")
        return out

    def validate_status(self, new, old, ctx):
        st = new.get("status") or {}
        out = []
        for f in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration",
                  "terminatingReplicas"):
            out += validate_nonneg(f"status.{f}", st.get(f))
        return out


class DaemonSetStrategy(DeploymentStrategy):
    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        us = spec.setdefault("updateStrategy", {})
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            ru = us.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        _default_template(obj)

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = validate_selector_and_template(obj, "daemonset")
        us = spec.get("updateStrategy") or {}
        if us.get("type") not in ("RollingUpdate", "OnDelete"):
            out.append(field_not_supported("spec.updateStrategy.type", us.get("type"), ["OnDelete", "RollingUpdate"]))
        return out

    def validate_status(self, new, old, ctx):
        return []


class StatefulSetStrategy(DeploymentStrategy):
    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        us = spec.setdefault("updateStrategy", {})
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            us.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        _default_template(obj)

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = validate_nonneg("spec.replicas", spec.get("replicas"))
        out += validate_selector_and_template(obj, "statefulset")
        if spec.get("podManagementPolicy") not in ("OrderedReady", "Parallel"):
            out.append(field_not_supported("spec.podManagementPolicy", spec.get("podManagementPolicy"),
                                           ["OrderedReady", "Parallel"]))
        return out

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx) + _immutable_selector(new, old)
        allowed = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                   "minReadySeconds", "revisionHistoryLimit")
        ns = {k: v for k, v in (new.get("spec") or {}).items() if k not in allowed}
        os_ = {k: v for k, v in (old.get("spec") or {}).items() if k not in allowed}
        if ns != os_:
            out.append(Cause("FieldValueForbidden", "spec",
                             "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                             "'template', 'updateStrategy', 'revisionHistoryLimit', "
                             "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
        return out

    def validate_status(self, new, old, ctx):
        return []


register("deployments.apps", DeploymentStrategy())
register("replicasets.apps", ReplicaSetStrategy())
register("daemonsets.apps", DaemonSetStrategy())
register("statefulsets.apps", StatefulSetStrategy())
