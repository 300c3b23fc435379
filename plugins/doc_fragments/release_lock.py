# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The app's release lock (plugins/module_utils/release/module_support.py LOCK_ARG_SPEC, release/lock.py)."""

    DOCUMENTATION = r"""
options:
  lock_owner:
    description:
      - Who holds the app's release lock. Defaults to C(user@host) of the machine running the module. A lock of
        another owner is never taken while it is live.
    type: str
  lock_run:
    description:
      - Which run of O(lock_owner) this is, for example C(lookup('progressive.delivery.run_id')) (one id per
        C(ansible-playbook) run or AWX job); the roles pass it. Only the run holding the lock moves the release; a
        second run of the same owner is refused while the first holds it, naming the holder.
      - A run takes over the lock of an earlier run of the same owner once that run is provably gone (a killed
        process on the same controller) or its lock expired, so a re-run after a kill continues.
      - Unset, the module is any run of its owner (each call re-enters the owner's lock).
    type: str
  lock_ttl:
    description:
      - Seconds the lock stays valid after it is renewed (at least C(wait_timeout) + 60 where the module waits).
      - A call renews it once a tenth of this has passed since the last renewal, or sooner when fewer than
        C(wait_timeout) + 60 seconds are left; calls made in between only read it.
    type: int
    default: 900
  take_over_lock:
    description: Take over the lock of another owner once it has expired (a run that was interrupted).
    type: bool
    default: false
"""
