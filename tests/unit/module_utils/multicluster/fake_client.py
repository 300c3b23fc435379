"""An in-memory K8sClient stand-in for the multi-cluster module_utils and modules (no HTTP).

get / create / replace / delete with the real API's semantics the code relies on: None for a
missing object, AlreadyExists on create, 409 on a stale resourceVersion, a resourceVersion bump and
generation bump on spec changes.
"""

import copy
import itertools

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
    K8sNotFoundError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import update_with_conflict_retry


class FakeClient:
    context = "fake-config"

    def __init__(self, *objects):
        self.objects = {}
        self.writes = []
        self._rv = itertools.count(1)
        for obj in objects:
            self.create(obj)
        self.writes = []

    @staticmethod
    def key(api_version, kind, namespace, name):
        return (api_version, kind, namespace, name)

    def _key_of(self, obj):
        meta = obj["metadata"]
        return self.key(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])

    def get(self, api_version, kind, namespace, name):
        obj = self.objects.get(self.key(api_version, kind, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def create(self, obj, dry_run=False, field_manager=None):
        key = self._key_of(obj)
        if key in self.objects:
            raise K8sAlreadyExistsError("%s exists" % (key,), 409, "AlreadyExists")
        stored = copy.deepcopy(obj)
        stored["metadata"].update({"resourceVersion": str(next(self._rv)), "generation": 1, "uid": "uid-%s" % key[3]})
        self.objects[key] = stored
        self.writes.append(("create", key))
        return copy.deepcopy(stored)

    def update(self, api_version, kind, namespace, name, mutate):
        """K8sClient.update: read, mutate, replace with the resourceVersion read (re-read on a conflict)."""
        return update_with_conflict_retry(self, api_version, kind, namespace, name, mutate, sleep=lambda s: None)

    def replace(self, obj, dry_run=False, field_manager=None):
        key = self._key_of(obj)
        current = self.objects.get(key)
        if current is None:
            raise K8sNotFoundError("%s not found" % (key,), 404, "NotFound")
        if obj["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise K8sConflictError("%s changed" % (key,), 409, "Conflict")
        stored = copy.deepcopy(obj)
        stored["status"] = copy.deepcopy(current.get("status"))
        if stored["status"] is None:
            del stored["status"]
        generation = current["metadata"]["generation"] + (1 if obj.get("spec") != current.get("spec") else 0)
        stored["metadata"].update({"resourceVersion": str(next(self._rv)), "generation": generation})
        self.objects[key] = stored
        self.writes.append(("replace", key))
        return copy.deepcopy(stored)

    def delete(self, api_version, kind, namespace, name, propagation_policy="Background", dry_run=False):
        key = self.key(api_version, kind, namespace, name)
        self.writes.append(("delete", key))
        return self.objects.pop(key, None)

    def set_status(self, api_version, kind, namespace, name, status):
        self.objects[self.key(api_version, kind, namespace, name)]["status"] = copy.deepcopy(status)


def mcs(name="web", namespace="shop", ports=None, clusters=None):
    spec = {"template": {"spec": {"selector": {"app": name},
                                  "ports": ports or [{"name": "http", "protocol": "TCP", "port": 8080,
                                                      "targetPort": 8080}]}}}
    if clusters is not None:
        spec["clusters"] = [{"link": link} for link in clusters]
    return {"apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def memberships(*links):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "fleet-memberships", "namespace": "kube-public"},
            "data": dict((link.split("/")[1], link.split("/")[0]) for link in links)}
