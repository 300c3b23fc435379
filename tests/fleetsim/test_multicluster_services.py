"""fleetsim's MultiClusterService simulation: CRDs and membership published at start, derived
headless Services in the selected member clusters, kept in line with the MCS, and the MCS status."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.timeout(120)

REGIONS = ["us-east1", "europe-west1", "asia-east1"]
MEMBERS = ["mcsim-dev-%s" % region for region in REGIONS]
LINKS = ["%s/mcsim-dev-%s" % (region, region) for region in REGIONS]
CONFIG = "mcsim-dev-config"
SPEC = {"environment_sets": {"mcsim": {"environments": ["dev"], "regions": REGIONS}}}
MCS = "multiclusterservices.networking.gke.io"
LABEL = "networking.gke.io/multiclusterservice"


@pytest.fixture(scope="module")
def fleet(fleetsim_session_fleet):
    return fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=11)


def api(fleet, cluster):
    return fleet.runtime.clusters[cluster].api


def namespace(fleet, name, clusters):
    for cluster in clusters:
        fleet.call(api(fleet, cluster).create, "namespaces",
                   {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def mcs(name, ns, links=None, selector=None, port=8080):
    spec = {"template": {"spec": {"selector": selector or {"app": name},
                                  "ports": [{"name": "http", "protocol": "TCP", "port": port, "targetPort": port}]}}}
    if links is not None:
        spec["clusters"] = [{"link": link} for link in links]
    return {"apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def derived(fleet, cluster, ns, name):
    """The derived Services of MCS ns/name in one cluster."""
    items = fleet.call(api(fleet, cluster).list, "services", ns, "%s=%s" % (LABEL, name))["items"]
    return items


def eventually(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def status(fleet, ns, name):
    return fleet.call(api(fleet, CONFIG).get, MCS, ns, name).get("status") or {}


def test_crds_and_membership_are_published_at_start(fleet):
    config = api(fleet, CONFIG)
    assert config.registry.find(MCS) is not None
    assert config.registry.find("multiclusteringresses.networking.gke.io").short_names == ("mci",)
    memberships = fleet.call(config.get, "configmaps", "kube-public", "fleet-memberships")
    assert memberships["data"] == {"mcsim-dev-us-east1": "us-east1", "mcsim-dev-europe-west1": "europe-west1",
                                   "mcsim-dev-asia-east1": "asia-east1"}
    for cluster in MEMBERS:
        export = api(fleet, cluster).registry.find("serviceexports.multicluster.x-k8s.io")
        assert export.version == "v1alpha1" and export.short_names == ("svcex", "svcexport")
        assert api(fleet, cluster).registry.find(MCS) is None  # MCS lives on the config cluster only


def test_mcs_gets_server_metadata_and_derived_services_in_every_member(fleet):
    namespace(fleet, "every", [CONFIG] + MEMBERS)
    created = fleet.call(api(fleet, CONFIG).create, MCS, mcs("web", "every"))
    assert created["metadata"]["uid"] and created["metadata"]["generation"] == 1

    def placed():
        for cluster in MEMBERS:
            services = derived(fleet, cluster, "every", "web")
            assert len(services) == 1, cluster
            service = services[0]
            assert service["metadata"]["name"].startswith("mci-web-svc-")
            assert service["spec"]["clusterIP"] == "None" and service["spec"]["selector"] == {"app": "web"}
            assert service["spec"]["ports"][0]["port"] == 8080
            assert service["metadata"]["annotations"]["networking.gke.io/config-cluster"] == CONFIG
        synced = status(fleet, "every", "web")
        assert synced["observedGeneration"] == 1
        assert sorted(c["link"] for c in synced["clusters"]) == sorted(LINKS)
        assert synced["conditions"][0]["reason"] == "Synced"
    eventually(placed)


def test_links_select_clusters_and_removing_one_deletes_its_derived_service(fleet):
    namespace(fleet, "links", [CONFIG] + MEMBERS)
    config = api(fleet, CONFIG)
    fleet.call(config.create, MCS, mcs("web", "links", LINKS[:2]))
    eventually(lambda: _assert_counts(fleet, "links", "web", [1, 1, 0]))

    current = fleet.call(config.get, MCS, "links", "web")
    current["spec"]["clusters"] = [{"link": LINKS[1]}]
    fleet.call(config.update, MCS, current)
    eventually(lambda: _assert_counts(fleet, "links", "web", [0, 1, 0]))
    assert [c["cluster"] for c in status(fleet, "links", "web")["clusters"]] == [MEMBERS[1]]


def _assert_counts(fleet, ns, name, counts):
    assert [len(derived(fleet, c, ns, name)) for c in MEMBERS] == counts


def test_unknown_link_and_missing_namespace_are_reported_in_status(fleet):
    namespace(fleet, "partial", [CONFIG, MEMBERS[0]])  # not in the other members
    fleet.call(api(fleet, CONFIG).create, MCS, mcs("web", "partial", [LINKS[0], LINKS[1], "us-west9/nowhere"]))

    def reported():
        synced = status(fleet, "partial", "web")["conditions"][0]
        assert synced["status"] == "False" and synced["reason"] == "UnknownCluster"
        assert 'spec.clusters[2].link "us-west9/nowhere"' in synced["message"]
        assert 'namespace "partial" does not exist in cluster mcsim-dev-europe-west1' in synced["message"]
    eventually(reported)
    _assert_counts(fleet, "partial", "web", [1, 0, 0])  # the valid, ready cluster is served anyway

    namespace(fleet, "partial", [MEMBERS[1]])  # creating the namespace heals that cluster
    eventually(lambda: _assert_counts(fleet, "partial", "web", [1, 1, 0]))


def test_template_changes_follow_and_deleted_services_come_back(fleet):
    namespace(fleet, "follow", [CONFIG] + MEMBERS)
    config = api(fleet, CONFIG)
    fleet.call(config.create, MCS, mcs("web", "follow"))
    eventually(lambda: _assert_counts(fleet, "follow", "web", [1, 1, 1]))

    current = fleet.call(config.get, MCS, "follow", "web")
    current["spec"]["template"]["spec"]["selector"] = {"app": "web", "version": "2"}
    fleet.call(config.update, MCS, current)
    eventually(lambda: _assert_selectors(fleet, "follow", "web", [{"app": "web", "version": "2"}] * 3))

    name = derived(fleet, MEMBERS[2], "follow", "web")[0]["metadata"]["name"]
    fleet.call(api(fleet, MEMBERS[2]).delete, "services", "follow", name)
    eventually(lambda: _assert_counts(fleet, "follow", "web", [1, 1, 1]))

    fleet.call(config.delete, MCS, "follow", "web")
    eventually(lambda: _assert_counts(fleet, "follow", "web", [0, 0, 0]))


def _assert_selectors(fleet, ns, name, selectors):
    assert [derived(fleet, c, ns, name)[0]["spec"]["selector"] for c in MEMBERS] == selectors


def test_derived_endpoints_follow_ready_pods_of_their_cluster(fleet):
    namespace(fleet, "pods", [CONFIG] + MEMBERS)
    fleet.call(api(fleet, CONFIG).create, MCS, mcs("web", "pods", selector={"app": "web", "version": "2"}))
    labels = {"app": "web", "version": "2"}
    fleet.call(api(fleet, MEMBERS[0]).create, "deployments.apps", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-2", "namespace": "pods"},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "w", "image": "w:2"}]}}}})

    def ready_addresses():
        service = derived(fleet, MEMBERS[0], "pods", "web")[0]["metadata"]["name"]
        endpoints = fleet.call(api(fleet, MEMBERS[0]).get, "endpoints", "pods", service)
        addresses = [a for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []]
        assert len(addresses) == 2 and all(a["targetRef"]["name"].startswith("web-2-") for a in addresses)
        other = derived(fleet, MEMBERS[1], "pods", "web")[0]["metadata"]["name"]
        assert not fleet.call(api(fleet, MEMBERS[1]).get, "endpoints", "pods", other).get("subsets")
    eventually(ready_addresses, timeout=30)
