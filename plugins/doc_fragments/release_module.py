# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import yaml

from ansible_collections.progressive.delivery.plugins.doc_fragments import k8s_auth, release_app, release_lock


def _merged(*fragments):
    """One DOCUMENTATION from several fragments' (their options, requirements and notes, in order)."""
    merged = {}
    for fragment in fragments:
        for key, value in yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged.setdefault(key, []).extend(value)
    return yaml.safe_dump(merged, sort_keys=False, width=120)


class ModuleDocFragment:
    """What every module built by release_module() (plugins/module_utils/release/module_support.py) takes: the app
    (release_app), its release lock (release_lock) and the cluster connection (k8s_auth). One name in each release
    module's extends_documentation_fragment instead of three; the three stay the single source of the text."""

    DOCUMENTATION = _merged(release_app, release_lock, k8s_auth)
