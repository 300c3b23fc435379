# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the release modules share: the app and lock options, the context, and error reporting."""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.release import names
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError

APP_ARG_SPEC = {
    "namespace": {"type": "str", "required": True},
    "app": {"type": "str", "required": True},
    "app_label": {"type": "str", "default": "app"},
    "version_label": {"type": "str", "default": "version"},
}

LOCK_ARG_SPEC = {
    "lock_owner": {"type": "str"},
    "lock_run": {"type": "str"},
    "lock_ttl": {"type": "int", "default": 900},
    "take_over_lock": {"type": "bool", "default": False},
}

# How the canary is made and checked before its first write (doc fragment release_canary): canary,
# release_preflight and rollout_plan make it or dry-run it.
CANARY_ARG_SPEC = {
    "image": {"type": "str"},
    "container": {"type": "str"},
    "images": {"type": "dict"},
    "template_overrides": {"type": "dict"},
    "force": {"type": "bool", "default": False},
    "check_permissions": {"type": "bool", "default": True},
    "extra_permissions": {"type": "list", "elements": "str", "default": []},
}
CANARY_MUTUALLY_EXCLUSIVE = [("image", "images"), ("container", "images")]


def argument_spec(*specs, **extra):
    spec = copy.deepcopy(APP_ARG_SPEC)
    for s in specs:
        spec.update(copy.deepcopy(s))
    spec.update(extra)
    return spec


def release_module(options, canary=False, **kwargs):
    """The K8sModule of a release module: the app options (release_app doc fragment), the lock options
    (release_lock), with ``canary`` the options that say how the canary is made (release_canary), plus its own
    ``options``; kwargs go to K8sModule (with_wait, required_if, supports_check_mode, ...)."""
    specs = [LOCK_ARG_SPEC, CANARY_ARG_SPEC] if canary else [LOCK_ARG_SPEC]
    if canary:
        kwargs["mutually_exclusive"] = CANARY_MUTUALLY_EXCLUSIVE + list(kwargs.get("mutually_exclusive") or [])
    return K8sModule(argument_spec=argument_spec(*specs, **options), **kwargs)


def context_from(module, wait=None):
    p = module.params
    return ReleaseContext(
        module.client,
        namespace=p["namespace"],
        app=p["app"],
        app_label=p["app_label"],
        version_label=p["version_label"],
        lock_owner=p.get("lock_owner"),
        lock_run=p.get("lock_run"),
        lock_ttl=p.get("lock_ttl") or 900,
        take_over_lock=bool(p.get("take_over_lock")),
        check_mode=module.check_mode,
        wait=p.get("wait", True) if wait is None else wait,
        wait_timeout=p.get("wait_timeout") or 600,
        wait_sleep=p.get("wait_sleep") or 2,
    )


def run(module, operation, wait=None):
    """Run operation(ctx) through the module's one runner (K8sModule.run): exit_json with its result, or
    fail_json naming the field and the fix (and whose fault it was, ``blame``)."""
    if module.params.get("lock_ttl") is not None and module.params["lock_ttl"] < 1:
        module.fail_json(msg="lock_ttl: must be 1 second or more", field="lock_ttl")

    def release_operation():
        names.check_label_key("app_label", module.params["app_label"])
        names.check_label_key("version_label", module.params["version_label"])
        names.check_label_value("app", module.params["app"])
        names.check_namespace("namespace", module.params["namespace"])
        return operation(context_from(module, wait))

    module.run(release_operation, input_errors=(ReleaseError,))
