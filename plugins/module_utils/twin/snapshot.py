# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a twin needs from one real cluster, read-only: the app's objects as they would be created again.

Member clusters: the app's Deployments (by the app label), the Services selecting it and the release record
ConfigMap, copied verbatim (labels, annotations, replicas, pod templates) and stripped of what the API server
owns (uid, resourceVersion, status, ...), plus how long the app's pods took to become Ready there. Config
clusters: the MultiClusterService and MultiClusterIngress objects of the namespace. The copy is never read
for release state: the twin's own rollout decides from it as it would from the real cluster.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError, one_line
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.objects import (
    MCI_API_VERSION, MCI_KIND, MCS_API_VERSION, MCS_KIND)
from ansible_collections.progressive.delivery.plugins.module_utils.release import names, pod_ready

SERVER_OWNED_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                         "selfLink", "ownerReferences", "deletionTimestamp", "deletionGracePeriodSeconds")
# Addresses the API server allocates: the twin allocates its own.
SERVER_OWNED_SERVICE_SPEC = ("clusterIP", "clusterIPs")


def clean(obj):
    """The object as a create request would carry it: no status, no server-owned metadata."""
    out = dict((k, v) for k, v in obj.items() if k != "status")
    out["metadata"] = dict((k, v) for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_OWNED_METADATA)
    if obj.get("kind") == "Service" and isinstance(obj.get("spec"), dict):
        out["spec"] = dict((k, v) for k, v in obj["spec"].items() if k not in SERVER_OWNED_SERVICE_SPEC)
    return out


def _items(client, api_version, kind, namespace, label_selector=None):
    found = client.list(api_version, kind, namespace, label_selector=label_selector)
    return [dict(item, apiVersion=api_version, kind=kind) for item in found.get("items") or []]


def _member_objects(client, namespace, app, app_label):
    deployments = _items(client, "apps/v1", "Deployment", namespace, "%s=%s" % (app_label, app))
    services = [s for s in _items(client, "v1", "Service", namespace)
                if ((s.get("spec") or {}).get("selector") or {}).get(app_label) == app]
    record = client.get("v1", "ConfigMap", namespace, names.release_record_name(app))
    records = [dict(record, apiVersion="v1", kind="ConfigMap")] if record else []
    return records + services + deployments, deployments


def _pod_ready(client, deployments):
    """The slowest of the Deployments' median Ready times: the twin's pods take as long."""
    found = [r for r in (pod_ready.ready_seconds(client, d) for d in deployments) if r]
    return max(found, key=lambda r: r["seconds"]) if found else None


def read_cluster(auth, namespace, app, app_label, role):
    """{'objects': [...], 'pod_ready': {...} or None, 'error': None or why the cluster could not be read}."""
    try:
        client = get_client(auth)
        if role == "config":
            objects = (_items(client, MCS_API_VERSION, MCS_KIND, namespace)
                       + _items(client, MCI_API_VERSION, MCI_KIND, namespace))
            return {"objects": [clean(o) for o in objects], "pod_ready": None, "error": None}
        objects, deployments = _member_objects(client, namespace, app, app_label)
        return {"objects": [clean(o) for o in objects], "pod_ready": _pod_ready(client, deployments), "error": None}
    except K8sApiError as err:
        return {"objects": [], "pod_ready": None, "error": getattr(err, "message", None) or one_line(str(err))}


def read_all(auths, roles, namespace, app, app_label, parallel=20):
    """{cluster: read_cluster(...)} in the order of auths, `parallel` clusters at a time."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(auths) or 1))) as pool:
        futures = [(name, pool.submit(read_cluster, auth, namespace, app, app_label, roles.get(name, "member")))
                   for name, auth in auths.items()]
        return dict((name, future.result()) for name, future in futures)
