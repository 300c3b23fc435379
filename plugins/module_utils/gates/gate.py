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

import traceback

from ansible_collections.progressive.delivery.plugins.module_utils.gates.analysis import Analysis, CheckRun
from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import build_check_specs
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    BLAME_EVIDENCE,
    FAIL,
    VERDICT_INCONCLUSIVE,
    CheckConfigError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS


def prepare_gate(checks, context, clock=None):
    """An Analysis ready to run: every check validated and its provider built (no I/O yet)."""
    specs = build_check_specs(checks, PROVIDERS)
    runs = [CheckRun(spec, PROVIDERS[spec.provider](spec, context)) for spec in specs]
    return Analysis(runs, clock=clock)


def run_gate(checks, context, clock=None):
    return prepare_gate(checks, context, clock=clock).run()


def judge(analysis, fail_on_inconclusive, who="gate_check"):
    """Run a prepared gate as a task does: (output, failure).

    output is gate_check's return shape (verdict, reason, blame, checks, measurements; changed false); failure is
    None when the task passes, else fail_json's msg (and the traceback of a bug). A check that turns out wrong
    while measuring (a query Prometheus rejects, wrong credentials) or a bug says nothing about the version.
    """
    try:
        result = analysis.run()
    except CheckConfigError as exc:
        return {"changed": False, "blame": BLAME_EVIDENCE}, {"msg": str(exc)}
    except Exception as exc:  # pylint: disable=broad-except
        return {"changed": False, "blame": BLAME_EVIDENCE}, unexpected_failure(who, exc)
    output = dict(result.as_dict(), changed=False)
    if result.verdict == FAIL:
        return output, {"msg": "gate failed: %s" % result.reason}
    if result.verdict == VERDICT_INCONCLUSIVE and fail_on_inconclusive:
        # The observed cause first: an unreachable provider is what the reader must fix.
        return output, {"msg": "%s (gate inconclusive, fail_on_inconclusive)" % result.reason}
    return output, None


def unexpected_failure(who, exc):
    """fail_json's msg and traceback for a bug: still a one-line task failure, with the traceback for -vvv."""
    return {"msg": "%s failed unexpectedly: %s: %s" % (who, type(exc).__name__, exc),
            "exception": traceback.format_exc()}
