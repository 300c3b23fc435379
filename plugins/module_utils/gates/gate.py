# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One call for modules that gate on checks: validate, build providers, run the analysis.

Other modules of the collection (e.g. a rollout step) can gate the same way gate_check does:

    result = run_gate(checks, GateContext(prometheus=..., k8s_client=lambda: module.client))
    result.verdict  # "pass" | "fail" | "inconclusive"; result.as_dict() is gate_check's return shape

Raises CheckConfigError for bad input (before any wait).
"""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.gates.analysis import Analysis, CheckRun
from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import build_check_specs
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS


def prepare_gate(checks, context, clock=None):
    """An Analysis ready to run: every check validated and its provider built (no I/O yet)."""
    specs = build_check_specs(checks, PROVIDERS)
    runs = [CheckRun(spec, PROVIDERS[spec.provider](spec, context)) for spec in specs]
    return Analysis(runs, clock=clock)


def run_gate(checks, context, clock=None):
    return prepare_gate(checks, context, clock=clock).run()
