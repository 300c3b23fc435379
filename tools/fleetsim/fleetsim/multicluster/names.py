"""Names and addresses GKE's multi-cluster controllers derive from an object's identity.

Deterministic (hashes of config cluster, namespace and name), so a restarted fleet and a re-run
playbook see the same names, as they would on GKE for the same fleet.
"""
from __future__ import annotations

import base64
import hashlib

MAX_NAME = 63
DERIVED_HASH_LEN = 16


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def short_hash(length: int, *parts: str) -> str:
    """Lowercase [a-z2-7] hash (base32), like the suffixes GKE puts on derived names."""
    return base64.b32encode(_digest(*parts)).decode().lower().rstrip("=")[:length]


def derived_service_name(config_cluster: str, namespace: str, mcs_name: str) -> str:
    """``mci-<mcs>-svc-<16 chars>`` as GKE names derived Services (the MCS name part is cut
    so the whole stays a 63-character DNS label)."""
    suffix = "-svc-" + short_hash(DERIVED_HASH_LEN, config_cluster, namespace, mcs_name)
    room = MAX_NAME - len("mci-") - len(suffix)
    return "mci-" + mcs_name[:room].rstrip("-") + suffix


def fake_vip(config_cluster: str, namespace: str, mci_name: str) -> str:
    """A stable public-looking anycast address in 34.96.0.0/11 (Google's global LB range)."""
    digest = _digest("vip", config_cluster, namespace, mci_name)
    return f"34.{96 + digest[0] % 32}.{digest[1]}.{1 + digest[2] % 254}"


def lb_prefix(config_cluster: str, namespace: str, mci_name: str) -> str:
    """The ``mci-<6 chars>`` prefix of the load balancer resources of one MCI."""
    return "mci-" + short_hash(6, "lb", config_cluster, namespace, mci_name)


def neg_name(cluster: str, namespace: str, derived_service: str, port: int) -> str:
    """NEG name as the GKE NEG controller builds it: k8s1-<cluster hash>-<ns>-<svc>-<port>-<hash>,
    the parts cut to fit 63 characters."""
    cluster_hash = short_hash(8, "cluster", cluster)
    tail = short_hash(8, cluster, namespace, derived_service, str(port))
    return f"k8s1-{cluster_hash}-{namespace[:14]}-{derived_service[:19]}-{str(port)[:5]}-{tail}"


def clusterset_ip(environment: str, namespace: str, name: str) -> str:
    """A ServiceImport's ClusterSetIP, in 10.112.0.0/12 (apart from fleetsim's Service range)."""
    digest = _digest("clusterset", environment, namespace, name)
    return f"10.{112 + digest[0] % 16}.{digest[1]}.{1 + digest[2] % 254}"
