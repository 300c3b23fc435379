# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What the modules that move a release's split return about it (release/snapshot.py split_summary): listed in
    a module's RETURN with extends_documentation_fragment."""

    RETURN = r"""
before:
  description: Stable and canary Deployments (name, version, role, replicas, ready/available/updated) before the run.
  returned: when a release is in progress
  type: dict
  sample: {"stable": {"name": "web", "version": "1", "role": "stable", "replicas": 4, "ready_replicas": 4,
                      "available_replicas": 4, "updated_replicas": 4},
           "canary": {"name": "web-2", "version": "2", "role": "canary", "replicas": 1, "ready_replicas": 1,
                      "available_replicas": 1, "updated_replicas": 1}}
after:
  description: The same after the run (equal to before in check mode).
  returned: when a release is in progress
  type: dict
"""
