"""MultiClusterService: derived headless Services in the selected member clusters.

For an MCS ``<ns>/<name>`` on the config cluster, every selected member cluster (``spec.clusters``
links, or every member of the environment when absent) gets the headless Service
``mci-<name>-svc-<hash>`` with the template's selector and ports. Each member's own endpoints
controllers then keep its Endpoints / EndpointSlices on the ready pods there, as on GKE. Removing
a link deletes that cluster's derived Service: the MultiClusterIngress stops sending it traffic.

Derived Services carry the label ``networking.gke.io/multiclusterservice=<name>`` (how to find
them) and ``fleetsim.io/requests-per-second: "0"``: their users reach them through the MCI, whose
simulated traffic the multi-cluster controller sends itself.

Status written on the MCS (the simulation's rendering; GKE shows no documented status here)::

    status:
      observedGeneration: 2
      clusters:          # where a derived Service exists
      - {link: us-east1/app-dev-us-east1, cluster: app-dev-us-east1, derivedService: mci-web-svc-...}
      conditions:
      - {type: Synced, status: "True", reason: Synced, message: ..., observedGeneration: 2}

``Synced=False`` names the problem: ``UnknownCluster`` (a link that is not a member of the
fleet), ``NamespaceNotFound`` (the namespace is missing in a selected cluster: create it there,
GKE assumes namespace sameness) or ``InvalidTemplate`` (the member's API server rejected the
derived Service).
"""
from __future__ import annotations

import dataclasses

from ..errors import ApiError
from ..traffic import RATE_ANNOTATION
from . import names
from .objects import MANAGER, condition, lookup, namespace_exists, set_status, spec_hash, template_spec

RESOURCE = "multiclusterservices.networking.gke.io"
LABEL_MCS = "networking.gke.io/multiclusterservice"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "multicluster-ingress-controller"
ANNOTATION_CONFIG_CLUSTER = "networking.gke.io/config-cluster"
ANNOTATION_MCS_UID = "networking.gke.io/mcs-uid"
ANNOTATION_SPEC_HASH = "networking.gke.io/mcs-template-hash"


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where an MCS has a derived Service: the traffic of an MCI follows this."""
    cluster: str
    link: str
    service: str


def selected_members(env, mcs: dict) -> tuple[list, list[tuple[str, str]]]:
    """(members, problems) for the MCS's ``spec.clusters``; absent means every member."""
    entries = (mcs.get("spec") or {}).get("clusters")
    if entries is None:
        return list(env.members), []
    members, problems = [], []
    known = ", ".join(m.link for m in env.members)
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        link = entry.get("link") if isinstance(entry, dict) else None
        member = env.member_by_link(link) if isinstance(link, str) else None
        if member is None:
            problems.append(("UnknownCluster", f'spec.clusters[{index}].link "{link}" is not a member '
                                               f"cluster of this fleet; members: {known}"))
        elif member not in members:
            members.append(member)
    if not isinstance(entries, list):
        problems.append(("UnknownCluster", "spec.clusters must be a list of {link: <region>/<cluster>}"))
    return members, problems


def derived_service(env, mcs: dict, name: str) -> dict:
    meta = mcs["metadata"]
    template = template_spec(mcs)
    selector = template.get("selector")
    ports = template.get("ports")
    # Whatever the template holds goes to the member's API server, which validates it like any
    # Service (a rejection is reported as InvalidTemplate); only the shape is made safe here.
    spec = {"clusterIP": "None", "type": "ClusterIP",
            "selector": dict(selector) if isinstance(selector, dict) else {},
            "ports": [{k: v for k, v in port.items() if k != "nodePort"}
                      for port in (ports if isinstance(ports, list) else []) if isinstance(port, dict)]}
    if not spec["selector"]:
        del spec["selector"]
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {
            "name": name, "namespace": meta["namespace"],
            "labels": {LABEL_MCS: meta["name"], LABEL_MANAGED_BY: MANAGED_BY},
            "annotations": {ANNOTATION_CONFIG_CLUSTER: env.config, ANNOTATION_MCS_UID: meta["uid"],
                            ANNOTATION_SPEC_HASH: spec_hash(spec), RATE_ANNOTATION: "0"},
        },
        "spec": spec,
    }


def reconcile(ctl, env, namespace: str, name: str) -> list[Placement]:
    """Make the derived Services match the MCS; returns where they exist now."""
    config_api = ctl.api(env.config)
    mcs = lookup(config_api, RESOURCE, namespace, name)
    if mcs is not None and mcs["metadata"].get("deletionTimestamp"):
        mcs = None
    derived_name = names.derived_service_name(env.config, namespace, name)
    members, problems = selected_members(env, mcs) if mcs is not None else ([], [])
    placements: list[Placement] = []
    for member in env.members:
        api = ctl.api(member.name)
        existing = lookup(api, "services", namespace, derived_name)
        if member not in members:
            if existing is not None and _ours(existing, name):
                api.delete("services", namespace, derived_name)
            continue
        if not namespace_exists(api, namespace):
            problems.append(("NamespaceNotFound", f'namespace "{namespace}" does not exist in cluster '
                                                  f"{member.name}; create it there"))
            continue
        desired = derived_service(env, mcs, derived_name)
        try:
            _apply(api, existing, desired)
        except ApiError as exc:
            problems.append(("InvalidTemplate", f"cluster {member.name} rejected the derived Service: "
                                                f"{exc.message}"))
            continue
        placements.append(Placement(member.name, member.link, derived_name))
    if mcs is not None:
        _write_status(config_api, mcs, placements, problems)
    return placements


def _ours(service: dict, mcs_name: str) -> bool:
    return (service["metadata"].get("labels") or {}).get(LABEL_MCS) == mcs_name


def _apply(api, existing: dict | None, desired: dict) -> None:
    if existing is None:
        api.create("services", desired, field_manager=MANAGER)
        return
    meta = existing["metadata"]
    wanted = desired["metadata"]
    if (meta.get("annotations") or {}).get(ANNOTATION_SPEC_HASH) == wanted["annotations"][ANNOTATION_SPEC_HASH] \
            and (meta.get("labels") or {}).get(LABEL_MCS) == wanted["labels"][LABEL_MCS]:
        return
    updated = dict(existing)
    updated["metadata"] = {**meta, "labels": {**(meta.get("labels") or {}), **wanted["labels"]},
                           "annotations": {**(meta.get("annotations") or {}), **wanted["annotations"]}}
    spec = dict(existing.get("spec") or {})
    spec.pop("selector", None)
    spec["ports"] = desired["spec"]["ports"]
    if "selector" in desired["spec"]:
        spec["selector"] = desired["spec"]["selector"]
    updated["spec"] = spec
    api.update("services", updated, field_manager=MANAGER)


def _write_status(api, mcs: dict, placements: list[Placement], problems) -> None:
    generation = mcs["metadata"].get("generation")
    if problems:
        reason = problems[0][0]
        message = "; ".join(text for _, text in problems)
    else:
        reason = "Synced"
        message = f"derived Services in {len(placements)} cluster(s)"
    status = {
        "observedGeneration": generation,
        "clusters": [{"link": p.link, "cluster": p.cluster, "derivedService": p.service}
                     for p in placements],
        "conditions": [condition("Synced", not problems, reason, message, api.now_str(), generation)],
    }
    set_status(api, RESOURCE, mcs, status)
