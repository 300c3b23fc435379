# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every release operation needs: the client, the app, the lock settings, check mode and waits."""

from __future__ import annotations

import time

from ansible_collections.progressive.delivery.plugins.module_utils.release import app_watch, discovery, lock, scaling
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.release_record import AppRef

# The lock outlives one wait by this much, so a step that waits the full wait_timeout still holds it.
LOCK_MARGIN_SECONDS = 60


class ReleaseContext(object):
    def __init__(self, client, namespace, app, app_label="app", version_label="version", lock_owner=None,
                 lock_run=None, lock_ttl=900, take_over_lock=False, check_mode=False, wait=True, wait_timeout=600, wait_sleep=2,
                 clock=time.monotonic):
        self.client = client  # its retry policy is the only one: nothing here wraps it again
        self.ref = AppRef(namespace, app, app_label, version_label)
        self.lock_owner = lock_owner or lock.default_owner()
        self.lock_run = lock_run or None
        self.lock_ttl = max(int(lock_ttl), int(wait_timeout) + LOCK_MARGIN_SECONDS)
        self.take_over_lock = take_over_lock
        self.check_mode = check_mode
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.wait_sleep = wait_sleep
        self.clock = clock
        self.lock_action = None

    # -- reading ---------------------------------------------------------------------------------

    def view(self):
        return discovery.discover(self.client, self.ref)

    def get_deployment(self, name):
        return self.client.get("apps/v1", "Deployment", self.ref.namespace, name)

    # -- the lock ---------------------------------------------------------------------------------

    def hold_lock(self):
        """Take or renew the app's lock (in check mode only verify it could be taken)."""
        if self.check_mode:
            self.lock_action, _current = lock.check(self.client, self.ref, self.lock_owner, self.take_over_lock,
                                                    run=self.lock_run)
        else:
            self.lock_action, _held = lock.acquire(self.client, self.ref, self.lock_owner, self.lock_ttl,
                                                   self.take_over_lock, run=self.lock_run,
                                                   min_remaining=self.wait_timeout + LOCK_MARGIN_SECONDS)
        return self.lock_action

    def lock_or_plan(self, result, plan=None):
        """Before a release's writes: hold the app's lock and return True, or in check mode (nothing is written)
        only verify the lock could be taken, put the writes in result["plan"] (its actions unless given) and
        return False."""
        self.hold_lock()
        if self.check_mode:
            result["plan"] = result["actions"] if plan is None else plan
            return False
        return True

    def release_lock(self):
        if not self.check_mode:
            lock.release(self.client, self.ref, self.lock_owner, run=self.lock_run)

    # -- writing ----------------------------------------------------------------------------------

    def annotate(self, deployment, changes):
        """Merge-patch release annotations on a Deployment (None removes one); returns the object."""
        meta = deployment["metadata"]
        return self.client.patch("apps/v1", "Deployment", meta.get("namespace") or self.ref.namespace, meta["name"],
                                 st.merge_patch_annotations(changes))

    def scale(self, deployment, replicas, annotations=None):
        return scaling.scale(self.client, deployment, replicas, annotations)

    def wait_rolled_out(self, deployment):
        """Wait for one Deployment with no LIST behind it: the shared watch follows that one object."""
        deployment["metadata"].setdefault("namespace", self.ref.namespace)
        return app_watch.wait_rolled_out(self.client, deployment, self.wait_timeout, self.wait_sleep, self.clock)

    def watch_app(self, view):
        """An AppWatch over the namespace's Deployments, resuming from the LIST that made view."""
        return app_watch.AppWatch(self.client, self.ref.namespace, view.deployments, view.resource_version,
                                  self.wait_timeout, self.wait_sleep, self.clock)

    def delete(self, api_version, kind, name):
        return self.client.delete(api_version, kind, self.ref.namespace, name)
