# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input of the multi-cluster modules, found before anything is written."""

from __future__ import annotations


class InvalidInput(Exception):
    """An option (or a reference it makes) is wrong. `field` names the option path, the message
    says what is wrong and how to fix it."""

    def __init__(self, field, message):
        super(InvalidInput, self).__init__("%s: %s" % (field, message))
        self.field = field
        self.message = "%s: %s" % (field, message)

    def __str__(self):
        return self.message
