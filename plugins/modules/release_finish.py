#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_finish
short_description: Finish a canary release - the canary becomes the app's stable
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Brings the canary to N pods and waits until they are Ready, then deletes the old stable Deployment (or, with
    I(keep_stable=true), scales it to 0 and marks it retired for a fast-rollback window) and the canary Service.
    The canary is marked as the app's stable (phase C(Completed)); its labels already carry the app and the new
    version, so the next release finds it as the stable.
  - Nothing is removed before N canary pods are Ready, so capacity never drops; the app's release lock is released.
  - Idempotent - once finished, running it again reports C(changed=false).
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  version:
    description: Version being finished; refuses to finish a release of another version.
    type: str
  keep_stable:
    description: Keep the old stable Deployment at 0 replicas (role retired) instead of deleting it; an older
      retired Deployment of the app is deleted so one window is kept.
    type: bool
    default: false
notes:
  - Supports check mode (C(plan) lists the actions) and diff mode.
  - Waiting for the canary's pods is not optional here; I(wait_timeout) bounds it.
seealso:
  - module: progressive.delivery.scale_step
  - module: progressive.delivery.release_rollback
"""

EXAMPLES = r"""
- name: Finish the release of web 2.0.0
  progressive.delivery.release_finish:
    namespace: shop
    app: web
    version: "2.0.0"

- name: Finish but keep the old stable at 0 replicas for a quick way back
  progressive.delivery.release_finish:
    namespace: shop
    app: web
    keep_stable: true
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.release_actions
  - progressive.delivery.release_split
version:
  description: The version that is now stable.
  returned: always
  type: str
  sample: "2.0.0"
previous_version:
  description: The version that was stable before.
  returned: changed
  type: str
  sample: "1.9.3"
total_replicas:
  description: N of the release.
  returned: changed
  type: int
  sample: 5
phase:
  description: C(Completed) once finished.
  returned: always
  type: str
  sample: Completed
duration:
  description: Seconds the finish took.
  returned: changed and not check mode
  type: float
"""

from ansible_collections.progressive.delivery.plugins.module_utils.release import finish
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(version={"type": "str"}, keep_stable={"type": "bool", "default": False}),
        with_wait=True,
        supports_check_mode=True,
    )
    p = module.params
    run(module, lambda ctx: finish.finish_release(ctx, version=p["version"], keep_stable=p["keep_stable"]))


if __name__ == "__main__":
    main()
