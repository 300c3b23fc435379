"""playbooks/platform_upgrade.yml on a simulated fleet of two environment sets: a node agent (a DaemonSet in
kube-system) upgraded cluster by cluster in the set order given; one cluster where the new version crash-loops
stops the upgrade there and is rolled back, the clusters after it are never touched."""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(REPO, "playbooks", "platform_upgrade.yml")
FLEET = {"environment_sets": {"web": {"environments": ["dev", "prod"], "regions": ["r1"]},
                              "data": {"environments": ["dev", "prod"], "regions": ["r1"]}}}
# data first, although the inventory lists web first: the set order is the playbook's choice
ORDER = ["data-dev-r1", "data-prod-r1", "web-dev-r1", "web-prod-r1"]
# The agent's manifest, templated per cluster: node_agent_pod_annotations is a host variable.
AGENT = {
    "apiVersion": "apps/v1", "kind": "DaemonSet",
    "metadata": {"name": "node-agent", "labels": {"app": "node-agent"}},
    "spec": {"selector": {"matchLabels": {"app": "node-agent"}}, "template": {
        "metadata": {"labels": {"app": "node-agent"}, "annotations": "{{ node_agent_pod_annotations | default({}) }}"},
        "spec": {"containers": [{"name": "agent", "image": "registry.example.com/node-agent:{{ platform_upgrade_version }}"}]}}},
}


@pytest.fixture(scope="module")
def fleet(fleetsim_session_fleet):
    return fleetsim_session_fleet(FLEET, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="200ms",
                                  nodes_per_cluster=2)


def write_inventory(tmp_path, fleet, name, cluster_vars=None):
    (tmp_path / "fleet-file.yml").write_text(yaml.safe_dump(FLEET))
    config = {"plugin": "progressive.delivery.fleet", "fleet_file": str(tmp_path / "fleet-file.yml"),
              "fleetsim_state_dir": str(fleet.state_dir)}
    if cluster_vars:
        config["clusters"] = {name: {"vars": v} for name, v in cluster_vars.items()}
    path = tmp_path / name / "platform.fleet.yml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(config))
    return str(path)


def upgrade(inventory, version):
    extravars = {"platform_upgrade_name": "node-agent", "platform_upgrade_version": version,
                 "platform_upgrade_manifests": [AGENT], "platform_upgrade_sets": ["data", "web"],
                 "platform_upgrade_rollout_timeout": 12, "platform_upgrade_poll_interval": 1,
                 "platform_upgrade_prometheus_url": ""}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"),
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
               ANSIBLE_NOCOLOR="1")
    result = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, PLAYBOOK, "-e", json.dumps(extravars)],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    return result.returncode, result.stdout + result.stderr


def agent(fleet, cluster):
    """(image version of the DaemonSet, pods ready, record phase, record version) on a cluster."""
    api = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})
    daemonset = api.get("apps/v1", "DaemonSet", "kube-system", "node-agent")
    record = api.get("v1", "ConfigMap", "kube-system", "platform-upgrade-node-agent")
    image = daemonset["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1] if daemonset else None
    ready = (daemonset.get("status") or {}).get("numberReady") if daemonset else None
    data = (record or {}).get("data") or {}
    return image, ready, data.get("phase"), data.get("version")


def install_v1(fleet):
    """Version 1 of the agent as it runs before the upgrade (installed by other means)."""
    manifest = json.loads(json.dumps(AGENT).replace("{{ platform_upgrade_version }}", "1"))
    manifest["metadata"]["namespace"] = "kube-system"
    manifest["spec"]["template"]["metadata"].pop("annotations")
    for cluster in ORDER:
        get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context}).create(manifest)
    deadline = time.time() + 90
    for cluster in ORDER:
        while agent(fleet, cluster)[:2] != ("1", 2):
            assert time.time() < deadline, "node-agent 1 never became ready on %s" % cluster
            time.sleep(0.5)


def test_one_failing_cluster_stops_the_wave_and_is_rolled_back(fleet, tmp_path):
    install_v1(fleet)
    healthy = write_inventory(tmp_path, fleet, "healthy")

    # version 2 crash-loops on data-prod-r1 only (e.g. a kernel that cluster alone runs)
    broken = write_inventory(tmp_path, fleet, "broken", {"data-prod-r1": {
        "node_agent_pod_annotations": {"fleetsim.io/crash-loop": "true"}}})
    rc, output = upgrade(broken, "2")

    assert rc != 0
    assert "one cluster at a time: %s" % " -> ".join(ORDER) in output
    assert "node-agent 2 rolled back on data-prod-r1" in output
    assert "CrashLoopBackOff" in output or "not Ready" in output
    assert agent(fleet, "data-dev-r1") == ("2", 2, "Upgraded", "2")
    assert agent(fleet, "data-prod-r1") == ("1", 2, "RolledBack", "2")  # version 1 back, every pod Ready
    for cluster in ("web-dev-r1", "web-prod-r1"):  # after the failure: never touched
        assert agent(fleet, cluster) == ("1", 2, None, None)

    # the failed version is refused on that cluster afterwards; the cluster before it is only verified
    rc, output = upgrade(healthy, "2")
    assert rc != 0
    assert "node-agent 2 was rolled back on data-prod-r1" in output
    assert agent(fleet, "web-dev-r1") == ("1", 2, None, None)
