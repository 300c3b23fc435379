# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the visibility callbacks share: turning Ansible's callback hooks into rollout record events.

Every callback of the collection that follows a rollout (progress, rollout_record, rollout_notify)
mixes RolloutEvents into its CallbackBase: results of the collection's modules are fed to one
RolloutRecorder, keyed by cluster (the host the task ran for), and the callback is told through
on_rollout_start(), on_step(step, events) and on_rollout_end(record).
"""

from __future__ import annotations

import os
import time

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.record import STEP_KINDS, RolloutRecorder

COLLECTION_PREFIX = "progressive.delivery."
FREEZE_ACTIONS = (COLLECTION_PREFIX + "release_freeze", "release_freeze")


def _result_of(result):
    """The result dict, on ansible-core 2.19+ (result.result) and before (result._result)."""
    value = getattr(result, "result", None)
    return value if isinstance(value, dict) else getattr(result, "_result", {})


def _task_of(result):
    return getattr(result, "task", None) or getattr(result, "_task", None)


def _host_of(result):
    return getattr(result, "host", None) or getattr(result, "_host", None)


def _host_vars(host):
    try:
        return host.get_vars() or {}
    except Exception:  # pylint: disable=broad-except
        return getattr(host, "vars", None) or {}


def location_of(host):
    """(cluster, {set, environment, region}) from the fleet inventory's host variables."""
    hostvars = _host_vars(host)
    cluster = hostvars.get("fleet_cluster") or host.get_name()
    return cluster, {"set": hostvars.get("fleet_set"), "environment": hostvars.get("fleet_environment"),
                     "region": hostvars.get("fleet_region")}


def untemplated(value):
    """Whether a value still holds Jinja ({{ or {%): a loop task's arguments reach callbacks as written."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(untemplated(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(untemplated(v) for v in value)
    return False


def _module_args(task, item):
    """The module's arguments: the result's invocation where Ansible injects it (before 2.21, or with
    inject_invocation), else the task's arguments. Those are templated for most tasks but not for every item
    of a loop, so an argument still holding Jinja is left out (the record never shows a {{ ... }})."""
    invocation = (item.get("invocation") or {}).get("module_args")
    if isinstance(invocation, dict):
        args = invocation
    else:
        args = getattr(task, "args", None)
        args = args if isinstance(args, dict) else {}
    return dict((key, value) for key, value in args.items() if not untemplated(value))


class RolloutEvents(object):
    """Mixin for CallbackBase subclasses. Subclasses override the on_* hooks they need."""

    recorder = None

    def _rollout_init(self):
        self.recorder = None
        self._task_started = {}
        self._inventory = None
        self._by_context = {}  # kubeconfig context -> inventory host, for tasks that act on another cluster

    # -- hooks for subclasses ------------------------------------------------------------------
    def on_rollout_start(self, playbook):
        """A playbook started (its record exists, empty)."""

    def on_step(self, step, events):
        """A collection module finished for one cluster; events: canary, rollback, promoted, frozen."""

    def on_rollout_end(self, record):
        """The playbook ended; the record is final."""

    def on_fleet_read(self, record):
        """release_info read many clusters at once (clusters:): the record knows what runs where."""

    def on_play(self, name, places):
        """A play started; places: sorted (set, environment) pairs of its member clusters."""

    # -- Ansible callback hooks ----------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        name = os.path.basename(getattr(playbook, "_file_name", "") or "") or None
        self.recorder = RolloutRecorder(playbook=name, started=time.time())
        self.on_rollout_start(name)

    def v2_playbook_on_play_start(self, play):
        if self.recorder is None:
            self.v2_playbook_on_start(None)
        try:
            inventory = play.get_variable_manager()._inventory  # pylint: disable=protected-access
            hosts = inventory.get_hosts(ignore_restrictions=True) if inventory is not None else []
        except Exception:  # pylint: disable=broad-except
            inventory, hosts = None, []  # the grid then shows only the clusters the run touched
        self._inventory = inventory
        for host in hosts:
            hostvars = _host_vars(host)
            if hostvars.get("fleet_set"):
                self._by_context[hostvars.get("fleet_context") or host.get_name()] = host
        places = []
        try:
            for host in inventory.get_hosts(play.hosts) if inventory is not None else []:
                hostvars = _host_vars(host)
                place = (hostvars.get("fleet_set"), hostvars.get("fleet_environment"))
                if place[0] and place not in places:
                    places.append(place)
        except Exception:  # pylint: disable=broad-except
            places = []  # a pattern that matches nothing yet, an inventory without fleet variables
        self.on_play(play.get_name(), places)
        fleet = []
        for host in hosts:
            hostvars = _host_vars(host)
            if hostvars.get("fleet_role", "member") != "member" or not hostvars.get("fleet_set"):
                continue
            cluster, location = location_of(host)
            fleet.append(dict(location, cluster=cluster))
        self.recorder.set_fleet(fleet)

    def v2_runner_on_start(self, host, task):
        self._task_started[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result):
        self._collect(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._collect(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        if self.recorder is None:
            return
        summary = {}
        for host in sorted(getattr(stats, "processed", {}) or {}):
            summary[host] = stats.summarize(host)
        self.on_rollout_end(self.recorder.finish(time.time(), summary))

    # -- internals -----------------------------------------------------------------------------
    def _collect(self, result, failed):
        if self.recorder is None:
            self.v2_playbook_on_start(None)
        task = _task_of(result)
        host = _host_of(result)
        if task is None or host is None:
            return
        action = getattr(task, "resolved_action", None) or task.action or ""
        started = self._task_started.pop((host.get_name(), task._uuid), None)  # pylint: disable=protected-access
        payload = _result_of(result)
        items = payload.get("results") if isinstance(payload.get("results"), list) else [payload]
        for item in items:
            if not isinstance(item, dict):
                continue
            item_failed = bool(item.get("failed")) if item is not payload else failed
            if action == COLLECTION_PREFIX + "release_info" and isinstance(item.get("clusters"), dict):
                if not item_failed and not item.get("censored"):
                    self._fleet_read(task, item)
            elif action.startswith(COLLECTION_PREFIX) and action[len(COLLECTION_PREFIX):] in STEP_KINDS:
                self._collection_result(host, task, action[len(COLLECTION_PREFIX):], item, item_failed, started)
            elif action in FREEZE_ACTIONS and not item_failed:
                self._maybe_frozen(host, task, item)

    def _collection_result(self, host, task, module, item, failed, started):
        if item.get("censored"):
            return  # no_log: nothing may be recorded
        if getattr(task, "check_mode", False) is True or "plan" in item:
            return  # a check-mode call (e.g. a role's preflight) changed nothing
        args = _module_args(task, item)
        cluster, location = self._cluster_of(host, args)
        ended = time.time()
        for step, events in self.recorder.task_results(cluster, module, task.get_name(), args, item, failed,
                                                       started if started is not None else ended, ended, location):
            self.on_step(step, events)

    def _cluster_of(self, host, args):
        """The cluster a task acted on: the one whose context the task names (a cluster's role that rolls back
        another cluster of its wave, a localhost task), else the host the task ran for."""
        context = args.get("context")
        if isinstance(context, str) and context in self._by_context:
            return location_of(self._by_context[context])
        cluster, location = location_of(host)
        if cluster in ("localhost", "127.0.0.1") and isinstance(context, str) and context:
            return context, None
        return cluster, location

    def _fleet_read(self, task, item):
        """release_info with clusters: (inventory host names) - what runs in each cluster."""
        args = _module_args(task, item)
        summaries, locations = {}, {}
        for name, summary in item["clusters"].items():
            host = self._inventory.get_host(name) if self._inventory is not None else None
            cluster, location = location_of(host) if host is not None else (name, None)
            summaries[cluster] = summary
            locations[cluster] = location
        self.recorder.fleet_read(summaries, locations, item.get("app") or args.get("app"),
                                 item.get("namespace") or args.get("namespace"))
        self.on_fleet_read(self.recorder.record)

    def _maybe_frozen(self, host, task, item):
        """A release_freeze that froze a release (the canary_release role's freeze instead of a rollback)."""
        frozen = item.get("frozen")
        if not item.get("changed") or not isinstance(frozen, dict) or getattr(task, "check_mode", False) is True:
            return
        args = _module_args(task, item)
        cluster, _location = self._cluster_of(host, args)
        note = "%s (at canary %s / stable %s)" % (frozen.get("reason"), frozen.get("canary"), frozen.get("stable"))
        events = self.recorder.mark_frozen(cluster, note.strip(), time.time())
        steps = [s for s in self.recorder.record["steps"] if s["cluster"] == cluster]
        if steps:
            self.on_step(steps[-1], events)
