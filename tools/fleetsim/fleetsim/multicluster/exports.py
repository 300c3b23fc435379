"""Multi-Cluster Services API: ServiceExport conditions and ServiceImports (multicluster.x-k8s.io).

For one (environment, namespace, name):

- every ServiceExport gets the conditions of the KEP-1645 implementations:
  ``Valid`` (False, reason ``NoService``, when the Service of the same name does not exist in that
  cluster; ``ServiceTypeNotSupported`` for an ExternalName Service), ``Ready`` (True, reason
  ``Exported``, once valid and imported elsewhere; ``Pending`` otherwise) and ``Conflict`` (True,
  ``TypeConflict`` / ``PortConflict``, when the exporting clusters disagree on type or ports);
- every other member cluster of the environment (one where the namespace exists) gets the
  ServiceImport of the same name: ``spec.type`` ``ClusterSetIP`` (with ``spec.ips``) or
  ``Headless``, ``spec.ports`` and ``sessionAffinity`` from the exported Service,
  ``status.clusters`` naming the exporting clusters. It goes away with the last export.
"""
from __future__ import annotations

from . import names
from .objects import MANAGER, condition, lookup, namespace_exists, set_status

EXPORTS = "serviceexports.multicluster.x-k8s.io"
IMPORTS = "serviceimports.multicluster.x-k8s.io"
API_VERSION = "multicluster.x-k8s.io/v1alpha1"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "fleetsim-mcs-controller"


def _service_facts(service: dict) -> tuple[str, list[dict]]:
    spec = service.get("spec") or {}
    kind = "Headless" if spec.get("clusterIP") == "None" else "ClusterSetIP"
    ports = [{k: port[k] for k in ("name", "protocol", "port", "appProtocol") if k in port}
             for port in spec.get("ports") or []]
    return kind, ports


def reconcile(ctl, env, namespace: str, name: str) -> None:
    exports = {}  # cluster -> (export, service or None)
    for member in env.members:
        api = ctl.api(member.name)
        export = lookup(api, EXPORTS, namespace, name)
        if export is not None and not export["metadata"].get("deletionTimestamp"):
            exports[member.name] = (export, lookup(api, "services", namespace, name))
    valid = {cluster: service for cluster, (_, service) in exports.items()
             if service is not None and (service.get("spec") or {}).get("type") != "ExternalName"}
    facts = {cluster: _service_facts(service) for cluster, service in valid.items()}
    kinds = {kind for kind, _ in facts.values()}
    port_sets = {repr(sorted((p.get("port"), p.get("protocol", "TCP")) for p in ports))
                 for _, ports in facts.values()}
    conflict = ("TypeConflict", "exporting clusters disagree on the Service type: "
                + ", ".join(f"{c}={k}" for c, (k, _) in sorted(facts.items()))) if len(kinds) > 1 else \
        ("PortConflict", "exporting clusters disagree on the Service ports") if len(port_sets) > 1 else None

    importers = []
    for member in env.members:
        sources = sorted(cluster for cluster in valid if cluster != member.name)
        api = ctl.api(member.name)
        existing = lookup(api, IMPORTS, namespace, name)
        if sources and namespace_exists(api, namespace):
            _ensure_import(api, existing, env, namespace, name, facts[sources[0]], sources)
            importers.append(member.name)
        elif existing is not None and \
                (existing["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY) == MANAGED_BY:
            api.delete(IMPORTS, namespace, name)

    for cluster, (export, service) in exports.items():
        api = ctl.api(cluster)
        now = api.now_str()
        generation = export["metadata"].get("generation")
        if service is None:
            valid_cond = condition("Valid", False, "NoService",
                                   f'Service {namespace}/{name} not found in cluster {cluster}: create it '
                                   f"or delete this ServiceExport", now, generation)
        elif cluster not in valid:
            valid_cond = condition("Valid", False, "ServiceTypeNotSupported",
                                   "ExternalName Services cannot be exported", now, generation)
        else:
            valid_cond = condition("Valid", True, "Valid", "the Service can be exported", now, generation)
        others = [c for c in importers if c != cluster]
        if cluster in valid:
            ready = condition("Ready", True, "Exported",
                              f"imported in {len(others)} other cluster(s)" if others else
                              "exported; no other cluster of the environment has the namespace",
                              now, generation)
        else:
            ready = condition("Ready", False, "Pending", valid_cond["message"], now, generation)
        if conflict and cluster in valid:
            conflict_cond = condition("Conflict", True, conflict[0], conflict[1], now, generation)
        else:
            conflict_cond = condition("Conflict", False, "NoConflicts", "no conflict", now, generation)
        set_status(api, EXPORTS, export, {"conditions": [valid_cond, ready, conflict_cond]})


def _ensure_import(api, existing, env, namespace: str, name: str, facts, sources) -> None:
    kind, ports = facts
    spec = {"type": kind, "ports": ports, "sessionAffinity": "None"}
    if kind == "ClusterSetIP":
        spec["ips"] = [names.clusterset_ip(f"{env.set}-{env.environment}", namespace, name)]
    if existing is None:
        existing = api.create(IMPORTS, {
            "apiVersion": API_VERSION, "kind": "ServiceImport",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {LABEL_MANAGED_BY: MANAGED_BY}},
            "spec": spec}, field_manager=MANAGER)
    elif existing.get("spec") != spec:
        existing["spec"] = spec
        existing = api.update(IMPORTS, existing, field_manager=MANAGER)
    set_status(api, IMPORTS, existing, {"clusters": [{"cluster": c} for c in sources]})
