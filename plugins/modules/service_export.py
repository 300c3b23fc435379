#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: service_export
short_description: Export a Service to the other clusters of a clusterset (Multi-Cluster Services API)
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Ensures a C(multicluster.x-k8s.io/v1alpha1) ServiceExport exists for the Service of the same name and namespace,
    or is absent. This is the upstream Multi-Cluster Services API (KEP-1645) for fleets that are not on GKE
    MultiClusterService; the implementation then creates a ServiceImport in the other clusters of the clusterset.
  - Run it against the member cluster that runs the Service. I(name) and I(namespace) are those of the Service it
    exports; I(state=absent) stops exporting it.
extends_documentation_fragment:
  - progressive.delivery.multicluster_object
  - progressive.delivery.k8s_auth
  - progressive.delivery.k8s_wait
notes:
  - Supports check mode (nothing is written) and diff mode.
  - With I(wait=true) (default) the module waits for the C(Ready) condition and fails at once when the export is
    not C(Valid) (for example C(NoService) - the Service does not exist - naming the reason the controller gives).
seealso:
  - module: progressive.delivery.multicluster_service
"""

EXAMPLES = r"""
- name: Export Service shop/web to the other clusters
  progressive.delivery.service_export:
    context: shop-prod-us-east1
    namespace: shop
    name: web

- name: Stop exporting it
  progressive.delivery.service_export:
    context: shop-prod-us-east1
    namespace: shop
    name: web
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - progressive.delivery.multicluster_result
conditions:
  description: The ServiceExport conditions (Valid, Ready, Conflict) after the run.
  returned: state=present
  type: list
  elements: dict
  sample: [{"type": "Ready", "status": "True", "reason": "Exported", "message": "imported in 2 other cluster(s)"}]
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
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.predicates import export_ready


def ensure(module):
    p = module.params
    api_version, kind = objects.EXPORT_API_VERSION, objects.EXPORT_KIND
    if p["state"] == "absent":
        return ensure_absent_and_gone(module, api_version, kind)
    desired = objects.service_export(p["name"], p["namespace"], p["annotations"])
    outcome = ensure_present_and_ready(module, desired, export_ready)
    return result_of(module, outcome, conditions=list((outcome.obj.get("status") or {}).get("conditions") or []))


def main():
    module = K8sModule(argument_spec=dict(COMMON_ARG_SPEC), with_wait=True, supports_check_mode=True)
    run(module, ensure)


if __name__ == "__main__":
    main()
