"""Bad input is found before any measurement, with a message naming the check and the fix."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import (
    build_check_specs,
    parse_duration,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import CheckConfigError
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS


def prom(**options):
    raw = {"name": "errors", "provider": "prometheus", "query": "up", "success_condition": "result == 1"}
    raw.update(options)
    return raw


@pytest.mark.parametrize("value, seconds", [
    (30, 30.0), ("30", 30.0), ("2.5", 2.5), ("30s", 30.0), ("500ms", 0.5), ("5m", 300.0), ("1h", 3600.0),
    ("1m30s", 90.0), (0, 0.0),
])
def test_durations(value, seconds):
    assert parse_duration(value, "interval") == seconds


@pytest.mark.parametrize("value", ["30 seconds", "1d", "-5", "s", True, "1m 30s"])
def test_bad_durations_name_the_field_and_the_format(value):
    with pytest.raises(ValueError, match="interval: "):
        parse_duration(value, "interval")


@pytest.mark.parametrize("checks, message", [
    ([], "checks is empty"),
    ([prom(), prom()], "checks[1]: the name 'errors' is used by two checks"),
    ([prom(provider="datadog")], "checks[0] 'errors': unknown provider 'datadog'; use one of http, jmespath, "
                                 "kubernetes, prometheus"),
    ([prom(success_condition=None)], "checks[0] 'errors': a prometheus check needs success_condition and/or "
                                     "failure_condition"),
    ([prom(query=None)], "a prometheus check needs query"),
    ([prom(query="  ")], "query is empty"),
    ([prom(success_condition="result <= baseline")], "success_condition uses 'baseline' but the check has no "
                                                     "baseline_query"),
    ([prom(success_condition="result.real < 1")], "checks[0] 'errors': success_condition 'result.real < 1' uses "
                                                  "attribute access"),
    ([prom(failure_condition="result >")], "failure_condition 'result >' is not a valid expression"),
    ([prom(success_condition="result < budget")], "unknown name 'budget'"),
    ([prom(count=3)], "count is 3 but no interval is set"),
    ([prom(count=0)], "count must be >= 1"),
    ([prom(failure_limit=-1)], "failure_limit must be >= 0"),
    ([prom(interval="often", count=2)], "interval: 'often' is not a duration"),
    ([prom(on_no_data="ignore")], "on_no_data must be one of inconclusive, fail, pass"),
    ([prom(url="http://x")], "option(s) url do not apply to provider prometheus"),
    ([prom(vars={"result": 1})], "vars key 'result' cannot be used in conditions"),
    ([prom(vars={"my-budget": 1})], "vars key 'my-budget' cannot be used"),
    ([{"name": "smoke", "provider": "http", "url": "shop.example.com"}], "url 'shop.example.com' is not an http"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "per_series": True}],
     "per_series applies to prometheus checks only"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "json_assertions": ["version =="]}],
     "json_assertions: 'version ==' is not a valid JMESPath expression"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "body_regex": "("}],
     "body_regex '(' is not a valid regular expression"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "required_pass_ratio": 1.5}],
     "required_pass_ratio must be > 0 and <= 1"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "status_codes": [2000]}],
     "status_codes must be HTTP status codes"),
    ([{"name": "smoke", "provider": "http", "url": "http://x", "method": "FETCH"}], "method 'FETCH' is not one of"),
    ([{"name": "pods", "provider": "kubernetes", "namespace": "shop"}], "a kubernetes check needs deployment"),
    ([{"name": "j", "provider": "jmespath", "data": {}, "expression": "a[?"}], "is not a valid JMESPath expression"),
    ([{"name": "j", "provider": "jmespath", "expression": "a"}], "a jmespath check needs data"),
])
def test_bad_checks_are_rejected_with_a_clear_message(checks, message):
    with pytest.raises(CheckConfigError) as err:
        build_check_specs(checks, PROVIDERS)
    assert message in str(err.value)


def test_valid_check_gets_argo_defaults():
    (spec,) = build_check_specs([prom()], PROVIDERS)
    assert (spec.count, spec.interval, spec.initial_delay) == (1, 0.0, 0.0)
    assert (spec.failure_limit, spec.inconclusive_limit, spec.consecutive_error_limit) == (0, 0, 4)
    assert (spec.dry_run, spec.on_no_data, spec.per_series) == (False, "inconclusive", False)


def test_vars_that_look_like_numbers_become_numbers():
    (spec,) = build_check_specs([prom(vars={"budget": "0.01", "n": "3", "version": "v2"},
                                      success_condition="result <= budget")], PROVIDERS)
    assert spec.vars == {"budget": 0.01, "n": 3, "version": "v2"}


def test_conditions_can_use_baseline_and_labels_when_declared():
    (spec,) = build_check_specs([prom(baseline_query="up", per_series=True,
                                      success_condition="result <= baseline or labels['a'] == 'b'")], PROVIDERS)
    assert spec.success_condition.used_names == {"result", "baseline", "labels"}


def test_providers_without_required_conditions_accept_none():
    specs = build_check_specs([
        {"name": "smoke", "provider": "http", "url": "http://127.0.0.1/"},
        {"name": "pods", "provider": "kubernetes", "namespace": "shop", "deployment": "web"},
        {"name": "j", "provider": "jmespath", "data": {"ok": True}, "expression": "ok"},
    ], PROVIDERS)
    assert [s.success_condition for s in specs] == [None, None, None]
