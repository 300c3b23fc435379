#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_freeze
short_description: Freeze a canary release at its current split until a person decides, or lift the freeze
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - O(state=frozen) marks the release in progress as frozen, with the reason, who froze it, when and the split it
    was frozen at. From then on every module that moves pods - M(progressive.delivery.canary),
    M(progressive.delivery.scale_step), M(progressive.delivery.release_finish) - refuses the release, naming the
    freeze and how to lift it. M(progressive.delivery.release_rollback) stays allowed - it is the way out.
  - Meant for versions whose changes a rollback cannot undo (a schema migration), and for a release stopped because
    its evidence (metrics, API) could not be read, when a person should look before anything moves.
  - O(state=thawed) lifts the freeze; the next run of the release continues from the split it was frozen at.
  - Nothing moves either way. The module takes the app's lock only for the moment it writes, and leaves none
    behind, so whoever decides next is not held up by it; a release held by another live run is refused.
  - Idempotent - freezing with the same reason again, or thawing a release that is not frozen, changes nothing.
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
options:
  state:
    description: V(frozen) holds the release at its split, V(thawed) lets it move again.
    type: str
    choices: [frozen, thawed]
    default: frozen
  version:
    description: Version of the release in progress; refuses a release of another version.
    type: str
  reason:
    description: Why the release is frozen; required with O(state=frozen). Shown to whoever finds it frozen.
    type: str
attributes:
  check_mode:
    description: Reports what would change without writing.
    support: full
  diff_mode:
    description: Returns the freeze mark before and after.
    support: full
seealso:
  - module: progressive.delivery.release_info
  - module: progressive.delivery.release_rollback
"""

EXAMPLES = r"""
- name: Hold web 7 where it is; its migration cannot be rolled back
  progressive.delivery.release_freeze:
    namespace: shop
    app: web
    version: "7"
    reason: schema migration 42 applied; decide by hand

- name: Lift the freeze after looking (the next run of the release continues)
  progressive.delivery.release_freeze:
    namespace: shop
    app: web
    state: thawed
"""

RETURN = r"""
frozen:
  description: The freeze mark now on the release (reason, at, by, canary and stable replicas), or null when thawed.
  returned: when a release is in progress
  type: dict
  sample: {"reason": "schema migration 42 applied", "at": "2026-12-07T11:20:00Z", "by": "ops@ctl", "canary": 1,
           "stable": 2}
version:
  description: Version of the release in progress.
  returned: when a release is in progress
  type: str
  sample: "7"
split:
  description: Stable and canary Deployments (name, version, replicas, ready_replicas) at the moment of the call.
  returned: when a release is in progress
  type: dict
"""

from ansible_collections.progressive.delivery.plugins.module_utils.release import freeze
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(
            state={"type": "str", "choices": [freeze.FROZEN, freeze.THAWED], "default": freeze.FROZEN},
            version={"type": "str"},
            reason={"type": "str"},
        ),
        required_if=[("state", freeze.FROZEN, ("reason",))],
        supports_check_mode=True,
    )
    p = module.params
    run(module, lambda ctx: freeze.set_freeze(ctx, state=p["state"], version=p["version"], reason=p["reason"]),
        wait=False)


if __name__ == "__main__":
    main()
