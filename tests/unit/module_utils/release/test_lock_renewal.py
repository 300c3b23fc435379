"""The lock is read once per call and rewritten only when taken or when its renewal is due."""

import datetime

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import lock
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import LockHeld
from ansible_collections.progressive.delivery.plugins.module_utils.release.release_record import AppRef

REF = AppRef("default", "web")
T0 = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.timezone.utc)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def record_calls(cluster, since):
    return [c[:2] for c in cluster.calls[since:] if c[1] == "ConfigMap"]


def test_taking_the_lock_reads_once_and_creates_the_record(cluster):
    mark = len(cluster.calls)
    action, held = lock.acquire(cluster, REF, "me@here", 900, now=T0)
    assert action == lock.ACQUIRE and held.owner == "me@here" and held.expires_at == "2026-11-26T12:15:00Z"
    assert record_calls(cluster, mark) == [("get", "ConfigMap"), ("create", "ConfigMap")]


def test_a_fresh_lock_of_ours_is_read_and_left_as_it_is(cluster):
    lock.acquire(cluster, REF, "me@here", 900, now=T0)
    mark = len(cluster.calls)
    action, held = lock.acquire(cluster, REF, "me@here", 900, now=at(60), min_remaining=180)
    assert action == lock.RENEW and held.expires_at == "2026-11-26T12:15:00Z"
    assert record_calls(cluster, mark) == [("get", "ConfigMap")]


def test_a_lock_past_a_tenth_of_its_ttl_is_renewed_with_one_checked_write(cluster):
    lock.acquire(cluster, REF, "me@here", 900, now=T0)
    mark = len(cluster.calls)
    action, held = lock.acquire(cluster, REF, "me@here", 900, now=at(91), min_remaining=180)
    assert action == lock.RENEW and held.expires_at == "2026-11-26T12:16:31Z"
    assert held.acquired_at == "2026-11-26T12:00:00Z"
    assert record_calls(cluster, mark) == [("get", "ConfigMap"), ("replace", "ConfigMap")]


def test_a_lock_that_would_run_out_during_the_call_is_renewed_early(cluster):
    lock.acquire(cluster, REF, "me@here", 700, now=T0)
    mark = len(cluster.calls)
    # 650 s left (93% of the TTL), but the call may wait 600 s + 60 s margin.
    _action, held = lock.acquire(cluster, REF, "me@here", 700, now=at(50), min_remaining=660)
    assert held.expires_at == "2026-11-26T12:12:30Z"
    assert record_calls(cluster, mark)[-1] == ("replace", "ConfigMap")


def test_a_record_changed_since_the_read_is_read_again_and_decided_again(cluster):
    lock.acquire(cluster, REF, "me@here", 60, now=T0)
    cluster.conflicts = {"replace": 1}
    _action, held = lock.acquire(cluster, REF, "me@here", 60, now=at(30))
    assert held.expires_at == "2026-11-26T12:01:30Z"
    calls = record_calls(cluster, 0)
    rejected = calls.index(("replace", "ConfigMap"))
    assert ("get", "ConfigMap") in calls[rejected:] and calls[-1] == ("replace", "ConfigMap")


def test_the_stale_lock_rules_are_unchanged(cluster):
    lock.acquire(cluster, REF, "other@host", 60, now=T0)
    with pytest.raises(LockHeld) as live:
        lock.acquire(cluster, REF, "me@here", 900, now=at(30))
    assert live.value.field == "lock_owner"
    with pytest.raises(LockHeld) as stale:
        lock.acquire(cluster, REF, "me@here", 900, now=at(120))
    assert stale.value.field == "take_over_lock"
    action, held = lock.acquire(cluster, REF, "me@here", 900, take_over=True, now=at(120))
    assert action == lock.TAKE_OVER and held.owner == "me@here"
