# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Split arithmetic: how N pods are shared between the stable and the canary version.

A target is always a canary replica count k with the stable at N - k, where N is the app's size
recorded when the canary was created. The canary starts on top of a full stable (N + start pods),
so the first step only takes pods away from the stable.
"""

from __future__ import annotations

import math
from collections import namedtuple

from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument


class Split(namedtuple("Split", ["stable", "canary"])):
    """Desired replicas of the stable and the canary Deployment."""

    __slots__ = ()

    @property
    def total(self):
        return self.stable + self.canary

    def weight(self):
        """Canary share in percent of the pods (0 when there are none)."""
        return int(round(100.0 * self.canary / self.total)) if self.total else 0

    def as_dict(self):
        return {"stable": self.stable, "canary": self.canary}


def split_for(total, canary_replicas):
    """The split for a canary target k: (N - k, k)."""
    return Split(total - canary_replicas, canary_replicas)


def canary_replicas_for_weight(total, weight):
    """Canary pods for a weight, rounded like Argo Rollouts' basic canary (no surge).

    Argo picks whichever of floor/ceil of N * weight / 100 comes closer to the weight, the larger one
    on a tie (10 pods at 41% -> 4, 3 pods at 50% -> 2). A weight strictly between 0 and 100 keeps at
    least one pod on each side when N > 1, so 1% still runs a canary pod and 99% still keeps one stable pod.
    """
    if total <= 0:
        return 0
    exact = total * weight / 100.0
    ceil_k, floor_k = int(math.ceil(exact)), int(math.floor(exact))
    if weight in (0, 100) or total == 1:
        candidates = [ceil_k, floor_k]
    else:
        candidates = [k for k in (ceil_k, floor_k) if 0 < k < total] or [max(1, min(total - 1, ceil_k))]
    # Integer distance (same N for every candidate) so a tie is exact; on a tie the larger count wins, as in Argo.
    return min(candidates, key=lambda k: (abs(100 * k - total * weight), -k))


def resolve_target(total, current, canary_replicas=None, weight=None, next_step=False, step_size=1,
                   last_completed_target=None, pending_target=None):
    """Return the canary replica count k the step must reach.

    pending_target is a target recorded on the cluster by a step that did not finish (an interrupted
    run): the next step finishes that one instead of moving further, so a re-run never steps twice.
    """
    if canary_replicas is not None:
        if canary_replicas > total:
            raise InvalidArgument(
                "canary_replicas",
                "%d is more than the app's %d replicas; use a value from 0 to %d" % (canary_replicas, total, total),
            )
        return canary_replicas
    if weight is not None:
        return canary_replicas_for_weight(total, weight)
    if not next_step:
        raise InvalidArgument("canary_replicas", "set one of canary_replicas, weight or next_step")
    if pending_target is not None:
        return pending_target
    if last_completed_target is None:
        # No step taken yet: the canary's starting pods ran on top of a full stable; the first step
        # takes the stable down to N - k without adding canary pods, so one pod moves per step.
        if current.total > total and current.canary > 0:
            return min(total, current.canary)
        base = current.canary
    else:
        base = last_completed_target
    return min(total, base + step_size)
