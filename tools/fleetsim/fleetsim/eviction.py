"""pods/eviction: delete a pod only when its PodDisruptionBudget allows it, as
pkg/registry/core/pod/storage/eviction.go does.

- A pod that is Pending, finished or already being deleted is deleted without looking at budgets.
- More than one matching budget: 500 "This pod has more than one PodDisruptionBudget, ...".
- A budget whose status is older than its spec (observedGeneration < generation) or that allows
  no disruption: 429 TooManyRequests with a DisruptionBudget cause (what `kubectl drain` retries on).
- Otherwise disruptionsAllowed is decremented and the pod recorded in status.disruptedPods (so the
  disruption controller does not count it healthy while it terminates), then the pod is deleted
  with the Eviction's deleteOptions. An unready pod is deleted without using up the budget when the
  budget is otherwise met (or with unhealthyPodEvictionPolicy AlwaysAllow).
- dryRun (query or deleteOptions.dryRun) checks everything and changes nothing.
"""
from __future__ import annotations

from . import errors
from .controllers import podutil
from .errors import ApiError
from .selectors import from_label_selector

PDB = "poddisruptionbudgets.policy"
TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."
# Evictions the controller has not yet seen go through (DisruptedPods map size, MaxDisruptedPodSize).
MAX_DISRUPTED = 2000


def _too_many(cause: str, retry_after: int = 0) -> ApiError:
    details: dict = {"causes": [{"reason": "DisruptionBudget", "message": cause}]}
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    return ApiError(429, "TooManyRequests", TOO_MANY, details)


def _can_ignore_pdb(pod: dict) -> bool:
    return podutil.phase(pod) in ("Succeeded", "Failed", "Pending") or podutil.is_terminating(pod)


def matching_budgets(api, pod: dict) -> list[dict]:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    out = []
    for pdb in api.store.items(PDB, pod["metadata"]["namespace"]):
        sel = (pdb.get("spec") or {}).get("selector")
        try:
            selector = from_label_selector(sel)
        except (ApiError, ValueError, KeyError):
            continue  # an invalid selector matches nothing
        # A nil or empty selector matches nothing here (unlike everywhere else).
        if not sel or selector.empty() or not selector.matches(labels):
            continue
        out.append(pdb)
    return out


def evict(api, eviction: dict, namespace: str, url_name: str | None, dry_run: bool) -> dict:
    av, kind = eviction.get("apiVersion"), eviction.get("kind")
    if kind and kind != "Eviction":
        raise errors.bad_request(f"the kind in the data ({kind}) does not match the expected kind (Eviction)")
    if av and av not in ("policy/v1", "policy/v1beta1"):
        raise errors.bad_request(f"the API version in the data ({av}) does not match the expected API version "
                                 f"(policy/v1)")
    name = (eviction.get("metadata") or {}).get("name") or ""
    if url_name is not None and name != url_name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = dict(eviction.get("deleteOptions") or {})
    body_dry = options.get("dryRun") or []
    dry_run = dry_run or bool(body_dry)
    preconditions = dict(options.get("preconditions") or {})

    def delete(pod_rv: str | None = None):
        pre = dict(preconditions)
        if pod_rv and not pre.get("resourceVersion"):
            pre["resourceVersion"] = pod_rv
        api.delete("pods", namespace, name, propagation_policy=options.get("propagationPolicy"),
                   preconditions=pre or None, dry_run=dry_run,
                   grace_period_seconds=options.get("gracePeriodSeconds"),
                   orphan_dependents=options.get("orphanDependents"))
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    pod = api.get("pods", namespace, name)
    if _can_ignore_pdb(pod):
        # Terminal or not yet running: its disruption already happened (or never will).
        finished = podutil.phase(pod) in ("Succeeded", "Failed") or podutil.is_terminating(pod)
        return delete(None if finished else pod["metadata"]["resourceVersion"])
    budgets = matching_budgets(api, pod)
    if len(budgets) > 1:
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource "
                           "does not support.", "code": 500}
    if not budgets:
        return delete()
    pdb = budgets[0]
    status = pdb.get("status") or {}
    spec = pdb.get("spec") or {}
    unhealthy_ok = spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow"
    if not podutil.is_ready(pod) and (unhealthy_ok or (status.get("currentHealthy", 0) >=
                                                       status.get("desiredHealthy", 0) > 0)):
        # An unready pod does not count as healthy: evicting it costs the budget nothing, as long
        # as it has not become ready in the meantime (the resourceVersion precondition).
        try:
            return delete(pod["metadata"]["resourceVersion"])
        except ApiError as exc:
            if exc.code == 409 and not preconditions.get("resourceVersion"):
                raise _too_many(f"The disruption budget {pdb['metadata']['name']} is still being processed by "
                                f"the server.", 10)
            raise
    _check_and_decrement(api, pdb, name, dry_run)
    return delete()


def _check_and_decrement(api, pdb: dict, pod_name: str, dry_run: bool) -> None:
    name = pdb["metadata"]["name"]
    status = dict(pdb.get("status") or {})
    if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
        raise _too_many(f"The disruption budget {name} is still being processed by the server.", 10)
    allowed = status.get("disruptionsAllowed", 0)
    if allowed < 0:
        raise errors.forbidden(api.resource(PDB), name, "pdb disruptions allowed is negative")
    if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED:
        raise errors.forbidden(api.resource(PDB), name, "DisruptedPods map too big - too many evictions not "
                                                        "confirmed by PDB controller")
    if allowed == 0:
        raise _too_many(f"The disruption budget {name} needs {status.get('desiredHealthy', 0)} healthy pods and "
                        f"has {status.get('currentHealthy', 0)} currently")
    status["disruptionsAllowed"] = allowed - 1
    if status["disruptionsAllowed"] == 0:
        from .controllers.disruption import set_disruption_allowed_condition
        set_disruption_allowed_condition(status, api.now_str())
    if dry_run:
        return
    disrupted = dict(status.get("disruptedPods") or {})
    disrupted[pod_name] = api.now_str()
    status["disruptedPods"] = disrupted
    updated = dict(pdb)
    updated["status"] = status
    # The eviction handler writes as the API server itself (a loopback client).
    api.update(PDB, updated, subresource="status", field_manager="kube-apiserver")
