"""The shared core against a simulated cluster that behaves like kube-apiserver + controllers:
auth from the fleet's kubeconfig, CRUD with real resourceVersions, a rollout followed by watch to
kubectl's definition of done, conflicts resolved by re-read, and an unreachable cluster reported
in one line."""

import copy

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s import client as client_mod
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sAlreadyExistsError,
    K8sConflictError,
    K8sInvalidError,
    K8sUnavailableError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import (
    deployment_rollout_status,
    object_gone,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import update_with_conflict_retry
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import Waiter

pytestmark = pytest.mark.timeout(180)

CLUSTER = "core-dev-us-east1"
SPEC = {"environment_sets": {"core": {"environments": ["dev"], "regions": ["us-east1"]}}}


def deployment(name, image, replicas=3):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": image}]}}},
    }


@pytest.fixture
def cluster(fleetsim_fleet):
    fleet = fleetsim_fleet(SPEC, clock_speed=20, pod_ready_delay="1s", pod_ready_jitter="0s")
    client_mod._CLIENTS.clear()
    client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": CLUSTER}, environ={})
    yield fleet, client
    client_mod._CLIENTS.clear()


def test_create_then_rollout_followed_to_done(cluster):
    fleet, client = cluster
    assert client.context == CLUSTER and client.host == fleet.api_url(CLUSTER)
    created = client.create(deployment("web", "web:1"))
    assert created["metadata"]["resourceVersion"]
    with pytest.raises(K8sAlreadyExistsError):
        client.create(deployment("web", "web:1"))

    waiter = Waiter(client, timeout=60, sleep=1)
    obj, _elapsed = waiter.wait_for("apps/v1", "Deployment", "default", "web", deployment_rollout_status)
    assert obj["status"]["availableReplicas"] == 3 and waiter.watch_failed_reason is None

    patched = client.patch("apps/v1", "Deployment", "default", "web",
                           {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}},
                           patch_type="strategic")
    assert patched["metadata"]["generation"] == 2
    obj, _elapsed = waiter.wait_for("apps/v1", "Deployment", "default", "web", deployment_rollout_status)
    assert obj["status"]["observedGeneration"] == 2 and obj["status"]["updatedReplicas"] == 3
    pods = client.list("v1", "Pod", "default", label_selector="app=web")
    images = {p["spec"]["containers"][0]["image"] for p in pods["items"] if not p["metadata"].get("deletionTimestamp")}
    assert images == {"web:2"}


def test_dry_run_and_invalid_objects_change_nothing(cluster):
    _fleet, client = cluster
    client.create(deployment("dry", "web:1"), dry_run=True)
    assert client.get("apps/v1", "Deployment", "default", "dry") is None
    with pytest.raises(K8sInvalidError) as info:
        client.create(deployment("bad", "web:1", replicas=-1))
    assert "spec.replicas" in info.value.message and CLUSTER in info.value.message


def test_stale_write_conflicts_and_the_retry_helper_wins(cluster):
    _fleet, client = cluster
    client.create(deployment("api", "api:1", replicas=1))
    stale = client.get("apps/v1", "Deployment", "default", "api")
    client.patch("apps/v1", "Deployment", "default", "api", {"metadata": {"labels": {"owner": "someone-else"}}})
    outdated = copy.deepcopy(stale)
    outdated["metadata"]["labels"]["team"] = "a"
    with pytest.raises(K8sConflictError):
        client.replace(outdated)

    def label(obj):
        obj["metadata"]["labels"]["team"] = "a"

    stored = update_with_conflict_retry(client, "apps/v1", "Deployment", "default", "api", label)
    assert stored["metadata"]["labels"] == {"app": "api", "owner": "someone-else", "team": "a"}


def test_delete_waits_until_gone(cluster):
    _fleet, client = cluster
    client.create(deployment("old", "old:1", replicas=1))
    client.delete("apps/v1", "Deployment", "default", "old", propagation_policy="Foreground")
    obj, _elapsed = Waiter(client, timeout=60, sleep=1).wait_for("apps/v1", "Deployment", "default", "old", object_gone)
    assert obj is None
    assert client.delete("apps/v1", "Deployment", "default", "old") is None


def test_unreachable_cluster_is_one_clear_line(cluster):
    fleet, client = cluster
    fleet.set_fault(CLUSTER, unreachable=True)
    try:
        with pytest.raises(K8sUnavailableError) as info:
            client.get("apps/v1", "Deployment", "default", "web")
    finally:
        fleet.clear_faults(CLUSTER)
    assert info.value.reason == "ConnectionRefused"
    assert "context '%s'" % CLUSTER in info.value.message and "\n" not in info.value.message
    assert "gave up after %d attempts" % client.retry_attempts in info.value.message


def test_rollout_completes_through_api_server_errors(fleetsim_fleet):
    # One API request in four answered 500 (reproducible with the seed): writes and reads are retried,
    # the waiter rides out the failures and still ends on kubectl's definition of done.
    fleet = fleetsim_fleet(SPEC, seed=11, clock_speed=20, pod_ready_delay="1s", pod_ready_jitter="0s")
    client_mod._CLIENTS.clear()
    client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": CLUSTER}, environ={})
    client.retry_attempts = 6
    client.create(deployment("flaky", "flaky:1"))
    fleet.set_fault(CLUSTER, error_500=0.25)
    try:
        client.patch("apps/v1", "Deployment", "default", "flaky",
                     {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "flaky:2"}]}}}},
                     patch_type="strategic")
        obj = Waiter(client, timeout=90, sleep=0.5).wait_for("apps/v1", "Deployment", "default", "flaky",
                                                             deployment_rollout_status)[0]
    finally:
        fleet.clear_faults(CLUSTER)
        client_mod._CLIENTS.clear()
    assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"] == 2
    assert obj["status"]["updatedReplicas"] == obj["status"]["availableReplicas"] == 3
