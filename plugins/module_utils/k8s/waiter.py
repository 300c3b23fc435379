# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait until one object satisfies a predicate (the modules' `wait`): the shared ObjectWatch on that object."""

from __future__ import annotations

import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import (
    DEFAULT_WAIT_SLEEP,
    DEFAULT_WAIT_TIMEOUT,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.object_watch import (
    MAX_WATCH_SECONDS,
    ObjectWatch,
    WaitError,
    WaitFailedError,
    WaitTimeoutError,
)

# The wait errors live with the one wait mechanism; callers of the modules' `wait` find them here too.
__all__ = ["MAX_WATCH_SECONDS", "Waiter", "WaitError", "WaitFailedError", "WaitTimeoutError"]


class Waiter:
    """Waits on one object of one cluster. ``clock``/``sleeper`` are injectable for tests."""

    def __init__(self, client, timeout=DEFAULT_WAIT_TIMEOUT, sleep=DEFAULT_WAIT_SLEEP, clock=time.monotonic,
                 sleeper=time.sleep):
        self.client = client
        self.timeout = float(timeout)
        self.sleep = max(0.05, float(sleep))
        self._clock = clock
        self._sleeper = sleeper
        # Set once a watch could not be used (unsupported, broken proxy...): the wait polled.
        self.watch_failed_reason = None

    def wait_for(self, api_version, kind, namespace, name, predicate):
        """Return (object, elapsed seconds) once ``predicate(obj)`` is done.

        Raises WaitFailedError as soon as the predicate reports failure, WaitTimeoutError at the deadline.
        """
        watch = ObjectWatch(self.client, api_version, kind, namespace, self.timeout, self.sleep, clock=self._clock,
                            sleeper=self._sleeper)
        try:
            return watch.until(name, predicate)
        finally:
            watch.close()
            self.watch_failed_reason = watch.watch_failed_reason
