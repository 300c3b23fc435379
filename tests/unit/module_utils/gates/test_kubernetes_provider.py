"""The kubernetes provider: pod health of a Deployment during the window, via the shared client API."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import build_check_specs
from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import run_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    CheckConfigError,
    ProviderError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.kubernetes import (
    KubernetesProvider,
    label_selector,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.registry import PROVIDERS
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sForbiddenError,
    K8sUnavailableError,
)


def pod(name, restarts=0, ready=True, waiting=None, uid=None):
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    return {
        "metadata": {"name": name, "uid": uid or "uid-" + name, "labels": {"app": "web"},
                     "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9"}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "app", "restartCount": restarts, "state": state}],
        },
    }


def event(uid, name, reason, kind="Pod", count=1, type_="Warning"):
    return {"metadata": {"uid": uid}, "type": type_, "reason": reason, "count": count,
            "message": "Back-off restarting failed container", "involvedObject": {"kind": kind, "name": name}}


class FakeCluster:
    """The subset of K8sClient the provider uses; tests change pods/events between measurements."""

    context = "prod-eu"

    def __init__(self, pods, events=()):
        self.pods = pods
        self.events = list(events)
        self.deployment = {"spec": {"selector": {"matchLabels": {"app": "web"}}}}
        self.error = None
        self.calls = []

    def get(self, api_version, kind, namespace, name):
        self.calls.append(("get", kind, namespace, name))
        if self.error:
            raise self.error
        return self.deployment

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, namespace, label_selector))
        return {"items": self.pods if kind == "Pod" else self.events}


def make(cluster, **options):
    raw = {"name": "pods", "provider": "kubernetes", "namespace": "shop", "deployment": "web"}
    raw.update(options)
    (spec,) = build_check_specs([raw], PROVIDERS)
    return KubernetesProvider(spec, GateContext(k8s_client=lambda: cluster))


def test_healthy_pods_pass(clock):
    cluster = FakeCluster([pod("web-a", restarts=3), pod("web-b")])
    result = run_gate([{"name": "pods", "provider": "kubernetes", "namespace": "shop", "deployment": "web"}],
                      GateContext(k8s_client=lambda: cluster), clock=clock)
    assert result.verdict == "pass"
    assert ("list", "Pod", "shop", "app=web") in cluster.calls
    # Restarts from before the window do not count.
    assert [s["value"] for s in result.measurements[0].series] == [0, 0]


def test_the_deployment_is_read_once_and_the_pods_once_per_measurement(clock):
    # The API cost of a gate: its Deployment's selector once, then one pod list at the start and per measurement.
    cluster = FakeCluster([pod("web-a")])
    result = run_gate([{"name": "pods", "provider": "kubernetes", "namespace": "shop", "deployment": "web",
                        "warning_events": False, "count": 3, "interval": "1s"}],
                      GateContext(k8s_client=lambda: cluster), clock=clock)
    assert result.verdict == "pass" and len(result.measurements) == 3
    assert cluster.calls == [("get", "Deployment", "shop", "web")] + [("list", "Pod", "shop", "app=web")] * 4


def test_restarts_during_the_window_fail():
    cluster = FakeCluster([pod("web-a", restarts=3)])
    provider = make(cluster)
    provider.start()
    cluster.pods = [pod("web-a", restarts=5)]
    observation = provider.measure()
    assert observation.scalar == 1 and observation.names["restarts"] == 2
    assert "pod web-a restarted 2 times" in observation.detail


def test_max_restarts_tolerates_some():
    cluster = FakeCluster([pod("web-a", restarts=0)])
    provider = make(cluster, max_restarts=2)
    provider.start()
    cluster.pods = [pod("web-a", restarts=2)]
    assert provider.measure().scalar == 0


def test_new_pods_count_all_their_restarts():
    cluster = FakeCluster([pod("web-a")])
    provider = make(cluster)
    provider.start()
    cluster.pods = [pod("web-a"), pod("web-new", restarts=1)]
    assert provider.measure().names["restarts"] == 1


def test_crash_looping_and_not_ready_pods():
    cluster = FakeCluster([pod("web-a", ready=False, waiting="CrashLoopBackOff"), pod("web-b", ready=False)])
    provider = make(cluster, max_not_ready=1)
    provider.start()
    observation = provider.measure()
    assert observation.names == {"restarts": 0, "not_ready": 2, "waiting": 1, "warnings": 0, "pods": 2}
    assert observation.scalar == 2  # not_ready over max_not_ready, and a stuck pod
    assert "pod web-a CrashLoopBackOff" in observation.detail
    assert [s.labels["reason"] for s in observation.series] == ["CrashLoopBackOff", ""]


def test_only_warning_events_since_the_start_count():
    old = event("e1", "web-a", "BackOff", count=4)
    cluster = FakeCluster([pod("web-a")], [old, event("e0", "other-pod", "BackOff")])
    provider = make(cluster)
    provider.start()
    assert provider.measure().names["warnings"] == 0
    cluster.events = [event("e1", "web-a", "BackOff", count=5), event("e2", "web-7d9", "FailedCreate", "ReplicaSet"),
                      event("e3", "web-a", "Pulled", type_="Normal"), event("e4", "unrelated", "BackOff")]
    observation = provider.measure()
    assert observation.names["warnings"] == 2
    assert "Warning FailedCreate on ReplicaSet web-7d9" in observation.detail


def test_ignored_event_reasons_and_disabled_events():
    cluster = FakeCluster([pod("web-a")])
    provider = make(cluster, ignore_event_reasons=["FailedScheduling"])
    provider.start()
    cluster.events = [event("e1", "web-a", "FailedScheduling")]
    assert provider.measure().names["warnings"] == 0
    quiet = make(cluster, warning_events=False)
    quiet.start()
    cluster.events.append(event("e2", "web-a", "BackOff"))
    assert quiet.measure().names["warnings"] == 0


def test_custom_condition_uses_the_counts(clock):
    cluster = FakeCluster([pod("web-a", ready=False)])
    checks = [{"name": "pods", "provider": "kubernetes", "namespace": "shop", "deployment": "web",
               "success_condition": "not_ready <= pods / 2 and waiting == 0"}]
    assert run_gate(checks, GateContext(k8s_client=lambda: cluster), clock=clock).verdict == "fail"
    cluster.pods.append(pod("web-b"))
    assert run_gate(checks, GateContext(k8s_client=lambda: cluster), clock=clock).verdict == "pass"


def test_no_pods_is_no_data():
    assert make(FakeCluster([])).measure().no_data == "Deployment shop/web has no pods"


def test_missing_deployment_is_a_measurement_error():
    cluster = FakeCluster([])
    cluster.deployment = None
    with pytest.raises(ProviderError, match="Deployment shop/web not found on context 'prod-eu'"):
        make(cluster).measure()


def test_api_errors_map_to_error_or_config_error():
    cluster = FakeCluster([pod("web-a")])
    cluster.error = K8sUnavailableError("cannot get Deployment shop/web: connection refused")
    with pytest.raises(ProviderError, match="connection refused"):
        make(cluster).measure()
    cluster.error = K8sForbiddenError("get Deployment shop/web failed: 403 Forbidden")
    with pytest.raises(CheckConfigError, match="403 Forbidden"):
        make(cluster).measure()


def test_start_tolerates_an_unreachable_cluster_and_opens_the_window_at_first_measurement():
    cluster = FakeCluster([pod("web-a", restarts=7)])
    cluster.error = K8sUnavailableError("connection refused")
    provider = make(cluster)
    assert provider.start() is None
    cluster.error = None
    assert provider.measure().names["restarts"] == 0


def test_label_selector_with_expressions():
    selector = {"matchLabels": {"app": "web", "tier": "fe"}, "matchExpressions": [
        {"key": "track", "operator": "In", "values": ["stable", "canary"]},
        {"key": "env", "operator": "NotIn", "values": ["dev"]},
        {"key": "owner", "operator": "Exists"}, {"key": "legacy", "operator": "DoesNotExist"}]}
    assert label_selector(selector) == "app=web,tier=fe,track in (stable,canary),env notin (dev),owner,!legacy"
