# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the rollout board from a record file, as a script (playbooks/board.yml, tests, CI):

    PYTHONPATH=<dir holding ansible_collections> python -m \\
      ansible_collections.progressive.delivery.plugins.plugin_utils.board_cli RECORD.json BOARD.html
"""

from __future__ import annotations

import json
import os
import sys

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.record import RECORD_KIND


def main(argv):
    """Write the board; returns an error message (for the exit status) or None."""
    if len(argv) != 3:
        return "usage: %s RECORD.json BOARD.html" % argv[0]
    try:
        with open(argv[1], encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError) as exc:
        return "board: cannot read the rollout record %s: %s" % (argv[1], exc)
    if not isinstance(record, dict) or record.get("kind") != RECORD_KIND:
        return ("board: %s is not a rollout record (no kind '%s'); "
                "write one with the progressive.delivery.rollout_record callback" % (argv[1], RECORD_KIND))
    try:
        with open(argv[2], "w", encoding="utf-8") as handle:
            handle.write(board.render(record))
    except OSError as exc:
        return "board: cannot write %s: %s" % (argv[2], exc)
    sys.stdout.write("rollout board: %s\n" % os.path.abspath(argv[2]))
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
