# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""release_freeze: hold a release at its current split until a person decides.

A freeze is for versions whose changes cannot be undone by a rollback (a migration), and for a release
stopped because its evidence could not be read: the split stays as it is, marked on the canary with the
reason, who froze it and when. Every operation that moves pods (canary, scale_step, release_finish)
refuses a frozen release; release_rollback stays allowed, it is the operator's way out. The freezing run
and the thawing run let go of the lock, so the person who decides is not held up by it.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import names, snapshot
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.scaling import replicas_of
from ansible_collections.progressive.delivery.plugins.module_utils.release.step import find_release

FROZEN, THAWED = "frozen", "thawed"


def set_freeze(ctx, state=FROZEN, version=None, reason=None):
    """Freeze (mark the canary, let go of the lock) or thaw (remove the mark); returns the module result."""
    if version is not None:
        names.check_label_value("version", version)
    if state == FROZEN and not (reason or "").strip():
        raise ReleaseError("reason: say why the release is frozen (it is shown to whoever finds it frozen)",
                           field="reason")
    view = ctx.view()
    if view.canary is None:
        # A release that failed before its canary existed left nothing that could move: nothing to hold.
        return {"changed": False, "frozen": None, "msg": "no release of app %s in progress in namespace %s; nothing "
                "is %s" % (ctx.ref.app, ctx.ref.namespace, "frozen" if state == THAWED else "there to freeze")}
    view, canary, stable = find_release(ctx, version, stable_may_be_gone=True, view=view)
    current = st.ReleaseState.of(canary).frozen
    result = {"app": ctx.ref.app, "namespace": ctx.ref.namespace, "version": view.version_of(canary),
              "split": snapshot.split_summary(view, stable, canary)}
    if state == THAWED:
        result.update({"changed": current is not None, "frozen": None,
                       "diff": {"before": {"frozen": current}, "after": {"frozen": None}}})
        change = {st.FROZEN: None}
    else:
        mark = st.freeze_mark(reason.strip(), ctx.lock_owner, replicas_of(canary),
                              replicas_of(stable) if stable is not None else 0)
        result.update({"changed": current is None or current.get("reason") != reason.strip(),
                       "frozen": st.parse_freeze(mark) if current is None or current.get("reason") != reason.strip()
                       else current})
        result["diff"] = {"before": {"frozen": current}, "after": {"frozen": result["frozen"]}}
        change = {st.FROZEN: mark}
    ctx.hold_lock()  # refuses while another run holds the release
    if not ctx.check_mode and result["changed"]:
        change[st.UPDATED_AT] = st.timestamp()
        ctx.annotate(canary, change)
    # Nothing moves a frozen release, and whoever thaws it starts a new run: no lock is kept either way.
    ctx.release_lock()
    return result
