# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time for the analysis engine: real by default, replaceable so tests never sleep."""

from __future__ import annotations

import datetime
import time


class SystemClock(object):
    """Monotonic time for scheduling, UTC wall time for measurement timestamps."""

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)

    def now(self):
        return datetime.datetime.now(datetime.timezone.utc)


def iso_timestamp(moment):
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-26T11:30:00.123Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)
