# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release lock: stops two runs from moving the same app at once.

An annotation on the app's release record {owner, acquired_at, expires_at}. The run that creates the
canary takes it, every later step renews it, finish and rollback release it. The same owner (by
default user@host of the controller) may re-enter, so a re-run after an interruption continues. A
lock of another owner is never taken while it is live; once expired it is taken over only when the
caller says so (take_over_lock), because an expired lock may still belong to a slow run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import getpass
import json
import socket

from ansible_collections.progressive.delivery.plugins.module_utils.release import release_record, state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import LockHeld

ANNOTATION = "progressive.delivery/lock"

ACQUIRE, RENEW, TAKE_OVER = "acquire", "renew", "take_over"

# A held lock is rewritten once this share of its TTL has passed (or sooner when a call needs more time).
RENEW_AFTER_SHARE = 0.1


def default_owner():
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        user = "ansible"
    return "%s@%s" % (user, socket.gethostname())


class Lock(object):
    def __init__(self, owner, acquired_at, expires_at):
        self.owner = owner
        self.acquired_at = acquired_at
        self.expires_at = expires_at

    @classmethod
    def of(cls, record):
        raw = st.annotations_of(record).get(ANNOTATION)
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"owner": raw}
        return cls(data.get("owner") or "unknown", data.get("acquired_at"), data.get("expires_at"))

    def expired(self, now):
        expires = st.parse_timestamp(self.expires_at)
        return expires is None or expires <= now

    def as_dict(self, now=None):
        out = {"owner": self.owner, "acquired_at": self.acquired_at, "expires_at": self.expires_at}
        if now is not None:
            out["expired"] = self.expired(now)
        return out

    def to_annotation(self):
        return json.dumps({"owner": self.owner, "acquired_at": self.acquired_at, "expires_at": self.expires_at},
                          sort_keys=True)


def decide(current, owner, now, take_over=False):
    """ACQUIRE, RENEW or TAKE_OVER for owner, or raise LockHeld naming the holder and the way out."""
    if current is None:
        return ACQUIRE
    if current.owner == owner:
        return RENEW
    if not current.expired(now):
        raise LockHeld(
            "another run (%s) holds the release lock of this app until %s; wait for it to finish. If that "
            "run is gone, re-run after %s with take_over_lock: true, or use the same lock_owner to resume it"
            % (current.owner, current.expires_at, current.expires_at),
            field="lock_owner",
            details={"lock": current.as_dict(now)},
        )
    if not take_over:
        raise LockHeld(
            "the release lock of this app is held by %s and expired at %s (stale: that run was probably "
            "interrupted); re-run with take_over_lock: true to take it over" % (current.owner, current.expires_at),
            field="take_over_lock",
            details={"lock": current.as_dict(now)},
        )
    return TAKE_OVER


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def with_lock(record, owner, ttl, now, take_over):
    """A copy of record holding the lock for owner until now + ttl (decide() raises if it may not)."""
    decide(Lock.of(record), owner, now, take_over)
    record = copy.deepcopy(record)
    current = Lock.of(record)
    acquired = current.acquired_at if current is not None and current.owner == owner else st.timestamp(now)
    lock = Lock(owner, acquired, st.timestamp(now + datetime.timedelta(seconds=ttl)))
    record["metadata"].setdefault("annotations", {})
    record["metadata"]["annotations"] = dict(record["metadata"]["annotations"] or {}, **{ANNOTATION: lock.to_annotation()})
    return record


def check(client, ref, owner, take_over=False, now=None):
    """Raise LockHeld unless owner could take the lock now (no write; for check mode)."""
    now = now or _now()
    current = Lock.of(release_record.get_record(client, ref))
    return decide(current, owner, now, take_over), current


def renewal_due(current, now, ttl, min_remaining=0):
    """Whether a lock this owner holds must be rewritten now.

    Not while less than RENEW_AFTER_SHARE of its TTL has passed since it was written and at least
    min_remaining seconds (what the calling module may wait) are left: steps seconds apart then read
    the record once and write nothing. The lock never runs out during a call, and a holder that keeps
    calling rewrites it at least every RENEW_AFTER_SHARE x TTL.
    """
    expires = st.parse_timestamp(current.expires_at) if current is not None else None
    if expires is None:
        return True
    remaining = (expires - now).total_seconds()
    return remaining < max(ttl * (1 - RENEW_AFTER_SHARE), min_remaining)


def acquire(client, ref, owner, ttl, take_over=False, now=None, min_remaining=0):
    """Take or renew the lock on the cluster; returns (action, Lock).

    One read of the record; the write (resourceVersion-checked, re-read and re-decided on a conflict)
    only when the lock is taken or its renewal is due.
    """
    now = now or _now()
    record = release_record.get_record(client, ref)
    current = Lock.of(record)
    action = decide(current, owner, now, take_over)
    if action == RENEW and not renewal_due(current, now, ttl, min_remaining):
        return action, current
    record = release_record.update_record(client, ref, lambda r: with_lock(r, owner, ttl, now, take_over),
                                          current=record)
    return action, Lock.of(record)


def release(client, ref, owner, now=None):
    """Drop the lock if owner holds it; a lock of another owner is left alone. Returns True if dropped."""
    record = release_record.get_record(client, ref)
    current = Lock.of(record)
    if current is None or current.owner != owner:
        return False

    def drop(r):
        r = copy.deepcopy(r)
        held = Lock.of(r)
        if held is not None and held.owner == owner:
            r["metadata"]["annotations"] = dict((k, v) for k, v in (r["metadata"].get("annotations") or {}).items()
                                                if k != ANNOTATION)
        return r

    release_record.update_record(client, ref, drop)
    return True
