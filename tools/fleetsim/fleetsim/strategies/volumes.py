"""PersistentVolume and PersistentVolumeClaim strategies (pkg/registry/core/persistentvolume,
persistentvolumeclaim): defaults, the validation a user hits first, status Pending on create."""
from __future__ import annotations

import re

from ..errors import field_invalid, field_not_supported, field_required, Cause
from . import register
from .base import Strategy

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
# Volume sources a PersistentVolume may name (exactly one).
PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
              "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs",
              "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume")
_QUANTITY = re.compile(r"^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$")
_FACTORS = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
            "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


def parse_quantity(value) -> float | None:
    """A resource.Quantity in base units (bytes), None when it is not one."""
    m = _QUANTITY.match(str(value).strip()) if value is not None else None
    if not m:
        return None
    return float(m.group(1)) * _FACTORS[m.group(2)]


def _access_modes(path: str, modes) -> list[Cause]:
    if not modes:
        return [field_required(path, "")]
    return [field_not_supported(f"{path}", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]


class PersistentVolumeStrategy(Strategy):
    name_rule = "subdomain"

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"phase": "Pending"}

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = _access_modes("spec.accessModes", spec.get("accessModes"))
        storage = (spec.get("capacity") or {}).get("storage")
        if not spec.get("capacity"):
            out.append(field_required("spec.capacity", ""))
        elif parse_quantity(storage) is None:
            out.append(field_invalid("spec.capacity[storage]", storage, "must be a valid quantity"))
        sources = [s for s in PV_SOURCES if s in spec]
        if not sources:
            out.append(field_required("spec", "must specify a volume type"))
        elif len(sources) > 1:
            out.append(Cause("FieldValueForbidden", f"spec.{sources[1]}",
                             "Forbidden: may not specify more than 1 volume type"))
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy not in ("Delete", "Recycle", "Retain"):
            out.append(field_not_supported("spec.persistentVolumeReclaimPolicy", policy,
                                           ["Delete", "Recycle", "Retain"]))
        return out


class PersistentVolumeClaimStrategy(Strategy):
    def default(self, obj, ctx):
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"phase": "Pending"}

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out = _access_modes("spec.accessModes", spec.get("accessModes"))
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        if storage is None:
            out.append(field_required("spec.resources[storage]", ""))
        elif parse_quantity(storage) is None:
            out.append(field_invalid("spec.resources[storage]", storage, "must be a valid quantity"))
        return out


register("persistentvolumes", PersistentVolumeStrategy())
register("persistentvolumeclaims", PersistentVolumeClaimStrategy())
