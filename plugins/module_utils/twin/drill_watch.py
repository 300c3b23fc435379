# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A timed fault drill of a dress rehearsal: wait until the new version's canary exists in one of the drill's twin
clusters, then make that cluster's API unreachable or stop the twin's Prometheus.

Runs beside the twin's rollout (an async task of playbooks/rehearse.yml) and only ever touches the twin: its
kubeconfig and the fleet simulator's admin endpoint from the twin's state directory. It gives up when the twin
stops (fleet.json gone), when the rehearsal writes its stop file, or at the timeout.
"""

from __future__ import annotations

import json
import os
import signal
import time

from ansible.module_utils.urls import open_url

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError

FLEET_JSON = "fleet.json"
PROMETHEUS_PID = "prometheus.pid"


class DrillWatchError(Exception):
    """The drill could not be fired (the twin's admin endpoint or Prometheus)."""


def canary_started(client, namespace, selector):
    """True once a Deployment of the new version (its app and version labels) exists in the cluster."""
    try:
        return bool(client.list("apps/v1", "Deployment", namespace, label_selector=selector).get("items"))
    except K8sApiError:
        return False  # a cluster that does not answer right now has not started it, as far as we know


def make_unreachable(state_dir, cluster):
    """Close the twin cluster's API port (the simulator's documented admin API: PUT /clusters/NAME/faults)."""
    with open(os.path.join(state_dir, FLEET_JSON), encoding="utf-8") as handle:
        fleet = json.load(handle)
    try:
        response = open_url("%s/clusters/%s/faults" % (fleet["admin_url"], cluster), method="PUT", timeout=10,
                            data=json.dumps({"unreachable": True}),
                            headers={"Authorization": "Bearer %s" % fleet["admin_token"],
                                     "Content-Type": "application/json"})
        return json.load(response)
    except (OSError, ValueError) as err:
        raise DrillWatchError("the twin's admin endpoint did not take the fault: %s" % err)


def stop_prometheus(state_dir):
    """SIGTERM the twin's Prometheus (the pid file fleetsim up wrote), only if that pid is a Prometheus."""
    try:
        with open(os.path.join(state_dir, PROMETHEUS_PID), encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            command = handle.read()
    except (OSError, ValueError):
        raise DrillWatchError("the twin has no running Prometheus (start it with fleetsim up --prometheus)")
    if b"prometheus" not in command:
        raise DrillWatchError("pid %d of %s is not a Prometheus; left alone" % (pid, PROMETHEUS_PID))
    os.kill(pid, signal.SIGTERM)
    return {"prometheus_pid": pid}


def fire(kind, state_dir, cluster):
    if kind == "unreachable":
        return make_unreachable(state_dir, cluster)
    return stop_prometheus(state_dir)


def watch(auths, namespace, selector, kind, state_dir, stop_file="", timeout=3600, sleep=0.5, clock=time):
    """{fired, cluster, after_seconds, reason}: the first cluster of auths (name -> auth) where the canary starts."""
    start = clock.monotonic()
    clients = dict((name, get_client(auth)) for name, auth in auths.items())
    while clock.monotonic() - start < timeout:
        if not os.path.exists(os.path.join(state_dir, FLEET_JSON)):
            return {"fired": False, "reason": "the twin stopped first"}
        if stop_file and os.path.exists(stop_file):
            return {"fired": False, "reason": "the rollout ended before the canary started in %s" % ", ".join(auths)}
        for name, client in clients.items():
            if canary_started(client, namespace, selector):
                done = fire(kind, state_dir, name)
                return {"fired": True, "cluster": name, "after_seconds": round(clock.monotonic() - start, 1),
                        "reason": "%s once the canary started in %s" % (kind, name), "fault": done}
        clock.sleep(sleep)
    return {"fired": False, "reason": "no canary started in %s within %d s" % (", ".join(auths), timeout)}
