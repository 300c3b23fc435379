"""Bad input to the release roles fails before any write, with a message naming the variable.

playbooks/release.yml runs on a static inventory of three clusters whose kubeconfig does not exist:
any task that reached a cluster would fail with a connection error instead, so each case proves the
refusal came from the role's own checks (argument specs and preflight asserts), first.
"""

import os
import subprocess
import sys

import json

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

INVENTORY = """
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {python}
    fleet_kubeconfig: {missing}
  children:
    shop_dev:
      hosts:
        shop-dev-us-east1: {{fleet_region: us-east1, fleet_config_cluster: shop-dev-config}}
        shop-dev-europe-west1: {{fleet_region: europe-west1, fleet_config_cluster: shop-dev-config}}
        shop-dev-asia-east1: {{fleet_region: asia-east1, fleet_config_cluster: shop-dev-config}}
    configs:
      hosts:
        shop-dev-config: {{}}
"""

GOOD = {
    "release_hosts": "shop_dev",
    "multicluster_release_app": "web",
    "multicluster_release_version": "2",
    "canary_release_prometheus_url": "http://127.0.0.1:9",
}


def run_release(tmp_path, overrides, drop=()):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(INVENTORY.format(python=sys.executable, missing=tmp_path / "no-such-kubeconfig"))
    extra = dict(GOOD, **overrides)
    for key in drop:
        extra.pop(key)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    proc = subprocess.run([PLAYBOOK_BIN, "-i", str(inventory), os.path.join(REPO, "playbooks", "release.yml"),
                           "-e", json.dumps(extra)], capture_output=True, text=True, env=env, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


CASES = [
    pytest.param({}, ("multicluster_release_app",),
                 "release.yml needs the app to release: -e release_app=web (the older names multicluster_release_app",
                 id="no-app"),
    pytest.param({}, ("multicluster_release_version",),
                 "release.yml needs the version to release: -e release_version=2.0.0 (the older names", id="no-version"),
    pytest.param({"canary_release_strategy": "weights", "canary_release_weights": [10, 25, 50]}, (),
                 "canary_release_weights must end at 100 (the last step moves every pod to the canary); got [10, 25, 50]",
                 id="schedule-not-ending-at-100"),
    pytest.param({"canary_release_strategy": "weights", "canary_release_weights": [50, 25, 100]}, (),
                 "canary_release_weights must be increasing", id="schedule-not-increasing"),
    pytest.param({"canary_release_replicas": 0}, (), "canary_release_replicas must be 1 or more when set (N, the stable's pod count); got 0", id="n-below-1"),
    pytest.param({"canary_release_step_size": 0}, (), "canary_release_step_size must be 1 or more (pods moved per step); got 0", id="step-size-0"),
    pytest.param({"multicluster_release_waves": [1, 1]}, (),
                 "the waves reach only 2 clusters, the others would be skipped", id="waves-skip-a-cluster"),
    pytest.param({"multicluster_release_waves": [1, "150%"]}, (),
                 "150% must be a positive cluster count or a share from 1% to 100%", id="waves-malformed"),
    pytest.param({"multicluster_release_rollback_scope": "region"}, (), "multicluster_release_rollback_scope",
                 id="unknown-rollback-scope"),
    pytest.param({"canary_release_strategy": "linear"}, (), "canary_release_strategy", id="unknown-strategy"),
    pytest.param({"canary_release_metric_gate_enabled": True}, ("canary_release_prometheus_url",),
                 "canary_release_prometheus_url must be the base URL", id="metric-gate-without-prometheus"),
]


@pytest.mark.parametrize("overrides, drop, message", CASES)
def test_bad_input_is_refused_before_any_cluster_access(tmp_path, overrides, drop, message):
    rc, output = run_release(tmp_path, overrides, drop)
    flat = " ".join(output.split())
    assert rc != 0, output
    assert message in flat, output
    # Nothing reached a cluster: no module ran (each would fail on the missing kubeconfig).
    assert "does not exist" not in flat, output
    assert "progressive.delivery.release_info" not in flat and "multicluster_service" not in flat, output


def test_mixed_environments_are_refused(tmp_path):
    inventory_text = INVENTORY.format(python=sys.executable, missing=tmp_path / "no-such-kubeconfig")
    inventory_text = inventory_text.replace("asia-east1, fleet_config_cluster: shop-dev-config",
                                            "asia-east1, fleet_config_cluster: shop-prod-config")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(inventory_text)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    proc = subprocess.run([PLAYBOOK_BIN, "-i", str(inventory), os.path.join(REPO, "playbooks", "release.yml"),
                           "-e", json.dumps(GOOD)], capture_output=True, text=True, env=env, timeout=120, check=False)
    flat = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0
    assert "must share one config cluster (host var fleet_config_cluster)" in flat, flat
