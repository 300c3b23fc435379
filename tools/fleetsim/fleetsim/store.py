"""Object storage for one cluster: objects by resource, one resourceVersion counter (like etcd's
revision), a bounded per-resource event history for watch resumption, and the live watchers."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

# Events kept per resource for watches that resume from a resourceVersion; older ones answer 410.
# Bounded by count and by age (etcd compacts every 5 minutes), so busy clusters stay small.
DEFAULT_HISTORY = 1000
DEFAULT_RETENTION_S = 300.0


def clone(value):
    """A deep copy of a JSON-shaped value (dicts, lists, scalars): 3x faster than copy.deepcopy,
    and every read and every subscriber notification makes one."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


@dataclass
class StoredEvent:
    type: str          # ADDED | MODIFIED | DELETED
    resource: str      # fully qualified resource name
    obj: dict          # committed object (never mutated after commit)
    old: dict | None   # previous object for MODIFIED / DELETED
    rv: int
    at: float = 0.0    # time.monotonic() of the commit


class Store:
    def __init__(self, history: int = DEFAULT_HISTORY, start_rv: int = 1,
                 retention_s: float = DEFAULT_RETENTION_S):
        self._rv = start_rv
        self._objects: dict[str, dict[tuple[str, str], dict]] = {}
        self._history_size = history
        self._retention_s = retention_s
        self._history: dict[str, deque[StoredEvent]] = {}
        # Newest resourceVersion that fell out of the history, per resource (watch from <= it gets 410).
        self._compacted: dict[str, int] = {}
        self._watchers: dict[str, set] = {}

    # -- revisions ---------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def next_rv(self) -> int:
        self._rv += 1
        return self._rv

    # -- reads (callers must not mutate what they get; Api deep-copies before returning) -------
    def get(self, resource: str, namespace: str | None, name: str) -> dict | None:
        return self._objects.get(resource, {}).get((namespace or "", name))

    def items(self, resource: str, namespace: str | None = None) -> list[dict]:
        objs = self._objects.get(resource, {})
        keys = sorted(k for k in objs if namespace is None or k[0] == namespace)
        return [objs[k] for k in keys]

    def resources(self) -> list[str]:
        """Every resource with objects stored (a dump of the whole cluster walks these)."""
        return sorted(r for r, objs in self._objects.items() if objs)

    def drop_resource(self, resource: str) -> None:
        """Forget a resource entirely (its CRD was deleted after its objects were removed)."""
        self._objects.pop(resource, None)

    # -- writes ------------------------------------------------------------------------------
    def commit(self, event_type: str, resource: str, obj: dict, old: dict | None) -> StoredEvent:
        """Store obj (already carrying its new metadata.resourceVersion) and tell the watchers."""
        key = (obj["metadata"].get("namespace", "") or "", obj["metadata"]["name"])
        bucket = self._objects.setdefault(resource, {})
        if event_type == "DELETED":
            bucket.pop(key, None)
        else:
            bucket[key] = obj
        now = time.monotonic()
        ev = StoredEvent(event_type, resource, obj, old, int(obj["metadata"]["resourceVersion"]), now)
        hist = self._history.get(resource)
        if hist is None:
            hist = self._history[resource] = deque()
        while hist and (len(hist) >= self._history_size or hist[0].at < now - self._retention_s):
            dropped = hist.popleft()
            self._compacted[resource] = dropped.rv
        hist.append(ev)
        for w in list(self._watchers.get(resource, ())):
            w.offer(ev)
        return ev

    # -- watch support -----------------------------------------------------------------------
    def oldest_available(self, resource: str) -> int:
        """The oldest resourceVersion a watch on this resource can resume after."""
        return self._compacted.get(resource, 0)

    def events_since(self, resource: str, rv: int) -> list[StoredEvent]:
        return [e for e in self._history.get(resource, ()) if e.rv > rv]

    def add_watcher(self, resource: str, watcher) -> None:
        self._watchers.setdefault(resource, set()).add(watcher)

    def remove_watcher(self, resource: str, watcher) -> None:
        self._watchers.get(resource, set()).discard(watcher)

    def watcher_count(self) -> int:
        return sum(len(ws) for ws in self._watchers.values())


class Watcher:
    """An async iterator of watch events ({"type": ..., "object": ...}) for one watch request.

    The initial events (synthetic ADDED for a watch without resourceVersion, or the history after
    the given one) are queued at creation; live events arrive through offer(). Objects moving into
    or out of the selection are reported as ADDED / DELETED, as the watch cache does.
    """

    def __init__(self, store: Store, resource: str, matches: Callable[[dict], bool], *,
                 allow_bookmarks: bool = False, bookmark_interval: float = 60.0,
                 bookmark_object: Callable[[int], dict] | None = None):
        self._store = store
        self.resource = resource
        self._matches = matches
        self._queue: deque[tuple[str, dict]] = deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self.allow_bookmarks = allow_bookmarks
        self.bookmark_interval = bookmark_interval
        self._bookmark_object = bookmark_object
        self.last_rv = store.resource_version
        # Set for views served from another resource's storage (events.k8s.io Events).
        self.convert: Callable[[dict], dict] | None = None

    def queue_initial(self, event_type: str, obj: dict) -> None:
        self._queue.append((event_type, obj))

    def offer(self, ev: StoredEvent) -> None:
        if self._closed:
            return
        new_match = ev.type != "DELETED" and self._matches(ev.obj)
        old_match = ev.old is not None and self._matches(ev.old)
        if ev.type == "DELETED":
            if old_match or self._matches(ev.obj):
                self._queue.append(("DELETED", ev.obj))
        elif ev.type == "ADDED":
            if new_match:
                self._queue.append(("ADDED", ev.obj))
        elif new_match and old_match:
            self._queue.append(("MODIFIED", ev.obj))
        elif new_match:
            self._queue.append(("ADDED", ev.obj))
        elif old_match:
            # Left the selection: the real watch cache reports it as deleted (with the new object).
            self._queue.append(("DELETED", ev.obj))
        self.last_rv = ev.rv
        self._wakeup.set()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._store.remove_watcher(self.resource, self)
            self._wakeup.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self):
        return self

    async def __anext__(self) -> dict:
        while True:
            if self._queue:
                return self._event(*self._queue.popleft())
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            if self.allow_bookmarks and self._bookmark_object is not None:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self.bookmark_interval)
                except asyncio.TimeoutError:
                    return {"type": "BOOKMARK", "object": self._bookmark_object(self._store.resource_version)}
            else:
                await self._wakeup.wait()

    def next_nowait(self) -> dict | None:
        """The next queued event or None (for synchronous callers and tests)."""
        if self._queue:
            return self._event(*self._queue.popleft())
        return None

    def _event(self, event_type: str, obj: dict) -> dict:
        if self.convert is not None and event_type != "BOOKMARK":
            return {"type": event_type, "object": self.convert(obj)}
        return {"type": event_type, "object": clone(obj)}

    def pending(self) -> int:
        return len(self._queue)
