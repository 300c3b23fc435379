# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a gate, declared once: gate_check takes them, and scale_step takes them to gate its own move
in the same process. Documented by the progressive.delivery.gate doc fragment (tests check the two agree)."""

from __future__ import annotations

import copy

from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers import registry

# The common check options (check_spec.COMMON_OPTIONS) and each provider's own (Provider.options).
CHECK_OPTIONS = registry.check_argument_spec()

PROMETHEUS_OPTIONS = dict(
    url=dict(type="str", required=True),
    bearer_token=dict(type="str", no_log=True),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    headers=dict(type="dict"),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path"),
    timeout=dict(type="float", default=10),
)

GATE_ARG_SPEC = dict(
    checks=dict(
        type="list",
        elements="dict",
        options=CHECK_OPTIONS,
        required_if=registry.required_options(),
    ),
    prometheus=dict(
        type="dict",
        options=PROMETHEUS_OPTIONS,
        mutually_exclusive=[("bearer_token", "username")],
        required_together=[("username", "password")],
    ),
    fail_on_inconclusive=dict(type="bool", default=False),
)


def gate_argument_spec(checks_required):
    """GATE_ARG_SPEC, with O(checks) required (gate_check) or optional (a module that gates only when asked)."""
    spec = copy.deepcopy(GATE_ARG_SPEC)
    spec["checks"]["required"] = checks_required
    return spec
