"""The simulated clock every controller and kubelet delay goes through."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest

from fleetsim.clock import Clock, format_go_duration, format_time, parse_duration, parse_time


def test_speed_must_be_positive():
    for bad in (0, -1, "fast", True):
        with pytest.raises(ValueError, match="clock speed"):
            Clock(bad)


def test_simulated_time_runs_speed_times_faster():
    clock = Clock(100, start=datetime(2026, 1, 1, tzinfo=timezone.utc))
    t0, m0 = clock.now(), clock.monotonic()
    time.sleep(0.05)
    elapsed = clock.monotonic() - m0
    assert 4.5 <= elapsed <= 30
    assert abs((clock.now() - t0).total_seconds() - elapsed) < 1
    assert clock.timestamp().startswith("2026-01-01T00:00:")


@pytest.mark.asyncio
async def test_sleep_and_call_later_are_scaled():
    clock = Clock(50)
    fired = asyncio.Event()
    start = time.monotonic()
    clock.call_later(5, fired.set)      # 5 simulated seconds = 0.1 real seconds
    await asyncio.wait_for(fired.wait(), 2)
    assert 0.08 <= time.monotonic() - start < 1.5
    start = time.monotonic()
    await clock.sleep(2.5)
    assert 0.04 <= time.monotonic() - start < 1.0
    handle = clock.call_later(1, pytest.fail, "cancelled timers never fire")
    handle.cancel()
    await clock.sleep(2)


@pytest.mark.parametrize("text,seconds", [("5s", 5), ("500ms", 0.5), ("1m30s", 90), ("2h", 7200), ("3", 3),
                                          ("1.5s", 1.5)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5x", "s", "5 s", "1m30"])
def test_parse_duration_rejects_nonsense_with_a_hint(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_go_duration_strings_match_kubelet_messages():
    assert [format_go_duration(s) for s in (10, 20, 40, 80, 160, 300, 3600)] == [
        "10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "1h0m0s"]


def test_times_round_trip():
    moment = datetime(2026, 11, 26, 9, 30, 5, tzinfo=timezone.utc)
    assert format_time(moment) == "2026-11-26T09:30:05Z"
    assert parse_time("2026-11-26T09:30:05Z") == moment
    assert parse_time("2026-11-26T09:30:05.123456Z").microsecond == 123456
    assert parse_time(None) is None and parse_time("yesterday") is None
