# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Which app a release module works on (plugins/module_utils/release/module_support.py APP_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  namespace:
    description: Namespace of the app.
    type: str
    required: true
  app:
    description: The app, as the value of the O(app_label) pod label its Deployments and Services carry.
    type: str
    required: true
  app_label:
    description: Pod label key that names the app.
    type: str
    default: app
  version_label:
    description: Pod label key that names the version; the stable's pod template must carry it.
    type: str
    default: version
"""
