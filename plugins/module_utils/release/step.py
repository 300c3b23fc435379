# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scale_step: move the split of a release to a target, resumably and never below capacity.

The target is written on the canary before anything moves, and the current split is read from the
cluster, so a run interrupted mid-step and run again finishes that same step instead of taking another.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import plan as planning
from ansible_collections.progressive.delivery.plugins.module_utils.release import snapshot, split
from ansible_collections.progressive.delivery.plugins.module_utils.release.freeze_guard import refuse_if_frozen
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    CanaryFailed,
    InvalidArgument,
    ReleaseError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import ready_of, replicas_of


def validate_target_args(canary_replicas=None, weight=None, next_step=False, step_size=1):
    """Exactly one target form, each in range: raised before anything is read or written."""
    given = [name for name, value in (("canary_replicas", canary_replicas), ("weight", weight),
                                      ("next_step", next_step or None)) if value is not None]
    if len(given) > 1:
        raise InvalidArgument(given[1], "set only one of canary_replicas, weight or next_step (got %s)"
                              % " and ".join(given))
    if not given:
        raise InvalidArgument("canary_replicas", "set one target: canary_replicas (pods), weight (percent of N) "
                                                 "or next_step: true")
    if canary_replicas is not None and canary_replicas < 0:
        raise InvalidArgument("canary_replicas", "%d is negative; use 0 (all stable) up to N (all canary)"
                              % canary_replicas)
    if weight is not None and not 0 <= weight <= 100:
        raise InvalidArgument("weight", "%d is outside 0-100; it is the canary's share of N in percent" % weight)
    if step_size < 1:
        raise InvalidArgument("step_size", "%d must be 1 or more (pods moved by next_step)" % step_size)


def find_release(ctx, version=None, stable_may_be_gone=False, view=None):
    """(view, canary, stable) of the release in progress; raises when there is none to move.

    stable_may_be_gone: a finish interrupted after deleting the stable resumes with stable None.
    view: the app as the caller already read it (else it is read here).
    """
    view = view if view is not None else ctx.view()
    canary = view.canary
    if canary is None:
        raise ReleaseError(
            "no canary release in progress for app %s in namespace %s; start one with progressive.delivery.canary"
            % (ctx.ref.app, ctx.ref.namespace), field="app")
    canary_version = view.version_of(canary)
    if version is not None and canary_version != version:
        raise InvalidArgument(
            "version", "the release in progress for app %s is version %s, not %s; pass version: %s or roll "
                       "that release back first" % (ctx.ref.app, canary_version, version, canary_version))
    state = st.ReleaseState.of(canary)
    stable = view.by_name(state.stable_name) if state.stable_name else None
    if stable is None and not (stable_may_be_gone and state.phase == st.FINISHING):
        raise ReleaseError(
            "the stable Deployment %s recorded by canary %s is gone; the release cannot be moved. Recreate the "
            "stable or finish the release" % (state.stable_name, canary["metadata"]["name"]), field="app")
    return view, canary, stable


def completed_release(view, version):
    """The Deployment of version if it already finished its release (it is the app's stable now), else None."""
    if version is None or view.canaries:
        return None
    for d in view.stable_candidates:
        if view.version_of(d) == version and st.ReleaseState.of(d).phase == st.COMPLETED:
            return d
    return None


def move_split(ctx, canary_replicas=None, weight=None, next_step=False, step_size=1, version=None,
               max_unavailable=0, order="up_first", verdict=None):
    """Move the release to its target split; returns the result dict for the module."""
    validate_target_args(canary_replicas, weight, next_step, step_size)
    planning.check_order(order, max_unavailable)
    view = ctx.view()  # the step's only LIST: everything after follows it through one watch
    if completed_release(view, version) is not None:
        return {"changed": False, "msg": "version %s already completed its release; nothing to move" % version,
                "moves": [], "version": version, "phase": st.COMPLETED}
    view, canary, stable = find_release(ctx, version, view=view)
    state = _movable_state(ctx, view, canary)
    total = state.total if state.total is not None else replicas_of(stable)
    current = split.Split(replicas_of(stable), replicas_of(canary))
    k = split.resolve_target(total, current, canary_replicas, weight, next_step, step_size,
                             last_completed_target=state.completed_target, pending_target=state.pending_target)
    target = split.split_for(total, k)
    # A re-run after a kill mid-step replays the targets from the last completed one: while the interrupted
    # step toward a larger target is pending, a target already reached is not stepped again (nor moved back to).
    passed = (state.phase == st.SCALING and state.target is not None and state.completed_target is not None
              and k <= state.completed_target < state.target)
    moves = [] if passed else planning.plan_moves(current, target, total, max_unavailable, order)
    if moves and not ctx.wait and any(m.wait_ready for m in moves[:-1]):
        raise InvalidArgument("wait", "wait: false would remove pods before their replacements are Ready; keep "
                                      "wait: true (the order of a step depends on waiting)")
    already_recorded = passed or (state.phase == st.STEADY and state.completed_target == k)
    result = _plan(ctx, view, canary, stable, total, target, moves, changed=bool(moves) or not already_recorded)
    ctx.hold_lock()
    if ctx.check_mode or not result["changed"]:
        result.update({"after": result["before"], "step": state.step, "phase": state.phase, "duration": 0.0})
        if passed:
            result["msg"] = ("canary target %d was completed before; the interrupted step toward %d is still to "
                             "finish" % (k, state.target))
        if ctx.check_mode:
            result["plan"] = result["moves"]
        return result
    started = ctx.clock()
    done = _execute(ctx, view, canary, stable, state, k, moves, verdict)
    after_view = done["view"]
    result.update({
        "after": snapshot.split_summary(after_view, after_view.by_name(stable["metadata"]["name"]),
                                        after_view.by_name(canary["metadata"]["name"])),
        "step": st.ReleaseState.of(done["canary"]).step, "phase": st.ReleaseState.of(done["canary"]).phase,
        "duration": round(ctx.clock() - started, 3),
    })
    return result


def _movable_state(ctx, view, canary):
    """The canary's release state, refused when frozen, finishing or rolling back (a split that must not move)."""
    refuse_if_frozen(ctx, canary, "move its split")
    state = st.ReleaseState.of(canary)
    if state.phase in (st.FINISHING, st.ROLLING_BACK):
        raise ReleaseError(
            "the release of version %s is %s; run progressive.delivery.release_%s again to complete that instead "
            "of moving the split" % (view.version_of(canary), state.phase,
                                     "finish" if state.phase == st.FINISHING else "rollback"), field="app")
    return state


def _plan(ctx, view, canary, stable, total, target, moves, changed):
    """The module result before anything moves: target, moves, the split before, the diff."""
    before = snapshot.split_summary(view, stable, canary)
    diff_after = snapshot.replicas_only(before)
    for side in ("stable", "canary"):
        diff_after[side]["replicas"] = getattr(target, side)
    return {
        "app": ctx.ref.app, "namespace": ctx.ref.namespace, "version": view.version_of(canary),
        "stable_version": view.version_of(stable), "total_replicas": total,
        "target": target.as_dict(), "target_weight": target.weight(),
        "moves": [m.as_dict() for m in moves], "before": before, "changed": changed,
        "diff": {"before": snapshot.replicas_only(before), "after": diff_after},
    }


def _execute(ctx, view, canary, stable, state, k, moves, verdict):
    """Record the target, make the moves (waiting as they say), record completion; {"canary", "view"} after.

    Requests: the target rides on the canary's first replica patch (its own patch only when the stable
    moves first), one patch per move, one watch for all the waits, one patch recording completion.
    """
    watch = ctx.watch_app(view)
    names = {"stable": stable["metadata"]["name"], "canary": canary["metadata"]["name"]}
    sides = {"stable": stable, "canary": canary}
    start_changes = None
    if state.target != k or state.phase not in (st.SCALING,):
        start_changes = st.step_started(k)
        if verdict:
            start_changes[st.LAST_VERDICT] = verdict
    try:
        if ctx.wait:
            # Pods a shrink will rely on must be Ready first: a resumed step may find the growth of the
            # interrupted run still starting up.
            shrinking = set(m.role for m in moves if not m.wait_ready)
            for role in ("canary", "stable"):
                if role not in shrinking and ready_of(sides[role]) < replicas_of(sides[role]):
                    sides[role] = watch.until_rolled_out(sides[role])
        for move in moves:
            annotations = None
            if start_changes is not None and move.role == "canary":
                annotations, start_changes = start_changes, None
            elif start_changes is not None:
                # The stable moves first: the target must be on the canary before it does.
                sides["canary"] = watch.observe(ctx.annotate(canary, start_changes))
                start_changes = None
            sides[move.role] = watch.observe(ctx.scale(sides[move.role], move.replicas, annotations))
            if ctx.wait:
                sides[move.role] = watch.until_rolled_out(sides[move.role])
        if start_changes is not None:
            # Resuming a step whose replicas were all set before the interruption.
            sides["canary"] = watch.observe(ctx.annotate(canary, start_changes))
            start_changes = None
        if ctx.wait and not moves:
            # Resuming a step whose replicas were set before the interruption: make sure it is Ready.
            for role in ("canary", "stable"):
                sides[role] = watch.until_rolled_out(sides[role])
    except (CanaryFailed, ReleaseError) as err:
        failed = dict(start_changes or {})  # failed before anything moved: still record which target failed
        failed.update(st.step_failed(err.message))
        ctx.annotate(canary, failed)
        raise
    finally:
        watch.close()
    latest = watch.latest(names["canary"]) or sides["canary"]
    latest_state = st.ReleaseState.of(latest)
    if latest_state.phase == st.STEADY and latest_state.completed_target == k:
        done = latest  # another process of the same owner completed this very step meanwhile: count it once
    else:
        # step + 1 from the canary as last seen: a concurrent completion of this same step writes the same values.
        done = watch.observe(ctx.annotate(canary, st.step_completed(latest_state, k, verdict)))
    return {"canary": done, "view": watch.view(ctx.ref)}
