# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The step schedule of a release: the canary pods to reach, one target per step.

Explicit targets make every step idempotent: a re-run after an interruption gets the targets from the
last completed one on (that one included, so the step it stopped at is verified again, never moved twice).
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import split
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument

PODS, WEIGHTS = "pods", "weights"


def validate(strategy, step_size, weights):
    """Refuse a schedule that cannot be stepped, naming the one rule that is broken."""
    if strategy == PODS and step_size < 1:
        raise InvalidArgument("step_size", "must be 1 or more (pods moved per step); got %d" % step_size)
    if strategy != WEIGHTS:
        return
    if not weights:
        raise InvalidArgument("step_weights", "needs at least one weight, e.g. [10, 25, 50, 100]")
    outside = [w for w in weights if not 1 <= w <= 100]
    if outside:
        raise InvalidArgument("step_weights", "weights are percentages of N from 1 to 100; got %s" % outside[0])
    if weights[-1] != 100:
        raise InvalidArgument("step_weights", "must end at 100 (the canary takes all N pods); got %s" % weights)
    if any(b <= a for a, b in zip(weights, weights[1:])):
        raise InvalidArgument("step_weights", "must be increasing, e.g. [10, 25, 50, 100]; got %s" % weights)


def targets(total, strategy=PODS, step_size=1, weights=None, completed=0):
    """The canary pods after each step still to take (from the completed target on), in order."""
    validate(strategy, step_size, weights)
    if strategy == WEIGHTS:
        planned = [split.canary_replicas_for_weight(total, w) for w in weights]
    else:
        planned = list(range(step_size, total, step_size)) + [total]
    out = []
    for k in planned:
        if k >= completed and k not in out:
            out.append(k)
    return out
