#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: scale_step
short_description: Move a canary release's split to a target, never below serving capacity
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Moves the pods of an app between its stable and canary Deployments to a target; N is the app's size recorded
    when the canary was created. A target is I(canary_replicas=k) (the stable gets N - k), I(weight=p) (percent of
    N, rounded to the nearest pod like Argo Rollouts' basic canary, keeping one pod on each side for 1-99%) or
    I(next_step=true) (I(step_size) more canary pods than the last completed step; the first step after
    M(progressive.delivery.canary) only takes a pod from the stable, since the canary started on top of it).
  - Capacity first. With I(order=up_first) (default) the side that gains pods is scaled up and waited for until
    Ready, then the other side is scaled down, so ready pods never fall below N. I(order=down_first) is the
    method's original order (a stable pod down, then a canary pod up); it needs I(max_unavailable>=1) and moves
    at most that many pods at a time.
  - Target-based and resumable. The target is recorded on the canary (annotation
    C(progressive.delivery/target-canary-replicas), phase C(Scaling)) before anything moves, and the current
    split is read from the cluster; a run interrupted mid-step and run again completes that same step, never a
    second one. A second run with the same target reports C(changed=false).
  - Fails fast with the pod's own reason when the pods being added crash-loop or cannot pull their image, or the
    Deployment reports C(ProgressDeadlineExceeded); the phase becomes C(Failed) with C(last-error) set, the
    split is left where it is (never below capacity), and M(progressive.delivery.release_rollback) undoes it.
  - Gated in the same process when O(checks) is given. After the move the checks are measured on the new split
    exactly as M(progressive.delivery.gate_check) measures them (same options, verdicts and return shape, under
    RV(gate)); the task fails when the gate fails (or is inconclusive with O(fail_on_inconclusive=true)),
    with RV(verdict), RV(reason) and RV(blame) where a C(rescue) reads a failed gate_check's. The checks are
    validated before anything moves. One process per step instead of two saves a module start-up per step per
    cluster.
extends_documentation_fragment:
  - progressive.delivery.gate
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  version:
    description: Version of the release to move; when set, the module refuses to move a release of another version.
    type: str
  canary_replicas:
    description: Target canary pods k (0 to N); the stable gets N - k.
    type: int
  weight:
    description: Target canary share of N in percent (0-100), rounded to whole pods like Argo Rollouts.
    type: int
  next_step:
    description: Move to the next step after the last completed one (or complete an interrupted one).
    type: bool
    default: false
  step_size:
    description: Pods moved by I(next_step).
    type: int
    default: 1
  order:
    description: C(up_first) (default, capacity never below N) or C(down_first) (needs I(max_unavailable>=1)).
    type: str
    choices: [up_first, down_first]
    default: up_first
  max_unavailable:
    description: How many of the N pods may be unready during the step (only C(down_first) uses it).
    type: int
    default: 0
  verdict:
    description: Gate verdict that allowed this step, recorded as C(progressive.delivery/last-verdict).
    type: str
  checks:
    description:
      - The checks of the gate that judges this step, measured after the move (also in check mode, as
        M(progressive.delivery.gate_check) measures there). Without them the step is not gated.
      - Their names must be unique.
notes:
  - Supports check mode (C(plan) lists the moves, nothing is written) and diff mode (replicas per version).
  - I(wait=false) is refused when a move would have to wait for Ready pods before the next one.
seealso:
  - module: progressive.delivery.canary
  - module: progressive.delivery.release_finish
  - module: progressive.delivery.release_rollback
"""

EXAMPLES = r"""
- name: Move one pod from the stable to the canary
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    version: "2.0.0"
    next_step: true

- name: Go to 3 canary pods (the stable gets N - 3)
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    canary_replicas: 3

- name: Follow a weight schedule; each entry is a target, so a re-run never steps twice
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    weight: "{{ item }}"
  loop: [10, 25, 50, 100]

- name: Next step, judged on user traffic in the same process (the task fails when the gate fails)
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    next_step: true
    verdict: "step 1: pass"
    prometheus:
      url: http://prometheus.monitoring:9090
    checks:
      - name: error-ratio
        provider: prometheus
        query: >-
          (sum(rate(http_requests_total{service="web", version="2", code=~"5.."}[1m])) or vector(0))
          / sum(rate(http_requests_total{service="web", version="2"}[1m]))
        success_condition: result <= 0.01
        initial_delay: 30s
        interval: 30s
        count: 4

- name: The method's original order (stable pod down first), allowed to lose one pod of capacity
  progressive.delivery.scale_step:
    namespace: shop
    app: web
    next_step: true
    order: down_first
    max_unavailable: 1
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.release_split
version:
  description: Version of the canary.
  returned: when a release is in progress
  type: str
  sample: "2.0.0"
stable_version:
  description: Version of the stable.
  returned: when a release is in progress
  type: str
  sample: "1.9.3"
total_replicas:
  description: N of this release.
  returned: when a release is in progress
  type: int
  sample: 5
target:
  description: The target split.
  returned: when a release is in progress
  type: dict
  sample: {"stable": 3, "canary": 2}
target_weight:
  description: Canary share of the target split in percent.
  returned: when a release is in progress
  type: int
  sample: 40
moves:
  description: The ordered moves (Deployment role, replicas, whether Ready pods were awaited before going on).
  returned: always
  type: list
  elements: dict
  sample: [{"deployment": "canary", "replicas": 2, "wait_ready": true},
           {"deployment": "stable", "replicas": 3, "wait_ready": false}]
plan:
  description: In check mode, the moves that would be made.
  returned: check mode
  type: list
  elements: dict
step:
  description: Steps completed in this release.
  returned: when a release is in progress
  type: int
  sample: 2
phase:
  description: Release phase after the run (Steady once the target is reached).
  returned: always
  type: str
  sample: Steady
duration:
  description: Seconds the step took.
  returned: when a release is in progress
  type: float
  sample: 12.4
gate:
  description:
    - The gate's result, as M(progressive.delivery.gate_check) returns it (verdict, reason, blame, checks,
      measurements, duration).
  returned: when O(checks) is given and the move succeeded
  type: dict
  sample: {"verdict": "pass", "reason": "all 1 checks successful", "checks": [], "measurements": []}
verdict:
  description: The gate's verdict, V(fail) or V(inconclusive), at the top of a failed task's result.
  returned: when the gate failed the task
  type: str
  sample: fail
reason:
  description: The gate's one-line reason, at the top of a failed task's result.
  returned: when the gate failed the task
  type: str
  sample: "check 'error-ratio' failed: 0.12 breached result <= 0.01"
blame:
  description: V(version) (a value breached its condition) or V(evidence) (nothing could be judged).
  returned: when the task failed
  type: str
  sample: version
"""

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate_options import gate_argument_spec
from ansible_collections.progressive.delivery.plugins.module_utils.release import gated_step
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(
            gate_argument_spec(checks_required=False),
            version={"type": "str"},
            canary_replicas={"type": "int"},
            weight={"type": "int"},
            next_step={"type": "bool", "default": False},
            step_size={"type": "int", "default": 1},
            order={"type": "str", "choices": ["up_first", "down_first"], "default": "up_first"},
            max_unavailable={"type": "int", "default": 0},
            verdict={"type": "str"},
        ),
        with_wait=True,
        supports_check_mode=True,
    )
    p = module.params

    def move_and_judge(ctx):
        analysis = gated_step.prepare(p["checks"], p["prometheus"], ctx.client)  # before any write
        return gated_step.move_and_judge(
            ctx, analysis, p["fail_on_inconclusive"], canary_replicas=p["canary_replicas"], weight=p["weight"],
            next_step=p["next_step"], step_size=p["step_size"], version=p["version"],
            max_unavailable=p["max_unavailable"], order=p["order"], verdict=p["verdict"])

    run(module, move_and_judge)


if __name__ == "__main__":
    main()
