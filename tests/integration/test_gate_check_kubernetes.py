"""gate_check's kubernetes checks against a fleetsim cluster: healthy pods pass, a crash loop fails."""

from __future__ import annotations

import json
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

pytestmark = pytest.mark.timeout(240)

CLUSTER = "gatek8s-dev-us-east1"
SPEC = {"environment_sets": {"gatek8s": {"environments": ["dev"], "regions": ["us-east1"]}}}


def deployment(name, annotations=None, replicas=2):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations or {}},
                "spec": {"containers": [{"name": "app", "image": "shop/%s:1" % name}]},
            },
        },
    }


@pytest.fixture(scope="module")
def cluster(fleetsim_session_fleet):
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=3)
    api = fleet.runtime.clusters[CLUSTER].api
    fleet.call(api.create, "deployments.apps", deployment("healthy"), "default")
    fleet.call(api.create, "deployments.apps", deployment("crashy", {"fleetsim.io/crash-loop": "true"}), "default")
    fleet.call(api.create, "deployments.apps", deployment("unready", {"fleetsim.io/never-ready": "true"}), "default")
    deadline = time.monotonic() + 60
    while True:
        status = fleet.call(api.get, "deployments.apps", "default", "healthy").get("status") or {}
        if status.get("readyReplicas") == 2:
            break
        assert time.monotonic() < deadline, "healthy never became ready: %s" % status
        time.sleep(0.3)
    return {"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[CLUSTER].context}


def run(capsys, auth, checks):
    with patch_module_args(dict(auth, checks=checks)):
        with pytest.raises(SystemExit) as exit_info:
            gate_check.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def pods_check(name, **options):
    check = {"name": name + "-pods", "provider": "kubernetes", "namespace": "default", "deployment": name,
             "count": 2, "interval": "1s"}
    check.update(options)
    return check


def test_healthy_deployment_passes(cluster, capsys):
    result = run(capsys, cluster, [pods_check("healthy")])
    assert (result["rc"], result["verdict"]) == (0, "pass"), result.get("reason", result.get("msg"))
    assert [s["labels"]["ready"] for s in result["measurements"][-1]["series"]] == ["true", "true"]


def test_crash_looping_deployment_fails(cluster, capsys):
    # Simulated back-off is 10s, 20s, ... at 10x clock: restarts and BackOff events within seconds.
    result = run(capsys, cluster, [pods_check("crashy", initial_delay="3s")])
    assert (result["rc"], result["verdict"]) == (1, "fail")
    message = result["measurements"][0]["message"]
    assert message.startswith("limits exceeded ")
    assert "CrashLoopBackOff" in message or "restarted" in message
    assert "BackOff" in message  # the kubelet's Warning event


def test_never_ready_pods_fail_unless_tolerated(cluster, capsys):
    result = run(capsys, cluster, [pods_check("unready", count=1, warning_events=False)])
    assert result["verdict"] == "fail"
    assert "2 not ready (max_not_ready 0)" in result["reason"]
    result = run(capsys, cluster, [pods_check("unready", count=1, warning_events=False, max_not_ready=2)])
    assert result["verdict"] == "pass"


def test_missing_deployment_is_inconclusive(cluster, capsys):
    result = run(capsys, cluster, [pods_check("absent", count=1)])
    assert result["verdict"] == "inconclusive"
    assert "Deployment default/absent not found on context" in result["reason"]
