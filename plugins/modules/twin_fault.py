#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: twin_fault
short_description: Fire a timed fault drill in a simulated twin once the canary starts there
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - >-
    Waits until a Deployment of the new version (labels O(app_label)=O(app), O(version_label)=O(version)) exists in
    one of O(clusters) of the twin that C(fleetsim up) runs from O(state_dir), then fires the drill there: O(kind=unreachable)
    closes that twin cluster's API port (the fleet simulator's admin fault C(unreachable)), O(kind=prometheus_down)
    stops the twin's Prometheus.
  - C(playbooks/rehearse.yml) runs it as an async task beside the twin's rollout for every V(unreachable) and
    V(prometheus_down) drill of C(rehearse_faults), so the cluster goes away mid-step, as in production.
  - It gives up without firing when the twin stops, when O(stop_file) appears or after O(timeout) seconds.
  - >-
    It watches the twin through O(state_dir)'s C(kubeconfig) (or the module's C(kubeconfig)), each cluster by its
    name as context, and fires through the twin's admin endpoint; it never writes to a Kubernetes API.
extends_documentation_fragment:
  - progressive.delivery.k8s_auth
options:
  state_dir:
    description: The twin's state directory (C(fleetsim up --state-dir)); its C(kubeconfig), C(fleet.json) and C(prometheus.pid) are used.
    type: path
    required: true
  clusters:
    description: The twin clusters of the drill; the first where the canary starts is the one drilled.
    type: list
    elements: str
    required: true
  kind:
    description: What happens once the canary has started.
    type: str
    required: true
    choices: [unreachable, prometheus_down]
  namespace:
    description: Namespace of the app.
    type: str
    required: true
  app:
    description: The app (value of O(app_label)).
    type: str
    required: true
  version:
    description: The version being rolled out (value of O(version_label) on its canary).
    type: str
    required: true
  app_label:
    description: Label key holding the app name.
    type: str
    default: app
  version_label:
    description: Label key holding the version.
    type: str
    default: version
  stop_file:
    description: Give up without firing once this file exists (the rehearsal writes it when the rollout has ended).
    type: path
    default: ""
  timeout:
    description: Give up without firing after this many seconds.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between two looks at the clusters.
    type: float
    default: 0.5
notes:
  - In check mode it reports what it would watch and fires nothing.
seealso:
  - module: progressive.delivery.twin_restore
"""

EXAMPLES = r"""
- name: Make services-staging-us-east1 unreachable once the canary starts there (beside the rollout)
  progressive.delivery.twin_fault:
    state_dir: .state/rehearsal
    clusters: [services-staging-us-east1]
    kind: unreachable
    namespace: shop
    app: web
    version: "2"
    stop_file: .state/rehearsal/drills.stop
  async: 3600
  poll: 0
  register: drill
"""

RETURN = r"""
fired:
  description: Whether the fault was fired.
  returned: always
  type: bool
cluster:
  description: The twin cluster where the canary started and the drill fired.
  returned: when fired
  type: str
after_seconds:
  description: Seconds from the start of the watch to the fault.
  returned: when fired
  type: float
reason:
  description: What happened, in one line.
  returned: always
  type: str
"""

import os

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.release import names, preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.twin import drill_watch


def spec():
    return dict(
        state_dir={"type": "path", "required": True},
        clusters={"type": "list", "elements": "str", "required": True},
        kind={"type": "str", "required": True, "choices": ["unreachable", "prometheus_down"]},
        namespace={"type": "str", "required": True},
        app={"type": "str", "required": True},
        version={"type": "str", "required": True},
        app_label={"type": "str", "default": "app"},
        version_label={"type": "str", "default": "version"},
        stop_file={"type": "path", "default": ""},
        timeout={"type": "int", "default": 3600},
        poll_interval={"type": "float", "default": 0.5},
    )


def run(module):
    p = module.params
    names.check_label_value("version", p["version"])
    names.check_label_value("app", p["app"])
    if module.check_mode:
        return {"changed": False, "fired": False,
                "reason": "would fire %s once the canary starts in %s" % (p["kind"], ", ".join(p["clusters"]))}
    defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
    # fleetsim's kubeconfig names each cluster's context after the cluster.
    entry = {"kubeconfig": p.get("kubeconfig") or os.path.join(p["state_dir"], "kubeconfig")}
    auths = dict((name, preflight.cluster_auth(name, dict(entry, context=name), defaults)) for name in p["clusters"])
    selector = "%s=%s,%s=%s" % (p["app_label"], p["app"], p["version_label"], p["version"])
    try:
        result = drill_watch.watch(auths, p["namespace"], selector, p["kind"], p["state_dir"], stop_file=p["stop_file"],
                                   timeout=p["timeout"], sleep=p["poll_interval"])
    except drill_watch.DrillWatchError as err:
        module.fail_json(msg="twin_fault: %s" % err)
    result.pop("fault", None)
    return dict(result, changed=result["fired"])


def main():
    module = K8sModule(argument_spec=spec(), supports_check_mode=True)
    module.run(lambda: run(module), input_errors=(ReleaseError,))


if __name__ == "__main__":
    main()
