"""EndpointSlice controller (pkg/controller/endpointslice and staging/.../endpointslice/reconciler.go).

For every Service with a selector: EndpointSlices (generateName `<service>-`, owned by the
Service, labels kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by) holding
the selected pods with an IP, with conditions ready / serving / terminating, targetRef, nodeName
and zone, grouped by resolved port set, at most 100 endpoints a slice. A Service without
endpoints keeps one empty placeholder slice, as the real controller does.
"""
from __future__ import annotations

from ..errors import ApiError
from . import podutil
from .base import Controller, controller_ref, deep, obj_key, owner_reference
from .endpoints import _ip_key, has_selector, selected_pods, service_labels, should_be_in_endpoints, \
    target_ref, trigger_time, LAST_CHANGE

COMPONENT = "endpointslice-controller"
SLICES = "endpointslices.discovery.k8s.io"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
MAX_ENDPOINTS = 100


class EndpointSliceController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(s) for s in self.items("services")]

    def on_change(self, event_type, resource, obj, old):
        if resource == "services":
            self.queue.add(obj_key(obj))
        elif resource == SLICES:
            svc = (obj["metadata"].get("labels") or {}).get(SERVICE_NAME)
            if svc and (obj["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME:
                self.queue.add((obj["metadata"].get("namespace") or "", svc))
        elif resource == "pods":
            ns = obj["metadata"].get("namespace") or ""
            labels = [(obj["metadata"].get("labels") or {})] + ([(old["metadata"].get("labels") or {})] if old else [])
            for svc in self.items("services", ns):
                selector = (svc.get("spec") or {}).get("selector")
                if selector and any(all(lbl.get(k) == v for k, v in selector.items()) for lbl in labels):
                    self.queue.add(obj_key(svc))
        elif resource == "nodes" and old is not None:
            if (obj["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone") != \
                    (old["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone"):
                for svc in self.items("services"):
                    self.queue.add(obj_key(svc))

    def _zone(self, node_name: str | None) -> str | None:
        if not node_name:
            return None
        node = self.lookup("nodes", None, node_name)
        return ((node or {}).get("metadata") or {}).get("labels", {}).get("topology.kubernetes.io/zone")

    def sync(self, key):
        ns, name = key
        svc = self.lookup("services", ns, name)
        existing = [s for s in self.items(SLICES, ns)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
                    and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME]
        if svc is None or not has_selector(svc) or svc["metadata"].get("deletionTimestamp"):
            # Owned slices of a deleted Service go with the garbage collector; a Service that
            # lost its selector stops being managed here.
            if svc is not None and not has_selector(svc):
                for s in existing:
                    if (controller_ref(s) or {}).get("uid") == svc["metadata"]["uid"]:
                        self._delete(s)
            return None
        existing = [s for s in existing if (controller_ref(s) or {}).get("uid") == svc["metadata"]["uid"]]
        address_type = "IPv6" if (svc["spec"].get("ipFamilies") or ["IPv4"])[0] == "IPv6" else "IPv4"
        publish_not_ready = bool(svc["spec"].get("publishNotReadyAddresses"))
        pods = selected_pods(self.items("pods", ns), svc)
        groups: dict[tuple, dict] = {}
        for pod in pods:
            if not should_be_in_endpoints(pod, include_terminating=True):
                continue
            ports = []
            for sp in svc["spec"].get("ports") or []:
                number = podutil.find_port(pod, sp.get("targetPort"), sp)
                if number is None:
                    continue
                port = {"name": sp.get("name", ""), "protocol": sp.get("protocol") or "TCP", "port": number}
                if sp.get("appProtocol"):
                    port["appProtocol"] = sp["appProtocol"]
                ports.append(port)
            terminating = podutil.is_terminating(pod)
            ready = podutil.is_ready(pod)
            endpoint = {
                "addresses": [pod["status"]["podIP"]],
                "conditions": {"ready": publish_not_ready or (ready and not terminating),
                               "serving": publish_not_ready or ready, "terminating": terminating},
            }
            if pod["spec"].get("hostname") and pod["spec"].get("subdomain") == name:
                endpoint["hostname"] = pod["spec"]["hostname"]
            endpoint["targetRef"] = target_ref(pod)
            if pod["spec"].get("nodeName"):
                endpoint["nodeName"] = pod["spec"]["nodeName"]
                zone = self._zone(pod["spec"]["nodeName"])
                if zone:
                    endpoint["zone"] = zone
            gkey = tuple((p["name"], p["protocol"], p["port"]) for p in ports)
            groups.setdefault(gkey, {"ports": ports, "endpoints": []})["endpoints"].append(endpoint)
        desired = []
        for _, group in sorted(groups.items()):
            eps = sorted(group["endpoints"], key=lambda e: _ip_key({"ip": e["addresses"][0],
                                                                    "targetRef": e.get("targetRef")}))
            for i in range(0, len(eps), MAX_ENDPOINTS):
                desired.append({"ports": group["ports"], "endpoints": eps[i:i + MAX_ENDPOINTS]})
        if not desired:
            desired = [{"ports": None, "endpoints": None}]  # the placeholder slice
        labels = service_labels(svc, {MANAGED_BY: CONTROLLER_NAME, SERVICE_NAME: name})
        labels.pop("endpoints.kubernetes.io/managed-by", None)
        stamp = trigger_time(pods, svc)
        # Reuse slices with the same ports first, then any other, then create.
        pool = sorted(existing, key=lambda s: s["metadata"]["name"])
        plan = []
        for want in desired:
            match = next((s for s in pool if s.get("ports") == want["ports"]), None)
            if match is not None:
                pool.remove(match)
            plan.append((want, match))
        for i, (want, match) in enumerate(plan):
            if match is None and pool:
                plan[i] = (want, pool.pop(0))
        for want, current in plan:
            if current is None:
                body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                        "metadata": {"generateName": f"{name}-", "namespace": ns, "labels": labels,
                                     "annotations": {LAST_CHANGE: stamp},
                                     "ownerReferences": [owner_reference(svc)]},
                        "addressType": address_type, "endpoints": want["endpoints"], "ports": want["ports"]}
                self.api.create(SLICES, body, namespace=ns)
                continue
            if (current.get("endpoints") == want["endpoints"] and current.get("ports") == want["ports"]
                    and (current["metadata"].get("labels") or {}) == labels
                    and current.get("addressType") == address_type):
                continue
            updated = deep(current)
            updated["metadata"]["labels"] = labels
            updated["metadata"].setdefault("annotations", {})[LAST_CHANGE] = stamp
            updated["endpoints"] = want["endpoints"]
            updated["ports"] = want["ports"]
            self.api.update(SLICES, updated)
        for leftover in pool:
            self._delete(leftover)
        return None

    def _delete(self, slice_obj: dict) -> None:
        try:
            self.api.delete(SLICES, slice_obj["metadata"]["namespace"], slice_obj["metadata"]["name"])
        except ApiError as exc:
            if exc.code != 404:
                raise
