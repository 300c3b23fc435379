"""The http smoke provider against a local server: status, JSON assertions, regex, latency, ratio."""

from __future__ import annotations

import json
import time

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import run_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext


def smoke(url, **options):
    raw = {"name": "smoke", "provider": "http", "url": url}
    raw.update(options)
    return raw


def gate(clock, *checks):
    return run_gate(list(checks), GateContext(), clock=clock)


def test_json_assertions_pass_on_the_expected_version(server, clock):
    server.route("/shop/web/", lambda r: (200, {}, {"version": "v2", "pod": "web-1"}))
    result = gate(clock, smoke(server.url + "/shop/web/", json_assertions=["version == 'v2'", "pod"]))
    assert result.verdict == "pass"
    assert result.measurements[0].message == "pass ratio 1 meets success condition 'result >= required_pass_ratio'"


def test_json_assertion_failure_names_the_expression(server, clock):
    server.route("/", lambda r: (200, {}, {"version": "v1"}))
    result = gate(clock, smoke(server.url + "/", json_assertions=["version == 'v2'"]))
    assert result.verdict == "fail"
    assert "request 1: json assertion 'version == 'v2'' is false" in result.reason


def test_non_json_body_with_json_assertions_is_a_failure_not_a_pass(server, clock):
    server.route("/", lambda r: (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"))
    result = gate(clock, smoke(server.url + "/", json_assertions=["version == 'v2'"]))
    assert result.verdict == "fail"
    assert "body is not JSON, so json_assertions cannot hold (body starts '<html>maintenance</html>')" in result.reason


def test_unexpected_status(server, clock):
    server.route("/", lambda r: (503, {}, b"unavailable"))
    result = gate(clock, smoke(server.url + "/"))
    assert result.verdict == "fail"
    assert "request 1: HTTP 503, expected 200" in result.reason


def test_status_codes_and_regex(server, clock):
    server.route("/", lambda r: (201, {}, b"created order 42"))
    assert gate(clock, smoke(server.url + "/", method="post", body={"item": 1}, status_codes=[200, 201],
                             body_regex=r"order \d+")).verdict == "pass"
    sent = server.requests[0]
    assert (sent["method"], json.loads(sent["body"]), sent["headers"]["Content-Type"]) == (
        "POST", {"item": 1}, "application/json")
    result = gate(clock, smoke(server.url + "/", body_regex="^ok$", status_codes=[201]))
    assert "body does not match body_regex '^ok$'" in result.reason


def test_headers_are_sent(server, clock):
    server.route("/", lambda r: (200 if r["headers"].get("X-Canary") == "always" else 400, {}, b"ok"))
    assert gate(clock, smoke(server.url + "/", headers={"X-Canary": "always"})).verdict == "pass"


def test_max_latency(server, clock):
    def slow(request):
        time.sleep(0.15)
        return 200, {}, b"ok"
    server.route("/", slow)
    result = gate(clock, smoke(server.url + "/", max_latency_ms=50))
    assert result.verdict == "fail"
    assert "max_latency_ms 50" in result.reason
    assert result.measurements[0].series[0]["value"] >= 0.15


def test_pass_ratio_over_n_requests(server, clock):
    answers = iter([200, 500, 200, 200, 200, 500, 200, 200, 200, 200])
    server.route("/", lambda r: (next(answers), {}, b"ok"))
    result = gate(clock, smoke(server.url + "/", requests=10, required_pass_ratio=0.8))
    measurement = result.as_dict()["measurements"][0]
    assert result.verdict == "pass"
    assert measurement["value"] == 0.8
    assert [s["labels"]["status"] for s in measurement["series"]].count("500") == 2
    assert "2 of 10 requests failed; first: request 2: HTTP 500" in measurement["message"]


def test_pass_ratio_below_requirement_fails(server, clock):
    answers = iter([200, 500, 500, 200])
    server.route("/", lambda r: (next(answers), {}, b"ok"))
    result = gate(clock, smoke(server.url + "/", requests=4, required_pass_ratio=0.75))
    assert result.verdict == "fail"
    assert "pass ratio 0.5 does not meet success condition 'result >= required_pass_ratio'" in result.reason


def test_custom_condition_on_passed_requests(server, clock):
    answers = iter([200, 500, 200])
    server.route("/", lambda r: (next(answers), {}, b"ok"))
    result = gate(clock, smoke(server.url + "/", requests=3, success_condition="passed >= 2"))
    assert result.verdict == "pass"


def test_unreachable_url_is_inconclusive_by_default(closed_port_url, clock):
    result = gate(clock, smoke(closed_port_url + "/healthz", requests=3))
    assert result.verdict == "inconclusive"
    assert result.measurements[0].phase == "Error"
    assert "no request got an answer: request 1: GET %s/healthz refused the connection" % closed_port_url in result.reason


def test_unreachable_url_fails_with_on_no_data_fail(closed_port_url, clock):
    assert gate(clock, smoke(closed_port_url + "/", on_no_data="fail")).verdict == "fail"


@pytest.mark.parametrize("count", [2])
def test_repeated_measurements_follow_the_interval(server, clock, count):
    server.route("/", lambda r: (200, {}, b"ok"))
    result = gate(clock, smoke(server.url + "/", count=count, interval="15s"))
    assert result.verdict == "pass" and clock.sleeps == [15.0] and len(server.requests) == 2
