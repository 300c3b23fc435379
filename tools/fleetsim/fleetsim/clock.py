"""Simulated time for one fleet: wall time that runs `speed` times faster than real time.

Every delay a controller or the kubelet waits for (a pod becoming ready, a back-off, a grace
period, minReadySeconds, a progress deadline) goes through the clock, so a test can run a
ten-minute rollout in seconds by raising the speed, and timestamps written into objects stay
consistent with those delays.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class Clock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None):
        if not isinstance(speed, (int, float)) or isinstance(speed, bool) or speed <= 0:
            raise ValueError(f"clock speed must be a number > 0, got {speed!r}")
        self.speed = float(speed)
        self._real_start = time.monotonic()
        self._wall_start = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)

    # -- reading -------------------------------------------------------------------------------
    def monotonic(self) -> float:
        """Simulated seconds since the clock was created."""
        return (time.monotonic() - self._real_start) * self.speed

    def now(self) -> datetime:
        """Simulated wall time (UTC, timezone-aware)."""
        return self._wall_start + timedelta(seconds=self.monotonic())

    def timestamp(self) -> str:
        """now() as Kubernetes writes metav1.Time: second precision, `Z` suffix."""
        return format_time(self.now())

    def real_seconds(self, simulated: float) -> float:
        """How long `simulated` seconds last in real time."""
        return max(0.0, simulated) / self.speed

    # -- waiting -------------------------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.real_seconds(seconds))

    def call_later(self, seconds: float, fn, *args) -> asyncio.TimerHandle:
        """Run fn(*args) on the running loop after `seconds` of simulated time; cancel via handle."""
        return asyncio.get_running_loop().call_later(self.real_seconds(seconds), fn, *args)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def parse_time(text: str | None) -> datetime | None:
    """A metav1.Time string back to a datetime (None for missing or unparsable values)."""
    if not text:
        return None
    try:
        if "." in text:  # RFC3339Nano (MicroTime): drop the fraction beyond microseconds
            head, frac = text.rstrip("Z").split(".", 1)
            return datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(
                microsecond=int((frac + "000000")[:6]), tzinfo=timezone.utc)
        return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_duration(text: str) -> float:
    """A Go-style duration ("500ms", "5s", "1m30s", "2h") or a bare number of seconds, in seconds."""
    value = str(text).strip()
    try:
        return float(value)
    except ValueError:
        pass
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    total, number, i = 0.0, "", 0
    if not value:
        raise ValueError("empty duration")
    while i < len(value):
        ch = value[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if value.startswith("ms", i) else ch
        if unit not in units or not number:
            raise ValueError(f"invalid duration {text!r}: use a number with a unit, like 500ms, 5s, 1m30s")
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        raise ValueError(f"invalid duration {text!r}: missing unit after {number!r} (s, ms, m or h)")
    return total


def format_go_duration(seconds: float) -> str:
    """time.Duration.String() for whole seconds: 10s, 1m20s, 5m0s, 1h0m0s."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"
