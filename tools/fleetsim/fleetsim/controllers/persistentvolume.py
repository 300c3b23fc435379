"""The PersistentVolume binder (pkg/controller/volume/persistentvolume), for statically provisioned
volumes (fleetsim has no storage provisioner): a new PV turns Available; a Pending claim is bound
to the smallest Available PV of its storageClassName with its access modes and at least its
requested size (both sides written as the real binder writes them: claimRef, volumeName, the
bind-completed / bound-by-controller annotations, phases and capacity); when the claim goes, a
Retain PV turns Released and a Delete PV is deleted. Claims nothing fits stay Pending, as on a
cluster without a provisioner."""
from __future__ import annotations

from ..errors import ApiError
from ..strategies.volumes import parse_quantity
from .base import Controller, deep

PV, PVC = "persistentvolumes", "persistentvolumeclaims"
COMPONENT = "persistentvolume-controller"


class PersistentVolumeBinder(Controller):
    name = COMPONENT

    def initial_keys(self):
        return [("pv", p["metadata"]["name"]) for p in self.items(PV)] + \
            [("pvc", f"{c['metadata']['namespace']}/{c['metadata']['name']}") for c in self.items(PVC)]

    def on_change(self, event_type, resource, obj, old):
        if resource == PV and event_type != "DELETED":
            self.queue.add(("pv", obj["metadata"]["name"]))
            # A new or freed volume may fit a waiting claim.
            for c in self.items(PVC):
                if (c.get("status") or {}).get("phase") == "Pending":
                    self.queue.add(("pvc", f"{c['metadata']['namespace']}/{c['metadata']['name']}"))
        elif resource == PVC:
            if event_type == "DELETED":
                name = (obj.get("spec") or {}).get("volumeName")
                if name:
                    self.queue.add(("pv", name))
            else:
                self.queue.add(("pvc", f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"))

    def sync(self, key):
        kind, name = key
        if kind == "pv":
            self._sync_volume(name)
        else:
            ns, claim = name.split("/", 1)
            self._sync_claim(ns, claim)
        return None

    def _sync_volume(self, name: str) -> None:
        pv = self.lookup(PV, None, name)
        if pv is None or pv["metadata"].get("deletionTimestamp"):
            return
        ref = (pv.get("spec") or {}).get("claimRef")
        phase = (pv.get("status") or {}).get("phase")
        if not ref:
            if phase != "Available":
                self._set_phase(pv, "Available")
            return
        claim = self.lookup(PVC, ref.get("namespace"), ref.get("name"))
        if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
            if phase != "Bound":
                self._set_phase(pv, "Bound")
            return
        if phase == "Bound" or phase == "Available":
            # The claim is gone: what the reclaim policy says.
            if (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
                try:
                    self.api.delete(PV, None, name)
                except ApiError as exc:
                    if exc.code != 404:
                        raise
                return
            self._set_phase(pv, "Released")

    def _set_phase(self, pv: dict, phase: str) -> None:
        new = deep(pv)
        new["status"] = {"phase": phase, "lastPhaseTransitionTime": self.clock.timestamp()}
        self.api.update(PV, new, subresource="status")

    def _sync_claim(self, ns: str, name: str) -> None:
        claim = self.lookup(PVC, ns, name)
        if claim is None or claim["metadata"].get("deletionTimestamp"):
            return
        spec = claim.get("spec") or {}
        if (claim.get("status") or {}).get("phase") == "Bound":
            return
        want = parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage")) or 0
        modes = set(spec.get("accessModes") or [])
        cls = spec.get("storageClassName") or ""
        fits = []
        for pv in self.items(PV):
            pspec = pv.get("spec") or {}
            if spec.get("volumeName") and pv["metadata"]["name"] != spec["volumeName"]:
                continue
            if (pv.get("status") or {}).get("phase") != "Available" or pspec.get("claimRef"):
                continue
            size = parse_quantity((pspec.get("capacity") or {}).get("storage")) or 0
            if (pspec.get("storageClassName") or "") == cls and modes <= set(pspec.get("accessModes") or []) \
                    and size >= want and pspec.get("volumeMode", "Filesystem") == spec.get("volumeMode",
                                                                                          "Filesystem"):
                fits.append((size, pv["metadata"]["name"], pv))
        if not fits:
            return
        _, _, pv = min(fits, key=lambda f: (f[0], f[1]))
        bound = deep(pv)
        bound["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                                     "uid": claim["metadata"]["uid"], "apiVersion": "v1",
                                     "resourceVersion": claim["metadata"]["resourceVersion"]}
        bound["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
        bound = self.api.update(PV, bound)
        self._set_phase(bound, "Bound")
        new = deep(claim)
        new["spec"]["volumeName"] = pv["metadata"]["name"]
        ann = new["metadata"].setdefault("annotations", {})
        ann["pv.kubernetes.io/bind-completed"] = "yes"
        ann["pv.kubernetes.io/bound-by-controller"] = "yes"
        new = self.api.update(PVC, new)
        new["status"] = {"phase": "Bound", "accessModes": list(pv["spec"].get("accessModes") or []),
                         "capacity": dict(pv["spec"].get("capacity") or {})}
        self.api.update(PVC, new, subresource="status")
