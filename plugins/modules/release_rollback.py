#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_rollback
short_description: Roll a canary release back - the stable to N and Ready first, then the canary removed
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - The fast path back to the stable version from any step of a release, in one move and without gates. The stable
    Deployment is scaled back to N and waited for until N pods are Ready; only then are the canary Deployment and the
    canary Service deleted, and the version is put on the app's reject list (a ConfigMap C(<app>-release)) so
    M(progressive.delivery.canary) refuses it until forced.
  - If the stable cannot become Ready, the canary is left serving and the module fails with the pods' reason;
    capacity never drops. The app's release lock is released at the end.
  - After M(progressive.delivery.release_finish) with I(keep_stable=true), naming the finished I(version) rolls
    that release back through the fast-rollback window - the retired old stable back to N and Ready first, then
    the finished version rejected and deleted. Without I(version) a finished release is never undone.
  - Idempotent - when nothing is in progress it reports C(changed=false).
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  version:
    description:
      - Version being rolled back; a release of another version is left alone.
      - Required to roll back a release that already finished (through the window I(keep_stable) kept open).
    type: str
  reason:
    description: Why (for example the failed gate's message); recorded on the reject list and as last-verdict.
    type: str
  reject:
    description: Put the version on the app's reject list.
    type: bool
    default: true
notes:
  - Supports check mode (C(plan) lists the actions) and diff mode.
  - Waiting for the stable's pods is not optional here; I(wait_timeout) bounds it.
seealso:
  - module: progressive.delivery.canary
  - module: progressive.delivery.release_info
"""

EXAMPLES = r"""
- name: Roll back web 2.1.0 because its error rate gate failed
  progressive.delivery.release_rollback:
    namespace: shop
    app: web
    version: "2.1.0"
    reason: "gate http_errors failed: 7.5% > 1%"

- name: Roll back whatever release of web is in progress, without rejecting the version
  progressive.delivery.release_rollback:
    namespace: shop
    app: web
    reject: false
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.release_actions
  - progressive.delivery.release_split
version:
  description: The version rolled back.
  returned: changed
  type: str
  sample: "2.0.0"
stable_version:
  description: The version serving again.
  returned: changed
  type: str
  sample: "1.9.3"
total_replicas:
  description: N of the release.
  returned: changed
  type: int
  sample: 5
rejected_versions:
  description: The app's reject list after the run.
  returned: always
  type: dict
  sample: {"2.0.0": {"reason": "gate failed", "rejected_at": "2026-11-26T12:00:00Z", "by": "ci@runner"}}
stable_ready_after:
  description: Seconds from the start of the rollback until N stable pods were Ready.
  returned: changed and not check mode
  type: float
duration:
  description: Seconds the rollback took.
  returned: changed and not check mode
  type: float
"""

from ansible_collections.progressive.delivery.plugins.module_utils.release import rollback
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(version={"type": "str"}, reason={"type": "str"}, reject={"type": "bool", "default": True}),
        with_wait=True,
        supports_check_mode=True,
    )
    p = module.params
    run(module, lambda ctx: rollback.rollback_release(ctx, version=p["version"], reason=p["reason"],
                                                      reject=p["reject"]))


if __name__ == "__main__":
    main()
