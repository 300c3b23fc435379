# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_timeline
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
short_description: The rollout plan drawn as a timeline, as a self-contained HTML page
description:
  - >-
    Renders the plan of M(progressive.delivery.rollout_plan) (docs/schemas/rollout-plan.schema.json) in the rollout
    board's styles: one lane per cluster in the order the rollout goes (set, environment, wave), each bar from its
    wave's start for its estimated seconds, a bar per promotion gate, the critical path dark and outlined, refused
    clusters red; then the refusals and the critical path in words.
  - No script and nothing from the network, so the page opens from an AWX artifact or a ticket.
options:
  _input:
    description: The plan document.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the plan's timeline beside its JSON
  ansible.builtin.copy:
    content: "{{ plan | progressive.delivery.plan_timeline }}"
    dest: plan.html
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The HTML page.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.plan_timeline import render


def plan_timeline(plan):
    if not isinstance(plan, dict) or "sets" not in plan:
        raise AnsibleFilterError("plan_timeline: needs the plan document of progressive.delivery.rollout_plan (its plan)")
    return render(plan)


class FilterModule(object):
    def filters(self):
        return {"plan_timeline": plan_timeline}
