#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: canary
short_description: Start a canary release of a new version next to the stable Deployment
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Ensures the canary Deployment of a new I(version) of an app exists, derived from the app's stable Deployment
    (found by its pod template label I(app_label)=I(app)) - the stable pod template with the new image(s),
    the new I(version_label) value and any I(template_overrides) - starting with I(replicas) pods on top of the
    full stable, plus a canary-only Service selecting I(app_label)=I(app) and I(version_label)=I(version) for
    smoke tests.
  - Records the release on the cluster (annotations C(progressive.delivery/phase), C(step), C(started-at),
    C(total-replicas), ... on the canary Deployment) and takes the app's release lock, so a re-run, another
    controller or an AWX retry continues the same release. Move it with M(progressive.delivery.scale_step),
    complete it with M(progressive.delivery.release_finish), undo it with M(progressive.delivery.release_rollback).
  - Refuses, before any write, when no stable or several stable candidates exist, when a Service of the app
    selects on the version (it would skip the canary), when the stable has no version label, when the version
    is the stable one or is on the app's reject list (unless I(force=true)), or when a release of another
    version is in progress.
  - I(state=absent) removes the canary and its Service, but only when the stable already runs all N pods Ready;
    otherwise use M(progressive.delivery.release_rollback).
extends_documentation_fragment:
  - progressive.delivery.release_canary
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  version:
    description: The new version (a valid label value). Required with I(state=present).
    type: str
  replicas:
    description: Pods the canary starts with, on top of the full stable (the first step then moves stable pods).
    type: int
    default: 1
  progress_deadline_seconds:
    description:
      - C(spec.progressDeadlineSeconds) of the canary (default - the stable's). A canary whose pods never get Ready
        (for example a readiness probe that keeps failing) then fails at this deadline with
        C(ProgressDeadlineExceeded) and the pod's last warning, instead of waiting for I(wait_timeout).
    type: int
  name:
    description: Name of the canary Deployment. Defaults to C(<app>-<version>) made a valid DNS label.
    type: str
  service_name:
    description: Name of the canary Service. Defaults to the canary Deployment's default name.
    type: str
  create_service:
    description: Create the canary-only Service.
    type: bool
    default: true
  step_strategy:
    description:
      - How the release will step, for RV(targets) - V(pods) moves O(step_size) pods per step (one at a time by
        default, like the method), V(weights) follows O(step_weights) (percent of N, rounded like Argo Rollouts).
      - The schedule is checked here, also in check mode, so a schedule that cannot be stepped stops the release
        before anything is written.
    type: str
    choices: [pods, weights]
    default: pods
  step_size:
    description: Pods moved per step with O(step_strategy=pods); 1 or more.
    type: int
    default: 1
  step_weights:
    description: Canary share of N after each step with O(step_strategy=weights), increasing, from 1 to 100, ending at 100.
    type: list
    elements: int
    default: [10, 25, 50, 100]
  state:
    description: C(present) starts (or confirms) the canary; C(absent) removes the canary and its Service.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (returns the plan in C(plan), writes nothing) and diff mode.
  - With I(wait=true) (default) the module waits until the canary's pods are Ready and fails fast with the pod's
    own reason (C(CrashLoopBackOff), C(ErrImagePull), C(ImagePullBackOff)) or C(ProgressDeadlineExceeded).
seealso:
  - module: progressive.delivery.scale_step
  - module: progressive.delivery.release_finish
  - module: progressive.delivery.release_rollback
  - module: progressive.delivery.release_info
"""

EXAMPLES = r"""
- name: Start the canary of web 2.0.0 (one pod next to the stable)
  progressive.delivery.canary:
    namespace: shop
    app: web
    version: "2.0.0"
    image: registry.example.com/web:2.0.0
    container: web

- name: Start a canary with two containers and an extra environment variable
  progressive.delivery.canary:
    namespace: shop
    app: web
    version: "2.1.0"
    images:
      web: registry.example.com/web:2.1.0
      sidecar: registry.example.com/proxy:1.9
    template_overrides:
      spec:
        containers:
          - name: web
            env:
              - name: FEATURE_X
                value: "on"

- name: Remove a canary that never took traffic (the stable still runs all pods)
  progressive.delivery.canary:
    namespace: shop
    app: web
    version: "2.0.0"
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.release_actions
targets:
  description:
    - The canary pods after each step still to take, from the last completed step on (that one included, so a
      re-run verifies the step it stopped at and never moves twice); pass each to M(progressive.delivery.scale_step).
  returned: when a release is in progress or planned
  type: list
  elements: int
  sample: [1, 2, 3]
completed_canary_replicas:
  description: Canary pods of the last completed step (0 before the first step).
  returned: when the canary exists and not in check mode
  type: int
  sample: 1
name:
  description: Name of the canary Deployment.
  returned: state=present
  type: str
  sample: web-2-0-0
service_name:
  description: Name of the canary Service (null with create_service=false).
  returned: state=present
  type: str
  sample: web-2-0-0
version:
  description: The canary version.
  returned: always
  type: str
  sample: 2.0.0
stable_version:
  description: Version of the stable Deployment.
  returned: state=present
  type: str
  sample: 1.9.3
stable:
  description: Name of the stable Deployment.
  returned: state=present
  type: str
  sample: web
total_replicas:
  description: N, the app's size recorded for this release (the stable's replicas when the canary was created).
  returned: state=present
  type: int
  sample: 5
actions:
  sample: ["create Deployment web-2-0-0", "create Service web-2-0-0"]
canary:
  description: Replicas of the canary Deployment after the run.
  returned: state=present and not check mode
  type: dict
  sample: {"name": "web-2-0-0", "version": "2.0.0", "role": "canary", "replicas": 1, "ready_replicas": 1,
           "available_replicas": 1, "updated_replicas": 1}
phase:
  description: Release phase recorded on the canary (Created, Failed, ...).
  returned: state=present and not check mode
  type: str
  sample: Created
"""

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(
            version={"type": "str"},
            replicas={"type": "int", "default": 1},
            progress_deadline_seconds={"type": "int"},
            name={"type": "str"},
            service_name={"type": "str"},
            create_service={"type": "bool", "default": True},
            state={"type": "str", "choices": ["present", "absent"], "default": "present"},
            step_strategy={"type": "str", "choices": ["pods", "weights"], "default": "pods"},
            step_size={"type": "int", "default": 1},
            step_weights={"type": "list", "elements": "int", "default": [10, 25, 50, 100]},
        ),
        canary=True,
        with_wait=True,
        required_if=[("state", "present", ("version",))],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "absent":
        run(module, lambda ctx: canary_ops.remove_canary(ctx, p["version"]))
    run(module, lambda ctx: canary_ops.ensure_canary(
        ctx, p["version"], image=p["image"], container=p["container"], images=p["images"],
        overrides=p["template_overrides"], replicas=p["replicas"], name=p["name"], service_name=p["service_name"],
        create_service=p["create_service"], force=p["force"], check_permissions=p["check_permissions"],
        extra_permissions=p["extra_permissions"], progress_deadline_seconds=p["progress_deadline_seconds"],
        steps={"strategy": p["step_strategy"], "step_size": p["step_size"], "weights": p["step_weights"]}))


if __name__ == "__main__":
    main()
