# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: progress
type: aggregate
short_description: One concise line per release step per cluster, beside the normal output
version_added: "0.1.0"
description:
  - Prints one line whenever one of the collection's release modules finishes for a cluster (the host the
    task ran for) - the canary created, a step of the split, a gate verdict, a finish, a rollback - with
    the cluster, the split (stable/canary pods and the canary's share), the verdict and the duration.
  - Before the lines of a play over fleet clusters, a header naming the environment set and environment(s) of
    the play's hosts, then the play's name (C(PROGRESS ---- set shop, environment dev) ...); a gate in a cluster where the run
    has no release (the promotion gate before an environment) is called a promotion gate.
  - An aggregate callback, so it works beside any stdout callback, in a terminal and in AWX job output
    (plain text lines, no colour unless the terminal has it, no cursor movement).
  - Enable it with C(callbacks_enabled = progressive.delivery.progress) (or E(ANSIBLE_CALLBACKS_ENABLED)).
requirements:
  - enable in configuration
options:
  show_info:
    description: Also print a line for every M(progressive.delivery.release_info) read (resumed runs, status).
    type: bool
    default: false
    env:
      - name: PD_PROGRESS_SHOW_INFO
    ini:
      - section: progressive_delivery
        key: progress_show_info
"""

from ansible.plugins.callback import CallbackBase

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.progress_line import progress_line
from ansible_collections.progressive.delivery.plugins.plugin_utils.rollout_events import RolloutEvents


class CallbackModule(RolloutEvents, CallbackBase):
    """Prints a progress line per release step per cluster."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "progressive.delivery.progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._rollout_init()

    def on_play(self, name, places):
        """A header naming where the play runs (its name cannot: the plan decides the environments at run time)."""
        sets = {}
        for set_name, environment in places:
            sets.setdefault(set_name, []).append(environment or "-")
        if sets:
            where = "; ".join("set %s, environment%s %s" % (set_name, "s" if len(envs) > 1 else "", ", ".join(envs))
                              for set_name, envs in sets.items())
            self._display.display("PROGRESS ---- %s: %s" % (where, name))

    def on_step(self, step, events):
        if step["kind"] == "info" and not self.get_option("show_info"):
            return
        self._display.display(progress_line(step, self.recorder.record["clusters"].get(step["cluster"]), events))

    def on_rollout_end(self, record):
        if self.recorder.released():  # a run that only read (status) has nothing to sum up
            finished = (record["run"]["finished_at"] or "")[11:19]
            self._display.display("PROGRESS %s rollout finished | %s" % (finished, record["run"]["summary"]))
