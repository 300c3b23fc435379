#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: multicluster_ingress
short_description: Manage a GKE MultiClusterIngress on a fleet's config cluster
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Ensures a C(networking.gke.io/v1) MultiClusterIngress (MCI) exists with the given default backend, rules and
    annotations, or is absent. Run it against the fleet's config cluster.
  - Backends name a MultiClusterService (C(serviceName)) and one of its ports (C(servicePort), number or name), the
    Ingress backend shape GKE's MCI uses. Before anything is written, every backend is checked - a MultiClusterService
    that does not exist or a port it does not expose fails the task naming the field.
  - The module owns the MCI C(spec) (replaced as a whole) and the annotations it lists (other annotations are kept),
    for example C(networking.gke.io/static-ip) or C(networking.gke.io/pre-shared-certs).
  - The MultiClusterServices it sends to are in the MCI's I(namespace). I(state=absent) deletes the MCI and its load
    balancer.
extends_documentation_fragment:
  - progressive.delivery.multicluster_object
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
options:
  default_backend:
    description: Where requests no rule matches go (C(spec.template.spec.backend)).
    type: dict
    suboptions:
      service_name:
        description: Name of the MultiClusterService.
        type: str
        required: true
      service_port:
        description: Port of the MultiClusterService, by number or by name.
        type: raw
        required: true
  rules:
    description:
      - Host and path rules in the MCI shape - each rule has an optional C(host) and C(http.paths), a list of
        C(path) and C(backend) (with C(serviceName) and C(servicePort)); see the examples.
      - Paths use the GCE URL map syntax (C(/*), C(/api/*)).
      - At least one of I(default_backend) and I(rules) is required with I(state=present).
    type: list
    elements: dict
notes:
  - Supports check mode (nothing is written) and diff mode (the managed part of the MCI before and after).
  - With I(wait=true) (default) the module waits until the MCI status has a VIP, a backend service for every
    distinct backend and network endpoint groups.
seealso:
  - module: progressive.delivery.multicluster_service
"""

EXAMPLES = r"""
- name: Expose MultiClusterService web through one global VIP
  progressive.delivery.multicluster_ingress:
    context: shop-prod-config
    namespace: shop
    name: web
    default_backend:
      service_name: web
      service_port: 8080

- name: Send /api to another MultiClusterService, keep a static IP
  progressive.delivery.multicluster_ingress:
    context: shop-prod-config
    namespace: shop
    name: web
    annotations:
      networking.gke.io/static-ip: 34.102.1.2
    default_backend:
      service_name: web
      service_port: http
    rules:
      - host: shop.example.com
        http:
          paths:
            - path: /api/*
              backend:
                serviceName: api
                servicePort: 8080
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.multicluster_result
vip:
  description: The load balancer VIP from the MCI status (null until GKE assigned it, or without wait).
  returned: state=present
  type: str
  sample: 34.101.7.19
backends:
  description: The network endpoint groups serving the MCI (one per backend and cluster), from its status.
  returned: state=present
  type: list
  elements: str
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster import objects
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.module_support import (
    COMMON_ARG_SPEC,
    ensure_absent_and_gone,
    ensure_present_and_ready,
    result_of,
    run,
)
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.predicates import mci_ready
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.references import check_backends

BACKEND_SPEC = {
    "service_name": {"type": "str", "required": True},
    "service_port": {"type": "raw", "required": True},
}


def ensure(module):
    p = module.params
    client = module.client
    api_version, kind = objects.MCI_API_VERSION, objects.MCI_KIND
    if p["state"] == "absent":
        return ensure_absent_and_gone(module, api_version, kind)
    desired = objects.multicluster_ingress(p["name"], p["namespace"], p["default_backend"], p["rules"],
                                           p["annotations"])
    check_backends(client, desired)
    distinct = set((backend["serviceName"], str(backend["servicePort"]))
                   for field, backend in objects.ingress_backends(desired))
    outcome = ensure_present_and_ready(module, desired, mci_ready(len(distinct)))
    status = outcome.obj.get("status") or {}
    return result_of(module, outcome, vip=status.get("VIP"),
                     backends=list((status.get("CloudResources") or {}).get("NetworkEndpointGroups") or []))


def main():
    module = K8sModule(
        argument_spec=dict(
            COMMON_ARG_SPEC,
            default_backend={"type": "dict", "options": BACKEND_SPEC},
            rules={"type": "list", "elements": "dict"},
        ),
        with_wait=True,
        required_if=[("state", "present", ("default_backend", "rules"), True)],
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
