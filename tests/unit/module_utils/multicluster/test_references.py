"""An MCI may only name existing MultiClusterServices and ports they expose."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster import objects
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.references import check_backends
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import FakeClient, mcs


def ingress(default=None, rules=None):
    return objects.multicluster_ingress("web", "shop", default, rules)


@pytest.mark.parametrize("port", [8080, "8080", "http"])
def test_port_by_number_or_name_passes(port):
    check_backends(FakeClient(mcs("web")), ingress({"service_name": "web", "service_port": port}))


def test_missing_mcs_names_the_field_and_the_fix():
    with pytest.raises(InvalidInput) as err:
        check_backends(FakeClient(mcs("web")), ingress(rules=[{"http": {"paths": [
            {"path": "/*", "backend": {"serviceName": "web", "servicePort": 8080}},
            {"path": "/api/*", "backend": {"serviceName": "api", "servicePort": 8080}}]}}]))
    assert err.value.field == "rules[0].http.paths[1].backend.serviceName"
    assert "MultiClusterService shop/api does not exist on context 'fake-config'" in err.value.message
    assert "multicluster_service" in err.value.message


def test_port_the_mcs_does_not_expose_lists_the_ports():
    client = FakeClient(mcs("web", ports=[{"name": "http", "port": 8080}, {"port": 9000}]))
    with pytest.raises(InvalidInput) as err:
        check_backends(client, ingress({"service_name": "web", "service_port": "grpc"}))
    assert err.value.field == "default_backend.servicePort"
    assert "8080 (http), 9000" in err.value.message


def test_mcs_in_another_namespace_does_not_count():
    with pytest.raises(InvalidInput):
        check_backends(FakeClient(mcs("web", namespace="other")), ingress({"service_name": "web",
                                                                           "service_port": 8080}))
