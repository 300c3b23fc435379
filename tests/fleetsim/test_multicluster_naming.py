"""The multi-cluster simulation's pure parts: environments of a fleet file, GKE-style names and
addresses, MCI path matching and backend choice, the served version of the MCS-API CRDs."""

from __future__ import annotations

import ipaddress

import pytest

from fleetsim.fleet import FleetSpec
from fleetsim.multicluster import crds, names
from fleetsim.multicluster.mci import Backend, Route, Rule, path_matches, route_of
from fleetsim.multicluster.topology import environments, parse_link


def test_every_set_and_environment_is_one_gke_fleet():
    spec = FleetSpec.from_dict({"environment_sets": {
        "web": {"environments": ["dev", "prod"], "regions": ["us-east1", "europe-west1"]},
        "pay": {"environments": ["prod"], "regions": ["asia-east1"]}}})
    envs = {env.key: env for env in environments(spec)}
    assert sorted(envs) == [("pay", "prod"), ("web", "dev"), ("web", "prod")]
    prod = envs[("web", "prod")]
    assert prod.config == "web-prod-config"
    assert [m.link for m in prod.members] == ["us-east1/web-prod-us-east1", "europe-west1/web-prod-europe-west1"]
    assert prod.member_by_link("europe-west1/web-prod-europe-west1").name == "web-prod-europe-west1"
    assert prod.member_by_link("us-east1/web-dev-us-east1") is None  # another environment's cluster


@pytest.mark.parametrize("link, parsed", [("us-east1/a", ("us-east1", "a")), ("a", None), ("a/b/c", None),
                                          ("/a", None), (None, None)])
def test_parse_link(link, parsed):
    assert parse_link(link) == parsed


def test_derived_service_names_are_stable_dns_labels():
    name = names.derived_service_name("web-prod-config", "shop", "web")
    assert name == names.derived_service_name("web-prod-config", "shop", "web")
    assert name.startswith("mci-web-svc-") and len(name) == len("mci-web-svc-") + 16
    assert name != names.derived_service_name("web-dev-config", "shop", "web")
    long_name = names.derived_service_name("c", "shop", "a-very-long-multicluster-service-name-" + "x" * 30)
    assert len(long_name) <= 63 and long_name.startswith("mci-a-very-long") and "--" not in long_name


def test_vip_and_clusterset_ips_are_stable_and_in_their_ranges():
    vip = names.fake_vip("web-prod-config", "shop", "web")
    assert vip == names.fake_vip("web-prod-config", "shop", "web")
    assert ipaddress.ip_address(vip) in ipaddress.ip_network("34.96.0.0/11")
    ip = names.clusterset_ip("web-prod", "shop", "web")
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.112.0.0/12")


def test_neg_names_fit_63_characters():
    neg = names.neg_name("services-staging-europe-west1", "a-long-namespace-name",
                         names.derived_service_name("c", "a-long-namespace-name", "web"), 65535)
    assert neg.startswith("k8s1-") and len(neg) <= 63


@pytest.mark.parametrize("pattern, path, matches", [
    ("/*", "/anything", True), ("", "/", True), ("/api/*", "/api", True), ("/api/*", "/api/v1/x", True),
    ("/api/*", "/apix", False), ("/exact", "/exact", True), ("/exact", "/exact/more", False),
])
def test_path_matches_like_a_url_map(pattern, path, matches):
    assert path_matches(pattern, path) is matches


def test_route_picks_host_and_path_rules_before_the_default():
    web, api, admin = Backend("web", 8080), Backend("api", 8080), Backend("admin", "http")
    route = Route("shop", "web", web, (Rule("shop.example.com", (("/api/*", api),)), Rule(None, (("/admin", admin),))),
                  None)
    assert route.pick("shop.example.com", "/api/orders") == api
    assert route.pick("other.example.com", "/api/orders") == web
    assert route.pick("other.example.com", "/admin") == admin
    assert route.backends() == [web, api, admin]


def test_route_of_reads_the_mci_spec():
    route = route_of({"metadata": {"namespace": "shop", "name": "web"}, "spec": {"template": {"spec": {
        "backend": {"serviceName": "web", "servicePort": 8080},
        "rules": [{"host": "a.example.com", "http": {"paths": [
            {"path": "/b/*", "backend": {"serviceName": "b", "servicePort": "http"}}]}}]}}}}, 25.0)
    assert route.default == Backend("web", 8080) and route.requests_per_second == 25.0
    assert route.rules == (Rule("a.example.com", (("/b/*", Backend("b", "http")),)),)


def test_mcs_api_crds_serve_v1alpha1_only():
    for file_name in crds.MEMBER_CLUSTER_CRDS:
        crd = crds.load(file_name)
        assert [(v["name"], v["served"], v["storage"]) for v in crd["spec"]["versions"]] == [("v1alpha1", True, True)]
    with pytest.raises(ValueError):
        crds.serving_only(crds.load(crds.CONFIG_CLUSTER_CRDS[0]), "v1beta1")
