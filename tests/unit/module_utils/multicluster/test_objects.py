"""Builders: the stored shape of MCS / MCI / ServiceExport, and option validation naming the field."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster import objects
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput


def test_mcs_shape_with_defaults_filled_in():
    mcs = objects.multicluster_service("web", "shop", {"app": "web"}, [{"name": "http", "port": 8080}],
                                       ["us-east1/a"], {"cloud.google.com/backend-config": '{"default": "x"}'})
    assert mcs == {
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
        "metadata": {"name": "web", "namespace": "shop",
                     "annotations": {"cloud.google.com/backend-config": '{"default": "x"}'}},
        "spec": {"template": {"spec": {"selector": {"app": "web"}, "ports": [
            {"name": "http", "protocol": "TCP", "port": 8080, "targetPort": 8080}]}},
            "clusters": [{"link": "us-east1/a"}]}}


def test_mcs_without_clusters_has_no_clusters_field():
    mcs = objects.multicluster_service("web", "shop", {"app": "web"}, [{"port": 80, "target_port": "http"}])
    assert "clusters" not in mcs["spec"]
    assert mcs["spec"]["template"]["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": "http"}]


@pytest.mark.parametrize("ports, field, fragment", [
    ([], "ports", "at least one port"),
    ([{"port": 0}], "ports[0].port", "1-65535"),
    ([{"port": True}], "ports[0].port", "not a port number"),
    ([{"port": 80, "protocol": "HTTP"}], "ports[0].protocol", "TCP, UDP, SCTP"),
    ([{"name": "a", "port": 80}, {"port": 81}], "ports[1].name", "several ports"),
    ([{"name": "a", "port": 80}, {"name": "a", "port": 81}], "ports[1].name", "unique"),
    ([{"name": "a", "port": 80}, {"name": "b", "port": 80}], "ports[1].port", "twice"),
    ([{"name": "Bad_Name", "port": 80}], "ports[0].name", "not a valid port name"),
    ([{"port": 80, "target_port": 70000}], "ports[0].target_port", "1-65535"),
])
def test_bad_ports_are_named(ports, field, fragment):
    with pytest.raises(InvalidInput) as err:
        objects.service_ports(ports)
    assert err.value.field == field and fragment in err.value.message


@pytest.mark.parametrize("selector, field", [
    ({}, "selector"),
    ({"app": True}, "selector.app"),
    ({"app": "not valid!"}, "selector.app"),
])
def test_bad_selector_is_named(selector, field):
    with pytest.raises(InvalidInput) as err:
        objects.selector_map(selector)
    assert err.value.field == field


def test_bad_name_is_named():
    with pytest.raises(InvalidInput) as err:
        objects.multicluster_service("Web", "shop", {"app": "web"}, [{"port": 80}])
    assert err.value.field == "name"


def test_mci_shape_accepts_both_backend_spellings():
    mci = objects.multicluster_ingress(
        "web", "shop", {"service_name": "web", "service_port": "8080"},
        [{"host": "shop.example.com",
          "http": {"paths": [{"path": "/api/*", "backend": {"serviceName": "api", "servicePort": "http"}}]}}])
    assert mci["spec"] == {"template": {"spec": {
        "backend": {"serviceName": "web", "servicePort": 8080},
        "rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/api/*", "backend": {"serviceName": "api", "servicePort": "http"}}]}}]}}}
    assert objects.ingress_backends(mci) == [
        ("default_backend", {"serviceName": "web", "servicePort": 8080}),
        ("rules[0].http.paths[0].backend", {"serviceName": "api", "servicePort": "http"})]


@pytest.mark.parametrize("default, rules, field", [
    (None, None, "default_backend"),
    ({"service_name": "web"}, None, "default_backend.servicePort"),
    (None, [{"http": {"paths": []}}], "rules[0].http.paths"),
    (None, [{"hosts": "x", "http": {"paths": [{"backend": {"serviceName": "a", "servicePort": 1}}]}}], "rules[0]"),
    (None, [{"http": {"paths": [{"path": "/"}]}}], "rules[0].http.paths[0]"),
    (None, [{"http": {"paths": [{"backend": {"servicePort": 80}}]}}], "rules[0].http.paths[0].backend.serviceName"),
])
def test_bad_ingress_options_are_named(default, rules, field):
    with pytest.raises(InvalidInput) as err:
        objects.multicluster_ingress("web", "shop", default, rules)
    assert err.value.field == field


def test_service_export_shape():
    assert objects.service_export("web", "shop") == {
        "apiVersion": "multicluster.x-k8s.io/v1alpha1", "kind": "ServiceExport",
        "metadata": {"name": "web", "namespace": "shop"}}


def test_annotation_values_must_be_strings():
    with pytest.raises(InvalidInput) as err:
        objects.service_export("web", "shop", {"replicas": None})
    assert err.value.field == "annotations.replicas"
