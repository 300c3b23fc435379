"""StatefulSet controller (pkg/controller/statefulset, stateful_set_control.go).

- Pods `<name>-<ordinal>` with hostname/subdomain, the `controller-revision-hash`,
  `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index` labels, and one
  PersistentVolumeClaim `<claim>-<name>-<ordinal>` per volumeClaimTemplate.
- OrderedReady (the default): ordinal N is created only once 0..N-1 are Running and Ready; scale-down
  removes the highest ordinal first, one at a time, and only while all the others are healthy.
  Parallel: all at once.
- RollingUpdate: pods from the highest ordinal down to `partition` are replaced one at a time, each
  only after the previous one is back Running and Ready; pods below the partition keep (and are
  recreated at) the current revision. OnDelete: a pod gets the new template when someone deletes it.
- Status as the real controller writes it: observedGeneration, replicas, readyReplicas,
  currentReplicas, updatedReplicas, currentRevision, updateRevision, collisionCount,
  availableReplicas; currentRevision becomes updateRevision when a rolling update completes.
"""
from __future__ import annotations

import copy
import re

from ..errors import ApiError
from . import deployment_util as du
from . import podutil
from .base import Controller, controller_ref, deep, obj_key
from .daemonset import REVISION_HASH, REVISIONS, sync_controller_history
from .replicaset import claim, pod_from_template

STS = "statefulsets.apps"
COMPONENT = "statefulset-controller"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(sts_name: str, pod: dict) -> int | None:
    m = re.fullmatch(re.escape(sts_name) + r"-(\d+)", pod["metadata"]["name"])
    return int(m.group(1)) if m else None


class StatefulSetController(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [obj_key(s) for s in self.items(STS)]

    def on_change(self, event_type, resource, obj, old):
        if resource == STS:
            self.queue.add(obj_key(obj))
        elif resource == "pods":
            for o in (obj, old):
                ref = controller_ref(o) if o else None
                if ref is not None and ref.get("kind") == "StatefulSet":
                    self.queue.add((o["metadata"].get("namespace") or "", ref["name"]))

    # -- helpers ----------------------------------------------------------------------------------
    def _healthy(self, pod: dict, min_ready: int) -> bool:
        """isRunningAndAvailable: Running, Ready (for minReadySeconds) and not terminating."""
        return (podutil.phase(pod) == "Running" and not podutil.is_terminating(pod)
                and podutil.is_available(pod, min_ready, self.clock.now()))

    @staticmethod
    def _revision_of(pod: dict) -> str | None:
        return (pod["metadata"].get("labels") or {}).get(REVISION_HASH)

    def _template_of(self, sts: dict, revision: str) -> dict:
        """The pod template of a revision (its ControllerRevision), or the current spec's."""
        ns = sts["metadata"]["namespace"]
        rev = self.lookup(REVISIONS, ns, revision)
        if rev is not None:
            template = copy.deepcopy(((rev.get("data") or {}).get("spec") or {}).get("template") or {})
            template.pop("$patch", None)
            return template
        return copy.deepcopy(sts["spec"].get("template") or {})

    def _new_pod(self, sts: dict, ordinal: int, revision: str) -> dict:
        name = sts["metadata"]["name"]
        template = self._template_of(sts, revision)
        pod = pod_from_template(template, sts, sts["metadata"]["namespace"])
        meta = pod["metadata"]
        meta.pop("generateName", None)
        meta["name"] = f"{name}-{ordinal}"
        labels = meta.setdefault("labels", {})
        labels[REVISION_HASH] = revision
        labels[POD_NAME_LABEL] = meta["name"]
        labels[POD_INDEX_LABEL] = str(ordinal)
        spec = pod["spec"]
        spec["hostname"] = meta["name"]
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        volumes = [v for v in spec.get("volumes") or []]
        for claim_tpl in sts["spec"].get("volumeClaimTemplates") or []:
            cname = claim_tpl["metadata"]["name"]
            volumes = [v for v in volumes if v.get("name") != cname]
            volumes.append({"name": cname, "persistentVolumeClaim": {"claimName": f"{cname}-{name}-{ordinal}"}})
        if volumes:
            spec["volumes"] = volumes
        return pod

    def _ensure_claims(self, sts: dict, ordinal: int) -> None:
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        for claim_tpl in sts["spec"].get("volumeClaimTemplates") or []:
            cname = f"{claim_tpl['metadata']['name']}-{name}-{ordinal}"
            if self.lookup("persistentvolumeclaims", ns, cname) is not None:
                continue
            labels = dict(((sts["spec"].get("selector") or {}).get("matchLabels") or {}))
            labels.update((claim_tpl.get("metadata") or {}).get("labels") or {})
            claim_obj = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "metadata": {"name": cname, "namespace": ns, "labels": labels},
                         "spec": copy.deepcopy(claim_tpl.get("spec") or {})}
            try:
                self.api.create("persistentvolumeclaims", claim_obj, namespace=ns)
                self.recorder.event(sts, "Normal", "SuccessfulCreate",
                                    f"create Claim {cname} Pod {name}-{ordinal} in StatefulSet {name} success",
                                    component=COMPONENT)
            except ApiError as exc:
                if exc.code != 409:
                    self.recorder.event(sts, "Warning", "FailedCreate",
                                        f"create Claim {cname} for Pod {name}-{ordinal} in StatefulSet {name} "
                                        f"failed error: {exc.message}", component=COMPONENT)
                    raise

    def _create(self, sts: dict, ordinal: int, revision: str) -> None:
        self._ensure_claims(sts, ordinal)
        pod = self._new_pod(sts, ordinal, revision)
        name = sts["metadata"]["name"]
        try:
            self.api.create("pods", pod, namespace=sts["metadata"]["namespace"])
        except ApiError as exc:
            if exc.code == 409:
                return
            self.recorder.event(sts, "Warning", "FailedCreate", f"create Pod {pod['metadata']['name']} in "
                                f"StatefulSet {name} failed error: {exc.message}", component=COMPONENT)
            raise
        self.recorder.event(sts, "Normal", "SuccessfulCreate", f"create Pod {pod['metadata']['name']} in "
                            f"StatefulSet {name} successful", component=COMPONENT)

    def _delete(self, sts: dict, pod: dict) -> None:
        try:
            self.api.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"],
                            preconditions={"uid": pod["metadata"]["uid"]})
        except ApiError as exc:
            if exc.code in (404, 409):
                return
            raise
        self.recorder.event(sts, "Normal", "SuccessfulDelete", f"delete Pod {pod['metadata']['name']} in "
                            f"StatefulSet {sts['metadata']['name']} successful", component=COMPONENT)

    # -- reconcile ----------------------------------------------------------------------------------
    def sync(self, key):
        ns, name = key
        sts = self.lookup(STS, ns, name)
        if sts is None:
            return None
        pods = claim(self.api, self.items("pods", ns), sts, sts["spec"].get("selector"), "pods")
        spec = sts["spec"]
        old_status = sts.get("status") or {}
        update_rev = f"{name}-{du.compute_hash(spec.get('template') or {}, int(old_status.get('collisionCount') or 0))}"
        current_rev = old_status.get("currentRevision") or update_rev
        if sts["metadata"].get("deletionTimestamp"):
            return None
        sync_controller_history(self, sts, update_rev.rsplit("-", 1)[1], pods)
        self._reconcile(sts, pods, current_rev, update_rev)
        pods = claim(self.api, self.items("pods", ns), sts, sts["spec"].get("selector"), "pods")
        return self._update_status(sts, pods, current_rev, update_rev)

    def _reconcile(self, sts: dict, pods: list[dict], current_rev: str, update_rev: str) -> None:
        spec = sts["spec"]
        name = sts["metadata"]["name"]
        replicas = int(spec.get("replicas", 1))
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        min_ready = int(spec.get("minReadySeconds") or 0)
        strategy = spec.get("updateStrategy") or {"type": "RollingUpdate"}
        rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
        partition = int(((strategy.get("rollingUpdate") or {}).get("partition")) or 0) if rolling else 0
        by_ordinal: dict[int, dict] = {}
        for p in pods:
            o = ordinal_of(name, p)
            if o is not None:
                by_ordinal[o] = p
        # 1. Every ordinal below replicas exists, in order (OrderedReady waits for each to be healthy).
        for o in range(replicas):
            pod = by_ordinal.get(o)
            if pod is None:
                revision = current_rev if rolling and o < partition else update_rev
                self._create(sts, o, revision)
                if monotonic:
                    return
                continue
            if podutil.phase(pod) in ("Failed", "Succeeded") and not podutil.is_terminating(pod):
                self._delete(sts, pod)  # recreated on the next pass
                if monotonic:
                    return
                continue
            if monotonic and not self._healthy(pod, min_ready):
                return
        # 2. Condemned pods (ordinal >= replicas): highest first, one at a time when ordered.
        condemned = sorted((o for o in by_ordinal if o >= replicas), reverse=True)
        for o in condemned:
            pod = by_ordinal[o]
            if podutil.is_terminating(pod):
                if monotonic:
                    return
                continue
            if monotonic and any(not self._healthy(by_ordinal[v], min_ready) for v in by_ordinal
                                 if v != o and v < o):
                return
            self._delete(sts, pod)
            if monotonic:
                return
        if not rolling:
            return  # OnDelete: the user deletes pods to update them
        # 3. RollingUpdate: highest ordinal first down to the partition, one pod at a time.
        for o in range(replicas - 1, partition - 1, -1):
            pod = by_ordinal.get(o)
            if pod is None:
                return
            if self._revision_of(pod) != update_rev and not podutil.is_terminating(pod):
                self._delete(sts, pod)
                return
            if not self._healthy(pod, min_ready):
                return

    def _update_status(self, sts: dict, pods: list[dict], current_rev: str, update_rev: str) -> float | None:
        spec = sts["spec"]
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = self.clock.now()
        live = [p for p in pods if ordinal_of(sts["metadata"]["name"], p) is not None]
        ready = [p for p in live if podutil.is_ready(p) and not podutil.is_terminating(p)]
        available = [p for p in ready if podutil.is_available(p, min_ready, now)]
        current = [p for p in live if self._revision_of(p) == current_rev]
        updated = [p for p in live if self._revision_of(p) == update_rev]
        old = sts.get("status") or {}
        status = {"observedGeneration": int(sts["metadata"].get("generation") or 1),
                  "replicas": len(live), "readyReplicas": len(ready), "currentReplicas": len(current),
                  "updatedReplicas": len(updated), "currentRevision": current_rev, "updateRevision": update_rev,
                  "collisionCount": int(old.get("collisionCount") or 0), "availableReplicas": len(available)}
        rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        replicas = int(spec.get("replicas", 1))
        if rolling and status["updatedReplicas"] == status["replicas"] == replicas and \
                status["readyReplicas"] == status["replicas"]:
            # completeRollingUpdate: the update revision becomes the current one.
            status["currentRevision"] = update_rev
            status["currentReplicas"] = status["updatedReplicas"]
        for k in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
            if not status[k]:
                # omitempty on a real StatefulSetStatus for these counters
                status.pop(k) if k in ("readyReplicas", "currentReplicas", "updatedReplicas") else None
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            new = deep(sts)
            new["status"] = status
            self.api.update(STS, new, subresource="status")
        waits = [w for w in (podutil.seconds_until_available(p, min_ready, now) for p in ready) if w is not None]
        return min(waits) + 0.5 if waits else None
