# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three multi-cluster modules share: common options, the run loop and the result shape."""

from __future__ import annotations

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


def result_of(module, outcome, **extra):
    result = {"changed": outcome.changed, "operation": outcome.action, "result": outcome.obj or {}}
    if module._diff and outcome.changed:
        result["diff"] = outcome.diff()
    result.update(extra)
    return result
