# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which run holds a lock, and whether that run is provably gone.

A run id names one ansible-playbook run (the progressive.delivery.run_id lookup makes it): an AWX/Tower
job (``awx-job:<id>``), or a controller process (``process:<host>:<pid>:<start>``, where start is the
process' start time in clock ticks since boot, so a reused pid is not taken for the old run). Only a
process run on this very host can be proven gone; any other run is alive until its lock expires.
"""

from __future__ import annotations

import os
import re
import socket

_PROCESS_RUN = re.compile(r"^process:(?P<host>[^:]+):(?P<pid>\d+):(?P<start>\d+)$")


def process_start_ticks(pid):
    """Start time of pid in clock ticks since boot (Linux /proc); None when there is no such live process.

    A zombie (killed, not yet reaped by its parent) runs nothing any more: it counts as gone.
    """
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # field 3 of proc(5): zombie or dead
            return None
        return int(fields[19])  # field 22 of proc(5): starttime
    except (IOError, OSError, IndexError, ValueError):
        return None


def process_run_id(pid, host=None):
    """The run id of the controller process pid (its start time read from /proc, 0 elsewhere)."""
    return "process:%s:%d:%d" % (host or socket.gethostname(), pid, process_start_ticks(pid) or 0)


def describe(run):
    """A run id in words, for messages."""
    match = _PROCESS_RUN.match(run or "")
    if match:
        return "ansible-playbook process %s on %s" % (match.group("pid"), match.group("host"))
    if (run or "").startswith("awx-job:"):
        return "AWX job %s" % run.split(":", 1)[1]
    return "run %s" % run


def is_gone(run, host=None):
    """True only when run is a controller process of this host that no longer exists."""
    match = _PROCESS_RUN.match(run or "")
    if not match or match.group("host") != (host or socket.gethostname()):
        return False
    pid, start = int(match.group("pid")), int(match.group("start"))
    if os.path.isdir("/proc/self"):
        ticks = process_start_ticks(pid)
        # No such process, or the pid now belongs to a process started later.
        return ticks is None or (start != 0 and ticks != start)
    try:
        os.kill(pid, 0)
    except OSError as err:
        return err.errno == 3  # ESRCH: no such process
    return False
