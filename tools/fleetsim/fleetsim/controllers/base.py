"""What every controller shares: a de-duplicating work queue fed by Api.subscribe, and read helpers.

Like client-go's workqueue: a key is queued at most once however many changes arrive before it is
processed, failed syncs are retried with exponential back-off, and `add_after` schedules a
re-check through the simulated clock (minReadySeconds, progress deadlines). Nothing polls: an idle
cluster costs no CPU.
"""
from __future__ import annotations

import asyncio
import copy
import logging
from typing import Callable, Hashable

from ..errors import ApiError

log = logging.getLogger("fleetsim.controllers")

# Keys processed per loop callback before yielding to other tasks (HTTP handlers, other clusters).
BATCH = 64
# Retry back-off for failed syncs, in real seconds (client-go's default rate limiter: 5ms .. 1000s).
RETRY_BASE = 0.005
RETRY_MAX = 30.0


class WorkQueue:
    def __init__(self, name: str, handler: Callable[[Hashable], float | None], clock):
        self.name = name
        self._handler = handler
        self._clock = clock
        self._pending: dict[Hashable, None] = {}
        self._timers: dict[Hashable, tuple[float, asyncio.TimerHandle]] = {}
        self._failures: dict[Hashable, int] = {}
        self._drain_scheduled = False
        self._stopped = False
        self._loop = asyncio.get_running_loop()

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def add(self, key: Hashable) -> None:
        if self._stopped:
            return
        if not self._on_loop():
            # A write made from another thread: hand the key to the cluster's loop.
            self._loop.call_soon_threadsafe(self.add, key)
            return
        self._pending[key] = None
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self._loop.call_soon(self._drain)

    def add_after(self, key: Hashable, seconds: float) -> None:
        """Process key again after `seconds` of simulated time (keeps the earliest pending timer)."""
        if self._stopped:
            return
        if seconds <= 0:
            self.add(key)
            return
        if not self._on_loop():
            self._loop.call_soon_threadsafe(self.add_after, key, seconds)
            return
        due = self._clock.monotonic() + seconds
        existing = self._timers.get(key)
        if existing and existing[0] <= due:
            return
        if existing:
            existing[1].cancel()
        self._timers[key] = (due, self._clock.call_later(seconds, self._fire, key))

    def _forget_timer(self, key: Hashable) -> None:
        """The key was just reconciled and asked for no later look: a pending re-check is moot."""
        existing = self._timers.pop(key, None)
        if existing:
            existing[1].cancel()

    def _fire(self, key: Hashable) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def _drain(self) -> None:
        self._drain_scheduled = False
        keys = list(self._pending)[:BATCH]
        for key in keys:
            self._pending.pop(key, None)
            if self._stopped:
                return
            try:
                requeue_after = self._handler(key)
            except Exception as exc:  # a failed sync is retried, never fatal for the loop
                n = self._failures.get(key, 0)
                self._failures[key] = n + 1
                delay = min(RETRY_BASE * (2 ** n), RETRY_MAX)
                level = logging.DEBUG if isinstance(exc, ApiError) and exc.code in (404, 409) else logging.WARNING
                log.log(level, "%s: sync %s failed (retry in %.3fs): %s", self.name, key, delay, exc,
                        exc_info=level == logging.WARNING)
                self._loop.call_later(delay, self.add, key)
                continue
            self._failures.pop(key, None)
            if requeue_after is not None:
                self.add_after(key, requeue_after)
            else:
                self._forget_timer(key)
        if self._pending and not self._drain_scheduled:
            self._drain_scheduled = True
            self._loop.call_soon(self._drain)

    def __len__(self) -> int:
        return len(self._pending)

    def shutdown(self) -> None:
        self._stopped = True
        self._pending.clear()
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()


class ManagedApi:
    """The cluster's Api as one component uses it: every write carries the component's field
    manager (kube-controller-manager, kube-scheduler, kubelet), so managedFields read as on a
    real cluster."""

    def __init__(self, api, manager: str):
        self.raw = api
        self.manager = manager

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def create(self, resource, obj, namespace=None, **kw):
        kw.setdefault("field_manager", self.manager)
        return self.raw.create(resource, obj, namespace=namespace, **kw)

    def update(self, resource, obj, subresource=None, **kw):
        kw.setdefault("field_manager", self.manager)
        return self.raw.update(resource, obj, subresource=subresource, **kw)

    def patch(self, resource, namespace, name, patch, patch_type, subresource=None, **kw):
        kw.setdefault("field_manager", self.manager)
        return self.raw.patch(resource, namespace, name, patch, patch_type, subresource=subresource, **kw)


FIELD_MANAGER = "kube-controller-manager"


class Controller:
    """A controller: reacts to committed changes by queueing keys, reconciles one key at a time."""

    name = "controller"
    field_manager = FIELD_MANAGER

    def __init__(self, cluster, recorder):
        self.cluster = cluster
        self.api = ManagedApi(cluster.api, self.field_manager)
        self.clock = cluster.clock
        self.recorder = recorder
        self.queue = WorkQueue(f"{getattr(cluster, 'name', '?')}/{self.name}", self.sync, self.clock)

    # Subclasses override these three.
    def on_change(self, event_type: str, resource: str, obj: dict, old: dict | None) -> None:
        raise NotImplementedError

    def initial_keys(self) -> list[Hashable]:
        return []

    def sync(self, key: Hashable) -> float | None:
        """Reconcile one key; return seconds after which to look again, or None."""
        raise NotImplementedError

    def start(self) -> None:
        for key in self.initial_keys():
            self.queue.add(key)

    def stop(self) -> None:
        self.queue.shutdown()

    # -- reads: the informer cache of a real controller is the store itself here ---------------
    def items(self, resource: str, namespace: str | None = None) -> list[dict]:
        """Live objects (read-only: deep-copy before changing anything)."""
        store = getattr(self.cluster, "store", None)
        if store is not None:
            return store.items(resource, namespace)
        return self.api.list(resource, namespace)["items"]

    def lookup(self, resource: str, namespace: str | None, name: str) -> dict | None:
        store = getattr(self.cluster, "store", None)
        if store is not None:
            return store.get(resource, namespace, name)
        try:
            return self.api.get(resource, namespace, name)
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise


def obj_key(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def controller_ref(obj: dict) -> dict | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: dict, block: bool = True) -> dict:
    """metav1.NewControllerRef(owner): controller true, blockOwnerDeletion true."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": block,
    }


def is_being_deleted(obj: dict) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def deep(obj: dict) -> dict:
    return copy.deepcopy(obj)
