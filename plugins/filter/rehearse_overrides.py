# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rehearse_overrides
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
short_description: The twin inventory's host variables of the pod drills of a dress rehearsal
description:
  - >-
    For the V(errors) and V(crash_loop) drills checked by P(progressive.delivery.rehearse_drills#filter): per twin
    cluster, C(canary_release_template_overrides) with the fleet simulator's pod annotations
    (C(fleetsim.io/error-rate), C(fleetsim.io/crash-loop)) - a host variable of the twin's inventory only, so the
    real inventory and the real fleet never carry it. Timed drills (V(unreachable), V(prometheus_down)) give none.
options:
  _input:
    description: The checked drills.
    type: list
    elements: dict
    required: true
seealso:
  - plugin: progressive.delivery.rehearse_drills
    plugin_type: filter
"""

EXAMPLES = r"""
clusters: "{{ drills | progressive.delivery.rehearse_overrides }}"
"""

RETURN = r"""
_value:
  description: >-
    Per cluster, C({vars: {canary_release_template_overrides: ...}}) (the fleet inventory's C(clusters) form).
  type: dict
"""

from ansible_collections.progressive.delivery.plugins.plugin_utils.twin.drills import pod_overrides


class FilterModule(object):
    def filters(self):
        return {"rehearse_overrides": pod_overrides}
