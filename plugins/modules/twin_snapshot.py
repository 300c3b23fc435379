#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: twin_snapshot
short_description: Read what a simulated twin of the fleet needs from every real cluster, changing nothing
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Read-only. Reads every cluster of O(clusters) from one process (a thread each) - in member clusters the app's
    Deployments (by the O(app_label) label), the Services selecting the app and the release record ConfigMap; in
    the config clusters of O(config_clusters) the MultiClusterService and MultiClusterIngress objects of the
    namespace - and returns them as create requests (no status, uid, resourceVersion or other server-owned
    fields), with how long the app's pods took to become Ready in each member cluster.
  - Also returns the fleet file of the twin (RV(fleet)) - the same sets, environments and regions, so the fleet
    simulator names every cluster as the real one is named - with each set's pod-ready delay taken from the
    slowest of its clusters (O(pod_ready_default) where no cluster shows it).
  - C(playbooks/rehearse.yml) builds the dress rehearsal's twin from it with M(progressive.delivery.twin_restore).
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.k8s_auth
options:
  clusters:
    description:
      - Every cluster to read (member and config clusters), by name, with its connection options (C(kubeconfig),
        C(context), C(host), C(api_key), ...), as for M(progressive.delivery.rollout_plan). An entry with no options
        uses the module's.
    type: dict
    required: true
  config_clusters:
    description: The names in O(clusters) that are config clusters (read for MCS/MCI only).
    type: list
    elements: str
    default: []
  sets:
    description:
      - >-
        The fleet's layout for the twin's fleet file, per environment set its C(environments) in promotion order, its
        C(regions) in wave order and its member C(clusters), e.g.
        C({services: {environments: [dev, prod], regions: [us-east1], clusters: [services-dev-us-east1]}}).
    type: dict
    required: true
  clock_speed:
    description: Simulated seconds per real second in the twin (1 - as fast as the real fleet).
    type: float
    default: 1
  pod_ready_default:
    description: Seconds a twin's pod takes to become Ready in a set where no real cluster shows the app's history.
    type: float
    default: 5
  parallel:
    description: Clusters read at the same time.
    type: int
    default: 20
  fail_on_error:
    description: Fail naming every cluster that could not be read (a twin without it would not be the fleet).
    type: bool
    default: true
notes:
  - Never changes anything; works the same in check mode. The only requests it makes are reads (GET, LIST).
seealso:
  - module: progressive.delivery.twin_restore
  - module: progressive.delivery.rollout_plan
"""

EXAMPLES = r"""
- name: Read the real fleet for the twin
  progressive.delivery.twin_snapshot:
    namespace: shop
    app: web
    clusters: "{{ dict(groups['services'] | zip(groups['services'] | map('extract', hostvars, 'k8s_auth'))) }}"
    config_clusters: "{{ groups['config_clusters'] }}"
    sets:
      services:
        environments: [dev, staging, prod]
        regions: [us-east1, europe-west1]
        clusters: "{{ groups['services'] | difference(groups['config_clusters']) }}"
  register: snapshot
"""

RETURN = r"""
clusters:
  description:
    - Per cluster name, C(objects) (create requests, in no particular order), C(pod_ready) (C(seconds), C(pods),
      C(replicaset)) or null, and C(error) (why the cluster could not be read) or null.
  returned: always
  type: dict
fleet:
  description: The twin's fleet file (docs/fleetsim.md), to be written as YAML and started with C(fleetsim up).
  returned: always
  type: dict
pod_ready:
  description: Per set, C(pod_ready_seconds) and its C(source) (V(measured) or V(default)).
  returned: always
  type: dict
objects:
  description: How many objects were read, all clusters together.
  returned: always
  type: int
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.release import names, preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import argument_spec
from ansible_collections.progressive.delivery.plugins.module_utils.twin import fleet_file, snapshot


def spec():
    return argument_spec(
        clusters={"type": "dict", "required": True},
        config_clusters={"type": "list", "elements": "str", "default": []},
        sets={"type": "dict", "required": True},
        clock_speed={"type": "float", "default": 1},
        pod_ready_default={"type": "float", "default": 5},
        parallel={"type": "int", "default": 20},
        fail_on_error={"type": "bool", "default": True},
    )


def snapshot_of(p):
    names.check_label_value("app", p["app"])
    names.check_namespace("namespace", p["namespace"])
    defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
    auths = dict((name, preflight.cluster_auth(name, entry, defaults)) for name, entry in p["clusters"].items())
    roles = dict((name, "config") for name in p["config_clusters"])
    reads = snapshot.read_all(auths, roles, p["namespace"], p["app"], p["app_label"], p["parallel"])
    failed = ["%s: %s" % (name, read["error"]) for name, read in reads.items() if read["error"]]
    if failed and p["fail_on_error"]:
        raise ReleaseError("the twin cannot be built, clusters not read: " + "; ".join(failed), field="clusters")
    fleet, delays = fleet_file.twin_fleet(p["sets"], reads, [p["namespace"]], p["clock_speed"], p["pod_ready_default"])
    return {"changed": False, "clusters": reads, "fleet": fleet, "pod_ready": delays,
            "objects": sum(len(read["objects"]) for read in reads.values())}


def main():
    module = K8sModule(argument_spec=spec(), supports_check_mode=True)
    module.no_log_values.update(preflight.secrets_of(module.params["clusters"]))
    module.run(lambda: snapshot_of(module.params), input_errors=(ReleaseError,))


if __name__ == "__main__":
    main()
