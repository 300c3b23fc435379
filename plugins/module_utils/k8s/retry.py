# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy of the collection: which requests are sent again, how often, after how long.

K8sClient owns it; no caller wraps a call in retries of its own.

- A transient failure (5xx, 429, a refused connection, a timeout) is retried for every verb that is safe to
  send twice: reads, merge patches, replaces (a PUT that landed answers 409 when repeated, and update()
  re-reads), deletes (a repeated delete finds nothing). A create is repeated after a refused connection (it
  never reached the server); after any other transient failure it is repeated only when a read shows it did
  not land - if it did, K8sAlreadyExistsError says so, and the caller checks the object is its own.
- A 409 Conflict is retried only for writes the server did not apply and may simply take again: a patch
  without resourceVersion, a delete, a create answered plain Conflict (not AlreadyExists). Reads are never
  retried on 409 (a real API server never answers a read with it). A PUT with a stale resourceVersion is
  not repeated: update() reads the object again and re-applies the change.
- Exponential backoff, capped, at least what the server asked for (Retry-After / retryAfterSeconds).
"""

from __future__ import annotations

import copy
import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
    K8sNotFoundError,
    K8sUnavailableError,
    describe_object,
)


def backoff_delay(attempt, base_delay=0.5, max_delay=8):
    """Delay before retry number ``attempt`` (0-based): exponential, capped."""
    return min(max_delay, base_delay * (2 ** attempt))


def _retry_after(err):
    """Seconds the server asked us to wait (Status details.retryAfterSeconds on 429/503), if any."""
    details = (err.details or {}).get("details") or {}
    value = details.get("retryAfterSeconds")
    return value if isinstance(value, (int, float)) and value > 0 else None


DEFAULT_ATTEMPTS = 5

READS = ("GET", "LIST", "WATCH")


class RetryPolicy(object):
    """Send a request again when the failure says it is safe and useful (see the module docstring)."""

    def __init__(self, attempts=DEFAULT_ATTEMPTS, base_delay=0.5, max_delay=8, sleep=time.sleep):
        self.attempts = max(1, int(attempts))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    @staticmethod
    def retryable(verb, err, body=None):
        """Whether a request of verb that failed with err may be sent again as it is."""
        if isinstance(err, K8sAlreadyExistsError):
            return False
        if isinstance(err, K8sConflictError):
            if verb in READS or verb == "PUT":
                return False
            if verb == "PATCH":
                return not ((body or {}).get("metadata") or {}).get("resourceVersion")
            return True
        if isinstance(err, K8sUnavailableError):
            return err.transient
        return False

    def delay(self, attempt, err=None):
        delay = backoff_delay(attempt, self.base_delay, self.max_delay)
        asked = _retry_after(err) if err is not None else None
        return min(self.max_delay, max(delay, asked)) if asked else delay

    def run(self, verb, send, body=None, landed=None):
        """send() until it succeeds or may not be repeated; landed() tells whether a failed create landed.

        The last error is raised with the number of attempts in its message.
        """
        for attempt in range(self.attempts):
            try:
                return send()
            except (K8sUnavailableError, K8sConflictError) as err:
                if not self.retryable(verb, err, body):
                    raise
                if verb == "POST" and isinstance(err, K8sUnavailableError) and err.reason != "ConnectionRefused":
                    if landed is None:
                        raise  # a create we cannot check (generateName): sending it again could make two
                    found = landed()
                    if found is not None:
                        raise K8sAlreadyExistsError(
                            "%s; the object exists now (this create, or someone else's, landed)" % err.message,
                            409, "AlreadyExists", {"object": found})
                if attempt == self.attempts - 1:
                    if self.attempts > 1:
                        err.message = "%s (gave up after %d attempts)" % (err.message, self.attempts)
                    raise
                self.sleep(self.delay(attempt, err))
        raise AssertionError("unreachable: the loop returns or raises")


def update_with_conflict_retry(client, api_version, kind, namespace, name, mutate, attempts=5, sleep=time.sleep):
    """Read-modify-write that survives concurrent writers.

    GET the object, call ``mutate(obj)`` on a copy (it may change the copy in place and return None, or
    return a new dict), PUT it with the resourceVersion that was read; on 409 Conflict re-read and
    re-apply. Returns the object as stored. When ``mutate`` changes nothing, no PUT is sent and the
    current object is returned.
    """
    attempts = max(1, int(attempts))
    target = describe_object(kind, namespace, name)
    for attempt in range(attempts):
        current = client.get(api_version, kind, namespace, name)
        if current is None:
            raise K8sNotFoundError(
                "update %s on context '%s' failed: it does not exist. Create it first or check the name and "
                "namespace." % (target, client.context), 404, "NotFound", {"code": 404})
        draft = copy.deepcopy(current)
        result = mutate(draft)
        desired = draft if result is None else result
        if desired == current:
            return current
        desired.setdefault("metadata", {})["resourceVersion"] = current.get("metadata", {}).get("resourceVersion")
        try:
            return client.replace(desired)
        except K8sAlreadyExistsError:
            raise
        except K8sConflictError as err:
            if attempt == attempts - 1:
                err.message = "%s (gave up after %d conflicting writes)" % (err.message, attempts)
                raise
            sleep(backoff_delay(attempt, 0.1, 2))
    raise AssertionError("unreachable: the loop returns or raises")
