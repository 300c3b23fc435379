# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find an app's Deployments by labels and tell the stable, the canary and retired ones apart.

An app is the set of Deployments whose pod template carries <app_label>=<app>. The canary is marked
by the role annotation this collection writes; a former stable kept at 0 replicas after finish is
marked retired; a finished version being rolled back (phase RollingBack) is leaving; the baseline
(fresh pods of the stable version for the judge) is marked baseline and is never the stable or the
canary; every other Deployment of the app is a stable candidate.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError


def template_labels(deployment):
    return (((deployment.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def name_of(obj):
    return ((obj or {}).get("metadata") or {}).get("name")


def role_of(deployment):
    return st.annotations_of(deployment).get(st.ROLE)


def is_baseline(deployment):
    """The baseline by its role, or by its pods' track label should someone strip the annotation."""
    return role_of(deployment) == st.ROLE_BASELINE or template_labels(deployment).get(st.TRACK_LABEL) == st.TRACK_BASELINE


class AppView(object):
    """The Deployments of one app in one namespace, classified."""

    def __init__(self, ref, deployments, resource_version=None):
        self.ref = ref
        # The LIST's resourceVersion: a watch started from it misses no change made after the read.
        self.resource_version = resource_version
        self.deployments = sorted(deployments, key=name_of)
        self.baselines = [d for d in self.deployments if is_baseline(d)]
        self.canaries = [d for d in self.deployments if role_of(d) == st.ROLE_CANARY and d not in self.baselines]
        self.retired = [d for d in self.deployments if role_of(d) == st.ROLE_RETIRED]
        others = [d for d in self.deployments if role_of(d) not in (st.ROLE_CANARY, st.ROLE_RETIRED)
                  and d not in self.baselines]
        # A finished version being rolled back through the fast-rollback window is on its way out.
        self.leaving = [d for d in others if st.ReleaseState.of(d).phase == st.ROLLING_BACK]
        self.stable_candidates = [d for d in others if d not in self.leaving]

    def version_of(self, deployment):
        return template_labels(deployment).get(self.ref.version_label)

    def by_name(self, name):
        for d in self.deployments:
            if name_of(d) == name:
                return d
        return None

    @property
    def canary(self):
        """The canary in progress, or None. Two canaries at once means someone bypassed the lock."""
        if len(self.canaries) > 1:
            raise ReleaseError(
                "app %s in namespace %s has %d canary Deployments (%s); only one release may run at a time: "
                "roll back all but one with progressive.delivery.release_rollback"
                % (self.ref.app, self.ref.namespace, len(self.canaries), ", ".join(name_of(c) for c in self.canaries)),
                field="app",
            )
        return self.canaries[0] if self.canaries else None

    @property
    def stable(self):
        """The stable Deployment: the one the canary recorded, else the single stable candidate, else None."""
        canary = self.canary
        if canary is not None:
            recorded = st.ReleaseState.of(canary).stable_name
            found = self.by_name(recorded) if recorded else None
            if found is not None:
                return found
        candidates = self.stable_candidates
        if len(candidates) > 1:
            raise ReleaseError(
                "app %s in namespace %s has several stable candidates: %s. Each release needs exactly one stable "
                "Deployment with %s=%s; delete or relabel the extra ones, or narrow the app label"
                % (self.ref.app, self.ref.namespace,
                   ", ".join("%s (%s=%s)" % (name_of(d), self.ref.version_label, self.version_of(d))
                             for d in candidates),
                   self.ref.app_label, self.ref.app),
                field="app",
            )
        return candidates[0] if candidates else None

    def require_stable(self):
        stable = self.stable
        if stable is None:
            raise ReleaseError(
                "no stable Deployment found for app %s in namespace %s: no Deployment has pod template label %s=%s "
                "(check app, app_label and namespace)"
                % (self.ref.app, self.ref.namespace, self.ref.app_label, self.ref.app),
                field="app",
            )
        return stable


def discover(client, ref):
    """Read the app's Deployments from the cluster (one LIST) and classify them."""
    body = client.list("apps/v1", "Deployment", ref.namespace)
    mine = [d for d in body.get("items") or [] if template_labels(d).get(ref.app_label) == ref.app]
    for d in mine:
        d.setdefault("apiVersion", "apps/v1")
        d.setdefault("kind", "Deployment")
    return AppView(ref, mine, (body.get("metadata") or {}).get("resourceVersion"))


def app_services(client, ref):
    """Services of the namespace whose selector picks the app (app_label=app), canary Services excluded."""
    body = client.list("v1", "Service", ref.namespace)
    found = []
    for svc in body.get("items") or []:
        selector = (svc.get("spec") or {}).get("selector") or {}
        if selector.get(ref.app_label) != ref.app:
            continue
        if st.annotations_of(svc).get(st.ROLE) == st.ROLE_CANARY_SERVICE:
            continue
        found.append(svc)
    return found
