# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Deployments of an app's namespace as last seen, kept current by one watch while a step waits.

A step reads the app with one LIST. The watch resumes from that LIST's resourceVersion, so the step's
own patches and every status update the controllers write after them arrive on one stream, and that
stream serves all the waits of the step (the side that grows, then the side that shrinks) instead of
a GET plus a watch per wait. The objects a patch returns are taken as they are.

A crash-looping pod does not change its Deployment, so a watch alone would sit out the whole
wait_timeout: each stream is opened for one short slice (its timeoutSeconds) and when a slice ends
undecided the pods are read once for a fatal reason (scaling.check_pods) before the watch resumes
where it stopped. When watching is refused or keeps breaking, the waits poll with GET.
"""

from __future__ import annotations

import math
import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sApiError,
    K8sGoneError,
    K8sUnavailableError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import deployment_rollout_status
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import MAX_WATCH_SECONDS
from ansible_collections.progressive.delivery.plugins.module_utils.release import discovery, scaling

# Streams that break this many times in a row (not refused, just cut) make the waits poll instead.
MAX_BROKEN_STREAMS = 3


def _generation(obj):
    return int(((obj or {}).get("metadata") or {}).get("generation") or 0)


class AppWatch(object):
    """Deployments of one namespace by name, and waits on them that share one watch stream."""

    def __init__(self, client, namespace, deployments, resource_version, timeout, sleep=2, clock=time.monotonic,
                 sleeper=time.sleep, slice_seconds=None):
        self.client = client
        self.namespace = namespace
        self.known = dict((discovery.name_of(d), d) for d in deployments)
        # Where the stream resumes: the LIST's version, then the last event delivered (never a write's answer,
        # which may be ahead of events not delivered yet).
        self.resource_version = resource_version
        self.timeout = float(timeout)
        self.sleep = max(0.05, float(sleep))
        self.clock = clock
        self.sleeper = sleeper
        self.slice_seconds = slice_seconds or scaling.slice_seconds_for(sleep)
        self.watch_failed_reason = None  # set once the waits poll instead
        self._events = None  # the open stream
        self._opened = 0.0  # when it was opened
        self._saw_event = False  # whether it delivered anything
        self._broken = 0

    def latest(self, name):
        return self.known.get(name)

    def observe(self, obj):
        """Take an object a write returned; returns it."""
        self._remember(obj)
        return obj

    def view(self, ref):
        """An AppView of the app's Deployments as last seen."""
        return discovery.AppView(ref, [d for d in self.known.values()
                                       if d is not None and discovery.template_labels(d).get(ref.app_label) == ref.app])

    def _remember(self, obj):
        name = discovery.name_of(obj)
        old = self.known.get(name)
        if old is not None and _generation(obj) < _generation(old):
            return  # an event from before our own spec change (a patch answer arrives ahead of its event)
        obj.setdefault("apiVersion", "apps/v1")
        obj.setdefault("kind", "Deployment")
        self.known[name] = obj

    def close(self):
        """End the open stream, if any (the server then drops it at once instead of at its timeout)."""
        if self._events is not None:
            self._events.close()
            self._events = None

    # -- waiting --------------------------------------------------------------------------------

    def until_rolled_out(self, deployment):
        """The Deployment once every replica is updated and available; raise CanaryFailed/ReleaseError.

        Same verdicts and messages as scaling.DeploymentWait: failed at once on a failed rollout or a
        fatal pod state, a timeout naming why the pods are not Ready.
        """
        name = discovery.name_of(deployment)
        start = self.clock()
        deadline = start + self.timeout
        slice_end = min(deadline, start + self.slice_seconds)
        while True:
            current = self.known.get(name)
            verdict = deployment_rollout_status(current)
            if verdict.done:
                return current
            if verdict.failed:
                raise scaling.failed_error(self.client, current or deployment, verdict.message)
            now = self.clock()
            if now >= slice_end:
                pods = scaling.check_pods(self.client, current or deployment)
                if now >= deadline:
                    raise scaling.timeout_error(self.client, current or deployment, pods, verdict.message,
                                                now - start)
                slice_end = min(deadline, now + self.slice_seconds)
            self._follow(name, slice_end)

    def _decided(self, name):
        verdict = deployment_rollout_status(self.known.get(name))
        return verdict.done or verdict.failed

    def _follow(self, name, until):
        """Bring self.known up to date until name's rollout is decided or the clock reaches until."""
        if self.watch_failed_reason is None:
            try:
                self._watch(name, until)
                return
            except K8sGoneError:
                self._relist()  # the resume point was compacted away: read afresh, the next call watches again
                return
            except K8sApiError as err:
                self._events = None
                if isinstance(err, K8sUnavailableError) and not err.transient:
                    raise
                self._broken += 1
                if isinstance(err, K8sUnavailableError) and self._broken < MAX_BROKEN_STREAMS:
                    return  # a stream cut by a blip: the next call re-opens it from the last event
                self.watch_failed_reason = err.message
        self._poll(name, until)

    def _watch(self, name, until):
        while not self._decided(name):
            if self._events is None:
                remaining = until - self.clock()
                if remaining <= 0:
                    return
                self._opened = self.clock()
                self._saw_event = False
                self._events = self.client.watch(
                    "apps/v1", "Deployment", self.namespace, resource_version=self.resource_version,
                    timeout_seconds=max(1, int(math.ceil(min(remaining, MAX_WATCH_SECONDS)))))
            for event_type, obj in self._events:
                version = (obj.get("metadata") or {}).get("resourceVersion")
                if version:
                    self.resource_version = version
                if event_type in ("ADDED", "MODIFIED"):
                    self._remember(obj)
                elif event_type == "DELETED":
                    self.known[discovery.name_of(obj)] = None
                else:
                    continue  # BOOKMARK: only moves the resume point
                self._saw_event = True
                self._broken = 0
                if self._decided(name) or self.clock() >= until:
                    return
            # The server ended the stream (its timeoutSeconds): the slice is over, or another stream follows.
            self._events = None
            if not self._saw_event and self.clock() - self._opened < 1:
                # A stream that ends at once with nothing in it would spin; pace it like polling.
                self.sleeper(max(0.0, min(self.sleep, until - self.clock())))
            if self.clock() >= until:
                return

    def _relist(self):
        body = self.client.list("apps/v1", "Deployment", self.namespace)
        seen = set()
        for obj in body.get("items") or []:
            self._remember(obj)
            seen.add(discovery.name_of(obj))
        for name in list(self.known):
            if name not in seen:
                self.known[name] = None
        self.resource_version = (body.get("metadata") or {}).get("resourceVersion")
        self._events = None

    def _poll(self, name, until):
        self.sleeper(max(0.0, min(self.sleep, until - self.clock())))
        try:
            obj = self.client.get("apps/v1", "Deployment", self.namespace, name)
        except K8sUnavailableError as err:
            if not err.transient:
                raise
            return  # an API blip during a long rollout must not end the wait; the deadline bounds it
        if obj is None:
            self.known[name] = None
        else:
            self._remember(obj)
