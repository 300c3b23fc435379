"""gate_check's kubernetes checks against a fleetsim cluster: healthy pods pass, a crash loop fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

pytestmark = pytest.mark.timeout(240)

CLUSTER = "gatek8s-dev-us-east1"
SPEC = {"environment_sets": {"gatek8s": {"environments": ["dev"], "regions": ["us-east1"]}}}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def test_group_module_defaults_supply_the_connection(cluster, tmp_path):
    """module_defaults for group/progressive.delivery.delivery reach gate_check's kubernetes checks."""
    playbook = tmp_path / "gate.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/progressive.delivery.delivery": cluster},
        "tasks": [{"name": "Gate on pod health", "register": "gate",
                   "progressive.delivery.gate_check": {"checks": [pods_check("healthy", count=1)]}},
                  {"name": "Record the verdict", "ansible.builtin.copy": {
                      "dest": str(tmp_path / "verdict.txt"), "content": "{{ gate.verdict }}"}}],
    }]))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                                "-i", "localhost,", "-c", "local",
                                "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                               env=env, capture_output=True, text=True, timeout=180, cwd=REPO, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert (tmp_path / "verdict.txt").read_text() == "pass"
