"""Multi-cluster networking of a simulated fleet: GKE MultiClusterService / MultiClusterIngress on
each environment's config cluster and the Multi-Cluster Services API (ServiceExport /
ServiceImport) on its member clusters. See controller.py and docs/multicluster.md."""
from __future__ import annotations

from .controller import MultiClusterController

__all__ = ["MultiClusterController"]
