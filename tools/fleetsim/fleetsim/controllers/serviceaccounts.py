"""The `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap of every namespace, as the
serviceaccount controller and the root-ca-cert-publisher of kube-controller-manager keep them."""
from __future__ import annotations

import base64
import logging

from ..errors import ApiError
from .base import Controller

COMPONENT = "serviceaccount-controller"
ROOT_CA = "kube-root-ca.crt"
ROOT_CA_DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
                       "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
                       "guaranteed across distributions of Kubernetes clusters.")

log = logging.getLogger("fleetsim.controllers")


class ServiceAccountsController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [ns["metadata"]["name"] for ns in self.items("namespaces")]

    def on_change(self, event_type, resource, obj, old):
        if resource == "namespaces" and event_type != "DELETED":
            self.queue.add(obj["metadata"]["name"])
        elif event_type == "DELETED" and obj["metadata"].get("namespace"):
            name = obj["metadata"]["name"]
            if (resource == "serviceaccounts" and name == "default") or (resource == "configmaps" and name == ROOT_CA):
                self.queue.add(obj["metadata"]["namespace"])

    def _ca_pem(self) -> str | None:
        try:
            data = getattr(self.cluster, "ca_data", None)
        except Exception:  # no TLS material in this process: publish nothing rather than fail
            log.debug("no cluster CA available for %s", ROOT_CA, exc_info=True)
            return None
        return base64.b64decode(data).decode() if data else None

    def sync(self, namespace):
        ns = self.lookup("namespaces", None, namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return None
        registry = self.api.registry
        if registry.find("serviceaccounts") is not None and self.lookup("serviceaccounts", namespace, "default") is None:
            self._create("serviceaccounts", namespace, {"apiVersion": "v1", "kind": "ServiceAccount",
                                                        "metadata": {"name": "default", "namespace": namespace}})
        if self.lookup("configmaps", namespace, ROOT_CA) is None:
            pem = self._ca_pem()
            if pem:
                self._create("configmaps", namespace, {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": ROOT_CA, "namespace": namespace,
                                 "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION}},
                    "data": {"ca.crt": pem}})
        return None

    def _create(self, resource: str, namespace: str, body: dict) -> None:
        try:
            self.api.create(resource, body, namespace=namespace)
        except ApiError as exc:
            if exc.code not in (403, 404, 409):  # namespace terminating/gone, or already there
                raise
