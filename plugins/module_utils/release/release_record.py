# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app's release record: one ConfigMap per app holding the reject list and the lock.

It outlives every Deployment of the app (the stable is deleted at finish, the canary at rollback),
which is why the lock and the reject list live here and not on a Deployment.
"""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release import names
from ansible_collections.progressive.delivery.plugins.module_utils.release.canary_builder import MANAGED_BY, MANAGER

RECORD_ROLE = "release-record"


class AppRef(object):
    """Which app a release is about: namespace, app label value and the label keys in use."""

    def __init__(self, namespace, app, app_label="app", version_label="version"):
        self.namespace = namespace
        self.app = app
        self.app_label = app_label
        self.version_label = version_label

    @property
    def record_name(self):
        return names.release_record_name(self.app)

    @property
    def selector(self):
        return "%s=%s" % (self.app_label, self.app)


def empty_record(ref):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": ref.record_name,
            "namespace": ref.namespace,
            "labels": {ref.app_label: ref.app, MANAGED_BY: MANAGER},
            "annotations": {"progressive.delivery/role": RECORD_ROLE},
        },
        "data": {},
    }


def get_record(client, ref):
    """The record ConfigMap, or None when the app never had a release."""
    return client.get("v1", "ConfigMap", ref.namespace, ref.record_name)


# update_record's current when the caller has not read the record.
NOT_READ = object()


def update_record(client, ref, mutate, attempts=5, current=NOT_READ):
    """Apply mutate(record) -> record to the ConfigMap (created when missing), retrying on conflicts.

    mutate may raise to abort; it runs again on the fresh object after every conflict. current: the
    record as the caller just read it (None: missing), so the first write needs no read of its own.
    """
    if current is not NOT_READ and current is not None:
        desired = mutate(copy.deepcopy(current))
        if desired == current:
            return current
        desired.setdefault("metadata", {})["resourceVersion"] = current["metadata"].get("resourceVersion")
        try:
            return client.replace(desired)
        except K8sAlreadyExistsError:
            raise
        except K8sConflictError:
            pass  # changed since the caller read it: read again and re-apply below
    elif current is None:
        try:
            return client.create(mutate(empty_record(ref)))
        except K8sAlreadyExistsError:
            pass  # another run created it meanwhile: mutate the one that exists
    for _attempt in range(attempts):
        if get_record(client, ref) is None:
            try:
                return client.create(mutate(empty_record(ref)))
            except K8sAlreadyExistsError:
                continue  # another run created it meanwhile: mutate the one that exists
        return _update(client, ref, mutate)
    return _update(client, ref, mutate)


def _update(client, ref, mutate):
    # The client re-reads and re-applies mutate after a conflicting write.
    return client.update("v1", "ConfigMap", ref.namespace, ref.record_name, mutate)
