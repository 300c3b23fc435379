# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release state recorded on the canary Deployment as annotations.

The cluster is the source of truth: a re-run, another controller node or an AWX retry reads these
annotations and the Deployments' replicas and continues from there.
"""

from __future__ import annotations

import datetime
import json

PREFIX = "progressive.delivery/"
ROLE = PREFIX + "role"
PHASE = PREFIX + "phase"
STEP = PREFIX + "step"
STARTED_AT = PREFIX + "started-at"
UPDATED_AT = PREFIX + "updated-at"
LAST_VERDICT = PREFIX + "last-verdict"
LAST_ERROR = PREFIX + "last-error"
TOTAL_REPLICAS = PREFIX + "total-replicas"
TARGET = PREFIX + "target-canary-replicas"
COMPLETED_TARGET = PREFIX + "completed-canary-replicas"
STABLE_NAME = PREFIX + "stable-deployment"
STABLE_VERSION = PREFIX + "stable-version"
CANARY_NAME = PREFIX + "canary-deployment"  # on the baseline: the canary it is compared with
TEMPLATE_HASH = PREFIX + "template-hash"
RETIRED_AT = PREFIX + "retired-at"
COMPLETED_AT = PREFIX + "completed-at"
FROZEN = PREFIX + "frozen"  # JSON {at, reason, by, canary, stable}: nothing moves the split until a person lifts it

# Roles a Deployment of the app plays; Deployments without a role annotation are stable candidates.
ROLE_CANARY = "canary"
ROLE_STABLE = "stable"
ROLE_RETIRED = "retired"  # a former stable kept at 0 replicas after finish, for a fast rollback
ROLE_CANARY_SERVICE = "canary-service"
ROLE_BASELINE = "baseline"  # fresh pods of the stable version for the judge, only while it analyses

# Pod template label of the baseline's pods: the stable's own selector still matches them by app and
# version, so this label is what tells them apart (the judge's metrics select on it as `track`).
TRACK_LABEL = PREFIX + "track"
TRACK_BASELINE = "baseline"

# Phases of a release, written on the canary Deployment.
CREATED = "Created"  # canary exists with its starting pods, no step taken yet
SCALING = "Scaling"  # a step is moving the split to target-canary-replicas
STEADY = "Steady"  # the last step reached its target; waiting for gates or the next step
FAILED = "Failed"  # a step stopped on a canary failure (last-error says why); roll back or retry
FINISHING = "Finishing"  # canary going to N before the stable is removed
COMPLETED = "Completed"  # the canary is now the app's stable
ROLLING_BACK = "RollingBack"  # the stable is going back to N; the canary is removed once it is Ready
PHASES = (CREATED, SCALING, STEADY, FAILED, FINISHING, COMPLETED, ROLLING_BACK)


def timestamp(now=None):
    """RFC 3339 UTC timestamp as Kubernetes writes them."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value):
    """Timestamp string -> aware datetime, None when missing or malformed."""
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def annotations_of(obj):
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def parse_freeze(raw):
    """The freeze mark as a dict (reason, at, by, canary, stable), None when the release is not frozen.

    Older marks were plain text ("<time> at canary k / stable m: <reason>"): kept whole as the reason.
    """
    if not raw:
        return None
    try:
        mark = json.loads(raw)
    except ValueError:
        mark = None
    if not isinstance(mark, dict):
        return {"reason": str(raw), "at": None, "by": None, "canary": None, "stable": None}
    return dict((key, mark.get(key)) for key in ("reason", "at", "by", "canary", "stable"))


def freeze_mark(reason, by, canary_replicas, stable_replicas, now=None):
    """The annotation value that freezes a release at its current split."""
    return json.dumps({"reason": reason, "at": timestamp(now), "by": by, "canary": canary_replicas,
                       "stable": stable_replicas}, sort_keys=True)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ReleaseState(object):
    """The release annotations of a canary Deployment, parsed."""

    def __init__(self, annotations):
        a = annotations or {}
        self.phase = a.get(PHASE)
        self.step = _int_or_none(a.get(STEP)) or 0
        self.started_at = a.get(STARTED_AT)
        self.updated_at = a.get(UPDATED_AT)
        self.last_verdict = a.get(LAST_VERDICT)
        self.last_error = a.get(LAST_ERROR)
        self.total = _int_or_none(a.get(TOTAL_REPLICAS))
        self.target = _int_or_none(a.get(TARGET))
        self.completed_target = _int_or_none(a.get(COMPLETED_TARGET))
        self.stable_name = a.get(STABLE_NAME)
        self.stable_version = a.get(STABLE_VERSION)
        self.frozen = parse_freeze(a.get(FROZEN))

    @classmethod
    def of(cls, deployment):
        return cls(annotations_of(deployment))

    @property
    def pending_target(self):
        """Target of a step that started but did not complete (the run was interrupted or failed)."""
        if self.phase in (SCALING, FAILED) and self.target is not None and self.target != self.completed_target:
            return self.target
        return None

    def as_dict(self):
        return {
            "phase": self.phase,
            "step": self.step,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "last_verdict": self.last_verdict,
            "last_error": self.last_error,
            "total_replicas": self.total,
            "target_canary_replicas": self.target,
            "completed_canary_replicas": self.completed_target,
            "stable_deployment": self.stable_name,
            "stable_version": self.stable_version,
            "frozen": self.frozen,
        }


def step_started(target, now=None):
    """Annotations written before a step moves anything: the target it is heading for."""
    return {PHASE: SCALING, TARGET: str(target), UPDATED_AT: timestamp(now), LAST_ERROR: None}


def step_completed(state, target, verdict=None, now=None):
    """Annotations written once the split has reached target and the pods are Ready."""
    changes = {PHASE: STEADY, TARGET: str(target), COMPLETED_TARGET: str(target), STEP: str(state.step + 1),
               UPDATED_AT: timestamp(now)}
    if verdict:
        changes[LAST_VERDICT] = verdict
    return changes


def step_failed(message, now=None):
    return {PHASE: FAILED, LAST_ERROR: message[:1000], UPDATED_AT: timestamp(now)}


def merge_patch_annotations(changes):
    """A merge-patch body setting (or, for None values, removing) annotations."""
    return {"metadata": {"annotations": dict(changes)}}
