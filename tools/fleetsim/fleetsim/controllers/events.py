"""Events as client-go's EventRecorder writes them (core/v1 Event, aggregated by count).

A repeated event (same source, object, type, reason and message) is not created again: its
`count` goes up and `lastTimestamp` moves, exactly what `kubectl describe` shows as
"(x4 over 2m)".
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from ..errors import ApiError

log = logging.getLogger("fleetsim.events")

# client-go keeps the last 4096 distinct events per recorder for aggregation.
CACHE_SIZE = 4096


class EventRecorder:
    def __init__(self, api, clock):
        self.api = api
        self.clock = clock
        self._seen: OrderedDict[tuple, tuple[str, str]] = OrderedDict()
        self._last_ns = 0

    def event(self, obj: dict, event_type: str, reason: str, message: str, *, component: str,
              host: str | None = None, field_path: str | None = None, action: str | None = None) -> None:
        """Record an event. With `action`, it is written the way components on the events.k8s.io
        recorder (kube-scheduler) write them: eventTime and action set, reportingController and
        reportingInstance instead of source, repeats counted in `series`."""
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        involved = {
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace"),
            "name": meta.get("name"),
            "uid": meta.get("uid"),
            "apiVersion": obj.get("apiVersion"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        if not meta.get("namespace"):
            involved.pop("namespace")
        if field_path:
            involved["fieldPath"] = field_path
        now = self.clock.timestamp()
        key = (component, host, involved["kind"], namespace, involved["name"], involved["uid"], field_path,
               event_type, reason, message)
        try:
            known = self._seen.get(key)
            if known is not None:
                self._seen.move_to_end(key)
                try:
                    current = self.api.get("events", known[0], known[1])
                except ApiError as exc:
                    if exc.code != 404:
                        raise
                    current = None
                if current is not None:
                    if action is not None:
                        series = current.get("series") or {"count": 1}
                        current["series"] = {"count": int(series.get("count") or 1) + 1,
                                             "lastObservedTime": self._micro_now()}
                    else:
                        current["count"] = int(current.get("count") or 1) + 1
                        current["lastTimestamp"] = now
                    self.api.update("events", current)
                    return
            source = {"component": component}
            if host:
                source["host"] = host
            # <object>.<event time in hex nanoseconds>, unique within this recorder.
            self._last_ns = max(self._last_ns + 1, int(self.clock.now().timestamp() * 1e9))
            name = f"{meta.get('name')}.{self._last_ns:x}"
            body = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "source": source,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "type": event_type,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": host or "",
            }
            if action is not None:
                body.update({"source": {}, "firstTimestamp": None, "lastTimestamp": None,
                             "eventTime": self._micro_now(), "action": action,
                             "reportingInstance": f"{component}-{host or 'control-plane'}"})
                body.pop("count")
            self.api.create("events", body, namespace=namespace)
            self._seen[key] = (namespace, name)
            if len(self._seen) > CACHE_SIZE:
                self._seen.popitem(last=False)
        except ApiError as exc:  # e.g. the namespace is terminating: the real recorder drops it too
            log.debug("dropping event %s %s on %s/%s: %s", reason, message, namespace, meta.get("name"), exc)

    def _micro_now(self) -> str:
        """metav1.MicroTime as the API writes it: microseconds, Z suffix."""
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
