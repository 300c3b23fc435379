"""Namespace controller (pkg/controller/namespace/deletion/namespaced_resources_deleter.go).

A namespace being deleted (phase Terminating, spec.finalizers [kubernetes]) has everything in it
deleted; its status conditions report what is left, as the real controller's do; once the
namespace is empty the `kubernetes` finalizer is removed (`namespaces/finalize`) and the
apiserver removes the namespace.
"""
from __future__ import annotations

from ..errors import ApiError
from .base import Controller, deep

COMPONENT = "namespace-controller"
FINALIZER = "kubernetes"


class NamespaceController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [ns["metadata"]["name"] for ns in self.items("namespaces") if ns["metadata"].get("deletionTimestamp")]

    def on_change(self, event_type, resource, obj, old):
        if resource == "namespaces":
            if obj["metadata"].get("deletionTimestamp") and event_type != "DELETED":
                self.queue.add(obj["metadata"]["name"])
            return
        ns_name = obj["metadata"].get("namespace")
        if ns_name and event_type in ("DELETED", "MODIFIED"):
            ns = self.lookup("namespaces", None, ns_name)
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                self.queue.add(ns_name)

    def _namespaced_resources(self) -> list:
        registry = self.api.registry
        return [rt for rt in registry.all() if rt.namespaced and "delete" in rt.verbs]

    def sync(self, name):
        ns = self.lookup("namespaces", None, name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return None
        if FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            return None
        failures = []
        for rt in self._namespaced_resources():
            for obj in list(self.items(rt.name, name)):
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(rt.name, name, obj["metadata"]["name"], propagation_policy="Background")
                except ApiError as exc:
                    if exc.code != 404:
                        failures.append(f"{rt.name}: {exc.message}")
        remaining: dict[str, int] = {}
        finalizers: dict[str, int] = {}
        for rt in self._namespaced_resources():
            for obj in self.items(rt.name, name):
                gr = f"{rt.plural}.{rt.group}"
                remaining[gr] = remaining.get(gr, 0) + 1
                for f in obj["metadata"].get("finalizers") or []:
                    finalizers[f] = finalizers.get(f, 0) + 1
        self._set_conditions(ns, remaining, finalizers, failures)
        if remaining or failures:
            # Pods finish their grace periods; deletions of the rest arrive as events. Look again
            # in a while regardless, as the real controller re-queues with an estimate.
            return 5.0
        ns = self.lookup("namespaces", None, name)
        if ns is None:
            return None
        updated = deep(ns)
        updated["spec"]["finalizers"] = [f for f in updated["spec"].get("finalizers") or [] if f != FINALIZER]
        self.api.update("namespaces", updated, subresource="finalize")
        return None

    def _set_conditions(self, ns: dict, remaining: dict, finalizers: dict, failures: list) -> None:
        now = self.clock.timestamp()
        wanted = [
            ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
            ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
             "All legacy kube types successfully parsed"),
            ("NamespaceDeletionContentFailure", "True" if failures else "False",
             "ContentDeletionFailed" if failures else "ContentDeleted",
             "Failed to delete all resource types, " + "; ".join(failures) if failures
             else "All content successfully deleted, may be waiting on finalization"),
            ("NamespaceContentRemaining", "True" if remaining else "False",
             "SomeResourcesRemain" if remaining else "ContentRemoved",
             "Some resources are remaining: " + ", ".join(f"{gr} has {n} resource instances"
                                                          for gr, n in sorted(remaining.items()))
             if remaining else "All content successfully removed"),
            ("NamespaceFinalizersRemaining", "True" if finalizers else "False",
             "SomeFinalizersRemain" if finalizers else "ContentHasNoFinalizers",
             "Some content in the namespace has finalizers remaining: " + ", ".join(
                 f"{f} in {n} resource instances" for f, n in sorted(finalizers.items()))
             if finalizers else "All content-preserving finalizers finished"),
        ]
        old = {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or []}
        conditions = []
        for t, s, r, m in wanted:
            prev = old.get(t)
            ltt = prev["lastTransitionTime"] if prev and prev.get("status") == s else now
            conditions.append({"type": t, "status": s, "lastTransitionTime": ltt, "reason": r, "message": m})
        if [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in conditions] == \
                [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in (ns.get("status") or {}).get("conditions") or []]:
            return
        updated = deep(ns)
        updated.setdefault("status", {})["conditions"] = conditions
        try:
            self.api.update("namespaces", updated, subresource="status")
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise
