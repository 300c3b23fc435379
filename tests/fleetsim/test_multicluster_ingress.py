"""fleetsim's MultiClusterIngress simulation: status (VIP, Cloud resources), the HTTP front
(rules, default backend, 404 / 503), simulated traffic shared across clusters by ready pods, and
draining a cluster by removing its link."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from fleetsim.metrics import parse_exposition

pytestmark = pytest.mark.timeout(120)

REGIONS = ["us-east1", "europe-west1", "asia-east1"]
MEMBERS = ["mcsim-dev-%s" % region for region in REGIONS]
LINKS = ["%s/mcsim-dev-%s" % (region, region) for region in REGIONS]
CONFIG = "mcsim-dev-config"
SPEC = {"environment_sets": {"mcsim": {"environments": ["dev"], "regions": REGIONS}}}
MCS = "multiclusterservices.networking.gke.io"
MCI = "multiclusteringresses.networking.gke.io"


@pytest.fixture(scope="module")
def fleet(fleetsim_session_fleet):
    return fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=11)


def api(fleet, cluster):
    return fleet.runtime.clusters[cluster].api


def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def app(fleet, ns, name, version, replicas_per_cluster):
    """Namespace ns everywhere and a Deployment of app=name in each member with the given pod counts."""
    for cluster in [CONFIG] + MEMBERS:
        fleet.call(api(fleet, cluster).create, "namespaces",
                   {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    labels = {"app": name, "version": version}
    for cluster, replicas in zip(MEMBERS, replicas_per_cluster):
        fleet.call(api(fleet, cluster).create, "deployments.apps", {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": "%s:%s" % (name, version)}]}}}})

    def ready():
        for cluster, replicas in zip(MEMBERS, replicas_per_cluster):
            status = fleet.call(api(fleet, cluster).get, "deployments.apps", ns, name).get("status") or {}
            assert status.get("readyReplicas", 0) == replicas
    eventually(ready, timeout=30)


def mcs(name, ns, links=None, ports=({"name": "http", "port": 8080},)):
    spec = {"template": {"spec": {"selector": {"app": name}, "ports": [dict(p) for p in ports]}}}
    if links is not None:
        spec["clusters"] = [{"link": link} for link in links]
    return {"apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def mci(name, ns, default=None, rules=None, annotations=None):
    spec = {}
    if default:
        spec["backend"] = default
    if rules:
        spec["rules"] = rules
    meta = {"name": name, "namespace": ns}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "networking.gke.io/v1", "kind": "MultiClusterIngress", "metadata": meta,
            "spec": {"template": {"spec": spec}}}


def front_url(fleet):
    return json.loads(fleet.fleet_json.read_text())["multicluster"]["fronts"][CONFIG]


def get(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def counters(fleet, ns, service):
    totals = Counter()
    for name, labels, value in parse_exposition(fleet.metrics_text()):
        if name == "http_requests_total" and labels.get("namespace") == ns and labels.get("service") == service:
            totals[labels["cluster"]] += value
    return totals


def test_status_has_a_stable_vip_and_a_neg_per_cluster(fleet):
    app(fleet, "status", "web", "1", [1, 1, 1])
    config = api(fleet, CONFIG)
    fleet.call(config.create, MCS, mcs("web", "status", LINKS[:2]))
    fleet.call(config.create, MCI, mci("web", "status", {"serviceName": "web", "servicePort": 8080}))
    fleet.call(config.create, MCI, mci("pinned", "status", {"serviceName": "web", "servicePort": "http"},
                                       annotations={"networking.gke.io/static-ip": "34.120.0.7"}))

    def written():
        status = fleet.call(config.get, MCI, "status", "web").get("status") or {}
        assert status["VIP"].startswith("34.")
        resources = status["CloudResources"]
        prefix = resources["UrlMap"].split("-status-web")[0]
        assert resources["BackendServices"] == ["%s-8080-status-web" % prefix] == resources["HealthChecks"]
        negs = resources["NetworkEndpointGroups"]
        assert len(negs) == 2 and {n.split("/")[1] for n in negs} == {"us-east1-b", "europe-west1-b"}
        assert resources["ForwardingRules"] == ["%s-fw-status-web" % prefix]
        return status["VIP"]
    vip = eventually(written)
    assert eventually(lambda: fleet.call(config.get, MCI, "status", "pinned")["status"]["VIP"]) == "34.120.0.7"

    # Adding the third link adds its NEG; the VIP stays.
    current = fleet.call(config.get, MCS, "status", "web")
    current["spec"]["clusters"].append({"link": LINKS[2]})
    fleet.call(config.update, MCS, current)

    def three():
        status = fleet.call(config.get, MCI, "status", "web")["status"]
        assert len(status["CloudResources"]["NetworkEndpointGroups"]) == 3 and status["VIP"] == vip
    eventually(three)


def test_missing_backend_gets_a_warning_event_and_no_backend_service(fleet):
    config = api(fleet, CONFIG)
    fleet.call(config.create, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "orphan"}})
    fleet.call(config.create, MCI, mci("web", "orphan", {"serviceName": "ghost", "servicePort": 80}))

    def warned():
        events = fleet.call(config.list, "events", "orphan")["items"]
        assert any(e["reason"] == "MissingBackend" and "ghost" in e["message"] for e in events)
        status = fleet.call(config.get, MCI, "orphan", "web")["status"]
        assert status["CloudResources"]["BackendServices"] == [] and status["VIP"]
    eventually(warned)


def test_front_routes_by_rules_and_spreads_over_every_cluster(fleet):
    app(fleet, "front", "web", "1", [1, 2, 3])
    config = api(fleet, CONFIG)
    fleet.call(config.create, MCS, mcs("web", "front"))
    fleet.call(config.create, MCS, mcs("empty", "front"))  # selects app=empty: no pods anywhere
    fleet.call(config.create, MCI, mci("web", "front", {"serviceName": "web", "servicePort": 8080}, rules=[
        {"host": "shop.example.com", "http": {"paths": [{"path": "/empty/*",
                                                         "backend": {"serviceName": "empty", "servicePort": 8080}}]}}]))
    url = "%s/front/web" % front_url(fleet)

    def served():
        code, body = get(url + "/")
        assert code == 200 and body["service"] == "web" and body["ingress"] == "web"
    eventually(served)
    clusters = Counter(get(url + "/x")[1]["cluster"] for _ in range(60))
    assert clusters == {MEMBERS[0]: 10, MEMBERS[1]: 20, MEMBERS[2]: 30}

    code, body = get(url + "/empty/a", host="shop.example.com")
    assert code == 503 and "no ready endpoint" in body["error"]
    assert get(url + "/empty/a", host="other.example.com")[1]["service"] == "web"  # host does not match
    assert get("%s/front/nope/" % front_url(fleet))[0] == 404


def test_traffic_follows_pod_counts_and_leaves_a_cluster_whose_link_is_removed(fleet):
    app(fleet, "share", "web", "1", [1, 1, 2])
    config = api(fleet, CONFIG)
    fleet.call(config.create, MCS, mcs("web", "share"))
    fleet.call(config.create, MCI, mci("web", "share", {"serviceName": "web", "servicePort": 8080},
                                       annotations={"fleetsim.io/requests-per-second": "40"}))

    def flowing():
        assert len(counters(fleet, "share", "web")) == 3
    eventually(flowing)
    before = counters(fleet, "share", "web")
    time.sleep(2)
    delta = counters(fleet, "share", "web") - before
    total = sum(delta.values())
    assert total >= 400  # 40/s simulated at clock speed 10 for 2 s
    assert abs(delta[MEMBERS[2]] / total - 0.5) < 0.05 and abs(delta[MEMBERS[0]] / total - 0.25) < 0.05

    current = fleet.call(config.get, MCS, "share", "web")
    current["spec"]["clusters"] = [{"link": link} for link in LINKS[:2]]
    fleet.call(config.update, MCS, current)
    drained = counters(fleet, "share", "web")
    time.sleep(1)
    delta = counters(fleet, "share", "web") - drained
    assert delta[MEMBERS[2]] == 0 and delta[MEMBERS[0]] > 0 and delta[MEMBERS[1]] > 0
    assert abs(delta[MEMBERS[0]] / sum(delta.values()) - 0.5) < 0.1  # now 1 pod : 1 pod


def test_mci_follows_port_changes_of_its_mcs_and_tolerates_malformed_rules(fleet):
    config = api(fleet, CONFIG)
    fleet.call(config.create, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ports"}})
    fleet.call(config.create, MCS, mcs("web", "ports", ports=({"name": "http", "port": 8080},)))
    fleet.call(config.create, MCI, mci("web", "ports", {"serviceName": "web", "servicePort": "http"},
                                       rules=["not a rule", {"http": {"paths": ["junk", {"path": "/a/*"}]}}]))

    def backend_services():
        return fleet.call(config.get, MCI, "ports", "web").get("status", {}).get("CloudResources", {}).get(
            "BackendServices")

    def on_8080():
        assert backend_services() and backend_services()[0].endswith("-8080-ports-web")
    eventually(on_8080)

    current = fleet.call(config.get, MCS, "ports", "web")
    current["spec"]["template"]["spec"]["ports"] = [{"name": "http", "port": 9090}]
    fleet.call(config.update, MCS, current)

    def on_9090():
        assert backend_services() and backend_services()[0].endswith("-9090-ports-web")
    eventually(on_9090)

    current = fleet.call(config.get, MCS, "ports", "web")
    current["spec"]["template"]["spec"]["ports"] = [{"name": "grpc", "port": 9090}]
    fleet.call(config.update, MCS, current)

    def unknown_port():
        assert backend_services() == []
        events = fleet.call(config.list, "events", "ports")["items"]
        assert any(e["reason"] == "UnknownServicePort" for e in events)
    eventually(unknown_port)
