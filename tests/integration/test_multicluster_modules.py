"""The multi-cluster modules run as users run them (``ansible localhost -m``) against a simulated
GKE fleet of three member clusters and a config cluster: MultiClusterService / MultiClusterIngress
traffic across clusters, a version-2-only MCS, draining a cluster, ServiceExport / ServiceImport,
bad input refused before any write, and every module idempotent with check mode and diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter

import pytest

from fleetsim.metrics import parse_exposition

pytestmark = pytest.mark.timeout(300)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
REGIONS = ["us-east1", "europe-west1", "asia-east1"]
MEMBERS = ["mc-dev-%s" % region for region in REGIONS]
LINKS = ["%s/mc-dev-%s" % (region, region) for region in REGIONS]
CONFIG = "mc-dev-config"
NS = "shop"
SPEC = {"environment_sets": {"mc": {"environments": ["dev"], "regions": REGIONS}}}
# The fleetsim pytest fixture's Prometheus scrapes the metrics endpoint once a second.
SCRAPE_INTERVAL_S = 1.0


def deployment(name, version, replicas):
    labels = {"app": "x", "version": version}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NS},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "x", "image": "shop/x:%s" % version,
                                                           "ports": [{"name": "http", "containerPort": 8080}]}]}}}}


class MultiClusterFleet:
    """The running fleet plus a runner of the collection's modules against one of its clusters."""

    def __init__(self, fleet, workdir):
        self.fleet = fleet
        self.workdir = str(workdir)
        description = json.loads(fleet.fleet_json.read_text())
        self.front = description["multicluster"]["fronts"][CONFIG]
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
            "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "K8S_AUTH_KUBECONFIG": str(fleet.kubeconfig),
        })

    def run(self, module, context=CONFIG, check=False, diff=False, **args):
        """One module run; its result (the module's JSON, 'failed' set when it failed)."""
        cmd = [ANSIBLE, "localhost", "-m", "progressive.delivery.%s" % module,
               "-a", json.dumps(dict(args, context=context, namespace=NS, wait_timeout=60))]
        cmd += (["--check"] if check else []) + (["--diff"] if diff else [])
        proc = subprocess.run(cmd, env=self.env, cwd=self.workdir, capture_output=True, text=True,
                              timeout=240, check=False)
        try:
            return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, KeyError, IndexError):
            raise AssertionError("ansible produced no result (rc %s):\n%s\n%s"
                                 % (proc.returncode, proc.stdout, proc.stderr))

    def api(self, cluster):
        return self.fleet.runtime.clusters[cluster].api

    def get(self, cluster, resource, name, namespace=NS):
        api = self.api(cluster)
        return self.fleet.call(lambda: api.get(resource, namespace, name) if api.exists(resource, namespace, name)
                               else None)

    def create(self, cluster, resource, obj):
        self.fleet.call(self.api(cluster).create, resource, obj, NS)

    def wait_ready(self, cluster, name, replicas, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = (self.get(cluster, "deployments.apps", name) or {}).get("status") or {}
            if status.get("readyReplicas") == replicas and status.get("updatedReplicas") == replicas:
                return
            time.sleep(0.2)
        raise AssertionError("%s/%s never got %d ready pods" % (cluster, name, replicas))

    def http(self, url):
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def counters(self, service):
        """http_requests_total per cluster for one service label, from the metrics endpoint."""
        totals = Counter()
        for name, labels, value in parse_exposition(self.fleet.metrics_text()):
            if name == "http_requests_total" and labels.get("service") == service:
                totals[labels["cluster"]] += value
        return totals


@pytest.fixture(scope="module")
def mc(fleetsim_session_fleet, tmp_path_factory):
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s",
                                   requests_per_second=60, namespaces=[NS], seed=6)
    fleet_ = MultiClusterFleet(fleet, tmp_path_factory.mktemp("multicluster"))
    # Deployment A, version 1, in every cluster: 1, 2 and 3 pods, so traffic shares are 1:2:3.
    for replicas, cluster in enumerate(MEMBERS, start=1):
        fleet_.create(cluster, "deployments.apps", deployment("x", "1", replicas))
    for replicas, cluster in enumerate(MEMBERS, start=1):
        fleet_.wait_ready(cluster, "x", replicas)
    return fleet_


def mcs_x(**extra):
    args = {"name": "x", "selector": {"app": "x"}, "ports": [{"name": "http", "port": 8080}]}
    args.update(extra)
    return args


def test_mcs_and_mci_serve_traffic_from_every_cluster_in_proportion_to_pods(mc):
    mcs = mc.run("multicluster_service", **mcs_x())
    assert mcs.get("failed") is not True, mcs.get("msg")
    assert sorted(d["link"] for d in mcs["derived_services"]) == sorted(LINKS)
    derived = mcs["derived_services"][0]["derivedService"]
    assert derived.startswith("mci-x-svc-")
    for cluster in MEMBERS:
        service = mc.get(cluster, "services", derived)
        assert service["spec"]["clusterIP"] == "None" and service["spec"]["selector"] == {"app": "x"}

    mci = mc.run("multicluster_ingress", name="x", default_backend={"service_name": "x", "service_port": 8080})
    assert mci.get("failed") is not True, mci.get("msg")
    assert mci["vip"].startswith("34.") and len(mci["backends"]) == 3

    # Real requests through the MCI front: round robin over the 6 ready pods of 3 clusters.
    answered = Counter(mc.http("%s/%s/x/hello" % (mc.front, NS))["cluster"] for request in range(60))
    assert answered == {MEMBERS[0]: 10, MEMBERS[1]: 20, MEMBERS[2]: 30}

    # Simulated user traffic follows the pod counts too (metric label service = the MCS name).
    before = mc.counters("x")
    time.sleep(3 * SCRAPE_INTERVAL_S)
    delta = mc.counters("x") - before
    total = sum(delta.values())
    assert total > 50
    for share, cluster in enumerate(MEMBERS, start=1):
        assert abs(delta[cluster] / total - share / 6) < 0.05, delta


def test_mcs_b_derived_services_reach_only_version_2_pods(mc):
    mc.create(MEMBERS[0], "deployments.apps", deployment("x-2", "2", 1))
    mc.wait_ready(MEMBERS[0], "x-2", 1)
    result = mc.run("multicluster_service", name="b", selector={"app": "x", "version": "2"},
                    ports=[{"name": "http", "port": 8080}], clusters=[LINKS[0]])
    assert result.get("failed") is not True, result.get("msg")
    assert [d["cluster"] for d in result["derived_services"]] == [MEMBERS[0]]
    derived = result["derived_services"][0]["derivedService"]
    assert mc.get(MEMBERS[1], "services", derived) is None  # only the linked cluster has it

    # The smoke test: requests to derived Service B in cluster A only ever reach version 2.
    front = mc.fleet.clusters[MEMBERS[0]].front_url
    versions = Counter(mc.http("%s/%s/%s/" % (front, NS, derived))["version"] for request in range(20))
    assert versions == {"2": 20}
    endpoints = mc.get(MEMBERS[0], "endpoints", derived)
    addresses = [a for subset in endpoints.get("subsets") or [] for a in subset.get("addresses") or []]
    assert [a["targetRef"]["name"].startswith("x-2-") for a in addresses] == [True]


def prometheus_shares(prom, window="3s"):
    """Requests per cluster over the last ``window`` as the real Prometheus sees them."""
    return prom.query_values('sum by (cluster) (increase(http_requests_total{service="x", namespace="%s", %s}[%s]))'
                             % (NS, prom.selector, window), by="cluster")


def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_removing_a_link_drains_the_cluster_within_one_scrape_interval(mc, prometheus):
    prom = prometheus(mc.fleet)
    assert mc.run("multicluster_service", **mcs_x()).get("failed") is not True
    ingress = mc.run("multicluster_ingress", name="x", default_backend={"service_name": "x", "service_port": 8080})
    assert ingress.get("failed") is not True, ingress.get("msg")

    def all_serving():
        shares = prometheus_shares(prom)
        assert all(shares.get(cluster, 0) > 0 for cluster in MEMBERS), shares
    eventually(all_serving)
    drained = mc.run("multicluster_service", **mcs_x(clusters=LINKS[:2]))
    assert drained["changed"] is True, drained.get("msg")
    assert sorted(d["link"] for d in drained["derived_services"]) == sorted(LINKS[:2])

    first = mc.counters("x")
    time.sleep(SCRAPE_INTERVAL_S)
    second = mc.counters("x")
    delta = second - first
    assert delta[MEMBERS[2]] == 0, "the drained cluster still got %d requests" % delta[MEMBERS[2]]
    assert delta[MEMBERS[0]] > 0 and delta[MEMBERS[1]] > 0
    answered = {mc.http("%s/%s/x/" % (mc.front, NS))["cluster"] for request in range(20)}
    assert MEMBERS[2] not in answered

    def drained_in_prometheus():  # what a gate_check query would see
        shares = prometheus_shares(prom)
        assert shares.get(MEMBERS[2], 0) == 0 and shares[MEMBERS[0]] > 0 and shares[MEMBERS[1]] > 0, shares
    eventually(drained_in_prometheus)

    restored = mc.run("multicluster_service", **mcs_x())
    assert restored["changed"] is True and len(restored["derived_services"]) == 3
    before = mc.counters("x")
    time.sleep(2 * SCRAPE_INTERVAL_S)
    assert (mc.counters("x") - before)[MEMBERS[2]] > 0


def test_bad_input_is_refused_before_any_write(mc):
    assert mc.run("multicluster_service", **mcs_x()).get("failed") is not True  # MCS x exists, port 8080
    unknown = mc.run("multicluster_service", **mcs_x(name="bad", clusters=[LINKS[0], "us-west9/mc-dev-us-west9"]))
    assert unknown["failed"] and unknown["field"] == "clusters[1]"
    assert "us-west9/mc-dev-us-west9" in unknown["msg"] and "not a member cluster" in unknown["msg"]
    assert mc.get(CONFIG, "multiclusterservices.networking.gke.io", "bad") is None

    malformed = mc.run("multicluster_service", **mcs_x(name="bad", clusters=["mc-dev-us-east1"]))
    assert malformed["failed"] and malformed["field"] == "clusters[0]" and "<region or zone>/<cluster name>" in \
        malformed["msg"]

    missing = mc.run("multicluster_ingress", name="bad", default_backend={"service_name": "nope", "service_port": 80})
    assert missing["failed"] and missing["field"] == "default_backend.serviceName"
    assert "MultiClusterService shop/nope does not exist" in missing["msg"]
    api_rule = {"http": {"paths": [{"path": "/api/*", "backend": {"serviceName": "x", "servicePort": 9090}}]}}
    port = mc.run("multicluster_ingress", name="bad", default_backend={"service_name": "x", "service_port": 8080},
                  rules=[api_rule])
    assert port["failed"] and port["field"] == "rules[0].http.paths[0].backend.servicePort"
    assert "8080 (http)" in port["msg"]
    assert mc.get(CONFIG, "multiclusteringresses.networking.gke.io", "bad") is None


@pytest.mark.parametrize("module, args, changed_args, resource, context", [
    ("multicluster_service", mcs_x(name="idem"), {"ports": [{"name": "http", "port": 8081}]},
     "multiclusterservices.networking.gke.io", CONFIG),
    ("multicluster_ingress", {"name": "idem", "default_backend": {"service_name": "x", "service_port": "http"}},
     {"annotations": {"networking.gke.io/static-ip": "34.1.2.3"}}, "multiclusteringresses.networking.gke.io",
     CONFIG),
    ("service_export", {"name": "idem"}, {"annotations": {"team": "shop"}},
     "serviceexports.multicluster.x-k8s.io", MEMBERS[0]),
])
def test_module_is_idempotent_with_check_mode_and_diff(mc, module, args, changed_args, resource, context):
    if module == "multicluster_service" or module == "multicluster_ingress":
        mc.run("multicluster_service", **mcs_x())  # the backend of the MCI
    if module == "service_export" and mc.get(context, "services", "idem") is None:
        mc.create(context, "services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "idem"},
                                        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})

    planned = mc.run(module, context=context, check=True, diff=True, **args)
    assert planned["changed"] is True and planned["operation"] == "created"
    assert planned["diff"]["before"] == {} and planned["diff"]["after"]["metadata"]["name"] == "idem"
    assert mc.get(context, resource, "idem") is None  # check mode wrote nothing

    created = mc.run(module, context=context, **args)
    assert created["changed"] is True, created.get("msg")
    again = mc.run(module, context=context, diff=True, **args)
    assert again["changed"] is False and "diff" not in again

    changed = dict(args, **changed_args)
    preview = mc.run(module, context=context, check=True, diff=True, **changed)
    assert preview["changed"] is True and preview["diff"]["before"] != preview["diff"]["after"]
    assert mc.run(module, context=context, **args)["changed"] is False  # the preview changed nothing
    assert mc.run(module, context=context, **changed)["changed"] is True
    assert mc.run(module, context=context, **changed)["changed"] is False

    assert mc.run(module, context=context, check=True, name="idem", state="absent")["changed"] is True
    assert mc.get(context, resource, "idem") is not None
    assert mc.run(module, context=context, name="idem", state="absent")["changed"] is True
    assert mc.get(context, resource, "idem") is None
    assert mc.run(module, context=context, name="idem", state="absent")["changed"] is False


def test_service_export_imports_the_service_in_the_other_clusters(mc):
    mc.create(MEMBERS[1], "services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                       "spec": {"selector": {"app": "x"},
                                                "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    result = mc.run("service_export", context=MEMBERS[1], name="web")
    assert result.get("failed") is not True, result.get("msg")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in result["conditions"]}
    assert conditions == {"Valid": ("True", "Valid"), "Ready": ("True", "Exported"),
                          "Conflict": ("False", "NoConflicts")}
    for cluster in (MEMBERS[0], MEMBERS[2]):
        imported = mc.get(cluster, "serviceimports.multicluster.x-k8s.io", "web")
        assert imported["spec"]["type"] == "ClusterSetIP" and imported["spec"]["ips"]
        assert imported["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
        assert imported["status"]["clusters"] == [{"cluster": MEMBERS[1]}]
    assert mc.get(MEMBERS[1], "serviceimports.multicluster.x-k8s.io", "web") is None

    no_service = mc.run("service_export", context=MEMBERS[1], name="ghost")
    assert no_service["failed"] and "NoService" in no_service["msg"] and "ghost" in no_service["msg"]

    assert mc.run("service_export", context=MEMBERS[1], name="web", state="absent")["changed"] is True
    assert mc.get(MEMBERS[0], "serviceimports.multicluster.x-k8s.io", "web") is None
