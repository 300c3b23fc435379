# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Deployments of an app's namespace as last seen, and the release's wait on them: the shared ObjectWatch
(k8s/object_watch.py) with the release's verdicts.

A step reads the app with one LIST; the watch resumes from that LIST's resourceVersion, so the step's own
patches and every status update the controllers write after them arrive on one stream, and that stream serves
all the waits of the step. A wait with no LIST behind it (the canary's creation, finish, rollback) follows the
one Deployment from a GET.

A crash-looping pod does not change its Deployment, so a watch alone would sit out the whole wait_timeout: at
the end of every short slice the pods are read once for a fatal reason (scaling.check_pods). A failed rollout
or a fatal pod state fails at once (CanaryFailed, with the pods' own reason); the deadline fails naming why the
pods are not Ready.
"""

from __future__ import annotations

import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.object_watch import (
    ObjectWatch,
    WaitFailedError,
    WaitTimeoutError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import deployment_rollout_status
from ansible_collections.progressive.delivery.plugins.module_utils.release import discovery, scaling


class AppWatch(ObjectWatch):
    """Deployments of one namespace by name, and rollout waits on them that share one watch stream."""

    def __init__(self, client, namespace, deployments, resource_version, timeout, sleep=2, clock=time.monotonic,
                 sleeper=time.sleep, slice_seconds=None):
        super(AppWatch, self).__init__(client, "apps/v1", "Deployment", namespace, timeout, sleep,
                                       objects=deployments, resource_version=resource_version, clock=clock,
                                       sleeper=sleeper, slice_seconds=slice_seconds or scaling.slice_seconds_for(sleep))

    def view(self, ref):
        """An AppView of the app's Deployments as last seen."""
        return discovery.AppView(ref, [d for d in self.known.values()
                                       if d is not None and discovery.template_labels(d).get(ref.app_label) == ref.app])

    def until_rolled_out(self, deployment):
        """The Deployment once every replica is updated and available; raise CanaryFailed/ReleaseError."""
        name = discovery.name_of(deployment)
        pods = []

        def check_pods(current):
            pods[:] = scaling.check_pods(self.client, current or deployment)

        try:
            return self.until(name, deployment_rollout_status, on_slice=check_pods)[0]
        except WaitFailedError as err:
            raise scaling.failed_error(self.client, err.last_object or deployment, err.last_status)
        except WaitTimeoutError as err:
            raise scaling.timeout_error(self.client, err.last_object or deployment, pods, err.last_status, err.elapsed)


def wait_rolled_out(client, deployment, timeout, sleep=2, clock=time.monotonic):
    """Wait for one Deployment with no LIST behind it (the watch follows that one object); return it rolled out."""
    watch = AppWatch(client, (deployment.get("metadata") or {}).get("namespace"), None, None, timeout, sleep, clock)
    try:
        return watch.until_rolled_out(deployment)
    finally:
        watch.close()
