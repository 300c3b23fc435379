# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait mechanism: objects of one kind as last seen, kept current by one watch, until a predicate.

List-and-watch, like a client-go informer cut down to what a module needs: the view starts from a LIST (or a
GET of one object) and one watch stream resumes from its resourceVersion, so every change - the caller's own
writes and every status update a controller makes after them - arrives on one stream, and several waits
(the side of a step that grows, then the side that shrinks) share it. Objects a write returns are taken as
they are (observe).

- Slices: a stream is opened for one short slice at a time (its timeoutSeconds); when a slice ends undecided
  the caller's on_slice hook runs (e.g. read the pods for a crash loop, which changes no Deployment) before
  the watch resumes where it stopped.
- 410 Gone: the resume point was compacted away - the view is read afresh (LIST, or GET) and watched again.
- Fallback: when watching is refused, or streams keep breaking, the waits poll with GET every `sleep`.
- API blips while polling never end a wait; the monotonic deadline bounds it.
"""

from __future__ import annotations

import math
import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sApiError,
    K8sGoneError,
    K8sUnavailableError,
    describe_object,
    one_line,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import Verdict

# One watch request never outlives this, so a silently dead connection is noticed and re-opened.
MAX_WATCH_SECONDS = 290
# Streams that break this many times in a row (not refused, just cut) make the waits poll instead.
MAX_BROKEN_STREAMS = 3


class WaitError(Exception):
    """A wait that ended without the predicate being satisfied."""

    reason = "WaitError"

    def __init__(self, message, last_object=None, elapsed=0.0, last_status=""):
        super(WaitError, self).__init__(message)
        self.message = one_line(message)
        self.last_object = last_object
        self.elapsed = elapsed
        self.last_status = last_status

    def __str__(self):
        return self.message

    def to_dict(self):
        return {"reason": self.reason, "message": self.message, "elapsed": round(self.elapsed, 3),
                "last_status": self.last_status}


class WaitTimeoutError(WaitError):
    reason = "WaitTimeout"


class WaitFailedError(WaitError):
    """The predicate reported a failure that waiting longer cannot fix (e.g. ProgressDeadlineExceeded)."""

    reason = "WaitFailed"


def as_verdict(result):
    if isinstance(result, Verdict):
        return result
    return Verdict(bool(result), False, "" if result else "condition not met yet")


def name_of(obj):
    return ((obj or {}).get("metadata") or {}).get("name")


def _generation(obj):
    return int(((obj or {}).get("metadata") or {}).get("generation") or 0)


class ObjectWatch(object):
    """Objects of one kind in one namespace by name, and waits on them that share one watch stream.

    objects/resource_version: the view as the caller already listed it; without them the first wait reads
    its object with a GET (and the stream then follows that one object only).
    """

    def __init__(self, client, api_version, kind, namespace, timeout, sleep=2, objects=None, resource_version=None,
                 clock=time.monotonic, sleeper=time.sleep, slice_seconds=None):
        self.client = client
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.timeout = float(timeout)
        self.sleep = max(0.05, float(sleep))
        self.clock = clock
        self.sleeper = sleeper
        self.slice_seconds = slice_seconds  # None: one slice as long as the wait
        self.known = dict((name_of(o), o) for o in objects or [])
        # Where the stream resumes: the LIST's version, then the last event delivered (never a write's answer,
        # which may be ahead of events not delivered yet).
        self.resource_version = resource_version
        self.listed = objects is not None
        self.single = None  # the one object followed when the view did not come from a LIST
        self.watch_failed_reason = None  # set once the waits poll instead
        self._unknown = False  # the first read got no answer: poll until the object's state is known
        self._events = None
        self._opened = 0.0
        self._saw_event = False
        self._broken = 0

    # -- the view -----------------------------------------------------------------------------------

    def latest(self, name):
        return self.known.get(name)

    def observe(self, obj):
        """Take an object a write returned; returns it."""
        self._remember(obj)
        return obj

    def _remember(self, obj):
        name = name_of(obj)
        old = self.known.get(name)
        if old is not None and _generation(obj) < _generation(old):
            return  # an event from before our own spec change (a write's answer arrives ahead of its event)
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        self.known[name] = obj

    def close(self):
        """End the open stream, if any (the server then drops it at once instead of at its timeout)."""
        if self._events is not None:
            self._events.close()
            self._events = None

    # -- waiting ------------------------------------------------------------------------------------

    def until(self, name, predicate, on_slice=None):
        """(object, elapsed) once predicate(object) is done; WaitFailedError at once on a failed verdict,
        WaitTimeoutError at the deadline. on_slice(object) runs whenever a slice ends undecided (it may raise)."""
        start = self.clock()
        deadline = start + self.timeout
        target = describe_object(self.kind, self.namespace, name)
        verdict = self._read_first(name, predicate)
        slice_end = min(deadline, start + (self.slice_seconds or self.timeout))
        while True:
            elapsed = self.clock() - start
            if verdict.done:
                return self.known.get(name), elapsed
            if verdict.failed:
                raise WaitFailedError("%s on context '%s' failed after %.0fs: %s" % (
                    target, self.client.context, elapsed, verdict.message), self.known.get(name), elapsed,
                    verdict.message)
            now = self.clock()
            if now >= slice_end:
                if on_slice is not None:
                    on_slice(self.known.get(name))
                if now >= deadline:
                    raise WaitTimeoutError(
                        "timed out after %.0fs waiting for %s on context '%s'; last status: %s. Raise wait_timeout "
                        "or look at why it is stuck." % (elapsed, target, self.client.context, verdict.message),
                        self.known.get(name), elapsed, verdict.message)
                slice_end = min(deadline, now + (self.slice_seconds or self.timeout))
            verdict = self._follow(name, predicate, slice_end)

    def _read_first(self, name, predicate):
        if self.listed or name in self.known:
            return as_verdict(predicate(self.known.get(name)))
        self.single = name
        try:
            obj = self.client.get(self.api_version, self.kind, self.namespace, name)
        except K8sUnavailableError as err:
            if not err.transient:
                raise
            # The object's state is unknown: never judge it (e.g. "gone") from that; poll until it answers.
            self._unknown = True
            return Verdict(False, False, "API unavailable: %s" % err.message)
        self._set(name, obj)
        self.resource_version = ((obj or {}).get("metadata") or {}).get("resourceVersion")
        return as_verdict(predicate(obj))

    def _set(self, name, obj):
        if obj is None:
            self.known[name] = None
        else:
            self._remember(obj)

    def _follow(self, name, predicate, until):
        """Bring the view up to date until name's verdict is decided or the clock reaches until."""
        if self._unknown:
            verdict, answered = self._poll(name, predicate, until)
            if answered:
                self._unknown = False  # known now: watch from this read on
                self.resource_version = ((self.known.get(name) or {}).get("metadata") or {}).get("resourceVersion")
            return verdict
        if self.watch_failed_reason is None:
            try:
                self._watch(name, predicate, until)
            except K8sGoneError:
                self._reread(name)  # the resume point was compacted away: read afresh, then watch again
            except K8sApiError as err:
                self._events = None
                if isinstance(err, K8sUnavailableError) and not err.transient:
                    raise
                self._broken += 1
                if not (isinstance(err, K8sUnavailableError) and self._broken < MAX_BROKEN_STREAMS):
                    self.watch_failed_reason = err.message
            return as_verdict(predicate(self.known.get(name)))
        return self._poll(name, predicate, until)[0]

    def _decided(self, name, predicate):
        verdict = as_verdict(predicate(self.known.get(name)))
        return verdict.done or verdict.failed

    def _watch(self, name, predicate, until):
        while not self._decided(name, predicate):
            if self._events is None:
                remaining = until - self.clock()
                if remaining <= 0:
                    return
                self._opened = self.clock()
                self._saw_event = False
                self._events = self.client.watch(
                    self.api_version, self.kind, self.namespace, name=self.single,
                    resource_version=self.resource_version,
                    timeout_seconds=max(1, int(math.ceil(min(remaining, MAX_WATCH_SECONDS)))))
            for event_type, obj in self._events:
                version = (obj.get("metadata") or {}).get("resourceVersion")
                if version:
                    self.resource_version = version
                if event_type in ("ADDED", "MODIFIED"):
                    self._remember(obj)
                elif event_type == "DELETED":
                    self.known[name_of(obj)] = None
                else:
                    continue  # BOOKMARK: only moves the resume point
                self._saw_event = True
                self._broken = 0
                if self._decided(name, predicate) or self.clock() >= until:
                    return
            # The server ended the stream (its timeoutSeconds): the slice is over, or another stream follows.
            self._events = None
            if not self._saw_event and self.clock() - self._opened < 1:
                # A stream that ends at once with nothing in it would spin; pace it like polling.
                self.sleeper(max(0.0, min(self.sleep, until - self.clock())))
            if self.clock() >= until:
                return

    def _reread(self, name):
        self._events = None
        if self.single is not None:
            obj = self.client.get(self.api_version, self.kind, self.namespace, name)
            self._set(name, obj)
            self.resource_version = ((obj or {}).get("metadata") or {}).get("resourceVersion")
            return
        body = self.client.list(self.api_version, self.kind, self.namespace)
        seen = set()
        for obj in body.get("items") or []:
            self._remember(obj)
            seen.add(name_of(obj))
        for known in list(self.known):
            if known not in seen:
                self.known[known] = None
        self.resource_version = (body.get("metadata") or {}).get("resourceVersion")

    def _poll(self, name, predicate, until):
        """(verdict, whether the API answered) after one pause and one GET."""
        self.sleeper(max(0.0, min(self.sleep, until - self.clock())))
        try:
            obj = self.client.get(self.api_version, self.kind, self.namespace, name)
        except K8sUnavailableError as err:
            if not err.transient:
                raise
            # An API blip during a long wait must not end it; the deadline bounds it.
            return Verdict(False, False, "API unavailable: %s" % err.message), False
        self._set(name, obj)
        return as_verdict(predicate(self.known.get(name))), True
