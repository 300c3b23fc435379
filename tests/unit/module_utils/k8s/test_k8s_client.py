"""The REST client sends what kube-apiserver expects and returns its bodies as plain dicts."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sConfigError,
    K8sConflictError,
    K8sGoneError,
    K8sInvalidError,
    K8sNotFoundError,
    K8sUnavailableError,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.fake_apiserver import Watch, status_body
from ansible_collections.progressive.delivery.tests.unit.module_utils.k8s.samples import load_fixture

DEPLOY = "/apis/apps/v1/namespaces/shop/deployments/web-v1"
DEPLOYS = "/apis/apps/v1/namespaces/shop/deployments"


def test_get_returns_the_body_and_sends_the_token(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (200, load_fixture("deploy_after_ready.json")))
    obj = make_client().get("apps/v1", "Deployment", "shop", "web-v1")
    assert obj == load_fixture("deploy_after_ready.json")
    request = apiserver.calls("GET", DEPLOY)[0]
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["Accept"] == "application/json"


def test_get_missing_object_is_none(apiserver, make_client):
    apiserver.add("GET", "/apis/apps/v1/namespaces/shop/deployments/nope", (404, load_fixture("deploy_get_404.json")))
    assert make_client().get("apps/v1", "Deployment", "shop", "nope") is None


def test_list_passes_selectors_and_cluster_scope(apiserver, make_client):
    pods = {"kind": "PodList", "items": [], "metadata": {"resourceVersion": "77"}}
    apiserver.add("GET", "/api/v1/namespaces/shop/pods", (200, pods))
    apiserver.add("GET", "/api/v1/namespaces", (200, {"kind": "NamespaceList", "items": [], "metadata": {}}))
    client = make_client()
    body = client.list("v1", "Pod", "shop", label_selector="app=web,track=canary", field_selector="status.phase=Running")
    assert body["metadata"]["resourceVersion"] == "77"
    query = apiserver.calls("GET", "/api/v1/namespaces/shop/pods")[0].query
    assert query == {"labelSelector": "app=web,track=canary", "fieldSelector": "status.phase=Running"}
    client.list("v1", "Namespace")
    assert apiserver.calls("GET", "/api/v1/namespaces")


def test_create_with_dry_run(apiserver, make_client):
    created = load_fixture("deploy_create_201.json")
    apiserver.add("POST", DEPLOYS, (201, created))
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-v1", "namespace": "shop"},
                "spec": {"replicas": 3}}
    assert make_client().create(manifest, dry_run=True) == created
    request = apiserver.calls("POST", DEPLOYS)[0]
    assert request.query == {"dryRun": "All"} and request.body == manifest
    assert request.headers["Content-Type"] == "application/json"


def test_create_existing_raises_already_exists_without_retrying(apiserver, make_client):
    apiserver.add("POST", DEPLOYS, (409, load_fixture("deploy_create_409_already_exists.json")))
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-v1", "namespace": "shop"}}
    with pytest.raises(K8sConflictError) as info:
        make_client().create(manifest)
    assert info.value.reason == "AlreadyExists" and len(apiserver.calls("POST")) == 1


def test_replace_with_stale_resource_version_is_a_conflict(apiserver, make_client):
    apiserver.add("PUT", DEPLOY, (409, load_fixture("deploy_put_409_conflict.json")))
    obj = load_fixture("deploy_after_ready.json")
    with pytest.raises(K8sConflictError) as info:
        make_client().replace(obj)
    assert "Deployment shop/web-v1" in info.value.message
    assert apiserver.calls("PUT", DEPLOY)[0].body["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


@pytest.mark.parametrize("patch_type,content_type,body", [
    ("merge", "application/merge-patch+json", {"spec": {"replicas": 4}}),
    ("strategic", "application/strategic-merge-patch+json", {"spec": {"replicas": 4}}),
    ("json", "application/json-patch+json", [{"op": "replace", "path": "/spec/replicas", "value": 4}]),
])
def test_patch_content_types(apiserver, make_client, patch_type, content_type, body):
    apiserver.add("PATCH", DEPLOY, (200, load_fixture("deploy_patch_image.json")))
    make_client().patch("apps/v1", "Deployment", "shop", "web-v1", body, patch_type=patch_type)
    request = apiserver.calls("PATCH", DEPLOY)[0]
    assert request.headers["Content-Type"] == content_type and request.body == body


def test_patch_subresource_and_invalid(apiserver, make_client):
    apiserver.add("PATCH", DEPLOY + "/scale", (422, load_fixture("deploy_patch_422_invalid.json")))
    with pytest.raises(K8sInvalidError) as info:
        make_client().patch("apps/v1", "Deployment", "shop", "web-v1", {"spec": {"replicas": -1}}, subresource="scale")
    assert "spec.replicas" in info.value.message and "(scale)" in info.value.message


def test_unknown_patch_type_is_rejected_before_sending(apiserver, make_client):
    with pytest.raises(K8sConfigError) as info:
        make_client().patch("apps/v1", "Deployment", "shop", "web-v1", {}, patch_type="yaml")
    assert "merge, strategic, json, apply" in info.value.message and not apiserver.requests


def test_delete_sends_propagation_policy_and_tolerates_absence(apiserver, make_client):
    apiserver.add("DELETE", DEPLOY, (200, load_fixture("deploy_delete.json")), (404, load_fixture("deploy_get_404.json")))
    client = make_client()
    assert client.delete("apps/v1", "Deployment", "shop", "web-v1", propagation_policy="Foreground")["kind"]
    assert apiserver.calls("DELETE")[0].body["propagationPolicy"] == "Foreground"
    assert client.delete("apps/v1", "Deployment", "shop", "web-v1") is None


def test_custom_kind_is_discovered_once(apiserver, make_client):
    mcs = load_fixture("mcs_create.json")
    path = "/apis/networking.gke.io/v1/namespaces/shop/multiclusterservices/" + mcs["metadata"]["name"]
    apiserver.add("GET", "/apis/networking.gke.io/v1", (200, load_fixture("apis_networking.gke.io_v1.json")))
    apiserver.add("GET", path, (200, mcs))
    client = make_client()
    for attempt in range(3):
        assert client.get("networking.gke.io/v1", "MultiClusterService", "shop", mcs["metadata"]["name"]) == mcs, attempt
    assert len(apiserver.calls("GET", "/apis/networking.gke.io/v1")) == 1


def test_unknown_custom_kind_says_install_the_crd(apiserver, make_client):
    apiserver.add("GET", "/apis/networking.gke.io/v1", (200, load_fixture("apis_networking.gke.io_v1.json")))
    with pytest.raises(K8sNotFoundError) as info:
        make_client().get("networking.gke.io/v1", "MultiClusterIngress", "shop", "web")
    assert "Install its CRD" in info.value.message


def test_namespaced_kind_without_namespace_is_a_clear_error(make_client):
    with pytest.raises(K8sConfigError) as info:
        make_client().get("apps/v1", "Deployment", None, "web-v1")
    assert "set namespace" in info.value.message


def test_transient_5xx_is_retried_then_succeeds(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (503, status_body(503, "ServiceUnavailable", "etcd leader changed")),
                  (500, status_body(500, "InternalError", "try again")), (200, load_fixture("deploy_after_ready.json")))
    client = make_client()
    assert client.get("apps/v1", "Deployment", "shop", "web-v1")["metadata"]["name"] == "web-v1"
    assert len(apiserver.calls("GET", DEPLOY)) == 3 and client.sleeps == [0.5, 1.0]


def test_persistent_5xx_gives_up_with_a_clear_message(apiserver, make_client):
    apiserver.add("GET", DEPLOY, (503, status_body(503, "ServiceUnavailable", "etcd down")))
    with pytest.raises(K8sUnavailableError) as info:
        make_client(retry_attempts=4).get("apps/v1", "Deployment", "shop", "web-v1")
    assert "gave up after 4 attempts" in info.value.message and len(apiserver.calls("GET", DEPLOY)) == 4


def test_watch_streams_real_events(apiserver, make_client):
    events = load_fixture("watch_deployments_stream.jsonl")
    apiserver.add("GET", DEPLOYS, Watch(events))
    got = list(make_client().watch("apps/v1", "Deployment", "shop", name="web-v1", resource_version="330",
                                   timeout_seconds=30))
    assert [event_type for event_type, event_obj in got] == [e["type"] for e in events]
    assert got[-2][1]["metadata"]["resourceVersion"] == "436"
    query = apiserver.calls("GET", DEPLOYS)[0].query
    assert query == {"watch": "true", "fieldSelector": "metadata.name=web-v1", "resourceVersion": "330",
                     "timeoutSeconds": "30"}


def test_watch_expired_resource_version_raises_gone(apiserver, make_client):
    expired = {"type": "ERROR", "object": status_body(410, "Expired", "too old resource version: 1 (278)")}
    apiserver.add("GET", DEPLOYS, Watch([expired]))
    with pytest.raises(K8sGoneError):
        list(make_client().watch("apps/v1", "Deployment", "shop", name="web-v1", resource_version="1"))
