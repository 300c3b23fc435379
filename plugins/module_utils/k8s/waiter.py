# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait until an object satisfies a predicate: watch-based, polling as fallback, monotonic deadline."""

from __future__ import annotations

import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import (
    DEFAULT_WAIT_SLEEP,
    DEFAULT_WAIT_TIMEOUT,
)
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


def _as_verdict(result):
    if isinstance(result, Verdict):
        return result
    return Verdict(bool(result), False, "" if result else "condition not met yet")


class Waiter:
    """Waits on one object of one cluster. ``clock``/``sleeper`` are injectable for tests."""

    def __init__(self, client, timeout=DEFAULT_WAIT_TIMEOUT, sleep=DEFAULT_WAIT_SLEEP, clock=time.monotonic,
                 sleeper=time.sleep):
        self.client = client
        self.timeout = float(timeout)
        self.sleep = max(0.05, float(sleep))
        self._clock = clock
        self._sleeper = sleeper
        # Set once a watch could not be used (unsupported, broken proxy...): poll from then on.
        self.watch_failed_reason = None

    def wait_for(self, api_version, kind, namespace, name, predicate):
        """Return (object, elapsed seconds) once ``predicate(obj)`` is done.

        Raises WaitFailedError as soon as the predicate reports failure, WaitTimeoutError at the deadline.
        """
        start = self._clock()
        deadline = start + self.timeout
        target = describe_object(kind, namespace, name)
        use_watch = True
        # False while the object's state is unknown (the API did not answer): never judge "gone" from that.
        known = True
        try:
            obj = self.client.get(api_version, kind, namespace, name)
            verdict = _as_verdict(predicate(obj))
        except K8sUnavailableError as err:
            if not err.transient:
                raise
            obj, known = None, False
            verdict = Verdict(False, False, "API unavailable: %s" % err.message)
        while True:
            elapsed = self._clock() - start
            if verdict.done:
                return obj, elapsed
            if verdict.failed:
                raise WaitFailedError(
                    "%s on context '%s' failed after %.0fs: %s" % (
                        target, self.client.context, elapsed, verdict.message),
                    obj, elapsed, verdict.message)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise WaitTimeoutError(
                    "timed out after %.0fs waiting for %s on context '%s'; last status: %s. Raise wait_timeout "
                    "or look at why it is stuck." % (elapsed, target, self.client.context, verdict.message),
                    obj, elapsed, verdict.message)
            if use_watch and known:
                try:
                    obj, verdict = self._watch_until(api_version, kind, namespace, name, predicate, obj, verdict,
                                                     deadline)
                    continue
                except K8sGoneError:
                    # The resourceVersion we resumed from was compacted: read afresh and watch again.
                    obj = self.client.get(api_version, kind, namespace, name)
                    verdict = _as_verdict(predicate(obj))
                    continue
                except K8sApiError as err:
                    if isinstance(err, K8sUnavailableError) and not err.transient:
                        raise
                    self.watch_failed_reason = err.message
                    use_watch = False
            self._sleeper(max(0.0, min(self.sleep, deadline - self._clock())))
            try:
                obj = self.client.get(api_version, kind, namespace, name)
            except K8sUnavailableError as err:
                # An API server blip during a long rollout must not abort the wait; the deadline bounds it.
                if not err.transient:
                    raise
                verdict = Verdict(False, False, "API unavailable: %s" % err.message)
                continue
            known = True
            verdict = _as_verdict(predicate(obj))

    def _watch_until(self, api_version, kind, namespace, name, predicate, obj, verdict, deadline):
        """Follow one watch request; return (obj, verdict) when decided, at the deadline or when it ends."""
        remaining = deadline - self._clock()
        rv = ((obj or {}).get("metadata") or {}).get("resourceVersion")
        opened = self._clock()
        saw_event = False
        for event_type, event_obj in self.client.watch(api_version, kind, namespace, name=name, resource_version=rv,
                                                       timeout_seconds=max(1, int(min(remaining, MAX_WATCH_SECONDS)))):
            if event_type in ("ADDED", "MODIFIED"):
                obj = event_obj
            elif event_type == "DELETED":
                obj = None
            else:
                continue
            saw_event = True
            verdict = _as_verdict(predicate(obj))
            if verdict.done or verdict.failed or self._clock() >= deadline:
                return obj, verdict
        # The server closed the watch (its timeout): re-read so nothing between watches is missed.
        if not saw_event and self._clock() - opened < 1:
            # A watch that ends at once with nothing in it would spin; pace it like polling.
            self._sleeper(max(0.0, min(self.sleep, deadline - self._clock())))
        obj = self.client.get(api_version, kind, namespace, name)
        return obj, _as_verdict(predicate(obj))
