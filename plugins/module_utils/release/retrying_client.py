# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client wrapper that retries what the release domain can safely send again.

A 409 Conflict on a GET, a LIST, a merge PATCH without resourceVersion, a create or a delete means the
server did not apply the request (busy etcd, an admission race, injected faults), so sending it
again is correct. A PUT with a resourceVersion is not retried here: it needs a fresh read first
(k8s.retry.update_with_conflict_retry does that). AlreadyExists is never retried.

The core client does not repeat a create after a 5xx, because the object may have been created
anyway. Every create of this domain handles AlreadyExists (it reads the object and checks it is its
own), so here a create is repeated after a transient 5xx too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import backoff_delay, call_with_retries

DEFAULT_ATTEMPTS = 8


def retry_conflicts(fn, attempts=DEFAULT_ATTEMPTS, sleep=time.sleep):
    """Call fn(); on K8sConflictError (not AlreadyExists) call it again, up to attempts times."""
    for attempt in range(attempts):
        try:
            return fn()
        except K8sAlreadyExistsError:
            raise
        except K8sConflictError as err:
            if attempt == attempts - 1:
                err.message = "%s (gave up after %d conflicts)" % (err.message, attempts)
                raise
            sleep(backoff_delay(attempt, 0.05, 1.0))
    raise AssertionError("unreachable")


class RetryingClient(object):
    """Same interface as K8sClient; safe verbs retried on 409 Conflict, creates also on 5xx."""

    def __init__(self, client, attempts=DEFAULT_ATTEMPTS, sleep=time.sleep):
        self._client = client
        self._attempts = attempts
        self._sleep = sleep

    def __getattr__(self, name):
        return getattr(self._client, name)

    def _retry(self, fn):
        return retry_conflicts(fn, self._attempts, self._sleep)

    def get(self, *args, **kwargs):
        return self._retry(lambda: self._client.get(*args, **kwargs))

    def list(self, *args, **kwargs):
        return self._retry(lambda: self._client.list(*args, **kwargs))

    def create(self, *args, **kwargs):
        return self._retry(lambda: call_with_retries(lambda: self._client.create(*args, **kwargs), sleep=self._sleep))

    def patch(self, *args, **kwargs):
        body = args[4] if len(args) > 4 else kwargs.get("body")
        if isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"):
            return self._client.patch(*args, **kwargs)  # an optimistic-lock patch must be re-read, not repeated
        return self._retry(lambda: self._client.patch(*args, **kwargs))

    def delete(self, *args, **kwargs):
        return self._retry(lambda: self._client.delete(*args, **kwargs))
