"""The service controller of the cloud-controller-manager: external addresses for LoadBalancer
Services, as GKE's control plane provides them.

A Service of type LoadBalancer gets the `service.kubernetes.io/load-balancer-cleanup` finalizer,
an address in `status.loadBalancer.ingress` and the EnsuringLoadBalancer / EnsuredLoadBalancer
events; when it is deleted or stops being a LoadBalancer the address is released
(DeletingLoadBalancer / DeletedLoadBalancer) and the finalizer removed. Addresses come from the
198.18.0.0/15 benchmarking range, one /24 per cluster, so they never reach a real network.
"""
from __future__ import annotations

import hashlib

from ..errors import ApiError
from .base import Controller, deep, obj_key

COMPONENT = "service-controller"
FINALIZER = "service.kubernetes.io/load-balancer-cleanup"


class ServiceLoadBalancerController(Controller):
    name = COMPONENT

    def __init__(self, cluster, recorder):
        super().__init__(cluster, recorder)
        digest = hashlib.sha256(str(getattr(cluster, "name", "")).encode()).digest()
        self._prefix = f"198.{18 + digest[0] % 2}.{digest[1]}"
        self._used: dict[str, tuple[str, str]] = {}   # ip -> service key

    def initial_keys(self):
        keys = []
        for svc in self.items("services"):
            for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                if ing.get("ip"):
                    self._used[ing["ip"]] = obj_key(svc)
            keys.append(obj_key(svc))
        return keys

    def on_change(self, event_type, resource, obj, old):
        if resource != "services":
            return
        if event_type == "DELETED":
            self._release(obj_key(obj))
            return
        wants = (obj.get("spec") or {}).get("type") == "LoadBalancer"
        had = FINALIZER in (obj["metadata"].get("finalizers") or [])
        if wants or had:
            self.queue.add(obj_key(obj))

    def _release(self, key) -> None:
        for ip in [ip for ip, owner in self._used.items() if owner == key]:
            del self._used[ip]

    def _allocate(self, key) -> str:
        for ip, owner in self._used.items():
            if owner == key:
                return ip
        for host in range(2, 255):
            ip = f"{self._prefix}.{host}"
            if ip not in self._used:
                self._used[ip] = key
                return ip
        raise RuntimeError(f"no load balancer address left in {self._prefix}.0/24")

    def sync(self, key):
        ns, name = key
        svc = self.lookup("services", ns, name)
        if svc is None:
            self._release(key)
            return None
        finalizers = svc["metadata"].get("finalizers") or []
        wants = svc["spec"].get("type") == "LoadBalancer" and not svc["metadata"].get("deletionTimestamp")
        if not wants:
            if FINALIZER in finalizers:
                self.recorder.event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer", component=COMPONENT)
                if not svc["metadata"].get("deletionTimestamp") and (svc.get("status") or {}).get("loadBalancer"):
                    cleared = deep(svc)
                    cleared["status"]["loadBalancer"] = {}
                    svc = self.api.update("services", cleared, subresource="status")
                self._release(key)
                updated = deep(svc)
                updated["metadata"]["finalizers"] = [f for f in finalizers if f != FINALIZER]
                self._update(updated)
                self.recorder.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer", component=COMPONENT)
            return None
        if FINALIZER not in finalizers:
            updated = deep(svc)
            updated["metadata"]["finalizers"] = finalizers + [FINALIZER]
            svc = self._update(updated)
            if svc is None:
                return None
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if ingress:
            return None
        self.recorder.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer", component=COMPONENT)
        updated = deep(svc)
        updated.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": self._allocate(key), "ipMode": "VIP"}]}
        self.api.update("services", updated, subresource="status")
        self.recorder.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer", component=COMPONENT)
        return None

    def _update(self, svc: dict) -> dict | None:
        try:
            return self.api.update("services", svc)
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise
