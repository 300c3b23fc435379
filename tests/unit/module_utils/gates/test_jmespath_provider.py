"""The jmespath provider: an expression over data given to the task."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import run_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext

CLUSTERS = {"clusters": [{"name": "eu-1", "ready": True}, {"name": "us-1", "ready": False}]}


def gate(clock, **options):
    raw = {"name": "clusters", "provider": "jmespath", "data": CLUSTERS}
    raw.update(options)
    return run_gate([raw], GateContext(), clock=clock)


@pytest.mark.parametrize("expression, verdict", [
    ("clusters[?name == 'eu-1'].ready | [0]", "pass"),
    ("clusters[?name == 'us-1'].ready | [0]", "fail"),
    ("clusters[?ready == `false`]", "pass"),  # a non-empty list is truthy
    ("clusters[?name == 'nowhere']", "fail"),  # an empty list is falsy
    ("length(clusters)", "pass"),  # numbers, even 0, are truthy in JMESPath
])
def test_default_condition_is_jmespath_truthiness(clock, expression, verdict):
    assert gate(clock, expression=expression).verdict == verdict


def test_compare_with_a_condition(clock):
    result = gate(clock, expression="length(clusters[?ready != `true`])", success_condition="result == 0")
    assert result.verdict == "fail"
    assert result.reason.endswith("value 1 does not meet success condition 'result == 0'")


def test_null_result_is_no_data(clock):
    result = gate(clock, expression="missing.path")
    assert result.verdict == "inconclusive"
    assert "expression 'missing.path' returned null" in result.reason


def test_json_text_is_parsed(clock):
    assert gate(clock, data='{"ok": true}', expression="ok").verdict == "pass"


def test_dict_results_can_be_indexed(clock):
    result = gate(clock, expression="clusters[0]", success_condition="result['name'] == 'eu-1'")
    assert result.verdict == "pass"
