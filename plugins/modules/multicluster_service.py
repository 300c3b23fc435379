#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: multicluster_service
short_description: Manage a GKE MultiClusterService on a fleet's config cluster
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Ensures a C(networking.gke.io/v1) MultiClusterService (MCS) exists with the given pod I(selector), I(ports),
    cluster links and annotations, or is absent. Run it against the fleet's config cluster.
  - GKE then creates a headless derived Service (C(mci-<name>-svc-<hash>)) in every selected member cluster, whose
    endpoints follow the ready pods there. A MultiClusterIngress naming the MCS spreads traffic over them.
  - I(clusters) selects member clusters by link (C(<region or zone>/<cluster name>)); leaving it out selects every
    member cluster. Removing a link drains that cluster (its derived Service goes away).
  - Links are checked before anything is written, against I(known_clusters) when given, else against the ConfigMap
    C(kube-public/fleet-memberships) of the config cluster when it exists (fleetsim publishes it), else for their
    shape only (with a warning).
  - The module owns the MCS C(spec) (replaced as a whole) and the annotations it lists (other annotations are kept),
    for example C(cloud.google.com/backend-config).
  - I(name) is also the name MultiClusterIngress backends use. The derived Services are made in the MCS's
    I(namespace) in each member cluster, which must exist there. I(state=absent) deletes the MCS and so its derived
    Services.
extends_documentation_fragment:
  - progressive.delivery.multicluster_object
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  selector:
    description:
      - Pod labels the derived Services select, for example C(app=web), or C(app=web) and C(version=2) for a
        smoke-test service of version 2 only.
      - Required with I(state=present).
    type: dict
  ports:
    description: Ports of the derived Services. Required with I(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: Port name; required when there are several ports.
        type: str
      port:
        description: Port number.
        type: int
        required: true
      target_port:
        description: Container port (number or name); defaults to I(port).
        type: raw
      protocol:
        description: Protocol of the port.
        type: str
        choices: [TCP, UDP, SCTP]
        default: TCP
  clusters:
    description:
      - Links of the member clusters to serve from, C(<region or zone>/<cluster name>), e.g. C(us-east1/prod-us-east1).
      - Leave it out to select every member cluster of the fleet. An empty list is refused.
    type: list
    elements: str
  known_clusters:
    description:
      - The fleet's member cluster links to check I(clusters) against, e.g. from
        C(gcloud container fleet memberships list). When not given, the config cluster's ConfigMap
        C(kube-public/fleet-memberships) is used if it exists.
    type: list
    elements: str
notes:
  - Supports check mode (nothing is written) and diff mode (the managed part of the MCS before and after).
  - With I(wait=true) (default) the module waits until the MCS status lists a derived Service in every selected
    cluster and fails at once when the controller reports C(Synced=False) (unknown cluster, missing namespace).
    This reads the status the fleetsim simulation writes (see docs/multicluster.md); against a real GKE config
    cluster, whose controller documents no such status, use I(wait=false).
seealso:
  - module: progressive.delivery.multicluster_ingress
  - module: progressive.delivery.service_export
"""

EXAMPLES = r"""
- name: Serve app web from every member cluster
  progressive.delivery.multicluster_service:
    context: shop-prod-config
    namespace: shop
    name: web
    selector:
      app: web
    ports:
      - name: http
        port: 8080

- name: Smoke-test service for version 2 only, in one cluster
  progressive.delivery.multicluster_service:
    context: shop-prod-config
    namespace: shop
    name: web-v2
    selector:
      app: web
      version: "2"
    ports:
      - name: http
        port: 8080
    clusters:
      - us-east1/shop-prod-us-east1

- name: Drain europe-west1 (its link is removed)
  progressive.delivery.multicluster_service:
    context: shop-prod-config
    namespace: shop
    name: web
    selector:
      app: web
    ports:
      - name: http
        port: 8080
    clusters:
      - us-east1/shop-prod-us-east1
      - asia-east1/shop-prod-asia-east1
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.multicluster_result
derived_services:
  description: Where a derived Service exists, from the MCS status (link, cluster, derivedService).
  returned: state=present
  type: list
  elements: dict
  sample: [{"link": "us-east1/shop-prod-us-east1", "cluster": "shop-prod-us-east1",
            "derivedService": "mci-web-svc-u6oahsztiypcpldk"}]
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster import objects
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.links import (
    check_links,
    fleet_memberships,
)
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.module_support import (
    COMMON_ARG_SPEC,
    ensure_absent_and_gone,
    ensure_present_and_ready,
    result_of,
    run,
)
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.predicates import (
    derived_services,
    mcs_synced,
)

PORT_SPEC = {
    "name": {"type": "str"},
    "port": {"type": "int", "required": True},
    "target_port": {"type": "raw"},
    "protocol": {"type": "str", "choices": ["TCP", "UDP", "SCTP"], "default": "TCP"},
}


def ensure(module):
    p = module.params
    client = module.client
    api_version, kind = objects.MCS_API_VERSION, objects.MCS_KIND
    if p["state"] == "absent":
        return ensure_absent_and_gone(module, api_version, kind)
    desired = objects.multicluster_service(p["name"], p["namespace"], p["selector"], p["ports"], p["clusters"],
                                           p["annotations"])
    members, source = fleet_memberships(client, p["known_clusters"])
    expected = members
    if p["clusters"] is not None:
        if not p["clusters"]:
            raise InvalidInput("clusters", "is empty; leave it out to select every member cluster, or list the "
                                           "links to serve from")
        if members is None:
            module.warn("clusters: cannot check the links against the fleet membership: no known_clusters and no "
                        "ConfigMap kube-public/fleet-memberships on context '%s'." % client.context)
        check_links(p["clusters"], members, source)
        expected = p["clusters"]
    outcome = ensure_present_and_ready(module, desired, mcs_synced(expected))
    return result_of(module, outcome, derived_services=derived_services(outcome.obj))


def main():
    module = K8sModule(
        argument_spec=dict(
            COMMON_ARG_SPEC,
            selector={"type": "dict"},
            ports={"type": "list", "elements": "dict", "options": PORT_SPEC},
            clusters={"type": "list", "elements": "str"},
            known_clusters={"type": "list", "elements": "str"},
        ),
        with_wait=True,
        required_if=[("state", "present", ("selector", "ports"))],
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
