"""events.k8s.io/v1 Event is a second view of the core/v1 Event storage, as on a real server:
one object, visible (and writable) through both APIs, converted field by field."""
from __future__ import annotations

from ..store import clone


# core/v1 field -> events.k8s.io/v1 field
_RENAMES = [("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
            ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
            ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount")]
_SAME = ("metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type")
FIELD_SELECTOR_RENAMES = {"regarding.": "involvedObject.", "reportingController": "reportingComponent"}


def to_events_v1(core: dict) -> dict:
    out = {"kind": "Event", "apiVersion": "events.k8s.io/v1"}
    for k in _SAME:
        if k in core:
            out[k] = clone(core[k])
    out.setdefault("eventTime", None)
    for old, new in _RENAMES:
        if core.get(old) not in (None, "", {}, 0):
            out[new] = clone(core[old])
    return out


def to_core(ev: dict) -> dict:
    out = {"kind": "Event", "apiVersion": "v1"}
    for k in _SAME:
        if k in ev and ev[k] is not None:
            out[k] = clone(ev[k])
    for old, new in _RENAMES:
        if ev.get(new) not in (None, ""):
            out[old] = clone(ev[new])
    out.setdefault("involvedObject", {})
    out.setdefault("source", {})
    return out


def core_field_selector(selector: str | None) -> str | None:
    if not selector:
        return selector
    parts = []
    for part in selector.split(","):
        for new, old in FIELD_SELECTOR_RENAMES.items():
            if part.startswith(new):
                part = old + part[len(new):]
        parts.append(part)
    return ",".join(parts)


class EventsView:
    """How the Api serves events.k8s.io/v1 from the core storage (see Api._view)."""

    @staticmethod
    def to_view(obj: dict) -> dict:
        return to_events_v1(obj)

    @staticmethod
    def to_view_item(obj: dict) -> dict:
        out = to_events_v1(obj)
        out.pop("kind", None)
        out.pop("apiVersion", None)
        return out

    @staticmethod
    def to_storage(obj: dict) -> dict:
        return to_core(obj)

    @staticmethod
    def field_selector(selector):
        return core_field_selector(selector) if isinstance(selector, str) else selector
