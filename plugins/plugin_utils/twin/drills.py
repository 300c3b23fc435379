# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault drills of a dress rehearsal (rehearse_faults), checked before anything starts.

A drill names where (an environment and/or a cluster of the set) and what: the new version's pods answering
errors or crash-looping (a pod template override, there from the start), or the cluster's API becoming
unreachable or the twin's Prometheus going down once the canary has started there (timed: a watcher fires it).
Every mistake names the drill and its field, so a typo never turns into a rehearsal that drills nothing.
"""

from __future__ import annotations

import json

import yaml

POD_KINDS = ("errors", "crash_loop")  # the new version's pods misbehave: a host variable of the twin inventory
TIMED_KINDS = ("unreachable", "prometheus_down")  # fired by a watcher once the canary starts there
KINDS = POD_KINDS + TIMED_KINDS
FIELDS = ("environment", "cluster", "kind", "error_rate")


class DrillError(ValueError):
    """A bad drill; the message names rehearse_faults[i].field."""


def _as_list(value):
    """An AWX survey gives a string: read it as YAML (JSON is YAML)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise DrillError("rehearse_faults: not YAML or JSON (%s)" % str(err).splitlines()[0])
        return _as_list(value)
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise DrillError("rehearse_faults: needs a list of drills, e.g. %s (got %r)"
                         % (json.dumps([{"environment": "staging", "kind": "errors"}]), value))
    return list(value)


def _error_rate(where, drill):
    rate = drill.get("error_rate", 0.5)
    if drill.get("kind", "errors") != "errors" and "error_rate" in drill:
        raise DrillError("%s.error_rate: only an errors drill takes it" % where)
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        raise DrillError("%s.error_rate: %r is not a number" % (where, rate))
    if not 0.0 < rate <= 1.0:
        raise DrillError("%s.error_rate: %r is not a share of requests above 0 and at most 1 (e.g. 0.5)" % (where, rate))
    return rate


def _clusters(where, drill, members):
    """The clusters of the set the drill names (its environment, its cluster, or both)."""
    environment, cluster = drill.get("environment"), drill.get("cluster")
    if environment is None and cluster is None:
        raise DrillError("%s: names neither an environment nor a cluster" % where)
    if environment is not None and environment not in set(members.values()):
        raise DrillError("%s.environment: %r is not an environment of the set (%s)"
                         % (where, environment, ", ".join(sorted(set(members.values())))))
    if cluster is not None and cluster not in members:
        raise DrillError("%s.cluster: %r is not a cluster of the set (%s)" % (where, cluster, ", ".join(sorted(members))))
    found = [host for host, env in members.items()
             if (environment is None or env == environment) and (cluster is None or host == cluster)]
    if not found:
        raise DrillError("%s: cluster %s is not in environment %s" % (where, cluster, environment))
    return found


def parse_drills(value, members):
    """[{kind, clusters, error_rate?, environment?, cluster?}] from rehearse_faults; members: {cluster: environment}."""
    drills = []
    for index, drill in enumerate(_as_list(value)):
        where = "rehearse_faults[%d]" % index
        if not isinstance(drill, dict):
            raise DrillError("%s: needs a mapping such as {environment: staging, kind: errors} (got %r)" % (where, drill))
        unknown = sorted(set(drill) - set(FIELDS))
        if unknown:
            raise DrillError("%s.%s: unknown field; a drill takes %s" % (where, unknown[0], ", ".join(FIELDS)))
        kind = drill.get("kind", "errors")  # a drill without kind is an errors drill
        if kind not in KINDS:
            raise DrillError("%s.kind: %r is not a drill; use one of %s" % (where, kind, ", ".join(KINDS)))
        parsed = dict(drill, kind=kind, clusters=_clusters(where, drill, members))
        if kind == "errors" or "error_rate" in drill:
            parsed["error_rate"] = _error_rate(where, drill)
        drills.append(parsed)
    return drills


def pod_overrides(drills):
    """Twin inventory host variables: the pod template override of every errors / crash_loop drill's clusters."""
    hosts = {}
    for drill in drills:
        if drill["kind"] not in POD_KINDS:
            continue
        if drill["kind"] == "crash_loop":
            annotations = {"fleetsim.io/crash-loop": "true"}
        else:
            annotations = {"fleetsim.io/error-rate": str(drill["error_rate"])}
        for host in drill["clusters"]:
            hosts[host] = {"vars": {"canary_release_template_overrides": {"metadata": {"annotations": annotations}}}}
    return hosts
