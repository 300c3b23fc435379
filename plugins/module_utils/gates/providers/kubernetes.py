# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes provider: health of a Deployment's pods during the analysis window.

The window starts when the gate starts: the provider snapshots container restart counts and
Warning events then, and each measurement reports what changed since, plus the pods' state
now. Names for conditions: ``restarts`` (restart increase, all pods), ``not_ready`` (pods not
Ready), ``waiting`` (pods stuck in CrashLoopBackOff, ImagePullBackOff, ...), ``warnings`` (new
Warning events), ``pods``; ``result`` is how many of the limits (max_restarts, max_not_ready,
no stuck pods, no Warning events) are exceeded, so the default condition is ``result == 0``.
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import Condition
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    CheckConfigError,
    Observation,
    ProviderError,
    Series,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import Provider
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sApiError,
    K8sForbiddenError,
    K8sUnauthorizedError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.release.pod_diagnosis import (
    FATAL_WAITING_REASONS,
)


def label_selector(selector):
    """A Deployment's spec.selector as the labelSelector query string."""
    parts = ["%s=%s" % (k, v) for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In":
            parts.append("%s in (%s)" % (key, ",".join(values)))
        elif operator == "NotIn":
            parts.append("%s notin (%s)" % (key, ",".join(values)))
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append("!" + key)
    return ",".join(parts)


def _restarts(pod):
    status = pod.get("status") or {}
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    return sum(int(cs.get("restartCount") or 0) for cs in statuses)


def _is_ready(pod):
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def _stuck_reason(pod):
    status = pod.get("status") or {}
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
        if reason in FATAL_WAITING_REASONS:
            return reason
    return None


class KubernetesProvider(Provider):
    name = "kubernetes"
    options = {
        "deployment": {"type": "str"},
        "namespace": {"type": "str"},
        "max_restarts": {"type": "int"},
        "max_not_ready": {"type": "int"},
        "warning_events": {"type": "bool"},
        "ignore_event_reasons": {"type": "list", "elements": "str"},
    }
    required = ("deployment", "namespace")

    @classmethod
    def validate(cls, spec):
        super(KubernetesProvider, cls).validate(spec)
        for field in ("deployment", "namespace"):
            if not spec.option(field):
                raise spec.error("a kubernetes check needs %s" % field)
        for field in ("max_restarts", "max_not_ready"):
            if int(spec.option(field, 0)) < 0:
                raise spec.error("%s must be >= 0" % field)

    @classmethod
    def condition_names(cls, spec):
        return {"result", "restarts", "not_ready", "waiting", "warnings", "pods"}

    def default_condition(self, spec):
        return Condition("result == 0", self.condition_names(spec))

    def __init__(self, spec, context):
        super(KubernetesProvider, self).__init__(spec, context)
        self.namespace = spec.option("namespace")
        self.deployment = spec.option("deployment")
        self.max_restarts = int(spec.option("max_restarts", 0))
        self.max_not_ready = int(spec.option("max_not_ready", 0))
        self.warning_events = spec.option("warning_events", True) is not False
        self.ignore_reasons = set(spec.option("ignore_event_reasons", []))
        self.restarts_at_start = None  # pod uid -> restart count when the window opened
        self.events_at_start = None  # event uid -> count when the window opened
        self.selector = None  # labelSelector of the Deployment's pods, from its first read
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self.context.k8s_client()
        return self._client

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (K8sUnauthorizedError, K8sForbiddenError) as err:
            raise CheckConfigError(self.spec.name, str(err))
        except K8sApiError as err:
            raise ProviderError(str(err))

    def _pod_selector(self):
        """The Deployment's pod selector, read once per gate: spec.selector is immutable in apps/v1."""
        if self.selector is None:
            deployment = self._call(self.client.get, "apps/v1", "Deployment", self.namespace, self.deployment)
            if deployment is None:
                raise ProviderError("Deployment %s/%s not found on context '%s'" % (
                    self.namespace, self.deployment, self.client.context))
            self.selector = label_selector((deployment.get("spec") or {}).get("selector") or {})
        return self.selector

    def _read(self):
        """(pods, warning events about them) now: one pod list (plus one event list when events count)."""
        pods = self._call(self.client.list, "v1", "Pod", self.namespace,
                          label_selector=self._pod_selector()).get("items") or []
        pods = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
        events = []
        if self.warning_events:
            owners = {("Deployment", self.deployment)}
            for pod in pods:
                owners.add(("Pod", pod["metadata"].get("name")))
                for ref in pod["metadata"].get("ownerReferences") or []:
                    owners.add((ref.get("kind"), ref.get("name")))
            listed = self._call(self.client.list, "v1", "Event", self.namespace).get("items") or []
            for event in listed:
                involved = event.get("involvedObject") or {}
                if event.get("type") != "Warning" or event.get("reason") in self.ignore_reasons:
                    continue
                if (involved.get("kind"), involved.get("name")) in owners:
                    events.append(event)
        return pods, events

    def start(self):
        # Snapshot the window's start. If the cluster cannot be read now, the first measurement
        # opens the window instead (and records the error on schedule).
        try:
            pods, events = self._read()
        except ProviderError:
            return None
        self._snapshot(pods, events)
        return None

    def _snapshot(self, pods, events):
        self.restarts_at_start = {p["metadata"].get("uid"): _restarts(p) for p in pods}
        self.events_at_start = {e["metadata"].get("uid"): int(e.get("count") or 1) for e in events}

    def measure(self):
        pods, events = self._read()
        if self.restarts_at_start is None:
            self._snapshot(pods, events)
        if not pods:
            return Observation.empty("Deployment %s/%s has no pods" % (self.namespace, self.deployment))
        series = []
        restarts = not_ready = waiting = 0
        problems = []
        for pod in pods:
            meta = pod["metadata"]
            increase = _restarts(pod) - self.restarts_at_start.get(meta.get("uid"), 0)
            increase = max(increase, 0)
            ready = _is_ready(pod)
            stuck = _stuck_reason(pod)
            restarts += increase
            not_ready += 0 if ready else 1
            waiting += 1 if stuck else 0
            if stuck:
                problems.append("pod %s %s" % (meta.get("name"), stuck))
            elif increase:
                problems.append("pod %s restarted %d times" % (meta.get("name"), increase))
            series.append(Series({"pod": meta.get("name"), "ready": str(ready).lower(),
                                  "reason": stuck or ""}, increase))
        new_events = [e for e in events
                      if int(e.get("count") or 1) > self.events_at_start.get(e["metadata"].get("uid"), 0)]
        for event in new_events[:3]:
            problems.append("Warning %s on %s %s: %s" % (
                event.get("reason"), (event.get("involvedObject") or {}).get("kind"),
                (event.get("involvedObject") or {}).get("name"), " ".join(str(event.get("message", "")).split())))
        exceeded = [
            restarts > self.max_restarts,
            not_ready > self.max_not_ready,
            waiting > 0,
            bool(new_events),
        ]
        detail = "%d pods, %d restarts in window (max_restarts %d), %d not ready (max_not_ready %d), %d stuck, " \
                 "%d new Warning events" % (len(pods), restarts, self.max_restarts, not_ready,
                                            self.max_not_ready, waiting, len(new_events))
        if problems:
            detail += ": " + "; ".join(problems[:5])
        return Observation(
            series=series, scalar=sum(1 for e in exceeded if e), detail=detail, label="limits exceeded",
            names={"restarts": restarts, "not_ready": not_ready, "waiting": waiting,
                   "warnings": len(new_events), "pods": len(pods)},
        )
