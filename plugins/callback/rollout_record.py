# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_record
type: aggregate
short_description: Writes the rollout record (JSON) and the live HTML board of a run
version_added: "0.1.0"
description:
  - Records every result of the collection's release modules (M(progressive.delivery.canary),
    M(progressive.delivery.scale_step), M(progressive.delivery.gate_check), M(progressive.delivery.release_finish),
    M(progressive.delivery.release_rollback), M(progressive.delivery.release_info)) per cluster (the host the
    task ran for) - every step with its split before and after, every gate measurement with its threshold,
    every decision (proceed, stop, rollback, promote, freeze), durations and the run's outcome.
  - The JSON follows docs/schemas/rollout-record.schema.json (C(schema_version) 1). It is rewritten after
    every recorded step, so a run that is killed leaves the record of what happened until then.
  - The fleet grid of the board lists every member cluster of the inventory (host variables C(fleet_set),
    C(fleet_environment), C(fleet_region) of the C(progressive.delivery.fleet) inventory), touched or not.
  - The HTML board next to the record (same name, C(.html)) is live - rewritten after every event (what
    M(progressive.delivery.release_info) read in many clusters at the start, every step, every gate) and
    reloading itself every O(board_refresh) seconds until the run ends - so it can stay open in a browser for
    the whole rollout. Its path is printed when it is first written (for the collection's C(rollout.yml),
    C(release.yml) and C(rollback.yml) at their first fleet read, before anything moves; for other playbooks
    at their first release step) and at the end of the run.
  - Enable it with C(callbacks_enabled = progressive.delivery.rollout_record) (or
    E(ANSIBLE_CALLBACKS_ENABLED)); it prints nothing but the paths it wrote.
requirements:
  - enable in configuration
options:
  path:
    description:
      - File the record is written to. Relative paths are relative to the current directory.
      - By default a new file per run in O(directory), named after the start time, the playbook and the run id.
    type: path
    env:
      - name: PD_ROLLOUT_RECORD
    ini:
      - section: progressive_delivery
        key: rollout_record
  directory:
    description: Directory of the default record file (when O(path) is not set).
    type: path
    default: rollout-records
    env:
      - name: PD_ROLLOUT_RECORD_DIR
    ini:
      - section: progressive_delivery
        key: rollout_record_dir
  board:
    description:
      - Write the live HTML board next to the record (same name, C(.html)).
      - The extra variable C(rollout_board=false) (C(-e rollout_board=false)) turns it off for one run too.
    type: bool
    default: true
    env:
      - name: PD_ROLLOUT_BOARD
    ini:
      - section: progressive_delivery
        key: rollout_board
  rehearsal:
    description:
      - Mark the record (C(run.rehearsal)) and the board (a banner) as a dress rehearsal on a simulated twin of the
        fleet, not a release; C(playbooks/rehearse.yml) sets it for the rollout it runs on the twin.
    type: bool
    default: false
    env:
      - name: PD_ROLLOUT_REHEARSAL
  board_refresh:
    description: Seconds between the live board's reloads while the run goes on (0 - never reload).
    type: int
    default: 5
    env:
      - name: PD_ROLLOUT_BOARD_REFRESH
    ini:
      - section: progressive_delivery
        key: rollout_board_refresh
"""

import json
import os
import re
import tempfile
import time

from ansible.plugins.callback import CallbackBase

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board
from ansible_collections.progressive.delivery.plugins.plugin_utils.rollout_events import RolloutEvents


ROLLOUT_PLAYBOOKS = ("rollout.yml", "release.yml", "rollback.yml")


def write_atomically(path, text):
    """Readers (the board, a watching operator) never see half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rollout-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


class CallbackModule(RolloutEvents, CallbackBase):
    """Writes the rollout record of the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "progressive.delivery.rollout_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._rollout_init()
        self.record_path = None
        self.board_path = None
        self._board_off = False  # -e rollout_board=false

    def _path(self):
        if self.record_path is None:
            path = self.get_option("path")
            if not path:
                run = self.recorder.record["run"]
                playbook = re.sub(r"[^A-Za-z0-9_.-]+", "-", os.path.splitext(run["playbook"] or "adhoc")[0])
                stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                path = os.path.join(self.get_option("directory"), "%s-%s-%s.json" % (stamp, playbook, run["id"][:8]))
            self.record_path = path
        return self.record_path

    def _write(self):
        try:
            write_atomically(self._path(), json.dumps(self.recorder.record, indent=2, sort_keys=False) + "\n")
        except (OSError, TypeError, ValueError) as exc:
            self._display.warning("rollout_record: cannot write %s: %s" % (self._path(), exc))
            return False
        return True

    def v2_playbook_on_start(self, playbook):
        super(CallbackModule, self).v2_playbook_on_start(playbook)
        if self.get_option("rehearsal"):
            self.recorder.record["run"]["rehearsal"] = True

    def v2_playbook_on_play_start(self, play):
        super(CallbackModule, self).v2_playbook_on_play_start(play)
        try:
            extra = play.get_variable_manager().extra_vars or {}
        except Exception:  # pylint: disable=broad-except
            extra = {}
        if "rollout_board" in extra:
            self._board_off = str(extra["rollout_board"]).strip().lower() in ("false", "no", "off", "0")

    def _board(self, record, live):
        """Rewrite the board; the first time, say where it is (the operator opens it now, not at the end)."""
        if not self.get_option("board") or self._board_off:
            return
        html = os.path.splitext(self._path())[0] + ".html"
        refresh = self.get_option("board_refresh") if live else None
        try:
            write_atomically(html, board.render(record, refresh=refresh or None))
        except OSError as exc:
            self._display.warning("rollout_record: cannot write the board %s: %s" % (html, exc))
            return
        if self.board_path is None:
            self.board_path = os.path.abspath(html)
            self._display.display("rollout board (live, reloads every %ss while the run goes on): %s"
                                  % (refresh, self.board_path) if refresh else "rollout board: %s" % self.board_path)

    def on_fleet_read(self, record):
        # The collection's rollout playbooks read the fleet before they move anything: the board opens at the
        # start. Other playbooks (rollout_status.yml reads the same way) get a board once they release something.
        if (record["run"]["playbook"] or "") in ROLLOUT_PLAYBOOKS:
            self._board(record, live=True)

    def on_step(self, step, events):
        if self.recorder.released():
            self._write()
            self._board(self.recorder.record, live=True)

    def on_rollout_end(self, record):
        if not self.recorder.released() and self.board_path is None:
            return  # a run that released nothing (a status run, a lint) leaves no record
        if self._write():
            self._display.display("rollout record: %s" % os.path.abspath(self._path()))
        announced = self.board_path
        self._board(record, live=False)
        if announced is not None and self.board_path is not None:
            self._display.display("rollout board: %s (open it: xdg-open %s)" % (self.board_path, self.board_path))
