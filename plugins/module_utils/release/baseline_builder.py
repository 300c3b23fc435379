# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the baseline Deployment: fresh pods of the stable version, told apart by their track label.

Kayenta's advice: judge the canary against pods as young as its own, not against long-running ones
(warm caches, leaked memory and old connections make the stable's pods a different population). The
baseline is the stable's pod template unchanged but for the track label, so it runs exactly what the
stable runs; the app's Services select it by app, so it takes its share of the user traffic.
"""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_builder
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st


def baseline_selector(stable, version_label, version):
    """The stable's selector narrowed to its version and the baseline track (the stable never owns these pods)."""
    selector = canary_builder.canary_selector(stable, version_label, version)
    selector["matchLabels"][st.TRACK_LABEL] = st.TRACK_BASELINE
    return selector


def baseline_template(stable):
    """The stable's pod template with the baseline track label."""
    template = copy.deepcopy(stable["spec"]["template"])
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = dict(tmeta.get("labels") or {}, **{st.TRACK_LABEL: st.TRACK_BASELINE})
    return template


def build_baseline_deployment(stable, name, version_label, version, replicas, canary_name, now=None):
    """The baseline Deployment of the stable (a dict from the API) for the canary canary_name."""
    template = baseline_template(stable)
    smeta = stable["metadata"]
    labels = dict(smeta.get("labels") or {}, **{canary_builder.MANAGED_BY: canary_builder.MANAGER})
    annotations = {
        st.ROLE: st.ROLE_BASELINE,
        st.STARTED_AT: st.timestamp(now),
        st.STABLE_NAME: smeta["name"],
        st.STABLE_VERSION: version,
        st.CANARY_NAME: canary_name,
        # The stable's template as copied: a stable changed since (a hotfix) makes the baseline follow it.
        st.TEMPLATE_HASH: canary_builder.template_hash(template),
    }
    spec = dict((k, copy.deepcopy(v)) for k, v in stable["spec"].items()
                if k not in ("replicas", "selector", "template", "paused"))
    spec.update({"replicas": replicas, "selector": baseline_selector(stable, version_label, version),
                 "template": template})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": smeta.get("namespace"), "labels": labels,
                     "annotations": annotations},
        "spec": spec,
    }
