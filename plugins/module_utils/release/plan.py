# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Order of operations for one step so serving capacity never drops below N - max_unavailable.

Default ("up_first"): grow the side that gains pods and wait until they are Ready, then shrink the
other side; ready pods never fall below N. "down_first" is the method's original order (take one
stable pod away, then add one canary pod); it drops capacity on purpose and is only allowed with
max_unavailable >= 1, moving at most max_unavailable pods per chunk.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument, ReleaseError

ORDERS = ("up_first", "down_first")


class Move(namedtuple("Move", ["role", "replicas", "wait_ready"])):
    """Set one Deployment ('stable' or 'canary') to replicas; wait_ready: wait for Ready pods before going on."""

    __slots__ = ()

    def as_dict(self):
        return {"deployment": self.role, "replicas": self.replicas, "wait_ready": self.wait_ready}


def check_order(order, max_unavailable):
    if order not in ORDERS:
        raise InvalidArgument("order", "%r is not one of %s" % (order, ", ".join(ORDERS)))
    if max_unavailable < 0:
        raise InvalidArgument("max_unavailable", "must be 0 or more (pods that may be unready during a step)")
    if order == "down_first" and max_unavailable < 1:
        raise InvalidArgument(
            "order",
            "down_first removes pods before their replacements are Ready, so it needs max_unavailable >= 1; "
            "set max_unavailable: 1 (or more), or use order: up_first",
        )


def plan_moves(current, target, total, max_unavailable=0, order="up_first"):
    """Return the Moves taking the split from current to target (both Split)."""
    check_order(order, max_unavailable)
    if current == target:
        return []
    grow = [role for role in ("canary", "stable") if getattr(target, role) > getattr(current, role)]
    shrink = [role for role in ("stable", "canary") if getattr(target, role) < getattr(current, role)]
    if order == "up_first":
        return [Move(r, getattr(target, r), True) for r in grow] + [Move(r, getattr(target, r), False) for r in shrink]
    return _down_first(current, target, total, max_unavailable, grow, shrink)


def _down_first(current, target, total, max_unavailable, grow, shrink):
    floor = total - max_unavailable
    now = {"stable": current.stable, "canary": current.canary}
    goal = {"stable": target.stable, "canary": target.canary}
    moves = []
    while now != goal:
        room = now["stable"] + now["canary"] - floor
        shrinking = [r for r in shrink if now[r] > goal[r]]
        growing = [r for r in grow if now[r] < goal[r]]
        if shrinking and room > 0:
            role = shrinking[0]
            now[role] -= min(now[role] - goal[role], room)
            moves.append(Move(role, now[role], False))
        elif growing:
            role = growing[0]
            # Add back what the last chunk took (at most max_unavailable) before taking more away.
            amount = goal[role] - now[role] if not shrinking else min(goal[role] - now[role], max_unavailable)
            now[role] += amount
            moves.append(Move(role, now[role], True))
        else:
            raise ReleaseError(
                "the split %s -> %s cannot be reached without going below %d ready pods "
                "(N=%d, max_unavailable=%d); raise max_unavailable or use order: up_first"
                % (dict(current._asdict()), dict(target._asdict()), floor, total, max_unavailable)
            )
    return moves
