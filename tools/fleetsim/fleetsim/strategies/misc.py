"""Smaller kinds: Lease, EndpointSlice, PodDisruptionBudget, Ingress, Job/CronJob, HPA, RBAC."""
from __future__ import annotations

from ..errors import field_invalid, field_not_supported, field_required
from . import register
from .base import Strategy, validate_nonneg


class LeaseStrategy(Strategy):
    allow_create_on_update = True


class EndpointSliceStrategy(Strategy):
    has_generation = True

    def default(self, obj, ctx):
        for port in obj.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")

    def validate(self, obj, ctx):
        out = []
        at = obj.get("addressType")
        if at is None:
            out.append(field_required("addressType"))
        elif at not in ("IPv4", "IPv6", "FQDN"):
            out.append(field_not_supported("addressType", at, ["FQDN", "IPv4", "IPv6"]))
        for i, ep in enumerate(obj.get("endpoints") or []):
            if not (ep or {}).get("addresses"):
                out.append(field_required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
        return out

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        if new.get("addressType") != old.get("addressType"):
            out.append(field_invalid("addressType", new.get("addressType"), "field is immutable"))
        return out


class GenerationStrategy(Strategy):
    """Kinds whose spec changes bump metadata.generation and that keep status separately."""
    has_generation = True

    def prepare_for_create(self, obj, ctx):
        if "status" in obj:
            obj["status"] = {}


class PodDisruptionBudgetStrategy(GenerationStrategy):
    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        if "minAvailable" in spec and "maxUnavailable" in spec:
            return [field_invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set")]
        return []


class IngressStrategy(GenerationStrategy):
    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"loadBalancer": {}}

    def validate(self, obj, ctx):
        out = []
        for i, rule in enumerate((obj.get("spec") or {}).get("rules") or []):
            for j, path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
                pt = (path or {}).get("pathType")
                if pt is None:
                    out.append(field_required(f"spec.rules[{i}].http.paths[{j}].pathType",
                                              "pathType must be specified"))
                elif pt not in ("Exact", "Prefix", "ImplementationSpecific"):
                    out.append(field_not_supported(f"spec.rules[{i}].http.paths[{j}].pathType", pt,
                                                   ["Exact", "ImplementationSpecific", "Prefix"]))
        return out


def default_job_spec(spec: dict) -> None:
    """SetDefaults_Job: completions and parallelism 1 when neither is set; a parallelism without
    completions is a work queue (completions stays unset)."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    from .pods import default_pod_spec
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])


class JobStrategy(GenerationStrategy):
    def prepare_for_create(self, obj, ctx):
        """generateSelector: the Job's own uid selects its pods (unless spec.manualSelector)."""
        spec = obj.setdefault("spec", {})
        meta = obj["metadata"]
        if not spec.get("manualSelector"):
            import uuid
            uid = meta.setdefault("uid", str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)))
            labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
            for key, value in (("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name",
                                                                             meta.get("name", "")),
                               ("controller-uid", uid), ("job-name", meta.get("name", ""))):
                labels.setdefault(key, value)
            spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        obj["status"] = {}

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        default_job_spec(spec)

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = validate_nonneg("spec.parallelism", spec.get("parallelism"))
        out += validate_nonneg("spec.backoffLimit", spec.get("backoffLimit"))
        template = spec.get("template")
        if not isinstance(template, dict):
            out.append(field_required("spec.template"))
        else:
            from .pods import validate_pod_template
            out += validate_pod_template("spec.template", template, ("OnFailure", "Never"))
        return out


class CronJobStrategy(GenerationStrategy):
    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        if isinstance(job_spec, dict):
            default_job_spec(job_spec)

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {}

    def validate(self, obj, ctx):
        from ..controllers.cronjob import parse_schedule
        spec = obj.get("spec") or {}
        out = []
        schedule = spec.get("schedule")
        if not schedule:
            out.append(field_required("spec.schedule"))
        else:
            try:
                parse_schedule(schedule)
            except ValueError as exc:
                out.append(field_invalid("spec.schedule", schedule, str(exc)))
        if spec.get("concurrencyPolicy") not in ("Allow", "Forbid", "Replace"):
            out.append(field_not_supported("spec.concurrencyPolicy", spec.get("concurrencyPolicy"),
                                           ["Allow", "Forbid", "Replace"]))
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
        if not isinstance(template, dict):
            out.append(field_required("spec.jobTemplate.spec.template"))
        else:
            from .pods import validate_pod_template
            out += validate_pod_template("spec.jobTemplate.spec.template", template, ("OnFailure", "Never"))
        return out


register("leases.coordination.k8s.io", LeaseStrategy())
register("endpointslices.discovery.k8s.io", EndpointSliceStrategy())
register("poddisruptionbudgets.policy", PodDisruptionBudgetStrategy())
register("ingresses.networking.k8s.io", IngressStrategy())
register("networkpolicies.networking.k8s.io", GenerationStrategy())
register("jobs.batch", JobStrategy())
register("cronjobs.batch", CronJobStrategy())
register("horizontalpodautoscalers.autoscaling", GenerationStrategy())
register("controllerrevisions.apps", Strategy())
register("priorityclasses.scheduling.k8s.io", Strategy())
register("ingressclasses.networking.k8s.io", GenerationStrategy())


class _PathNamed(Strategy):
    name_rule = "path"


for _name in ("roles", "rolebindings", "clusterroles", "clusterrolebindings"):
    register(f"{_name}.rbac.authorization.k8s.io", _PathNamed())
