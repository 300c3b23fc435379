"""A real Prometheus scraping the fleet sees each version's configured error rate."""
from __future__ import annotations

import time

import pytest

SPEC = {"environment_sets": {"shop": {"environments": ["dev"], "regions": ["us-east1"]}}}
CLUSTER = "shop-dev-us-east1"
ERROR_RATES = {"v1": 0.05, "v2": 0.25}


def deployment(version: str, error_rate: float, replicas: int) -> dict:
    labels = {"app": "cart", "version": version}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"cart-{version}", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels,
                             "annotations": {"fleetsim.io/error-rate": str(error_rate),
                                             "fleetsim.io/latency-ms": "40"}},
                "spec": {"containers": [{"name": "cart", "image": f"shop/cart:{version}"}]},
            },
        },
    }


SERVICE = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "cart", "namespace": "default"},
           "spec": {"selector": {"app": "cart"}, "ports": [{"port": 80, "targetPort": 8080}]}}


@pytest.mark.timeout(180)
def test_prometheus_rate_of_5xx_per_version_matches_the_configured_error_rate(
        fleetsim_fleet, prometheus):
    # 10x clock, 200 requests per simulated second: ~1000 requests a real second per version,
    # so ten seconds of scrapes hold enough requests for a tight error-rate estimate.
    fleet = fleetsim_fleet(SPEC, clock_speed=10, requests_per_second=200,
                           pod_ready_delay="1s", pod_ready_jitter="0s", seed=11)
    api = fleet.runtime.clusters[CLUSTER].api
    fleet.call(api.create, "services", SERVICE, "default")
    fleet.call(api.create, "deployments.apps", deployment("v1", ERROR_RATES["v1"], 3), "default")
    fleet.call(api.create, "deployments.apps", deployment("v2", ERROR_RATES["v2"], 1), "default")
    prom = prometheus(fleet)

    sel = f'{prom.selector}, cluster="{CLUSTER}", service="cart"'
    # Wait for data: at least 8 scrapes of traffic from both versions inside the 1m window.
    deadline = time.monotonic() + 90
    while True:
        samples = prom.query_values(
            f"min by (version) (count_over_time(http_requests_total{{{sel}}}[1m]))", by="version")
        if set(samples) >= set(ERROR_RATES) and min(samples.values()) >= 8:
            break
        assert time.monotonic() < deadline, f"no steady traffic in Prometheus: {samples}"
        time.sleep(1)

    errors = prom.query_values(
        f'sum by (version) (rate(http_requests_total{{{sel}, code=~"5.."}}[1m]))', by="version")
    total = prom.query_values(
        f"sum by (version) (rate(http_requests_total{{{sel}}}[1m]))", by="version")
    for version, configured in ERROR_RATES.items():
        observed = errors[version] / total[version]
        assert observed == pytest.approx(configured, rel=0.2), (version, observed, configured)
    # v1 has three pods and v2 one: traffic splits per ready endpoint, 3:1.
    assert total["v1"] / total["v2"] == pytest.approx(3.0, rel=0.2)
    # 200 simulated requests/s at clock speed 10 are 2000 requests per real second. (A [1m]
    # rate over ~10 s of data divides by the whole minute, so measure over a filled window.)
    recent = prom.query_values(f"sum(rate(http_requests_total{{{sel}}}[5s]))", by="")
    assert recent[""] == pytest.approx(2000, rel=0.3)
