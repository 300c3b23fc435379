"""gate_check against a real Prometheus (Debian's) scraping a fleetsim fleet.

The fleet runs three versions of ``cart`` behind one Service: v1 (stable, no errors), v2 (a good
canary, no errors) and v3 (a bad canary answering 20% of requests with 500). Prometheus scrapes
the fleet every second; the tests wait until each version has data before asserting.
"""

from __future__ import annotations

import json
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

pytestmark = pytest.mark.timeout(300)

CLUSTER = "gateprom-dev-us-east1"
SPEC = {"environment_sets": {"gateprom": {"environments": ["dev"], "regions": ["us-east1"]}}}
VERSIONS = {"v1": ("0", 3), "v2": ("0", 1), "v3": ("0.2", 1)}  # version -> (error rate, replicas)
WINDOW = "10s"


def deployment(version, error_rate, replicas):
    labels = {"app": "cart", "version": version}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cart-" + version, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": {"fleetsim.io/error-rate": error_rate,
                                                               "fleetsim.io/latency-ms": "10"}},
                "spec": {"containers": [{"name": "cart", "image": "shop/cart:" + version}]},
            },
        },
    }


@pytest.fixture(scope="module")
def fleet_prometheus(fleetsim_session_fleet, prometheus):
    # 10x clock, 200 requests per simulated second: thousands of requests per real second, so a
    # 10s rate window holds a tight error-ratio estimate.
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, requests_per_second=200, pod_ready_delay="1s",
                                   pod_ready_jitter="0s", seed=5)
    api = fleet.runtime.clusters[CLUSTER].api
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart", "namespace": "default"},
               "spec": {"selector": {"app": "cart"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    fleet.call(api.create, "services", service, "default")
    for version, (error_rate, replicas) in VERSIONS.items():
        fleet.call(api.create, "deployments.apps", deployment(version, error_rate, replicas), "default")
    prom = prometheus(fleet)
    # Wait for data: every version has at least 6 scrapes inside the rate window.
    count = "min by (version) (count_over_time(http_requests_total{%s}[%s]))" % (selector(prom), WINDOW)
    deadline = time.monotonic() + 120
    while True:
        samples = prom.query_values(count, by="version")
        if set(samples) >= set(VERSIONS) and min(samples.values()) >= 6:
            break
        assert time.monotonic() < deadline, "no steady traffic in Prometheus: %s" % samples
        time.sleep(1)
    return prom


def selector(prom, version=None, errors=False):
    parts = [prom.selector, 'cluster="%s"' % CLUSTER, 'service="cart"']
    if version:
        parts.append('version="%s"' % version)
    if errors:
        parts.append('code=~"5.."')
    return ", ".join(parts)


def error_ratio(prom, version):
    return "(sum(rate(http_requests_total{%s}[%s])) or vector(0)) / sum(rate(http_requests_total{%s}[%s]))" % (
        selector(prom, version, errors=True), WINDOW, selector(prom, version), WINDOW)


def canary_check(prom, canary, **options):
    check = {"name": "canary-error-ratio", "provider": "prometheus", "query": error_ratio(prom, canary),
             "baseline_query": error_ratio(prom, "v1"),
             "success_condition": "result <= baseline * 1.2 + 0.01"}
    check.update(options)
    return check


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            gate_check.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def test_healthy_canary_passes(fleet_prometheus, capsys):
    result = run(capsys, {"prometheus": {"url": fleet_prometheus.url},
                          "checks": [canary_check(fleet_prometheus, "v2", count=2, interval="1s")]})
    assert (result["rc"], result["verdict"]) == (0, "pass"), result["reason"]
    assert [m["phase"] for m in result["measurements"]] == ["Successful", "Successful"]
    first = result["measurements"][0]
    assert first["value"] < 0.01 and first["baseline"] < 0.01


def test_canary_with_20_percent_errors_fails_within_failure_limit_plus_one_intervals(fleet_prometheus, capsys):
    interval, failure_limit = 2.0, 1
    started = time.monotonic()
    result = run(capsys, {"prometheus": {"url": fleet_prometheus.url},
                          "checks": [canary_check(fleet_prometheus, "v3", count=10, interval="%gs" % interval,
                                                  failure_limit=failure_limit)]})
    elapsed = time.monotonic() - started
    assert (result["rc"], result["failed"], result["verdict"]) == (1, True, "fail")
    assert len(result["measurements"]) == failure_limit + 1
    assert elapsed < (failure_limit + 1) * interval + 5
    value = result["measurements"][-1]["value"]
    assert value == pytest.approx(0.2, abs=0.06)
    assert result["reason"].startswith("check 'canary-error-ratio' failed: 2 of 2 measurements failed "
                                       "(failure_limit 1); last failure: value 0.")
    assert "does not meet success condition 'result <= baseline * 1.2 + 0.01'" in result["reason"]


def test_per_series_names_the_bad_version(fleet_prometheus, capsys):
    errors = "sum by (version) (rate(http_requests_total{%s}[%s]))" % (selector(fleet_prometheus, errors=True), WINDOW)
    total = "sum by (version) (rate(http_requests_total{%s}[%s]))" % (selector(fleet_prometheus), WINDOW)
    query = "%s / %s" % (errors, total)
    check = {"name": "error-ratio-by-version", "provider": "prometheus", "query": query, "per_series": True,
             "success_condition": "result <= error_budget", "vars": {"error_budget": "0.05"}}
    result = run(capsys, {"prometheus": {"url": fleet_prometheus.url}, "checks": [check]})
    assert result["verdict"] == "fail"
    phases = {s["labels"]["version"]: s["phase"] for s in result["measurements"][0]["series"]}
    assert phases == {"v3": "Failed"}  # v1 and v2 have no 5xx series at all: only v3 is in the ratio
    assert 'series {version="v3"} value 0.' in result["reason"]


def test_empty_result_is_inconclusive_and_can_fail_by_policy(fleet_prometheus, capsys):
    query = 'sum(rate(http_requests_total{%s, version="v9"}[%s]))' % (selector(fleet_prometheus), WINDOW)
    check = {"name": "absent-version", "provider": "prometheus", "query": query, "success_condition": "result > 0"}
    result = run(capsys, {"prometheus": {"url": fleet_prometheus.url}, "checks": [check]})
    assert (result["rc"], result["verdict"]) == (0, "inconclusive")
    assert "no data: the query returned no series" in result["reason"]
    check["on_no_data"] = "fail"
    result = run(capsys, {"prometheus": {"url": fleet_prometheus.url}, "checks": [check],
                          "fail_on_inconclusive": True})
    assert (result["rc"], result["verdict"]) == (1, "fail")
