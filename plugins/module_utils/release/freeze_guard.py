# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule every operation that moves pods obeys: a frozen release does not move (see freeze.py)."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import discovery
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseFrozen


def refuse_if_frozen(ctx, canary, doing):
    """Raise ReleaseFrozen when canary carries a freeze mark; doing says what was refused."""
    mark = st.ReleaseState.of(canary).frozen
    if mark is None:
        return
    version = discovery.template_labels(canary).get(ctx.ref.version_label) or canary["metadata"]["name"]
    where = ("at canary %s / stable %s " % (mark["canary"], mark["stable"])) if mark.get("canary") is not None else ""
    raise ReleaseFrozen(
        "the release of %s %s in namespace %s is frozen %s(since %s, by %s: %s); refusing to %s. A person decides: "
        "lift the freeze with progressive.delivery.release_freeze state: thawed (then run the release again), or "
        "roll back with progressive.delivery.release_rollback / playbooks/rollback.yml"
        % (ctx.ref.app, version, ctx.ref.namespace, where, mark.get("at") or "unknown", mark.get("by") or "unknown",
           mark.get("reason") or "no reason given", doing),
        field="app", details={"frozen": mark})
