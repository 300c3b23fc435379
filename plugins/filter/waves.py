# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: waves
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
short_description: multicluster_release_waves as a play's serial takes it
description:
  - The waves of a multi-cluster release - cluster counts (C(1)) and shares of the clusters (C("50%")) - as a list
    for the play's C(serial) and for the role's checks, however they were given - a list, C(1,100%) or
    C(1, 50%,100%) from C(-e multicluster_release_waves=...), a JSON or YAML list in a string, or one whole number.
  - Numeric strings become numbers, shares keep their C(%). Whether the waves reach every cluster, and whether
    counts and shares are in range, is checked by the multicluster_release preflight.
  - >-
    Anything else fails with one line, C(multicluster_release_waves needs a list, e.g.
    -e '{"multicluster_release_waves": [1, "100%"]}' (got 'banana')) - in the play's C(serial) Ansible shows it as
    C(Error processing keyword 'serial') and stops before any task.
positional: _input
options:
  _input:
    description: The value of multicluster_release_waves.
    type: raw
    required: true
seealso:
  - plugin: progressive.delivery.list_var
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Release the app cluster after cluster
  hosts: "{{ release_hosts | default('all') }}"
  serial: "{{ multicluster_release_waves | default([1, '50%', '100%']) | progressive.delivery.waves }}"
  roles:
    - role: progressive.delivery.multicluster_release

# "1, 50%,100%" -> [1, "50%", "100%"]; '[1, "100%"]' -> [1, "100%"]; 2 -> [2]
"""

RETURN = r"""
_value:
  description: Cluster counts (int) and shares (str ending in C(%)), one per wave.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.plugin_utils.list_vars import ListVarError, parse_waves


def waves(value):
    try:
        return parse_waves(value)
    except ListVarError as err:
        raise AnsibleFilterError(str(err))


class FilterModule(object):
    def filters(self):
        return {"waves": waves}
