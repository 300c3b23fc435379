#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: twin_restore
short_description: Create the objects of a fleet snapshot in a simulated twin
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Creates, in every twin cluster of O(objects), the objects M(progressive.delivery.twin_snapshot) read from the
    real cluster of the same name - release record ConfigMap first, then Services, Deployments, MCS/MCI - replacing
    any that already exist, then waits until every Deployment has rolled out (O(wait)).
  - Give it the twin's connection only (O(clusters), or the module's C(kubeconfig)); it never reads or writes
    anything else. C(playbooks/rehearse.yml) uses it to build the dress rehearsal's twin.
extends_documentation_fragment:
  - progressive.delivery.k8s_auth
options:
  objects:
    description: Per twin cluster name, the objects to create there (the C(objects) of RV(progressive.delivery.twin_snapshot#module:clusters)).
    type: dict
    required: true
  clusters:
    description:
      - Connection options per twin cluster name (C(kubeconfig), C(context), C(host), ...); a cluster missing here
        uses the module's options with its name as C(context), as in the kubeconfig C(fleetsim up) writes.
    type: dict
    default: {}
  wait:
    description: Wait until every Deployment created has rolled out.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each Deployment.
    type: int
    default: 120
notes:
  - In check mode it reports what it would create and changes nothing.
  - The real fleet is read by M(progressive.delivery.twin_snapshot) alone; this module writes to the twin.
seealso:
  - module: progressive.delivery.twin_snapshot
"""

EXAMPLES = r"""
- name: Create the snapshot in the twin
  progressive.delivery.twin_restore:
    kubeconfig: "{{ twin_state_dir }}/kubeconfig"
    objects: "{{ dict(snapshot.clusters.keys() | zip(snapshot.clusters.values() | map(attribute='objects'))) }}"
"""

RETURN = r"""
restored:
  description: Per twin cluster, every object written, in order, as C(kind), C(name) and C(action) (V(created), V(replaced)).
  returned: always
  type: dict
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.release import preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.twin import restore


def spec():
    return dict(
        objects={"type": "dict", "required": True},
        clusters={"type": "dict", "default": {}},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 120},
    )


def restore_all(module):
    p = module.params
    defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
    restored = {}
    for name, objects in p["objects"].items():
        # A fleetsim kubeconfig names each cluster's context after the cluster.
        entry = dict(p["clusters"].get(name) or dict((k, v) for k, v in defaults.items() if v is not None))
        if "host" not in entry:
            entry.setdefault("context", name)
        auth = preflight.cluster_auth(name, entry, defaults)
        restored[name] = restore.restore_cluster(auth, objects, check_mode=module.check_mode, wait=p["wait"],
                                                 timeout=p["wait_timeout"])
    changed = any(restored.values())
    return {"changed": changed, "restored": restored}


def main():
    module = K8sModule(argument_spec=spec(), supports_check_mode=True)
    module.run(lambda: restore_all(module), input_errors=(ReleaseError,))


if __name__ == "__main__":
    main()
