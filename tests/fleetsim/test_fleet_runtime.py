"""The in-process fleet fixture: clusters, fronts, simulated traffic, metrics and faults together."""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import kubernetes
import pytest

SPEC = {"environment_sets": {"shop": {"environments": ["dev", "prod"],
                                      "regions": ["us-east1", "europe-west1"]}}}
CLUSTER = "shop-dev-us-east1"


def front_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def deployment(version: str, replicas: int, annotations: dict | None = None) -> dict:
    labels = {"app": "cart", "version": version}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"cart-{version}"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels, "annotations": annotations or {}},
                                  "spec": {"containers": [{"name": "cart",
                                                           "image": f"shop/cart:{version}"}]}}}}


@pytest.fixture
def fleet(fleetsim_fleet):
    return fleetsim_fleet(SPEC, clock_speed=20, pod_ready_delay="1s", requests_per_second=50,
                          seed=5)


def client_for(fleet, context: str):
    api_client = kubernetes.config.new_client_from_config(config_file=str(fleet.kubeconfig),
                                                          context=context)
    return kubernetes.client.CoreV1Api(api_client), kubernetes.client.AppsV1Api(api_client)


@pytest.mark.timeout(120)
def test_traffic_reaches_ready_pods_through_fronts_and_metrics(fleet):
    core, apps = client_for(fleet, CLUSTER)
    core.create_namespaced_service("default", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart"},
        "spec": {"selector": {"app": "cart"}, "ports": [{"port": 80}]}})
    front = fleet.clusters[CLUSTER].front_url
    status, body = front_get(f"{front}/default/cart/")
    assert (status, body["error"]) == (503, 'service "default/cart" has no ready endpoints')

    apps.create_namespaced_deployment("default", deployment("v1", 1))
    apps.create_namespaced_deployment("default", deployment(
        "v2", 1, {"fleetsim.io/error-rate": "1", "fleetsim.io/latency-ms": "5"}))
    deadline = time.monotonic() + 60
    seen = {}
    while len(seen) < 2:
        assert time.monotonic() < deadline, f"pods never became ready behind the front: {seen}"
        status, body = front_get(f"{front}/default/cart/checkout")
        if status != 503:
            seen[body["version"]] = (status, body["pod"], body["path"], body["cluster"])
        time.sleep(0.05)
    assert seen["v1"][0] == 200 and seen["v2"][0] == 500
    assert seen["v1"][1].startswith("cart-v1-") and seen["v2"][1].startswith("cart-v2-")
    assert seen["v1"][2:] == ("/checkout", CLUSTER)
    assert front_get(f"{front}/default/nope/")[0] == 404

    # Simulated users: 50 requests per simulated second at 20x, shared by the two pods.
    time.sleep(1.5)
    text = fleet.metrics_text()
    counts = {}
    for line in text.splitlines():
        if line.startswith("http_requests_total{") and 'service="cart"' in line:
            version = line.split('version="')[1].split('"')[0]
            code = line.split('code="')[1].split('"')[0]
            counts[(version, code)] = counts.get((version, code), 0) + float(line.split()[-1])
    assert counts.get(("v1", "200"), 0) > 100
    assert counts.get(("v2", "500"), 0) > 100
    assert ("v1", "500") not in counts and ("v2", "200") not in counts


@pytest.mark.timeout(120)
def test_faults_hit_one_cluster_and_clear(fleet):
    core, _ = client_for(fleet, CLUSTER)
    other, _ = client_for(fleet, "shop-dev-europe-west1")
    assert fleet.set_fault(CLUSTER, error_409=1.0)["error_409"] == 1.0
    with pytest.raises(kubernetes.client.ApiException) as caught:
        core.patch_namespace("default", {"metadata": {"labels": {"touched": "yes"}}})
    assert caught.value.status == 409
    other.patch_namespace("default", {"metadata": {"labels": {"touched": "yes"}}})  # only the faulty cluster fails

    fleet.set_fault(CLUSTER, error_409=0, unreachable=True)
    host, port = fleet.api_url(CLUSTER).split("://")[1].split(":")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=2).close()
    fleet.clear_faults(CLUSTER)
    assert "default" in {ns.metadata.name for ns in core.list_namespace().items}


def test_topology_knows_every_cluster_and_each_config_cluster(fleet):
    runtime = fleet.runtime
    assert len(fleet.clusters) == 6
    assert runtime.config_cluster("shop", "prod").name == "shop-prod-config"
    assert [c.name for c in runtime.members("shop", "dev")] == [
        "shop-dev-us-east1", "shop-dev-europe-west1"]
    info = fleet.clusters["shop-prod-config"]
    assert (info.role, info.region, info.config_cluster) == ("config", None, "shop-prod-config")
    assert fleet.clusters[CLUSTER].config_cluster == "shop-dev-config"
    assert fleet.metrics_url.endswith("/metrics")


def test_session_fleets_are_shared_for_identical_arguments(fleetsim_session_fleet, tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text("environment_sets: {solo: {environments: [dev], regions: [us-east1]}}\n")
    first = fleetsim_session_fleet(path, clock_speed=3)
    assert fleetsim_session_fleet(path, clock_speed=3) is first
    assert fleetsim_session_fleet({"environment_sets": {"solo": {
        "environments": ["dev"], "regions": ["us-east1"]}}}, clock_speed=3) is first
    assert first.runtime.clock.speed == 3.0
    assert list(first.clusters) == ["solo-dev-us-east1", "solo-dev-config"]
