"""Pod and pod-template defaulting/validation shared by Pods and the workload controllers' templates
(SetDefaults_PodSpec, SetDefaults_Container, ValidatePodSpec)."""
from __future__ import annotations

from ..errors import Cause, field_invalid, field_not_supported, field_required, field_duplicate
from .base import validate_dns_label, validate_labels, validate_annotations


def image_pull_policy(image: str) -> str:
    """Always for :latest or untagged images, IfNotPresent otherwise (digests count as tagged)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def default_container(c: dict) -> None:
    if not isinstance(c, dict):
        return
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if "imagePullPolicy" not in c and isinstance(c.get("image"), str):
        c["imagePullPolicy"] = image_pull_policy(c["image"])
    for env in c.get("env") or []:
        ref = (env.get("valueFrom") or {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(ref, dict):
            ref.setdefault("apiVersion", "v1")
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = c.get(probe_name)
        if isinstance(probe, dict):
            probe.setdefault("timeoutSeconds", 1)
            probe.setdefault("periodSeconds", 10)
            probe.setdefault("successThreshold", 1)
            probe.setdefault("failureThreshold", 3)
            http = probe.get("httpGet")
            if isinstance(http, dict):
                http.setdefault("path", "/")
                http.setdefault("scheme", "HTTP")


def default_pod_spec(spec: dict) -> None:
    if not isinstance(spec, dict):
        return
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        default_container(c)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    if spec.get("serviceAccountName") and not spec.get("serviceAccount"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict):
            continue
        for src in ("configMap", "secret"):
            if isinstance(v.get(src), dict):
                v[src].setdefault("defaultMode", 420)
        if len(v) == 1 and "name" in v:
            v["emptyDir"] = {}


def validate_container(path: str, c: dict, names: set) -> list[Cause]:
    out: list[Cause] = []
    if not isinstance(c, dict):
        return [field_invalid(path, c, "must be an object")]
    name = c.get("name")
    if not name:
        out.append(field_required(f"{path}.name"))
    else:
        out += validate_dns_label(f"{path}.name", name)
        if name in names:
            out.append(field_duplicate(f"{path}.name", name))
        names.add(name)
    if not c.get("image"):
        out.append(field_required(f"{path}.image"))
    for i, p in enumerate(c.get("ports") or []):
        cp = p.get("containerPort") if isinstance(p, dict) else None
        if cp is None:
            out.append(field_required(f"{path}.ports[{i}].containerPort"))
        elif not isinstance(cp, int) or not 0 < cp < 65536:
            out.append(field_invalid(f"{path}.ports[{i}].containerPort", cp,
                                     "must be between 1 and 65535, inclusive"))
        proto = p.get("protocol") if isinstance(p, dict) else None
        if proto not in (None, "TCP", "UDP", "SCTP"):
            out.append(field_not_supported(f"{path}.ports[{i}].protocol", proto, ["SCTP", "TCP", "UDP"]))
    policy = c.get("imagePullPolicy")
    if policy not in (None, "Always", "IfNotPresent", "Never"):
        out.append(field_not_supported(f"{path}.imagePullPolicy", policy, ["Always", "IfNotPresent", "Never"]))
    return out


def validate_pod_spec(path: str, spec: dict | None, restart_policies=("Always", "OnFailure", "Never")) -> list[Cause]:
    out: list[Cause] = []
    if not isinstance(spec, dict):
        return [field_required(f"{path}.containers")]
    containers = spec.get("containers")
    if not containers:
        out.append(field_required(f"{path}.containers"))
    names: set = set()
    for i, c in enumerate(spec.get("initContainers") or []):
        out += validate_container(f"{path}.initContainers[{i}]", c, names)
    for i, c in enumerate(containers or []):
        out += validate_container(f"{path}.containers[{i}]", c, names)
    rp = spec.get("restartPolicy")
    if rp is not None and rp not in restart_policies:
        out.append(field_not_supported(f"{path}.restartPolicy", rp, list(restart_policies)))
    dns = spec.get("dnsPolicy")
    if dns is not None and dns not in ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"):
        out.append(field_not_supported(f"{path}.dnsPolicy", dns,
                                       ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]))
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        out.append(field_invalid(f"{path}.terminationGracePeriodSeconds", grace,
                                 "must be greater than or equal to 0"))
    return out


def validate_pod_template(path: str, template: dict | None, restart_policies=("Always",)) -> list[Cause]:
    if not isinstance(template, dict):
        return [field_required(f"{path}")]
    meta = template.get("metadata") or {}
    out = validate_labels(f"{path}.metadata.labels", meta.get("labels"))
    out += validate_annotations(f"{path}.metadata.annotations", meta.get("annotations"))
    out += validate_pod_spec(f"{path}.spec", template.get("spec"), restart_policies)
    return out
