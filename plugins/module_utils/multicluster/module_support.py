# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three multi-cluster modules share: common options, the run loop and the result shape."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.apply import (
    ensure_absent,
    ensure_present,
    wait_gone,
)
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput

COMMON_ARG_SPEC = {
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "annotations": {"type": "dict"},
}


def run(module, operation):
    """operation(module) through the module's one runner (K8sModule.run); bad input fails naming the field."""
    module.run(lambda: operation(module), input_errors=(InvalidInput,))


def ensure_absent_and_gone(module, api_version, kind):
    """state: absent - delete the object, and with wait wait until it is gone; the module result."""
    p = module.params
    outcome = ensure_absent(module.client, api_version, kind, p["namespace"], p["name"], module.check_mode)
    if outcome.changed and p["wait"] and not module.check_mode:
        wait_gone(module.waiter(), api_version, kind, p["namespace"], p["name"])
    return result_of(module, outcome)


def ensure_present_and_ready(module, desired, ready):
    """state: present - create or update desired, and with wait wait until ready(obj); the Outcome."""
    p = module.params
    outcome = ensure_present(module.client, desired, module.check_mode)
    if p["wait"] and not module.check_mode:
        meta = desired["metadata"]
        outcome.obj = module.waiter().wait_for(desired["apiVersion"], desired["kind"], meta["namespace"],
                                               meta["name"], ready)[0]
    return outcome


def result_of(module, outcome, **extra):
    result = {"changed": outcome.changed, "operation": outcome.action, "result": outcome.obj or {}}
    if module._diff and outcome.changed:
        result["diff"] = outcome.diff()
    result.update(extra)
    return result
