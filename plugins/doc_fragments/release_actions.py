# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What the modules that finish or undo a release return about their actions: listed in a module's RETURN
    with extends_documentation_fragment."""

    RETURN = r"""
actions:
  description: What was done (or would be, in check mode).
  returned: always
  type: list
  elements: str
plan:
  description: In check mode, the actions that would be taken.
  returned: check mode
  type: list
  elements: str
"""
