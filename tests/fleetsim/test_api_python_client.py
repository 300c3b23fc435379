"""The `kubernetes` Python client, typed APIs and DynamicClient, against an API-only cluster."""
from __future__ import annotations

import kubernetes
import pytest
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient


@pytest.fixture(scope="module")
def client(api_cluster):
    return kubernetes.config.new_client_from_config(str(api_cluster.kubeconfig))


@pytest.fixture(scope="module")
def ns(client):
    kubernetes.client.CoreV1Api(client).create_namespace({"metadata": {"name": "py"}})
    return "py"


def deployment(name: str, replicas: int = 2) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "example/app:latest"}]}}}}


def test_typed_create_read_and_defaults(client, ns):
    apps = kubernetes.client.AppsV1Api(client)
    created = apps.create_namespaced_deployment(ns, deployment("typed"))
    assert created.metadata.generation == 1 and created.metadata.uid
    container = created.spec.template.spec.containers[0]
    assert container.image_pull_policy == "Always"  # :latest
    assert created.spec.revision_history_limit == 10 and created.spec.progress_deadline_seconds == 600
    read = apps.read_namespaced_deployment("typed", ns)
    assert read.metadata.resource_version == created.metadata.resource_version


def test_typed_errors_carry_real_status(client, ns):
    apps = kubernetes.client.AppsV1Api(client)
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("missing", ns)
    assert err.value.status == 404 and '"reason":"NotFound"' in err.value.body
    with pytest.raises(ApiException) as err:
        apps.create_namespaced_deployment("no-such-ns", deployment("x"))
    assert err.value.status == 404 and 'namespaces \\"no-such-ns\\" not found' in err.value.body


def test_typed_scale_subresource(client, ns):
    apps = kubernetes.client.AppsV1Api(client)
    apps.create_namespaced_deployment(ns, deployment("scaled"))
    scale = apps.read_namespaced_deployment_scale("scaled", ns)
    assert scale.spec.replicas == 2 and scale.status.selector == "app=scaled"
    apps.patch_namespaced_deployment_scale("scaled", ns, {"spec": {"replicas": 6}})
    assert apps.read_namespaced_deployment("scaled", ns).spec.replicas == 6


def test_status_update_leaves_spec_and_generation_alone(client, ns):
    apps = kubernetes.client.AppsV1Api(client)
    apps.create_namespaced_deployment(ns, deployment("status"))
    apps.patch_namespaced_deployment_status("status", ns, {"status": {"replicas": 2, "observedGeneration": 1},
                                                          "spec": {"replicas": 9}})
    d = apps.read_namespaced_deployment("status", ns)
    assert d.status.replicas == 2 and d.spec.replicas == 2 and d.metadata.generation == 1
    # ...and a main-resource write cannot change status.
    apps.patch_namespaced_deployment("status", ns, {"status": {"replicas": 0}, "metadata": {"labels": {"x": "y"}}})
    d = apps.read_namespaced_deployment("status", ns)
    assert d.status.replicas == 2 and d.metadata.generation == 1 and d.metadata.labels["x"] == "y"


def test_list_with_label_selector_limit_and_continue(client, ns):
    core = kubernetes.client.CoreV1Api(client)
    for i in range(5):
        core.create_namespaced_config_map(ns, {"metadata": {"name": f"cm-{i}", "labels": {"batch": "a" if i % 2 else "b"}}})
    page = core.list_namespaced_config_map(ns, label_selector="batch", limit=2)
    names = [c.metadata.name for c in page.items]
    assert names == ["cm-0", "cm-1"] and page.metadata.remaining_item_count == 3
    rest = core.list_namespaced_config_map(ns, label_selector="batch", limit=10, _continue=page.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["cm-2", "cm-3", "cm-4"] and not rest.metadata._continue
    odd = core.list_namespaced_config_map(ns, label_selector="batch=a")
    assert [c.metadata.name for c in odd.items] == ["cm-1", "cm-3"]
    one = core.list_namespaced_config_map(ns, field_selector="metadata.name=cm-4")
    assert [c.metadata.name for c in one.items] == ["cm-4"]


def test_watch_streams_added_modified_deleted(client, ns, api_cluster):
    core = kubernetes.client.CoreV1Api(client)
    start = core.list_namespaced_secret(ns).metadata.resource_version
    core.create_namespaced_secret(ns, {"metadata": {"name": "s1"}, "stringData": {"k": "v"}})
    core.patch_namespaced_secret("s1", ns, {"metadata": {"labels": {"l": "1"}}})
    core.delete_namespaced_secret("s1", ns)
    w = kubernetes.watch.Watch()
    events = [(e["type"], e["object"].metadata.name)
              for e in w.stream(core.list_namespaced_secret, ns, resource_version=start, timeout_seconds=1)]
    assert events == [("ADDED", "s1"), ("MODIFIED", "s1"), ("DELETED", "s1")]


def test_dynamic_client_discovers_and_applies(client, ns):
    dyn = DynamicClient(client)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced and "scale" in deployments.subresources
    created = deployments.create(body=deployment("dyn"), namespace=ns)
    assert created.metadata.name == "dyn"
    applied = deployments.server_side_apply(body={"apiVersion": "apps/v1", "kind": "Deployment",
                                                  "metadata": {"name": "dyn", "namespace": ns,
                                                               "annotations": {"team": "x"}}},
                                            name="dyn", namespace=ns, field_manager="tester", force=True)
    assert applied.metadata.annotations["team"] == "x"
    listed = deployments.get(namespace=ns, label_selector="app=dyn")
    assert [i.metadata.name for i in listed.items] == ["dyn"]
    deployments.delete(name="dyn", namespace=ns)
    with pytest.raises(kubernetes.dynamic.exceptions.NotFoundError):
        deployments.get(name="dyn", namespace=ns)
