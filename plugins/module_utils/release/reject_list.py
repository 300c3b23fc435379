# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reject list: versions of an app that were rolled back and must not be released again.

Stored in the app's release record ConfigMap under data['rejected-versions'] as JSON
{version: {"reason", "rejected_at", "by"}}; a canary for a listed version is refused unless forced.
"""

from __future__ import annotations

import copy
import json

from ansible_collections.progressive.delivery.plugins.module_utils.release import release_record, state as st

DATA_KEY = "rejected-versions"


def parse(record):
    """{version: entry} from a record ConfigMap (None or a malformed value -> {})."""
    raw = ((record or {}).get("data") or {}).get(DATA_KEY)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def with_rejected(record, version, reason, by, now=None):
    """A copy of record with version on its reject list (the first rejection's entry is kept)."""
    record = copy.deepcopy(record)
    rejected = parse(record)
    if version not in rejected:
        rejected[version] = {"reason": reason or "rolled back", "rejected_at": st.timestamp(now), "by": by}
    data = record.setdefault("data", {}) or {}
    data[DATA_KEY] = json.dumps(rejected, sort_keys=True)
    record["data"] = data
    return record


def without(record, version):
    record = copy.deepcopy(record)
    rejected = parse(record)
    rejected.pop(version, None)
    record.setdefault("data", {})[DATA_KEY] = json.dumps(rejected, sort_keys=True)
    return record


def read(client, ref):
    return parse(release_record.get_record(client, ref))


def reject(client, ref, version, reason, by, now=None):
    """Add version to the app's reject list on the cluster; returns the updated list."""
    record = release_record.update_record(client, ref, lambda r: with_rejected(r, version, reason, by, now))
    return parse(record)
