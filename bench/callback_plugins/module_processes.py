# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only callback: how many module processes each host's tasks started, and how many one step took.

A task whose action runs on the controller only (set_fact, assert, pause, include_*, ...) starts no
module process; every other result (each loop item) is one Python process on the target. A step is a
scale_step result plus the gate_check results that follow it directly for the same host: the move and
the gate that judges it. Written as JSON to $PD_BENCH_MODULE_PROCESSES when the playbook ends.
"""
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: module_processes
type: aggregate
short_description: count module processes per host and per release step (bench only)
description: Counts module processes per host and per step; writes JSON to $PD_BENCH_MODULE_PROCESSES.
requirements: [enable in ANSIBLE_CALLBACKS_ENABLED]
"""

# Actions that Ansible runs in the controller's worker, without a module process on the target.
CONTROLLER_ONLY = {
    "add_host", "assert", "debug", "fail", "group_by", "import_role", "import_tasks", "include_role",
    "include_tasks", "include_vars", "meta", "pause", "set_fact", "set_stats", "validate_argument_spec",
}


def _short(action):
    return (action or "").rsplit(".", 1)[-1]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "module_processes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.per_host = {}   # host -> module processes
        self.modules = {}    # host -> [short module names in order], for the per-step count

    def _count(self, result, processes):
        action = getattr(result._task, "resolved_action", None) or result._task.action
        if _short(action) in CONTROLLER_ONLY:
            return
        host = result._host.get_name()
        self.per_host[host] = self.per_host.get(host, 0) + processes
        self.modules.setdefault(host, []).extend([_short(action)] * processes)

    def _on_result(self, result, *_args, **_kwargs):
        items = result._result.get("results")
        self._count(result, len(items) if isinstance(items, list) and result._task.loop else 1)

    v2_runner_on_ok = v2_runner_on_failed = _on_result

    def v2_playbook_on_stats(self, stats):
        steps = []
        for names in self.modules.values():
            for index, name in enumerate(names):
                if name != "scale_step":
                    continue
                gates = 0
                while index + 1 + gates < len(names) and names[index + 1 + gates] == "gate_check":
                    gates += 1
                steps.append(1 + gates)
        path = os.environ.get("PD_BENCH_MODULE_PROCESSES")
        if path:
            with open(path, "w") as handle:
                json.dump({"per_host": self.per_host, "steps": len(steps),
                           "processes_in_steps": sum(steps)}, handle)
