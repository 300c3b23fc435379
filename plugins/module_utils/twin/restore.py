# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create a snapshot's objects in one twin cluster, then wait until its Deployments run.

Only ever given the twin's connection: the real fleet is read by snapshot.py and nothing else. Objects
come in the order a cluster needs them (release record, Services, Deployments, then MCS/MCI); one that is
already there is replaced, so restoring twice gives the same twin.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sAlreadyExistsError
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import deployment_rollout_status
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import Waiter

ORDER = ("ConfigMap", "Service", "Deployment")


def _rank(obj):
    kind = obj.get("kind")
    return ORDER.index(kind) if kind in ORDER else len(ORDER)


def _put(client, obj, check_mode):
    if check_mode:
        return "would create"
    try:
        client.create(obj)
        return "created"
    except K8sAlreadyExistsError:
        meta = obj["metadata"]
        current = client.get(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
        replaced = dict(obj, metadata=dict(meta, resourceVersion=current["metadata"]["resourceVersion"]))
        client.replace(replaced)
        return "replaced"


def restore_cluster(auth, objects, check_mode=False, wait=True, timeout=120, sleep=1):
    """[{kind, name, action}] for every object, in the order they were written."""
    client = get_client(auth)
    done = []
    for obj in sorted(objects or [], key=_rank):
        meta = obj["metadata"]
        done.append({"kind": obj["kind"], "name": meta["name"], "action": _put(client, obj, check_mode)})
    if wait and not check_mode:
        waiter = Waiter(client, timeout=timeout, sleep=sleep)
        for obj in objects or []:
            if obj["kind"] == "Deployment":
                waiter.wait_for("apps/v1", "Deployment", obj["metadata"]["namespace"], obj["metadata"]["name"],
                                deployment_rollout_status)
    return done
