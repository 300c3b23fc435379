# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rehearse_drills
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
short_description: The fault drills of a dress rehearsal, checked
description:
  - Checks the C(rehearse_faults) of C(playbooks/rehearse.yml) against the clusters of the set and returns them with
    the clusters each drill applies to, before the twin starts.
  - >-
    A drill is a mapping with C(environment) and/or C(cluster), C(kind) (V(errors) - the default, V(crash_loop),
    V(unreachable), V(prometheus_down)) and, for V(errors), C(error_rate) (default 0.5).
  - >-
    Anything else fails with one line naming the drill and its field, for example
    C(rehearse_faults[1].kind: 'timeout' is not a drill; use one of errors, crash_loop, unreachable, prometheus_down).
positional: members
options:
  _input:
    description: The drills; a list, one mapping, or a YAML or JSON string of them (an AWX survey's answer).
    type: raw
    required: true
  members:
    description: Every cluster of the set with its environment (cluster name to environment name).
    type: dict
    required: true
seealso:
  - plugin: progressive.delivery.rehearse_overrides
    plugin_type: filter
"""

EXAMPLES = r"""
drills: "{{ rehearse_faults | progressive.delivery.rehearse_drills(dict(members | zip(members | map('extract', hostvars, 'fleet_environment')))) }}"
"""

RETURN = r"""
_value:
  description: >-
    The drills, each as given with C(kind) and C(clusters) (the clusters of the set it applies to) and, for an
    errors drill, C(error_rate).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.plugin_utils.twin.drills import DrillError, parse_drills


def rehearse_drills(value, members):
    try:
        return parse_drills(value, members)
    except DrillError as err:
        raise AnsibleFilterError(str(err))


class FilterModule(object):
    def filters(self):
        return {"rehearse_drills": rehearse_drills}
