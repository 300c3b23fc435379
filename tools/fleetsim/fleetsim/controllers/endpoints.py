"""Endpoints controller (pkg/controller/endpoint/endpoints_controller.go).

For every Service with a selector: one Endpoints object of the same name listing the selected
pods that have an IP: ready ones in `addresses`, the others in `notReadyAddresses` (pods being
deleted are left out, as the real controller does), with targetRef, nodeName and the Service's
ports resolved against each pod (named targetPorts come from the container ports).
"""
from __future__ import annotations

import ipaddress

from ..clock import parse_time, format_time
from ..errors import ApiError
from . import podutil
from .base import Controller, deep, obj_key

COMPONENT = "endpoint-controller"
MANAGED_BY = "endpoints.kubernetes.io/managed-by"
LAST_CHANGE = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS = "service.kubernetes.io/headless"


def has_selector(svc: dict) -> bool:
    return bool((svc.get("spec") or {}).get("selector"))


def selected_pods(items, svc: dict) -> list[dict]:
    selector = (svc.get("spec") or {}).get("selector") or {}
    return [p for p in items if all(((p.get("metadata") or {}).get("labels") or {}).get(k) == v
                                    for k, v in selector.items())]


def should_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """endpointsliceutil.ShouldPodBeInEndpoints."""
    if podutil.phase(pod) in ("Succeeded", "Failed"):
        return False
    if not (pod.get("status") or {}).get("podIP"):
        return False
    if not include_terminating and podutil.is_terminating(pod):
        return False
    return True


def target_ref(pod: dict) -> dict:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}


def trigger_time(pods: list[dict], svc: dict) -> str:
    """The newest change that can move endpoints: a pod turning ready/unready or being created."""
    times = [parse_time(svc["metadata"].get("creationTimestamp"))]
    for p in pods:
        ready = podutil.condition(p, "Ready")
        times.append(parse_time((ready or {}).get("lastTransitionTime")) or parse_time(p["metadata"].get("creationTimestamp")))
        if podutil.is_terminating(p):
            times.append(parse_time(p["metadata"].get("deletionTimestamp")))
    return format_time(max(t for t in times if t is not None))


def _ip_key(address: dict):
    try:
        return (ipaddress.ip_address(address["ip"]), (address.get("targetRef") or {}).get("uid", ""))
    except ValueError:
        return (ipaddress.ip_address("0.0.0.0"), address["ip"])


def service_labels(svc: dict, extra: dict) -> dict:
    labels = dict((svc.get("metadata") or {}).get("labels") or {})
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS] = ""
    labels.update(extra)
    return labels


class EndpointsController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(s) for s in self.items("services")]

    def on_change(self, event_type, resource, obj, old):
        if resource == "services":
            self.queue.add(obj_key(obj))
        elif resource == "endpoints":
            self.queue.add(obj_key(obj))
        elif resource == "pods":
            ns = obj["metadata"].get("namespace") or ""
            labels = [(obj["metadata"].get("labels") or {})] + ([(old["metadata"].get("labels") or {})] if old else [])
            for svc in self.items("services", ns):
                selector = (svc.get("spec") or {}).get("selector")
                if selector and any(all(lbl.get(k) == v for k, v in selector.items()) for lbl in labels):
                    self.queue.add(obj_key(svc))

    def sync(self, key):
        ns, name = key
        svc = self.lookup("services", ns, name)
        current = self.lookup("endpoints", ns, name)
        if svc is None:
            # The Service is gone: its Endpoints go too (they carry no ownerReference).
            if current is not None and (current["metadata"].get("labels") or {}).get(MANAGED_BY) == COMPONENT:
                try:
                    self.api.delete("endpoints", ns, name)
                except ApiError as exc:
                    if exc.code != 404:
                        raise
            return None
        if not has_selector(svc) or svc["metadata"].get("deletionTimestamp"):
            return None
        publish_not_ready = bool(svc["spec"].get("publishNotReadyAddresses"))
        pods = selected_pods(self.items("pods", ns), svc)
        grouped: dict[tuple, dict] = {}
        for pod in pods:
            if not should_be_in_endpoints(pod, include_terminating=False):
                continue
            address = {"ip": pod["status"]["podIP"]}
            if pod["spec"].get("hostname") and pod["spec"].get("subdomain") == name:
                address["hostname"] = pod["spec"]["hostname"]
            if pod["spec"].get("nodeName"):
                address["nodeName"] = pod["spec"]["nodeName"]
            address["targetRef"] = target_ref(pod)
            ports = []
            for sp in svc["spec"].get("ports") or []:
                number = podutil.find_port(pod, sp.get("targetPort"), sp)
                if number is None:
                    continue
                port = {}
                if sp.get("name"):
                    port["name"] = sp["name"]
                port["port"] = number
                port["protocol"] = sp.get("protocol") or "TCP"
                if sp.get("appProtocol"):
                    port["appProtocol"] = sp["appProtocol"]
                ports.append(port)
            if not ports and (svc["spec"].get("ports") or svc["spec"].get("clusterIP") != "None"):
                continue
            group = grouped.setdefault(tuple(sorted((p.get("name", ""), p["port"], p["protocol"]) for p in ports)),
                                       {"addresses": [], "notReadyAddresses": [], "ports": ports})
            if publish_not_ready or podutil.is_ready(pod):
                group["addresses"].append(address)
            else:
                group["notReadyAddresses"].append(address)
        subsets = []
        for _, group in sorted(grouped.items()):
            subset = {}
            if group["addresses"]:
                subset["addresses"] = sorted(group["addresses"], key=_ip_key)
            if group["notReadyAddresses"]:
                subset["notReadyAddresses"] = sorted(group["notReadyAddresses"], key=_ip_key)
            if group["ports"]:
                subset["ports"] = group["ports"]
            subsets.append(subset)
        labels = service_labels(svc, {MANAGED_BY: COMPONENT})
        if current is not None:
            if (current.get("subsets") or []) == subsets and (current["metadata"].get("labels") or {}) == labels:
                return None
            updated = deep(current)
            updated["metadata"]["labels"] = labels
            updated["metadata"].setdefault("annotations", {})[LAST_CHANGE] = trigger_time(pods, svc)
            if subsets:
                updated["subsets"] = subsets
            else:
                updated.pop("subsets", None)
            self.api.update("endpoints", updated)
            return None
        body = {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": name, "namespace": ns, "labels": labels,
                             "annotations": {LAST_CHANGE: trigger_time(pods, svc)}}}
        if subsets:
            body["subsets"] = subsets
        try:
            self.api.create("endpoints", body, namespace=ns)
        except ApiError as exc:
            if exc.code != 409:
                raise
            self.queue.add(key)
        return None
