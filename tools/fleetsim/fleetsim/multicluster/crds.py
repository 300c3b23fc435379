"""The CustomResourceDefinitions of the multi-cluster simulation, installed when the fleet starts.

- On every config cluster: GKE's MultiClusterService and MultiClusterIngress (networking.gke.io/v1).
- On every member cluster: the upstream Multi-Cluster Services API ServiceExport and ServiceImport
  (multicluster.x-k8s.io), copied verbatim from kubernetes-sigs/mcs-api v0.5.0.

fleetsim serves one version per CRD (its storage version). The mcs-api CRDs store v1beta1 but
GKE, Submariner and most implementations in use serve v1alpha1, so the simulation installs them
with v1alpha1 as the served storage version; the schema is the file's own v1alpha1 schema.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
CRD_RESOURCE = "customresourcedefinitions.apiextensions.k8s.io"

CONFIG_CLUSTER_CRDS = ("networking.gke.io_multiclusterservices.yaml",
                       "networking.gke.io_multiclusteringresses.yaml")
MEMBER_CLUSTER_CRDS = ("multicluster.x-k8s.io_serviceexports.yaml",
                       "multicluster.x-k8s.io_serviceimports.yaml")
MCS_API_VERSION = "v1alpha1"


def load(file_name: str) -> dict:
    """The CRD as installed (a copy: the API server keeps and changes what it is given)."""
    return copy.deepcopy(_parsed(file_name))


@functools.lru_cache(maxsize=None)
def _parsed(file_name: str) -> dict:
    # Parsed once per process, with libyaml where PyYAML has it: every member cluster of every fleet a test
    # starts installs these 38 KB of YAML, which the pure-Python parser took ~40 ms of CPU to read each time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((DATA / file_name).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    if crd["spec"]["group"] == "multicluster.x-k8s.io":
        crd = serving_only(crd, MCS_API_VERSION)
    return crd


def serving_only(crd: dict, version: str) -> dict:
    """The CRD with ``version`` as its single served (and storage) version."""
    out = copy.deepcopy(crd)
    kept = [v for v in out["spec"]["versions"] if v["name"] == version]
    if not kept:
        raise ValueError(f"CRD {crd['metadata']['name']} has no version {version}")
    kept[0]["served"] = True
    kept[0]["storage"] = True
    out["spec"]["versions"] = kept
    return out


def install(api, file_names) -> None:
    """Create the CRDs (served at once: fleetsim establishes a CRD when it is created)."""
    for file_name in file_names:
        crd = load(file_name)
        if not api.exists(CRD_RESOURCE, None, crd["metadata"]["name"]):
            api.create(CRD_RESOURCE, crd, field_manager="fleetsim-multicluster")
