# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A step and the gate that judges it, in one module process: the move (step.move_split), then the gate's checks
measured on the new split, as gate_check would measure them in the next task.

Why one process: a module process costs about as much CPU as a gate's whole analysis, and a task between the
move and its gate adds its start-up to every step of every cluster. The gate is validated before the move, so a
wrong check changes nothing; the move is recorded (with the verdict that allowed it) before the gate runs.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import judge, prepare_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import CheckConfigError
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext
from ansible_collections.progressive.delivery.plugins.module_utils.release import step
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument


def prepare(checks, prometheus, client):
    """The gate's analysis, every check validated and its provider built (no I/O); None without checks."""
    if not checks:
        return None
    try:
        return prepare_gate(checks, GateContext(prometheus=prometheus, k8s_client=lambda: client))
    except CheckConfigError as exc:
        raise InvalidArgument("checks", "%s (nothing was moved)" % exc)


def move_and_judge(ctx, analysis, fail_on_inconclusive, **move):
    """step.move_split's result, with the gate's (gate_check's return shape) under ``gate``.

    When the gate fails the task, the result says so (``failed``, ``msg``) and carries the gate's verdict,
    reason and blame at the top, where a rescue reads a failed gate_check's.
    """
    result = step.move_split(ctx, **move)
    if analysis is None:
        return result
    output, failure = judge(analysis, fail_on_inconclusive, who="the gate of the step")
    result["gate"] = output
    if failure:
        result.update(failed=True, msg=failure["msg"], verdict=output.get("verdict"),
                      reason=output.get("reason") or failure["msg"], blame=output.get("blame"))
        if "exception" in failure:
            result["exception"] = failure["exception"]
    return result
