# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet description that cannot be used: the entry at fault and how to fix it."""

from __future__ import annotations


class FleetError(Exception):
    """`field` is the dotted path of the offending entry (e.g. ``environment_sets.web.regions[1]``
    or ``clusters.web-dev-us-east1.context``); the message says what is wrong and the fix."""

    def __init__(self, field, problem):
        self.field = field
        self.problem = problem
        self.message = "%s: %s" % (field, problem) if field else problem
        super(FleetError, self).__init__(self.message)

    def __str__(self):
        return self.message
