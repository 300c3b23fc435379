# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three multi-cluster modules share: common options, the run loop and the result shape."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import WaitError
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput

COMMON_ARG_SPEC = {
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "annotations": {"type": "dict"},
}


def run(module, operation):
    """exit_json with operation(module)'s result, or fail_json naming the field and the fix."""
    for option in ("wait_timeout", "wait_sleep"):
        if module.params.get(option) is not None and module.params[option] < 1:
            module.fail_json(msg="%s: must be 1 second or more" % option, field=option)
    try:
        result = operation(module)
    except InvalidInput as err:
        module.fail_json(msg=err.message, field=err.field)
    except (K8sApiError, WaitError) as err:
        module.fail_from_error(err)
    module.exit_json(**result)


def result_of(module, outcome, **extra):
    result = {"changed": outcome.changed, "operation": outcome.action, "result": outcome.obj or {}}
    if module._diff and outcome.changed:
        result["diff"] = outcome.diff()
    result.update(extra)
    return result
