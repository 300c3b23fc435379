"""gate_check as Ansible runs it: arguments in, JSON out, failed on fail, clear errors on bad input."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

HEALTHY = {"clusters": [{"name": "eu-1", "ready": True}]}


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            gate_check.main()
    output = json.loads(capsys.readouterr().out)
    output["rc"] = exit_info.value.code
    return output


def jmespath_check(data=None, **options):
    check = {"name": "ready", "provider": "jmespath", "data": data or HEALTHY,
             "expression": "length(clusters[?ready != `true`])", "success_condition": "result == 0"}
    check.update(options)
    return check


def test_pass_returns_verdict_reason_and_measurements_unchanged(capsys):
    result = run(capsys, {"checks": [jmespath_check()]})
    assert (result["rc"], result.get("failed", False), result["changed"]) == (0, False, False)
    assert result["verdict"] == "pass"
    assert result["reason"] == "check 'ready' passed: 1 of 1 measurements successful; last: value 0 meets " \
                               "success condition 'result == 0'"
    assert result["measurements"][0]["phase"] == "Successful"
    assert result["checks"][0]["phase"] == "Successful"


def test_fail_fails_the_task_but_still_returns_the_measurements(capsys):
    data = {"clusters": [{"name": "eu-1", "ready": False}]}
    result = run(capsys, {"checks": [jmespath_check(data)]})
    assert (result["rc"], result["failed"], result["verdict"]) == (1, True, "fail")
    assert result["msg"].startswith("gate failed: check 'ready' failed: 1 of 1 measurements failed")
    assert result["measurements"][0]["value"] == 1


def test_inconclusive_passes_unless_fail_on_inconclusive(capsys):
    check = jmespath_check(expression="missing")
    result = run(capsys, {"checks": [check]})
    assert (result["rc"], result["verdict"]) == (0, "inconclusive")
    result = run(capsys, {"checks": [check], "fail_on_inconclusive": True})
    assert (result["rc"], result["failed"], result["verdict"]) == (1, True, "inconclusive")
    assert result["msg"].startswith("check 'ready' inconclusive")
    assert result["msg"].endswith("(gate inconclusive, fail_on_inconclusive)") and result["blame"] == "evidence"


def test_check_mode_still_measures(capsys):
    result = run(capsys, {"checks": [jmespath_check()], "_ansible_check_mode": True})
    assert (result["rc"], result["verdict"], len(result["measurements"])) == (0, "pass", 1)


@pytest.mark.parametrize("check, message", [
    ({"name": "x", "provider": "datadog", "query": "up"}, "value of provider must be one of: prometheus, http, "
                                                          "kubernetes, jmespath, prometheus_judge, got: datadog"),
    ({"name": "x", "provider": "prometheus"}, "provider is prometheus but all of the following are missing: query"),
    ({"name": "x", "provider": "prometheus", "query": "up"}, "checks[0] 'x': a prometheus check needs "
                                                             "success_condition and/or failure_condition"),
    ({"name": "x", "provider": "prometheus", "query": "up", "success_condition": "__import__('os')"},
     "checks[0] 'x': success_condition '__import__('os')' uses a call to __import__"),
    ({"name": "x", "provider": "http", "url": "http://127.0.0.1:1/", "query": "up"},
     "checks[0] 'x': option(s) query do not apply to provider http"),
])
def test_bad_input_is_a_clear_error_without_verdict(capsys, check, message):
    args = {"checks": [check], "prometheus": {"url": "http://127.0.0.1:1"}}
    result = run(capsys, args)
    assert result["rc"] == 1 and result["failed"] is True
    assert message in result["msg"]
    assert "verdict" not in result and "Traceback" not in result["msg"]


def test_prometheus_check_without_prometheus_url(capsys):
    check = {"name": "errors", "provider": "prometheus", "query": "up", "success_condition": "result == 1"}
    result = run(capsys, {"checks": [check]})
    assert result["msg"] == "check 'errors': uses provider prometheus but prometheus.url is not set; " \
                            "set prometheus: {url: http://prometheus:9090}"


def test_bearer_and_basic_auth_are_mutually_exclusive(capsys):
    prometheus = {"url": "http://127.0.0.1:1", "bearer_token": "tok-123456", "username": "gate",
                  "password": "pw-123456"}
    result = run(capsys, {"checks": [jmespath_check()], "prometheus": prometheus})
    assert "parameters are mutually exclusive: bearer_token|username" in result["msg"]


def test_secrets_are_not_logged(capsys):
    # Prometheus is unreachable: the gate is inconclusive, and the token never appears in the output.
    check = {"name": "errors", "provider": "prometheus", "query": "up", "success_condition": "result == 1"}
    args = {"checks": [check], "prometheus": {"url": "http://127.0.0.1:1", "bearer_token": "tok-very-secret",
                                              "timeout": 2}}
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            gate_check.main()
    out = capsys.readouterr().out
    assert "tok-very-secret" not in out
    assert json.loads(out)["verdict"] == "inconclusive"


def test_argument_spec_matches_providers():
    from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import COMMON_OPTIONS
    from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate_options import CHECK_OPTIONS
    from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS

    declared = set(CHECK_OPTIONS)
    used = set(COMMON_OPTIONS).union(*(p.options for p in PROVIDERS.values()))
    assert declared == used
    assert set(CHECK_OPTIONS["provider"]["choices"]) == set(PROVIDERS)


def test_an_unexpected_exception_is_a_one_line_failure(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(gate_check, "prepare_gate", broken)
    result = run(capsys, {"checks": [jmespath_check()]})
    assert (result["rc"], result["failed"]) == (1, True)
    assert result["msg"] == "gate_check failed unexpectedly: ZeroDivisionError: division by zero"


@pytest.mark.parametrize("given", ["error rate", 5])
def test_checks_given_a_scalar_names_the_option_and_the_fix(capsys, given):
    output = run(capsys, {"checks": given})
    assert output["failed"] and output["msg"].startswith("checks: must be a list of mappings, got ")
    assert "checks: [{name: ..., provider: ...}]" in output["msg"]
