#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: baseline
short_description: Start or remove fresh pods of the stable version to judge a canary against
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Kayenta's advice for a fair comparison - judge the canary against pods as young as its own, not against the
    long-running stable (warm caches, grown heaps and old connections make those a different population). With
    I(state=present) the module ensures the baseline Deployment C(<app>-baseline) of the release in progress -
    the stable's pod template unchanged but for the pod label C(progressive.delivery/track=baseline), as many
    pods as the canary runs now (at least 1) or I(replicas). The app's Services select it by the app label, so
    it takes its share of the user traffic, and the statistical judge selects its metrics by that label
    (M(progressive.delivery.gate_check) V(prometheus_judge) O(progressive.delivery.gate_check#module:checks[].baseline_track)).
  - The baseline only adds pods - it is never the stable or the canary, never moves the split and is never part of
    the app's N - so the capacity rule holds whatever happens to it. Its selector carries the track label, so the
    stable's ReplicaSets never own its pods.
  - Resumable. There is one baseline per app (by name); a re-run after a kill adopts it and resizes it to the
    canary, never starts a second one; a baseline of another stable (a leftover of an earlier release) is
    replaced. M(progressive.delivery.release_rollback) and M(progressive.delivery.release_finish) remove a
    baseline too, and a rollback with no release in progress removes a leftover one.
  - Refuses when no release is in progress, when the release is frozen, or when a Deployment that is not a
    baseline has the name. Pods of the baseline that do not get Ready fail the module with C(blame=evidence)
    - the stable version's pods failed, not the canary.
  - I(state=absent) removes the app's baseline (nothing else is touched).
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  version:
    description: Version of the canary in progress; when set, the module refuses a release of another version.
    type: str
  replicas:
    description: Pods of the baseline (1 or more). Default - as many as the canary has now (at least 1).
    type: int
  state:
    description: C(present) starts, adopts or resizes the baseline; C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (C(plan) lists the actions, nothing is written) and diff mode (the baseline's name, size
    and stable version).
  - Sizing follows the canary each time the module runs, so run it before every analysis of a step.
seealso:
  - module: progressive.delivery.gate_check
  - module: progressive.delivery.canary
  - module: progressive.delivery.release_rollback
  - module: progressive.delivery.release_finish
"""

EXAMPLES = r"""
- name: Start (or resize) the baseline of the release in progress, sized like its canary
  progressive.delivery.baseline:
    namespace: shop
    app: web
    version: "2.0.0"
  register: baseline

- name: Judge the canary against the baseline, not the long-running stable
  progressive.delivery.gate_check:
    prometheus:
      url: http://prometheus.monitoring:9090
    checks:
      - name: judge
        provider: prometheus_judge
        canary_version: "2.0.0"
        baseline_version: "{{ baseline.stable_version }}"
        baseline_track: "{{ baseline.track }}"
        metrics:
          - name: latency-p50
            query: >-
              histogram_quantile(0.5, sum by (pod, le) (rate(http_request_duration_seconds_bucket{
              service="web", version="{version}", track="{track}"}[{interval}])))

- name: Remove the baseline once the analysis is over
  progressive.delivery.baseline:
    namespace: shop
    app: web
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.release_actions
name:
  description: Name of the baseline Deployment.
  returned: always
  type: str
  sample: web-baseline
replicas:
  description: Pods the baseline runs (or would run in check mode).
  returned: state=present
  type: int
  sample: 1
version:
  description: Version of the canary in progress (as given with I(state=absent)).
  returned: always
  type: str
  sample: 2.0.0
canary:
  description: Name of the canary Deployment the baseline is sized like.
  returned: state=present
  type: str
  sample: web-2-0-0
stable:
  description: Name of the stable Deployment whose pod template the baseline runs.
  returned: state=present
  type: str
  sample: web
stable_version:
  description: The stable version the baseline runs (the judge's O(progressive.delivery.gate_check#module:checks[].baseline_version)).
  returned: state=present
  type: str
  sample: 1.9.3
track_label:
  description: Pod label that tells the baseline's pods apart.
  returned: state=present
  type: str
  sample: progressive.delivery/track
track:
  description: Value of I(track_label) on the baseline's pods (the judge's O(progressive.delivery.gate_check#module:checks[].baseline_track)).
  returned: state=present
  type: str
  sample: baseline
baseline:
  description: Replicas of the baseline Deployment after the run.
  returned: state=present and not check mode
  type: dict
  sample: {"name": "web-baseline", "version": "1.9.3", "role": "baseline", "replicas": 1, "ready_replicas": 1,
           "available_replicas": 1, "updated_replicas": 1}
actions:
  sample: ["create Deployment web-baseline: 1 pod(s) of stable version 1.9.3, track baseline"]
"""

from ansible_collections.progressive.delivery.plugins.module_utils.release import baseline
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module, run


def main():
    module = release_module(
        dict(
            version={"type": "str"},
            replicas={"type": "int"},
            state={"type": "str", "choices": ["present", "absent"], "default": "present"},
        ),
        with_wait=True,
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "absent":
        run(module, lambda ctx: baseline.remove_baseline(ctx, p["version"]))
    run(module, lambda ctx: baseline.ensure_baseline(ctx, p["version"], p["replicas"]))


if __name__ == "__main__":
    main()
