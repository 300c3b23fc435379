# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Present / absent for one object the module owns: idempotent, check mode, diff.

The module owns the object's ``spec`` (replaced as a whole) and the annotations it lists (merged
into the existing ones; others are left alone). Status and everything the server or a controller
sets are never compared, so a re-run with the same options changes nothing.
"""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import object_gone

FIELD_MANAGER = "progressive.delivery"


def view(obj):
    """The part of an object the module manages (what the diff shows)."""
    if obj is None:
        return {}
    meta = obj.get("metadata") or {}
    out = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
           "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace")}}
    if meta.get("annotations"):
        out["metadata"]["annotations"] = dict(meta["annotations"])
    if "spec" in obj:
        out["spec"] = copy.deepcopy(obj["spec"])
    return out


def merged(existing, desired):
    """existing with desired's spec and desired's annotations applied."""
    out = copy.deepcopy(existing)
    wanted = (desired.get("metadata") or {}).get("annotations") or {}
    if wanted:
        annotations = dict((out["metadata"].get("annotations") or {}))
        annotations.update(wanted)
        out["metadata"]["annotations"] = annotations
    if "spec" in desired:
        out["spec"] = copy.deepcopy(desired["spec"])
    return out


class Outcome(object):
    def __init__(self, changed, before, after, obj, action):
        self.changed = changed
        self.before = before
        self.after = after
        self.obj = obj  # the object as the server returned it (or would, in check mode)
        self.action = action  # created | updated | deleted | none

    def diff(self):
        return {"before": view(self.before), "after": view(self.after)}


def ensure_present(client, desired, check_mode):
    api_version, kind = desired["apiVersion"], desired["kind"]
    namespace, name = desired["metadata"]["namespace"], desired["metadata"]["name"]
    existing = client.get(api_version, kind, namespace, name)
    if existing is None:
        obj = desired if check_mode else client.create(desired, field_manager=FIELD_MANAGER)
        return Outcome(True, None, desired, obj, "created")
    target = merged(existing, desired)
    if view(target) == view(existing):
        return Outcome(False, existing, existing, existing, "none")
    if check_mode:
        return Outcome(True, existing, target, target, "updated")
    obj = client.update(api_version, kind, namespace, name, lambda current: merged(current, desired))
    return Outcome(True, existing, obj, obj, "updated")


def ensure_absent(client, api_version, kind, namespace, name, check_mode):
    existing = client.get(api_version, kind, namespace, name)
    if existing is None:
        return Outcome(False, None, None, None, "none")
    if not check_mode:
        client.delete(api_version, kind, namespace, name)
    return Outcome(True, existing, None, None, "deleted")


def wait_gone(waiter, api_version, kind, namespace, name):
    waiter.wait_for(api_version, kind, namespace, name, object_gone)
