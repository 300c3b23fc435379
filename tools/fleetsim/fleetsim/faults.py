"""Fault injection state of one simulated cluster.

The apiserver's fault middleware asks ``faults.draw()`` for every API request (except admin
requests): a share answered 500 or 409 (409 to writes only, as a real API server answers it), an added
latency, and ``unreachable`` (the cluster's listening socket is closed, so clients see connection refused,
until cleared). Whoever owns the listener registers ``on_change`` to open/close it when ``unreachable`` flips.
"""
from __future__ import annotations

import dataclasses
import random
import re
from typing import Any, Callable

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}

FIELDS = ("error_500", "error_409", "latency_s", "unreachable")


class FaultError(ValueError):
    """An invalid fault setting; the message names the field."""


@dataclasses.dataclass(frozen=True)
class FaultDecision:
    """What the middleware does with one request: wait ``latency_s``, then answer ``status``
    (500 or 409) instead of handling it, or handle it normally when ``status`` is None."""

    latency_s: float
    status: int | None


@dataclasses.dataclass
class FaultState:
    error_500: float = 0.0
    error_409: float = 0.0
    latency_s: float = 0.0
    unreachable: bool = False
    rng: random.Random = dataclasses.field(default_factory=random.Random, repr=False,
                                           compare=False)
    _listeners: list[Callable[[FaultState, bool], Any]] = dataclasses.field(
        default_factory=list, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return bool(self.error_500 or self.error_409 or self.latency_s or self.unreachable)

    def draw(self) -> FaultDecision:
        """Decide the fate of one request. One uniform draw splits [0, 1) into a 500 share, a 409
        share and the rest, so the shares add up as configured."""
        status = None
        if self.error_500 or self.error_409:
            roll = self.rng.random()
            if roll < self.error_500:
                status = 500
            elif roll < self.error_500 + self.error_409:
                status = 409
        return FaultDecision(self.latency_s, status)

    def on_change(self, listener: Callable[[FaultState, bool], Any]) -> None:
        """``listener(state, unreachable_changed)`` runs after every ``update``/``clear``."""
        self._listeners.append(listener)

    def update(self, **changes: Any) -> list[Any]:
        """Validate and apply changes (only the given fields change). Returns what the listeners
        returned (e.g. coroutines for the caller to await)."""
        values = normalise(changes)
        error_500 = values.get("error_500", self.error_500)
        error_409 = values.get("error_409", self.error_409)
        if error_500 + error_409 > 1.0:
            raise FaultError(f"error_500 + error_409 = {error_500 + error_409:g}: the shares of "
                             "failed requests cannot add up to more than 1")
        was_unreachable = self.unreachable
        for key, value in values.items():
            setattr(self, key, value)
        changed = was_unreachable != self.unreachable
        return [listener(self, changed) for listener in self._listeners]

    def clear(self) -> list[Any]:
        return self.update(error_500=0.0, error_409=0.0, latency_s=0.0, unreachable=False)

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in FIELDS}


def normalise(changes: dict[str, Any]) -> dict[str, Any]:
    """Check fault fields: shares in [0, 1], latency as seconds or '250ms'/'2s', a boolean."""
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in FIELDS:
            raise FaultError(f"{key}: unknown fault; known faults: {', '.join(FIELDS)}")
        if key in ("error_500", "error_409"):
            share = _as_float(key, value)
            if not 0.0 <= share <= 1.0:
                raise FaultError(f"{key}: {value!r} is not a share of requests between 0 and 1 "
                                 "(e.g. 0.2 for 20%)")
            values[key] = share
        elif key == "latency_s":
            values[key] = parse_latency(value, key)
        else:
            if not isinstance(value, bool):
                raise FaultError(f"{key}: {value!r} is not true or false")
            values[key] = value
    return values


def parse_latency(value: Any, field: str = "latency_s") -> float:
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if not match:
            raise FaultError(f"{field}: {value!r} is not a duration (e.g. 250ms, 2s, 1.5)")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        seconds = _as_float(field, value)
    if seconds < 0:
        raise FaultError(f"{field}: {value!r} is negative; latency must be 0 or more")
    return seconds


def _as_float(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"{field}: {value!r} is not a number")
    return float(value)
