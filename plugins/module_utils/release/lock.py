# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release lock: stops two runs from moving the same app at once.

An annotation on the app's release record {owner, run, acquired_at, expires_at}. The run that creates
the canary takes it, every later step renews it, finish and rollback release it.

- owner names who releases (by default user@host of the controller; AWX: the job template), run names
  one ansible-playbook run of that owner (run_identity). Only the run holding the lock may move the
  release: a second run of the same owner started while the first still runs is refused, with the
  holder named.
- A run of the same owner takes over the lock of an earlier run of its own that is provably gone (a
  killed process on this controller) or whose lock expired: a re-run after a kill continues.
- A lock of another owner is never taken while it is live; once expired it is taken over only when
  the caller says so (take_over_lock), because an expired lock may still belong to a slow run.
- A caller that names no run (a module called by hand) is any run of its owner, as before runs existed.
"""

from __future__ import annotations

import copy
import datetime
import getpass
import json
import socket

from ansible_collections.progressive.delivery.plugins.module_utils.release import release_record, run_identity
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
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
    def __init__(self, owner, acquired_at, expires_at, run=None):
        self.owner = owner
        self.acquired_at = acquired_at
        self.expires_at = expires_at
        self.run = run

    @classmethod
    def of(cls, record):
        raw = st.annotations_of(record).get(ANNOTATION)
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"owner": raw}
        return cls(data.get("owner") or "unknown", data.get("acquired_at"), data.get("expires_at"), data.get("run"))

    def expired(self, now):
        expires = st.parse_timestamp(self.expires_at)
        return expires is None or expires <= now

    def held_by(self, owner, run):
        """Whether (owner, run) is the holder: a side that names no run matches any run of the owner."""
        return self.owner == owner and (run is None or self.run is None or self.run == run)

    def holder(self):
        """The holder in words: owner, and the run when there is one."""
        if self.run:
            return "%s (%s)" % (self.owner, run_identity.describe(self.run))
        return self.owner

    def as_dict(self, now=None):
        out = {"owner": self.owner, "run": self.run, "acquired_at": self.acquired_at, "expires_at": self.expires_at}
        if now is not None:
            out["expired"] = self.expired(now)
        return out

    def to_annotation(self):
        data = {"owner": self.owner, "acquired_at": self.acquired_at, "expires_at": self.expires_at}
        if self.run:
            data["run"] = self.run
        return json.dumps(data, sort_keys=True)


def decide(current, owner, now, take_over=False, run=None):
    """ACQUIRE, RENEW or TAKE_OVER for (owner, run), or raise LockHeld naming the holder and the way out."""
    if current is None:
        return ACQUIRE
    if current.held_by(owner, run):
        return RENEW
    if current.owner == owner:
        # Another run of the same owner: its lock is ours to take only once that run is gone.
        if current.expired(now) or run_identity.is_gone(current.run):
            return TAKE_OVER
        raise LockHeld(
            "another run of this release is in progress: %s has held the release lock of this app since %s "
            "(until %s); this run is refused so that two runs never move the same release. Wait for it to "
            "finish. If it was killed, a re-run on the same controller takes its lock over at once, elsewhere "
            "once the lock expires at %s"
            % (current.holder(), current.acquired_at, current.expires_at, current.expires_at),
            field="lock_run",
            details={"lock": current.as_dict(now)},
        )
    if not current.expired(now):
        raise LockHeld(
            "another run (%s) has held the release lock of this app since %s, until %s; wait for it to finish. "
            "If that run is gone, re-run after %s with take_over_lock: true, or use the same lock_owner to resume it"
            % (current.holder(), current.acquired_at, current.expires_at, current.expires_at),
            field="lock_owner",
            details={"lock": current.as_dict(now)},
        )
    if not take_over:
        raise LockHeld(
            "the release lock of this app is held by %s and expired at %s (stale: that run was probably "
            "interrupted); re-run with take_over_lock: true to take it over" % (current.holder(), current.expires_at),
            field="take_over_lock",
            details={"lock": current.as_dict(now)},
        )
    return TAKE_OVER


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def with_lock(record, owner, ttl, now, take_over, run=None):
    """A copy of record holding the lock for (owner, run) until now + ttl (decide() raises if it may not)."""
    action = decide(Lock.of(record), owner, now, take_over, run)
    record = copy.deepcopy(record)
    current = Lock.of(record)
    acquired = current.acquired_at if action == RENEW else st.timestamp(now)
    lock = Lock(owner, acquired, st.timestamp(now + datetime.timedelta(seconds=ttl)),
                run if run is not None or current is None else current.run)
    record["metadata"].setdefault("annotations", {})
    record["metadata"]["annotations"] = dict(record["metadata"]["annotations"] or {}, **{ANNOTATION: lock.to_annotation()})
    return record


def check(client, ref, owner, take_over=False, now=None, run=None):
    """Raise LockHeld unless (owner, run) could take the lock now (no write; for check mode)."""
    now = now or _now()
    current = Lock.of(release_record.get_record(client, ref))
    return decide(current, owner, now, take_over, run), current


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


def acquire(client, ref, owner, ttl, take_over=False, now=None, min_remaining=0, run=None):
    """Take or renew the lock on the cluster; returns (action, Lock).

    One read of the record; the write (resourceVersion-checked, re-read and re-decided on a conflict)
    only when the lock is taken or its renewal is due.
    """
    now = now or _now()
    record = release_record.get_record(client, ref)
    current = Lock.of(record)
    action = decide(current, owner, now, take_over, run)
    if action == RENEW and not renewal_due(current, now, ttl, min_remaining):
        return action, current
    record = release_record.update_record(client, ref, lambda r: with_lock(r, owner, ttl, now, take_over, run),
                                          current=record)
    return action, Lock.of(record)


def release(client, ref, owner, now=None, run=None):
    """Drop the lock if (owner, run) holds it; another holder's lock is left alone. Returns True if dropped."""
    record = release_record.get_record(client, ref)
    current = Lock.of(record)
    if current is None or not current.held_by(owner, run):
        return False

    def drop(r):
        r = copy.deepcopy(r)
        held = Lock.of(r)
        if held is not None and held.held_by(owner, run):
            r["metadata"]["annotations"] = dict((k, v) for k, v in (r["metadata"].get("annotations") or {}).items()
                                                if k != ANNOTATION)
        return r

    release_record.update_record(client, ref, drop)
    return True
