"""An in-memory stand-in for K8sClient, for unit tests of the release domain (no HTTP, no threads).

Deployments "roll out" instantly: their status follows spec.replicas, unless the pod template carries
one of the misbehaviour annotations below, in which case no pod becomes Ready and the pods report the
kubelet's reason. It implements only what the release domain calls, with the real API's semantics
(AlreadyExists on create, 409 on a stale resourceVersion, merge patch with null deleting a key).
"""

import copy
import itertools

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import RetryPolicy, update_with_conflict_retry

CRASH = "test/crash-loop"
IMAGE_PULL = "test/image-pull-error"
REVIEW_KINDS = ("SelfSubjectRulesReview", "SelfSubjectAccessReview", "SelfSubjectReview")


def merge_patch(target, patch):
    out = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def matches(labels, selector):
    if not selector:
        return True
    for term in selector.split(","):
        if term.startswith("!"):
            if term[1:] in (labels or {}):
                return False
            continue
        key, _sep, value = term.partition("=")
        if (labels or {}).get(key) != value:
            return False
    return True


class FakeCluster:
    context = "fake"

    def __init__(self):
        self.objects = {}
        self.rv = itertools.count(1)
        self.calls = []
        self.conflicts = {}  # verb -> number of upcoming calls answered 409 Conflict
        self.denied = set()  # (group, resource, verb) the credentials may not do
        self.username = "release-bot"
        # K8sClient's own retry policy (no waiting): injected conflicts meet the same rules as real ones.
        self.retry = RetryPolicy(sleep=lambda seconds: None)

    # -- helpers for tests ---------------------------------------------------------------------

    def add(self, obj):
        return self.create(copy.deepcopy(obj))

    def obj(self, kind, name, namespace="default"):
        return copy.deepcopy(self.objects.get((kind, namespace, name)))

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "replace", "patch", "delete")]

    def _maybe_conflict(self, verb):
        if self.conflicts.get(verb):
            self.conflicts[verb] -= 1
            raise K8sConflictError("injected 409 Conflict", 409, "Conflict")

    def _send(self, verb, call, fn, body=None):
        """fn() under the client's retry policy, an injected conflict first when one is due."""
        def attempt():
            self._maybe_conflict(call)
            return fn()
        return self.retry.run(verb, attempt, body=body)

    def _store(self, obj):
        meta = obj["metadata"]
        meta["resourceVersion"] = str(next(self.rv))
        if obj["kind"] == "Deployment":
            self._roll_out(obj)
        self.objects[(obj["kind"], meta.get("namespace"), meta["name"])] = obj
        return copy.deepcopy(obj)

    def _roll_out(self, dep):
        meta = dep["metadata"]
        old = self.objects.get(("Deployment", meta.get("namespace"), meta["name"]))
        generation = (old or {}).get("metadata", {}).get("generation", 0)
        if old is None or old.get("spec") != dep.get("spec"):
            generation += 1
        meta["generation"] = generation
        replicas = dep["spec"].get("replicas", 1)
        annotations = (dep["spec"]["template"].get("metadata") or {}).get("annotations") or {}
        broken = CRASH in annotations or IMAGE_PULL in annotations
        ready = 0 if broken else replicas
        dep["status"] = {"observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
                         "readyReplicas": ready, "availableReplicas": ready}

    def _pods_for(self, dep):
        annotations = (dep["spec"]["template"].get("metadata") or {}).get("annotations") or {}
        pods = []
        for i in range(dep["spec"].get("replicas", 1)):
            ready = CRASH not in annotations and IMAGE_PULL not in annotations
            status = {"phase": "Running" if ready else "Pending",
                      "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
            if CRASH in annotations:
                status["containerStatuses"] = [{
                    "name": "web", "ready": False, "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff",
                                          "message": "back-off 40s restarting failed container=web"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]
            if IMAGE_PULL in annotations:
                status["containerStatuses"] = [{
                    "name": "web", "ready": False, "restartCount": 0,
                    "state": {"waiting": {"reason": "ImagePullBackOff",
                                          "message": 'Back-off pulling image "web:broken"'}}}]
            pods.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": "%s-%d" % (dep["metadata"]["name"], i),
                                      "namespace": dep["metadata"].get("namespace"),
                                      "labels": dict(dep["spec"]["template"]["metadata"]["labels"])},
                         "status": status})
        return pods

    # -- the K8sClient interface -----------------------------------------------------------------

    def get(self, api_version, kind, namespace, name):
        self.calls.append(("get", kind, name))
        return self._send("GET", "get", lambda: self.obj(kind, name, namespace))

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, label_selector))
        return self._send("LIST", "list", lambda: self._list(kind, namespace, label_selector))

    def _list(self, kind, namespace, label_selector):
        if kind == "Pod":
            items = [p for (k, ns, _n), d in sorted(self.objects.items()) if k == "Deployment" and ns == namespace
                     for p in self._pods_for(d)]
        else:
            items = [copy.deepcopy(o) for (k, ns, _n), o in sorted(self.objects.items())
                     if k == kind and (namespace is None or ns == namespace)]
        items = [o for o in items if matches(o["metadata"].get("labels"), label_selector)]
        return {"items": items, "metadata": {"resourceVersion": str(next(self.rv))}}

    def _review(self, obj):
        """Access reviews are answered from `denied` ({(group, resource, verb)}) and stored nowhere."""
        self.calls.append(("review", obj["kind"]))
        if obj["kind"] == "SelfSubjectReview":
            return {"status": {"userInfo": {"username": self.username}}}
        if obj["kind"] == "SelfSubjectRulesReview":
            rules = [] if self.denied else [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            return {"status": {"resourceRules": rules, "incomplete": False}}
        attrs = obj["spec"]["resourceAttributes"]
        return {"status": {"allowed": (attrs["group"], attrs["resource"], attrs["verb"]) not in self.denied}}

    def create(self, obj, dry_run=False):
        if obj["kind"] in REVIEW_KINDS:
            return self._review(obj)
        self.calls.append(("create", obj["kind"], obj["metadata"]["name"]))
        key = (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])

        def create():
            if key in self.objects:
                raise K8sAlreadyExistsError("%s exists" % (key,), 409, "AlreadyExists")
            return self._store(copy.deepcopy(obj))
        return self._send("POST", "create", create, body=obj)

    def replace(self, obj, dry_run=False):
        self.calls.append(("replace", obj["kind"], obj["metadata"]["name"]))
        key = (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])

        def replace():
            current = self.objects[key]
            if obj["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                raise K8sConflictError("stale resourceVersion", 409, "Conflict")
            return self._store(copy.deepcopy(obj))
        return self._send("PUT", "replace", replace, body=obj)

    def update(self, api_version, kind, namespace, name, mutate):
        return update_with_conflict_retry(self, api_version, kind, namespace, name, mutate,
                                          attempts=self.retry.attempts, sleep=self.retry.sleep)

    def patch(self, api_version, kind, namespace, name, body, patch_type="merge", dry_run=False, subresource=None):
        self.calls.append(("patch", kind, name, copy.deepcopy(body)))

        def patch():
            return self._store(merge_patch(self.objects[(kind, namespace, name)], body))
        return self._send("PATCH", "patch", patch, body=body)

    def delete(self, api_version, kind, namespace, name, propagation_policy="Background", dry_run=False):
        self.calls.append(("delete", kind, name))
        return self._send("DELETE", "delete", lambda: self.objects.pop((kind, namespace, name), None))

    def watch(self, *args, **kwargs):
        return iter(())


def stable_deployment(name="web", app="web", version="1", replicas=4, containers=None, namespace="default"):
    labels = {"app": app, "version": version}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)},
                         "spec": {"containers": containers or [
                             {"name": "web", "image": "web:%s" % version,
                              "ports": [{"containerPort": 8080, "name": "http"}],
                              "env": [{"name": "MODE", "value": "prod"}]}]}},
        },
    }


def app_service(name="web", selector=None, namespace="default"):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector or {"app": "web"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}
