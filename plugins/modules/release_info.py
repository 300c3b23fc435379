#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_info
short_description: Read where an app's canary release stands in one cluster
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Read-only. Returns the versions of the app present in the namespace with desired and ready replicas per
    version, which Deployment is the stable and which the canary, the release phase and step recorded on the
    canary, the release lock and the app's reject list.
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.k8s_auth
notes:
  - Never changes anything; works the same in check mode.
seealso:
  - module: progressive.delivery.canary
  - module: progressive.delivery.scale_step
"""

EXAMPLES = r"""
- name: Where does the release of web stand?
  progressive.delivery.release_info:
    namespace: shop
    app: web
  register: web_release

- name: Stop when a release of web is already running
  ansible.builtin.assert:
    that: web_release.canary is none
    fail_msg: "a release of web is in progress (phase {{ web_release.phase }}, step {{ web_release.step }})"
"""

RETURN = r"""
exists:
  description: Whether any Deployment of the app exists.
  returned: always
  type: bool
versions:
  description: One entry per version with desired and ready replicas and its Deployments.
  returned: always
  type: list
  elements: dict
  sample: [{"version": "1", "replicas": 3, "ready_replicas": 3, "deployments": [{"name": "web", "role": "stable"}]},
           {"version": "2", "replicas": 2, "ready_replicas": 2, "deployments": [{"name": "web-2", "role": "canary"}]}]
stable:
  description: The stable Deployment (name, version, replicas, ready_replicas, ...), or null.
  returned: always
  type: dict
canary:
  description: The canary Deployment of the release in progress, or null.
  returned: always
  type: dict
retired:
  description: Former stables kept at 0 replicas after a finish with keep_stable.
  returned: always
  type: list
  elements: dict
services:
  description: Services selecting the app.
  returned: always
  type: list
  elements: str
canary_services:
  description: Canary-only Services of the release in progress.
  returned: always
  type: list
  elements: str
total_replicas:
  description: N of the release in progress, or null.
  returned: always
  type: int
ready_replicas:
  description: Ready pods of the app, all versions together.
  returned: always
  type: int
phase:
  description: Release phase (Created, Scaling, Steady, Failed, Finishing, RollingBack, or Completed after a finish).
  returned: always
  type: str
  sample: Steady
step:
  description: Steps completed in the release in progress, or null.
  returned: always
  type: int
release:
  description: All release annotations parsed (started_at, updated_at, last_verdict, last_error, targets, ...).
  returned: always
  type: dict
lock:
  description: The release lock (owner, acquired_at, expires_at, expired), or null.
  returned: always
  type: dict
rejected_versions:
  description: The app's reject list.
  returned: always
  type: dict
problems:
  description: Inconsistencies found (several canaries, several stable candidates).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.release import info
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import argument_spec, run


def main():
    module = K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, info.describe_app, wait=False)


if __name__ == "__main__":
    main()
